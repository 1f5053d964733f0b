//! A bounded multi-producer single-consumer channel on an [`AsyncRuntime`] (tokio's `mpsc` by
//! default, with the `tokio` feature). Errors are the blocking channel's ([`crate::sync::channel`]).

use super::AsyncRuntime;
#[cfg(feature = "tokio")]
use super::Tokio;
pub use crate::sync::channel::{SendError, TryRecvError, TrySendError};
use std::fmt;
use std::future::Future;

/// Sending half; clone for more producers.
pub struct Sender<
    T: Send,
    #[cfg(feature = "tokio")] A: AsyncRuntime = Tokio,
    #[cfg(not(feature = "tokio"))] A: AsyncRuntime,
> {
    raw: A::Sender<T>,
}

/// Receiving half.
pub struct Receiver<
    T: Send,
    #[cfg(feature = "tokio")] A: AsyncRuntime = Tokio,
    #[cfg(not(feature = "tokio"))] A: AsyncRuntime,
> {
    raw: A::Receiver<T>,
}

/// A channel holding at most `capacity` values.
///
/// # Panics
/// If `capacity` is zero.
#[inline]
pub fn channel<T: Send, A: AsyncRuntime>(capacity: usize) -> (Sender<T, A>, Receiver<T, A>) {
    let (tx, rx) = A::channel(capacity);
    (Sender { raw: tx }, Receiver { raw: rx })
}

impl<T: Send, A: AsyncRuntime> Sender<T, A> {
    /// Send, waiting while the channel is full; `Err` gives the value back when the receiver is
    /// gone.
    #[inline]
    pub fn send(&self, value: T) -> impl Future<Output = Result<(), SendError<T>>> + Send + '_ {
        A::send(&self.raw, value)
    }

    /// Send if there is room now.
    #[inline]
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        A::try_send(&self.raw, value)
    }
}

impl<T: Send, A: AsyncRuntime> Receiver<T, A> {
    /// Receive; `None` once the channel is empty and every sender is gone.
    #[inline]
    pub fn recv(&mut self) -> impl Future<Output = Option<T>> + Send + '_ {
        A::recv(&mut self.raw)
    }

    /// Receive if a value is queued now.
    #[inline]
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        A::try_recv(&mut self.raw)
    }
}

impl<T: Send, A: AsyncRuntime> Clone for Sender<T, A> {
    fn clone(&self) -> Self {
        Self {
            raw: self.raw.clone(),
        }
    }
}

impl<T: Send, A: AsyncRuntime> fmt::Debug for Sender<T, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("runtime", &A::NAME)
            .finish_non_exhaustive()
    }
}

impl<T: Send, A: AsyncRuntime> fmt::Debug for Receiver<T, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("runtime", &A::NAME)
            .finish_non_exhaustive()
    }
}
