//! Run a model under shuttle: random walk, PCT, or bounded DFS; replay a failing schedule.
//!
//! Shuttle explores many schedules quickly by controlling every scheduling point. It is not
//! exhaustive (except `check_dfs` on tiny models), but PCT finds bugs of small *depth* (few
//! ordering constraints) with a probability it guarantees per execution.
//!
//! ```no_run
//! use lockstep::check::shuttle;
//! use lockstep::sync::{Arc, Mutex, Shuttle, thread};
//!
//! #[test]
//! fn increments_are_atomic() {
//!     let report = shuttle::check_pct(|| {
//!         let n: Arc<Mutex<u32, Shuttle>, Shuttle> = Arc::new(Mutex::new(0));
//!         let n2 = n.clone();
//!         let h = thread::spawn::<Shuttle, _, _>(move || *n2.lock() += 1);
//!         *n.lock() += 1;
//!         h.join().unwrap();
//!         assert_eq!(*n.lock(), 2);
//!     }, 1000, 2);
//!     assert_eq!(report.executions, 1000);
//! }
//! ```
//!
//! A failure carries shuttle's schedule string in [`Failure::replay`]; pass it to [`replay`].
//!
//! Shuttle installs a process-wide panic hook on first use; keep shuttle tests in a test binary
//! of their own (not beside loom tests).

use super::{Failure, FailureKind, Report};
use crate::sync::thread::panic_message;
use crate::sync::Timeouts;
use shuttle::scheduler::{DfsScheduler, PctScheduler, RandomScheduler, ReplayScheduler, Scheduler};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Environment variable: the seed of random and PCT runs when [`Config::seed`] is not set.
pub const SEED_ENV: &str = "LOCKSTEP_SHUTTLE_SEED";

/// How shuttle picks schedules.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Strategy {
    /// Uniformly random choice at every scheduling point.
    Random {
        /// Executions to run.
        iterations: usize,
    },
    /// Probabilistic concurrency testing with bug depth `depth`.
    Pct {
        /// Executions to run.
        iterations: usize,
        /// Ordering constraints the bug needs (1 = a single preemption).
        depth: usize,
    },
    /// Depth-first enumeration of schedules (exhaustive if unbounded and the model is tiny).
    Dfs {
        /// Stop after this many executions.
        max_iterations: Option<usize>,
    },
    /// Re-run one schedule, as printed in a [`Failure`].
    Replay {
        /// Shuttle's encoded schedule.
        schedule: String,
    },
}

impl Strategy {
    fn checker_name(&self) -> &'static str {
        match self {
            Strategy::Random { .. } => "shuttle-random",
            Strategy::Pct { .. } => "shuttle-pct",
            Strategy::Dfs { .. } => "shuttle-dfs",
            Strategy::Replay { .. } => "shuttle-replay",
        }
    }
}

/// Shuttle settings.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// Whether timed waits may time out (default: explored).
    pub timeouts: Timeouts,
    /// Seed for random and PCT (default: [`SEED_ENV`], else fresh).
    pub seed: Option<u64>,
    /// Fail an execution that takes more steps than this (a livelock).
    pub max_steps: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            timeouts: Timeouts::Explore,
            seed: std::env::var(SEED_ENV).ok().and_then(|v| v.parse().ok()),
            max_steps: 1_000_000,
        }
    }
}

impl Config {
    /// Set the timeout policy.
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }
    /// Fix the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }
}

/// `iterations` random schedules; panics with a report on failure.
#[track_caller]
pub fn check_random<F: Fn() + Send + Sync + 'static>(model: F, iterations: usize) -> Report {
    or_panic(try_check(&Config::default(), Strategy::Random { iterations }, model))
}

/// `iterations` PCT schedules of bug depth `depth`; panics with a report on failure.
#[track_caller]
pub fn check_pct<F: Fn() + Send + Sync + 'static>(
    model: F,
    iterations: usize,
    depth: usize,
) -> Report {
    or_panic(try_check(
        &Config::default(),
        Strategy::Pct { iterations, depth },
        model,
    ))
}

/// Depth-first enumeration, at most `max_iterations` schedules; panics with a report on failure.
#[track_caller]
pub fn check_dfs<F: Fn() + Send + Sync + 'static>(
    model: F,
    max_iterations: Option<usize>,
) -> Report {
    or_panic(try_check(
        &Config::default(),
        Strategy::Dfs { max_iterations },
        model,
    ))
}

/// Re-run the schedule of a [`Failure`]; panics with the failure if it reproduces.
#[track_caller]
pub fn replay<F: Fn() + Send + Sync + 'static>(model: F, schedule: &str) -> Report {
    or_panic(try_check(
        &Config::default(),
        Strategy::Replay {
            schedule: schedule.to_owned(),
        },
        model,
    ))
}

#[track_caller]
fn or_panic(result: Result<Report, Failure>) -> Report {
    result.unwrap_or_else(|failure| panic!("{failure}"))
}

/// Run `model` under shuttle and return what it found.
pub fn try_check<F>(config: &Config, strategy: Strategy, model: F) -> Result<Report, Failure>
where
    F: Fn() + Send + Sync + 'static,
{
    let checker = strategy.checker_name();
    let seed = config.seed;
    let scheduler: Box<dyn Scheduler + Send> = match strategy {
        Strategy::Random { iterations } => Box::new(match seed {
            Some(seed) => RandomScheduler::new_from_seed(seed, iterations),
            None => RandomScheduler::new(iterations),
        }),
        Strategy::Pct { iterations, depth } => Box::new(match seed {
            Some(seed) => PctScheduler::new_from_seed(seed, depth, iterations),
            None => PctScheduler::new(depth, iterations),
        }),
        Strategy::Dfs { max_iterations } => Box::new(DfsScheduler::new(max_iterations, true)),
        Strategy::Replay { schedule } => {
            let parsed = std::panic::catch_unwind(|| ReplayScheduler::new_from_encoded(&schedule));
            match parsed {
                Ok(scheduler) => Box::new(scheduler),
                Err(_) => {
                    return Err(Failure {
                        checker,
                        kind: FailureKind::Panic,
                        message: format!("malformed shuttle schedule {schedule:?}"),
                        replay: None,
                    })
                }
            }
        }
    };
    let schedule_dir = ScheduleDir::new();
    let mut shuttle_config = shuttle::Config::new();
    shuttle_config.silence_warnings = true;
    shuttle_config.max_steps = shuttle::MaxSteps::FailAfter(config.max_steps);
    shuttle_config.failure_persistence =
        shuttle::FailurePersistence::File(Some(schedule_dir.path.clone()));
    let executions = std::sync::Arc::new(AtomicUsize::new(0));
    let counter = executions.clone();
    let timeouts = config.timeouts;
    let runner = shuttle::Runner::new(scheduler, shuttle_config);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        runner.run(move || {
            counter.fetch_add(1, Ordering::Relaxed);
            crate::sync::checker::begin_execution(timeouts);
            model();
        })
    }));
    match outcome {
        Ok(_) => Ok(Report {
            checker,
            executions: executions.load(Ordering::Relaxed),
        }),
        Err(payload) => {
            let message = panic_message(&*payload).to_owned();
            let kind = if message.starts_with("deadlock") {
                FailureKind::Deadlock
            } else {
                FailureKind::Panic
            };
            Err(Failure {
                checker,
                kind,
                message,
                replay: schedule_dir.read_schedule(),
            })
        }
    }
}

/// A private directory shuttle writes the failing schedule into; removed on drop.
struct ScheduleDir {
    path: PathBuf,
}

impl ScheduleDir {
    fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "lockstep-shuttle-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        // If it cannot be created shuttle falls back to printing the schedule on stderr.
        let _ = std::fs::create_dir_all(&path);
        Self { path }
    }

    fn read_schedule(&self) -> Option<String> {
        let text = std::fs::read_to_string(self.path.join("schedule000.txt")).ok()?;
        Some(text.trim().to_owned())
    }
}

impl Drop for ScheduleDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}
