//! [`RelockGuard`]: a checker backend's mutex guard that remembers its mutex, so a modelled
//! timeout (or a condvar built from park/unpark) can drop the lock and take it again while the
//! caller keeps one guard value. Only checker backends use it; `Std` uses std's guard unchanged.

use std::ops::{Deref, DerefMut};

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
/// again. It always holds the lock except inside a backend's wait.
pub struct RelockGuard<'a, M: Relockable + 'a> {
    mutex: &'a M,
    guard: Option<M::Guard<'a>>,
}

impl<'a, M: Relockable + 'a> RelockGuard<'a, M> {
    /// Take the lock.
    pub(crate) fn lock(mutex: &'a M) -> Self {
        Self::new(mutex, mutex.relock())
    }

    /// Wrap a guard already taken from `mutex`.
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

    /// Put back the guard a wait returned.
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

    /// The mutex this guard locks.
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
