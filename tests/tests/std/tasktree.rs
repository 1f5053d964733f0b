//! The barrier scheduler on the production executors: deterministic orders with one worker
//! (inline), the thread pool under stress, async jobs on tokio, virtual time, termination,
//! spacing, cancellation and panics.

use lockstep::future::Tokio;
use lockstep::sync::Std;
use lockstep::tasktree::{
    Barriers, Executor, Outcome, RunError, Runner, SimEventKind, Stage, TaskTree, Termination,
    TreeError, TreeOptions,
};
use lockstep_models::tasktree::TaskTreeModel;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Start order with one worker; `jobs` are `"NAME [skip] [fail] [p=INT]"`.
fn order(jobs: &[&str]) -> (Vec<String>, bool) {
    let mut outcomes = BTreeMap::new();
    let mut priorities = BTreeMap::new();
    let mut names = Vec::new();
    for job in jobs {
        let mut words = job.split_whitespace();
        let name = words.next().unwrap().to_owned();
        let mut outcome = Outcome::DONE;
        for w in words {
            match w {
                "skip" => outcome.no_skip = false,
                "fail" => outcome.fail = true,
                p => {
                    priorities.insert(name.clone(), p[2..].parse::<i64>().unwrap());
                }
            }
        }
        outcomes.insert(name.clone(), outcome);
        names.push(name);
    }
    let tree = TaskTree::new(&names).unwrap();
    let mut started = Vec::new();
    let report = Runner::new(&tree)
        .max_workers(1)
        .priority(|n: &str| priorities.get(n).copied().unwrap_or(0))
        .run_inline(
            |job| job.name().to_owned(),
            |name, s, _| {
                started.push(s);
                outcomes[name]
            },
        )
        .unwrap();
    (started, report.failed)
}

fn starts(jobs: &[&str]) -> Vec<String> {
    order(jobs).0
}

#[test]
fn one_worker_orders_are_deterministic() {
    // (jobs, expected start order)
    let cases: &[(&[&str], &[&str])] = &[
        (
            &["a", "a/b", "a/b/c", "a/d", "b"],
            &["a", "a/b", "a/b/c", "a/d", "b"],
        ),
        (&["pool/a", "pool/b", "z"], &["pool/a", "pool/b", "z"]),
        (&["a", "a/x/y", "a/z"], &["a", "a/x/y", "a/z"]),
        (&["a skip", "a/b", "c"], &["a", "c"]),
        (&["a", "a/b skip", "a/b/c", "a/d"], &["a", "a/b", "a/d"]),
        (&["a", "a/b", "a/~/c"], &["a", "a/b", "a/~/c"]),
        (&["a", "a/b skip", "a/~/c", "d"], &["a", "a/b", "d"]),
        (&["a", "a/~/~/~/done"], &["a", "a/~/~/~/done"]),
        (&["a", "b", "~/prune"], &["a", "b", "~/prune"]),
        (&["a", "b skip", "~/prune"], &["a", "b"]),
        (&["a", "a/b", "a/~"], &["a", "a/b"]),
        (&["~/only"], &["~/only"]),
        (&["a/~/b"], &["a/~/b"]),
        (
            &["x", "x/n", "x/n/c skip", "x/n/~/p", "x/o", "x/~/q"],
            &["x", "x/n", "x/n/c", "x/o"],
        ),
        (
            &["a", "a/b", "a/b/x", "a/b/x/y", "a/b/~/c", "a/d", "a/~/e"],
            &["a", "a/b", "a/b/x", "a/b/x/y", "a/b/~/c", "a/d", "a/~/e"],
        ),
        (
            &["h", "h/r/a", "h/r/b", "h/r/~/prune", "h/r/~/prune/~/report"],
            &["h", "h/r/a", "h/r/b", "h/r/~/prune", "h/r/~/prune/~/report"],
        ),
        (&["a", "a-b", "a/c"], &["a", "a-b", "a/c"]),
        (
            &["r p=10", "r/a p=1", "s p=5", "s/x p=0"],
            &["s", "s/x", "r", "r/a"],
        ),
        (&["a p=1", "b p=1", "c p=0"], &["c", "a", "b"]),
        (&["a fail", "a/b"], &["a", "a/b"]),
    ];
    for (jobs, want) in cases {
        assert_eq!(starts(jobs), *want, "{jobs:?}");
    }
}

#[test]
fn failed_is_any_fail_and_only_that() {
    assert!(!order(&["a", "b skip", "b/c"]).1);
    assert!(order(&["a", "b fail"]).1);
    assert!(order(&["a skip fail", "a/b"]).1);
    assert!(!order(&[]).1);
}

#[test]
fn a_counter_priority_queues_before_unblocking() {
    let tree = TaskTree::new(["a", "a/x", "a/y", "b", "c"]).unwrap();
    let mut n = 0;
    let mut keyed = Vec::new();
    let mut started = Vec::new();
    Runner::new(&tree)
        .max_workers(1)
        .priority(|name: &str| {
            n += 1;
            keyed.push(name.to_owned());
            n
        })
        .run_inline(
            |j| j.name().to_owned(),
            |_, s, _| {
                started.push(s);
                Outcome::DONE
            },
        )
        .unwrap();
    assert_eq!(started, ["a", "b", "c", "a/x", "a/y"]);
    // Called once per job, when it becomes available, in name order within one completion.
    assert_eq!(keyed, ["a", "b", "c", "a/x", "a/y"]);
}

#[test]
fn simultaneous_completions_are_handled_in_name_order() {
    let tree = TaskTree::new(["a", "a/x", "b", "c", "c/x"]).unwrap();
    let mut completed = Vec::new();
    let mut keyed = Vec::new();
    let sim = Runner::new(&tree)
        .max_workers(3)
        .priority(|name: &str| keyed.push(name.to_owned()))
        .simulate(
            |_| Duration::from_secs(1),
            |name, _| {
                completed.push(name.to_owned());
                Outcome::DONE
            },
            |_| {},
        )
        .unwrap();
    assert_eq!(completed, ["a", "b", "c", "a/x", "c/x"]);
    assert_eq!(keyed, ["a", "b", "c", "a/x", "c/x"]);
    assert_eq!(sim.makespan, Duration::from_secs(2));
}

#[test]
fn simulate_reports_starts_finishes_and_makespan() {
    let tree = TaskTree::new(["h", "h/r/a", "h/r/b", "h/r/~/prune"]).unwrap();
    let durations = |n: &str| match n {
        "h/r/a" => Duration::from_secs(2),
        "h/r/b" => Duration::from_secs(3),
        _ => Duration::from_secs(1),
    };
    let mut events = Vec::new();
    let sim = Runner::new(&tree)
        .max_workers(2)
        .simulate(
            durations,
            |_, _| Outcome::DONE,
            |e| events.push((e.at.as_secs_f64(), e.kind, e.job.to_owned())),
        )
        .unwrap();
    assert_eq!(sim.makespan, Duration::from_secs(5));
    let prune_start = events
        .iter()
        .find(|(_, k, j)| *k == SimEventKind::Start && j == "h/r/~/prune")
        .unwrap();
    assert_eq!(prune_start.0, 4.0);
    assert_eq!(events.len(), 8);
}

#[test]
fn bad_input_is_a_typed_error() {
    assert!(matches!(
        TaskTree::new(["b", "a"]),
        Err(TreeError::NotSorted { index: 1, .. })
    ));
    assert!(matches!(
        TaskTree::new(["a", "a"]),
        Err(TreeError::Duplicate { .. })
    ));
    assert!(matches!(
        TaskTree::new([""]),
        Err(TreeError::EmptyName { index: 0 })
    ));
    assert!(matches!(
        TaskTree::new(["/a"]),
        Err(TreeError::LeadingSlash { .. })
    ));
    let disabled = TreeOptions {
        barriers: Barriers::Disabled,
        ..TreeOptions::default()
    };
    assert!(matches!(
        TaskTree::with_options(["a/~/b"], &disabled),
        Err(TreeError::BarrierDisabled { .. })
    ));
    let tree = TaskTree::new(["a"]).unwrap();
    let err = Runner::new(&tree)
        .max_workers(0)
        .run(|_| (), |_, (), _| Outcome::DONE)
        .unwrap_err();
    assert_eq!(err, RunError::NoWorkers);
}

#[test]
fn a_tree_runs_more_than_once() {
    let tree = TaskTree::new(["a", "a/b", "a/~/c", "d"]).unwrap();
    for workers in [1, 2, 1, 4] {
        let count = Arc::new(AtomicUsize::new(0));
        let c = count.clone();
        let report = Runner::new(&tree)
            .max_workers(workers)
            .run(
                move |_| c.fetch_add(1, Ordering::Relaxed),
                |_, _, _| Outcome::DONE,
            )
            .unwrap();
        assert_eq!(count.load(Ordering::Relaxed), 4);
        assert_eq!(report.completed, 4);
    }
}

#[test]
fn auto_runs_inline_with_one_worker_or_no_siblings() {
    let here = std::thread::current().id();
    for (names, workers) in [(&["a", "a/b", "c"][..], 1), (&["a", "a/b", "a/b/c"][..], 8)] {
        let tree = TaskTree::new(names).unwrap();
        let threads = Arc::new(Mutex::new(Vec::new()));
        let t = threads.clone();
        Runner::new(&tree)
            .max_workers(workers)
            .run(
                move |_| t.lock().unwrap().push(std::thread::current().id()),
                |_, (), _| Outcome::DONE,
            )
            .unwrap();
        assert!(threads.lock().unwrap().iter().all(|id| *id == here));
    }
}

#[test]
fn thread_pool_runs_jobs_in_parallel_up_to_max_workers() {
    let names: Vec<String> = (0..8).map(|i| format!("j{i}")).collect();
    let tree = TaskTree::new(&names).unwrap();
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let (r, p) = (running.clone(), peak.clone());
    let start = Instant::now();
    Runner::new(&tree)
        .max_workers(4)
        .run(
            move |_| {
                let now = r.fetch_add(1, Ordering::SeqCst) + 1;
                p.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(50));
                r.fetch_sub(1, Ordering::SeqCst);
            },
            |_, (), _| Outcome::DONE,
        )
        .unwrap();
    assert_eq!(peak.load(Ordering::SeqCst), 4);
    assert!(
        start.elapsed() < Duration::from_millis(50 * 8),
        "ran serially"
    );
}

#[test]
fn the_rules_hold_under_std_thread_stress() {
    let models = [
        TaskTreeModel::small(),
        TaskTreeModel::new(
            &["a", "a/b", "a/b/x", "a/b/~/c", "a/d", "a/~/e", "f", "~/g"],
            3,
        ),
        TaskTreeModel::new(
            &["a", "a/b skip", "a/b/c", "a/d", "a/~/e", "f fail", "f/g"],
            4,
        ),
    ];
    for model in models {
        for iteration in 0..300 {
            let run = model.run::<Std>();
            if let Err(broken) = model.check(&run) {
                panic!("iteration {iteration}: {broken}\n{:?}", run.trace);
            }
        }
    }
}

#[test]
fn thread_pool_and_inline_start_the_same_jobs_on_a_large_tree() {
    let mut names = Vec::new();
    for a in 0..10 {
        names.push(format!("{a}"));
        for b in 0..10 {
            names.push(format!("{a}/{b}"));
            for c in 0..10 {
                names.push(format!("{a}/{b}/{c}"));
            }
            names.push(format!("{a}/{b}/~/done"));
        }
        names.push(format!("{a}/~/done"));
    }
    names.sort();
    let tree = TaskTree::new(&names).unwrap();
    // Skip "A/3" (closing "A/~/done") and "7/7/7" (closing "7/7/~/done").
    let skip = |n: &str| (n.len() == 3 && n.ends_with("/3")) || n == "7/7/7";
    let mut inline = Vec::new();
    let r1 = Runner::new(&tree)
        .max_workers(1)
        .run_inline(
            |j| j.name().to_owned(),
            |n, s, _| {
                inline.push(s);
                if skip(n) {
                    Outcome::SKIP
                } else {
                    Outcome::DONE
                }
            },
        )
        .unwrap();
    let mut threaded = Vec::new();
    let r2 = Runner::new(&tree)
        .max_workers(8)
        .executor(Executor::Threads)
        .run(
            |j| j.name().to_owned(),
            |n, s, _| {
                threaded.push(s);
                if skip(n) {
                    Outcome::SKIP
                } else {
                    Outcome::DONE
                }
            },
        )
        .unwrap();
    inline.sort();
    threaded.sort();
    assert_eq!(inline, threaded);
    assert_eq!(r1.completed, r2.completed);
    assert!(!inline.contains(&"0/3/~/done".to_owned()));
    assert!(!inline.contains(&"0/~/done".to_owned()));
    assert!(!inline.contains(&"7/7/~/done".to_owned()));
    assert!(inline.contains(&"1/1/~/done".to_owned()));
}

#[test]
fn termination_before_the_run_starts_nothing_and_fails() {
    let tree = TaskTree::new(["a", "b", "c"]).unwrap();
    let stop = Termination::new();
    stop.terminate();
    for executor in [Executor::Inline, Executor::Threads] {
        let calls = Arc::new(AtomicUsize::new(0));
        let c = calls.clone();
        let report = Runner::new(&tree)
            .max_workers(2)
            .executor(executor)
            .termination(&stop)
            .run(
                move |_| c.fetch_add(1, Ordering::SeqCst),
                |_, _, _| Outcome::DONE,
            )
            .unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 0);
        assert!(report.failed && report.terminated);
    }
    // Nothing left: not failed.
    let empty = TaskTree::new(Vec::<String>::new()).unwrap();
    let report = Runner::new(&empty)
        .termination(&stop)
        .run(|_| (), |_, (), _| Outcome::DONE)
        .unwrap();
    assert!(!report.failed);
}

#[test]
fn termination_wakes_a_spacing_sleep() {
    let tree = TaskTree::new(["a", "b", "c"]).unwrap();
    let stop = Termination::new();
    let s = stop.clone();
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let start = Instant::now();
    let report = Runner::new(&tree)
        .max_workers(2)
        .executor(Executor::Threads)
        .spacing(|_, _| 10_000_000_000) // 10 s between submissions
        .termination(&stop)
        .run(
            move |_| {
                c.fetch_add(1, Ordering::SeqCst);
                let s = s.clone();
                std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_millis(20));
                    s.terminate();
                });
            },
            |_, (), _| Outcome::DONE,
        )
        .unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "the sleep was not cut short"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert!(report.failed && report.terminated);
}

#[test]
fn termination_cancels_in_flight_jobs_and_wakes_the_coordinator() {
    let tree = TaskTree::new(["a", "b"]).unwrap();
    let stop = Termination::new();
    let s = stop.clone();
    let start = Instant::now();
    let report = Runner::new(&tree)
        .max_workers(2)
        .termination(&stop)
        .run(
            move |job| {
                if job.name() == "a" {
                    s.terminate();
                }
                // A long job that polls for cancellation.
                while !job.is_cancelled() {
                    std::thread::sleep(Duration::from_millis(1));
                    assert!(start.elapsed() < Duration::from_secs(10), "never cancelled");
                }
            },
            |_, (), _| Outcome::DONE,
        )
        .unwrap();
    assert!(report.failed && report.terminated);
}

#[test]
fn spacing_is_exact_in_virtual_time_and_negative_means_zero() {
    let tree = TaskTree::new(["a", "b", "c", "d", "e"]).unwrap();
    let mut starts = Vec::new();
    let mut counts = Vec::new();
    Runner::new(&tree)
        .max_workers(4)
        .spacing(|name, count| {
            counts.push(count);
            if name == "b" {
                -5
            } else {
                30_000_000
            }
        })
        .simulate(
            |_| Duration::from_millis(100),
            |_, _| Outcome::DONE,
            |e| {
                if e.kind == SimEventKind::Start {
                    starts.push((e.job.to_owned(), e.at.as_millis()));
                }
            },
        )
        .unwrap();
    // Due times: a at once, b 30 ms later, c right after b (b's spacing is negative), d 30 ms
    // after c; e is due at 90 ms but waits for a free worker (a finishes at 100 ms).
    let want = [("a", 0), ("b", 30), ("c", 30), ("d", 60), ("e", 100)];
    let want: Vec<(String, u128)> = want.iter().map(|(n, t)| ((*n).to_owned(), *t)).collect();
    assert_eq!(starts, want);
    assert_eq!(counts, [1, 2, 3, 4, 5]);
}

#[test]
fn spacing_sleeps_on_the_real_clock() {
    let tree = TaskTree::new(["a", "b", "c"]).unwrap();
    let times = Arc::new(Mutex::new(Vec::new()));
    let t = times.clone();
    let start = Instant::now();
    Runner::new(&tree)
        .max_workers(3)
        .executor(Executor::Threads)
        .spacing(|_, _| 20_000_000)
        .run(
            move |j| {
                t.lock()
                    .unwrap()
                    .push((j.name().to_owned(), start.elapsed()))
            },
            |_, (), _| Outcome::DONE,
        )
        .unwrap();
    let mut times = times.lock().unwrap().clone();
    times.sort();
    assert!(times[1].1 >= Duration::from_millis(20));
    assert!(times[2].1 >= Duration::from_millis(40));
}

#[test]
fn panics_are_errors_not_hangs() {
    let tree = TaskTree::new(["a", "b", "c"]).unwrap();
    for executor in [Executor::Inline, Executor::Threads] {
        let err = Runner::new(&tree)
            .max_workers(2)
            .executor(executor)
            .run(
                |j| {
                    if j.name() == "b" {
                        panic!("job b broke");
                    }
                },
                |_, (), _| Outcome::DONE,
            )
            .unwrap_err();
        assert_eq!(
            err,
            RunError::Panicked {
                stage: Stage::Job,
                job: "b".into(),
                message: "job b broke".into()
            }
        );
        let err = Runner::new(&tree)
            .max_workers(2)
            .executor(executor)
            .run(
                |_| (),
                |n, (), _| {
                    if n == "c" {
                        panic!("callback")
                    } else {
                        Outcome::DONE
                    }
                },
            )
            .unwrap_err();
        assert!(
            matches!(err, RunError::Panicked { stage: Stage::Completion, ref job, .. } if job == "c")
        );
    }
    let err = Runner::new(&tree)
        .priority(|n: &str| if n == "b" { panic!("key") } else { 0 })
        .run_inline(|_| (), |_, (), _| Outcome::DONE)
        .unwrap_err();
    assert!(
        matches!(err, RunError::Panicked { stage: Stage::Priority, ref job, .. } if job == "b")
    );
    let err = Runner::new(&tree)
        .spacing(|_, n| if n == 2 { panic!("spacing") } else { 0 })
        .run_inline(|_| (), |_, (), _| Outcome::DONE)
        .unwrap_err();
    assert!(matches!(err, RunError::Panicked { stage: Stage::Spacing, ref job, .. } if job == "b"));
}

#[test]
fn a_callback_can_cancel_in_flight_jobs() {
    let tree = TaskTree::new(["fast", "slow"]).unwrap();
    let start = Instant::now();
    let mut seen_in_flight = Vec::new();
    let report = Runner::new(&tree)
        .max_workers(2)
        .run(
            move |job| {
                if job.name() == "slow" {
                    while !job.is_cancelled() {
                        std::thread::sleep(Duration::from_millis(1));
                        assert!(start.elapsed() < Duration::from_secs(10), "never cancelled");
                    }
                    return "cancelled";
                }
                "done"
            },
            |name, value, ctl| {
                if name == "fast" {
                    seen_in_flight = ctl.in_flight().map(str::to_owned).collect();
                    ctl.cancel_all();
                    Outcome::DONE
                } else {
                    assert_eq!(value, "cancelled");
                    Outcome::FAIL
                }
            },
        )
        .unwrap();
    assert!(report.failed);
    assert_eq!(seen_in_flight, ["slow"]);
}

#[test]
fn a_million_deep_chain_runs_without_overflow() {
    let deep = vec!["d"; 1_000_000].join("/");
    let names = [
        "a".to_owned(),
        deep.clone(),
        format!("{deep}/x"),
        format!("{deep}/~/y"),
    ];
    let tree = TaskTree::new(&names).unwrap();
    let mut started = 0;
    let report = Runner::new(&tree)
        .max_workers(2)
        .run_inline(
            |_| (),
            |_, (), _| {
                started += 1;
                Outcome::DONE
            },
        )
        .unwrap();
    assert_eq!(started, 4);
    assert!(!report.failed);
}

#[test]
fn async_jobs_on_tokio_keep_the_order_and_the_rules() {
    let tree = TaskTree::new(["a", "a/b", "a/~/c", "d", "d/e"]).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut started = Vec::new();
    let report = rt
        .block_on(
            Runner::new(&tree)
                .max_workers(1)
                .run_async::<Tokio, _, _, _, _>(
                    |job| async move { job.name().to_owned() },
                    |name, s, _| {
                        started.push(s);
                        if name == "d" {
                            Outcome::SKIP
                        } else {
                            Outcome::DONE
                        }
                    },
                ),
        )
        .unwrap();
    assert_eq!(started, ["a", "a/b", "a/~/c", "d"]);
    assert!(!report.failed);
}

#[test]
fn async_jobs_run_in_parallel_and_panics_are_errors() {
    let names: Vec<String> = (0..6).map(|i| format!("j{i}")).collect();
    let tree = TaskTree::new(&names).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let start = Instant::now();
    let report = rt
        .block_on(
            Runner::new(&tree)
                .max_workers(3)
                .run_async::<Tokio, _, _, _, _>(
                    |_| async { tokio::time::sleep(Duration::from_millis(50)).await },
                    |_, (), _| Outcome::DONE,
                ),
        )
        .unwrap();
    assert_eq!(report.completed, 6);
    assert!(start.elapsed() < Duration::from_millis(250), "not parallel");
    let err = rt
        .block_on(
            Runner::new(&tree)
                .max_workers(3)
                .run_async::<Tokio, _, _, _, _>(
                    |job| async move {
                        if job.name() == "j4" {
                            panic!("async job broke");
                        }
                    },
                    |_, (), _| Outcome::DONE,
                ),
        )
        .unwrap_err();
    assert!(matches!(err, RunError::Panicked { stage: Stage::Job, ref job, .. } if job == "j4"));
}

#[test]
fn async_cancellation_aborts_tasks_and_termination_wakes_the_wait() {
    let tree = TaskTree::new(["fast", "slow"]).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let start = Instant::now();
    let report = rt
        .block_on(
            Runner::new(&tree)
                .max_workers(2)
                .run_async::<Tokio, _, _, _, _>(
                    |job| async move {
                        if job.name() == "slow" {
                            tokio::time::sleep(Duration::from_secs(30)).await;
                        }
                    },
                    |_, (), ctl| {
                        ctl.cancel_all();
                        Outcome::DONE
                    },
                ),
        )
        .unwrap();
    assert!(report.failed, "the aborted job counts as failed");
    assert!(start.elapsed() < Duration::from_secs(10));

    let stop = Termination::new();
    let s = stop.clone();
    let start = Instant::now();
    let report = rt
        .block_on(
            Runner::new(&tree)
                .max_workers(2)
                .termination(&stop)
                .run_async::<Tokio, _, _, _, _>(
                    move |job| {
                        let s = s.clone();
                        async move {
                            if job.name() == "fast" {
                                s.terminate();
                            }
                            tokio::time::sleep(Duration::from_secs(30)).await;
                        }
                    },
                    |_, (), _| Outcome::DONE,
                ),
        )
        .unwrap();
    assert!(report.failed && report.terminated);
    assert!(start.elapsed() < Duration::from_secs(10));
}
