//! The schedule's structure as data (`TraceStep::{thread_id, op, object, links}`,
//! `Failure::{threads, blocked, cycle, panic_step}`): each link checked against what the model
//! did, and the links' consistency checked over whole traces.

use lockstep::sync::{thread, Arc, Condvar, Mutex};
use lockstep_models::acceptance::abba::Abba;
use lockstep_models::handoff::Handoff;
use lockstep_sim::{
    replay_html, Builder, Failure, FailureKind, ObjectKind, Sim, StepOp, TraceStep, Waiting,
};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

fn step(failure: &Failure, index: usize) -> &TraceStep {
    &failure.trace[index - 1]
}

/// Every link points at a step of the right kind, and paired links agree.
fn assert_consistent(failure: &Failure) {
    for s in &failure.trace {
        let l = &s.links;
        assert!(s.thread_id < failure.threads.len(), "{s:?}");
        assert_eq!(failure.threads[s.thread_id], s.thread);
        if let Some(r) = l.released_at {
            assert!(l.acquires, "{s:?}");
            let release = step(failure, r);
            assert_eq!(release.thread_id, s.thread_id, "released by its holder");
            if release.op != StepOp::Exit {
                assert_eq!(release.links.acquired_at, Some(s.index), "{release:?}");
                assert_eq!(release.links.released.map(|o| o.id), s.object.map(|o| o.id));
            }
        }
        if let Some(a) = l.acquired_at {
            assert!(s.op.is_release(), "{s:?}");
            assert_eq!(step(failure, a).links.released_at, Some(s.index));
        }
        if let Some(end) = l.wait_ended_at {
            assert_eq!(s.op, StepOp::Wait);
            let relock = step(failure, end);
            assert_eq!(
                (relock.op, relock.thread_id),
                (StepOp::Reacquire, s.thread_id)
            );
            assert_eq!(l.timed_out, l.notified_by.is_none(), "{s:?}");
        }
        if let Some(n) = l.notified_by {
            assert!(step(failure, n).links.woke.contains(&s.index), "{s:?}");
        }
        for &w in &l.woke {
            assert_eq!(step(failure, w).links.notified_by, Some(s.index));
        }
    }
}

#[test]
fn abba_holds_and_the_cycle_as_data() {
    let failure = Builder::dfs(None)
        .run(
            Abba {
                buggy: true,
                rounds: 1,
            }
            .model::<Sim>(),
        )
        .unwrap_err();
    assert_consistent(&failure);
    assert_eq!(failure.threads, ["main", "ba"]);
    assert_eq!(failure.cycle, [0, 1], "main waits for ba, ba for main");
    assert_eq!(failure.blocked.len(), 2);
    for b in &failure.blocked {
        assert_eq!(b.waiting, Waiting::Lock);
        assert_eq!(b.object.map(|o| o.kind), Some(ObjectKind::Mutex));
        assert_eq!(b.waits_for, Some(1 - b.thread));
        assert!(b
            .held_at
            .as_deref()
            .is_some_and(|at| at.contains("abba.rs")));
        // The lock it waits for is the one the other thread took last and still holds.
        let held = failure.trace.iter().rev().find(|s| {
            s.thread_id == 1 - b.thread && s.links.acquires && s.links.released_at.is_none()
        });
        assert_eq!(held.and_then(|s| s.object), b.object, "{failure}");
    }
    // The round on the third lock: each thread's hold of it ends at its own release.
    let rounds: Vec<&TraceStep> = failure
        .trace
        .iter()
        .filter(|s| s.op == StepOp::Lock && s.links.released_at.is_some())
        .collect();
    assert_eq!(rounds.len(), 2, "{failure}");
    // The spawn names the thread it created.
    let spawn = failure
        .trace
        .iter()
        .find(|s| s.op == StepOp::Spawn)
        .unwrap();
    assert_eq!(spawn.links.thread, Some(1));
    assert_eq!(failure.kind, FailureKind::Deadlock);
    assert_eq!(failure.panic_step, None);
}

#[test]
fn a_lost_wakeup_as_data() {
    let failure = Builder::dfs(None)
        .run(Handoff::buggy(3, 1).model::<Sim>())
        .unwrap_err();
    assert_consistent(&failure);
    // The waiters wait for a notification some thread left could still send, and that thread
    // waits (to join) for a waiter: the wait-for cycle runs through the condvar.
    assert!(!failure.cycle.is_empty(), "{failure}");
    assert_cycle_through_a_condvar(&failure);
    let lost: Vec<_> = failure
        .blocked
        .iter()
        .filter(|b| b.waiting == Waiting::Notification)
        .collect();
    assert!(!lost.is_empty(), "{failure}");
    for b in &lost {
        // It waits for one of the threads that could still notify it.
        let notifier = b.waits_for.expect("a thread left could notify");
        assert!(b.could_notify.contains(&notifier), "{failure}");
        assert_eq!(b.object.map(|o| o.kind), Some(ObjectKind::Condvar));
        let made = b.object.and_then(|o| o.made_at).expect("where it was made");
        assert!(made.file().ends_with("handoff.rs"), "{made}");
        // Its last wait never ended and nothing woke it.
        let wait = failure
            .trace
            .iter()
            .rev()
            .find(|s| s.thread_id == b.thread && s.op == StepOp::Wait)
            .unwrap();
        assert_eq!(
            (wait.links.wait_ended_at, wait.links.notified_by),
            (None, None)
        );
    }
    // The notification that went astray woke somebody, who waited again.
    let notify = failure
        .trace
        .iter()
        .find(|s| s.op == StepOp::NotifyOne && !s.links.woke.is_empty())
        .expect("a notification reached a waiter");
    let woken = step(&failure, notify.links.woke[0]);
    assert_ne!(woken.thread_id, notify.thread_id);
    // The main thread joins: its join names a worker.
    let join = failure.trace.iter().find(|s| s.op == StepOp::Join).unwrap();
    assert!(join.links.thread.is_some_and(|t| t >= 1));
}

#[test]
fn a_timed_out_wait_and_a_panic_in_a_thread_as_data() {
    let failure = Builder::dfs(None)
        .run(|| {
            let flag: Arc<(Mutex<bool, Sim>, Condvar<Sim>), Sim> =
                Arc::new((Mutex::new(false), Condvar::new()));
            let waiter = flag.clone();
            // Never joined: its panic is the failure.
            let _unjoined = thread::Builder::<Sim>::new().name("waiter").spawn(move || {
                let (guard, timeout) = waiter
                    .1
                    .wait_timeout(waiter.0.lock(), Duration::from_secs(1));
                assert!(!timeout.timed_out() && *guard, "nobody said so");
            });
        })
        .unwrap_err();
    assert_consistent(&failure);
    assert_eq!(failure.kind, FailureKind::Panic);
    let wait = failure.trace.iter().find(|s| s.op == StepOp::Wait).unwrap();
    assert!(
        wait.links.timed_out && wait.links.wait_ended_at.is_some(),
        "{wait:?}"
    );
    let relock = step(&failure, wait.links.wait_ended_at.unwrap());
    assert_eq!(
        relock.time,
        Duration::from_secs(1),
        "it timed out a second later"
    );
    // The panic came after the waiter's re-lock: its last step before exiting.
    assert_eq!(failure.panic_step, Some(relock.index));
    assert_eq!(failure.thread.as_deref(), Some("waiter"));
    // The guard was dropped by the unwinding (no step): the hold ends at the thread's exit.
    let exit = step(&failure, relock.links.released_at.expect("the hold ends"));
    assert_eq!((exit.op, exit.thread_id), (StepOp::Exit, relock.thread_id));
}

static FAIL: AtomicBool = AtomicBool::new(true);

/// A spawned thread that fails while `FAIL` is set, outside the simulation's view: the same
/// schedule passes once it is cleared.
fn flag_dependent() {
    let _unjoined =
        thread::spawn::<Sim, _, _>(|| assert!(!FAIL.load(Ordering::Relaxed), "FAIL is set"));
}

#[test]
fn replay_html_renders_a_schedule_that_now_passes() {
    let failure = Builder::dfs(None).run(flag_dependent).unwrap_err();
    let failing = replay_html(&failure.token, flag_dependent).unwrap();
    assert!(failing.contains("data-kind=\"panic\"") && failing.contains("FAIL is set"));
    FAIL.store(false, Ordering::Relaxed);
    let passing = replay_html(&failure.token, flag_dependent).unwrap();
    assert!(passing.contains("data-kind=\"passed\""), "{passing}");
    assert!(!passing.contains("FAIL is set"));
    assert_eq!(
        passing.matches("class=\"row step").count(),
        failure.trace.len()
    );
    assert_eq!(passing.matches("class=\"lane-head\"").count(), 2);
    // A token for another program is refused, as by `replay`.
    assert!(replay_html(&failure.token, || {}).is_err());
}

#[test]
fn links_are_consistent_across_many_schedules() {
    for seed in 0..30 {
        let failure = Builder::pct(1000, 3)
            .seed(seed)
            .shrink(seed % 2 == 0)
            .run(Handoff::buggy(3, 2).model::<Sim>())
            .unwrap_err();
        assert_consistent(&failure);
    }
}

#[test]
fn reader_writer_lock_holds_as_data() {
    use lockstep::sync::RwLock;
    let failure = Builder::dfs(None)
        .run(|| {
            let value: Arc<RwLock<u32, Sim>, Sim> = Arc::new(RwLock::new(0));
            let reader = value.clone();
            let h = thread::Builder::<Sim>::new().name("reader").spawn(move || {
                let seen = *reader.read();
                assert_eq!(seen, 0, "the reader saw the write");
            });
            *value.write() += 1;
            h.join().unwrap();
        })
        .unwrap_err();
    assert_consistent(&failure);
    for op in [StepOp::ReadLock, StepOp::WriteLock] {
        let take = failure.trace.iter().find(|s| s.op == op).expect("taken");
        assert!(take.links.acquires, "{take:?}");
        assert_eq!(take.object.map(|o| o.kind), Some(ObjectKind::RwLock));
        let release = step(&failure, take.links.released_at.expect("released"));
        let expected = if op == StepOp::ReadLock {
            StepOp::ReadUnlock
        } else {
            StepOp::WriteUnlock
        };
        assert_eq!(release.op, expected);
    }
}

/// Every edge of the cycle is a wait the report explains: a lock's holder, a joined thread, or
/// (for a condvar waiter) one of the threads that could notify it; at least one edge is a
/// condvar's.
fn assert_cycle_through_a_condvar(failure: &lockstep_sim::Failure) {
    let cycle = &failure.cycle;
    let mut through_condvar = false;
    for (i, &from) in cycle.iter().enumerate() {
        let to = cycle[(i + 1) % cycle.len()];
        let b = failure
            .blocked
            .iter()
            .find(|b| b.thread == from)
            .expect("every thread of the cycle is blocked");
        assert_eq!(b.waits_for, Some(to), "{failure}");
        if b.waiting == Waiting::Notification {
            assert!(b.could_notify.contains(&to), "{failure}");
            through_condvar = true;
        }
    }
    assert!(through_condvar, "{failure}");
    let text = failure.to_string();
    assert!(text.contains("it could come from thread"), "{text}");
    assert!(text.contains("wait-for cycle: "), "{text}");
}
