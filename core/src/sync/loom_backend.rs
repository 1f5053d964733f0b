//! [`Loom`]: the facade on loom's primitives (exhaustive checking with DPOR). Enabled by the
//! `loom` feature; adding it does not change [`Std`](super::Std).
//!
//! Time: loom has no clock. `now()` is the per-execution [logical clock](super::time::LogicalInstant);
//! `sleep` advances it and yields. A timed wait never times out unless the check asked for
//! [`Timeouts::Explore`](super::Timeouts::Explore): then each timed wait first makes a choice that
//! loom explores both ways (it spawns a one-store "timer" thread that races the waiter, so it costs
//! one of loom's five thread slots per timed wait): *time out* — release the lock, let any thread
//! run, re-take it, return `timed_out = true` with the clock moved past the timeout — or *wait for
//! a notification*. Limitation: on the second branch a program whose progress depends on the
//! timeout is reported as a deadlock; check such programs with shuttle or lockstep-sim, which
//! fire timeouts on their own.

use super::checker::{self, RelockGuard, Relockable};
use super::runtime::{PanicPayload, Runtime};
use super::time::Timeouts;
use std::time::Duration;

/// The loom backend. Use it through [`crate::check::loom`], which runs a model exhaustively and
/// contains loom's process abort on deadlock.
#[derive(Debug, Clone, Copy, Default)]
pub struct Loom;

crate::impl_raw_atomics!(loom::sync::atomic);

impl<T> Relockable for loom::sync::Mutex<T> {
    type Target = T;
    type Guard<'a>
        = loom::sync::MutexGuard<'a, T>
    where
        T: 'a;
    fn relock(&self) -> Self::Guard<'_> {
        self.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A choice loom explores both ways: a thread that stores `true` races this thread's load.
fn explored_choice() -> bool {
    use loom::sync::atomic::{AtomicBool, Ordering};
    let flag = loom::sync::Arc::new(AtomicBool::new(false));
    let setter = flag.clone();
    let _timer = loom::thread::Builder::new()
        .name("lockstep-timer".into())
        .spawn(move || setter.store(true, Ordering::SeqCst))
        .expect("loom: spawn timer thread");
    flag.load(Ordering::SeqCst)
}

impl Runtime for Loom {
    const NAME: &'static str = "loom";

    type JoinHandle<T: Send + 'static> = loom::thread::JoinHandle<T>;

    fn spawn<F, T>(name: Option<String>, f: F) -> Self::JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let builder = match name {
            Some(name) => loom::thread::Builder::new().name(name),
            None => loom::thread::Builder::new(),
        };
        builder.spawn(f).expect("loom: spawn thread")
    }

    fn join<T: Send + 'static>(handle: Self::JoinHandle<T>) -> Result<T, PanicPayload> {
        handle.join()
    }

    fn yield_now() {
        loom::thread::yield_now()
    }

    type Mutex<T: Send> = loom::sync::Mutex<T>;
    type MutexGuard<'a, T: Send + 'a> = RelockGuard<'a, loom::sync::Mutex<T>>;

    fn mutex_new<T: Send>(value: T) -> Self::Mutex<T> {
        loom::sync::Mutex::new(value)
    }

    fn mutex_lock<T: Send>(mutex: &Self::Mutex<T>) -> Self::MutexGuard<'_, T> {
        RelockGuard::new(mutex, mutex.relock())
    }

    fn mutex_try_lock<T: Send>(mutex: &Self::Mutex<T>) -> Option<Self::MutexGuard<'_, T>> {
        match mutex.try_lock() {
            Ok(guard) => Some(RelockGuard::new(mutex, guard)),
            Err(std::sync::TryLockError::Poisoned(p)) => {
                Some(RelockGuard::new(mutex, p.into_inner()))
            }
            Err(std::sync::TryLockError::WouldBlock) => None,
        }
    }

    fn mutex_into_inner<T: Send>(mutex: Self::Mutex<T>) -> T {
        mutex
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    type Condvar = loom::sync::Condvar;

    fn condvar_new() -> Self::Condvar {
        loom::sync::Condvar::new()
    }

    fn condvar_wait<'a, T: Send>(
        condvar: &Self::Condvar,
        mut guard: Self::MutexGuard<'a, T>,
    ) -> Self::MutexGuard<'a, T> {
        let inner = condvar
            .wait(guard.take())
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        guard.put(inner);
        guard
    }

    fn condvar_wait_timeout<'a, T: Send>(
        condvar: &Self::Condvar,
        mut guard: Self::MutexGuard<'a, T>,
        timeout: Duration,
    ) -> (Self::MutexGuard<'a, T>, bool) {
        let start = checker::now();
        if checker::timeouts() == Timeouts::Explore && explored_choice() {
            guard.release_and_relock();
            checker::advance_to(checker::instant_add(start, timeout));
            return (guard, true);
        }
        (Self::condvar_wait(condvar, guard), false)
    }

    fn condvar_notify_one(condvar: &Self::Condvar) {
        condvar.notify_one()
    }

    fn condvar_notify_all(condvar: &Self::Condvar) {
        condvar.notify_all()
    }

    type RwLock<T: Send + Sync> = loom::sync::RwLock<T>;
    type RwLockReadGuard<'a, T: Send + Sync + 'a> = loom::sync::RwLockReadGuard<'a, T>;
    type RwLockWriteGuard<'a, T: Send + Sync + 'a> = loom::sync::RwLockWriteGuard<'a, T>;

    fn rwlock_new<T: Send + Sync>(value: T) -> Self::RwLock<T> {
        loom::sync::RwLock::new(value)
    }

    fn rwlock_read<T: Send + Sync>(lock: &Self::RwLock<T>) -> Self::RwLockReadGuard<'_, T> {
        lock.read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn rwlock_write<T: Send + Sync>(lock: &Self::RwLock<T>) -> Self::RwLockWriteGuard<'_, T> {
        lock.write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn rwlock_into_inner<T: Send + Sync>(lock: Self::RwLock<T>) -> T {
        lock.into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    type AtomicBool = loom::sync::atomic::AtomicBool;
    type AtomicUsize = loom::sync::atomic::AtomicUsize;
    type AtomicU64 = loom::sync::atomic::AtomicU64;

    type Arc<T: Send + Sync> = loom::sync::Arc<T>;

    fn arc_new<T: Send + Sync>(value: T) -> Self::Arc<T> {
        loom::sync::Arc::new(value)
    }

    fn arc_ptr_eq<T: Send + Sync>(a: &Self::Arc<T>, b: &Self::Arc<T>) -> bool {
        loom::sync::Arc::ptr_eq(a, b)
    }

    fn arc_try_unwrap<T: Send + Sync>(arc: Self::Arc<T>) -> Result<T, Self::Arc<T>> {
        loom::sync::Arc::try_unwrap(arc)
    }

    super::checker::logical_time_items!(loom::thread::yield_now());
}
