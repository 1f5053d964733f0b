//! [`Condvar`]: std's signatures (every wait returns a [`LockResult`]) over the facade's
//! [`Condvar`](crate::sync::Condvar).

use crate::sync::{self, MutexGuard, Runtime, Std, WaitTimeoutResult};
use std::fmt;
use std::sync::LockResult;
use std::time::Duration;

/// A condition variable with `std::sync::Condvar`'s signatures, on backend `R`; used with
/// [`Mutex`](super::Mutex).
///
/// A newtype of the facade's [`sync::Condvar`]. Every wait returns `Ok`: locks never poison.
/// Timed waits return the facade's [`WaitTimeoutResult`] (std's cannot be constructed outside
/// std); its `timed_out()` means the same. Time is the backend's clock: wall time on `Std`,
/// virtual time on the simulator, a logical clock under loom and shuttle (see
/// [`crate::sync`]).
///
/// ```
/// use lockstep::compat::sync::{Arc, Condvar, Mutex};
/// use lockstep::compat::thread;
/// use lockstep::sync::Std;
///
/// let pair: Arc<(Mutex<bool>, Condvar)> = Arc::new((Mutex::new(false), Condvar::new()));
/// let pair2 = pair.clone();
/// let h = thread::spawn::<Std, _, _>(move || {
///     *pair2.0.lock().unwrap() = true;
///     pair2.1.notify_one();
/// });
/// let ready = pair.1.wait_while(pair.0.lock().unwrap(), |ready| !*ready).unwrap();
/// assert!(*ready);
/// drop(ready);
/// h.join().unwrap();
/// ```
#[repr(transparent)]
pub struct Condvar<R: Runtime = Std> {
    inner: sync::Condvar<R>,
}

impl<R: Runtime> Condvar<R> {
    /// A new condition variable.
    #[inline]
    #[track_caller]
    pub fn new() -> Self {
        Self {
            inner: sync::Condvar::new(),
        }
    }

    /// Release the guard's lock, block until notified, re-take the lock. May wake spuriously,
    /// as std's may. Always `Ok`.
    #[inline]
    #[track_caller]
    pub fn wait<'a, T: Send>(
        &self,
        guard: MutexGuard<'a, T, R>,
    ) -> LockResult<MutexGuard<'a, T, R>> {
        Ok(self.inner.wait(guard))
    }

    /// Wait until `condition` returns `false`; returns with the lock held. Always `Ok`.
    #[inline]
    #[track_caller]
    pub fn wait_while<'a, T: Send, F>(
        &self,
        guard: MutexGuard<'a, T, R>,
        condition: F,
    ) -> LockResult<MutexGuard<'a, T, R>>
    where
        F: FnMut(&mut T) -> bool,
    {
        Ok(self.inner.wait_while(guard, condition))
    }

    /// As [`Condvar::wait`], giving up after `dur` on the backend's clock. Always `Ok`.
    #[inline]
    #[track_caller]
    pub fn wait_timeout<'a, T: Send>(
        &self,
        guard: MutexGuard<'a, T, R>,
        dur: Duration,
    ) -> LockResult<(MutexGuard<'a, T, R>, WaitTimeoutResult)> {
        Ok(self.inner.wait_timeout(guard, dur))
    }

    /// Wait until `condition` returns `false` or `dur` has passed; the result says whether it
    /// timed out with the condition still true. Always `Ok`.
    #[inline]
    #[track_caller]
    pub fn wait_timeout_while<'a, T: Send, F>(
        &self,
        guard: MutexGuard<'a, T, R>,
        dur: Duration,
        condition: F,
    ) -> LockResult<(MutexGuard<'a, T, R>, WaitTimeoutResult)>
    where
        F: FnMut(&mut T) -> bool,
    {
        Ok(self.inner.wait_timeout_while(guard, dur, condition))
    }

    /// Wake one waiting thread, if any.
    #[inline]
    #[track_caller]
    pub fn notify_one(&self) {
        self.inner.notify_one()
    }

    /// Wake every waiting thread.
    #[inline]
    #[track_caller]
    pub fn notify_all(&self) {
        self.inner.notify_all()
    }

    /// The facade condition variable this one wraps.
    #[inline]
    pub fn as_facade(&self) -> &sync::Condvar<R> {
        &self.inner
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
        fmt::Debug::fmt(&self.inner, f)
    }
}
