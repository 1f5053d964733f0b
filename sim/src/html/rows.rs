//! The timeline itself: a header row of lanes, one row per step (runs of one thread's steps
//! collapsed into an expandable row, early rows of a long schedule in collapsed chunks), and an
//! end row that says how the execution ended — for a deadlock, with the wait-for edges drawn
//! over the lanes.

use super::spans::{Bar, BarKind, Drawing};
use super::{escape, Ending, LANE_WIDTH};
use crate::failure::{Failure, FailureKind};
use crate::report::{format_time, TraceStep};
use crate::timeline::{StepOp, Waiting};
use std::fmt::Write as _;

/// Consecutive steps of one thread collapsed into one row from this many on.
const RUN_MIN: usize = 4;
/// A schedule with more rows than this has its early rows grouped into collapsed chunks ...
const CHUNK_ABOVE: usize = 400;
/// ... of this many rows each, the last this many rows left open.
const CHUNK_ROWS: usize = 200;
const KEEP_OPEN: usize = 200;
/// Horizontal distance between bar slots, and the first slot's offset, in pixels.
const SLOT_WIDTH: usize = 7;
const SLOT_LEFT: usize = 3;
/// Where arrows run in their row (below the text of a one-line row).
const ARROW_Y: &str = "78%";
/// Runs are shown expanded in a schedule of at most this many steps (collapsible still).
const OPEN_RUNS_UP_TO: usize = 60;
/// Colours of lock bars (by object id).
const COLOURS: usize = 8;

/// One row of the timeline: a step, or a run of steps (0-based, inclusive) by one thread.
#[derive(Debug, Clone, Copy)]
enum Entry {
    Step(usize),
    Run(usize, usize),
}

/// The timeline of `failure`'s trace.
pub(super) fn timeline(out: &mut String, failure: &Failure, ending: Ending) {
    let r = Renderer::new(failure, ending);
    let _ = writeln!(
        out,
        "<main class=\"timeline\" style=\"--lanes:{};--lane:{LANE_WIDTH}px;--pad:{}px\">",
        r.names.len(),
        r.pad
    );
    r.head(out);
    let entries = entries(&failure.trace);
    let chunked = entries.len().saturating_sub(KEEP_OPEN);
    let chunked = if entries.len() > CHUNK_ABOVE {
        chunked
    } else {
        0
    };
    for chunk in entries[..chunked].chunks(CHUNK_ROWS) {
        let (first, last) = (first_step(chunk[0]), last_step(chunk[chunk.len() - 1]));
        let _ = writeln!(
            out,
            "<details class=\"chunk\" data-chunk=\"{}-{}\"><summary class=\"chunk-label\">\
             steps {} to {} ({} rows, collapsed)</summary>",
            first + 1,
            last + 1,
            first + 1,
            last + 1,
            chunk.len()
        );
        chunk.iter().for_each(|&e| r.entry(out, e));
        out.push_str("</details>\n");
    }
    entries[chunked..].iter().for_each(|&e| r.entry(out, e));
    r.end_row(out);
    out.push_str("</main>\n");
}

fn first_step(entry: Entry) -> usize {
    match entry {
        Entry::Step(i) | Entry::Run(i, _) => i,
    }
}

fn last_step(entry: Entry) -> usize {
    match entry {
        Entry::Step(i) | Entry::Run(_, i) => i,
    }
}

/// Group the trace into rows: runs of at least [`RUN_MIN`] steps by one thread become one row.
fn entries(trace: &[TraceStep]) -> Vec<Entry> {
    let mut entries = Vec::new();
    let mut start = 0;
    while start < trace.len() {
        let thread = trace[start].thread_id;
        let len = trace[start..]
            .iter()
            .take_while(|s| s.thread_id == thread)
            .count();
        if len >= RUN_MIN {
            entries.push(Entry::Run(start, start + len - 1));
        } else {
            entries.extend((start..start + len).map(Entry::Step));
        }
        start += len;
    }
    entries
}

struct Renderer<'f> {
    failure: &'f Failure,
    ending: Ending,
    names: Vec<String>,
    drawing: Drawing,
    /// Left padding of a cell's text, past its bars.
    pad: usize,
}

impl<'f> Renderer<'f> {
    fn new(failure: &'f Failure, ending: Ending) -> Self {
        let trace = &failure.trace;
        let lanes = trace
            .iter()
            .map(|s| s.thread_id + 1)
            .max()
            .unwrap_or(0)
            .max(failure.threads.len());
        let names = (0..lanes)
            .map(|t| match failure.threads.get(t) {
                Some(name) => name.clone(),
                None => trace
                    .iter()
                    .find(|s| s.thread_id == t)
                    .map_or_else(|| format!("thread-{t}"), |s| s.thread.clone()),
            })
            .collect();
        let drawing = Drawing::new(trace, lanes);
        let pad = SLOT_LEFT + drawing.slots * SLOT_WIDTH + 3;
        Renderer {
            failure,
            ending,
            names,
            drawing,
            pad,
        }
    }

    fn head(&self, out: &mut String) {
        out.push_str("<div class=\"row head\"><span class=\"n\">step</span><span class=\"t\">time</span><span class=\"lanes\">");
        for (t, name) in self.names.iter().enumerate() {
            let _ = write!(
                out,
                "<span class=\"lane-head\" data-thread=\"{t}\">{0}</span>",
                escape(name)
            );
        }
        out.push_str("</span><span class=\"loc\">source</span></div>\n");
    }

    fn entry(&self, out: &mut String, entry: Entry) {
        match entry {
            Entry::Step(i) => self.step_row(out, i),
            Entry::Run(a, b) => self.run(out, a, b),
        }
    }

    /// The row of step `i` (0-based).
    fn step_row(&self, out: &mut String, i: usize) {
        let s = &self.failure.trace[i];
        let panic = self.failure.panic_step == Some(s.index) && self.ending == Ending::Failed;
        let mut class = String::from("row step");
        for (on, name) in [
            (s.preemption, " preempted"),
            (panic, " panic"),
            (s.links.fired, " fired"),
        ] {
            if on {
                class.push_str(name);
            }
        }
        let _ = write!(
            out,
            "<div class=\"{class}\" id=\"s{n}\" data-step=\"{n}\" data-thread=\"{t}\" \
             data-op=\"{op}\" title=\"{n}. {who}: {what} — {at}\"><span class=\"n\">{n}</span>\
             <span class=\"t\">{time}</span><span class=\"lanes\">",
            n = s.index,
            t = s.thread_id,
            op = s.op.name(),
            who = escape(&s.thread),
            what = escape(&s.action),
            at = escape(&s.location),
            time = format_time(s.time),
        );
        for lane in 0..self.names.len() {
            self.step_cell(out, i, lane, panic);
        }
        self.arrows(out, i);
        let _ = writeln!(
            out,
            "</span><span class=\"loc\">{}</span></div>",
            escape(&s.location)
        );
    }

    /// Lane `lane`'s cell in the row of step `i`.
    fn step_cell(&self, out: &mut String, i: usize, lane: usize, panic: bool) {
        let s = &self.failure.trace[i];
        let own = s.thread_id == lane;
        self.open_cell(out, lane, s.index, s.index, own);
        for &b in &self.drawing.active[i] {
            let bar = &self.drawing.bars[b];
            if bar.lane == lane {
                self.bar(out, bar, Some(s.index));
            }
        }
        if own {
            self.own_text(out, s, panic);
        }
        for mark in self.drawing.marks[i].iter().filter(|m| m.lane == lane) {
            let _ = write!(
                out,
                "<span class=\"mark k-{}\">{}</span>",
                mark.class,
                escape(&mark.text)
            );
        }
        out.push_str("</span>");
    }

    fn open_cell(&self, out: &mut String, lane: usize, from: usize, to: usize, own: bool) {
        let alive = self.drawing.alive(lane, from) || self.drawing.alive(lane, to);
        let _ = write!(
            out,
            "<span class=\"cell{}{}\">",
            if alive { " alive" } else { "" },
            if own { " own" } else { "" }
        );
    }

    /// The acting thread's text: the action, preemption, fault, panic, a notify that woke
    /// nobody.
    fn own_text(&self, out: &mut String, s: &TraceStep, panic: bool) {
        if s.preemption {
            out.push_str("<span class=\"pre\" title=\"preemption: the previous thread could have continued\">preempts</span> ");
        }
        if s.other_waiter {
            out.push_str("<span class=\"pre\" title=\"preemption: a waiter other than the longest waiting is woken\">out of turn</span> ");
        }
        let _ = write!(
            out,
            "<span class=\"act op-{}\">{}</span>",
            s.op.name(),
            escape(&s.action)
        );
        if s.links.fired {
            out.push_str("<span class=\"fired-mark\">fault fired</span>");
        }
        if matches!(s.op, StepOp::NotifyOne | StepOp::NotifyAll) && s.links.woke.is_empty() {
            out.push_str("<span class=\"mark k-nobody\">woke nobody</span>");
        }
        if s.op == StepOp::TryLock && !s.links.acquires {
            out.push_str("<span class=\"mark k-nobody\">lock was taken: failed</span>");
        }
        if panic {
            let _ = write!(
                out,
                "<span class=\"panic-msg\">then panicked: {}</span>",
                escape(&self.failure.message)
            );
        }
    }

    /// A bar's piece in one row (`step`: the row's step, for its caps; `None`: a run's row).
    fn bar(&self, out: &mut String, bar: &Bar, step: Option<usize>) {
        let start = step == Some(bar.from);
        let end = step.is_some() && step == bar.to;
        let (kind, verb, colour) = match bar.kind {
            BarKind::Hold => (
                "hold",
                "holds",
                bar.object.map_or(0, |o| o.id as usize % COLOURS),
            ),
            BarKind::Wait => ("wait", "waits on", 0),
        };
        let object = bar.object.map(|o| o.to_string()).unwrap_or_default();
        let to = bar.to.map_or_else(|| "end".to_owned(), |to| to.to_string());
        let until = bar
            .to
            .map_or_else(|| "the end".to_owned(), |to| format!("step {to}"));
        let _ = write!(
            out,
            "<i class=\"bar {kind} c{colour}{}{}{}\" style=\"left:{}px\" \
             title=\"{} {verb} {object} from step {} to {until}\"",
            if start { " start" } else { "" },
            if end { " end" } else { "" },
            if bar.missing_notify { " missing" } else { "" },
            SLOT_LEFT + bar.slot * SLOT_WIDTH,
            escape(&self.names[bar.lane]),
            bar.from,
        );
        if start {
            let _ = write!(
                out,
                " data-bar=\"{kind} {object} {} {}-{to}\"",
                bar.lane, bar.from
            );
        }
        out.push_str("></i>");
    }

    /// The arrows of the row of step `i`, over its lanes.
    fn arrows(&self, out: &mut String, i: usize) {
        let arrows = &self.drawing.arrows[i];
        if arrows.is_empty() {
            return;
        }
        out.push_str("<svg class=\"arrows\" aria-hidden=\"true\">");
        for a in arrows.iter().filter(|a| a.from != a.to) {
            let x1 = a.from * LANE_WIDTH + LANE_WIDTH / 2;
            let x2 = if a.to > a.from {
                a.to * LANE_WIDTH + 4
            } else {
                a.to * LANE_WIDTH + LANE_WIDTH - 4
            };
            let _ = write!(
                out,
                "<line class=\"arrow k-{0}\" data-arrow=\"{0} {1}-&gt;{2}\" x1=\"{x1}\" y1=\"{ARROW_Y}\" \
                 x2=\"{x2}\" y2=\"{ARROW_Y}\" marker-end=\"url(#ah-{0})\"/>",
                a.class, a.from, a.to
            );
        }
        out.push_str("</svg>");
    }

    /// A run of steps `a..=b` (0-based) by one thread: a summary row, its steps inside.
    fn run(&self, out: &mut String, a: usize, b: usize) {
        let trace = &self.failure.trace;
        let (first, last) = (&trace[a], &trace[b]);
        let panic = self
            .failure
            .panic_step
            .is_some_and(|p| (first.index..=last.index).contains(&p));
        let fired = trace[a..=b].iter().any(|s| s.links.fired);
        let time = if first.time == last.time {
            format_time(first.time)
        } else {
            format!("{}…", format_time(first.time))
        };
        let _ = write!(
            out,
            "<details class=\"run\" data-run=\"{}-{}\" data-thread=\"{}\"{}><summary class=\"row summary{}\" \
             title=\"steps {0} to {1}: {} steps by {}, collapsed\"><span class=\"n\">{0}–{1}</span>\
             <span class=\"t\">{time}</span><span class=\"lanes\">",
            first.index,
            last.index,
            first.thread_id,
            if panic || fired || trace.len() <= OPEN_RUNS_UP_TO {
                " open"
            } else {
                ""
            },
            if first.preemption { " preempted" } else { "" },
            b - a + 1,
            escape(&first.thread),
        );
        for lane in 0..self.names.len() {
            self.run_cell(out, a, b, lane);
        }
        let _ = writeln!(
            out,
            "</span><span class=\"loc\">{}</span></summary>",
            escape(&first.location)
        );
        (a..=b).for_each(|i| self.step_row(out, i));
        out.push_str("</details>\n");
    }

    /// Lane `lane`'s cell in the summary row of the run `a..=b`.
    fn run_cell(&self, out: &mut String, a: usize, b: usize, lane: usize) {
        let trace = &self.failure.trace;
        let (from, to) = (trace[a].index, trace[b].index);
        let own = trace[a].thread_id == lane;
        self.open_cell(out, lane, from, to, own);
        let bars = self.drawing.bars.iter();
        for bar in bars.filter(|bar| bar.lane == lane && bar.overlaps(from, to)) {
            self.bar(out, bar, None);
        }
        if own {
            if trace[a].preemption {
                out.push_str("<span class=\"pre\">preempts</span> ");
            }
            let _ = write!(
                out,
                "<span class=\"act run-label\">▸ {} steps: {}</span>",
                b - a + 1,
                escape(&run_summary(&trace[a..=b]))
            );
        }
        out.push_str("</span>");
    }

    /// The last row: how the execution ended; for a deadlock, who waits for whom.
    fn end_row(&self, out: &mut String) {
        let f = self.failure;
        let kind = match self.ending {
            Ending::Passed => "passed",
            Ending::Failed => f.kind.name(),
        };
        let edges = self.wait_edges();
        let height = 28
            + if edges.is_empty() {
                0
            } else {
                44 + 16 * edges.len()
            };
        let _ = write!(
            out,
            "<div class=\"row end end-{kind}\" id=\"end\"><span class=\"n\">end</span>\
             <span class=\"t\"></span><span class=\"lanes\" style=\"min-height:{height}px\">"
        );
        for lane in 0..self.names.len() {
            self.end_cell(out, lane);
        }
        if !edges.is_empty() {
            self.edges(out, &edges, height);
        }
        let _ = writeln!(
            out,
            "</span><span class=\"loc\">{}</span></div>",
            escape(&self.end_text())
        );
    }

    /// The wait-for edges of a deadlock: (waiter, the thread it waits for, on what).
    fn wait_edges(&self) -> Vec<(usize, usize, String)> {
        if self.ending != Ending::Failed {
            return Vec::new();
        }
        let f = self.failure;
        f.blocked
            .iter()
            .filter_map(|b| {
                let label = match b.waiting {
                    Waiting::Join => "join".to_owned(),
                    _ => b.object.map(|o| o.to_string()).unwrap_or_default(),
                };
                Some((b.thread, b.waits_for?, label))
            })
            .filter(|(a, b, _)| a != b)
            .collect()
    }

    fn end_text(&self) -> String {
        let f = self.failure;
        match (self.ending, f.kind) {
            (Ending::Passed, _) => "every thread ran to completion".to_owned(),
            (_, FailureKind::Deadlock) if f.cycle.is_empty() => {
                "deadlock: the blocked threads wait for something no thread will do".to_owned()
            }
            (_, FailureKind::Deadlock) => "deadlock: a wait-for cycle".to_owned(),
            (_, FailureKind::Panic) => format!(
                "{} at {}",
                f.summary(),
                f.location.as_deref().unwrap_or("?")
            ),
            _ => f.summary(),
        }
    }

    /// Lane `lane`'s state at the end.
    fn end_cell(&self, out: &mut String, lane: usize) {
        let f = self.failure;
        let last = f.trace.len();
        self.open_cell(out, lane, last, last, false);
        let blocked = f.blocked.iter().find(|b| b.thread == lane);
        match blocked.filter(|_| self.ending == Ending::Failed) {
            Some(b) => {
                let object = b.object.map(|o| o.to_string()).unwrap_or_default();
                let text = match b.waiting {
                    Waiting::Lock => format!("blocked: waits to lock {object}"),
                    Waiting::Relock => format!("blocked: waits to re-lock {object}"),
                    Waiting::Notification => format!("blocked: waits on {object}"),
                    Waiting::Join => "blocked: waits to join".to_owned(),
                    Waiting::Wake => "blocked: waits to be woken".to_owned(),
                };
                let in_cycle = if f.cycle.contains(&lane) {
                    " in-cycle"
                } else {
                    ""
                };
                let _ = write!(
                    out,
                    "<span class=\"blocked{in_cycle}\" data-thread=\"{lane}\" title=\"at {}\">{}</span>",
                    escape(&b.at),
                    escape(&text)
                );
                if b.waiting == Waiting::Notification {
                    out.push_str("<span class=\"mark missing\" title=\"no thread that could notify is left running: a lost wakeup\">✕ never notified</span>");
                }
            }
            None => self.end_state(out, lane),
        }
        out.push_str("</span>");
    }

    /// A lane that is not blocked at the end: finished, panicked, or running.
    fn end_state(&self, out: &mut String, lane: usize) {
        let f = self.failure;
        let panicked = self.ending == Ending::Failed
            && f.kind == FailureKind::Panic
            && f.thread.as_deref() == self.names.get(lane).map(String::as_str)
            && f.panic_step.is_some_and(|p| {
                f.trace
                    .get(p.wrapping_sub(1))
                    .is_some_and(|s| s.thread_id == lane)
            });
        let finished = self.drawing.alive.get(lane).is_some_and(|a| a.1.is_some());
        let text = if panicked {
            format!("panicked: {}", f.message)
        } else if finished {
            "finished".to_owned()
        } else {
            String::new()
        };
        if !text.is_empty() {
            let class = if panicked { "panic-msg" } else { "state" };
            let _ = write!(out, "<span class=\"{class}\">{}</span>", escape(&text));
        }
    }

    /// The wait-for edges of a deadlock, waiter to holder, as arcs over the lanes.
    fn edges(&self, out: &mut String, edges: &[(usize, usize, String)], height: usize) {
        let base = 28 + (height - 28) / 2;
        out.push_str("<svg class=\"edges\" aria-hidden=\"true\">");
        for (k, (from, to, label)) in edges.iter().enumerate() {
            let (from, to) = (*from, *to);
            let cycle = self.failure.cycle.contains(&from) && self.failure.cycle.contains(&to);
            let x1 = from * LANE_WIDTH + LANE_WIDTH / 2;
            let x2 = to * LANE_WIDTH + LANE_WIDTH / 2;
            // Left to right arcs above the base line, right to left below: both directions of
            // a two-thread cycle stay apart.
            let bend = 16 + 8 * k;
            let (y, cy) = if x2 > x1 {
                (base, base - bend)
            } else {
                (base, base + bend)
            };
            let mid = (x1 + x2) / 2;
            let (class, marker) = if cycle {
                ("edge cycle", "ah-cycle")
            } else {
                ("edge", "ah-edge")
            };
            let _ = write!(
                out,
                "<path class=\"{class}\" data-edge=\"{from}-&gt;{to}\" data-from=\"{from}\" data-to=\"{to}\" \
                 d=\"M{x1},{y} Q{mid},{cy} {x2},{y}\" marker-end=\"url(#{marker})\">\
                 <title>{} waits for {} ({label})</title></path>\
                 <text class=\"edge-label\" x=\"{mid}\" y=\"{ly}\">{label}</text>",
                escape(&self.names[from]),
                escape(&self.names[to]),
                label = escape(label),
                // The label sits at the arc's apex (a quadratic's apex is halfway to its
                // control point), outside the arc.
                ly = if cy < y { (y + cy) / 2 - 3 } else { (y + cy) / 2 + 11 },
            );
        }
        out.push_str("</svg>");
    }
}

/// What a run of steps did: each distinct action with its count, in order of first appearance.
fn run_summary(steps: &[TraceStep]) -> String {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for s in steps {
        match counts.iter_mut().find(|(a, _)| *a == s.action) {
            Some((_, n)) => *n += 1,
            None => counts.push((&s.action, 1)),
        }
    }
    let shown: Vec<String> = counts
        .iter()
        .take(4)
        .map(|(a, n)| {
            if *n == 1 {
                (*a).to_owned()
            } else {
                format!("{a} ×{n}")
            }
        })
        .collect();
    let more = if counts.len() > 4 { ", …" } else { "" };
    format!("{}{more}", shown.join(", "))
}
