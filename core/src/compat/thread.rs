//! `std::thread`'s API on any backend: [`spawn`], [`Builder`] (`name`, `stack_size`, `spawn`
//! returning an [`io::Result`]), [`JoinHandle`] (`join` returning a [`Result`], `thread()`),
//! [`sleep`] and [`yield_now`].
//!
//! The functions are generic over the backend (`spawn::<R, _, _>`); the per-backend modules
//! (`lockstep_sim::std::thread`, `lockstep::on_std::std::thread`, ...) fix it, so there
//! `thread::spawn(f)` needs no turbofish. What differs from std:
//! - [`JoinHandle::thread`] returns lockstep's [`Thread`], which knows its name only (std's
//!   `Thread` cannot be constructed outside std); `thread::current`, `park`/`unpark`, `scope`
//!   and thread ids are not offered — the backends do not model them; nor is
//!   `JoinHandle::is_finished`, which would cost every thread a shared flag and, under a
//!   checker, one more scheduling point to explore, whether or not anyone asks;
//! - [`Builder::stack_size`] is honoured on `Std` and ignored under checkers (the simulator,
//!   loom and shuttle size their own stacks);
//! - [`Builder::spawn`] returns `Err` only on `Std`, when the OS refuses a thread; a checker's
//!   spawn does not fail;
//! - [`sleep`] waits on the backend's clock: virtual time on the simulator, a logical clock
//!   under loom and shuttle.

use crate::sync::thread as facade;
use crate::sync::{Runtime, Std};
use std::any::{Any, TypeId};
use std::fmt;
use std::io;
use std::marker::PhantomData;
use std::time::Duration;

/// `std::thread::Result`: the value a thread returned, or its panic payload.
pub use std::thread::Result;

/// Configures a thread before spawning it, with `std::thread::Builder`'s signatures.
///
/// ```
/// use lockstep::compat::thread::Builder;
/// use lockstep::sync::Std;
///
/// let h = Builder::<Std>::new()
///     .name("worker-0".to_string())
///     .stack_size(4 << 20)
///     .spawn(|| 6 * 7)
///     .unwrap();
/// assert_eq!(h.thread().name(), Some("worker-0"));
/// assert_eq!(h.join().unwrap(), 42);
/// ```
pub struct Builder<R: Runtime = Std> {
    name: Option<String>,
    stack_size: Option<usize>,
    runtime: PhantomData<R>,
}

/// An owned permission to join a thread, with `std::thread::JoinHandle`'s `join` and `thread`.
pub struct JoinHandle<T: Send + 'static, R: Runtime = Std> {
    inner: facade::JoinHandle<T, R>,
    thread: Thread,
}

/// What lockstep knows of a spawned thread: its name. Stands in for `std::thread::Thread`,
/// which cannot be constructed outside std.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thread {
    name: Option<String>,
}

impl Thread {
    /// The name given with [`Builder::name`], if any.
    #[inline]
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
}

impl<R: Runtime> Builder<R> {
    /// A builder for an unnamed thread with the backend's default stack.
    #[inline]
    pub fn new() -> Self {
        Self {
            name: None,
            stack_size: None,
            runtime: PhantomData,
        }
    }

    /// Name the thread (shown in panic messages and in checker reports). Takes a `String`, as
    /// std's does, so `.name("x".into())` infers.
    #[inline]
    pub fn name(mut self, name: String) -> Self {
        self.name = Some(name);
        self
    }

    /// The thread's stack size in bytes: honoured on `Std`, ignored under checkers.
    #[inline]
    pub fn stack_size(mut self, size: usize) -> Self {
        self.stack_size = Some(size);
        self
    }

    /// Spawn the thread. `Err` only on `Std`, if the OS refuses to create it.
    #[inline]
    #[track_caller]
    pub fn spawn<F, T>(self, f: F) -> io::Result<JoinHandle<T, R>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let thread = Thread {
            name: self.name.clone(),
        };
        let inner = if TypeId::of::<R>() == TypeId::of::<Std>() {
            // On `Std`, use std's builder itself: it honours the stack size and reports a
            // refused spawn as an error, where the facade's `Std::spawn` panics. The `TypeId`
            // test is a constant, so each instantiation keeps one branch.
            spawn_on_std::<R, F, T>(self.name, self.stack_size, f)?
        } else {
            let mut builder = facade::Builder::<R>::new();
            if let Some(name) = self.name {
                builder = builder.name(name);
            }
            builder.spawn(f)
        };
        Ok(JoinHandle { inner, thread })
    }
}

/// std's builder, re-typed as `R`'s handle; `R` must be [`Std`].
fn spawn_on_std<R: Runtime, F, T>(
    name: Option<String>,
    stack_size: Option<usize>,
    f: F,
) -> io::Result<facade::JoinHandle<T, R>>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let mut builder = std::thread::Builder::new();
    if let Some(name) = name {
        builder = builder.name(name);
    }
    if let Some(size) = stack_size {
        builder = builder.stack_size(size);
    }
    let spawned: io::Result<facade::JoinHandle<T, Std>> =
        builder.spawn(f).map(|raw| facade::JoinHandle { raw });
    let mut slot = Some(spawned);
    (&mut slot as &mut dyn Any)
        .downcast_mut::<Option<io::Result<facade::JoinHandle<T, R>>>>()
        .and_then(Option::take)
        .expect("spawn_on_std is only called with R = Std")
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
            .field("stack_size", &self.stack_size)
            .finish()
    }
}

impl<T: Send + 'static, R: Runtime> JoinHandle<T, R> {
    /// Wait for the thread to finish: `Ok` with its value, or `Err` with its panic payload.
    #[inline]
    #[track_caller]
    pub fn join(self) -> Result<T> {
        self.inner.join()
    }

    /// The thread's name (lockstep's [`Thread`], not std's).
    #[inline]
    pub fn thread(&self) -> &Thread {
        &self.thread
    }
}

impl<T: Send + 'static, R: Runtime> fmt::Debug for JoinHandle<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("runtime", &R::NAME)
            .field("thread", &self.thread)
            .finish_non_exhaustive()
    }
}

/// Spawn an unnamed thread on backend `R`, as `std::thread::spawn` does.
///
/// # Panics
/// If the OS refuses to create a thread (on `Std`), as std's does.
#[inline]
#[track_caller]
pub fn spawn<R: Runtime, F, T>(f: F) -> JoinHandle<T, R>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    Builder::new().spawn(f).expect("failed to spawn thread")
}

/// Let at least `dur` pass on the backend's clock.
#[inline]
#[track_caller]
pub fn sleep<R: Runtime>(dur: Duration) {
    R::sleep(dur)
}

/// Offer the scheduler a chance to run another thread.
#[inline]
#[track_caller]
pub fn yield_now<R: Runtime>() {
    R::yield_now()
}
