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

use super::{Checker, Failure, FailureKind, Report};
use crate::sync::poison::lock;
use crate::sync::thread::panic_message;
use crate::sync::Timeouts;
use shuttle::scheduler::{
    DfsScheduler, PctScheduler, RandomScheduler, ReplayScheduler, Schedule, Scheduler, TaskId,
};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

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
    /// The name reports give the run: the checker's, from the one name table; a replay is
    /// named by the mode (the schedule does not say which strategy recorded it — a caller that
    /// knows, such as `lockstep replay` from a token, renames the failure).
    fn checker_name(&self) -> &'static str {
        match self {
            Strategy::Random { .. } => Checker::ShuttleRandom.name(),
            Strategy::Pct { .. } => Checker::ShuttlePct.name(),
            Strategy::Dfs { .. } => Checker::ShuttleDfs.name(),
            Strategy::Replay { .. } => "shuttle replay",
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
    /// A [`SEED_ENV`] value that did not parse: the check refuses to run with it (unless
    /// [`seed`](Self::seed) overrides it).
    env_error: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        let (seed, env_error) = match super::env_knob(SEED_ENV, "a seed (an unsigned integer)") {
            Ok(seed) => (seed, None),
            Err(why) => (None, Some(why)),
        };
        Self {
            timeouts: Timeouts::Explore,
            seed,
            max_steps: 1_000_000,
            env_error,
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
        self.env_error = None;
        self
    }
}

/// `iterations` random schedules; panics with a report on failure.
#[track_caller]
pub fn check_random<F: Fn() + Send + Sync + 'static>(model: F, iterations: usize) -> Report {
    or_panic(try_check(
        &Config::default(),
        Strategy::Random { iterations },
        model,
    ))
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
    let invalid = |message: String| Failure {
        checker,
        kind: FailureKind::Invalid,
        message,
        replay: None,
        executions: 0,
    };
    if let Some(why) = &config.env_error {
        return Err(invalid(why.clone()));
    }
    validate(&strategy).map_err(invalid)?;
    let is_replay = matches!(strategy, Strategy::Replay { .. });
    let (scheduler, timeouts) = scheduler(strategy, config).map_err(invalid)?;
    let current = Arc::new(std::sync::Mutex::new(RecordedSchedule::default()));
    let recording = Recording {
        inner: scheduler,
        current: current.clone(),
    };
    let (outcome, executions) = run(recording, config.max_steps, timeouts, model);
    let Err(message) = outcome else {
        return Ok(Report {
            checker,
            executions,
        });
    };
    if let Some(reason) = invalid_input(&message, is_replay) {
        return Err(invalid(reason));
    }
    let mut schedule = lock(&current).clone();
    schedule.timeouts = timeouts;
    Err(Failure {
        checker,
        kind: failure_kind(&message),
        message,
        replay: Some(encode_schedule(&schedule)),
        executions,
    })
}

/// Refuse strategy parameters shuttle cannot run (it would panic on them instead).
fn validate(strategy: &Strategy) -> Result<(), String> {
    match strategy {
        Strategy::Pct { depth: 0, .. } => Err("PCT depth must be at least 1".into()),
        Strategy::Random { iterations: 0 } | Strategy::Pct { iterations: 0, .. } => {
            Err("at least one iteration is needed".into())
        }
        _ => Ok(()),
    }
}

/// Shuttle's scheduler for `strategy`, and the timeout policy to run it under: the config's,
/// except that a replay runs under the policy its schedule was recorded with.
fn scheduler(
    strategy: Strategy,
    config: &Config,
) -> Result<(Box<dyn Scheduler + Send>, Timeouts), String> {
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
            let schedule = decode_schedule(&schedule)?;
            let replay = ReplayScheduler::new_from_schedule(schedule.to_shuttle());
            return Ok((Box::new(replay), schedule.timeouts));
        }
    };
    Ok((scheduler, config.timeouts))
}

/// Run every execution of `scheduler`; the panic message of the failing one, if any, and the
/// number of executions started. Each execution starts a fresh logical clock.
fn run<F>(
    scheduler: Recording,
    max_steps: usize,
    timeouts: Timeouts,
    model: F,
) -> (Result<(), String>, usize)
where
    F: Fn() + Send + Sync + 'static,
{
    let mut shuttle_config = shuttle::Config::new();
    shuttle_config.silence_warnings = true;
    shuttle_config.max_steps = shuttle::MaxSteps::FailAfter(max_steps);
    shuttle_config.failure_persistence = shuttle::FailurePersistence::None;
    let executions = Arc::new(AtomicUsize::new(0));
    let counter = executions.clone();
    let runner = shuttle::Runner::new(scheduler, shuttle_config);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        runner.run(move || {
            counter.fetch_add(1, Ordering::Relaxed);
            crate::sync::checker::begin_execution(timeouts);
            model();
        })
    }));
    let outcome = outcome
        .map(drop)
        .map_err(|payload| panic_message(&*payload).to_owned());
    (outcome, executions.load(Ordering::Relaxed))
}

/// A failure that is the caller's mistake rather than the model's: the reason to report.
fn invalid_input(message: &str, is_replay: bool) -> Option<String> {
    if message.contains("did not exercise any concurrency") {
        return Some(
            "PCT needs a model with at least one scheduling choice; use random scheduling for \
             this model"
                .into(),
        );
    }
    if is_replay && REPLAY_MISMATCH.iter().any(|m| message.contains(m)) {
        return Some(format!(
            "the schedule does not match this model (recorded for another model or version of \
             it): {message}"
        ));
    }
    None
}

/// Shuttle reports a deadlock with a panic whose message starts with "deadlock".
fn failure_kind(message: &str) -> FailureKind {
    if message.starts_with("deadlock") {
        FailureKind::Deadlock
    } else {
        FailureKind::Panic
    }
}

/// What shuttle's replay scheduler says when a schedule does not fit the model it runs.
const REPLAY_MISMATCH: [&str; 4] = [
    "schedule ended early",
    "scheduled task is not runnable",
    "expected context switch but next schedule step is random choice",
    "expected random choice but next schedule step is context switch",
];

/// The schedule of one shuttle execution: its seed, timeout policy and each scheduling decision.
/// (Public for the fuzz targets only.)
#[doc(hidden)]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordedSchedule {
    /// The seed of the execution's random data.
    pub seed: u64,
    /// The timeout policy it ran under (timed waits spawn timer threads only under `Explore`).
    pub timeouts: Timeouts,
    /// Each decision, in order.
    pub steps: Vec<Step>,
}

/// One scheduling decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The task (thread or future) that ran next, by shuttle's task id.
    Task(usize),
    /// A random value was drawn.
    Random,
}

impl RecordedSchedule {
    fn to_shuttle(&self) -> Schedule {
        let mut schedule = Schedule::new(self.seed);
        for step in &self.steps {
            match step {
                Step::Task(id) => schedule.push_task(TaskId::from(*id)),
                Step::Random => schedule.push_random(),
            }
        }
        schedule
    }
}

/// Wraps a scheduler and records the schedule of the current execution, so a failure can be
/// replayed (shuttle's own record is only printed, through a process-wide panic hook that keeps
/// the first run's settings).
struct Recording {
    inner: Box<dyn Scheduler + Send>,
    current: Arc<std::sync::Mutex<RecordedSchedule>>,
}

impl Recording {
    fn current(&self) -> std::sync::MutexGuard<'_, RecordedSchedule> {
        lock(&self.current)
    }
}

impl Scheduler for Recording {
    fn new_execution(&mut self) -> Option<Schedule> {
        let schedule = self.inner.new_execution()?;
        *self.current() = RecordedSchedule {
            seed: schedule.seed,
            timeouts: Timeouts::default(),
            steps: Vec::new(),
        };
        Some(schedule)
    }

    fn next_task(
        &mut self,
        runnable_tasks: &[&shuttle::scheduler::Task],
        current_task: Option<TaskId>,
        is_yielding: bool,
    ) -> Option<TaskId> {
        let next = self
            .inner
            .next_task(runnable_tasks, current_task, is_yielding)?;
        self.current().steps.push(Step::Task(usize::from(next)));
        Some(next)
    }

    fn next_u64(&mut self) -> u64 {
        self.current().steps.push(Step::Random);
        self.inner.next_u64()
    }
}

const SCHEDULE_PREFIX: &str = "shuttle1:";
/// A decoded schedule longer than this is refused (a token is user input).
const MAX_DECODED_STEPS: usize = 10_000_000;

/// Encode a schedule as `shuttle1:<seed hex>:<timeouts>:<steps>`: timeouts is `e` (explored) or
/// `n` (never); a step is a task id in decimal or `r` (a random value), separated by `.`; a run
/// of one step is written `step*count`. (Public for the fuzz targets only.)
#[doc(hidden)]
pub fn encode_schedule(schedule: &RecordedSchedule) -> String {
    let mut steps: Vec<String> = Vec::new();
    let mut iter = schedule.steps.iter().peekable();
    while let Some(step) = iter.next() {
        let mut count = 1;
        while iter.peek() == Some(&step) {
            iter.next();
            count += 1;
        }
        let text = match step {
            Step::Task(id) => id.to_string(),
            Step::Random => "r".to_owned(),
        };
        steps.push(if count > 1 {
            format!("{text}*{count}")
        } else {
            text
        });
    }
    let timeouts = match schedule.timeouts {
        Timeouts::Explore => 'e',
        _ => 'n',
    };
    format!(
        "{SCHEDULE_PREFIX}{:x}:{timeouts}:{}",
        schedule.seed,
        steps.join(".")
    )
}

/// Decode [`encode_schedule`]'s format; the error says what is wrong. (Public for the fuzz
/// targets only.)
#[doc(hidden)]
pub fn decode_schedule(text: &str) -> Result<RecordedSchedule, String> {
    let bad = |why: &str| format!("malformed shuttle schedule {text:?}: {why}");
    let body = text
        .trim()
        .strip_prefix(SCHEDULE_PREFIX)
        .ok_or_else(|| bad("expected it to start with `shuttle1:`"))?;
    let mut fields = body.splitn(3, ':');
    let (Some(seed), Some(timeouts), Some(steps)) = (fields.next(), fields.next(), fields.next())
    else {
        return Err(bad("expected `seed:timeouts:steps`"));
    };
    let seed = u64::from_str_radix(seed, 16).map_err(|_| bad("the seed is not hexadecimal"))?;
    let timeouts = match timeouts {
        "e" => Timeouts::Explore,
        "n" => Timeouts::Never,
        _ => return Err(bad("the timeout policy is neither `e` nor `n`")),
    };
    let mut schedule = RecordedSchedule {
        seed,
        timeouts,
        steps: Vec::new(),
    };
    for part in steps.split('.').filter(|p| !p.is_empty()) {
        let (step, count) = match part.split_once('*') {
            Some((step, count)) => (
                step,
                count
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=10_000_000).contains(n))
                    .ok_or_else(|| bad("a repeat count is not a number in 1..=10000000"))?,
            ),
            None => (part, 1),
        };
        let step = match step {
            "r" => Step::Random,
            id => Step::Task(
                id.parse::<usize>()
                    .map_err(|_| bad("a step is neither a task id nor `r`"))?,
            ),
        };
        if schedule.steps.len() + count > MAX_DECODED_STEPS {
            return Err(bad("more than 10000000 steps"));
        }
        schedule.steps.extend(std::iter::repeat_n(step, count));
    }
    Ok(schedule)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_round_trip_through_their_text_form() {
        let mut steps: Vec<Step> = [0, 0, 0, 1, 2, 2].into_iter().map(Step::Task).collect();
        steps.extend([Step::Random, Step::Task(17)]);
        let schedule = RecordedSchedule {
            seed: 0xdead_beef,
            timeouts: Timeouts::Explore,
            steps,
        };
        let text = encode_schedule(&schedule);
        assert_eq!(text, "shuttle1:deadbeef:e:0*3.1.2*2.r.17");
        assert_eq!(decode_schedule(&text), Ok(schedule));
        assert_eq!(
            decode_schedule("shuttle1:0:n:"),
            Ok(RecordedSchedule::default())
        );
    }

    #[test]
    fn malformed_schedules_are_refused_with_a_reason() {
        for bad in [
            "",
            "0*3",
            "shuttle1:zz:e:0",
            "shuttle1:1",
            "shuttle1:1:0",
            "shuttle1:1:x:0",
            "shuttle1:1:e:x",
            "shuttle1:1:e:0*0",
            "shuttle1:1:e:0*99999999999",
            "shuttle1:1:e:0*10000000.1*10000000",
        ] {
            let err = decode_schedule(bad).unwrap_err();
            assert!(
                err.starts_with("malformed shuttle schedule"),
                "{bad}: {err}"
            );
        }
    }
}
