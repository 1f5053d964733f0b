//! A counting semaphore with tokio's semantics: permits are handed out first come, first
//! served (a waiter at the head of the queue is served before a later `try_acquire`); a permit
//! dropped while tasks wait goes straight to the longest waiter; an `acquire` cancelled after
//! it was granted passes its permit on.
//!
//! zarr's fix for a store that is not concurrency-safe is a semaphore of one around it: every
//! request then waits for the previous one's permit. Written once here, it is what shuttle and
//! lockstep-sim check; production uses `tokio::sync::Semaphore` itself.

use super::{addr, lock, SchedulingPoint};
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

struct Waiter {
    /// Set (under the state lock) when a permit was handed to this waiter.
    granted: AtomicBool,
    waker: std::sync::Mutex<Waker>,
}

struct State {
    permits: usize,
    queue: VecDeque<Arc<Waiter>>,
}

/// A counting semaphore for checker backends.
pub struct Semaphore<H: SchedulingPoint> {
    state: std::sync::Mutex<State>,
    hooks: PhantomData<fn() -> H>,
}

/// One permit of a checked [`Semaphore`]; dropping it returns the permit.
pub struct SemaphorePermit<'a, H: SchedulingPoint> {
    semaphore: &'a Semaphore<H>,
}

impl<H: SchedulingPoint> Semaphore<H> {
    /// A semaphore with `permits` permits.
    pub fn new(permits: usize) -> Self {
        Self {
            state: std::sync::Mutex::new(State {
                permits,
                queue: VecDeque::new(),
            }),
            hooks: PhantomData,
        }
    }

    /// Wait for a permit (first come, first served).
    pub fn acquire(&self) -> impl Future<Output = SemaphorePermit<'_, H>> + Send + '_ {
        H::point(addr(self));
        Acquire {
            semaphore: self,
            waiter: None,
        }
    }

    /// Take a permit if one is free and nobody queues for one.
    pub fn try_acquire(&self) -> Option<SemaphorePermit<'_, H>> {
        H::point(addr(self));
        let mut state = lock(&self.state);
        if state.permits == 0 || !state.queue.is_empty() {
            return None;
        }
        state.permits -= 1;
        Some(SemaphorePermit { semaphore: self })
    }

    /// Permits free right now.
    pub fn available_permits(&self) -> usize {
        H::point(addr(self));
        lock(&self.state).permits
    }

    /// Add `n` permits (each goes to a waiter first).
    pub fn add_permits(&self, n: usize) {
        H::point(addr(self));
        for _ in 0..n {
            self.release();
        }
    }

    /// Hand one permit to the first waiter (woken once the state lock is released), or keep it.
    fn release(&self) {
        let mut state = lock(&self.state);
        let next = state.queue.pop_front();
        match &next {
            Some(next) => next.granted.store(true, Ordering::SeqCst),
            None => state.permits += 1,
        }
        drop(state);
        if let Some(next) = next {
            let waker = lock(&next.waker).clone();
            waker.wake();
        }
    }
}

struct Acquire<'a, H: SchedulingPoint> {
    semaphore: &'a Semaphore<H>,
    waiter: Option<Arc<Waiter>>,
}

impl<'a, H: SchedulingPoint> Future for Acquire<'a, H> {
    type Output = SemaphorePermit<'a, H>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let semaphore = self.semaphore;
        let mut state = lock(&semaphore.state);
        match &self.waiter {
            Some(waiter) if waiter.granted.load(Ordering::SeqCst) => {
                drop(state);
                self.waiter = None;
                Poll::Ready(SemaphorePermit { semaphore })
            }
            Some(waiter) => {
                *lock(&waiter.waker) = cx.waker().clone();
                Poll::Pending
            }
            None if state.permits > 0 && state.queue.is_empty() => {
                state.permits -= 1;
                Poll::Ready(SemaphorePermit { semaphore })
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

impl<H: SchedulingPoint> Drop for Acquire<'_, H> {
    fn drop(&mut self) {
        let Some(waiter) = self.waiter.take() else {
            return;
        };
        if !std::thread::panicking() {
            H::point(addr(self.semaphore));
        }
        let mut state = lock(&self.semaphore.state);
        if waiter.granted.load(Ordering::SeqCst) {
            // Handed a permit but cancelled before seeing it: pass it on.
            drop(state);
            self.semaphore.release();
        } else {
            state.queue.retain(|w| !Arc::ptr_eq(w, &waiter));
        }
    }
}

impl<H: SchedulingPoint> Drop for SemaphorePermit<'_, H> {
    fn drop(&mut self) {
        /// Returns the permit even if the checker unwinds out of the scheduling point.
        struct Release<'a, H: SchedulingPoint>(&'a Semaphore<H>);
        impl<H: SchedulingPoint> Drop for Release<'_, H> {
            fn drop(&mut self) {
                self.0.release();
            }
        }
        let _release = Release(self.semaphore);
        if !std::thread::panicking() {
            H::point(addr(self.semaphore));
        }
    }
}

impl<H: SchedulingPoint> Semaphore<H> {
    /// Free permits and queued waiters, without a scheduling point (for `Debug`).
    pub(super) fn counts(&self) -> (usize, usize) {
        let state = lock(&self.state);
        (state.permits, state.queue.len())
    }
}

impl<H: SchedulingPoint> fmt::Debug for Semaphore<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (permits, waiters) = self.counts();
        f.debug_struct("checked::Semaphore")
            .field("permits", &permits)
            .field("waiters", &waiters)
            .finish()
    }
}

impl<H: SchedulingPoint> fmt::Debug for SemaphorePermit<'_, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("checked::SemaphorePermit")
    }
}
