//! Progress that depends on a timeout: a supervisor waits for a worker's "done" signal that the
//! worker never sends (it is stuck on its own). The buggy variant waits without a timeout and
//! hangs; the fixed one waits with a timeout, gives up and moves on. The fixed twin passes only
//! where timeouts really fire — virtual time (lockstep-sim) or shuttle's modelled timers; loom,
//! whose timed waits never time out by default, reports it as a deadlock.

use lockstep::sync::{thread, Arc, Condvar, Mutex, Runtime};
use std::time::Duration;

/// The supervisor model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Supervisor {
    /// `true`: wait without a timeout (the bug).
    pub buggy: bool,
}

const PATIENCE: Duration = Duration::from_secs(5);

impl Supervisor {
    /// Run once on `R`.
    pub fn run<R: Runtime>(self) {
        let done: Arc<(Mutex<bool, R>, Condvar<R>), R> =
            Arc::new((Mutex::new(false), Condvar::new()));
        let worker_done = done.clone();
        // The worker gets stuck before it can report (it never sets `done`).
        let worker = thread::Builder::<R>::new().name("worker").spawn(move || {
            let stuck: Mutex<(), R> = Mutex::new(());
            let _g = stuck.lock();
            drop(worker_done);
        });
        let (lock, signal) = &*done;
        if self.buggy {
            drop(signal.wait_while(lock.lock(), |d| !*d));
        } else {
            let start = lockstep::sync::time::Instant::<R>::now();
            let (guard, result) = signal.wait_timeout_while(lock.lock(), PATIENCE, |d| !*d);
            assert!(result.timed_out() && !*guard, "nobody reports done");
            assert!(
                start.elapsed() >= PATIENCE,
                "the clock moved past the timeout"
            );
        }
        worker.join().expect("worker panicked");
    }

    /// The model for a checker.
    pub fn model<R: Runtime>(self) -> impl Fn() + Send + Sync + 'static {
        move || self.run::<R>()
    }
}
