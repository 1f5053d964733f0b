//! The HTML timeline (`Failure::to_html`), checked in a real browser: each page is written to a
//! file, loaded in headless Chromium (`--dump-dom`, console logged to stderr), and the DOM it
//! rendered is checked — one lane per thread, the deadlock's wait-for edges, the panic's text,
//! program text shown as text, no console message at all (the pages have no script, so any
//! message is an error). Without Chromium those tests print why and return (`.ci/run` installs
//! it). The structure of each page is also snapshotted as a compact outline, browser or not.
//!
//! `cargo test -p lockstep-tests --test browser`; set `LOCKSTEP_BROWSER_PAGES=DIR` to keep the
//! pages for a look.

mod chromium;
mod outline;
mod pages;

use lockstep_sim::{Failure, Waiting};
use std::path::{Path, PathBuf};

/// Write `html` as `name` into a fresh directory (or `$LOCKSTEP_BROWSER_PAGES`); the directory
/// guard lives as long as the page is needed.
fn write_page(name: &str, html: &str) -> (Option<tempfile::TempDir>, PathBuf) {
    let (guard, dir) = match std::env::var_os("LOCKSTEP_BROWSER_PAGES") {
        Some(dir) => {
            std::fs::create_dir_all(&dir).expect("the pages directory");
            (None, PathBuf::from(dir))
        }
        None => {
            let temp = tempfile::tempdir().expect("a temporary directory");
            let dir = temp.path().to_owned();
            (Some(temp), dir)
        }
    };
    let path = dir.join(name);
    std::fs::write(&path, html).expect("the page is written");
    (guard, path)
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

/// Checks every page must pass in the browser: it rendered, logged nothing, ran no script,
/// and has one lane per thread, named.
fn load_checked(chromium: &Path, name: &str, failure: &Failure) -> String {
    let html = failure.to_html();
    let (_dir, page) = write_page(name, &html);
    let loaded = chromium::load(chromium, &page);
    assert!(
        loaded.console.is_empty(),
        "console messages: {:#?}",
        loaded.console
    );
    assert_eq!(count(&loaded.dom, "<script"), 0, "no script element");
    assert_eq!(
        count(&loaded.dom, "class=\"lane-head\""),
        failure.threads.len(),
        "one lane per thread"
    );
    let named: Vec<String> = failure.threads.iter().map(|n| dom_text(n)).collect();
    assert_eq!(
        lane_names(&loaded.dom),
        named,
        "the lanes are named, in thread order"
    );
    assert_eq!(
        count(&loaded.dom, "class=\"row step"),
        failure.trace.len(),
        "one row per step"
    );
    loaded.dom
}

/// How Chromium serializes text content.
fn dom_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The lane heads' text, in order (as serialized).
fn lane_names(dom: &str) -> Vec<String> {
    dom.split("<span class=\"lane-head\"")
        .skip(1)
        .map(|piece| {
            let start = piece.find('>').expect("the tag ends") + 1;
            let end = piece[start..].find("</span>").expect("the head ends");
            piece[start..start + end].to_owned()
        })
        .collect()
}

/// The `data-bar` values of the DOM's bars (`hold mutex#1 0 3-end`: kind, object, lane,
/// steps).
fn bars(dom: &str) -> Vec<String> {
    dom.split("data-bar=\"")
        .skip(1)
        .map(|piece| piece[..piece.find('"').expect("the value ends")].to_owned())
        .collect()
}

/// The `data-from`/`data-to` pairs of the DOM's cycle edges.
fn cycle_edges(dom: &str) -> Vec<(usize, usize)> {
    let mut edges = Vec::new();
    for piece in dom.split("class=\"edge cycle\"").skip(1) {
        let number = |key: &str| -> usize {
            let at = piece.find(key).expect("the edge has the attribute") + key.len();
            let digits: String = piece[at..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().expect("a thread id")
        };
        edges.push((number("data-from=\""), number("data-to=\"")));
    }
    edges.sort_unstable();
    edges
}

#[test]
fn abba_deadlock_in_chromium() {
    let Some(chromium) = chromium::or_skip("abba_deadlock_in_chromium") else {
        return;
    };
    let failure = pages::abba();
    let dom = load_checked(&chromium, "abba.html", &failure);
    assert_eq!(failure.cycle.len(), 2, "{failure:?}");
    assert_eq!(
        cycle_edges(&dom),
        vec![(0, 1), (1, 0)],
        "main -> ba -> main"
    );
    assert!(dom.contains("wait-for cycle: main → ba → main"));
    assert_eq!(count(&dom, "class=\"blocked in-cycle\""), 2);
    // Each thread holds a lock to the end (a bar without an end on its lane), and the round
    // on the third lock is a hold that ended.
    let bars = bars(&dom);
    for lane in 0..2 {
        let held = |b: &&String| b.starts_with("hold mutex#") && b.contains(&format!(" {lane} "));
        let to_the_end = bars
            .iter()
            .filter(held)
            .filter(|b| b.ends_with("-end"))
            .count();
        assert_eq!(
            to_the_end, 1,
            "lane {lane} holds one lock to the end: {bars:?}"
        );
        let released = bars
            .iter()
            .filter(held)
            .filter(|b| !b.ends_with("-end"))
            .count();
        assert!(released >= 1, "lane {lane} released a lock: {bars:?}");
    }
    assert!(
        count(&dom, "class=\"arrow k-spawn\"") >= 1,
        "the spawn arrow"
    );
}

#[test]
fn spawned_panic_in_chromium() {
    let Some(chromium) = chromium::or_skip("spawned_panic_in_chromium") else {
        return;
    };
    let failure = pages::spawned_panic();
    let dom = load_checked(&chromium, "panic.html", &failure);
    let step = failure.panic_step.expect("the panicking step");
    let row = dom
        .split("<div class=\"row step")
        .find(|r| r.contains(&format!("data-step=\"{step}\"")))
        .expect("the panicking step's row");
    assert!(
        row.starts_with(" panic\"") || row.starts_with(" pre panic\""),
        "highlighted: {row}"
    );
    let message = dom_text(pages::EVIL_MESSAGE);
    assert!(row.contains(&format!("then panicked: {message}")), "{row}");
    assert!(dom.contains(&format!("<pre class=\"panic-message\">{message}</pre>")));
    // The thread name is text in the lane head (checked by `load_checked`) and in the facts.
    assert!(dom.contains(&dom_text(pages::EVIL_THREAD)));
}

#[test]
fn lost_wakeup_in_chromium() {
    let Some(chromium) = chromium::or_skip("lost_wakeup_in_chromium") else {
        return;
    };
    let failure = pages::lost_wakeup();
    let dom = load_checked(&chromium, "lost-wakeup.html", &failure);
    let never_notified = failure
        .blocked
        .iter()
        .filter(|b| b.waiting == Waiting::Notification)
        .count();
    assert!(never_notified >= 1, "{failure}");
    assert_eq!(count(&dom, "✕ never notified"), never_notified);
    assert_eq!(
        count(&dom, "class=\"bar wait c0 start missing\""),
        never_notified
    );
    // The cycle runs through the condvar: a waiter waits for a thread that could notify it.
    assert!(!failure.cycle.is_empty(), "{failure}");
    let mut expected: Vec<(usize, usize)> = (0..failure.cycle.len())
        .map(|i| {
            let next = failure.cycle[(i + 1) % failure.cycle.len()];
            (failure.cycle[i], next)
        })
        .collect();
    expected.sort_unstable();
    assert_eq!(cycle_edges(&dom), expected);
    assert!(dom.contains("wait-for cycle: "));
    assert_eq!(
        count(&dom, "class=\"arrow k-spawn\""),
        3,
        "three workers spawned"
    );
    assert!(
        count(&dom, "class=\"arrow k-notify\"") >= 1,
        "the wakeup that went astray"
    );
}

#[test]
fn livelock_of_thousands_of_steps_in_chromium() {
    let Some(chromium) = chromium::or_skip("livelock_of_thousands_of_steps_in_chromium") else {
        return;
    };
    let failure = pages::livelock();
    let dom = load_checked(&chromium, "livelock.html", &failure);
    assert!(
        count(&dom, "<details class=\"chunk\"") >= 1,
        "early rows are chunked"
    );
    assert!(dom.contains(&format!("data-step=\"{}\"", pages::LIVELOCK_STEPS)));
}

#[test]
fn console_errors_are_detected() {
    // The check above is only as good as its detector: a page with a failing script logs.
    let Some(chromium) = chromium::or_skip("console_errors_are_detected") else {
        return;
    };
    let (_dir, page) = write_page(
        "control.html",
        "<!DOCTYPE html><html><body><p>control</p><script>console.error('control'); \
         notDefined();</script></body></html>",
    );
    let loaded = chromium::load(&chromium, &page);
    assert_eq!(loaded.console.len(), 2, "{:#?}", loaded.console);
    assert!(loaded
        .console
        .iter()
        .any(|l| l.contains("Uncaught ReferenceError")));
}

#[test]
fn program_text_is_escaped_and_nothing_is_fetched() {
    let html = pages::spawned_panic().to_html();
    assert_eq!(
        count(&html, "<script"),
        0,
        "no script element, not even the thread's"
    );
    assert!(html.contains(&lockstep_escape(pages::EVIL_THREAD)));
    assert!(html.contains(&lockstep_escape(pages::EVIL_MESSAGE)));
    for external in ["http:", "https:", "src=", "<link", "@import", "url(http"] {
        assert!(!html.contains(external), "the page refers to {external}");
    }
}

fn lockstep_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[test]
fn page_structure_snapshots() {
    insta::assert_snapshot!("abba", outline::outline(&pages::abba().to_html()));
    insta::assert_snapshot!(
        "spawned_panic",
        outline::outline(&pages::spawned_panic().to_html())
    );
    insta::assert_snapshot!(
        "lost_wakeup",
        outline::outline(&pages::lost_wakeup().to_html())
    );
}
