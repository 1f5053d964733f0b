//! [`Instant`]: a point on the backend's monotonic clock — the wall clock under [`Std`], a
//! logical clock under loom and shuttle, virtual time under lockstep-sim.

use super::{Runtime, Std};
use std::cmp::Ordering;
use std::fmt;
use std::ops::Add;
use std::time::Duration;

/// A measurement of the backend's monotonic clock.
///
/// ```
/// use lockstep::sync::time::Instant;
/// use std::time::Duration;
/// let start: Instant = Instant::now();
/// let deadline = start + Duration::from_millis(5);
/// assert!(deadline > start);
/// assert_eq!(deadline.duration_since(start), Duration::from_millis(5));
/// ```
pub struct Instant<R: Runtime = Std> {
    raw: R::Instant,
}

impl<R: Runtime> Instant<R> {
    /// The current time on the backend's clock.
    #[inline]
    pub fn now() -> Self {
        Self { raw: R::now() }
    }

    /// Time passed since `self` (zero if `self` is in the future).
    #[inline]
    pub fn elapsed(&self) -> Duration {
        R::instant_saturating_sub(R::now(), self.raw)
    }

    /// `self - earlier`, or zero if `earlier` is later.
    #[inline]
    pub fn duration_since(&self, earlier: Self) -> Duration {
        R::instant_saturating_sub(self.raw, earlier.raw)
    }
}

impl<R: Runtime> Add<Duration> for Instant<R> {
    type Output = Self;
    /// Saturates at the clock's end instead of panicking.
    #[inline]
    fn add(self, rhs: Duration) -> Self {
        Self {
            raw: R::instant_add(self.raw, rhs),
        }
    }
}

impl<R: Runtime> Clone for Instant<R> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<R: Runtime> Copy for Instant<R> {}
impl<R: Runtime> PartialEq for Instant<R> {
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw
    }
}
impl<R: Runtime> Eq for Instant<R> {}
impl<R: Runtime> PartialOrd for Instant<R> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<R: Runtime> Ord for Instant<R> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.raw.cmp(&other.raw)
    }
}
impl<R: Runtime> fmt::Debug for Instant<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.raw, f)
    }
}

/// A point on a logical clock: the `Instant` of the loom and shuttle backends, which have no
/// clock of their own. It starts at zero in each execution and only moves when a thread sleeps
/// or a timed wait times out, to at least the sleep's or wait's end; so code that computes
/// deadlines from `now()` sees time pass exactly as its own waits imply, deterministically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct LogicalInstant(pub Duration);

impl LogicalInstant {
    /// The start of an execution.
    pub const ZERO: LogicalInstant = LogicalInstant(Duration::ZERO);

    /// Time since the start of the execution.
    #[inline]
    pub fn since_start(self) -> Duration {
        self.0
    }

    /// `self + duration`, saturating at the clock's end instead of overflowing (a timeout of
    /// `Duration::MAX` is a deadline that never comes).
    ///
    /// ```
    /// use lockstep::sync::time::LogicalInstant;
    /// use std::time::Duration;
    /// let t = LogicalInstant::ZERO.saturating_add(Duration::from_secs(2));
    /// assert_eq!(t.since_start(), Duration::from_secs(2));
    /// assert_eq!(t.saturating_add(Duration::MAX).since_start(), Duration::MAX);
    /// ```
    #[inline]
    #[must_use]
    pub fn saturating_add(self, duration: Duration) -> Self {
        LogicalInstant(self.0.saturating_add(duration))
    }

    /// `self - earlier`, or zero if `earlier` is later (std's `Instant` has the same method).
    #[inline]
    pub fn saturating_duration_since(self, earlier: Self) -> Duration {
        self.0.saturating_sub(earlier.0)
    }
}

/// Whether timed waits may time out under a checker that has no clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Timeouts {
    /// Timed waits behave as plain waits (loom's and shuttle's own behaviour). A program that
    /// needs a timeout to make progress is reported as a deadlock.
    #[default]
    Never,
    /// Each timed wait may time out: the checker explores both outcomes. See the backend docs
    /// for how each checker models it.
    Explore,
}
