//! Multi-producer multi-consumer channels, bounded and unbounded, written once on the facade's
//! [`Mutex`] and [`Condvar`].
//!
//! Because the channel is built from the facade, the code a checker explores under loom, shuttle
//! or lockstep-sim is exactly the code that runs in production — there is no separate "mock
//! channel". Guarantees:
//! - FIFO per channel; every value sent successfully is received exactly once or is dropped with
//!   the channel after the last receiver is gone (then `send` reports `Disconnected`).
//! - A bounded channel never holds more than `capacity` values; `send` blocks while it is full.
//! - `recv` returns `Err` only when the channel is empty *and* every sender is gone;
//!   `send` returns `Err` (with the value) only when every receiver is gone.
//! - No lost wakeups: each push notifies one receiver, each pop one sender; disconnection
//!   notifies everyone.

use super::{Arc, Condvar, Mutex, Runtime, Std};
use std::collections::VecDeque;
use std::fmt;
use std::time::Duration;

/// The value could not be sent: every receiver is gone.
#[derive(Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("sending on a channel whose receivers are all gone")]
pub struct SendError<T>(pub T);

/// Why [`Sender::try_send`] did not send.
#[derive(Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TrySendError<T> {
    /// The channel is at capacity.
    #[error("sending on a full channel")]
    Full(T),
    /// Every receiver is gone.
    #[error("sending on a channel whose receivers are all gone")]
    Disconnected(T),
}

/// Every sender is gone and the channel is empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("receiving on an empty channel whose senders are all gone")]
pub struct RecvError;

/// Why [`Receiver::try_recv`] returned nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TryRecvError {
    /// The channel is empty right now.
    #[error("receiving on an empty channel")]
    Empty,
    /// The channel is empty and every sender is gone.
    #[error("receiving on an empty channel whose senders are all gone")]
    Disconnected,
}

/// Why [`Receiver::recv_timeout`] returned nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RecvTimeoutError {
    /// Nothing arrived in time.
    #[error("timed out waiting on a channel")]
    Timeout,
    /// The channel is empty and every sender is gone.
    #[error("receiving on an empty channel whose senders are all gone")]
    Disconnected,
}

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendError(..)")
    }
}

impl<T> fmt::Debug for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full(_) => f.write_str("Full(..)"),
            Self::Disconnected(_) => f.write_str("Disconnected(..)"),
        }
    }
}

struct State<T> {
    queue: VecDeque<T>,
    senders: usize,
    receivers: usize,
}

struct Shared<T: Send, R: Runtime> {
    state: Mutex<State<T>, R>,
    /// Signalled when a value arrives or the last sender leaves.
    not_empty: Condvar<R>,
    /// Signalled when a slot frees up or the last receiver leaves.
    not_full: Condvar<R>,
    /// `None` for an unbounded channel.
    capacity: Option<usize>,
}

/// The sending half; clone it for more producers.
pub struct Sender<T: Send, R: Runtime = Std> {
    shared: Arc<Shared<T, R>, R>,
}

/// The receiving half; clone it for more consumers (each value goes to exactly one of them).
pub struct Receiver<T: Send, R: Runtime = Std> {
    shared: Arc<Shared<T, R>, R>,
}

/// A channel holding at most `capacity` values; `send` blocks while it is full.
///
/// # Panics
/// If `capacity` is zero (rendezvous channels are not offered).
///
/// ```
/// use lockstep::sync::{channel, Std};
/// let (tx, rx) = channel::bounded::<u32, Std>(2);
/// tx.send(1).unwrap();
/// tx.try_send(2).unwrap();
/// assert!(tx.try_send(3).is_err()); // full
/// assert_eq!(rx.recv(), Ok(1));
/// drop(tx);
/// assert_eq!(rx.recv(), Ok(2));
/// assert!(rx.recv().is_err()); // empty and disconnected
/// ```
#[track_caller]
pub fn bounded<T: Send, R: Runtime>(capacity: usize) -> (Sender<T, R>, Receiver<T, R>) {
    assert!(
        capacity > 0,
        "channel::bounded: capacity must be at least 1"
    );
    new_channel(Some(capacity))
}

/// A channel without a capacity limit; `send` never blocks.
#[track_caller]
pub fn unbounded<T: Send, R: Runtime>() -> (Sender<T, R>, Receiver<T, R>) {
    new_channel(None)
}

#[track_caller]
fn new_channel<T: Send, R: Runtime>(capacity: Option<usize>) -> (Sender<T, R>, Receiver<T, R>) {
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            queue: VecDeque::with_capacity(capacity.unwrap_or(0).min(1024)),
            senders: 1,
            receivers: 1,
        }),
        not_empty: Condvar::new(),
        not_full: Condvar::new(),
        capacity,
    });
    (
        Sender {
            shared: shared.clone(),
        },
        Receiver { shared },
    )
}

impl<T: Send, R: Runtime> Shared<T, R> {
    fn is_full(&self, state: &State<T>) -> bool {
        self.capacity.is_some_and(|cap| state.queue.len() >= cap)
    }
}

impl<T: Send, R: Runtime> Sender<T, R> {
    /// Send a value, blocking while a bounded channel is full.
    #[track_caller]
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        let shared = &*self.shared;
        let mut state = shared.not_full.wait_while(shared.state.lock(), |s| {
            s.receivers > 0 && shared.is_full(s)
        });
        if state.receivers == 0 {
            return Err(SendError(value));
        }
        state.queue.push_back(value);
        drop(state);
        shared.not_empty.notify_one();
        Ok(())
    }

    /// Send a value if there is room right now.
    #[track_caller]
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        let shared = &*self.shared;
        let mut state = shared.state.lock();
        if state.receivers == 0 {
            return Err(TrySendError::Disconnected(value));
        }
        if shared.is_full(&state) {
            return Err(TrySendError::Full(value));
        }
        state.queue.push_back(value);
        drop(state);
        shared.not_empty.notify_one();
        Ok(())
    }
}

impl<T: Send, R: Runtime> Receiver<T, R> {
    /// Receive a value, blocking while the channel is empty and a sender remains.
    #[track_caller]
    pub fn recv(&self) -> Result<T, RecvError> {
        let shared = &*self.shared;
        let state = shared
            .not_empty
            .wait_while(shared.state.lock(), |s| s.queue.is_empty() && s.senders > 0);
        self.pop(state).ok_or(RecvError)
    }

    /// Receive a value if one is queued right now.
    #[track_caller]
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        let state = self.shared.state.lock();
        let disconnected = state.senders == 0;
        match self.pop(state) {
            Some(value) => Ok(value),
            None if disconnected => Err(TryRecvError::Disconnected),
            None => Err(TryRecvError::Empty),
        }
    }

    /// Receive a value, waiting at most `timeout` on the backend's clock.
    #[track_caller]
    pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        let shared = &*self.shared;
        let (state, result) =
            shared
                .not_empty
                .wait_timeout_while(shared.state.lock(), timeout, |s| {
                    s.queue.is_empty() && s.senders > 0
                });
        let disconnected = state.senders == 0;
        match self.pop(state) {
            Some(value) => Ok(value),
            None if disconnected => Err(RecvTimeoutError::Disconnected),
            None => {
                debug_assert!(result.timed_out());
                Err(RecvTimeoutError::Timeout)
            }
        }
    }

    /// Pop under the lock and wake one blocked sender.
    fn pop(&self, mut state: super::MutexGuard<'_, State<T>, R>) -> Option<T> {
        let value = state.queue.pop_front()?;
        drop(state);
        if self.shared.capacity.is_some() {
            self.shared.not_full.notify_one();
        }
        Some(value)
    }
}

impl<T: Send, R: Runtime> Clone for Sender<T, R> {
    fn clone(&self) -> Self {
        self.shared.state.lock().senders += 1;
        Self {
            shared: self.shared.clone(),
        }
    }
}

impl<T: Send, R: Runtime> Clone for Receiver<T, R> {
    fn clone(&self) -> Self {
        self.shared.state.lock().receivers += 1;
        Self {
            shared: self.shared.clone(),
        }
    }
}

impl<T: Send, R: Runtime> Drop for Sender<T, R> {
    fn drop(&mut self) {
        let mut state = self.shared.state.lock();
        state.senders -= 1;
        let last = state.senders == 0;
        drop(state);
        if last {
            self.shared.not_empty.notify_all();
        }
    }
}

impl<T: Send, R: Runtime> Drop for Receiver<T, R> {
    fn drop(&mut self) {
        let mut state = self.shared.state.lock();
        state.receivers -= 1;
        let last = state.receivers == 0;
        // Values nobody can receive any more are dropped now, not when the last sender goes.
        let orphans = if last {
            std::mem::take(&mut state.queue)
        } else {
            VecDeque::new()
        };
        drop(state);
        drop(orphans);
        if last {
            self.shared.not_full.notify_all();
        }
    }
}

impl<T: Send, R: Runtime> fmt::Debug for Sender<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("capacity", &self.shared.capacity)
            .finish_non_exhaustive()
    }
}

impl<T: Send, R: Runtime> fmt::Debug for Receiver<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("capacity", &self.shared.capacity)
            .finish_non_exhaustive()
    }
}
