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
        let woken = Self::deliver_one(&mut lock(&self.state));
        wake(woken);
    }

    /// Hand one notification to the longest waiter (returned, to be woken once the state lock
    /// is released) or store the permit.
    fn deliver_one(state: &mut State) -> Option<Arc<Waiter>> {
        match state.waiters.pop_front() {
            Some(waiter) => {
                waiter.woken.store(BY_ONE, Ordering::SeqCst);
                Some(waiter)
            }
            None => {
                state.permit = true;
                None
            }
        }
    }

    /// Wake every current waiter; store no permit.
    pub fn notify_waiters(&self) {
        H::point(addr(self));
        let mut state = lock(&self.state);
        state.generation += 1;
        let woken: Vec<_> = state.waiters.drain(..).collect();
        drop(state);
        for waiter in woken {
            waiter.woken.store(BY_ALL, Ordering::SeqCst);
            wake(Some(waiter));
        }
    }

    /// Wait for a notification. The future counts as waiting for `notify_waiters` from the
    /// moment it is created.
    pub fn notified(&self) -> impl Future<Output = ()> + Send + '_ {
        // Creating the future observes the notify's state (its generation): a visible operation.
        H::point(addr(self));
        let generation = lock(&self.state).generation;
        Notified {
            notify: self,
            generation,
            waiter: None,
        }
    }
}

struct Notified<'a, H: SchedulingPoint> {
    notify: &'a Notify<H>,
    generation: u64,
    waiter: Option<Arc<Waiter>>,
}

impl<H: SchedulingPoint> Future for Notified<'_, H> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
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
        if !std::thread::panicking() {
            H::point(addr(self.notify));
        }
        let mut state = lock(&self.notify.state);
        let forwarded = match waiter.woken.load(Ordering::SeqCst) {
            WAITING => {
                state.waiters.retain(|w| !Arc::ptr_eq(w, &waiter));
                None
            }
            // A `notify_one` meant for us that we will never observe: pass it on.
            BY_ONE => Notify::<H>::deliver_one(&mut state),
            _ => None,
        };
        drop(state);
        wake(forwarded);
    }
}

fn wake(waiter: Option<Arc<Waiter>>) {
    if let Some(waiter) = waiter {
        let waker = lock(&waiter.waker).clone();
        waker.wake();
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
