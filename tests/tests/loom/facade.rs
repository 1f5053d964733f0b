use lockstep::check::{loom, FailureKind};
use lockstep::sync::time::Instant;
use lockstep::sync::{channel, thread, Arc, Condvar, Loom, Mutex, RwLock, Timeouts};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// One thread waits (with a timeout) for a flag that another thread sets.
fn flag_waiter_model() {
    let pair: Arc<(Mutex<bool, Loom>, Condvar<Loom>), Loom> =
        Arc::new((Mutex::new(false), Condvar::new()));
    let setter = pair.clone();
    let h = thread::spawn::<Loom, _, _>(move || {
        *setter.0.lock() = true;
        setter.1.notify_one();
    });
    let start = Instant::<Loom>::now();
    let (guard, result) =
        pair.1
            .wait_timeout_while(pair.0.lock(), Duration::from_millis(10), |set| !*set);
    if result.timed_out() {
        assert!(!*guard, "timed out although the flag was set");
        assert!(
            start.elapsed() >= Duration::from_millis(10),
            "clock did not move"
        );
    } else {
        assert!(*guard);
    }
    drop(guard);
    h.join().unwrap();
}

#[test]
fn loom_explores_both_outcomes_of_a_timed_wait() {
    // Collected across executions (loom runs them on this process's threads, in the child).
    static TIMED_OUT: AtomicBool = AtomicBool::new(false);
    static NOTIFIED: AtomicBool = AtomicBool::new(false);
    let config = loom::Config::default()
        .preemption_bound(2)
        .timeouts(Timeouts::Explore)
        .containment(loom::Containment::InProcess);
    let report = loom::check(&config, || {
        let pair: Arc<(Mutex<bool, Loom>, Condvar<Loom>), Loom> =
            Arc::new((Mutex::new(false), Condvar::new()));
        let setter = pair.clone();
        let h = thread::spawn::<Loom, _, _>(move || {
            *setter.0.lock() = true;
            setter.1.notify_one();
        });
        let (guard, result) =
            pair.1
                .wait_timeout_while(pair.0.lock(), Duration::from_millis(10), |set| !*set);
        let flag = if result.timed_out() {
            &TIMED_OUT
        } else {
            &NOTIFIED
        };
        flag.store(true, Ordering::Relaxed);
        drop(guard);
        h.join().unwrap();
    });
    assert!(report.executions > 1);
    assert!(TIMED_OUT.load(Ordering::Relaxed), "no execution timed out");
    assert!(
        NOTIFIED.load(Ordering::Relaxed),
        "no execution saw the flag"
    );
}

#[test]
fn timed_waits_keep_their_promises_under_loom_explore() {
    let config = loom::Config::default()
        .preemption_bound(2)
        .timeouts(Timeouts::Explore);
    let report = loom::check(&config, flag_waiter_model);
    assert!(report.executions > 1);
}

#[test]
fn loom_never_policy_reports_a_wait_nobody_ends_as_deadlock() {
    let config = loom::Config::default().preemption_bound(2);
    let failure = loom::try_check(&config, || {
        let pair: Arc<(Mutex<bool, Loom>, Condvar<Loom>), Loom> =
            Arc::new((Mutex::new(false), Condvar::new()));
        let (_guard, _) = pair.1.wait_timeout(pair.0.lock(), Duration::from_millis(1));
    })
    .expect_err("a wait that only a timeout could end is a deadlock under Timeouts::Never");
    assert_eq!(failure.kind, FailureKind::Deadlock);
}

#[test]
fn loom_reports_a_failed_assertion_with_its_message() {
    let failure = loom::try_check(&loom::Config::default().preemption_bound(2), || {
        let n: Arc<Mutex<u32, Loom>, Loom> = Arc::new(Mutex::new(0));
        let n2 = n.clone();
        // A lost update: read and write under two separate lock acquisitions.
        let h = thread::spawn::<Loom, _, _>(move || {
            let v = *n2.lock();
            *n2.lock() = v + 1;
        });
        let v = *n.lock();
        *n.lock() = v + 1;
        h.join().unwrap();
        assert_eq!(*n.lock(), 2, "lost update");
    })
    .expect_err("loom must find the lost update");
    assert_eq!(failure.kind, FailureKind::Panic);
    assert!(failure.message.contains("lost update"), "{failure}");
}

#[test]
fn bounded_channel_delivers_in_order_under_loom() {
    let config = loom::Config::default().preemption_bound(2);
    let report = loom::check(&config, || {
        let (tx, rx) = channel::bounded::<u32, Loom>(1);
        let producer = thread::spawn::<Loom, _, _>(move || {
            tx.send(1).unwrap();
            tx.send(2).unwrap();
        });
        assert_eq!(rx.recv(), Ok(1));
        assert_eq!(rx.recv(), Ok(2));
        assert!(rx.recv().is_err(), "disconnected after the producer left");
        producer.join().unwrap();
    });
    assert!(report.executions > 1);
}

#[test]
fn rwlock_readers_see_whole_writes_under_loom() {
    let config = loom::Config::default().preemption_bound(2);
    loom::check(&config, || {
        let lock: Arc<RwLock<(u32, u32), Loom>, Loom> = Arc::new(RwLock::new((0, 0)));
        let writer = lock.clone();
        let h = thread::spawn::<Loom, _, _>(move || {
            let mut w = writer.write();
            w.0 += 1;
            w.1 += 1;
        });
        let r = lock.read();
        assert_eq!(r.0, r.1, "torn read");
        drop(r);
        h.join().unwrap();
    });
}

#[test]
fn several_checks_in_one_test_each_run_once_in_their_own_child() {
    let config = loom::Config::default().preemption_bound(2);
    // Check #0 deadlocks (its child aborts); check #1 must still run and pass, in a child that
    // is handed #0's result instead of running it again.
    let first = loom::try_check(&config, || {
        let pair: Arc<(Mutex<bool, Loom>, Condvar<Loom>), Loom> =
            Arc::new((Mutex::new(false), Condvar::new()));
        drop(pair.1.wait(pair.0.lock()));
    });
    assert_eq!(
        first.expect_err("nobody notifies").kind,
        FailureKind::Deadlock
    );
    let second = loom::check(&config, || {
        let n: Arc<Mutex<u32, Loom>, Loom> = Arc::new(Mutex::new(0));
        let n2 = n.clone();
        let h = thread::spawn::<Loom, _, _>(move || *n2.lock() += 1);
        *n.lock() += 1;
        h.join().unwrap();
        assert_eq!(*n.lock(), 2);
    });
    assert!(second.executions > 1);
}

#[test]
fn a_preemption_bound_over_loom_limit_is_invalid_not_a_bug() {
    for containment in [
        loom::Containment::ChildProcess,
        loom::Containment::InProcess,
    ] {
        let config = loom::Config::default()
            .preemption_bound(loom::MAX_PREEMPTION_BOUND + 1)
            .containment(containment);
        let failure = loom::try_check(&config, || {}).expect_err("loom cannot take 256");
        assert_eq!(failure.kind, FailureKind::Invalid, "{failure}");
        assert!(!failure.kind.is_bug());
        assert!(failure.message.contains("255"), "{failure}");
        assert_eq!(failure.executions, 0);
    }
    // The limit itself runs.
    let config = loom::Config::default().preemption_bound(loom::MAX_PREEMPTION_BOUND);
    assert_eq!(loom::check(&config, || {}).executions, 1);
}
