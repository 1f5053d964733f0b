//! The spin-before-parking paths, which production (`Std`) takes and checkers normally skip
//! (`Runtime::SPINS_BEFORE_BLOCKING` is 0 under them), checked by shuttle through `Spinning`:
//! shuttle's primitives with a few spins allowed. Each spin is an atomic load, a scheduling
//! point, so shuttle explores a spinner racing the thread that queues work or finishes a job.

use lockstep::check::shuttle;
use lockstep::sync::{PanicPayload, Runtime, Shuttle};
use lockstep_models::tasktree::{TaskTreeModel, Terminate};
use std::time::Duration;

/// Shuttle, but spinning up to three times before blocking.
struct Spinning;

impl Runtime for Spinning {
    const NAME: &'static str = "shuttle-spinning";
    const SPINS_BEFORE_BLOCKING: u32 = 3;

    type JoinHandle<T: Send + 'static> = <Shuttle as Runtime>::JoinHandle<T>;
    fn spawn<F, T>(name: Option<String>, f: F) -> Self::JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        Shuttle::spawn(name, f)
    }
    fn join<T: Send + 'static>(handle: Self::JoinHandle<T>) -> Result<T, PanicPayload> {
        Shuttle::join(handle)
    }
    fn yield_now() {
        Shuttle::yield_now()
    }

    type Mutex<T: Send> = <Shuttle as Runtime>::Mutex<T>;
    type MutexGuard<'a, T: Send + 'a> = <Shuttle as Runtime>::MutexGuard<'a, T>;
    fn mutex_new<T: Send>(value: T) -> Self::Mutex<T> {
        Shuttle::mutex_new(value)
    }
    fn mutex_lock<T: Send>(mutex: &Self::Mutex<T>) -> Self::MutexGuard<'_, T> {
        Shuttle::mutex_lock(mutex)
    }
    fn mutex_try_lock<T: Send>(mutex: &Self::Mutex<T>) -> Option<Self::MutexGuard<'_, T>> {
        Shuttle::mutex_try_lock(mutex)
    }
    fn mutex_into_inner<T: Send>(mutex: Self::Mutex<T>) -> T {
        Shuttle::mutex_into_inner(mutex)
    }

    type Condvar = <Shuttle as Runtime>::Condvar;
    fn condvar_new() -> Self::Condvar {
        Shuttle::condvar_new()
    }
    fn condvar_wait<'a, T: Send>(
        condvar: &Self::Condvar,
        guard: Self::MutexGuard<'a, T>,
    ) -> Self::MutexGuard<'a, T> {
        Shuttle::condvar_wait(condvar, guard)
    }
    fn condvar_wait_timeout<'a, T: Send>(
        condvar: &Self::Condvar,
        guard: Self::MutexGuard<'a, T>,
        timeout: Duration,
    ) -> (Self::MutexGuard<'a, T>, bool) {
        Shuttle::condvar_wait_timeout(condvar, guard, timeout)
    }
    fn condvar_notify_one(condvar: &Self::Condvar) {
        Shuttle::condvar_notify_one(condvar)
    }
    fn condvar_notify_all(condvar: &Self::Condvar) {
        Shuttle::condvar_notify_all(condvar)
    }

    type RwLock<T: Send + Sync> = <Shuttle as Runtime>::RwLock<T>;
    type RwLockReadGuard<'a, T: Send + Sync + 'a> = <Shuttle as Runtime>::RwLockReadGuard<'a, T>;
    type RwLockWriteGuard<'a, T: Send + Sync + 'a> = <Shuttle as Runtime>::RwLockWriteGuard<'a, T>;
    fn rwlock_new<T: Send + Sync>(value: T) -> Self::RwLock<T> {
        Shuttle::rwlock_new(value)
    }
    fn rwlock_read<T: Send + Sync>(lock: &Self::RwLock<T>) -> Self::RwLockReadGuard<'_, T> {
        Shuttle::rwlock_read(lock)
    }
    fn rwlock_write<T: Send + Sync>(lock: &Self::RwLock<T>) -> Self::RwLockWriteGuard<'_, T> {
        Shuttle::rwlock_write(lock)
    }
    fn rwlock_into_inner<T: Send + Sync>(lock: Self::RwLock<T>) -> T {
        Shuttle::rwlock_into_inner(lock)
    }

    type AtomicBool = <Shuttle as Runtime>::AtomicBool;
    type AtomicUsize = <Shuttle as Runtime>::AtomicUsize;
    type AtomicU64 = <Shuttle as Runtime>::AtomicU64;

    type Arc<T: Send + Sync> = <Shuttle as Runtime>::Arc<T>;
    fn arc_new<T: Send + Sync>(value: T) -> Self::Arc<T> {
        Shuttle::arc_new(value)
    }
    fn arc_ptr_eq<T: Send + Sync>(a: &Self::Arc<T>, b: &Self::Arc<T>) -> bool {
        Shuttle::arc_ptr_eq(a, b)
    }
    fn arc_try_unwrap<T: Send + Sync>(arc: Self::Arc<T>) -> Result<T, Self::Arc<T>> {
        Shuttle::arc_try_unwrap(arc)
    }

    type Instant = <Shuttle as Runtime>::Instant;
    fn now() -> Self::Instant {
        Shuttle::now()
    }
    fn instant_add(instant: Self::Instant, duration: Duration) -> Self::Instant {
        Shuttle::instant_add(instant, duration)
    }
    fn instant_saturating_sub(later: Self::Instant, earlier: Self::Instant) -> Duration {
        Shuttle::instant_saturating_sub(later, earlier)
    }
    fn sleep(duration: Duration) {
        Shuttle::sleep(duration)
    }
}

const SCHEDULES: usize = 1_000;

#[test]
fn the_pool_keeps_the_rules_while_workers_and_coordinator_spin() {
    let model = TaskTreeModel::new(
        &["a", "a/b", "a/b/x", "a/b/~/c", "a/d", "a/~/e", "f", "~/g"],
        3,
    );
    let report = shuttle::check_pct(model.clone().model::<Spinning>(), SCHEDULES, 3);
    assert_eq!(report.executions, SCHEDULES);
    let report = shuttle::check_random(model.model::<Spinning>(), SCHEDULES);
    assert_eq!(report.executions, SCHEDULES);
}

#[test]
fn termination_reaches_spinning_workers_and_coordinator() {
    let model =
        TaskTreeModel::new(&["a", "a/b", "c", "c/d", "e"], 2).terminating(Terminate::Concurrently);
    let report = shuttle::check_pct(model.clone().model::<Spinning>(), SCHEDULES, 3);
    assert_eq!(report.executions, SCHEDULES);
    let report = shuttle::check_random(model.model::<Spinning>(), SCHEDULES);
    assert_eq!(report.executions, SCHEDULES);
}
