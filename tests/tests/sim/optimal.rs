//! The optimal exhaustive search on real models: one execution per behaviour (no redundant and
//! — without fault points that may fire — no blocked execution) on every catalogue model it
//! can exhaust, and long searches that stop at their wall-clock budget without claiming to be
//! exhaustive.

use lockstep::check::Backend;
use lockstep::sync::{thread, Arc, Condvar, Mutex, Runtime};
use lockstep_cli::Expect;
use lockstep_sim::{Builder, Sim};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Most executions spent on one catalogue model.
const CAP: usize = 3_000;

#[test]
fn catalogue_models_run_no_redundant_and_no_blocked_execution() {
    let registry = lockstep_models::catalog::registry();
    let mut exhausted = 0;
    for model in registry.models() {
        let Some(build) = model.program(Backend::Sim) else {
            continue;
        };
        let builder = Builder::dfs(None)
            .max_executions(CAP)
            .fault_budget(model.limits.fault_budget);
        match builder.run_shared(build()) {
            Ok(report) => {
                // A fault that may fire can leave an execution blocked after an outcome no
                // wakeup sequence asked for (never a redundant one).
                let faults = model.limits.fault_budget > 0;
                assert!(
                    report.redundant == 0 && (faults || report.blocked == 0),
                    "{}: {report:?}",
                    model.label()
                );
                exhausted += usize::from(report.exhausted);
                if model.expect == Expect::Bug {
                    // A bug the search did not reach within the cap is no verdict here.
                    assert!(!report.exhausted, "{}: exhausted, no bug", model.label());
                }
            }
            Err(failure) => assert_eq!(model.expect, Expect::Bug, "{failure}"),
        }
    }
    eprintln!("{exhausted} catalogue models exhausted");
    assert!(exhausted >= 10, "only {exhausted} models exhausted");
}

/// A bounded queue of capacity 1: a producer pushes `items` then closes; two consumers.
fn queue(items: u32) -> impl Fn() + Send + Sync + 'static {
    /// The items and the closed flag; not empty; not full.
    type Queue = (
        Mutex<(VecDeque<u32>, bool), Sim>,
        Condvar<Sim>,
        Condvar<Sim>,
    );
    move || {
        let q: Arc<Queue, Sim> = Arc::new((
            Mutex::new((VecDeque::new(), false)),
            Condvar::new(),
            Condvar::new(),
        ));
        let consumers: Vec<_> = (0..2)
            .map(|_| {
                let q = q.clone();
                thread::spawn::<Sim, _, _>(move || {
                    let mut got = 0;
                    loop {
                        let mut s = q.0.lock();
                        while s.0.is_empty() && !s.1 {
                            s = q.1.wait(s);
                        }
                        let Some(_) = s.0.pop_front() else {
                            return got;
                        };
                        got += 1;
                        drop(s);
                        q.2.notify_one();
                    }
                })
            })
            .collect();
        for v in 0..items {
            let mut s = q.0.lock();
            while s.0.len() == 1 {
                s = q.2.wait(s);
            }
            s.0.push_back(v);
            drop(s);
            q.1.notify_one();
        }
        q.0.lock().1 = true;
        q.1.notify_all();
        let total: u32 = consumers.into_iter().map(|c| c.join().unwrap()).sum();
        assert_eq!(total, items);
    }
}

#[test]
fn a_search_stops_at_its_time_budget_and_is_not_exhaustive() {
    let start = Instant::now();
    let report = Builder::dfs(None)
        .max_duration(Duration::from_millis(200))
        .check(queue(6));
    let took = start.elapsed();
    assert!(report.out_of_time && !report.exhausted, "{report:?}");
    assert!(report.executions > 0);
    assert!(took < Duration::from_secs(5), "{took:?}");
}

#[test]
fn the_bounded_queue_is_exhausted_with_one_execution_per_trace() {
    let report = Builder::dfs(None).check(queue(1));
    assert!(report.exhausted);
    assert_eq!((report.redundant, report.blocked), (0, 0));
}

/// The smallest program found with a blocked execution while a fault's outcome was explored
/// wherever its thread ran (found by the catalogue's `blocks-store-faults`, a `BlockFile` over a
/// store whose puts fail and are retried after a backoff): a thread whose fault, when it fires,
/// makes it sleep before retrying, racing a thread that locks, sleeps and locks again. Four
/// traces. The optimal search ran them in four executions while a guided fault explored only
/// the outcomes asked for, but that lost traces on other programs with faults (the differential
/// check, 2026-12-02); exploring every outcome wherever the fault runs, it runs each trace once
/// and one blocked execution.
#[test]
fn fault_outcome_that_decides_a_sleep_runs_each_trace_once() {
    let program = || {
        let m: Arc<Mutex<u32, Sim>, Sim> = Arc::new(Mutex::new(0));
        let m2 = m.clone();
        let retrying = thread::spawn::<Sim, _, _>(move || {
            for _ in 0..2 {
                if !Sim::fault("store.put") {
                    break;
                }
                Sim::sleep(Duration::from_millis(1));
            }
            *m2.lock() += 1;
        });
        *m.lock() += 1;
        Sim::sleep(Duration::from_millis(1));
        *m.lock() += 1;
        retrying.join().unwrap();
    };
    let report = Builder::dfs(None).fault_budget(1).check(program);
    assert!(report.exhausted, "{report:?}");
    assert_eq!(
        (
            report.executions - report.blocked,
            report.redundant,
            report.blocked
        ),
        (4, 0, 1),
        "the four traces, once each: {report:?}"
    );
}

/// Two waiters on one condvar, the first to wait woken by a `notify_one` — unless the wake
/// goes out of turn, which the assertion catches. No schedule needs a switch for it (main waits
/// until both wait, in either order, and notifies under the lock), so the bounded search finds it exactly when waking a
/// waiter out of turn counts as a preemption, and the report marks that step.
#[test]
fn waking_out_of_turn_is_a_preemption() {
    let program = || {
        /// The waiters in the order they waited; the first one woken.
        type State = (Vec<usize>, Option<usize>);
        type Shared = (Mutex<State, Sim>, Condvar<Sim>, Condvar<Sim>);
        let s: Arc<Shared, Sim> = Arc::new((
            Mutex::new((Vec::new(), None)),
            Condvar::new(),
            Condvar::new(),
        ));
        let waiters: Vec<_> = (0..2)
            .map(|me| {
                let s = s.clone();
                thread::spawn::<Sim, _, _>(move || {
                    let mut g = s.0.lock();
                    g.0.push(me);
                    s.2.notify_one();
                    g = s.1.wait(g);
                    if g.1.is_none() {
                        g.1 = Some(me);
                        s.2.notify_one();
                        assert_eq!(me, g.0[0], "a waiter was woken out of turn");
                    }
                })
            })
            .collect();
        // Notify under the lock, and wake the second waiter only once the first has looked:
        // which waiter the first notification wakes is the only choice that matters.
        let mut g = s.0.lock();
        while g.0.len() < 2 {
            g = s.2.wait(g);
        }
        s.1.notify_one();
        while g.1.is_none() {
            g = s.2.wait(g);
        }
        s.1.notify_one();
        drop(g);
        for w in waiters {
            w.join().unwrap();
        }
    };
    let none = Builder::dfs(Some(0)).run(program).map_err(|f| f.message);
    assert!(none.as_ref().is_ok_and(|r| r.exhausted), "{none:?}");
    let failure = Builder::dfs(Some(1))
        .run(program)
        .expect_err("found at bound 1");
    assert!(
        failure.message.contains("out of turn"),
        "{}",
        failure.message
    );
    let marked = failure.trace.iter().filter(|s| s.other_waiter).count();
    let switches = failure.trace.iter().filter(|s| s.preemption).count();
    assert_eq!(
        (marked, switches, failure.preemptions),
        (1, 0, 1),
        "{failure}"
    );
}

#[test]
fn parked_async_senders_deliver_in_either_order() {
    // Both senders find a capacity-1 channel full and park; the receiver's pop wakes both, and
    // whichever polls first delivers. A poll after a wake-up changes the channel: while it was
    // part of the sender's wake-up step (touching only its wake-up flag), the two deliveries
    // looked independent, and the wakeup trees ran blocked executions.
    use lockstep::future::{self, mpsc};
    use std::future::{poll_fn, Future};
    use std::pin::pin;
    type Seen =
        std::sync::Arc<std::sync::Mutex<std::collections::BTreeSet<(Vec<u32>, bool, bool)>>>;
    let seen: Seen = std::sync::Arc::default();
    let sink = seen.clone();
    let report = Builder::dfs(None).check(move || {
        let (tx, mut rx) = mpsc::channel::<u32, Sim>(1);
        tx.try_send(0).unwrap();
        // Send `v`; did the send park?
        let send = |tx: mpsc::Sender<u32, Sim>, v: u32| {
            thread::spawn::<Sim, _, _>(move || {
                future::block_on::<Sim, _>(async move {
                    let mut parked = false;
                    let mut sending = pin!(tx.send(v));
                    poll_fn(|cx| {
                        let poll = sending.as_mut().poll(cx);
                        parked |= poll.is_pending();
                        poll
                    })
                    .await
                    .unwrap();
                    parked
                })
            })
        };
        let first = send(tx.clone(), 1);
        let second = send(tx, 2);
        let got = future::block_on::<Sim, _>(async move {
            let mut got = Vec::new();
            while let Some(v) = rx.recv().await {
                got.push(v);
            }
            got
        });
        let parked = (first.join().unwrap(), second.join().unwrap());
        sink.lock().unwrap().insert((got, parked.0, parked.1));
    });
    // (Blocked executions were the symptom: 9 of 293 while the deliveries looked independent.)
    assert!(report.exhausted && report.blocked == 0, "{report:?}");
    let seen = seen.lock().unwrap();
    for got in [vec![0, 1, 2], vec![0, 2, 1]] {
        assert!(
            seen.contains(&(got.clone(), true, true)),
            "{got:?} after both parked: {seen:?}"
        );
    }
}
