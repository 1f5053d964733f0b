//! Parsl's fork hang (the Parsl blog post "Wrapping your workflows in `__main__` protection",
//! 26 Feb 2025, and Parsl PRs #2099, #2983, #3463): a thread forks a helper process while
//! another thread is logging. The child gets a copy of the logging handler's lock *held* — by a
//! thread that does not exist in the child — so the child's first log statement waits for ever
//! (and the parent, waiting for its helper, hangs with it).
//!
//! The model, on the simulator's processes ([`lockstep_sim::process`]; fork has no production
//! or loom/shuttle counterpart, see there): a `logger` thread emits two records, each under the
//! handler's lock (Python's `Handler.lock` around `emit`); the main thread starts the
//! `interchange` process, which logs once, and waits for it. The lock guards `()`: each process
//! writes to its own stream (its copy of stderr), as in two address spaces.
//!
//! - **Buggy**: `fork` while the logger may be inside `emit`. Only a schedule that forks
//!   between the logger's lock and unlock hangs (one preemption); the non-preemptive schedules
//!   all pass.
//! - **Fixed, spawn** (Parsl's move, PR #2983 / Python 3.14's default): a fresh process that
//!   builds its own logging handler — fresh, free locks.
//! - **Fixed, at-fork handler** (what CPython's `logging` registers with
//!   `os.register_at_fork`): take the handler lock before forking (waiting for the logger to
//!   leave `emit`), then release it in the parent and re-initialise it in the child.
//! - **Fixed, refuse**: fork only while no other thread runs (Python 3.12 warns about the
//!   rest): when refused, wait for the logger to finish, then fork.

use lockstep::sync::{thread, Arc, Mutex};
use lockstep_sim::{process, Sim};

/// How the helper process is started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParslStart {
    /// `fork` while the logger runs (the bug).
    Fork,
    /// A fresh process with its own handler.
    Spawn,
    /// `fork` between at-fork handlers that hold the handler lock across it.
    AtForkHandler,
    /// `fork` only when no other thread runs.
    RefuseWhileThreads,
}

impl ParslStart {
    /// Every variant, the bug first.
    pub const ALL: [ParslStart; 4] = [
        ParslStart::Fork,
        ParslStart::Spawn,
        ParslStart::AtForkHandler,
        ParslStart::RefuseWhileThreads,
    ];

    /// The catalogue's variant name (`buggy`, then the fixes: `fixed` is spawn; at most 7
    /// characters, the width of the table's column).
    pub fn variant(self) -> &'static str {
        match self {
            ParslStart::Fork => "buggy",
            ParslStart::Spawn => "fixed",
            ParslStart::AtForkHandler => "at-fork",
            ParslStart::RefuseWhileThreads => "refuse",
        }
    }

    /// One line for the catalogue.
    pub fn summary(self) -> &'static str {
        match self {
            ParslStart::Fork => {
                "Parsl (blog 2025-02-26, PR #2099): fork while a logging thread holds the \
                 handler lock; the child waits for ever"
            }
            ParslStart::Spawn => "spawn: a fresh process builds its own handler (PR #2983)",
            ParslStart::AtForkHandler => {
                "fork between at-fork handlers: lock before, release in parent, reinit in child"
            }
            ParslStart::RefuseWhileThreads => "fork only when no other thread runs",
        }
    }
}

/// Python's logging handler: a lock around `emit`; the stream is the caller's (per process).
struct Handler {
    lock: Mutex<(), Sim>,
}

impl Handler {
    fn new() -> Self {
        Handler {
            lock: Mutex::new(()),
        }
    }

    fn handle(&self, stream: &mut Vec<String>, record: &str) {
        let _emitting = self.lock.lock();
        stream.push(record.to_owned());
    }
}

/// The Parsl model with one way of starting the helper process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parsl {
    /// How the `interchange` process starts.
    pub start: ParslStart,
}

/// The helper process's body: log that it started, through `handler`.
fn interchange(handler: Arc<Handler, Sim>) -> Vec<String> {
    let mut stderr = Vec::new();
    handler.handle(&mut stderr, "interchange: started");
    stderr
}

impl Parsl {
    /// Run once on the simulator; panics (or hangs, which the simulator reports) on the bug.
    pub fn run(self) {
        let handler: Arc<Handler, Sim> = Arc::new(Handler::new());
        let logging = handler.clone();
        let logger = thread::Builder::<Sim>::new().name("logger").spawn(move || {
            let mut stderr = Vec::new();
            for record in ["submitting task 1", "submitting task 2"] {
                logging.handle(&mut stderr, record);
            }
            stderr
        });
        let helper = process::Builder::new().name("interchange");
        let inherited = handler.clone();
        let (child, logger) = match self.start {
            ParslStart::Fork => (helper.fork(move || interchange(inherited)), Some(logger)),
            ParslStart::Spawn => (
                // Re-imports the program: a new handler, fresh locks.
                helper.spawn(|| interchange(Arc::new(Handler::new()))),
                Some(logger),
            ),
            ParslStart::AtForkHandler => {
                let before_fork = handler.lock.lock(); // waits for the logger to leave emit
                let child = helper.fork(move || {
                    process::reinit(&inherited.lock); // after_in_child
                    interchange(inherited)
                });
                drop(before_fork); // after_in_parent
                (child, Some(logger))
            }
            ParslStart::RefuseWhileThreads => {
                let retry = inherited.clone();
                match helper.clone().try_fork(move || interchange(inherited)) {
                    Ok(child) => (child, Some(logger)),
                    Err(_running) => {
                        assert_eq!(logger.join().expect("logger").len(), 2);
                        let child = helper
                            .try_fork(move || interchange(retry))
                            .expect("alone once the logger has finished");
                        (child, None)
                    }
                }
            }
        };
        let lines = child.wait().expect("the interchange process");
        assert_eq!(lines, ["interchange: started"]);
        if let Some(logger) = logger {
            assert_eq!(logger.join().expect("logger").len(), 2);
        }
    }

    /// The model for the simulator.
    pub fn model(self) -> impl Fn() + Send + Sync + 'static {
        move || self.run()
    }
}
