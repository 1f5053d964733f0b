//! Pieces shared by the loom and shuttle backends: the logical clock, the timeout policy, and a
//! guard that can release and re-take its lock (needed to model a wait that times out).
//!
//! Loom and shuttle run every thread of an execution as a coroutine on the one OS thread that
//! called the checker, so per-execution state lives in OS-thread-locals; the `check` adapters
//! reset it at the start of every execution.

use super::time::{LogicalInstant, Timeouts};
use std::cell::Cell;
use std::ops::{Deref, DerefMut};
use std::time::Duration;

thread_local! {
    static CLOCK: Cell<Duration> = const { Cell::new(Duration::ZERO) };
    static TIMEOUTS: Cell<Timeouts> = const { Cell::new(Timeouts::Never) };
}

/// Start a new execution: clock at zero, the given timeout policy.
pub(crate) fn begin_execution(timeouts: Timeouts) {
    CLOCK.with(|c| c.set(Duration::ZERO));
    TIMEOUTS.with(|t| t.set(timeouts));
}

pub(crate) fn timeouts() -> Timeouts {
    TIMEOUTS.with(Cell::get)
}

pub(crate) fn now() -> LogicalInstant {
    LogicalInstant(CLOCK.with(Cell::get))
}

/// Move the clock to at least `at` (never backwards).
pub(crate) fn advance_to(at: LogicalInstant) {
    CLOCK.with(|c| c.set(c.get().max(at.0)));
}

pub(crate) fn instant_add(instant: LogicalInstant, duration: Duration) -> LogicalInstant {
    LogicalInstant(instant.0.saturating_add(duration))
}

pub(crate) fn instant_saturating_sub(later: LogicalInstant, earlier: LogicalInstant) -> Duration {
    later.0.saturating_sub(earlier.0)
}

/// A lock whose guard can be dropped and re-taken by [`RelockGuard`].
pub trait Relockable {
    /// The protected data.
    type Target;
    /// The checker's own guard.
    type Guard<'a>: DerefMut<Target = Self::Target>
    where
        Self: 'a;
    /// Take the lock.
    fn relock(&self) -> Self::Guard<'_>;
}

/// A guard that remembers its mutex, so a modelled timeout can release the lock and take it
/// again. Only checker backends use it; `Std` uses std's guard unchanged.
pub struct RelockGuard<'a, M: Relockable + 'a> {
    mutex: &'a M,
    guard: Option<M::Guard<'a>>,
}

impl<'a, M: Relockable + 'a> RelockGuard<'a, M> {
    pub(crate) fn new(mutex: &'a M, guard: M::Guard<'a>) -> Self {
        Self {
            mutex,
            guard: Some(guard),
        }
    }

    /// Take the inner guard out (to pass it to the checker's own condvar).
    pub(crate) fn take(&mut self) -> M::Guard<'a> {
        self.guard.take().expect("RelockGuard: lock not held")
    }

    pub(crate) fn put(&mut self, guard: M::Guard<'a>) {
        debug_assert!(self.guard.is_none());
        self.guard = Some(guard);
    }

    /// Release the lock and take it again; other threads may run in between.
    #[cfg(feature = "loom")]
    pub(crate) fn release_and_relock(&mut self) {
        drop(self.guard.take());
        self.guard = Some(self.mutex.relock());
    }

    #[cfg(feature = "shuttle")]
    pub(crate) fn mutex(&self) -> &'a M {
        self.mutex
    }
}

impl<'a, M: Relockable + 'a> Deref for RelockGuard<'a, M> {
    type Target = M::Target;
    fn deref(&self) -> &M::Target {
        self.guard.as_deref().expect("RelockGuard: lock not held")
    }
}

impl<'a, M: Relockable + 'a> DerefMut for RelockGuard<'a, M> {
    fn deref_mut(&mut self) -> &mut M::Target {
        self.guard
            .as_deref_mut()
            .expect("RelockGuard: lock not held")
    }
}

impl<'a, M: Relockable + 'a> std::fmt::Debug for RelockGuard<'a, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelockGuard")
            .field("held", &self.guard.is_some())
            .finish()
    }
}

/// The time items of a checker backend's `Runtime` impl: the logical clock. `sleep` is a
/// scheduling point both before and after it moves the clock (`$switch`), so other threads can
/// observe the sleeper's earlier effects at the earlier time and its later ones after it.
macro_rules! logical_time_items {
    ($switch:expr) => {
        type Instant = $crate::sync::time::LogicalInstant;

        fn now() -> Self::Instant {
            $crate::sync::checker::now()
        }

        fn instant_add(instant: Self::Instant, duration: std::time::Duration) -> Self::Instant {
            $crate::sync::checker::instant_add(instant, duration)
        }

        fn instant_saturating_sub(
            later: Self::Instant,
            earlier: Self::Instant,
        ) -> std::time::Duration {
            $crate::sync::checker::instant_saturating_sub(later, earlier)
        }

        fn sleep(duration: std::time::Duration) {
            $switch;
            let now = $crate::sync::checker::now();
            $crate::sync::checker::advance_to($crate::sync::checker::instant_add(now, duration));
            $switch;
        }
    };
}
pub(crate) use logical_time_items;
