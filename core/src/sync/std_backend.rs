//! [`Std`]: the production backend. Every associated type *is* the std type (checked by the
//! feature-unification guard test), every function is a one-line `#[inline]` forward, so code
//! written against the facade monomorphizes to the code one would write on std directly.

use super::poison::{try_unpoisoned, unpoisoned};
use super::runtime::{PanicPayload, Runtime};
use std::sync::{Condvar, Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant};

/// The production backend: `std::thread`, `std::sync`, `std::time::Instant`.
///
/// It is the default type parameter of every facade type and component, so production code
/// never names it except where type inference needs a hint:
///
/// ```
/// use lockstep::sync::{Mutex, Std};
/// let counter: Mutex<u64> = Mutex::new(0); // `Mutex<u64, Std>`
/// *counter.lock() += 1;
/// assert_eq!(counter.into_inner(), 1);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Std;

crate::impl_raw_atomics!(std::sync::atomic);

impl Runtime for Std {
    const NAME: &'static str = "std";

    type JoinHandle<T: Send + 'static> = std::thread::JoinHandle<T>;

    #[inline]
    fn spawn<F, T>(name: Option<String>, f: F) -> Self::JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        Self::try_spawn(name, f).unwrap_or_else(|err| panic!("failed to spawn thread: {err}"))
    }

    #[inline]
    fn try_spawn<F, T>(name: Option<String>, f: F) -> std::io::Result<Self::JoinHandle<T>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let builder = match name {
            Some(name) => std::thread::Builder::new().name(name),
            None => std::thread::Builder::new(),
        };
        builder.spawn(f)
    }

    #[inline]
    fn join<T: Send + 'static>(handle: Self::JoinHandle<T>) -> Result<T, PanicPayload> {
        handle.join()
    }

    #[inline]
    fn yield_now() {
        std::thread::yield_now()
    }

    /// 64 spins and 64 yields: measured on the task tree's thread pool (1,000,000 no-op jobs,
    /// 8 workers, 2 cores), where it cut a run from 4.6 s to 0.5 s; spins alone did not help.
    const SPINS_BEFORE_BLOCKING: u32 = 128;

    type Mutex<T: Send> = Mutex<T>;
    type MutexGuard<'a, T: Send + 'a> = MutexGuard<'a, T>;

    #[inline]
    fn mutex_new<T: Send>(value: T) -> Self::Mutex<T> {
        Mutex::new(value)
    }

    #[inline]
    fn mutex_lock<T: Send>(mutex: &Self::Mutex<T>) -> Self::MutexGuard<'_, T> {
        unpoisoned(mutex.lock())
    }

    #[inline]
    fn mutex_try_lock<T: Send>(mutex: &Self::Mutex<T>) -> Option<Self::MutexGuard<'_, T>> {
        try_unpoisoned(mutex.try_lock())
    }

    #[inline]
    fn mutex_into_inner<T: Send>(mutex: Self::Mutex<T>) -> T {
        unpoisoned(mutex.into_inner())
    }

    type Condvar = Condvar;

    #[inline]
    fn condvar_new() -> Self::Condvar {
        Condvar::new()
    }

    #[inline]
    fn condvar_wait<'a, T: Send>(
        condvar: &Self::Condvar,
        guard: Self::MutexGuard<'a, T>,
    ) -> Self::MutexGuard<'a, T> {
        unpoisoned(condvar.wait(guard))
    }

    #[inline]
    fn condvar_wait_timeout<'a, T: Send>(
        condvar: &Self::Condvar,
        guard: Self::MutexGuard<'a, T>,
        timeout: Duration,
    ) -> (Self::MutexGuard<'a, T>, bool) {
        let (guard, result) = unpoisoned(condvar.wait_timeout(guard, timeout));
        (guard, result.timed_out())
    }

    #[inline]
    fn condvar_notify_one(condvar: &Self::Condvar) {
        condvar.notify_one()
    }

    #[inline]
    fn condvar_notify_all(condvar: &Self::Condvar) {
        condvar.notify_all()
    }

    type RwLock<T: Send + Sync> = RwLock<T>;
    type RwLockReadGuard<'a, T: Send + Sync + 'a> = std::sync::RwLockReadGuard<'a, T>;
    type RwLockWriteGuard<'a, T: Send + Sync + 'a> = std::sync::RwLockWriteGuard<'a, T>;

    #[inline]
    fn rwlock_new<T: Send + Sync>(value: T) -> Self::RwLock<T> {
        RwLock::new(value)
    }

    #[inline]
    fn rwlock_read<T: Send + Sync>(lock: &Self::RwLock<T>) -> Self::RwLockReadGuard<'_, T> {
        unpoisoned(lock.read())
    }

    #[inline]
    fn rwlock_write<T: Send + Sync>(lock: &Self::RwLock<T>) -> Self::RwLockWriteGuard<'_, T> {
        unpoisoned(lock.write())
    }

    #[inline]
    fn rwlock_into_inner<T: Send + Sync>(lock: Self::RwLock<T>) -> T {
        unpoisoned(lock.into_inner())
    }

    type AtomicBool = std::sync::atomic::AtomicBool;
    type AtomicUsize = std::sync::atomic::AtomicUsize;
    type AtomicU64 = std::sync::atomic::AtomicU64;

    type Arc<T: Send + Sync> = std::sync::Arc<T>;

    #[inline]
    fn arc_new<T: Send + Sync>(value: T) -> Self::Arc<T> {
        std::sync::Arc::new(value)
    }

    #[inline]
    fn arc_ptr_eq<T: Send + Sync>(a: &Self::Arc<T>, b: &Self::Arc<T>) -> bool {
        std::sync::Arc::ptr_eq(a, b)
    }

    #[inline]
    fn arc_try_unwrap<T: Send + Sync>(arc: Self::Arc<T>) -> Result<T, Self::Arc<T>> {
        std::sync::Arc::try_unwrap(arc)
    }

    type Instant = Instant;

    #[inline]
    fn now() -> Self::Instant {
        Instant::now()
    }

    #[inline]
    fn instant_add(instant: Self::Instant, duration: Duration) -> Self::Instant {
        // Saturate far in the future rather than panic on overflow (e.g. `Duration::MAX`).
        instant
            .checked_add(duration)
            .unwrap_or_else(|| instant + Duration::from_secs(86_400 * 365 * 100))
    }

    #[inline]
    fn instant_saturating_sub(later: Self::Instant, earlier: Self::Instant) -> Duration {
        later.saturating_duration_since(earlier)
    }

    #[inline]
    fn sleep(duration: Duration) {
        std::thread::sleep(duration)
    }
}
