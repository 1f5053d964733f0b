//! A FIFO async mutex: the lock is handed directly to the longest waiter on release.

use super::{addr, lock, SchedulingPoint};
use std::cell::UnsafeCell;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

struct Waiter {
    /// Set (under the state lock) when the lock was handed to this waiter.
    granted: AtomicBool,
    waker: std::sync::Mutex<Waker>,
}

#[derive(Default)]
struct State {
    locked: bool,
    queue: VecDeque<Arc<Waiter>>,
}

/// An async mutex for checker backends.
pub struct Mutex<T, H: SchedulingPoint> {
    state: std::sync::Mutex<State>,
    data: UnsafeCell<T>,
    hooks: PhantomData<fn() -> H>,
}

// SAFETY: `data` is only reached through a `MutexGuard`, and the lock protocol (`locked`, handed
// over under `state`) admits one guard at a time; so `&Mutex` gives `&mut T` to one task at a
// time, which needs `T: Send` (as `std::sync::Mutex`).
unsafe impl<T: Send, H: SchedulingPoint> Sync for Mutex<T, H> {}
unsafe impl<T: Send, H: SchedulingPoint> Send for Mutex<T, H> {}

/// Proof of holding a checked [`Mutex`].
pub struct MutexGuard<'a, T, H: SchedulingPoint> {
    mutex: &'a Mutex<T, H>,
}

// SAFETY: the guard is a unique `&mut T` in disguise; sending it sends that access.
unsafe impl<T: Send, H: SchedulingPoint> Send for MutexGuard<'_, T, H> {}
unsafe impl<T: Send + Sync, H: SchedulingPoint> Sync for MutexGuard<'_, T, H> {}

impl<T, H: SchedulingPoint> Mutex<T, H> {
    /// A new unlocked mutex.
    pub fn new(value: T) -> Self {
        Self {
            state: std::sync::Mutex::new(State::default()),
            data: UnsafeCell::new(value),
            hooks: PhantomData,
        }
    }

    /// Wait until the lock is held.
    pub fn lock(&self) -> impl Future<Output = MutexGuard<'_, T, H>> + Send
    where
        T: Send,
    {
        H::point(addr(self));
        Lock {
            mutex: self,
            waiter: None,
        }
    }

    /// Take the lock if it is free and nobody queues for it.
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T, H>> {
        H::point(addr(self));
        let mut state = lock(&self.state);
        if state.locked {
            return None;
        }
        state.locked = true;
        Some(MutexGuard { mutex: self })
    }

    /// Release: hand the lock to the first waiter (woken once the state lock is released), or
    /// mark it free.
    fn release(&self) {
        let mut state = lock(&self.state);
        let next = state.queue.pop_front();
        match &next {
            Some(next) => next.granted.store(true, Ordering::SeqCst),
            None => state.locked = false,
        }
        drop(state);
        if let Some(next) = next {
            let waker = lock(&next.waker).clone();
            waker.wake();
        }
    }
}

struct Lock<'a, T, H: SchedulingPoint> {
    mutex: &'a Mutex<T, H>,
    waiter: Option<Arc<Waiter>>,
}

impl<'a, T, H: SchedulingPoint> Future for Lock<'a, T, H> {
    type Output = MutexGuard<'a, T, H>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mutex = self.mutex;
        let mut state = lock(&mutex.state);
        match &self.waiter {
            Some(waiter) if waiter.granted.load(Ordering::SeqCst) => {
                drop(state);
                self.waiter = None;
                Poll::Ready(MutexGuard { mutex })
            }
            Some(waiter) => {
                *lock(&waiter.waker) = cx.waker().clone();
                Poll::Pending
            }
            None if !state.locked => {
                state.locked = true;
                Poll::Ready(MutexGuard { mutex })
            }
            None => {
                let waiter = Arc::new(Waiter {
                    granted: AtomicBool::new(false),
                    waker: std::sync::Mutex::new(cx.waker().clone()),
                });
                state.queue.push_back(waiter.clone());
                drop(state);
                self.waiter = Some(waiter);
                Poll::Pending
            }
        }
    }
}

impl<T, H: SchedulingPoint> Drop for Lock<'_, T, H> {
    fn drop(&mut self) {
        let Some(waiter) = self.waiter.take() else {
            return;
        };
        if !std::thread::panicking() {
            H::point(addr(self.mutex));
        }
        let mut state = lock(&self.mutex.state);
        if waiter.granted.load(Ordering::SeqCst) {
            // Handed the lock but cancelled before seeing it: pass it on.
            drop(state);
            self.mutex.release();
        } else {
            state.queue.retain(|w| !Arc::ptr_eq(w, &waiter));
        }
    }
}

impl<T, H: SchedulingPoint> Deref for MutexGuard<'_, T, H> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: holding the guard means holding the lock (see `Mutex`'s Sync impl).
        unsafe { &*self.mutex.data.get() }
    }
}

impl<T, H: SchedulingPoint> DerefMut for MutexGuard<'_, T, H> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as above, and `&mut self` makes this the only borrow through the guard.
        unsafe { &mut *self.mutex.data.get() }
    }
}

impl<T, H: SchedulingPoint> Drop for MutexGuard<'_, T, H> {
    fn drop(&mut self) {
        /// Releases even if the checker unwinds out of the scheduling point.
        struct Release<'a, T, H: SchedulingPoint>(&'a Mutex<T, H>);
        impl<T, H: SchedulingPoint> Drop for Release<'_, T, H> {
            fn drop(&mut self) {
                self.0.release();
            }
        }
        let _release = Release(self.mutex);
        if !std::thread::panicking() {
            H::point(addr(self.mutex));
        }
    }
}

impl<T, H: SchedulingPoint> fmt::Debug for Mutex<T, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = lock(&self.state);
        f.debug_struct("checked::Mutex")
            .field("locked", &state.locked)
            .field("waiters", &state.queue.len())
            .finish()
    }
}

impl<T: fmt::Debug, H: SchedulingPoint> fmt::Debug for MutexGuard<'_, T, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
