//! [`Tokio`]: the production async backend. Every associated type is tokio's own (the join
//! handle is wrapped only to map its error), every function a one-line forward.

use super::runtime::{AsyncRuntime, Elapsed, JoinError};
use crate::sync::channel::{SendError, TryRecvError, TrySendError};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// The production async backend: tokio tasks, `tokio::sync`, `tokio::time` (so tokio's paused
/// test clock works too).
#[derive(Debug, Clone, Copy, Default)]
pub struct Tokio;

/// A tokio task's handle whose output uses lockstep's [`JoinError`].
#[derive(Debug)]
pub struct TokioJoinHandle<T>(tokio::task::JoinHandle<T>);

impl<T> Future for TokioJoinHandle<T> {
    type Output = Result<T, JoinError>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0).poll(cx).map(|result| {
            result.map_err(|err| match err.try_into_panic() {
                Ok(payload) => JoinError::Panicked(payload),
                Err(_) => JoinError::Cancelled,
            })
        })
    }
}

impl AsyncRuntime for Tokio {
    const NAME: &'static str = "tokio";

    type JoinHandle<T: Send + 'static> = TokioJoinHandle<T>;

    #[inline]
    fn spawn<F>(_name: Option<&str>, future: F) -> Self::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        TokioJoinHandle(tokio::spawn(future))
    }

    #[inline]
    fn spawn_blocking<F, T>(f: F) -> Self::JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        TokioJoinHandle(tokio::task::spawn_blocking(f))
    }

    fn abort<T: Send + 'static>(handle: &Self::JoinHandle<T>) {
        handle.0.abort()
    }

    #[inline]
    fn yield_now() -> impl Future<Output = ()> + Send {
        tokio::task::yield_now()
    }

    fn block_on<F: Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_multi_thread()
            .enable_time()
            .build()
            .expect("failed to build a tokio runtime")
            .block_on(future)
    }

    type Mutex<T: Send> = tokio::sync::Mutex<T>;
    type MutexGuard<'a, T: Send + 'a> = tokio::sync::MutexGuard<'a, T>;

    #[inline]
    fn mutex_new<T: Send>(value: T) -> Self::Mutex<T> {
        tokio::sync::Mutex::new(value)
    }

    #[inline]
    fn mutex_lock<'a, T: Send + 'a>(
        mutex: &'a Self::Mutex<T>,
    ) -> impl Future<Output = Self::MutexGuard<'a, T>> + Send {
        mutex.lock()
    }

    #[inline]
    fn mutex_try_lock<'a, T: Send + 'a>(
        mutex: &'a Self::Mutex<T>,
    ) -> Option<Self::MutexGuard<'a, T>> {
        mutex.try_lock().ok()
    }

    type Notify = tokio::sync::Notify;

    #[inline]
    fn notify_new() -> Self::Notify {
        tokio::sync::Notify::new()
    }

    #[inline]
    fn notify_one(notify: &Self::Notify) {
        notify.notify_one()
    }

    #[inline]
    fn notify_waiters(notify: &Self::Notify) {
        notify.notify_waiters()
    }

    #[inline]
    fn notified(notify: &Self::Notify) -> impl Future<Output = ()> + Send + '_ {
        notify.notified()
    }

    type Semaphore = tokio::sync::Semaphore;
    type SemaphorePermit<'a> = tokio::sync::SemaphorePermit<'a>;

    #[inline]
    fn semaphore_new(permits: usize) -> Self::Semaphore {
        tokio::sync::Semaphore::new(permits)
    }

    #[inline]
    async fn semaphore_acquire(semaphore: &Self::Semaphore) -> Self::SemaphorePermit<'_> {
        semaphore
            .acquire()
            .await
            .expect("the facade never closes a semaphore")
    }

    #[inline]
    fn semaphore_try_acquire(semaphore: &Self::Semaphore) -> Option<Self::SemaphorePermit<'_>> {
        semaphore.try_acquire().ok()
    }

    #[inline]
    fn semaphore_available_permits(semaphore: &Self::Semaphore) -> usize {
        semaphore.available_permits()
    }

    #[inline]
    fn semaphore_add_permits(semaphore: &Self::Semaphore, n: usize) {
        semaphore.add_permits(n)
    }

    type Sender<T: Send> = tokio::sync::mpsc::Sender<T>;
    type Receiver<T: Send> = tokio::sync::mpsc::Receiver<T>;

    #[inline]
    fn channel<T: Send>(capacity: usize) -> (Self::Sender<T>, Self::Receiver<T>) {
        tokio::sync::mpsc::channel(capacity)
    }

    #[inline]
    async fn send<T: Send>(sender: &Self::Sender<T>, value: T) -> Result<(), SendError<T>> {
        sender.send(value).await.map_err(|err| SendError(err.0))
    }

    #[inline]
    fn try_send<T: Send>(sender: &Self::Sender<T>, value: T) -> Result<(), TrySendError<T>> {
        use tokio::sync::mpsc::error::TrySendError as Tokio;
        sender.try_send(value).map_err(|err| match err {
            Tokio::Full(v) => TrySendError::Full(v),
            Tokio::Closed(v) => TrySendError::Disconnected(v),
        })
    }

    #[inline]
    fn recv<T: Send>(
        receiver: &mut Self::Receiver<T>,
    ) -> impl Future<Output = Option<T>> + Send + '_ {
        receiver.recv()
    }

    #[inline]
    fn try_recv<T: Send>(receiver: &mut Self::Receiver<T>) -> Result<T, TryRecvError> {
        use tokio::sync::mpsc::error::TryRecvError as Tokio;
        receiver.try_recv().map_err(|err| match err {
            Tokio::Empty => TryRecvError::Empty,
            Tokio::Disconnected => TryRecvError::Disconnected,
        })
    }

    type Instant = tokio::time::Instant;

    #[inline]
    fn now() -> Self::Instant {
        tokio::time::Instant::now()
    }

    #[inline]
    fn instant_saturating_sub(later: Self::Instant, earlier: Self::Instant) -> Duration {
        later.saturating_duration_since(earlier)
    }

    #[inline]
    fn sleep(duration: Duration) -> impl Future<Output = ()> + Send {
        tokio::time::sleep(duration)
    }

    #[inline]
    async fn timeout<F: Future + Send>(
        duration: Duration,
        future: F,
    ) -> Result<F::Output, Elapsed> {
        tokio::time::timeout(duration, future)
            .await
            .map_err(|_| Elapsed)
    }
}
