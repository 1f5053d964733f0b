//! A bounded MPSC channel for checker backends, with tokio's `mpsc` semantics.

use super::{addr, lock, SchedulingPoint};
use crate::sync::channel::{SendError, TryRecvError, TrySendError};
use std::collections::VecDeque;
use std::fmt;
use std::future::{poll_fn, Future};
use std::marker::PhantomData;
use std::sync::Arc;
use std::task::{Poll, Waker};

struct State<T> {
    queue: VecDeque<T>,
    capacity: usize,
    senders: usize,
    receiver_alive: bool,
    receiver_waker: Option<Waker>,
    /// Senders waiting for room. All are woken when room appears: a woken sender that was
    /// cancelled must not swallow the wakeup of another.
    sender_wakers: Vec<Waker>,
}

struct Shared<T> {
    state: std::sync::Mutex<State<T>>,
}

/// Sending half; clone for more producers.
pub struct Sender<T, H: SchedulingPoint> {
    shared: Arc<Shared<T>>,
    hooks: PhantomData<fn() -> H>,
}

/// Receiving half.
pub struct Receiver<T, H: SchedulingPoint> {
    shared: Arc<Shared<T>>,
    hooks: PhantomData<fn() -> H>,
}

/// A channel holding at most `capacity` values.
///
/// # Panics
/// If `capacity` is zero (as tokio's).
pub fn channel<T, H: SchedulingPoint>(capacity: usize) -> (Sender<T, H>, Receiver<T, H>) {
    assert!(capacity > 0, "mpsc bounded channel requires capacity > 0");
    let shared = Arc::new(Shared {
        state: std::sync::Mutex::new(State {
            queue: VecDeque::new(),
            capacity,
            senders: 1,
            receiver_alive: true,
            receiver_waker: None,
            sender_wakers: Vec::new(),
        }),
    });
    (
        Sender {
            shared: shared.clone(),
            hooks: PhantomData,
        },
        Receiver {
            shared,
            hooks: PhantomData,
        },
    )
}

impl<T: Send, H: SchedulingPoint> Sender<T, H> {
    /// Send, waiting while the channel is full.
    pub fn send(&self, value: T) -> impl Future<Output = Result<(), SendError<T>>> + Send + '_ {
        H::point(addr(&*self.shared));
        let mut value = Some(value);
        let mut polled = false;
        poll_fn(move |cx| {
            // A poll after a wake-up changes the channel: an operation of its own (the first
            // one shares the call's).
            if std::mem::replace(&mut polled, true) {
                H::point(addr(&*self.shared));
            }
            let mut state = lock(&self.shared.state);
            let v = value.take().expect("send polled after completion");
            if !state.receiver_alive {
                return Poll::Ready(Err(SendError(v)));
            }
            if state.queue.len() < state.capacity {
                state.queue.push_back(v);
                let receiver = state.receiver_waker.take();
                drop(state);
                receiver.into_iter().for_each(Waker::wake);
                return Poll::Ready(Ok(()));
            }
            value = Some(v);
            state.sender_wakers.push(cx.waker().clone());
            Poll::Pending
        })
    }

    /// Send if there is room now.
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        H::point(addr(&*self.shared));
        let mut state = lock(&self.shared.state);
        if !state.receiver_alive {
            return Err(TrySendError::Disconnected(value));
        }
        if state.queue.len() >= state.capacity {
            return Err(TrySendError::Full(value));
        }
        state.queue.push_back(value);
        let receiver = state.receiver_waker.take();
        drop(state);
        receiver.into_iter().for_each(Waker::wake);
        Ok(())
    }
}

impl<T: Send, H: SchedulingPoint> Receiver<T, H> {
    /// Receive; `None` once the channel is empty and every sender is gone.
    pub fn recv(&mut self) -> impl Future<Output = Option<T>> + Send + '_ {
        H::point(addr(&*self.shared));
        let mut polled = false;
        poll_fn(move |cx| {
            if std::mem::replace(&mut polled, true) {
                H::point(addr(&*self.shared));
            }
            let mut state = lock(&self.shared.state);
            if let Some((value, senders)) = Self::pop(&mut state) {
                drop(state);
                senders.into_iter().for_each(Waker::wake);
                return Poll::Ready(Some(value));
            }
            if state.senders == 0 {
                return Poll::Ready(None);
            }
            state.receiver_waker = Some(cx.waker().clone());
            Poll::Pending
        })
    }

    /// Receive if a value is queued now.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        H::point(addr(&*self.shared));
        let mut state = lock(&self.shared.state);
        match Self::pop(&mut state) {
            Some((value, senders)) => {
                drop(state);
                senders.into_iter().for_each(Waker::wake);
                Ok(value)
            }
            None if state.senders == 0 => Err(TryRecvError::Disconnected),
            None => Err(TryRecvError::Empty),
        }
    }

    /// Pop a value and take the wakers of the senders waiting for room (to wake once the state
    /// lock is released).
    fn pop(state: &mut State<T>) -> Option<(T, Vec<Waker>)> {
        let value = state.queue.pop_front()?;
        Some((value, std::mem::take(&mut state.sender_wakers)))
    }
}

impl<T, H: SchedulingPoint> Clone for Sender<T, H> {
    fn clone(&self) -> Self {
        H::point(addr(&*self.shared));
        lock(&self.shared.state).senders += 1;
        Self {
            shared: self.shared.clone(),
            hooks: PhantomData,
        }
    }
}

impl<T, H: SchedulingPoint> Drop for Sender<T, H> {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            H::point(addr(&*self.shared));
        }
        let mut state = lock(&self.shared.state);
        state.senders -= 1;
        let receiver = if state.senders == 0 {
            state.receiver_waker.take()
        } else {
            None
        };
        drop(state);
        receiver.into_iter().for_each(Waker::wake);
    }
}

impl<T, H: SchedulingPoint> Drop for Receiver<T, H> {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            H::point(addr(&*self.shared));
        }
        let mut state = lock(&self.shared.state);
        state.receiver_alive = false;
        let orphans = std::mem::take(&mut state.queue);
        let wakers = std::mem::take(&mut state.sender_wakers);
        drop(state);
        drop(orphans);
        wakers.into_iter().for_each(Waker::wake);
    }
}

impl<T, H: SchedulingPoint> fmt::Debug for Sender<T, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("checked::Sender").finish_non_exhaustive()
    }
}

impl<T, H: SchedulingPoint> fmt::Debug for Receiver<T, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("checked::Receiver").finish_non_exhaustive()
    }
}
