//! Workspace integration tests live in `tests/tests/`.
//!
//! The README's Rust examples are compiled and run as doctests of this crate, so the README
//! cannot drift from the API.

#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

/// `impl Runtime for $name` forwarding every operation to the backend `$base`, except its
/// `NAME`, its `SPINS_BEFORE_BLOCKING`, a hook called before each `mutex_lock`, and optionally
/// a hook called before each spawn (an `Err` from it is `try_spawn`'s error, and a panic of
/// `spawn`, as with std when the OS refuses a thread):
/// test backends built on a real one (a lock-counting `Std`, a spinning `Shuttle`, a `Std`
/// whose threads cannot be spawned). Expands in the test binaries, which depend on `lockstep`.
#[macro_export]
macro_rules! forwarding_runtime {
    ($name:ident => $base:ty {
        name: $label:expr,
        spins: $spins:expr,
        before_lock: $hook:expr
        $(, before_spawn: $spawn_hook:expr)? $(,)?
    }) => {
        impl ::lockstep::sync::Runtime for $name {
            const NAME: &'static str = $label;
            const SPINS_BEFORE_BLOCKING: u32 = $spins;

            type JoinHandle<T: Send + 'static> =
                <$base as ::lockstep::sync::Runtime>::JoinHandle<T>;
            fn spawn<F, T>(name: Option<String>, f: F) -> Self::JoinHandle<T>
            where
                F: FnOnce() -> T + Send + 'static,
                T: Send + 'static,
            {
                // As std does when the OS refuses a thread.
                $( if let Err(err) = ($spawn_hook)() {
                    panic!("failed to spawn thread: {err}");
                } )?
                <$base>::spawn(name, f)
            }
            fn try_spawn<F, T>(
                name: Option<String>,
                f: F,
            ) -> ::std::io::Result<Self::JoinHandle<T>>
            where
                F: FnOnce() -> T + Send + 'static,
                T: Send + 'static,
            {
                $( ($spawn_hook)()?; )?
                <$base>::try_spawn(name, f)
            }
            fn join<T: Send + 'static>(
                handle: Self::JoinHandle<T>,
            ) -> Result<T, ::lockstep::sync::PanicPayload> {
                <$base>::join(handle)
            }
            fn yield_now() {
                <$base>::yield_now()
            }

            type Mutex<T: Send> = <$base as ::lockstep::sync::Runtime>::Mutex<T>;
            type MutexGuard<'a, T: Send + 'a> =
                <$base as ::lockstep::sync::Runtime>::MutexGuard<'a, T>;
            fn mutex_new<T: Send>(value: T) -> Self::Mutex<T> {
                <$base>::mutex_new(value)
            }
            fn mutex_lock<T: Send>(mutex: &Self::Mutex<T>) -> Self::MutexGuard<'_, T> {
                ($hook)();
                <$base>::mutex_lock(mutex)
            }
            fn mutex_try_lock<T: Send>(mutex: &Self::Mutex<T>) -> Option<Self::MutexGuard<'_, T>> {
                <$base>::mutex_try_lock(mutex)
            }
            fn mutex_into_inner<T: Send>(mutex: Self::Mutex<T>) -> T {
                <$base>::mutex_into_inner(mutex)
            }

            type Condvar = <$base as ::lockstep::sync::Runtime>::Condvar;
            fn condvar_new() -> Self::Condvar {
                <$base>::condvar_new()
            }
            fn condvar_wait<'a, T: Send>(
                condvar: &Self::Condvar,
                guard: Self::MutexGuard<'a, T>,
            ) -> Self::MutexGuard<'a, T> {
                <$base>::condvar_wait(condvar, guard)
            }
            fn condvar_wait_timeout<'a, T: Send>(
                condvar: &Self::Condvar,
                guard: Self::MutexGuard<'a, T>,
                timeout: ::std::time::Duration,
            ) -> (Self::MutexGuard<'a, T>, bool) {
                <$base>::condvar_wait_timeout(condvar, guard, timeout)
            }
            fn condvar_notify_one(condvar: &Self::Condvar) {
                <$base>::condvar_notify_one(condvar)
            }
            fn condvar_notify_all(condvar: &Self::Condvar) {
                <$base>::condvar_notify_all(condvar)
            }

            type RwLock<T: Send + Sync> = <$base as ::lockstep::sync::Runtime>::RwLock<T>;
            type RwLockReadGuard<'a, T: Send + Sync + 'a> =
                <$base as ::lockstep::sync::Runtime>::RwLockReadGuard<'a, T>;
            type RwLockWriteGuard<'a, T: Send + Sync + 'a> =
                <$base as ::lockstep::sync::Runtime>::RwLockWriteGuard<'a, T>;
            fn rwlock_new<T: Send + Sync>(value: T) -> Self::RwLock<T> {
                <$base>::rwlock_new(value)
            }
            fn rwlock_read<T: Send + Sync>(lock: &Self::RwLock<T>) -> Self::RwLockReadGuard<'_, T> {
                <$base>::rwlock_read(lock)
            }
            fn rwlock_write<T: Send + Sync>(
                lock: &Self::RwLock<T>,
            ) -> Self::RwLockWriteGuard<'_, T> {
                <$base>::rwlock_write(lock)
            }
            fn rwlock_into_inner<T: Send + Sync>(lock: Self::RwLock<T>) -> T {
                <$base>::rwlock_into_inner(lock)
            }

            type AtomicBool = <$base as ::lockstep::sync::Runtime>::AtomicBool;
            type AtomicUsize = <$base as ::lockstep::sync::Runtime>::AtomicUsize;
            type AtomicU64 = <$base as ::lockstep::sync::Runtime>::AtomicU64;

            type Arc<T: Send + Sync> = <$base as ::lockstep::sync::Runtime>::Arc<T>;
            fn arc_new<T: Send + Sync>(value: T) -> Self::Arc<T> {
                <$base>::arc_new(value)
            }
            fn arc_ptr_eq<T: Send + Sync>(a: &Self::Arc<T>, b: &Self::Arc<T>) -> bool {
                <$base>::arc_ptr_eq(a, b)
            }
            fn arc_try_unwrap<T: Send + Sync>(arc: Self::Arc<T>) -> Result<T, Self::Arc<T>> {
                <$base>::arc_try_unwrap(arc)
            }

            type Instant = <$base as ::lockstep::sync::Runtime>::Instant;
            fn now() -> Self::Instant {
                <$base>::now()
            }
            fn instant_add(
                instant: Self::Instant,
                duration: ::std::time::Duration,
            ) -> Self::Instant {
                <$base>::instant_add(instant, duration)
            }
            fn instant_saturating_sub(
                later: Self::Instant,
                earlier: Self::Instant,
            ) -> ::std::time::Duration {
                <$base>::instant_saturating_sub(later, earlier)
            }
            fn sleep(duration: ::std::time::Duration) {
                <$base>::sleep(duration)
            }
        }
    };
}
