//! A backend defined outside `lockstep`: proof that the `Runtime` trait is implementable by
//! another crate (as lockstep-sim does) without changing `lockstep`. `Counting` delegates to
//! `Std` and counts lock acquisitions, then runs the hand-off model.

use lockstep::sync::{PanicPayload, Runtime, Std};
use lockstep_models::handoff::Handoff;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

static LOCKS: AtomicUsize = AtomicUsize::new(0);

struct Counting;

impl Runtime for Counting {
    const NAME: &'static str = "counting";

    type JoinHandle<T: Send + 'static> = <Std as Runtime>::JoinHandle<T>;
    fn spawn<F, T>(name: Option<String>, f: F) -> Self::JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        Std::spawn(name, f)
    }
    fn join<T: Send + 'static>(handle: Self::JoinHandle<T>) -> Result<T, PanicPayload> {
        Std::join(handle)
    }
    fn yield_now() {
        Std::yield_now()
    }

    type Mutex<T: Send> = <Std as Runtime>::Mutex<T>;
    type MutexGuard<'a, T: Send + 'a> = <Std as Runtime>::MutexGuard<'a, T>;
    fn mutex_new<T: Send>(value: T) -> Self::Mutex<T> {
        Std::mutex_new(value)
    }
    fn mutex_lock<T: Send>(mutex: &Self::Mutex<T>) -> Self::MutexGuard<'_, T> {
        LOCKS.fetch_add(1, Ordering::Relaxed);
        Std::mutex_lock(mutex)
    }
    fn mutex_try_lock<T: Send>(mutex: &Self::Mutex<T>) -> Option<Self::MutexGuard<'_, T>> {
        Std::mutex_try_lock(mutex)
    }
    fn mutex_into_inner<T: Send>(mutex: Self::Mutex<T>) -> T {
        Std::mutex_into_inner(mutex)
    }

    type Condvar = <Std as Runtime>::Condvar;
    fn condvar_new() -> Self::Condvar {
        Std::condvar_new()
    }
    fn condvar_wait<'a, T: Send>(
        condvar: &Self::Condvar,
        guard: Self::MutexGuard<'a, T>,
    ) -> Self::MutexGuard<'a, T> {
        Std::condvar_wait(condvar, guard)
    }
    fn condvar_wait_timeout<'a, T: Send>(
        condvar: &Self::Condvar,
        guard: Self::MutexGuard<'a, T>,
        timeout: Duration,
    ) -> (Self::MutexGuard<'a, T>, bool) {
        Std::condvar_wait_timeout(condvar, guard, timeout)
    }
    fn condvar_notify_one(condvar: &Self::Condvar) {
        Std::condvar_notify_one(condvar)
    }
    fn condvar_notify_all(condvar: &Self::Condvar) {
        Std::condvar_notify_all(condvar)
    }

    type RwLock<T: Send + Sync> = <Std as Runtime>::RwLock<T>;
    type RwLockReadGuard<'a, T: Send + Sync + 'a> = <Std as Runtime>::RwLockReadGuard<'a, T>;
    type RwLockWriteGuard<'a, T: Send + Sync + 'a> = <Std as Runtime>::RwLockWriteGuard<'a, T>;
    fn rwlock_new<T: Send + Sync>(value: T) -> Self::RwLock<T> {
        Std::rwlock_new(value)
    }
    fn rwlock_read<T: Send + Sync>(lock: &Self::RwLock<T>) -> Self::RwLockReadGuard<'_, T> {
        Std::rwlock_read(lock)
    }
    fn rwlock_write<T: Send + Sync>(lock: &Self::RwLock<T>) -> Self::RwLockWriteGuard<'_, T> {
        Std::rwlock_write(lock)
    }
    fn rwlock_into_inner<T: Send + Sync>(lock: Self::RwLock<T>) -> T {
        Std::rwlock_into_inner(lock)
    }

    type AtomicBool = <Std as Runtime>::AtomicBool;
    type AtomicUsize = <Std as Runtime>::AtomicUsize;
    type AtomicU64 = <Std as Runtime>::AtomicU64;

    type Arc<T: Send + Sync> = <Std as Runtime>::Arc<T>;
    fn arc_new<T: Send + Sync>(value: T) -> Self::Arc<T> {
        Std::arc_new(value)
    }
    fn arc_ptr_eq<T: Send + Sync>(a: &Self::Arc<T>, b: &Self::Arc<T>) -> bool {
        Std::arc_ptr_eq(a, b)
    }
    fn arc_try_unwrap<T: Send + Sync>(arc: Self::Arc<T>) -> Result<T, Self::Arc<T>> {
        Std::arc_try_unwrap(arc)
    }

    type Instant = <Std as Runtime>::Instant;
    fn now() -> Self::Instant {
        Std::now()
    }
    fn instant_add(instant: Self::Instant, duration: Duration) -> Self::Instant {
        Std::instant_add(instant, duration)
    }
    fn instant_saturating_sub(later: Self::Instant, earlier: Self::Instant) -> Duration {
        Std::instant_saturating_sub(later, earlier)
    }
    fn sleep(duration: Duration) {
        Std::sleep(duration)
    }
}

#[test]
fn a_backend_from_another_crate_runs_unchanged_component_code() {
    let handoff = Handoff::fixed(3, 5);
    assert_eq!(handoff.run::<Counting>(), handoff.expected_order());
    // Every turn takes the lock at least once, plus the final read of the log.
    assert!(LOCKS.load(Ordering::Relaxed) > 15);
    // The channel, written once on the facade, runs on it too.
    let (tx, rx) = lockstep::sync::channel::bounded::<u32, Counting>(1);
    tx.send(4).unwrap();
    assert_eq!(rx.recv(), Ok(4));
}

#[test]
fn spinning_before_blocking_is_off_unless_a_backend_opts_in() {
    use lockstep::sync::spin_until;
    let mut checks = 0;
    assert!(!spin_until::<Counting>(|| {
        checks += 1;
        true
    }));
    assert_eq!(checks, 0, "a backend that does not opt in never spins");
    let mut checks = 0;
    assert!(!spin_until::<Std>(|| {
        checks += 1;
        false
    }));
    assert_eq!(checks, Std::SPINS_BEFORE_BLOCKING);
    let mut checks = 0;
    assert!(spin_until::<Std>(|| {
        checks += 1;
        checks == 3
    }));
    assert_eq!(checks, 3, "stops at the first check that holds");
}
