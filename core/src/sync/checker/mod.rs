//! Pieces shared by the loom and shuttle backends: the logical clock, the timeout policy, a
//! guard that can release and re-take its lock ([`relock`], needed to model a wait that times
//! out) and the one `impl Runtime` both backends expand ([`runtime`]).
//!
//! Loom and shuttle run every thread of an execution as a coroutine on the one OS thread that
//! called the checker, so per-execution state lives in OS-thread-locals; the `check` adapters
//! reset it at the start of every execution.

mod relock;
mod runtime;

pub use relock::{RelockGuard, Relockable};
pub(crate) use runtime::checker_runtime;

use super::time::{LogicalInstant, Timeouts};
use std::cell::Cell;

thread_local! {
    static CLOCK: Cell<LogicalInstant> = const { Cell::new(LogicalInstant::ZERO) };
    static TIMEOUTS: Cell<Timeouts> = const { Cell::new(Timeouts::Never) };
}

/// Start a new execution: clock at zero, the given timeout policy.
pub(crate) fn begin_execution(timeouts: Timeouts) {
    CLOCK.with(|c| c.set(LogicalInstant::ZERO));
    TIMEOUTS.with(|t| t.set(timeouts));
}

/// The timeout policy of the current execution.
pub(crate) fn timeouts() -> Timeouts {
    TIMEOUTS.with(Cell::get)
}

/// The logical clock of the current execution.
pub(crate) fn now() -> LogicalInstant {
    CLOCK.with(Cell::get)
}

/// Move the clock to at least `at` (never backwards).
pub(crate) fn advance_to(at: LogicalInstant) {
    CLOCK.with(|c| c.set(c.get().max(at)));
}
