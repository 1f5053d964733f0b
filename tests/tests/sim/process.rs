//! Processes on the simulator (`lockstep_sim::process`): what a forked child inherits, what a
//! fresh process does not, the report of a lock held across fork, and the refusal to fork while
//! other threads run.

use lockstep::sync::atomic::{AtomicUsize, Ordering};
use lockstep::sync::{thread, Arc, Mutex};
use lockstep_sim::{process, Builder, FailureKind, Sim, StepOp};
use std::collections::BTreeSet;

type Shared<T> = Arc<Mutex<T, Sim>, Sim>;

/// Every value `observe` returns over the whole (unbounded, optimal) DFS of `model`.
fn outcomes(
    model: impl Fn(&std::sync::Mutex<BTreeSet<u64>>) + Send + Sync + 'static,
) -> BTreeSet<u64> {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(BTreeSet::new()));
    let sink = seen.clone();
    let report = Builder::dfs(None).check(move || model(&sink));
    assert!(report.exhausted, "{report:?}");
    let out = seen.lock().unwrap().clone();
    out
}

#[test]
fn a_child_inherits_a_lock_held_by_another_thread_as_held() {
    // The child's try_lock finds its copy held exactly when `other` held the lock at the fork.
    let seen = outcomes(|seen| {
        let lock: Shared<()> = Arc::new(Mutex::new(()));
        let held = lock.clone();
        let other = thread::Builder::<Sim>::new()
            .name("other")
            .spawn(move || drop(held.lock()));
        let inherited = lock.clone();
        let child = process::fork(move || inherited.try_lock().is_some());
        let free = child.wait().unwrap();
        other.join().unwrap();
        seen.lock().unwrap().insert(u64::from(free));
    });
    assert_eq!(seen, BTreeSet::from([0, 1]), "both outcomes of the race");
}

#[test]
fn the_forking_threads_locks_pass_to_the_child_and_reinit_frees_them() {
    let seen = outcomes(|seen| {
        let lock: Shared<()> = Arc::new(Mutex::new(()));
        let held = lock.lock(); // held by the forking thread across the fork
        let inherited = lock.clone();
        let child = process::fork(move || {
            let before = inherited.try_lock().is_some(); // held by this thread, guardless
            process::reinit(&inherited);
            let after = inherited.try_lock().is_some();
            u64::from(before) * 10 + u64::from(after)
        });
        drop(held); // the parent's own copy
        let parent_free = u64::from(lock.try_lock().is_some());
        seen.lock()
            .unwrap()
            .insert(child.wait().unwrap() * 100 + parent_free);
    });
    assert_eq!(
        seen,
        BTreeSet::from([101]),
        "child: held then free; parent: free"
    );
}

#[test]
fn a_fresh_process_inherits_no_lock_state() {
    let seen = outcomes(|seen| {
        let lock: Shared<()> = Arc::new(Mutex::new(()));
        let held = lock.lock();
        let reached = lock.clone();
        let child = process::spawn(move || reached.try_lock().is_some());
        let free = child.wait().unwrap();
        drop(held);
        seen.lock().unwrap().insert(u64::from(free));
    });
    assert_eq!(seen, BTreeSet::from([1]));
}

#[test]
fn processes_lock_their_own_copies_independently() {
    // Parent and child each take "the" lock for the other's whole life: no deadlock, no wait.
    let report = Builder::dfs(None).check(|| {
        let lock: Shared<()> = Arc::new(Mutex::new(()));
        let inherited = lock.clone();
        let child = process::fork(move || {
            let _mine = inherited.lock();
            thread::yield_now::<Sim>();
        });
        let _mine = lock.lock();
        child.wait().unwrap();
    });
    assert!(report.exhausted);
}

#[test]
fn a_lock_held_across_fork_is_reported_with_the_thread_the_child_lacks() {
    let failure = Builder::dfs(None)
        .run(|| {
            let handler: Shared<()> = Arc::new(Mutex::new(()));
            let logging = handler.clone();
            let logger = thread::Builder::<Sim>::new()
                .name("logger")
                .spawn(move || drop(logging.lock()));
            let inherited = handler.clone();
            let child = process::Builder::new()
                .name("child")
                .fork(move || drop(inherited.lock()));
            child.wait().unwrap();
            logger.join().unwrap();
        })
        .expect_err("the logger can hold the lock at the fork");
    assert_eq!(failure.kind, FailureKind::Deadlock, "{failure}");
    let report = failure.to_string();
    assert!(
        report.contains("thread `child` waits to lock mutex")
            && report.contains("held across fork by thread `logger`")
            && report.contains("which does not exist in the child")
            && report.contains("made at tests/tests/sim/process.rs"),
        "{report}"
    );
    assert!(report.contains(" forks "), "{report}");
    // The timeline links the fork to the child's one thread, and the child starts after it.
    let fork = failure.trace.iter().find(|s| s.op == StepOp::Fork);
    let fork = fork.expect("a fork step");
    let child = fork
        .links
        .thread
        .expect("the fork names its child's thread");
    let start = failure.trace.iter().find(|s| s.thread_id == child);
    let start = start.expect("the child runs");
    assert_eq!((start.op, start.thread.as_str()), (StepOp::Start, "child"));
    assert!(start.index > fork.index, "{failure}");
}

#[test]
fn try_fork_refuses_while_other_threads_run() {
    let seen = outcomes(|seen| {
        let worker = thread::Builder::<Sim>::new().name("worker").spawn(|| ());
        let refused = process::try_fork(|| ()).err();
        worker.join().unwrap();
        let after = process::try_fork(|| ()).map(|child| child.wait().unwrap());
        assert!(after.is_ok(), "alone after the join");
        if let Some(refused) = &refused {
            assert_eq!(refused.running, ["worker"]);
            assert!(
                refused.to_string().contains("refusing to fork"),
                "{refused}"
            );
        }
        seen.lock().unwrap().insert(u64::from(refused.is_some()));
    });
    assert_eq!(
        seen,
        BTreeSet::from([0, 1]),
        "refused only while the worker runs"
    );
}

#[test]
fn shared_atomics_are_data_both_processes_see() {
    let seen = outcomes(|seen| {
        let counter: Arc<AtomicUsize<Sim>, Sim> = Arc::new(AtomicUsize::new(0));
        let shared = counter.clone();
        let child = process::fork(move || shared.fetch_add(1, Ordering::SeqCst));
        let parent_saw = counter.fetch_add(10, Ordering::SeqCst);
        let child_saw = child.wait().unwrap();
        seen.lock()
            .unwrap()
            .insert((parent_saw * 100 + child_saw) as u64);
    });
    assert_eq!(seen, BTreeSet::from([10, 100]), "either increment first");
}

#[test]
fn two_processes_using_one_mutexs_data_at_once_is_explained() {
    let failure = Builder::dfs(None)
        .run(|| {
            let data: Shared<Vec<u32>> = Arc::new(Mutex::new(Vec::new()));
            let inherited = data.clone();
            // Not waited for: its panic, if it has one, fails the execution.
            let _child = process::fork(move || inherited.lock().push(1));
            let mut mine = data.lock();
            mine.push(2);
            thread::yield_now::<Sim>(); // the child runs while the parent uses the data
            drop(mine);
        })
        .expect_err("both processes use one Vec");
    assert!(
        failure
            .to_string()
            .contains("held in two processes at once"),
        "{failure}"
    );
}
