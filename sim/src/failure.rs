//! [`Failure`]: a failing execution, explained — what went wrong, where, the shrunk schedule
//! step by step, and the replay token — as data for tools and as text for people.

use crate::report::{render_trace, TraceStep};
use crate::timeline::BlockedThread;
use lockstep::check::Checker;
pub use lockstep::check::FailureKind;
use std::fmt;

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

/// A panic of one thread of a failing execution.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ThreadPanic {
    /// The thread's id (an index into [`Failure::threads`]).
    pub thread_id: usize,
    /// The thread's name.
    pub thread: String,
    /// The panic message.
    pub message: String,
    /// Where it panicked (`file:line:column`).
    pub location: Option<String>,
    /// The step (1-based, see [`TraceStep::index`]) after which it panicked: the thread's last
    /// step before its exit.
    pub step: Option<usize>,
}

/// A failing execution, explained.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Failure {
    /// What went wrong.
    pub kind: FailureKind,
    /// One line: the panic message, or what deadlocked. For a panic, the *first* panic of the
    /// execution — a worker's, say, when the main thread then panics unwrapping its join (every
    /// panic is in [`panics`](Self::panics)).
    pub message: String,
    /// The thread that panicked first.
    pub thread: Option<String>,
    /// Where it panicked.
    pub location: Option<String>,
    /// Every panic of the execution, in order: the one the summary names first, then those
    /// that followed (a join unwrapped on the panicked thread). For a deadlock, the threads that
    /// had panicked before it.
    pub panics: Vec<ThreadPanic>,
    /// Replays the (shrunk) execution: `lockstep_sim::replay(token, model)` or, when the run
    /// was labelled, `lockstep replay TOKEN`. Empty for [`FailureKind::Invalid`].
    pub token: String,
    /// The model label the token carries (`model/variant@version`; empty when the run was not
    /// labelled, and then only `lockstep_sim::replay` can replay it).
    pub label: String,
    /// The checker (strategy) that found it.
    pub checker: Checker,
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
    /// Every thread of the failing execution, by id: the model's main thread first, then the
    /// threads in spawn order ([`TraceStep::thread_id`] indexes it). Empty for
    /// [`FailureKind::Invalid`].
    pub threads: Vec<String>,
    /// For a deadlock: each blocked thread, what it waits for and for whom, as data (the
    /// [`deadlock`](Self::deadlock) text says the same in words).
    pub blocked: Vec<BlockedThread>,
    /// For a deadlock: the wait-for cycle as thread ids — each waits for the next, the last for
    /// the first (a condvar waiter waits for a thread that could notify it, see
    /// [`BlockedThread::could_notify`]); empty when the waits form no cycle or there is no
    /// deadlock.
    pub cycle: Vec<usize>,
    /// For a panic: the step (1-based, see [`TraceStep::index`]) after which the first
    /// panicking thread panicked — its last step before its exit.
    pub panic_step: Option<usize>,
}

impl Failure {
    pub(crate) fn invalid(checker: Checker, seed: u64, message: String) -> Self {
        Failure {
            kind: FailureKind::Invalid,
            message,
            thread: None,
            location: None,
            panics: Vec::new(),
            token: String::new(),
            label: String::new(),
            checker,
            seed,
            executions: 0,
            trace: Vec::new(),
            deadlock: None,
            faults: Vec::new(),
            preemptions: 0,
            shrunk: None,
            threads: Vec::new(),
            blocked: Vec::new(),
            cycle: Vec::new(),
            panic_step: None,
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

    /// The failing execution as one self-contained HTML page (inline CSS and SVG, no script,
    /// nothing fetched): one lane per thread, steps in order with virtual time and source
    /// locations, lock holds as bars, condvar waits and the notifications that ended them,
    /// spawns and joins as arrows, the wait-for cycle of a deadlock, the panicking step, the
    /// faults that fired and the replay lines. See [`crate::replay_html`] for any replayed
    /// schedule.
    pub fn to_html(&self) -> String {
        crate::html::failure_page(self)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.kind == FailureKind::Invalid {
            return write!(f, "lockstep-sim could not run: {}", self.message);
        }
        writeln!(
            f,
            "lockstep-sim found a failure after {} execution(s) ({}, seed {}):",
            self.executions, self.checker, self.seed
        )?;
        writeln!(f, "  {}", self.summary())?;
        if let Some(at) = &self.location {
            writeln!(f, "  at {at}")?;
        }
        if let Some(deadlock) = &self.deadlock {
            write!(f, "{deadlock}")?;
        }
        // The panics the summary does not name: those that followed the first one, or, for a
        // deadlock, every thread that had panicked.
        let named = usize::from(self.kind == FailureKind::Panic);
        for p in self.panics.iter().skip(named) {
            let when = if named == 1 { "then" } else { "before," };
            write!(f, "  {when} thread `{}` panicked: {}", p.thread, p.message)?;
            match &p.location {
                Some(at) => writeln!(f, " (at {at})")?,
                None => writeln!(f)?,
            }
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
        write!(
            f,
            "\nreproduce: lockstep_sim::replay(\"{}\", model)",
            self.token
        )?;
        // Only a labelled token names a model a `lockstep`-style binary can find.
        if !self.label.is_empty() {
            write!(f, "\n       or: lockstep replay {}", self.token)?;
        }
        Ok(())
    }
}

impl std::error::Error for Failure {}
