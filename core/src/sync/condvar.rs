//! [`Condvar`]: std's shape on any backend; the `while` and timeout variants are written once
//! here on top of the backend's two waits.

use super::{MutexGuard, Runtime, Std};
use std::fmt;
use std::time::Duration;

/// A condition variable on backend `R`, used with [`Mutex`](super::Mutex).
///
/// Waits may wake spuriously; prefer [`Condvar::wait_while`], which re-checks its condition.
///
/// ```
/// use lockstep::sync::{thread, Arc, Condvar, Mutex, Std};
/// let pair: Arc<(Mutex<bool>, Condvar)> = Arc::new((Mutex::new(false), Condvar::new()));
/// let pair2 = pair.clone();
/// let h = thread::Builder::<Std>::new().spawn(move || {
///     *pair2.0.lock() = true;
///     pair2.1.notify_all();
/// });
/// let ready = pair.1.wait_while(pair.0.lock(), |ready| !*ready);
/// assert!(*ready);
/// drop(ready);
/// h.join().unwrap();
/// ```
pub struct Condvar<R: Runtime = Std> {
    raw: R::Condvar,
}

/// Whether a timed wait returned because its time ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitTimeoutResult(bool);

impl WaitTimeoutResult {
    /// `true` if the wait timed out (the condition may still have become true meanwhile).
    #[inline]
    pub fn timed_out(self) -> bool {
        self.0
    }
}

impl<R: Runtime> Condvar<R> {
    /// A new condition variable.
    #[inline]
    #[track_caller]
    pub fn new() -> Self {
        Self {
            raw: R::condvar_new(),
        }
    }

    /// Release the guard's lock, block until notified, re-take the lock.
    #[inline]
    #[track_caller]
    pub fn wait<'a, T: Send>(&self, guard: MutexGuard<'a, T, R>) -> MutexGuard<'a, T, R> {
        MutexGuard {
            raw: R::condvar_wait(&self.raw, guard.raw),
        }
    }

    /// Wait until `condition` returns `false`; returns with the lock held.
    #[inline]
    #[track_caller]
    pub fn wait_while<'a, T: Send, F>(
        &self,
        mut guard: MutexGuard<'a, T, R>,
        mut condition: F,
    ) -> MutexGuard<'a, T, R>
    where
        F: FnMut(&mut T) -> bool,
    {
        while condition(&mut guard) {
            guard = self.wait(guard);
        }
        guard
    }

    /// As [`Condvar::wait`], giving up after `timeout`.
    ///
    /// Under loom and shuttle, which have no clock, whether a timed wait times out is a choice
    /// the checker makes (see the [module docs](super#time-under-checkers)).
    #[inline]
    #[track_caller]
    pub fn wait_timeout<'a, T: Send>(
        &self,
        guard: MutexGuard<'a, T, R>,
        timeout: Duration,
    ) -> (MutexGuard<'a, T, R>, WaitTimeoutResult) {
        let (raw, timed_out) = R::condvar_wait_timeout(&self.raw, guard.raw, timeout);
        (MutexGuard { raw }, WaitTimeoutResult(timed_out))
    }

    /// Wait until `condition` returns `false` or `timeout` has passed on the backend's clock.
    /// The result says whether it timed out *with the condition still true*.
    #[track_caller]
    pub fn wait_timeout_while<'a, T: Send, F>(
        &self,
        mut guard: MutexGuard<'a, T, R>,
        timeout: Duration,
        mut condition: F,
    ) -> (MutexGuard<'a, T, R>, WaitTimeoutResult)
    where
        F: FnMut(&mut T) -> bool,
    {
        let deadline = R::instant_add(R::now(), timeout);
        loop {
            if !condition(&mut guard) {
                return (guard, WaitTimeoutResult(false));
            }
            let remaining = R::instant_saturating_sub(deadline, R::now());
            if remaining.is_zero() {
                return (guard, WaitTimeoutResult(true));
            }
            let (next, result) = self.wait_timeout(guard, remaining);
            guard = next;
            if result.timed_out() {
                let still = condition(&mut guard);
                return (guard, WaitTimeoutResult(still));
            }
        }
    }

    /// Wake one waiting thread, if any.
    #[inline]
    #[track_caller]
    pub fn notify_one(&self) {
        R::condvar_notify_one(&self.raw)
    }

    /// Wake every waiting thread.
    #[inline]
    #[track_caller]
    pub fn notify_all(&self) {
        R::condvar_notify_all(&self.raw)
    }
}

impl<R: Runtime> Default for Condvar<R> {
    #[track_caller]
    fn default() -> Self {
        Self::new()
    }
}

impl<R: Runtime> fmt::Debug for Condvar<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condvar")
            .field("runtime", &R::NAME)
            .finish_non_exhaustive()
    }
}
