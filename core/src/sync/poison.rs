//! Poison-free locking, written once for every backend.
//!
//! std, loom and shuttle locks report a panic in a critical section by *poisoning* the lock.
//! The facade never poisons (see [`Mutex`](super::Mutex)): a panic just releases the lock, as in
//! tokio and parking_lot. Every backend maps a lock result through these functions, so the rule
//! lives in one place and all backends agree on it — including `try_lock`, where a poisoned
//! free lock is *taken*, not refused.

use std::sync::{LockResult, PoisonError, TryLockError, TryLockResult};

/// The guard (or value) of a lock operation, whether or not the lock was poisoned.
#[inline]
pub(crate) fn unpoisoned<G>(result: LockResult<G>) -> G {
    result.unwrap_or_else(PoisonError::into_inner)
}

/// `Some(guard)` if the lock was free (poisoned or not), `None` if someone holds it.
#[inline]
pub(crate) fn try_unpoisoned<G>(result: TryLockResult<G>) -> Option<G> {
    match result {
        Ok(guard) => Some(guard),
        Err(TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
        Err(TryLockError::WouldBlock) => None,
    }
}

/// Lock a plain std mutex, ignoring poison. For the never-contended bookkeeping locks of the
/// checker primitives, where a panicking task must not wedge the others.
#[inline]
pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    unpoisoned(mutex.lock())
}

#[cfg(test)]
mod tests {
    use super::{lock, try_unpoisoned, unpoisoned};
    use std::sync::Mutex;

    fn poisoned() -> Mutex<u32> {
        let m = Mutex::new(7);
        let _ = std::panic::catch_unwind(|| {
            let _held = m.lock().unwrap();
            panic!("poison it");
        });
        assert!(m.is_poisoned());
        m
    }

    #[test]
    fn a_poisoned_lock_is_taken_with_its_data() {
        let m = poisoned();
        assert_eq!(*lock(&m), 7);
        assert_eq!(*unpoisoned(m.lock()), 7);
        assert_eq!(try_unpoisoned(m.try_lock()).map(|g| *g), Some(7));
    }

    #[test]
    fn try_lock_of_a_held_lock_is_none() {
        let m = Mutex::new(1);
        let _held = lock(&m);
        assert!(try_unpoisoned(m.try_lock()).is_none());
    }
}
