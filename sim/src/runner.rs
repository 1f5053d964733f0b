//! The library API: configure a run ([`Builder`], [`Config`]), run a model, get a [`Report`] or a
//! [`Failure`] that explains itself and carries a replay token.

use crate::exec::sched::{run_execution, ExecConfig, ExecResult, ModelFn, Outcome};
use crate::op::OpKind;
use crate::report::{explain_deadlock, render_trace, trace_steps, TraceStep};
use crate::shrink;
use crate::strategy::{dfs::Dfs, guided::Guided, pct::Pct, random::RandomWalk, Scheduler};
use crate::token::{fnv1a, StrategyTag, Token, TokenError, FNV_OFFSET};
use std::fmt;
use std::panic::Location;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Environment variables that override a [`Builder`]'s settings (for deeper CI runs and
/// reproduction without editing code).
pub mod env {
    /// Seed of random and PCT runs.
    pub const SEED: &str = "LOCKSTEP_SEED";
    /// Executions of random and PCT runs.
    pub const ITERATIONS: &str = "LOCKSTEP_ITERATIONS";
    /// PCT depth.
    pub const DEPTH: &str = "LOCKSTEP_DEPTH";
    /// DFS preemption bound (`none` for unbounded).
    pub const PREEMPTIONS: &str = "LOCKSTEP_PREEMPTIONS";
    /// Step bound per execution (livelock detection).
    pub const MAX_STEPS: &str = "LOCKSTEP_MAX_STEPS";
    /// Faults that may fire per execution.
    pub const FAULT_BUDGET: &str = "LOCKSTEP_FAULT_BUDGET";
    /// Probability that a reachable fault fires (random and PCT).
    pub const FAULT_PROBABILITY: &str = "LOCKSTEP_FAULT_PROBABILITY";
    /// `0` to report failures unshrunk.
    pub const SHRINK: &str = "LOCKSTEP_SHRINK";
}

/// How executions are chosen.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Strategy {
    /// Random walk: a uniformly random runnable thread at every step.
    Random {
        /// Executions to run.
        iterations: usize,
    },
    /// Probabilistic concurrency testing with bug depth `depth`.
    Pct {
        /// Executions to run.
        iterations: usize,
        /// Ordering constraints the bugs sought need (1 = no preemption, 2 = one, ...).
        depth: usize,
    },
    /// Exhaustive depth-first search with DPOR, optionally preemption-bounded.
    Dfs {
        /// Most preemptions per execution (`None`: unbounded, fully exhaustive).
        preemption_bound: Option<usize>,
        /// Stop after this many executions (the report then is not `exhausted`).
        max_executions: Option<usize>,
    },
}

impl Strategy {
    fn name(&self) -> &'static str {
        match self {
            Strategy::Random { .. } => "random",
            Strategy::Pct { .. } => "pct",
            Strategy::Dfs { .. } => "dfs",
        }
    }

    fn tag(&self) -> StrategyTag {
        match self {
            Strategy::Random { .. } => StrategyTag::Random,
            Strategy::Pct { .. } => StrategyTag::Pct,
            Strategy::Dfs { .. } => StrategyTag::Dfs,
        }
    }
}

/// Every setting of a run. Build it with [`Builder`]; each field can also come from an
/// environment variable (see [`env`](mod@env)), which wins over the code.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Config {
    /// How executions are chosen.
    pub strategy: Strategy,
    /// Seed of random and PCT runs (fixed by default, so runs reproduce).
    pub seed: u64,
    /// Steps after which an execution is reported as a livelock.
    pub max_steps: usize,
    /// Faults that may fire per execution.
    pub fault_budget: usize,
    /// Probability that a reachable fault fires, under random and PCT.
    pub fault_probability: f64,
    /// Minimise a failing schedule before reporting it.
    pub shrink: bool,
    /// Most re-executions spent shrinking.
    pub shrink_runs: usize,
    /// Stack size of each simulated thread, in bytes.
    pub stack_size: usize,
    /// Run only shard `index` of `count` (random and PCT: executions `i` with `i % count ==
    /// index`; DFS: the branches of its first branching decision whose rank modulo `count` is
    /// `index`. The union of all shards is the whole run).
    pub shard: Option<(usize, usize)>,
    /// Names the model in replay tokens (`model/variant@version`), for tools that replay by
    /// token alone.
    pub label: String,
}

impl Config {
    pub(crate) fn new(strategy: Strategy) -> Self {
        Config {
            strategy,
            seed: 0,
            max_steps: 100_000,
            fault_budget: 0,
            fault_probability: 0.1,
            shrink: true,
            shrink_runs: 300,
            stack_size: 256 * 1024,
            shard: None,
            label: String::new(),
        }
    }

    fn apply_env(mut self) -> Self {
        fn var<T: std::str::FromStr>(name: &str) -> Option<T> {
            std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
        }
        if let Some(seed) = var(env::SEED) {
            self.seed = seed;
        }
        match &mut self.strategy {
            Strategy::Random { iterations } => {
                *iterations = var(env::ITERATIONS).unwrap_or(*iterations);
            }
            Strategy::Pct { iterations, depth } => {
                *iterations = var(env::ITERATIONS).unwrap_or(*iterations);
                *depth = var(env::DEPTH).unwrap_or(*depth);
            }
            Strategy::Dfs {
                preemption_bound, ..
            } => {
                if let Ok(v) = std::env::var(env::PREEMPTIONS) {
                    *preemption_bound = v.trim().parse().ok();
                }
            }
        }
        self.max_steps = var(env::MAX_STEPS).unwrap_or(self.max_steps);
        self.fault_budget = var(env::FAULT_BUDGET).unwrap_or(self.fault_budget);
        self.fault_probability = var(env::FAULT_PROBABILITY).unwrap_or(self.fault_probability);
        if let Some(shrink) = var::<u8>(env::SHRINK) {
            self.shrink = shrink != 0;
        }
        self
    }
}

/// Configure and run a simulation.
///
/// ```
/// use lockstep_sim::Builder;
/// let report = Builder::pct(500, 3).seed(7).check(|| { /* a model */ });
/// assert_eq!(report.executions, 500);
/// ```
#[derive(Debug, Clone)]
pub struct Builder {
    config: Config,
}

impl Builder {
    /// `iterations` random-walk executions.
    pub fn random(iterations: usize) -> Self {
        Self::with_strategy(Strategy::Random { iterations })
    }

    /// `iterations` PCT executions of depth `depth`.
    pub fn pct(iterations: usize, depth: usize) -> Self {
        Self::with_strategy(Strategy::Pct { iterations, depth })
    }

    /// Exhaustive DFS with DPOR within `preemption_bound` (`None`: unbounded).
    pub fn dfs(preemption_bound: Option<usize>) -> Self {
        Self::with_strategy(Strategy::Dfs {
            preemption_bound,
            max_executions: None,
        })
    }

    /// Any strategy.
    pub fn with_strategy(strategy: Strategy) -> Self {
        Self {
            config: Config::new(strategy).apply_env(),
        }
    }

    /// The settings, for inspection.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Set the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.config.seed = seed;
        self
    }

    /// Set the step bound per execution.
    pub fn max_steps(mut self, steps: usize) -> Self {
        self.config.max_steps = steps;
        self
    }

    /// Allow up to `budget` faults per execution.
    pub fn fault_budget(mut self, budget: usize) -> Self {
        self.config.fault_budget = budget;
        self
    }

    /// Probability that a reachable fault fires (random and PCT).
    pub fn fault_probability(mut self, p: f64) -> Self {
        self.config.fault_probability = p;
        self
    }

    /// Minimise failing schedules (on by default).
    pub fn shrink(mut self, shrink: bool) -> Self {
        self.config.shrink = shrink;
        self
    }

    /// Stack size of each simulated thread.
    pub fn stack_size(mut self, bytes: usize) -> Self {
        self.config.stack_size = bytes;
        self
    }

    /// Stop DFS after `n` executions.
    pub fn max_executions(mut self, n: usize) -> Self {
        if let Strategy::Dfs { max_executions, .. } = &mut self.config.strategy {
            *max_executions = Some(n);
        }
        self
    }

    /// Run only shard `index` of `count`.
    pub fn shard(mut self, index: usize, count: usize) -> Self {
        self.config.shard = Some((index, count));
        self
    }

    /// Name the model in replay tokens (see [`Config::label`]).
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.config.label = label.into();
        self
    }

    /// Run `model`; panic with the failure report if it fails (for `#[test]`s).
    #[track_caller]
    pub fn check<F: Fn() + Send + Sync + 'static>(&self, model: F) -> Report {
        self.run(model)
            .unwrap_or_else(|failure| panic!("{failure}"))
    }

    /// Run `model` and return what happened.
    #[track_caller]
    pub fn run<F: Fn() + Send + Sync + 'static>(&self, model: F) -> Result<Report, Failure> {
        let model: ModelFn = Arc::new(model);
        Session::new(&self.config, model, Location::caller())?.run(|_| Ok(()))
    }

    /// Run `model` with a fresh [`Output`](crate::Output) per execution and require every
    /// execution to write the same bytes (the first execution's are the reference); returns them
    /// with the report, e.g. for an insta snapshot.
    #[track_caller]
    pub fn run_same_output<F>(&self, model: F) -> Result<(Report, Vec<u8>), Failure>
    where
        F: Fn(&crate::Output) + Send + Sync + 'static,
    {
        crate::output::run_same_output(self, model)
    }

    pub(crate) fn session(
        &self,
        model: ModelFn,
        at: &'static Location<'static>,
    ) -> Result<Session<'_>, Failure> {
        let mut session = Session::new(&self.config, model, at)?;
        // Used by the output oracle, which may reject a passing execution: keep its details.
        session.exec.always_detail = true;
        Ok(session)
    }
}

/// What a completed run explored.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Report {
    /// `"random"`, `"pct"` or `"dfs"`.
    pub strategy: &'static str,
    /// The run's seed.
    pub seed: u64,
    /// Executions run (including DFS executions pruned as redundant).
    pub executions: usize,
    /// DFS executions stopped early because every continuation was covered elsewhere.
    pub pruned: usize,
    /// DFS covered its whole space (within the preemption bound).
    pub exhausted: bool,
    /// Steps of the longest execution.
    pub longest_execution: usize,
    /// Most threads left blocked when the main thread finished, in any execution.
    pub abandoned_threads: usize,
}

/// What kind of failure a run found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FailureKind {
    /// A thread panicked (the main thread, or another that was never joined).
    Panic,
    /// No thread could make progress.
    Deadlock,
    /// An execution exceeded the step bound.
    Livelock,
    /// Two executions wrote different output.
    OutputMismatch,
    /// The run could not be carried out as asked (bad setting, a model that does not repeat
    /// itself under the same choices, a replay token that does not fit).
    Invalid,
}

/// How a failing schedule was minimised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Shrunk {
    /// Steps before / after.
    pub steps: (usize, usize),
    /// Preemptions before / after.
    pub preemptions: (usize, usize),
    /// Re-executions spent.
    pub runs: usize,
}

/// A failing execution, explained.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Failure {
    /// What went wrong.
    pub kind: FailureKind,
    /// One line: the panic message, or what deadlocked.
    pub message: String,
    /// The thread that panicked.
    pub thread: Option<String>,
    /// Where it panicked.
    pub location: Option<String>,
    /// Replays the (shrunk) execution: `lockstep_sim::replay(token, model)` or
    /// `lockstep replay TOKEN`. Empty for [`FailureKind::Invalid`].
    pub token: String,
    /// The strategy that found it.
    pub strategy: &'static str,
    /// The run's seed.
    pub seed: u64,
    /// Executions run until it was found.
    pub executions: usize,
    /// The (shrunk) failing execution, step by step.
    pub trace: Vec<TraceStep>,
    /// For a deadlock: who holds what and waits for what, and the wait-for cycle.
    pub deadlock: Option<String>,
    /// Fault points that fired in the failing execution, in order.
    pub faults: Vec<String>,
    /// Preemptions in the failing execution.
    pub preemptions: usize,
    /// How it was shrunk, if it was.
    pub shrunk: Option<Shrunk>,
}

impl Failure {
    pub(crate) fn invalid(strategy: &'static str, seed: u64, message: String) -> Self {
        Failure {
            kind: FailureKind::Invalid,
            message,
            thread: None,
            location: None,
            token: String::new(),
            strategy,
            seed,
            executions: 0,
            trace: Vec::new(),
            deadlock: None,
            faults: Vec::new(),
            preemptions: 0,
            shrunk: None,
        }
    }

    /// The first line of the report.
    pub fn summary(&self) -> String {
        match self.kind {
            FailureKind::Panic => format!(
                "thread `{}` panicked: {}",
                self.thread.as_deref().unwrap_or("?"),
                self.message
            ),
            _ => self.message.clone(),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.kind == FailureKind::Invalid {
            return write!(f, "lockstep-sim could not run: {}", self.message);
        }
        writeln!(
            f,
            "lockstep-sim found a failure after {} execution(s) ({} strategy, seed {}):",
            self.executions, self.strategy, self.seed
        )?;
        writeln!(f, "  {}", self.summary())?;
        if let Some(at) = &self.location {
            writeln!(f, "  at {at}")?;
        }
        if let Some(deadlock) = &self.deadlock {
            write!(f, "{deadlock}")?;
        }
        if !self.faults.is_empty() {
            writeln!(f, "  faults that fired: {}", self.faults.join(", "))?;
        }
        match self.shrunk {
            Some(s) => writeln!(
                f,
                "\nschedule ({} steps, {} preemption(s) marked *; shrunk from {} steps and {} \
                 preemption(s) in {} runs):",
                s.steps.1, s.preemptions.1, s.steps.0, s.preemptions.0, s.runs
            )?,
            None => writeln!(
                f,
                "\nschedule ({} steps, {} preemption(s) marked *):",
                self.trace.len(),
                self.preemptions
            )?,
        }
        write!(f, "{}", render_trace(&self.trace, 60))?;
        writeln!(
            f,
            "\nreproduce: lockstep_sim::replay(\"{}\", model)",
            self.token
        )?;
        write!(f, "       or: lockstep replay {}", self.token)
    }
}

impl std::error::Error for Failure {}

/// Every execution of every run gets its own generation, so sim objects can tell whether their
/// registration belongs to the running execution.
static GENERATION: AtomicU64 = AtomicU64::new(1);

fn next_generation() -> u64 {
    GENERATION.fetch_add(1, Ordering::Relaxed)
}

/// The fingerprint of an execution's trace: thread, operation kind and source location of
/// every step.
pub(crate) fn fingerprint(result: &ExecResult) -> u32 {
    let mut hash = FNV_OFFSET;
    for step in &result.trace {
        hash = fnv1a((step.thread as u32).to_le_bytes(), hash);
        hash = fnv1a([step.op.kind as u8], hash);
        // The main thread starts and exits where the run was started (which differs between
        // the recording run and a replay); every other step's location is the program's own.
        if !matches!(step.op.kind, OpKind::Start | OpKind::Exit) || step.thread != 0 {
            hash = fnv1a(step.op.location.file().bytes(), hash);
            hash = fnv1a(step.op.location.line().to_le_bytes(), hash);
        }
    }
    hash
}

/// One run of one model under one configuration.
pub(crate) struct Session<'c> {
    config: &'c Config,
    model: ModelFn,
    exec: ExecConfig,
    /// Where the run was started (the main thread's start is reported there).
    at: &'static Location<'static>,
}

impl<'c> Session<'c> {
    pub(crate) fn new(
        config: &'c Config,
        model: ModelFn,
        at: &'static Location<'static>,
    ) -> Result<Self, Failure> {
        let strategy = config.strategy.name();
        let invalid = |m: &str| Err(Failure::invalid(strategy, config.seed, m.to_owned()));
        match config.strategy {
            Strategy::Pct { depth: 0, .. } => return invalid("PCT depth must be at least 1"),
            Strategy::Random { iterations: 0 } | Strategy::Pct { iterations: 0, .. } => {
                return invalid("at least one iteration is needed")
            }
            _ => {}
        }
        if let Some((index, count)) = config.shard {
            if count == 0 || index >= count {
                return invalid(&format!("shard {index}/{count}: need 0 <= index < count"));
            }
        }
        if !(0.0..=1.0).contains(&config.fault_probability) {
            return invalid("the fault probability must be in 0..=1");
        }
        Ok(Session {
            config,
            model,
            exec: ExecConfig {
                always_detail: false,
                max_steps: config.max_steps.max(1),
                fault_budget: config.fault_budget,
                stack_size: config.stack_size.max(16 * 1024),
            },
            at,
        })
    }

    fn indices(&self, iterations: usize) -> Vec<usize> {
        match self.config.shard {
            Some((index, count)) => (index..iterations).step_by(count).collect(),
            None => (0..iterations).collect(),
        }
    }

    fn scheduler(&self) -> Box<dyn Scheduler> {
        let c = self.config;
        match c.strategy {
            Strategy::Random { iterations } => Box::new(RandomWalk::new(
                c.seed,
                self.indices(iterations),
                c.fault_probability,
            )),
            Strategy::Pct { iterations, depth } => Box::new(Pct::new(
                c.seed,
                depth,
                self.indices(iterations),
                c.fault_probability,
            )),
            Strategy::Dfs {
                preemption_bound,
                max_executions,
            } => Box::new(Dfs::new(preemption_bound, max_executions, c.shard)),
        }
    }

    /// A session for crate-internal tests.
    #[cfg(test)]
    pub(crate) fn for_test(config: &'c Config, model: ModelFn) -> Self {
        Session::new(config, model, Location::caller()).expect("a valid test config")
    }

    pub(crate) fn execute(&self, scheduler: &mut dyn Scheduler) -> ExecResult {
        run_execution(
            scheduler,
            &self.model,
            self.exec,
            next_generation(),
            self.at,
        )
    }

    /// Run every execution; `after` inspects each completed one (the output oracle) and may turn
    /// it into a failure message.
    pub(crate) fn run(
        &self,
        mut after: impl FnMut(&ExecResult) -> Result<(), String>,
    ) -> Result<Report, Failure> {
        let mut scheduler = self.scheduler();
        let mut report = Report {
            strategy: self.config.strategy.name(),
            seed: self.config.seed,
            executions: 0,
            pruned: 0,
            exhausted: false,
            longest_execution: 0,
            abandoned_threads: 0,
        };
        while scheduler.next_execution() {
            let result = self.execute(&mut *scheduler);
            report.executions += 1;
            report.longest_execution = report.longest_execution.max(result.trace.len());
            match &result.outcome {
                Outcome::Ok { abandoned } => {
                    report.abandoned_threads = report.abandoned_threads.max(*abandoned);
                    if let Err(message) = after(&result) {
                        return Err(self.failure(result, report.executions, Some(message)));
                    }
                }
                Outcome::Pruned => report.pruned += 1,
                Outcome::Invalid(message) => {
                    return Err(Failure::invalid(
                        report.strategy,
                        report.seed,
                        message.clone(),
                    ))
                }
                _ => return Err(self.failure(result, report.executions, None)),
            }
        }
        report.exhausted = scheduler.exhausted();
        Ok(report)
    }

    /// Shrink (if enabled) and explain a failing execution.
    fn failure(&self, result: ExecResult, executions: usize, mismatch: Option<String>) -> Failure {
        let (result, shrunk) = if self.config.shrink && mismatch.is_none() {
            let (best, stats) = shrink::shrink(self, result, self.config.shrink_runs);
            (best, Some(stats))
        } else {
            (result, None)
        };
        self.explain(result, executions, mismatch, shrunk)
    }

    pub(crate) fn explain(
        &self,
        result: ExecResult,
        executions: usize,
        mismatch: Option<String>,
        shrunk: Option<Shrunk>,
    ) -> Failure {
        let token = Token {
            label: self.config.label.clone(),
            strategy: self.config.strategy.tag(),
            seed: self.config.seed,
            fault_budget: self.config.fault_budget,
            max_steps: self.exec.max_steps,
            fingerprint: fingerprint(&result),
            choices: result.choices.clone(),
        }
        .encode();
        let (kind, message, thread, location, deadlock) = match (&result.outcome, mismatch) {
            (_, Some(message)) => (FailureKind::OutputMismatch, message, None, None, None),
            (Outcome::Panic(p), None) => (
                FailureKind::Panic,
                p.message.clone(),
                Some(result.thread_names[p.thread].clone()),
                p.location.clone(),
                None,
            ),
            (Outcome::Deadlock { blocked, panics }, None) => {
                let mut text = explain_deadlock(&result, blocked);
                for p in panics {
                    text.push_str(&format!(
                        "  (thread `{}` had panicked: {})\n",
                        result.thread_names[p.thread], p.message
                    ));
                }
                (
                    FailureKind::Deadlock,
                    "deadlock: no thread can make progress".to_owned(),
                    None,
                    None,
                    Some(text),
                )
            }
            (Outcome::Livelock, None) => (
                FailureKind::Livelock,
                format!(
                    "livelock: an execution exceeded {} steps (raise max_steps if the model is \
                     just long)",
                    self.exec.max_steps
                ),
                None,
                None,
                None,
            ),
            (Outcome::Ok { .. } | Outcome::Pruned | Outcome::Invalid(_), None) => {
                unreachable!("only failing outcomes are explained")
            }
        };
        Failure {
            kind,
            message,
            thread,
            location,
            token,
            strategy: self.config.strategy.name(),
            seed: self.config.seed,
            executions,
            trace: trace_steps(&result),
            deadlock,
            faults: result.faults.iter().map(|(_, p)| (*p).to_owned()).collect(),
            preemptions: result.preemptions,
            shrunk,
        }
    }
}

/// `iterations` random-walk executions; panics with the failure report on a failure.
///
/// ```should_panic
/// use lockstep::sync::{thread, Arc, Mutex};
/// use lockstep_sim::Sim;
/// lockstep_sim::check_random(|| {
///     let n: Arc<Mutex<u32, Sim>, Sim> = Arc::new(Mutex::new(0));
///     let n2 = n.clone();
///     let h = thread::spawn::<Sim, _, _>(move || {
///         let v = *n2.lock();
///         *n2.lock() = v + 1; // lost update: read and write under different locks
///     });
///     let v = *n.lock();
///     *n.lock() = v + 1;
///     h.join().unwrap();
///     assert_eq!(*n.lock(), 2);
/// }, 1000);
/// ```
#[track_caller]
pub fn check_random<F: Fn() + Send + Sync + 'static>(model: F, iterations: usize) -> Report {
    Builder::random(iterations).check(model)
}

/// `iterations` PCT executions of depth `depth`; panics with the failure report on a failure.
#[track_caller]
pub fn check_pct<F: Fn() + Send + Sync + 'static>(
    model: F,
    iterations: usize,
    depth: usize,
) -> Report {
    Builder::pct(iterations, depth).check(model)
}

/// Exhaustive DFS with DPOR within `preemption_bound`; panics with the failure report on a
/// failure. The report's `exhausted` says whether the whole space was covered.
#[track_caller]
pub fn check_dfs<F: Fn() + Send + Sync + 'static>(
    model: F,
    preemption_bound: Option<usize>,
) -> Report {
    Builder::dfs(preemption_bound).check(model)
}

/// What replaying a token did.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Replayed {
    /// The recorded failure happened again (it is reported once more, unshrunk).
    Failed(Failure),
    /// The execution ran to completion without failing (the bug is fixed, or depended on
    /// something outside the simulation).
    Passed,
}

/// The label a token carries (see [`Builder::label`]); empty if none.
pub fn token_label(token: &str) -> Result<String, TokenError> {
    Ok(Token::decode(token)?.label)
}

/// Replay a token on `model`: `Ok` with what happened, `Err` if the token is malformed or does
/// not belong to this program.
#[track_caller]
pub fn try_replay<F: Fn() + Send + Sync + 'static>(
    token: &str,
    model: F,
) -> Result<Replayed, TokenError> {
    let decoded = Token::decode(token)?;
    let mut config = Config::new(Strategy::Random { iterations: 1 });
    config.fault_budget = decoded.fault_budget;
    config.max_steps = decoded.max_steps;
    config.seed = decoded.seed;
    config.shrink = false;
    config.label = decoded.label.clone();
    let session = Session::new(&config, Arc::new(model), Location::caller())
        .map_err(|f| TokenError::Mismatch(f.message))?;
    let mut scheduler = Guided::strict(decoded.choices.clone());
    scheduler.next_execution();
    let result = session.execute(&mut scheduler);
    if let Outcome::Invalid(message) = &result.outcome {
        return Err(TokenError::Mismatch(message.clone()));
    }
    if fingerprint(&result) != decoded.fingerprint {
        return Err(TokenError::Mismatch(
            "the execution it describes differs from the one recorded".into(),
        ));
    }
    Ok(match result.outcome {
        Outcome::Ok { .. } => Replayed::Passed,
        _ => {
            let mut failure = session.explain(result, 1, None, None);
            // The execution is the token's, bit for bit: keep its text (and so its identity in
            // a corpus).
            failure.token = token.trim().to_owned();
            failure.strategy = decoded.strategy.name();
            Replayed::Failed(failure)
        }
    })
}

/// Replay a token on `model`, as a test: panics with the failure report when the failure
/// reproduces (or the token is bad), returns when the execution passes.
#[track_caller]
pub fn replay<F: Fn() + Send + Sync + 'static>(token: &str, model: F) {
    match try_replay(token, model) {
        Ok(Replayed::Passed) => {}
        Ok(Replayed::Failed(failure)) => panic!("{failure}"),
        Err(err) => panic!("{err}"),
    }
}
