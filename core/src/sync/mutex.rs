//! [`Mutex`] and [`MutexGuard`]: std's shape, no poisoning, any backend.

use super::{Runtime, Std};
use std::fmt;
use std::ops::{Deref, DerefMut};

/// A mutual-exclusion lock on backend `R` (std by default).
///
/// Unlike `std::sync::Mutex`, locking never fails: a panic while the lock is held does not poison
/// it (tokio's and parking_lot's choice); invariants that a panic could break must be restored
/// by the code that holds the guard.
///
/// ```
/// use lockstep::sync::Mutex;
/// let m: Mutex<Vec<u32>> = Mutex::new(Vec::new());
/// m.lock().push(7);
/// assert_eq!(*m.lock(), [7]);
/// ```
pub struct Mutex<T: Send, R: Runtime = Std> {
    raw: R::Mutex<T>,
}

/// Holds a [`Mutex`] locked until dropped.
pub struct MutexGuard<'a, T: Send + 'a, R: Runtime = Std> {
    pub(crate) raw: R::MutexGuard<'a, T>,
}

impl<T: Send, R: Runtime> Mutex<T, R> {
    /// A new unlocked mutex holding `value`.
    #[inline]
    #[track_caller]
    pub fn new(value: T) -> Self {
        Self {
            raw: R::mutex_new(value),
        }
    }

    /// Block until the lock is held.
    #[inline]
    #[track_caller]
    pub fn lock(&self) -> MutexGuard<'_, T, R> {
        MutexGuard {
            raw: R::mutex_lock(&self.raw),
        }
    }

    /// Take the lock if it is free right now.
    #[inline]
    #[track_caller]
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T, R>> {
        R::mutex_try_lock(&self.raw).map(|raw| MutexGuard { raw })
    }

    /// The backend's own mutex, for an operation only that backend offers (for example
    /// `lockstep_sim::process::reinit`, which re-initialises a mutex in a forked child process).
    #[inline]
    pub fn as_raw(&self) -> &R::Mutex<T> {
        &self.raw
    }

    /// Consume the mutex, returning its data.
    #[inline]
    pub fn into_inner(self) -> T {
        R::mutex_into_inner(self.raw)
    }
}

impl<T: Send + Default, R: Runtime> Default for Mutex<T, R> {
    #[track_caller]
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<T: Send, R: Runtime> fmt::Debug for Mutex<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mutex")
            .field("runtime", &R::NAME)
            .finish_non_exhaustive()
    }
}

impl<T: Send, R: Runtime> Deref for MutexGuard<'_, T, R> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        &self.raw
    }
}

impl<T: Send, R: Runtime> DerefMut for MutexGuard<'_, T, R> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        &mut self.raw
    }
}

impl<T: Send + fmt::Debug, R: Runtime> fmt::Debug for MutexGuard<'_, T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
