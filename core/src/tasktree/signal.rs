//! [`Termination`]: a one-way "stop" signal shared by any number of runs and threads.
//!
//! Guarantees: once [`Termination::terminate`] returns, every run using the signal sees it at its
//! next step, a coordinator sleeping for spacing wakes at once, and a coordinator blocked waiting
//! for completions is woken (runs subscribe a waker for the duration of the run). Written on the
//! facade's `Mutex` + `Condvar` + atomic so checkers explore it like the rest of the run.

use crate::sync::atomic::{AtomicBool, Ordering};
use crate::sync::time::Instant;
use crate::sync::{thread, Arc, Condvar, Mutex, Runtime, Std};
use std::fmt;
use std::time::Duration;

type Waker = Box<dyn Fn() + Send + 'static>;

struct State {
    set: bool,
    wakers: Vec<(u64, Waker)>,
    next_id: u64,
}

struct Inner<R: Runtime> {
    /// Fast path for `is_terminated`; written under `state`'s lock.
    set: AtomicBool<R>,
    state: Mutex<State, R>,
    changed: Condvar<R>,
}

/// A termination signal: stops new submissions and cancels in-flight jobs of every run that
/// uses it. Cloning shares the signal.
///
/// ```
/// use lockstep::tasktree::Termination;
/// let stop = Termination::new();
/// assert!(!stop.is_terminated());
/// stop.clone().terminate();
/// assert!(stop.is_terminated());
/// ```
pub struct Termination<R: Runtime = Std> {
    inner: Arc<Inner<R>, R>,
}

impl Termination<Std> {
    /// A signal that is not set.
    pub fn new() -> Self {
        Self::with_runtime()
    }
}

impl Default for Termination<Std> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R: Runtime> Clone for Termination<R> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

impl<R: Runtime> Termination<R> {
    /// A signal that is not set, on backend `R`.
    pub fn with_runtime() -> Self {
        Self {
            inner: Arc::new(Inner {
                set: AtomicBool::new(false),
                state: Mutex::new(State {
                    set: false,
                    wakers: Vec::new(),
                    next_id: 0,
                }),
                changed: Condvar::new(),
            }),
        }
    }

    /// Set the signal (idempotent) and wake every run that uses it.
    pub fn terminate(&self) {
        let wakers = {
            let mut state = self.inner.state.lock();
            if state.set {
                return;
            }
            state.set = true;
            self.inner.set.store(true, Ordering::Release);
            std::mem::take(&mut state.wakers)
        };
        self.inner.changed.notify_all();
        // Outside the lock: a waker takes its run's own lock.
        for (_, wake) in wakers {
            wake();
        }
    }

    /// Whether the signal is set.
    #[inline]
    pub fn is_terminated(&self) -> bool {
        self.inner.set.load(Ordering::Acquire)
    }

    /// Sleep until `deadline` or until the signal is set, whichever is first.
    pub(crate) fn sleep_until(&self, deadline: Instant<R>) {
        let mut state = self.inner.state.lock();
        while !state.set {
            let now = Instant::<R>::now();
            if now >= deadline {
                return;
            }
            state = self
                .inner
                .changed
                .wait_timeout(state, deadline.duration_since(now))
                .0;
        }
    }

    /// Call `wake` once when the signal is set; `None` (and `wake` is dropped) if it already
    /// is. The waker is removed when the returned guard is dropped.
    pub(crate) fn subscribe(&self, wake: Waker) -> Option<Subscription<R>> {
        let mut state = self.inner.state.lock();
        if state.set {
            return None;
        }
        let id = state.next_id;
        state.next_id += 1;
        state.wakers.push((id, wake));
        Some(Subscription {
            signal: self.clone(),
            id,
        })
    }
}

/// Sleep until `deadline` on `R`'s clock, or until `signal` (if any) is set.
pub(crate) fn sleep_until<R: Runtime>(signal: Option<&Termination<R>>, deadline: Instant<R>) {
    match signal {
        Some(signal) => signal.sleep_until(deadline),
        None => {
            let now = Instant::<R>::now();
            if deadline > now {
                thread::sleep::<R>(deadline.duration_since(now));
            }
        }
    }
}

/// Run-relative nanoseconds to an instant.
pub(crate) fn at<R: Runtime>(start: Instant<R>, ns: u64) -> Instant<R> {
    start + Duration::from_nanos(ns)
}

/// Removes a waker when dropped.
pub(crate) struct Subscription<R: Runtime> {
    signal: Termination<R>,
    id: u64,
}

impl<R: Runtime> Drop for Subscription<R> {
    fn drop(&mut self) {
        let removed = {
            let mut state = self.signal.inner.state.lock();
            let at = state.wakers.iter().position(|(id, _)| *id == self.id);
            at.map(|at| state.wakers.swap_remove(at))
        };
        drop(removed); // drop the waker (and what it holds) outside the lock
    }
}

impl<R: Runtime> fmt::Debug for Termination<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Termination")
            .field("runtime", &R::NAME)
            .field("terminated", &self.is_terminated())
            .finish()
    }
}
