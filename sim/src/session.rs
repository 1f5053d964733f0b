//! A session: one run of one model under one resolved [`Config`] — it drives the strategy
//! execution by execution, counts what was explored in a [`Report`], and turns a failing
//! execution into a shrunk, explained [`Failure`] with its replay token.

use crate::config::{Config, Strategy};
use crate::exec::sched::{run_execution, ExecConfig, ExecResult, ModelFn, Outcome, PanicInfo};
use crate::failure::{Failure, FailureKind, ThreadPanic};
use crate::op::OpKind;
use crate::progress::Progress;
use crate::report::{blocked_threads, explain_deadlock, trace_steps, wait_for_cycle};
use crate::shrink;
use crate::strategy::greybox::Greybox;
use crate::strategy::portfolio::{Portfolio, Setup};
use crate::strategy::{
    delay::Delay, dfs::Dfs, optimal::Optimal, pct::Pct, pos::Pos, random::RandomWalk, urw::Urw,
    Indices, Scheduler,
};
use crate::token::{fnv1a, Body, SimSchedule, Token, FNV_OFFSET};
use lockstep::check::Checker;
use std::collections::BTreeMap;
use std::panic::Location;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// What a completed run explored.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Report {
    /// The checker (strategy) that ran.
    pub checker: Checker,
    /// The run's seed.
    pub seed: u64,
    /// Executions run (including DFS executions pruned as redundant).
    pub executions: usize,
    /// Executions stopped because every thread that could run was asleep (DFS: covered by an
    /// earlier execution). 0 for the unbounded search, which is optimal.
    pub blocked: usize,
    /// Executions of a behaviour (Mazurkiewicz trace) already explored. 0 for the unbounded
    /// search, which is optimal; counted by a canonical hash of every execution's trace.
    pub redundant: usize,
    /// DFS covered its whole space (within the preemption bound).
    pub exhausted: bool,
    /// Steps of the longest execution.
    pub longest_execution: usize,
    /// Most threads left blocked when the main thread finished, in any execution.
    pub abandoned_threads: usize,
    /// The run stopped because its wall-clock budget ran out (it is then not `exhausted`).
    pub out_of_time: bool,
    /// Every coverage point ([`sometimes!`](crate::sometimes)) an execution reached, by name:
    /// how many executions reached it, and in how many its condition held. A point that is
    /// missing, or whose condition never held, is what the run did not reach.
    pub sometimes: BTreeMap<&'static str, Reached>,
}

/// How often a run reached one [`sometimes!`](crate::sometimes) point.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Reached {
    /// Executions that reached it.
    pub executions: u64,
    /// Executions in which its condition held at least once.
    pub held: u64,
}

impl Report {
    /// Add what another part of the same run explored.
    pub(crate) fn merge(&mut self, other: &Report) {
        for (name, reached) in &other.sometimes {
            let mine = self.sometimes.entry(name).or_default();
            mine.executions += reached.executions;
            mine.held += reached.held;
        }
        self.executions += other.executions;
        self.blocked += other.blocked;
        self.longest_execution = self.longest_execution.max(other.longest_execution);
        self.abandoned_threads = self.abandoned_threads.max(other.abandoned_threads);
    }

    /// Account for one finished execution.
    pub(crate) fn count(&mut self, result: &ExecResult) {
        self.executions += 1;
        // Per point, once per execution: reached, and held if any of its visits held.
        let mut points: Vec<(&'static str, bool)> = result.coverage.clone();
        points.sort_unstable();
        points.dedup();
        for (i, &(name, held)) in points.iter().enumerate() {
            let first = i == 0 || points[i - 1].0 != name;
            let reached = self.sometimes.entry(name).or_default();
            reached.executions += u64::from(first);
            reached.held += u64::from(held);
        }
        self.longest_execution = self.longest_execution.max(result.trace.len());
        match result.outcome {
            Outcome::Ok { abandoned } => {
                self.abandoned_threads = self.abandoned_threads.max(abandoned);
            }
            Outcome::Pruned => self.blocked += 1,
            _ => {}
        }
    }
}

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
    /// A session of `config` (already validated) running `model`.
    pub(crate) fn new(config: &'c Config, model: ModelFn, at: &'static Location<'static>) -> Self {
        debug_assert_eq!(config.validate(), Ok(()));
        Session {
            config,
            model,
            exec: ExecConfig {
                always_detail: false,
                max_steps: config.max_steps,
                fault_budget: config.fault_budget,
                stack_size: config.stack_size.max(16 * 1024),
            },
            at,
        }
    }

    /// The run's seed.
    pub(crate) fn seed(&self) -> u64 {
        self.config.seed
    }

    /// Keep names and objects of every execution (an oracle may reject a passing one).
    pub(crate) fn keep_details(&mut self) {
        self.exec.always_detail = true;
    }

    /// The execution indices this shard runs, lazily (a huge count allocates nothing).
    fn indices(&self, iterations: usize) -> Indices {
        let (index, count) = self.config.shard.unwrap_or((0, 1));
        (index..iterations).step_by(count)
    }

    fn scheduler(&self) -> Box<dyn Scheduler> {
        let c = self.config;
        let (seed, p) = (c.seed, c.fault_probability);
        match c.strategy {
            Strategy::Pos { iterations } => Box::new(Pos::new(seed, self.indices(iterations), p)),
            Strategy::Urw { iterations } => {
                Box::new(Urw::new(seed, self.indices(iterations), p, false))
            }
            Strategy::Surw { iterations } => {
                Box::new(Urw::new(seed, self.indices(iterations), p, true))
            }
            Strategy::Delay {
                iterations,
                max_delays,
            } => Box::new(Delay::new(
                max_delays,
                self.indices(iterations).len(),
                c.shard,
            )),
            Strategy::Fuzz { iterations } => Box::new(Greybox::new(
                // Shards fuzz independently, each from its own seed.
                c.shard
                    .map_or(seed, |(index, _)| crate::rng::mix(seed, index as u64 + 1)),
                self.indices(iterations),
                p,
                c.max_steps,
                c.corpus.clone().unwrap_or_default(),
            )),
            Strategy::Portfolio { iterations } => Box::new(Portfolio::new(
                Setup {
                    seed,
                    shard: c.shard,
                    fault_probability: p,
                    fault_budget: c.fault_budget,
                    max_steps: c.max_steps,
                    corpus: c.corpus.clone(),
                },
                self.indices(iterations),
            )),
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
                preemption_bound: None,
                max_executions,
            } => Box::new(Optimal::new(max_executions, c.shard).with_fault_budget(c.fault_budget)),
            Strategy::Dfs {
                preemption_bound,
                max_executions,
            } => Box::new(Dfs::new(preemption_bound, max_executions, c.shard)),
        }
    }

    /// A session for crate-internal tests.
    #[cfg(test)]
    pub(crate) fn for_test(config: &'c Config, model: ModelFn) -> Self {
        Session::new(config, model, Location::caller())
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
        if let (
            Some(threads),
            Strategy::Dfs {
                preemption_bound: None,
                max_executions,
            },
            None,
        ) = (
            self.config.threads,
            &self.config.strategy,
            self.config.shard,
        ) {
            if !self.exec.always_detail {
                let deadline = self.config.max_duration.map(|d| Instant::now() + d);
                return self.run_parallel(threads, *max_executions, deadline);
            }
        }
        let mut scheduler = self.scheduler();
        let mut report = self.empty_report();
        let deadline = self.config.max_duration.map(|d| Instant::now() + d);
        let mut progress = Progress::new(report.checker.name());
        while scheduler.next_execution() {
            let result = self.execute(&mut *scheduler);
            report.count(&result);
            progress.update(report.executions, || scheduler.estimate());
            match &result.outcome {
                Outcome::Ok { .. } => {
                    if let Err(message) = after(&result) {
                        let found_by = scheduler.checker();
                        return Err(self.failure(
                            result,
                            report.executions,
                            Some(message),
                            found_by,
                        ));
                    }
                }
                Outcome::Pruned => {}
                Outcome::Invalid(message) => {
                    return Err(Failure::invalid(
                        report.checker,
                        report.seed,
                        message.clone(),
                    ))
                }
                _ => {
                    let found_by = scheduler.checker();
                    return Err(self.failure(result, report.executions, None, found_by));
                }
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                report.out_of_time = true;
                return Ok(report);
            }
        }
        report.exhausted = scheduler.exhausted();
        report.redundant = scheduler.redundant();
        Ok(report)
    }

    /// A report of nothing explored yet.
    pub(crate) fn empty_report(&self) -> Report {
        Report {
            checker: self.config.strategy.checker(),
            seed: self.config.seed,
            executions: 0,
            blocked: 0,
            redundant: 0,
            exhausted: false,
            longest_execution: 0,
            abandoned_threads: 0,
            out_of_time: false,
            sometimes: BTreeMap::new(),
        }
    }

    /// A failing execution (not an invalid one), shrunk and explained.
    pub(crate) fn failure_of(&self, result: ExecResult, executions: usize) -> Failure {
        match &result.outcome {
            Outcome::Invalid(message) => Failure::invalid(
                self.config.strategy.checker(),
                self.config.seed,
                message.clone(),
            ),
            _ => self.failure(result, executions, None, None),
        }
    }

    /// Shrink (if enabled) and explain a failing execution, with a token recorded from it;
    /// `found_by` names the strategy that found it when the run's is a portfolio.
    fn failure(
        &self,
        result: ExecResult,
        executions: usize,
        mismatch: Option<String>,
        found_by: Option<Checker>,
    ) -> Failure {
        let (result, shrunk) = if self.config.shrink && mismatch.is_none() {
            let (best, stats) = shrink::shrink(self, result, self.config.shrink_runs);
            (best, Some(stats))
        } else {
            (result, None)
        };
        let mut token = self.token(&result);
        if let Some(checker) = found_by {
            token.checker = checker;
        }
        let mut failure = self.explain(result, &token, mismatch);
        failure.executions = executions;
        failure.shrunk = shrunk;
        failure
    }

    /// The token that replays `result` under this session's limits.
    pub(crate) fn token(&self, result: &ExecResult) -> Token {
        Token {
            label: self.config.label.clone(),
            checker: self.config.strategy.checker(),
            body: Body::Sim(SimSchedule {
                seed: self.config.seed,
                fault_budget: self.config.fault_budget,
                max_steps: self.exec.max_steps,
                fingerprint: fingerprint(result),
                choices: result.choices.clone(),
            }),
        }
    }

    /// Explain a failing execution that `token` replays (one execution, unshrunk, until the
    /// caller says otherwise).
    pub(crate) fn explain(
        &self,
        result: ExecResult,
        token: &Token,
        mismatch: Option<String>,
    ) -> Failure {
        let mut failure = Failure::invalid(token.checker(), self.config.seed, String::new());
        failure.token = token.encode();
        failure.label = token.label().to_owned();
        failure.executions = 1;
        failure.trace = trace_steps(&result);
        failure.faults = result.faults.iter().map(|(_, p)| (*p).to_owned()).collect();
        failure.preemptions = result.preemptions;
        failure.threads.clone_from(&result.thread_names);
        let names = &result.thread_names;
        failure.panics = result
            .panics
            .iter()
            .map(|p| thread_panic(p, names, &failure.trace))
            .collect();
        match (&result.outcome, mismatch) {
            (_, Some(message)) => {
                failure.kind = FailureKind::OutputMismatch;
                failure.message = message;
            }
            (Outcome::Panic(p), None) => {
                // The first panic is the cause; the one that ended the execution may merely
                // propagate it (a join unwrapped on the panicked thread).
                let cause = match failure.panics.first() {
                    Some(first) => first.clone(),
                    None => thread_panic(p, names, &failure.trace),
                };
                failure.kind = FailureKind::Panic;
                failure.message = cause.message;
                failure.thread = Some(cause.thread);
                failure.location = cause.location;
                failure.panic_step = cause.step;
            }
            (Outcome::Deadlock { blocked }, None) => {
                failure.blocked = blocked_threads(&result, blocked);
                failure.cycle = wait_for_cycle(&failure.blocked);
                failure.kind = FailureKind::Deadlock;
                failure.message = "deadlock: no thread can make progress".to_owned();
                failure.deadlock = Some(explain_deadlock(&result, &failure.blocked));
            }
            (Outcome::Livelock, None) => {
                failure.kind = FailureKind::Livelock;
                failure.message = format!(
                    "livelock: an execution exceeded {} steps (raise max_steps if the model is \
                     just long)",
                    self.exec.max_steps
                );
            }
            (Outcome::Ok { .. } | Outcome::Pruned | Outcome::Invalid(_), None) => {
                unreachable!("only failing outcomes are explained")
            }
        }
        failure
    }
}

/// A caught panic, as reported.
fn thread_panic(p: &PanicInfo, names: &[String], trace: &[crate::TraceStep]) -> ThreadPanic {
    ThreadPanic {
        thread_id: p.thread,
        thread: names[p.thread].clone(),
        message: p.message.clone(),
        location: p.location.clone(),
        step: panic_step(trace, p.thread),
    }
}

/// The step after which `thread` panicked: its last step that is not its exit.
fn panic_step(trace: &[crate::TraceStep], thread: usize) -> Option<usize> {
    trace
        .iter()
        .rev()
        .find(|s| s.thread_id == thread && s.op != crate::timeline::StepOp::Exit)
        .map(|s| s.index)
}
