//! The HTML timeline of a schedule: one self-contained page per execution.
//!
//! Guarantees:
//! - Self-contained: inline CSS and inline SVG only — no script, no external resource, nothing
//!   fetched — so the page opens from a file anywhere, offline.
//! - Every piece of text that comes from the program (thread names, panic messages, source
//!   paths, fault names, the token) is HTML-escaped: it is shown as text, never interpreted.
//! - Deterministic: the same failure gives the same bytes (no timestamps, paths or addresses
//!   beyond what the failure itself carries).
//! - Usable when large: runs of consecutive steps by one thread are collapsed into one
//!   expandable row (`<details>`, which needs no script), and a long schedule's early rows are
//!   grouped into collapsed chunks; every step is in the page.
//!
//! What it shows: one lane (column) per thread; steps as rows in order with their virtual time
//! and source location; preemptions marked; lock and reader-writer lock holds as bars on the
//! holder's lane from the acquiring step to the releasing one; condvar waits as dashed bars
//! ending at the re-lock, with the notification that woke them drawn as an arrow (or the
//! missing one marked); spawns and joins as arrows between lanes; for a deadlock the wait-for
//! edges (waiter to holder) over the lanes, the cycle highlighted; for a panic the panicking
//! step and its message; the faults that fired; and the replay lines to copy.
//!
//! Elements carry `data-*` attributes (`data-thread`, `data-step`, `data-bar`, `data-edge`, …)
//! that tools and tests read; the classes `lane-head`, `row step`, `bar`, `arrow` and `edge`
//! are the page's structure.

mod rows;
mod spans;

use crate::failure::{Failure, FailureKind};
use crate::report::TraceStep;
use crate::timeline::Waiting;
use std::fmt::Write as _;

/// The style sheet, inlined into every page.
const STYLE: &str = include_str!("style.css");

/// Width of one lane, in CSS pixels (the SVG arrows are drawn in these coordinates).
pub(crate) const LANE_WIDTH: usize = 200;

/// `text` with `&`, `<`, `>`, `"` and `'` escaped: safe as element text and as a quoted
/// attribute value.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// How the rendered execution ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ending {
    /// It failed as the failure says.
    Failed,
    /// A replay ran to completion without failing (the failure is only a carrier of the trace,
    /// threads, token and checker).
    Passed,
}

/// The page of a failure.
pub(crate) fn failure_page(failure: &Failure) -> String {
    page(failure, Ending::Failed)
}

/// The page of a schedule that `failure` carries (see [`Ending`]).
pub(crate) fn page(failure: &Failure, ending: Ending) -> String {
    let title = match ending {
        Ending::Failed if failure.kind == FailureKind::Invalid => {
            format!("lockstep-sim could not run: {}", failure.message)
        }
        Ending::Failed => failure.summary(),
        Ending::Passed => {
            "this schedule runs to completion without failing (a replay checks no output oracle)"
                .to_owned()
        }
    };
    let mut out = String::with_capacity(4096 + failure.trace.len() * 400);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    let _ = writeln!(out, "<title>lockstep: {}</title>", escape(&title));
    let _ = writeln!(out, "<style>\n{STYLE}</style>\n</head>\n<body>");
    header(&mut out, failure, ending, &title);
    rows::timeline(&mut out, failure, ending);
    text_report(&mut out, failure, ending);
    out.push_str(MARKERS);
    out.push_str("</body>\n</html>\n");
    out
}

/// Arrowheads, one per arrow class (SVG `context-stroke` is not everywhere yet).
const MARKERS: &str = "<svg class=\"defs\" width=\"0\" height=\"0\" aria-hidden=\"true\"><defs>\
<marker id=\"ah-spawn\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0L10,5L0,10z\" fill=\"#2e7d32\"/></marker>\
<marker id=\"ah-join\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0L10,5L0,10z\" fill=\"#6a1b9a\"/></marker>\
<marker id=\"ah-notify\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0L10,5L0,10z\" fill=\"#ef6c00\"/></marker>\
<marker id=\"ah-edge\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0L10,5L0,10z\" fill=\"#555\"/></marker>\
<marker id=\"ah-cycle\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0L10,5L0,10z\" fill=\"#c62828\"/></marker>\
</defs></svg>\n";

/// The headline, the facts, the failure's own sections and the replay lines.
fn header(out: &mut String, failure: &Failure, ending: Ending, title: &str) {
    let kind = match ending {
        Ending::Passed => "passed",
        Ending::Failed => failure.kind.name(),
    };
    let _ = writeln!(
        out,
        "<header>\n<h1 class=\"headline kind-{kind}\" data-kind=\"{kind}\">{}</h1>",
        escape(title)
    );
    facts(out, failure, ending);
    if ending == Ending::Failed {
        if let Some(at) = &failure.location {
            let _ = writeln!(out, "<p class=\"at\">at <code>{}</code></p>", escape(at));
        }
        panic_section(out, failure);
        deadlock_section(out, failure);
    }
    faults_section(out, failure);
    replay_section(out, failure);
    out.push_str(LEGEND);
    out.push_str("</header>\n");
}

fn facts(out: &mut String, failure: &Failure, ending: Ending) {
    let mut facts = vec![format!("{} (seed {})", failure.checker, failure.seed)];
    if ending == Ending::Failed && failure.executions > 0 {
        facts.push(format!("found after {} execution(s)", failure.executions));
    }
    facts.push(format!(
        "{} steps, {} thread(s), {} preemption(s)",
        failure.trace.len(),
        failure.threads.len(),
        failure.preemptions
    ));
    if let Some(s) = failure.shrunk {
        facts.push(format!(
            "shrunk from {} steps and {} preemption(s) in {} runs",
            s.steps.0, s.preemptions.0, s.runs
        ));
    }
    if !failure.label.is_empty() {
        facts.push(format!("model {}", failure.label));
    }
    let facts: Vec<String> = facts.iter().map(|f| escape(f)).collect();
    let _ = writeln!(out, "<p class=\"facts\">{}</p>", facts.join(" · "));
}

fn panic_section(out: &mut String, failure: &Failure) {
    if failure.kind != FailureKind::Panic {
        return;
    }
    let thread = failure.thread.as_deref().unwrap_or("?");
    let step = failure
        .panic_step
        .map(|s| format!(" after <a href=\"#s{s}\">step {s}</a>"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "<section class=\"panic\"><h2>Panic</h2><p>thread <code class=\"thread\">{}</code> \
         panicked{step}:</p>\n<pre class=\"panic-message\">{}</pre></section>",
        escape(thread),
        escape(&failure.message)
    );
}

/// Each blocked thread's wait, and the cycle.
fn deadlock_section(out: &mut String, failure: &Failure) {
    if failure.blocked.is_empty() {
        return;
    }
    let name = |t: usize| escape(failure.threads.get(t).map_or("?", String::as_str));
    out.push_str("<section class=\"deadlock\"><h2>Deadlock</h2>\n<ul class=\"blocked\">\n");
    for b in &failure.blocked {
        let object = b.object.map(|o| o.to_string()).unwrap_or_default();
        let what = match (b.waiting, b.waits_for) {
            (Waiting::Lock, Some(h)) => {
                format!("waits to lock {object}, held by <code>{}</code>", name(h))
            }
            (Waiting::Lock, None) => format!("waits to lock {object}"),
            (Waiting::Relock, Some(h)) => format!(
                "was woken and waits to re-lock {object}, held by <code>{}</code>",
                name(h)
            ),
            (Waiting::Relock, None) => format!("was woken and waits to re-lock {object}"),
            (Waiting::Notification, _) => format!(
                "waits on {object} for a notification that never comes \
                 <span class=\"mark missing\">✕ no notification</span>"
            ),
            (Waiting::Join, _) => format!(
                "waits to join <code>{}</code>",
                name(b.waits_for.unwrap_or_default())
            ),
            (Waiting::Wake, _) => "waits to be woken; nothing is left to wake it".to_owned(),
        };
        let in_cycle = if failure.cycle.contains(&b.thread) {
            " in-cycle"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "<li class=\"waiter{in_cycle}\" data-thread=\"{}\"><code>{}</code> {what} \
             <span class=\"loc\">at {}</span></li>",
            b.thread,
            name(b.thread),
            escape(&b.at)
        );
    }
    out.push_str("</ul>\n");
    if let Some(&first) = failure.cycle.first() {
        let names: Vec<String> = failure.cycle.iter().map(|&t| name(t)).collect();
        let _ = writeln!(
            out,
            "<p class=\"cycle\">wait-for cycle: {} → {}</p>",
            names.join(" → "),
            name(first)
        );
    } else {
        out.push_str("<p class=\"cycle none\">no wait-for cycle: the blocked threads wait for something no thread will do</p>\n");
    }
    out.push_str("</section>\n");
}

fn faults_section(out: &mut String, failure: &Failure) {
    let fired: Vec<&TraceStep> = failure.trace.iter().filter(|s| s.links.fired).collect();
    if fired.is_empty() && failure.faults.is_empty() {
        return;
    }
    out.push_str("<section class=\"faults\"><h2>Faults that fired</h2>\n<ol>\n");
    for s in &fired {
        let _ = writeln!(
            out,
            "<li class=\"fault\" data-step=\"{0}\"><a href=\"#s{0}\">step {0}</a>: <code>{1}</code> — {2}</li>",
            s.index,
            escape(&s.thread),
            escape(&s.action)
        );
    }
    if fired.is_empty() {
        let _ = writeln!(out, "<li>{}</li>", escape(&failure.faults.join(", ")));
    }
    out.push_str("</ol></section>\n");
}

fn replay_section(out: &mut String, failure: &Failure) {
    if failure.token.is_empty() {
        return;
    }
    let token = escape(&failure.token);
    out.push_str("<section class=\"replay\"><h2>Replay</h2>\n");
    let _ = writeln!(
        out,
        "<pre class=\"replay-line\">lockstep_sim::replay(\"{token}\", model)</pre>"
    );
    if !failure.label.is_empty() {
        let _ = writeln!(
            out,
            "<pre class=\"replay-line\">lockstep replay {token}</pre>"
        );
        let _ = writeln!(
            out,
            "<pre class=\"replay-line\">lockstep replay {token} --html failure.html</pre>"
        );
    }
    out.push_str("</section>\n");
}

const LEGEND: &str = "<details class=\"legend\"><summary>How to read the timeline</summary><ul>\
<li>One column (lane) per thread; one row per step, in the order the steps ran, with the virtual time and the step's source location (hover a row for all of it).</li>\
<li><span class=\"pre\">preempts</span>: the scheduler switched away from a thread that could have gone on.</li>\
<li><i class=\"swatch hold\"></i> a lock held, on the holder's lane, from the step that took it to the step that released it; \
<i class=\"swatch wait\"></i> a condvar wait, to the re-lock that ended it.</li>\
<li>Arrows: <span class=\"k-spawn\">spawn</span> (parent to child), <span class=\"k-join\">join</span> (finished thread to joiner), \
<span class=\"k-notify\">notify</span> (notifier to the waiter it woke); <b class=\"missing-key\">✕</b> marks a wait no notification reached.</li>\
<li>Deadlock: the last row draws who waits for whom (waiter to holder), the wait-for cycle in red.</li>\
<li>▸ rows are runs of steps by one thread, collapsed: click to expand.</li></ul></details>\n";

/// The plain-text report, for copying into an issue.
fn text_report(out: &mut String, failure: &Failure, ending: Ending) {
    if ending != Ending::Failed {
        return;
    }
    let _ = writeln!(
        out,
        "<details class=\"text-report\"><summary>The text report</summary><pre>{}</pre></details>",
        escape(&failure.to_string())
    );
}
