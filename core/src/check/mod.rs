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

#[cfg(feature = "loom")]
pub mod loom;
#[cfg(feature = "shuttle")]
pub mod shuttle;

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

/// The kind of bug a checker found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FailureKind {
    /// No thread could make progress.
    Deadlock,
    /// A thread panicked (an assertion failed).
    Panic,
    /// The check could not run as asked: a malformed or mismatched replay string, an invalid
    /// setting. Not a verdict about the model.
    InvalidInput,
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
            FailureKind::Panic => "found a failing execution",
            FailureKind::InvalidInput => "could not run",
        };
        write!(f, "{} {what}: {}", self.checker, self.message)?;
        if let Some(replay) = &self.replay {
            write!(f, "\nreplay it with the schedule: {replay}")?;
        }
        Ok(())
    }
}
