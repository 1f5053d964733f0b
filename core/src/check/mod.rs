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

/// An adapter's setting from the environment variable `name`: `Ok(None)` when unset, an error
/// naming the variable when its value does not parse (never silently ignored).
#[cfg(any(feature = "loom", feature = "shuttle"))]
fn env_knob<T: std::str::FromStr>(name: &str, expected: &str) -> Result<Option<T>, String> {
    match std::env::var(name) {
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(format!("{name}: not valid UTF-8")),
        Ok(text) => text
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| format!("{name}={text:?}: expected {expected}")),
    }
}

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

#[cfg(all(test, any(feature = "loom", feature = "shuttle")))]
mod tests {
    use super::env_knob;

    /// A value that does not parse is an error naming the variable, never taken for unset.
    #[test]
    fn an_unparsable_knob_is_refused_naming_its_variable() {
        // Variables of this test alone: no other test reads them.
        std::env::set_var("LOCKSTEP_TEST_KNOB_BAD", "two");
        std::env::set_var("LOCKSTEP_TEST_KNOB_GOOD", " 3 ");
        let bad = env_knob::<usize>("LOCKSTEP_TEST_KNOB_BAD", "a number").unwrap_err();
        assert!(bad.starts_with("LOCKSTEP_TEST_KNOB_BAD=\"two\""), "{bad}");
        assert_eq!(
            env_knob::<usize>("LOCKSTEP_TEST_KNOB_GOOD", "a number"),
            Ok(Some(3))
        );
        assert_eq!(
            env_knob::<usize>("LOCKSTEP_TEST_KNOB_UNSET", "a number"),
            Ok(None)
        );
    }
}
