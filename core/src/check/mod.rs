//! Adapters that run a model under loom or shuttle and report the result as a value or as an
//! ordinary test failure.
//!
//! A *model* is a closure `Fn() + Send + Sync + 'static` that builds its state, spawns threads on
//! the checker's backend (`Loom`, `Shuttle`; features `loom` and `shuttle`) and
//! asserts. Each adapter offers:
//! - a test-style call that panics with a readable report when the checker finds a bug
//!   (`loom::check`, `shuttle::check_pct`, ...), and
//! - a `try_` call returning `Result<Report, Failure>` for tools.
//!
//! Every execution starts with a fresh logical clock and the configured
//! [`Timeouts`](crate::sync::Timeouts) policy.

mod checker;
#[cfg(feature = "loom")]
pub mod loom;
#[cfg(feature = "shuttle")]
pub mod shuttle;

pub use checker::{Backend, Checker, UnknownChecker};
use std::fmt;

/// What a completed check explored.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Report {
    /// The checker (`"loom"`, `"shuttle-random"`, `"shuttle-pct"`, `"shuttle-dfs"`, ...).
    pub checker: &'static str,
    /// Executions (schedules) explored.
    pub executions: usize,
}

/// What kind of failure a checker found — one vocabulary for every checker (lockstep-sim
/// re-exports it); loom and shuttle report only `Panic`, `Deadlock` and `Invalid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FailureKind {
    /// A thread panicked (an assertion failed): the main thread, or another that was never
    /// joined.
    Panic,
    /// No thread could make progress.
    Deadlock,
    /// An execution exceeded the step bound: a livelock or an unbounded loop.
    Livelock,
    /// Two executions wrote different output (the output oracle).
    OutputMismatch,
    /// The check could not run as asked: a malformed or mismatched replay token, an invalid
    /// setting, a model that does not repeat itself. Not a verdict about the model.
    Invalid,
}

impl FailureKind {
    /// A short name (`panic`, `deadlock`, `livelock`, `output-mismatch`, `invalid`).
    pub const fn name(self) -> &'static str {
        match self {
            FailureKind::Panic => "panic",
            FailureKind::Deadlock => "deadlock",
            FailureKind::Livelock => "livelock",
            FailureKind::OutputMismatch => "output-mismatch",
            FailureKind::Invalid => "invalid",
        }
    }

    /// Whether this is a verdict about the model (a bug), not a failure to run the check.
    pub const fn is_bug(self) -> bool {
        !matches!(self, FailureKind::Invalid)
    }
}

/// A failing execution found by a checker.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub struct Failure {
    /// The checker that found it.
    pub checker: &'static str,
    /// Deadlock or panic.
    pub kind: FailureKind,
    /// The checker's message (the panic message, or the list of blocked threads).
    pub message: String,
    /// A string that reproduces the execution, where the checker offers one (shuttle's schedule).
    pub replay: Option<String>,
    /// Executions explored up to and including the failing one (0 if unknown).
    pub executions: usize,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            FailureKind::Deadlock => "found a deadlock",
            FailureKind::Livelock => "found a livelock",
            FailureKind::Panic | FailureKind::OutputMismatch => "found a failing execution",
            FailureKind::Invalid => "could not run",
        };
        write!(f, "{} {what}: {}", self.checker, self.message)?;
        if let Some(replay) = &self.replay {
            write!(f, "\nreplay it with the schedule: {replay}")?;
        }
        Ok(())
    }
}
