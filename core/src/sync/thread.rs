//! Threads on any backend: spawn with a name, join returning the result or the panic, yield,
//! sleep on the backend's clock.

use super::runtime::PanicPayload;
use super::{Runtime, Std};
use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

/// Configures a thread before spawning it (std's `thread::Builder`, on backend `R`).
///
/// ```
/// use lockstep::sync::{thread, Std};
/// let h = thread::Builder::<Std>::new().name("worker-0").spawn(|| 6 * 7);
/// assert_eq!(h.join().unwrap(), 42);
/// ```
pub struct Builder<R: Runtime = Std> {
    name: Option<String>,
    runtime: PhantomData<R>,
}

/// An owned permission to join a thread.
pub struct JoinHandle<T: Send + 'static, R: Runtime = Std> {
    pub(crate) raw: R::JoinHandle<T>,
}

impl<R: Runtime> Builder<R> {
    /// A builder for an unnamed thread.
    #[inline]
    pub fn new() -> Self {
        Self {
            name: None,
            runtime: PhantomData,
        }
    }

    /// Name the thread (shown in panics and in checker reports).
    #[inline]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Spawn the thread. Panics if the OS cannot create it (as `std::thread::spawn` does); use
    /// [`try_spawn`](Self::try_spawn) where that must be an error.
    #[inline]
    #[track_caller]
    pub fn spawn<F, T>(self, f: F) -> JoinHandle<T, R>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        JoinHandle {
            raw: R::spawn(self.name, f),
        }
    }

    /// Spawn the thread, or return the OS's reason it could not be created (`f` is then
    /// dropped without running). Under checkers this always succeeds.
    ///
    /// ```
    /// use lockstep::sync::{thread, Std};
    /// let h = thread::Builder::<Std>::new().try_spawn(|| 6 * 7).expect("a thread");
    /// assert_eq!(h.join().unwrap(), 42);
    /// ```
    #[inline]
    #[track_caller]
    pub fn try_spawn<F, T>(self, f: F) -> std::io::Result<JoinHandle<T, R>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        Ok(JoinHandle {
            raw: R::try_spawn(self.name, f)?,
        })
    }
}

impl<R: Runtime> Default for Builder<R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R: Runtime> fmt::Debug for Builder<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("runtime", &R::NAME)
            .field("name", &self.name)
            .finish()
    }
}

impl<T: Send + 'static, R: Runtime> JoinHandle<T, R> {
    /// Wait for the thread to finish; `Err` carries its panic payload.
    #[inline]
    #[track_caller]
    pub fn join(self) -> Result<T, PanicPayload> {
        R::join(self.raw)
    }
}

impl<T: Send + 'static, R: Runtime> fmt::Debug for JoinHandle<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("runtime", &R::NAME)
            .finish_non_exhaustive()
    }
}

/// Spawn an unnamed thread on backend `R`.
#[inline]
#[track_caller]
pub fn spawn<R: Runtime, F, T>(f: F) -> JoinHandle<T, R>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    Builder::new().spawn(f)
}

/// Offer the scheduler a chance to run another thread.
#[inline]
#[track_caller]
pub fn yield_now<R: Runtime>() {
    R::yield_now()
}

/// Let at least `duration` pass on the backend's clock (virtual time under checkers).
#[inline]
#[track_caller]
pub fn sleep<R: Runtime>(duration: Duration) {
    R::sleep(duration)
}

/// The message of a panic payload, if it is a string (as `panic!` with a message makes it).
///
/// ```
/// let payload = std::panic::catch_unwind(|| panic!("boom {}", 1)).unwrap_err();
/// assert_eq!(lockstep::sync::thread::panic_message(&*payload), "boom 1");
/// ```
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "<non-string panic payload>"
    }
}
