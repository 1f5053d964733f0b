//! A notify with tokio's semantics: `notify_one` wakes the longest waiter or stores one permit;
//! `notify_waiters` wakes every waiter registered or *created* before it, storing nothing; a
//! `notify_one` delivered to a waiter that is then dropped passes on to the next.

use super::{addr, lock, SchedulingPoint};
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

const WAITING: u8 = 0;
const BY_ONE: u8 = 1;
const BY_ALL: u8 = 2;

struct Waiter {
    /// How it was woken; written under the state lock.
    woken: AtomicU8,
    waker: std::sync::Mutex<Waker>,
}

#[derive(Default)]
struct State {
    permit: bool,
    /// Incremented by every `notify_waiters`.
    generation: u64,
    waiters: VecDeque<Arc<Waiter>>,
}

/// A task notification primitive for checker backends.
pub struct Notify<H: SchedulingPoint> {
    state: std::sync::Mutex<State>,
    hooks: PhantomData<fn() -> H>,
}

impl<H: SchedulingPoint> Default for Notify<H> {
    fn default() -> Self {
        Self {
            state: std::sync::Mutex::new(State::default()),
            hooks: PhantomData,
        }
    }
}

impl<H: SchedulingPoint> Notify<H> {
    /// A new notify without a permit.
    pub fn new() -> Self {
        Self::default()
    }

    /// Wake the longest waiter, or store a permit if nobody waits.
    pub fn notify_one(&self) {
        H::point(addr(self));
        self.deliver_one(&mut lock(&self.state));
    }

    fn deliver_one(&self, state: &mut State) {
        match state.waiters.pop_front() {
            Some(waiter) => {
                waiter.woken.store(BY_ONE, Ordering::SeqCst);
                lock(&waiter.waker).wake_by_ref();
            }
            None => state.permit = true,
        }
    }

    /// Wake every current waiter; store no permit.
    pub fn notify_waiters(&self) {
        H::point(addr(self));
        let mut state = lock(&self.state);
        state.generation += 1;
        for waiter in state.waiters.drain(..) {
            waiter.woken.store(BY_ALL, Ordering::SeqCst);
            lock(&waiter.waker).wake_by_ref();
        }
    }

    /// Wait for a notification. The future counts as waiting for `notify_waiters` from the
    /// moment it is created.
    pub fn notified(&self) -> impl Future<Output = ()> + Send + '_ {
        let generation = lock(&self.state).generation;
        Notified {
            notify: self,
            generation,
            waiter: None,
            pointed: false,
        }
    }
}

struct Notified<'a, H: SchedulingPoint> {
    notify: &'a Notify<H>,
    generation: u64,
    waiter: Option<Arc<Waiter>>,
    pointed: bool,
}

impl<H: SchedulingPoint> Future for Notified<'_, H> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if !self.pointed {
            self.pointed = true;
            H::point(addr(self.notify));
        }
        let mut state = lock(&self.notify.state);
        if let Some(waiter) = &self.waiter {
            if waiter.woken.load(Ordering::SeqCst) != WAITING {
                drop(state);
                self.waiter = None;
                return Poll::Ready(());
            }
            *lock(&waiter.waker) = cx.waker().clone();
            return Poll::Pending;
        }
        if state.generation != self.generation {
            return Poll::Ready(());
        }
        if std::mem::take(&mut state.permit) {
            return Poll::Ready(());
        }
        let waiter = Arc::new(Waiter {
            woken: AtomicU8::new(WAITING),
            waker: std::sync::Mutex::new(cx.waker().clone()),
        });
        state.waiters.push_back(waiter.clone());
        drop(state);
        self.waiter = Some(waiter);
        Poll::Pending
    }
}

impl<H: SchedulingPoint> Drop for Notified<'_, H> {
    fn drop(&mut self) {
        let Some(waiter) = self.waiter.take() else {
            return;
        };
        let mut state = lock(&self.notify.state);
        match waiter.woken.load(Ordering::SeqCst) {
            WAITING => state.waiters.retain(|w| !Arc::ptr_eq(w, &waiter)),
            // A `notify_one` meant for us that we will never observe: pass it on.
            BY_ONE => self.notify.deliver_one(&mut state),
            _ => {}
        }
    }
}

impl<H: SchedulingPoint> fmt::Debug for Notify<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = lock(&self.state);
        f.debug_struct("checked::Notify")
            .field("permit", &state.permit)
            .field("waiters", &state.waiters.len())
            .finish()
    }
}
