use lockstep::check::shuttle::{self, Config, Strategy};
use lockstep::check::FailureKind;
use lockstep::sync::channel::{self, RecvTimeoutError};
use lockstep::sync::time::Instant;
use lockstep::sync::{thread, Arc, Condvar, Mutex, Shuttle, Timeouts};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

fn pct(iterations: usize) -> Strategy {
    Strategy::Pct {
        iterations,
        depth: 3,
    }
}

/// A wait that only a timeout can end: nobody ever notifies.
fn lonely_timed_wait() {
    let pair: Arc<(Mutex<bool, Shuttle>, Condvar<Shuttle>), Shuttle> =
        Arc::new((Mutex::new(false), Condvar::new()));
    let start = Instant::<Shuttle>::now();
    let (guard, result) =
        pair.1
            .wait_timeout_while(pair.0.lock(), Duration::from_millis(50), |set| !*set);
    assert!(result.timed_out());
    assert!(!*guard);
    assert!(
        start.elapsed() >= Duration::from_millis(50),
        "logical clock did not move"
    );
}

#[test]
fn shuttle_fires_timeouts_that_progress_depends_on() {
    let report = shuttle::try_check(&Config::default(), pct(200), lonely_timed_wait)
        .expect("the timeout must fire under Timeouts::Explore");
    assert_eq!(report.executions, 200);
}

#[test]
fn shuttle_never_policy_reports_the_same_wait_as_deadlock() {
    let failure = shuttle::try_check(
        &Config::default().timeouts(Timeouts::Never),
        pct(10),
        lonely_timed_wait,
    )
    .expect_err("without timeouts nobody ends the wait");
    assert_eq!(failure.kind, FailureKind::Deadlock);
}

#[test]
fn shuttle_explores_both_outcomes_of_a_timed_wait() {
    static TIMED_OUT: AtomicBool = AtomicBool::new(false);
    static NOTIFIED: AtomicBool = AtomicBool::new(false);
    shuttle::check_pct(
        || {
            let pair: Arc<(Mutex<bool, Shuttle>, Condvar<Shuttle>), Shuttle> =
                Arc::new((Mutex::new(false), Condvar::new()));
            let setter = pair.clone();
            let h = thread::spawn::<Shuttle, _, _>(move || {
                *setter.0.lock() = true;
                setter.1.notify_one();
            });
            let (guard, result) =
                pair.1
                    .wait_timeout_while(pair.0.lock(), Duration::from_millis(5), |set| !*set);
            assert_eq!(result.timed_out(), !*guard);
            let seen = if result.timed_out() {
                &TIMED_OUT
            } else {
                &NOTIFIED
            };
            seen.store(true, Ordering::Relaxed);
            drop(guard);
            h.join().unwrap();
        },
        500,
        2,
    );
    assert!(TIMED_OUT.load(Ordering::Relaxed), "no schedule timed out");
    assert!(
        NOTIFIED.load(Ordering::Relaxed),
        "no schedule was notified in time"
    );
}

#[test]
fn a_timer_wakes_only_its_own_waiter() {
    // Thread A waits without a timeout for a flag nobody sets; the main thread's timed wait on
    // the same condvar times out. If the timer woke everyone (a broadcast), A would be masked;
    // it must stay blocked, so shuttle reports a deadlock.
    let failure = shuttle::try_check(&Config::default(), pct(50), || {
        let pair: Arc<(Mutex<bool, Shuttle>, Condvar<Shuttle>), Shuttle> =
            Arc::new((Mutex::new(false), Condvar::new()));
        let waiter = pair.clone();
        let a = thread::spawn::<Shuttle, _, _>(move || {
            drop(waiter.1.wait_while(waiter.0.lock(), |set| !*set));
        });
        let (guard, _) = pair.1.wait_timeout(pair.0.lock(), Duration::from_millis(1));
        drop(guard);
        a.join().unwrap();
    })
    .expect_err("thread A can never finish");
    assert_eq!(failure.kind, FailureKind::Deadlock);
}

#[test]
fn sleep_moves_the_logical_clock() {
    shuttle::check_random(
        || {
            let start = Instant::<Shuttle>::now();
            thread::sleep::<Shuttle>(Duration::from_secs(3));
            assert!(start.elapsed() >= Duration::from_secs(3));
        },
        10,
    );
}

#[test]
fn mpmc_channel_delivers_every_value_exactly_once() {
    let report = shuttle::check_pct(
        || {
            let (tx, rx) = channel::bounded::<u32, Shuttle>(2);
            let producers: Vec<_> = (0..2u32)
                .map(|p| {
                    let tx = tx.clone();
                    thread::spawn::<Shuttle, _, _>(move || {
                        for i in 0..3 {
                            tx.send(p * 10 + i).unwrap();
                        }
                    })
                })
                .collect();
            drop(tx);
            let consumers: Vec<_> = (0..2)
                .map(|_| {
                    let rx = rx.clone();
                    thread::spawn::<Shuttle, _, _>(move || {
                        let mut got = Vec::new();
                        while let Ok(v) = rx.recv() {
                            got.push(v);
                        }
                        got
                    })
                })
                .collect();
            drop(rx);
            producers.into_iter().for_each(|p| p.join().unwrap());
            let mut all: Vec<u32> = consumers
                .into_iter()
                .flat_map(|c| c.join().unwrap())
                .collect();
            all.sort_unstable();
            assert_eq!(all, [0, 1, 2, 10, 11, 12]);
        },
        1_000,
        3,
    );
    assert_eq!(report.executions, 1_000);
}

#[test]
fn recv_timeout_fires_on_an_idle_channel() {
    shuttle::check_pct(
        || {
            let (_tx, rx) = channel::bounded::<u32, Shuttle>(1);
            assert_eq!(
                rx.recv_timeout(Duration::from_millis(5)),
                Err(RecvTimeoutError::Timeout)
            );
        },
        50,
        2,
    );
}
