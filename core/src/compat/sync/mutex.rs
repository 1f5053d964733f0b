//! [`Mutex`]: std's signatures (`lock()` returns a [`LockResult`]) over the facade's
//! [`Mutex`](crate::sync::Mutex); it never poisons, so the `Err` arm is never taken.

use crate::sync::{self, MutexGuard, Runtime, Std};
use std::fmt;
use std::sync::{LockResult, TryLockError, TryLockResult};

/// A mutual-exclusion lock with `std::sync::Mutex`'s signatures, on backend `R`.
///
/// A newtype of the facade's [`sync::Mutex`] (same size, every method an `#[inline]`
/// forward): `lock` returns `Ok(guard)` where the facade returns `guard`. It never poisons — a
/// panic while the guard is held just releases the lock — so `lock().unwrap()` never panics and
/// `PoisonError` never appears. The guard is the facade's [`MutexGuard`], which
/// [`Condvar`](super::Condvar) takes.
///
/// ```
/// use lockstep::compat::sync::Mutex;
/// let m: Mutex<Vec<u32>> = Mutex::new(Vec::new());
/// m.lock().unwrap().push(7);
/// assert_eq!(*m.lock().unwrap(), [7]);
/// assert!(!m.is_poisoned());
/// assert_eq!(m.into_inner().unwrap(), [7]);
/// ```
#[repr(transparent)]
pub struct Mutex<T: Send, R: Runtime = Std> {
    inner: sync::Mutex<T, R>,
}

impl<T: Send, R: Runtime> Mutex<T, R> {
    /// A new unlocked mutex holding `value`. Unlike std's, not a `const fn`: a checker's mutex
    /// must be created inside the execution that uses it, never in a `static`.
    #[inline]
    #[track_caller]
    pub fn new(value: T) -> Self {
        Self {
            inner: sync::Mutex::new(value),
        }
    }

    /// Block until the lock is held. Always `Ok`: the lock never poisons.
    #[inline]
    #[track_caller]
    pub fn lock(&self) -> LockResult<MutexGuard<'_, T, R>> {
        Ok(self.inner.lock())
    }

    /// Take the lock if it is free right now; `Err(TryLockError::WouldBlock)` if it is held.
    /// Never `Err(TryLockError::Poisoned(..))`.
    #[inline]
    #[track_caller]
    pub fn try_lock(&self) -> TryLockResult<MutexGuard<'_, T, R>> {
        self.inner.try_lock().ok_or(TryLockError::WouldBlock)
    }

    /// Always `false`: the lock never poisons.
    #[inline]
    pub fn is_poisoned(&self) -> bool {
        false
    }

    /// Does nothing: the lock never poisons.
    #[inline]
    pub fn clear_poison(&self) {}

    /// Consume the mutex, returning its data. Always `Ok`.
    #[inline]
    pub fn into_inner(self) -> LockResult<T> {
        Ok(self.inner.into_inner())
    }

    /// Mutable access through `&mut self`: **a guard, not std's `&mut T`**. The facade's
    /// backends give no lock-free path to the data, and handing out a `&mut T` after unlocking
    /// would need `unsafe` that an arbitrary (safe-to-implement) backend could break. The guard
    /// dereferences to `&mut T`, so `*m.get_mut().unwrap() += 1` and
    /// `m.get_mut().unwrap().push(x)` read as with std; code that needs a `&mut T` value
    /// writes `&mut *guard`. It never blocks (`&mut self` proves nobody else holds the lock);
    /// under a checker it is a lock operation like any other.
    #[inline]
    #[track_caller]
    pub fn get_mut(&mut self) -> LockResult<MutexGuard<'_, T, R>> {
        Ok(self.inner.lock())
    }

    /// The facade mutex this one wraps.
    #[inline]
    pub fn as_facade(&self) -> &sync::Mutex<T, R> {
        &self.inner
    }
}

impl<T: Send, R: Runtime> From<T> for Mutex<T, R> {
    #[inline]
    fn from(value: T) -> Self {
        Self::new(value)
    }
}

impl<T: Send, R: Runtime> From<sync::Mutex<T, R>> for Mutex<T, R> {
    #[inline]
    fn from(inner: sync::Mutex<T, R>) -> Self {
        Self { inner }
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
        fmt::Debug::fmt(&self.inner, f)
    }
}
