//! The ordered output monitor under shuttle: PCT over 3 workers × 6 items with a worker that
//! panics part-way through an item, the zstash-like snapshot over many schedules, and zstash's
//! turn-counter bugs found with their fixed twins passing.

use lockstep::check::shuttle::{self, Config, Strategy};
use lockstep::check::FailureKind;
use lockstep::ordered::assert_items_in_order;
use lockstep::sync::Shuttle;
use lockstep_models::ordered::{OrderedRun, PanicAt, ZstashLike};
use lockstep_models::zstash::{Zstash, ZstashBug};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

#[test]
fn three_workers_six_items_with_a_panicking_worker_pass_1000_pct_schedules() {
    let base = OrderedRun::new(3, 6, 2).lines(2);
    let mut total = 0;
    // The panic point varies over every item and every line position (18 points × 56
    // schedules); each point is a check of its own, so a failure replays exactly.
    for item in 0..6 {
        for after_lines in 0..3 {
            let run = base.panicking(PanicAt { item, after_lines });
            let report = shuttle::try_check(
                &Config::default().seed(1_000 + (item * 3 + after_lines) as u64),
                Strategy::Pct {
                    iterations: 56,
                    depth: 3,
                },
                run.model::<Shuttle>(),
            )
            .unwrap_or_else(|failure| {
                panic!("panic at item {item} after {after_lines} lines: {failure}")
            });
            assert_eq!(report.executions, 56);
            total += report.executions;
        }
    }
    assert!(total >= 1_000, "explored {total} schedules");
    eprintln!("shuttle PCT explored {total} schedules of 3 workers x 6 items with a panic");
}

#[test]
fn three_workers_six_items_pass_1000_random_schedules_with_a_tight_window() {
    let mut run = OrderedRun::new(3, 6, 1).lines(3);
    run.window_bytes = 20;
    let report = shuttle::check_random(run.model::<Shuttle>(), 1_000);
    assert_eq!(report.executions, 1_000);
}

#[test]
fn zstash_like_output_is_the_snapshot_under_every_shuttle_schedule() {
    let outputs: Arc<Mutex<BTreeSet<String>>> = Arc::default();
    let mut total = 0;
    for workers in 1..=4 {
        let seen = outputs.clone();
        let report = shuttle::try_check(
            &Config::default().seed(workers as u64),
            Strategy::Pct {
                iterations: 250,
                depth: 3,
            },
            move || {
                let (out, _) = ZstashLike { workers }.run::<Shuttle>();
                seen.lock().unwrap().insert(out);
            },
        )
        .unwrap_or_else(|failure| panic!("{workers} workers: {failure}"));
        total += report.executions;
    }
    assert_eq!(total, 1_000);
    let outputs = outputs.lock().unwrap();
    assert_eq!(
        outputs.len(),
        1,
        "schedules produced different outputs: {outputs:#?}"
    );
    let out = outputs.first().unwrap();
    assert_items_in_order(out, ZstashLike::tar_of_line);
    insta::with_settings!({
        snapshot_path => "../snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!("ordered_zstash_like", out);
    });
}

#[test]
fn shuttle_finds_each_zstash_turn_counter_bug_and_passes_its_fix() {
    // Not the latency twins: shuttle's logical clock adds up every thread's sleeps.
    for bug in ZstashBug::ALL.into_iter().filter(|bug| !bug.has_io()) {
        let failure = shuttle::try_check(
            &Config::default().seed(5),
            Strategy::Pct {
                iterations: 1_000,
                depth: 3,
            },
            Zstash::buggy(bug).model::<Shuttle>(),
        )
        .expect_err("shuttle must find the bug");
        let kind = match bug.buggy_deadlocks() {
            true => FailureKind::Deadlock,
            false => FailureKind::Panic,
        };
        assert_eq!(failure.kind, kind, "{bug:?}: {failure}");
        let report = shuttle::check_pct(Zstash::fixed(bug).model::<Shuttle>(), 1_000, 3);
        assert_eq!(report.executions, 1_000, "{bug:?}");
    }
}

#[test]
fn a_worker_stuck_forever_is_timed_out_and_the_run_returns_under_every_schedule() {
    use lockstep::ordered::{Assignment, Config, OrderedMonitor};
    use lockstep::sync::{Condvar, Mutex};
    use std::io::Write;
    use std::time::Duration;

    let report = shuttle::check_pct(
        || {
            // Item 0's worker blocks until the run is over: only its timeout can free the head.
            let latch: lockstep::sync::Arc<(Mutex<bool, Shuttle>, Condvar<Shuttle>), Shuttle> =
                lockstep::sync::Arc::new((Mutex::new(false), Condvar::new()));
            let held = latch.clone();
            let monitor = OrderedMonitor::<Vec<u8>, Shuttle>::with_runtime(
                3,
                Vec::new(),
                Config::default().item_timeout(Duration::from_millis(50)),
            );
            let (report, out) = monitor
                .run(Assignment::dynamic(2), move |item, out| {
                    writeln!(out, "item {item}")?;
                    if item == 0 {
                        let (open, changed) = &*held;
                        drop(changed.wait_while(open.lock(), |open| !*open));
                    }
                    Ok::<_, std::io::Error>(())
                })
                .unwrap();
            *latch.0.lock() = true;
            latch.1.notify_all();
            let out = String::from_utf8(out).unwrap();
            assert_eq!(report.failed[0].item, 0, "{out}");
            assert_eq!(report.failed[0].reason, "timed out after 50ms");
            // Whatever item 0 wrote before its timeout (the timer may fire between any two of
            // its writes), then its error line on a line of its own.
            let at = out
                .find("error: item 0 failed: timed out after 50ms\n")
                .unwrap_or_else(|| panic!("no error line for item 0: {out}"));
            let before = &out[..at];
            assert!(
                "item 0\n".starts_with(before.trim_end_matches('\n'))
                    && (at == 0 || before.ends_with('\n')),
                "{out}"
            );
            // Later items finish, or time out too when the modelled clock jumps past them.
            assert_eq!(report.completed + report.failed.len(), 3, "{report:?}");
            assert_items_in_order(&out, |line| {
                line.split(' ').nth(1)?.trim_end_matches(':').parse().ok()
            });
        },
        1_000,
        3,
    );
    assert_eq!(report.executions, 1_000);
}
