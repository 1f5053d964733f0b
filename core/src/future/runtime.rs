//! The [`AsyncRuntime`] trait: one family of async primitives (the async twin of
//! [`Runtime`](crate::sync::Runtime)).

use crate::sync::channel::{SendError, TryRecvError, TrySendError};
use crate::sync::PanicPayload;
use std::fmt::{self, Debug};
use std::future::Future;
use std::ops::DerefMut;
use std::time::Duration;

/// Why a task produced no value.
#[derive(thiserror::Error)]
pub enum JoinError {
    /// The task panicked; the payload is what it panicked with.
    #[error("task panicked: {}", crate::sync::thread::panic_message(&**.0))]
    Panicked(PanicPayload),
    /// The task was aborted before it finished.
    #[error("task was cancelled")]
    Cancelled,
}

impl Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Panicked(p) => f
                .debug_tuple("Panicked")
                .field(&crate::sync::thread::panic_message(&**p))
                .finish(),
            Self::Cancelled => f.write_str("Cancelled"),
        }
    }
}

/// A [`timeout`](super::timeout) ran out before its future finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("deadline has elapsed")]
pub struct Elapsed;

/// A family of async primitives: tasks, blocking calls, mutex, notify, semaphore, mpsc channel,
/// time.
///
/// Implemented by `Tokio` (production, feature `tokio`), `Shuttle` (feature `shuttle`) and
/// `lockstep_sim::Sim`. Component code uses the wrappers in [`crate::future`].
pub trait AsyncRuntime: Sized + Send + Sync + 'static {
    /// A short name for reports.
    const NAME: &'static str;

    /// Handle to a spawned task; awaiting it yields the task's output.
    type JoinHandle<T: Send + 'static>: Future<Output = Result<T, JoinError>> + Send + Unpin;
    /// Spawn a task (the name is advisory: tokio ignores it without `tokio_unstable`).
    fn spawn<F>(name: Option<&str>, future: F) -> Self::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;
    /// Run blocking code (locks that may wait, file or socket I/O) where it cannot stall the
    /// tasks: tokio runs it on its blocking-thread pool. The default runs `f` in a new task,
    /// which is right for the checkers' executors, where every task is a modelled thread that
    /// may block: what `f` blocks on blocks only it, and two such calls can overlap (as two
    /// calls into a store that is not concurrency-safe do). Aborting the handle does not stop
    /// `f` once it has started.
    fn spawn_blocking<F, T>(f: F) -> Self::JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        Self::spawn(Some("blocking"), async move { f() })
    }
    /// Ask the task to stop at its next await point.
    fn abort<T: Send + 'static>(handle: &Self::JoinHandle<T>);
    /// Let other tasks run.
    fn yield_now() -> impl Future<Output = ()> + Send;
    /// Run a future to completion on the current thread (the entry point of a test or program).
    /// Under tokio this builds a runtime, so it must not be called from inside one.
    fn block_on<F: Future>(future: F) -> F::Output;

    /// An async mutual-exclusion lock (held across `.await`).
    type Mutex<T: Send>: Send + Sync;
    /// Proof of holding a [`AsyncRuntime::Mutex`].
    type MutexGuard<'a, T: Send + 'a>: DerefMut<Target = T> + Send;
    /// A new unlocked mutex.
    fn mutex_new<T: Send>(value: T) -> Self::Mutex<T>;
    /// Wait until the lock is held (FIFO-fair).
    fn mutex_lock<'a, T: Send + 'a>(
        mutex: &'a Self::Mutex<T>,
    ) -> impl Future<Output = Self::MutexGuard<'a, T>> + Send;
    /// Take the lock if it is free.
    fn mutex_try_lock<'a, T: Send + 'a>(
        mutex: &'a Self::Mutex<T>,
    ) -> Option<Self::MutexGuard<'a, T>>;

    /// Task notification with tokio's semantics: `notify_one` stores one permit when nobody
    /// waits; `notify_waiters` wakes the current waiters and stores nothing.
    type Notify: Send + Sync;
    /// A new notify without a permit.
    fn notify_new() -> Self::Notify;
    /// Wake one waiter, or store a permit for the next `notified()`.
    fn notify_one(notify: &Self::Notify);
    /// Wake every waiter (including `notified()` futures created but not yet polled).
    fn notify_waiters(notify: &Self::Notify);
    /// Wait for a notification.
    fn notified(notify: &Self::Notify) -> impl Future<Output = ()> + Send + '_;

    /// A counting semaphore, fair: permits go to waiters first come, first served.
    type Semaphore: Send + Sync;
    /// A permit of a [`AsyncRuntime::Semaphore`]; dropping it returns the permit.
    type SemaphorePermit<'a>: Send;
    /// A semaphore with `permits` permits.
    fn semaphore_new(permits: usize) -> Self::Semaphore;
    /// Wait for a permit.
    fn semaphore_acquire(
        semaphore: &Self::Semaphore,
    ) -> impl Future<Output = Self::SemaphorePermit<'_>> + Send + '_;
    /// Take a permit if one is free now (and nobody queues for one).
    fn semaphore_try_acquire(semaphore: &Self::Semaphore) -> Option<Self::SemaphorePermit<'_>>;
    /// Permits free right now.
    fn semaphore_available_permits(semaphore: &Self::Semaphore) -> usize;
    /// Add `n` permits.
    fn semaphore_add_permits(semaphore: &Self::Semaphore, n: usize);

    /// Sending half of a bounded MPSC channel.
    type Sender<T: Send>: Clone + Send + Sync;
    /// Receiving half of a bounded MPSC channel.
    type Receiver<T: Send>: Send + Sync;
    /// A channel holding at most `capacity` (≥ 1) values.
    fn channel<T: Send>(capacity: usize) -> (Self::Sender<T>, Self::Receiver<T>);
    /// Send, waiting while the channel is full; `Err` when the receiver is gone.
    fn send<T: Send>(
        sender: &Self::Sender<T>,
        value: T,
    ) -> impl Future<Output = Result<(), SendError<T>>> + Send + '_;
    /// Send if there is room now.
    fn try_send<T: Send>(sender: &Self::Sender<T>, value: T) -> Result<(), TrySendError<T>>;
    /// Receive; `None` when the channel is empty and every sender is gone.
    fn recv<T: Send>(
        receiver: &mut Self::Receiver<T>,
    ) -> impl Future<Output = Option<T>> + Send + '_;
    /// Receive if a value is queued now.
    fn try_recv<T: Send>(receiver: &mut Self::Receiver<T>) -> Result<T, TryRecvError>;

    /// A point on the runtime's clock.
    type Instant: Copy + Ord + Debug + Send + Sync + 'static;
    /// The current time on the runtime's clock.
    fn now() -> Self::Instant;
    /// `later - earlier`, or zero.
    fn instant_saturating_sub(later: Self::Instant, earlier: Self::Instant) -> Duration;
    /// Wait until at least `duration` has passed on the runtime's clock.
    fn sleep(duration: Duration) -> impl Future<Output = ()> + Send;
    /// Run `future`, giving up after `duration`.
    fn timeout<F: Future + Send>(
        duration: Duration,
        future: F,
    ) -> impl Future<Output = Result<F::Output, Elapsed>> + Send;
}
