//! The std/tokio-shaped async types over any [`AsyncRuntime`].
//!
//! Each type's runtime parameter `A` defaults to [`Tokio`](super::Tokio) when the `tokio` feature
//! is on; without it there is no production async runtime, so `A` has no default and is named
//! (a checker's, or one of the user's). The feature only *adds* the default: code that names `A`
//! compiles the same with and without it.

use super::runtime::{AsyncRuntime, Elapsed, JoinError};
#[cfg(feature = "tokio")]
use super::Tokio;
use std::fmt;
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// An async mutex on runtime `A` (tokio's by default, with the `tokio` feature): hold it across
/// `.await`.
pub struct Mutex<
    T: Send,
    #[cfg(feature = "tokio")] A: AsyncRuntime = Tokio,
    #[cfg(not(feature = "tokio"))] A: AsyncRuntime,
> {
    raw: A::Mutex<T>,
}

/// Proof of holding an async [`Mutex`].
pub struct MutexGuard<
    'a,
    T: Send + 'a,
    #[cfg(feature = "tokio")] A: AsyncRuntime = Tokio,
    #[cfg(not(feature = "tokio"))] A: AsyncRuntime,
> {
    raw: A::MutexGuard<'a, T>,
}

impl<T: Send, A: AsyncRuntime> Mutex<T, A> {
    /// A new unlocked mutex.
    #[inline]
    pub fn new(value: T) -> Self {
        Self {
            raw: A::mutex_new(value),
        }
    }

    /// Wait until the lock is held (first come, first served).
    #[inline]
    pub fn lock(&self) -> impl Future<Output = MutexGuard<'_, T, A>> + Send + '_ {
        // A named future, not `async move { .. lock.await }`: compilers before 1.89 cannot
        // prove such a block `Send` over the runtime's guard type (rust-lang/rust#100013).
        Lock::<'_, T, A, _> {
            raw: A::mutex_lock(&self.raw),
            guard: std::marker::PhantomData,
        }
    }

    /// Take the lock if it is free now.
    #[inline]
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T, A>> {
        A::mutex_try_lock(&self.raw).map(|raw| MutexGuard { raw })
    }
}

/// [`Mutex::lock`]'s future: the runtime's lock future, its guard wrapped.
struct Lock<'a, T: Send + 'a, A: AsyncRuntime, F> {
    raw: F,
    guard: std::marker::PhantomData<fn() -> MutexGuard<'a, T, A>>,
}

impl<'a, T: Send + 'a, A: AsyncRuntime, F> Future for Lock<'a, T, A, F>
where
    F: Future<Output = A::MutexGuard<'a, T>>,
{
    type Output = MutexGuard<'a, T, A>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: structural pinning of `raw`: it is never moved out of `self`, `Lock` has no
        // `Drop` and is `Unpin` only if `F` is (`PhantomData<fn() -> _>` is always `Unpin`).
        let raw = unsafe { self.map_unchecked_mut(|lock| &mut lock.raw) };
        raw.poll(cx).map(|raw| MutexGuard { raw })
    }
}

impl<T: Send, A: AsyncRuntime> Deref for MutexGuard<'_, T, A> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        &self.raw
    }
}

impl<T: Send, A: AsyncRuntime> DerefMut for MutexGuard<'_, T, A> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        &mut self.raw
    }
}

impl<T: Send, A: AsyncRuntime> fmt::Debug for Mutex<T, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mutex")
            .field("runtime", &A::NAME)
            .finish_non_exhaustive()
    }
}

impl<T: Send + fmt::Debug, A: AsyncRuntime> fmt::Debug for MutexGuard<'_, T, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// Notifies tasks (tokio's `Notify` semantics on runtime `A`).
pub struct Notify<
    #[cfg(feature = "tokio")] A: AsyncRuntime = Tokio,
    #[cfg(not(feature = "tokio"))] A: AsyncRuntime,
> {
    raw: A::Notify,
}

impl<A: AsyncRuntime> Notify<A> {
    /// A new notify without a permit.
    #[inline]
    pub fn new() -> Self {
        Self {
            raw: A::notify_new(),
        }
    }
    /// Wake one waiter, or store a permit for the next [`Notify::notified`].
    #[inline]
    pub fn notify_one(&self) {
        A::notify_one(&self.raw)
    }
    /// Wake every current waiter; store nothing.
    #[inline]
    pub fn notify_waiters(&self) {
        A::notify_waiters(&self.raw)
    }
    /// Wait for a notification.
    #[inline]
    pub fn notified(&self) -> impl Future<Output = ()> + Send + '_ {
        A::notified(&self.raw)
    }
}

impl<A: AsyncRuntime> Default for Notify<A> {
    fn default() -> Self {
        Self::new()
    }
}

impl<A: AsyncRuntime> fmt::Debug for Notify<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notify")
            .field("runtime", &A::NAME)
            .finish_non_exhaustive()
    }
}

/// A counting semaphore on runtime `A` (tokio's by default, with the `tokio` feature): fair,
/// permits go to waiters first come, first served.
///
/// ```
/// # #[cfg(feature = "tokio")] {
/// use lockstep::future::{self, Semaphore, Tokio};
///
/// future::block_on::<Tokio, _>(async {
///     let one_at_a_time: Semaphore = Semaphore::new(1);
///     let permit = one_at_a_time.acquire().await;
///     assert!(one_at_a_time.try_acquire().is_none());
///     drop(permit);
///     assert_eq!(one_at_a_time.available_permits(), 1);
/// });
/// # }
/// ```
pub struct Semaphore<
    #[cfg(feature = "tokio")] A: AsyncRuntime = Tokio,
    #[cfg(not(feature = "tokio"))] A: AsyncRuntime,
> {
    raw: A::Semaphore,
}

/// A permit of a [`Semaphore`]; dropping it returns the permit.
pub struct SemaphorePermit<
    'a,
    #[cfg(feature = "tokio")] A: AsyncRuntime = Tokio,
    #[cfg(not(feature = "tokio"))] A: AsyncRuntime,
> {
    _raw: A::SemaphorePermit<'a>,
}

impl<A: AsyncRuntime> Semaphore<A> {
    /// A semaphore with `permits` permits.
    #[inline]
    pub fn new(permits: usize) -> Self {
        Self {
            raw: A::semaphore_new(permits),
        }
    }

    /// Wait for a permit.
    #[inline]
    pub fn acquire(&self) -> impl Future<Output = SemaphorePermit<'_, A>> + Send + '_ {
        let acquire = A::semaphore_acquire(&self.raw);
        async move {
            SemaphorePermit {
                _raw: acquire.await,
            }
        }
    }

    /// Take a permit if one is free now and nobody waits for one.
    #[inline]
    pub fn try_acquire(&self) -> Option<SemaphorePermit<'_, A>> {
        A::semaphore_try_acquire(&self.raw).map(|raw| SemaphorePermit { _raw: raw })
    }

    /// Permits free right now.
    #[inline]
    pub fn available_permits(&self) -> usize {
        A::semaphore_available_permits(&self.raw)
    }

    /// Add `n` permits.
    #[inline]
    pub fn add_permits(&self, n: usize) {
        A::semaphore_add_permits(&self.raw, n)
    }
}

impl<A: AsyncRuntime> fmt::Debug for Semaphore<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("runtime", &A::NAME)
            .finish_non_exhaustive()
    }
}

impl<A: AsyncRuntime> fmt::Debug for SemaphorePermit<'_, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("runtime", &A::NAME)
            .finish_non_exhaustive()
    }
}

/// Handle to a spawned task; await it for the task's output.
pub struct JoinHandle<
    T: Send + 'static,
    #[cfg(feature = "tokio")] A: AsyncRuntime = Tokio,
    #[cfg(not(feature = "tokio"))] A: AsyncRuntime,
> {
    raw: A::JoinHandle<T>,
}

impl<T: Send + 'static, A: AsyncRuntime> JoinHandle<T, A> {
    /// Ask the task to stop at its next await point; awaiting then gives
    /// [`JoinError::Cancelled`] (unless it had already finished).
    pub fn abort(&self) {
        A::abort(&self.raw)
    }
}

impl<T: Send + 'static, A: AsyncRuntime> Future for JoinHandle<T, A> {
    type Output = Result<T, JoinError>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.raw).poll(cx)
    }
}

impl<T: Send + 'static, A: AsyncRuntime> fmt::Debug for JoinHandle<T, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("runtime", &A::NAME)
            .finish_non_exhaustive()
    }
}

/// Spawn a task on runtime `A`.
#[inline]
pub fn spawn<A: AsyncRuntime, F>(future: F) -> JoinHandle<F::Output, A>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    JoinHandle {
        raw: A::spawn(None, future),
    }
}

/// Spawn a named task (the name shows in checker reports; tokio ignores it).
#[inline]
pub fn spawn_named<A: AsyncRuntime, F>(name: &str, future: F) -> JoinHandle<F::Output, A>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    JoinHandle {
        raw: A::spawn(Some(name), future),
    }
}

/// Run blocking code off the async threads (tokio's blocking pool; a modelled thread under
/// the checkers) and get its result by awaiting the handle. This is how a model says "a
/// blocking call, made for an async caller": what `f` blocks on blocks only it, and two such
/// calls can overlap. See [`AsyncRuntime::spawn_blocking`].
#[inline]
pub fn spawn_blocking<A: AsyncRuntime, F, T>(f: F) -> JoinHandle<T, A>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    JoinHandle {
        raw: A::spawn_blocking(f),
    }
}

/// Let other tasks run.
#[inline]
pub fn yield_now<A: AsyncRuntime>() -> impl Future<Output = ()> + Send {
    A::yield_now()
}

/// Wait until `duration` has passed on the runtime's clock.
#[inline]
pub fn sleep<A: AsyncRuntime>(duration: Duration) -> impl Future<Output = ()> + Send {
    A::sleep(duration)
}

/// Run `future`, giving up with [`Elapsed`] after `duration`.
#[inline]
pub fn timeout<A: AsyncRuntime, F: Future + Send>(
    duration: Duration,
    future: F,
) -> impl Future<Output = Result<F::Output, Elapsed>> + Send {
    A::timeout(duration, future)
}

/// Run `future` to completion on the current thread (builds a runtime under tokio).
#[inline]
pub fn block_on<A: AsyncRuntime, F: Future>(future: F) -> F::Output {
    A::block_on(future)
}
