//! A FIFO async mutex: a [`Semaphore`] of one permit around the data, so the lock is handed
//! directly to the longest waiter on release, and a `lock` cancelled after it was granted passes
//! it on — the semaphore's protocol, written once there.

use super::semaphore::{Semaphore, SemaphorePermit};
use super::SchedulingPoint;
use std::cell::UnsafeCell;
use std::fmt;
use std::future::Future;
use std::ops::{Deref, DerefMut};

/// An async mutex for checker backends.
pub struct Mutex<T, H: SchedulingPoint> {
    permit: Semaphore<H>,
    data: UnsafeCell<T>,
}

// SAFETY: `data` is only reached through a `MutexGuard`, which holds the semaphore's only
// permit; so `&Mutex` gives `&mut T` to one task at a time, which needs `T: Send` (as
// `std::sync::Mutex`).
unsafe impl<T: Send, H: SchedulingPoint> Sync for Mutex<T, H> {}
unsafe impl<T: Send, H: SchedulingPoint> Send for Mutex<T, H> {}

/// Proof of holding a checked [`Mutex`]; dropping it releases the lock.
pub struct MutexGuard<'a, T, H: SchedulingPoint> {
    mutex: &'a Mutex<T, H>,
    _permit: SemaphorePermit<'a, H>,
}

// SAFETY: the guard is a unique `&mut T` in disguise; sending it sends that access.
unsafe impl<T: Send, H: SchedulingPoint> Send for MutexGuard<'_, T, H> {}
unsafe impl<T: Send + Sync, H: SchedulingPoint> Sync for MutexGuard<'_, T, H> {}

impl<T, H: SchedulingPoint> Mutex<T, H> {
    /// A new unlocked mutex.
    pub fn new(value: T) -> Self {
        Self {
            permit: Semaphore::new(1),
            data: UnsafeCell::new(value),
        }
    }

    /// Wait until the lock is held.
    pub fn lock(&self) -> impl Future<Output = MutexGuard<'_, T, H>> + Send
    where
        T: Send,
    {
        // Asked for now (the scheduling point is at the call, as for every primitive), awaited
        // when polled.
        let acquire = self.permit.acquire();
        async move {
            MutexGuard {
                mutex: self,
                _permit: acquire.await,
            }
        }
    }

    /// Take the lock if it is free and nobody queues for it.
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T, H>> {
        let permit = self.permit.try_acquire()?;
        Some(MutexGuard {
            mutex: self,
            _permit: permit,
        })
    }
}

impl<T, H: SchedulingPoint> Deref for MutexGuard<'_, T, H> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: holding the guard means holding the only permit (see `Mutex`'s Sync impl).
        unsafe { &*self.mutex.data.get() }
    }
}

impl<T, H: SchedulingPoint> DerefMut for MutexGuard<'_, T, H> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as above, and `&mut self` makes this the only borrow through the guard.
        unsafe { &mut *self.mutex.data.get() }
    }
}

impl<T, H: SchedulingPoint> fmt::Debug for Mutex<T, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (free, waiters) = self.permit.counts();
        f.debug_struct("checked::Mutex")
            .field("locked", &(free == 0))
            .field("waiters", &waiters)
            .finish()
    }
}

impl<T: fmt::Debug, H: SchedulingPoint> fmt::Debug for MutexGuard<'_, T, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
