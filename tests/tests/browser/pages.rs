//! The failures whose pages the browser tests load: an ABBA deadlock, a panic in a spawned
//! thread (with markup in its thread name and message), a lost wakeup, and a livelock of
//! thousands of steps.

use lockstep::sync::{thread, Arc, Condvar, Mutex};
use lockstep_models::acceptance::abba::Abba;
use lockstep_models::handoff::Handoff;
use lockstep_sim::{Builder, Failure, FailureKind, Sim};

/// The spawned thread's name and its panic message: markup that must stay text.
pub const EVIL_THREAD: &str = "<script>alert('thread')</script>";
pub const EVIL_MESSAGE: &str = "torn pair <script>alert(\"panic\")</script> & <b>bold</b>";

/// ABBA with a round on a third lock first (so the page has holds that end, too).
pub fn abba() -> Failure {
    let failure = Builder::dfs(None)
        .run(
            Abba {
                buggy: true,
                rounds: 1,
            }
            .model::<Sim>(),
        )
        .unwrap_err();
    assert_eq!(failure.kind, FailureKind::Deadlock, "{failure}");
    failure
}

/// A pair updated under two separate lock acquisitions; a spawned thread asserts that it is
/// consistent and panics when it reads it between the two. It is never joined, so its panic is
/// the failure.
pub fn torn_pair() {
    let pair: Arc<Mutex<(u32, u32), Sim>, Sim> = Arc::new(Mutex::new((0, 0)));
    let seen = pair.clone();
    let _unjoined = thread::Builder::<Sim>::new()
        .name(EVIL_THREAD)
        .spawn(move || {
            let p = seen.lock();
            assert!(p.0 == p.1, "{EVIL_MESSAGE}");
        });
    pair.lock().0 += 1;
    pair.lock().1 += 1;
}

pub fn spawned_panic() -> Failure {
    let failure = Builder::dfs(None).run(torn_pair).unwrap_err();
    assert_eq!(failure.kind, FailureKind::Panic, "{failure}");
    assert_eq!(failure.thread.as_deref(), Some(EVIL_THREAD), "{failure}");
    failure
}

/// The buggy hand-off: `notify_one` wakes the wrong worker and the right one waits forever.
pub fn lost_wakeup() -> Failure {
    let failure = Builder::dfs(None)
        .run(Handoff::buggy(3, 1).model::<Sim>())
        .unwrap_err();
    assert_eq!(failure.kind, FailureKind::Deadlock, "{failure}");
    failure
}

/// Steps of the livelock.
pub const LIVELOCK_STEPS: usize = 4000;

/// Two threads take turns on a flag that never comes true; nobody ever sets it. Unshrunk, so
/// the page has every one of its thousands of steps.
pub fn livelock() -> Failure {
    let failure = Builder::random(1)
        .max_steps(LIVELOCK_STEPS)
        .shrink(false)
        .run(|| {
            let flag: Arc<Mutex<bool, Sim>, Sim> = Arc::new(Mutex::new(false));
            let wake: Arc<Condvar<Sim>, Sim> = Arc::new(Condvar::new());
            let (flag2, wake2) = (flag.clone(), wake.clone());
            let spinner = thread::Builder::<Sim>::new()
                .name("spinner")
                .spawn(move || {
                    while !*flag2.lock() {
                        wake2.notify_one();
                        thread::yield_now::<Sim>();
                    }
                });
            while !*flag.lock() {
                thread::yield_now::<Sim>();
            }
            spinner.join().unwrap();
        })
        .unwrap_err();
    assert_eq!(failure.kind, FailureKind::Livelock, "{failure}");
    assert_eq!(failure.trace.len(), LIVELOCK_STEPS);
    failure
}
