//! [`RwLock`]: std's shape, no poisoning, any backend.

use super::{Runtime, Std};
use std::fmt;
use std::ops::{Deref, DerefMut};

/// A reader-writer lock on backend `R`.
///
/// ```
/// use lockstep::sync::RwLock;
/// let lock: RwLock<u32> = RwLock::new(1);
/// assert_eq!(*lock.read(), 1);
/// *lock.write() = 2;
/// assert_eq!(lock.into_inner(), 2);
/// ```
pub struct RwLock<T: Send + Sync, R: Runtime = Std> {
    raw: R::RwLock<T>,
}

/// Shared access to an [`RwLock`].
pub struct RwLockReadGuard<'a, T: Send + Sync + 'a, R: Runtime = Std> {
    raw: R::RwLockReadGuard<'a, T>,
}

/// Exclusive access to an [`RwLock`].
pub struct RwLockWriteGuard<'a, T: Send + Sync + 'a, R: Runtime = Std> {
    raw: R::RwLockWriteGuard<'a, T>,
}

impl<T: Send + Sync, R: Runtime> RwLock<T, R> {
    /// A new unlocked lock.
    #[inline]
    #[track_caller]
    pub fn new(value: T) -> Self {
        Self {
            raw: R::rwlock_new(value),
        }
    }

    /// Block until shared access is held.
    #[inline]
    #[track_caller]
    pub fn read(&self) -> RwLockReadGuard<'_, T, R> {
        RwLockReadGuard {
            raw: R::rwlock_read(&self.raw),
        }
    }

    /// Block until exclusive access is held.
    #[inline]
    #[track_caller]
    pub fn write(&self) -> RwLockWriteGuard<'_, T, R> {
        RwLockWriteGuard {
            raw: R::rwlock_write(&self.raw),
        }
    }

    /// Consume the lock, returning its data.
    #[inline]
    pub fn into_inner(self) -> T {
        R::rwlock_into_inner(self.raw)
    }
}

impl<T: Send + Sync, R: Runtime> fmt::Debug for RwLock<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RwLock")
            .field("runtime", &R::NAME)
            .finish_non_exhaustive()
    }
}

impl<T: Send + Sync, R: Runtime> Deref for RwLockReadGuard<'_, T, R> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        &self.raw
    }
}

impl<T: Send + Sync, R: Runtime> Deref for RwLockWriteGuard<'_, T, R> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        &self.raw
    }
}

impl<T: Send + Sync, R: Runtime> DerefMut for RwLockWriteGuard<'_, T, R> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        &mut self.raw
    }
}

impl<T: Send + Sync + fmt::Debug, R: Runtime> fmt::Debug for RwLockReadGuard<'_, T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: Send + Sync + fmt::Debug, R: Runtime> fmt::Debug for RwLockWriteGuard<'_, T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
