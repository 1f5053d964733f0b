//! [`RwLock`]: std's signatures (`read()`/`write()` return a [`LockResult`]) over the facade's
//! [`RwLock`](crate::sync::RwLock); it never poisons.

use crate::sync::{self, Runtime, RwLockReadGuard, RwLockWriteGuard, Std};
use std::fmt;
use std::sync::LockResult;

/// A reader-writer lock with `std::sync::RwLock`'s signatures, on backend `R`.
///
/// A newtype of the facade's [`sync::RwLock`]; `read` and `write` always return `Ok` (no
/// poisoning). Not offered: `try_read` and `try_write` (the backends have no non-blocking
/// reader-writer operations). Fairness between readers and writers is the backend's.
///
/// ```
/// use lockstep::compat::sync::RwLock;
/// let lock: RwLock<u32> = RwLock::new(1);
/// assert_eq!(*lock.read().unwrap(), 1);
/// *lock.write().unwrap() = 2;
/// assert_eq!(lock.into_inner().unwrap(), 2);
/// ```
#[repr(transparent)]
pub struct RwLock<T: Send + Sync, R: Runtime = Std> {
    inner: sync::RwLock<T, R>,
}

impl<T: Send + Sync, R: Runtime> RwLock<T, R> {
    /// A new unlocked lock. Not a `const fn` (see [`Mutex::new`](super::Mutex::new)).
    #[inline]
    #[track_caller]
    pub fn new(value: T) -> Self {
        Self {
            inner: sync::RwLock::new(value),
        }
    }

    /// Block until shared access is held. Always `Ok`.
    #[inline]
    #[track_caller]
    pub fn read(&self) -> LockResult<RwLockReadGuard<'_, T, R>> {
        Ok(self.inner.read())
    }

    /// Block until exclusive access is held. Always `Ok`.
    #[inline]
    #[track_caller]
    pub fn write(&self) -> LockResult<RwLockWriteGuard<'_, T, R>> {
        Ok(self.inner.write())
    }

    /// Always `false`: the lock never poisons.
    #[inline]
    pub fn is_poisoned(&self) -> bool {
        false
    }

    /// Does nothing: the lock never poisons.
    #[inline]
    pub fn clear_poison(&self) {}

    /// Consume the lock, returning its data. Always `Ok`.
    #[inline]
    pub fn into_inner(self) -> LockResult<T> {
        Ok(self.inner.into_inner())
    }

    /// Mutable access through `&mut self`: a write guard, not std's `&mut T`, for the reason
    /// given at [`Mutex::get_mut`](super::Mutex::get_mut). Never blocks.
    #[inline]
    #[track_caller]
    pub fn get_mut(&mut self) -> LockResult<RwLockWriteGuard<'_, T, R>> {
        Ok(self.inner.write())
    }

    /// The facade lock this one wraps.
    #[inline]
    pub fn as_facade(&self) -> &sync::RwLock<T, R> {
        &self.inner
    }
}

impl<T: Send + Sync, R: Runtime> From<T> for RwLock<T, R> {
    #[inline]
    fn from(value: T) -> Self {
        Self::new(value)
    }
}

impl<T: Send + Sync + Default, R: Runtime> Default for RwLock<T, R> {
    #[track_caller]
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<T: Send + Sync, R: Runtime> fmt::Debug for RwLock<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}
