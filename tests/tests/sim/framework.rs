use lockstep::sync::{thread, Arc, Mutex};
use lockstep_models::acceptance::abba::Abba;
use lockstep_models::acceptance::atomicity::Tickets;
use lockstep_models::acceptance::timeout_progress::Supervisor;
use lockstep_models::handoff::Handoff;
use lockstep_sim::{try_replay, Builder, FailureKind, Output, Replayed, Sim, TokenError};
use std::io::Write;

#[test]
fn a_token_replays_the_same_failure() {
    let failure = Builder::pct(1000, 3)
        .run(Handoff::buggy(3, 2).model::<Sim>())
        .unwrap_err();
    match try_replay(&failure.token, Handoff::buggy(3, 2).model::<Sim>()) {
        Ok(Replayed::Failed(again)) => {
            assert_eq!(again.kind, failure.kind);
            // The same steps (the main thread's start is reported where each run began).
            assert_eq!(
                again.trace[1..],
                failure.trace[1..],
                "the replay follows the same steps"
            );
            assert_eq!(again.deadlock, failure.deadlock);
        }
        other => panic!("expected the failure again, got {other:?}"),
    }
}

#[test]
fn a_token_for_another_model_or_version_is_refused() {
    let failure = Builder::dfs(None)
        .run(
            Abba {
                buggy: true,
                rounds: 0,
            }
            .model::<Sim>(),
        )
        .unwrap_err();
    // Another model.
    let err = try_replay(&failure.token, Tickets { buggy: true }.model::<Sim>()).unwrap_err();
    assert!(matches!(err, TokenError::Mismatch(_)), "{err}");
    // Another version of the model (more rounds before the same code).
    let err = try_replay(
        &failure.token,
        Abba {
            buggy: true,
            rounds: 1,
        }
        .model::<Sim>(),
    )
    .unwrap_err();
    assert!(matches!(err, TokenError::Mismatch(_)), "{err}");
}

#[test]
fn a_malformed_token_is_a_clear_error() {
    for bad in ["", "ls1-", "ls1-!!!", "shuttle1:0:e:0", "ls1-AAAAAAAAAA"] {
        let err = try_replay(bad, Tickets { buggy: true }.model::<Sim>()).unwrap_err();
        assert!(matches!(err, TokenError::Malformed(_)), "{bad:?}: {err}");
        assert!(
            err.to_string().starts_with("malformed replay token"),
            "{err}"
        );
    }
}

#[test]
fn same_seed_same_executions() {
    let run = |seed| {
        Builder::random(500)
            .seed(seed)
            .shrink(false)
            .run(
                Abba {
                    buggy: true,
                    rounds: 3,
                }
                .model::<Sim>(),
            )
            .unwrap_err()
    };
    let (a, b) = (run(42), run(42));
    assert_eq!(a.executions, b.executions);
    assert_eq!(a.trace, b.trace);
    assert_eq!(a.token, b.token);
    let c = run(43);
    assert!(
        c.token != a.token || c.executions != a.executions,
        "another seed, another run"
    );
}

#[test]
fn shrinking_removes_preemptions_and_steps() {
    // Random walks preempt at random: the first failing schedule is long and full of
    // preemptions; the reported one needs a single preemption.
    let failure = Builder::random(1000)
        .seed(5)
        .run(
            Abba {
                buggy: true,
                rounds: 5,
            }
            .model::<Sim>(),
        )
        .unwrap_err();
    let shrunk = failure.shrunk.expect("shrinking is on by default");
    assert!(shrunk.preemptions.0 > 1, "{shrunk:?}");
    assert!(shrunk.preemptions.1 < shrunk.preemptions.0, "{shrunk:?}");
    assert!(shrunk.steps.1 <= shrunk.steps.0, "{shrunk:?}");
    assert_eq!(failure.preemptions, shrunk.preemptions.1);
    assert_eq!(failure.trace.len(), shrunk.steps.1);
    // The shrunk token still reproduces it.
    let again = try_replay(
        &failure.token,
        Abba {
            buggy: true,
            rounds: 5,
        }
        .model::<Sim>(),
    );
    assert!(matches!(again, Ok(Replayed::Failed(_))), "{again:?}");
}

#[test]
fn deadlock_report_snapshot() {
    let failure = Builder::dfs(None)
        .run(
            Abba {
                buggy: true,
                rounds: 0,
            }
            .model::<Sim>(),
        )
        .unwrap_err();
    // The location column names this workspace's files with stable relative paths; the main
    // thread starts at this test's own call, whose line moves with edits of this file.
    insta::with_settings!({filters => vec![(r"tests/sim/framework\.rs:\d+:\d+", "tests/sim/framework.rs:[line]")]}, {
        insta::assert_snapshot!("abba_deadlock_report", failure.to_string());
    });
}

#[test]
fn virtual_time_fires_a_five_second_timeout_at_once() {
    let start = std::time::Instant::now();
    let report = Builder::random(100).check(Supervisor { buggy: false }.model::<Sim>());
    assert_eq!(report.executions, 100);
    // 100 executions of a model that waits 5 virtual seconds each.
    eprintln!(
        "100 × 5 s of virtual time took {:?} of wall time",
        start.elapsed()
    );
}

#[test]
fn livelock_is_reported_as_such() {
    let failure = Builder::random(3)
        .max_steps(500)
        .run(|| {
            let flag: Arc<Mutex<bool, Sim>, Sim> = Arc::new(Mutex::new(false));
            // Spins forever: nobody sets the flag.
            while !*flag.lock() {
                thread::yield_now::<Sim>();
            }
        })
        .unwrap_err();
    assert_eq!(failure.kind, FailureKind::Livelock, "{failure}");
}

#[test]
fn output_must_be_the_same_in_every_schedule() {
    // Two threads print; the fixed model joins before printing the second line, the buggy one
    // prints from both threads at once.
    let (report, out) = Builder::random(200)
        .run_same_output(|out: &Output| {
            let mut a = out.clone();
            let h = thread::spawn::<Sim, _, _>(move || writeln!(a, "first").unwrap());
            h.join().unwrap();
            writeln!(out.clone(), "second").unwrap();
        })
        .unwrap();
    assert_eq!(report.executions, 200);
    assert_eq!(out, b"first\nsecond\n");
    let failure = Builder::random(200)
        .run_same_output(|out: &Output| {
            let mut a = out.clone();
            let h = thread::spawn::<Sim, _, _>(move || writeln!(a, "first").unwrap());
            writeln!(out.clone(), "second").unwrap();
            h.join().unwrap();
        })
        .unwrap_err();
    assert_eq!(failure.kind, FailureKind::OutputMismatch, "{failure}");
}

#[test]
fn bad_settings_are_reported_not_panicked() {
    let f = Builder::pct(10, 0).run(|| {}).unwrap_err();
    assert_eq!(f.kind, FailureKind::Invalid);
    let f = Builder::random(10).shard(3, 2).run(|| {}).unwrap_err();
    assert_eq!(f.kind, FailureKind::Invalid);
}

#[test]
fn shards_partition_the_executions() {
    let all = Builder::random(100).run(|| {}).unwrap();
    let parts: usize = (0..3)
        .map(|i| {
            Builder::random(100)
                .shard(i, 3)
                .run(|| {})
                .unwrap()
                .executions
        })
        .sum();
    assert_eq!(parts, all.executions);
}

#[test]
fn dfs_shards_cover_the_whole_search() {
    // Each shard explores its part of the first branching decision to the end; together they
    // find what the unsharded search finds.
    for i in 0..3 {
        let report = Builder::dfs(None).shard(i, 3).check(
            Abba {
                buggy: false,
                rounds: 1,
            }
            .model::<Sim>(),
        );
        assert!(report.exhausted, "shard {i}: {report:?}");
    }
    let found = (0..3)
        .filter(|&i| {
            Builder::dfs(None)
                .shard(i, 3)
                .run(
                    Abba {
                        buggy: true,
                        rounds: 1,
                    }
                    .model::<Sim>(),
                )
                .is_err()
        })
        .count();
    assert!(found >= 1, "some shard finds the deadlock");
}

#[test]
fn a_spawned_threads_assertion_is_the_reported_cause() {
    let failure = Builder::dfs(None)
        .run(|| {
            let shared = Arc::<_, Sim>::new(Mutex::<_, Sim>::new(Vec::<u32>::new()));
            let worker = {
                let shared = shared.clone();
                thread::Builder::<Sim>::new()
                    .name("checker")
                    .spawn(move || {
                        let seen = shared.lock().len();
                        assert_eq!(seen, 0, "the worker saw {seen} item(s)");
                    })
            };
            shared.lock().push(7);
            worker.join().unwrap();
        })
        .unwrap_err();
    assert_eq!(failure.kind, FailureKind::Panic, "{failure}");
    // The summary names the worker's assertion, not main's unwrap of the join.
    assert!(
        failure.message.contains("the worker saw 1 item(s)"),
        "{failure}"
    );
    assert_eq!(failure.thread.as_deref(), Some("checker"));
    let at = failure.location.as_deref().expect("where it panicked");
    assert!(at.starts_with("tests/tests/sim/framework.rs:"), "{at}");
    // Both panics are kept, in order: the cause, then main's unwrap of the join.
    let threads: Vec<&str> = failure.panics.iter().map(|p| p.thread.as_str()).collect();
    assert_eq!(threads, ["checker", "main"], "{failure}");
    assert!(failure.panics[1].message.contains("unwrap"), "{failure}");
    assert_eq!(failure.panic_step, failure.panics[0].step);
    let text = failure.to_string();
    assert!(text.contains("then thread `main` panicked"), "{text}");
}
