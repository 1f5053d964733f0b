//! `std::sync::mpsc`'s API over the facade's [`channel`](crate::sync::channel): [`channel`]
//! (unbounded, [`Sender`]), [`sync_channel`] (bounded, [`SyncSender`]) and one [`Receiver`],
//! with std's own error types ([`SendError`], [`TrySendError`], [`RecvError`],
//! [`TryRecvError`], [`RecvTimeoutError`]), so code that matches on them ports unchanged.
//!
//! The channel underneath is the facade's, written once on `Mutex` + `Condvar`: a checker
//! explores the very channel that ships. Its guarantees are the facade's (FIFO, no lost
//! wakeups, `recv` fails only when empty and every sender is gone, `send` fails only when the
//! receiver is gone). What differs from std:
//! - `sync_channel(0)` (a rendezvous channel) is not offered and panics;
//! - the value type must be `Send` (std only needs it to move the channel across threads);
//! - `recv_timeout` waits on the backend's clock (virtual time on the simulator).
//!
//! ```
//! use lockstep::compat::sync::mpsc;
//! use lockstep::compat::thread;
//! use lockstep::sync::Std;
//!
//! let (tx, rx) = mpsc::channel::<u32, Std>();
//! let producer = thread::spawn::<Std, _, _>(move || {
//!     for i in 0..3 {
//!         tx.send(i).unwrap();
//!     }
//! });
//! assert_eq!(rx.iter().collect::<Vec<_>>(), [0, 1, 2]); // ends when `tx` is dropped
//! producer.join().unwrap();
//! ```

use crate::sync::channel as facade;
use crate::sync::{Runtime, Std};
use std::fmt;
pub use std::sync::mpsc::{RecvError, RecvTimeoutError, SendError, TryRecvError, TrySendError};
use std::time::Duration;

/// The sending half of a [`channel`]: `send` never blocks. Clone it for more producers.
pub struct Sender<T: Send, R: Runtime = Std> {
    inner: facade::Sender<T, R>,
}

/// The sending half of a [`sync_channel`]: `send` blocks while the channel is full. Clone it for
/// more producers.
pub struct SyncSender<T: Send, R: Runtime = Std> {
    inner: facade::Sender<T, R>,
}

/// The receiving half of a channel. Like std's, it is not `Clone` (one consumer); the facade's
/// [`Receiver`](facade::Receiver) is, for multi-consumer queues.
pub struct Receiver<T: Send, R: Runtime = Std> {
    inner: facade::Receiver<T, R>,
}

/// A channel without a capacity limit: `send` never blocks.
#[inline]
#[track_caller]
pub fn channel<T: Send, R: Runtime>() -> (Sender<T, R>, Receiver<T, R>) {
    let (tx, rx) = facade::unbounded();
    (Sender { inner: tx }, Receiver { inner: rx })
}

/// A channel holding at most `bound` values: `send` blocks while it is full.
///
/// # Panics
/// If `bound` is zero: std's rendezvous channel is not offered.
#[inline]
#[track_caller]
pub fn sync_channel<T: Send, R: Runtime>(bound: usize) -> (SyncSender<T, R>, Receiver<T, R>) {
    assert!(
        bound > 0,
        "sync_channel(0): rendezvous channels are not offered by lockstep; use a bound of at least 1"
    );
    let (tx, rx) = facade::bounded(bound);
    (SyncSender { inner: tx }, Receiver { inner: rx })
}

impl<T: Send, R: Runtime> Sender<T, R> {
    /// Send a value; `Err` (with the value) only if the receiver is gone. Never blocks.
    #[inline]
    #[track_caller]
    pub fn send(&self, t: T) -> Result<(), SendError<T>> {
        self.inner
            .send(t)
            .map_err(|facade::SendError(t)| SendError(t))
    }
}

impl<T: Send, R: Runtime> SyncSender<T, R> {
    /// Send a value, blocking while the channel is full; `Err` (with the value) only if the
    /// receiver is gone.
    #[inline]
    #[track_caller]
    pub fn send(&self, t: T) -> Result<(), SendError<T>> {
        self.inner
            .send(t)
            .map_err(|facade::SendError(t)| SendError(t))
    }

    /// Send a value if there is room right now.
    #[inline]
    #[track_caller]
    pub fn try_send(&self, t: T) -> Result<(), TrySendError<T>> {
        self.inner.try_send(t).map_err(|err| match err {
            facade::TrySendError::Full(t) => TrySendError::Full(t),
            facade::TrySendError::Disconnected(t) => TrySendError::Disconnected(t),
        })
    }
}

impl<T: Send, R: Runtime> Receiver<T, R> {
    /// Receive a value, blocking while the channel is empty and a sender remains.
    #[inline]
    #[track_caller]
    pub fn recv(&self) -> Result<T, RecvError> {
        self.inner.recv().map_err(|facade::RecvError| RecvError)
    }

    /// Receive a value if one is queued right now.
    #[inline]
    #[track_caller]
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        self.inner.try_recv().map_err(|err| match err {
            facade::TryRecvError::Empty => TryRecvError::Empty,
            facade::TryRecvError::Disconnected => TryRecvError::Disconnected,
        })
    }

    /// Receive a value, waiting at most `timeout` on the backend's clock.
    #[inline]
    #[track_caller]
    pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        self.inner.recv_timeout(timeout).map_err(|err| match err {
            facade::RecvTimeoutError::Timeout => RecvTimeoutError::Timeout,
            facade::RecvTimeoutError::Disconnected => RecvTimeoutError::Disconnected,
        })
    }

    /// The values as they arrive, until every sender is gone (`recv` in a loop).
    #[inline]
    pub fn iter(&self) -> Iter<'_, T, R> {
        Iter { rx: self }
    }

    /// The values queued right now (`try_recv` in a loop).
    #[inline]
    pub fn try_iter(&self) -> TryIter<'_, T, R> {
        TryIter { rx: self }
    }
}

impl<T: Send, R: Runtime> Clone for Sender<T, R> {
    #[inline]
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

impl<T: Send, R: Runtime> Clone for SyncSender<T, R> {
    #[inline]
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

/// Blocking iterator over a [`Receiver`]; see [`Receiver::iter`].
pub struct Iter<'a, T: Send, R: Runtime = Std> {
    rx: &'a Receiver<T, R>,
}

/// Non-blocking iterator over a [`Receiver`]; see [`Receiver::try_iter`].
pub struct TryIter<'a, T: Send, R: Runtime = Std> {
    rx: &'a Receiver<T, R>,
}

/// Owning blocking iterator over a [`Receiver`] (`for value in rx`).
pub struct IntoIter<T: Send, R: Runtime = Std> {
    rx: Receiver<T, R>,
}

impl<T: Send, R: Runtime> Iterator for Iter<'_, T, R> {
    type Item = T;
    #[track_caller]
    fn next(&mut self) -> Option<T> {
        self.rx.recv().ok()
    }
}

impl<T: Send, R: Runtime> Iterator for TryIter<'_, T, R> {
    type Item = T;
    #[track_caller]
    fn next(&mut self) -> Option<T> {
        self.rx.try_recv().ok()
    }
}

impl<T: Send, R: Runtime> Iterator for IntoIter<T, R> {
    type Item = T;
    #[track_caller]
    fn next(&mut self) -> Option<T> {
        self.rx.recv().ok()
    }
}

impl<'a, T: Send, R: Runtime> IntoIterator for &'a Receiver<T, R> {
    type Item = T;
    type IntoIter = Iter<'a, T, R>;
    fn into_iter(self) -> Iter<'a, T, R> {
        self.iter()
    }
}

impl<T: Send, R: Runtime> IntoIterator for Receiver<T, R> {
    type Item = T;
    type IntoIter = IntoIter<T, R>;
    fn into_iter(self) -> IntoIter<T, R> {
        IntoIter { rx: self }
    }
}

impl<T: Send, R: Runtime> fmt::Debug for Sender<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

impl<T: Send, R: Runtime> fmt::Debug for SyncSender<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SyncSender").finish_non_exhaustive()
    }
}

impl<T: Send, R: Runtime> fmt::Debug for Receiver<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").finish_non_exhaustive()
    }
}

impl<T: Send, R: Runtime> fmt::Debug for Iter<'_, T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter").finish_non_exhaustive()
    }
}

impl<T: Send, R: Runtime> fmt::Debug for TryIter<'_, T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TryIter").finish_non_exhaustive()
    }
}

impl<T: Send, R: Runtime> fmt::Debug for IntoIter<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntoIter").finish_non_exhaustive()
    }
}
