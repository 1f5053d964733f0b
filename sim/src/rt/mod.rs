//! [`Sim`]: the simulator as a backend of the lockstep facade. Component code written against
//! `lockstep::sync` runs on it unchanged; every facade operation becomes a scheduling point of
//! the simulation.

mod future;
mod sync;

use crate::exec::sched::{spawn_thread, thread_object};
use crate::exec::state::{with_exec, Wait};
use crate::exec::{step, suspend};
use crate::op::{Op, OpKind, ThreadId};
use lockstep::sync::time::LogicalInstant;
use lockstep::sync::{PanicPayload, Runtime};
use std::marker::PhantomData;
use std::panic::Location;
use std::time::Duration;

pub use future::{SimPoint, SimTask};
pub use sync::{
    SimAtomicBool, SimAtomicU64, SimAtomicUsize, SimCondvar, SimMutex, SimMutexGuard, SimReadGuard,
    SimRwLock, SimWriteGuard,
};

/// The simulator backend: run code written against `lockstep::sync` (and `lockstep::future`)
/// under lockstep-sim's controlled scheduler with virtual time and fault injection.
///
/// ```
/// use lockstep::sync::{thread, Arc, Mutex};
/// use lockstep_sim::Sim;
///
/// let report = lockstep_sim::check_random(|| {
///     let n: Arc<Mutex<u32, Sim>, Sim> = Arc::new(Mutex::new(0));
///     let n2 = n.clone();
///     let h = thread::spawn::<Sim, _, _>(move || *n2.lock() += 1);
///     *n.lock() += 1;
///     h.join().unwrap();
///     assert_eq!(*n.lock(), 2);
/// }, 100);
/// assert_eq!(report.executions, 100);
/// ```
///
/// Outside a simulation (`check_*`, `replay`, a `Builder`) its primitives panic: they have no
/// scheduler to talk to.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sim;

/// Handle to a simulated thread.
#[derive(Debug)]
pub struct SimJoinHandle<T> {
    thread: ThreadId,
    result: PhantomData<fn() -> T>,
}

/// The virtual time `duration` from now (saturating): the deadline of a sleep or a timeout.
#[track_caller]
pub(crate) fn deadline_after(duration: Duration) -> LogicalInstant {
    read_clock().saturating_add(duration)
}

/// Read the virtual clock, a step of its own ([`OpKind::ReadClock`]): read in the step before,
/// the read would be there only if that step's values led to it (a load that saw 0), and the
/// searches take a step to touch the same objects wherever it runs.
#[track_caller]
pub(crate) fn read_clock() -> LogicalInstant {
    read_clock_at(Location::caller())
}

/// [`read_clock`] for a read made at `at` (an async timer polled away from its call site).
/// The read is recorded too: while a thread unwinds from a panic its operations are no steps.
pub(crate) fn read_clock_at(at: &'static Location<'static>) -> LogicalInstant {
    suspend(Op::new(OpKind::ReadClock, None, at), Wait::None);
    with_exec(|e| LogicalInstant(e.read_clock()))
}

/// Virtual time advanced by one `yield_now`, so that busy-waiting threads let time pass.
pub(crate) const YIELD_QUANTUM: Duration = Duration::from_micros(1);

impl Runtime for Sim {
    const NAME: &'static str = "sim";

    type JoinHandle<T: Send + 'static> = SimJoinHandle<T>;

    #[track_caller]
    fn spawn<F, T>(name: Option<String>, f: F) -> Self::JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let at = Location::caller();
        step(OpKind::Spawn, None);
        let thread = spawn_thread(
            name,
            Box::new(move || Box::new(f()) as Box<dyn std::any::Any + Send>),
            at,
        );
        SimJoinHandle {
            thread,
            result: PhantomData,
        }
    }

    #[track_caller]
    fn join<T: Send + 'static>(handle: Self::JoinHandle<T>) -> Result<T, PanicPayload> {
        let object = thread_object(handle.thread);
        suspend(
            Op::new(OpKind::Join, Some(object), Location::caller()),
            Wait::Join(handle.thread),
        );
        let result = with_exec(|e| {
            let child = &mut e.threads[handle.thread];
            child.joined = true;
            child.result.take()
        });
        match result {
            Some(Ok(value)) => Ok(*value
                .downcast::<T>()
                .expect("a join handle's type matches its thread's result")),
            Some(Err(payload)) => Err(payload),
            None => Err(Box::new(
                "the thread was abandoned when the simulation ended",
            )),
        }
    }

    #[track_caller]
    fn yield_now() {
        step(OpKind::Yield, None);
        with_exec(|e| e.now = e.now.saturating_add(YIELD_QUANTUM));
    }

    type Mutex<T: Send> = SimMutex<T>;
    type MutexGuard<'a, T: Send + 'a> = SimMutexGuard<'a, T>;

    #[track_caller]
    fn mutex_new<T: Send>(value: T) -> Self::Mutex<T> {
        SimMutex::new(value)
    }

    #[track_caller]
    fn mutex_lock<T: Send>(mutex: &Self::Mutex<T>) -> Self::MutexGuard<'_, T> {
        mutex.lock()
    }

    #[track_caller]
    fn mutex_try_lock<T: Send>(mutex: &Self::Mutex<T>) -> Option<Self::MutexGuard<'_, T>> {
        mutex.try_lock()
    }

    fn mutex_into_inner<T: Send>(mutex: Self::Mutex<T>) -> T {
        mutex.into_inner()
    }

    type Condvar = SimCondvar;

    #[track_caller]
    fn condvar_new() -> Self::Condvar {
        SimCondvar::new()
    }

    #[track_caller]
    fn condvar_wait<'a, T: Send>(
        condvar: &Self::Condvar,
        mut guard: Self::MutexGuard<'a, T>,
    ) -> Self::MutexGuard<'a, T> {
        condvar.wait(&mut guard, None);
        guard
    }

    #[track_caller]
    fn condvar_wait_timeout<'a, T: Send>(
        condvar: &Self::Condvar,
        mut guard: Self::MutexGuard<'a, T>,
        timeout: Duration,
    ) -> (Self::MutexGuard<'a, T>, bool) {
        let timed_out = condvar.wait(&mut guard, Some(timeout));
        (guard, timed_out)
    }

    #[track_caller]
    fn condvar_notify_one(condvar: &Self::Condvar) {
        condvar.notify_one()
    }

    #[track_caller]
    fn condvar_notify_all(condvar: &Self::Condvar) {
        condvar.notify_all()
    }

    type RwLock<T: Send + Sync> = SimRwLock<T>;
    type RwLockReadGuard<'a, T: Send + Sync + 'a> = SimReadGuard<'a, T>;
    type RwLockWriteGuard<'a, T: Send + Sync + 'a> = SimWriteGuard<'a, T>;

    #[track_caller]
    fn rwlock_new<T: Send + Sync>(value: T) -> Self::RwLock<T> {
        SimRwLock::new(value)
    }

    #[track_caller]
    fn rwlock_read<T: Send + Sync>(lock: &Self::RwLock<T>) -> Self::RwLockReadGuard<'_, T> {
        lock.read()
    }

    #[track_caller]
    fn rwlock_write<T: Send + Sync>(lock: &Self::RwLock<T>) -> Self::RwLockWriteGuard<'_, T> {
        lock.write()
    }

    fn rwlock_into_inner<T: Send + Sync>(lock: Self::RwLock<T>) -> T {
        lock.into_inner()
    }

    type AtomicBool = SimAtomicBool;
    type AtomicUsize = SimAtomicUsize;
    type AtomicU64 = SimAtomicU64;

    type Arc<T: Send + Sync> = std::sync::Arc<T>;

    fn arc_new<T: Send + Sync>(value: T) -> Self::Arc<T> {
        std::sync::Arc::new(value)
    }

    fn arc_ptr_eq<T: Send + Sync>(a: &Self::Arc<T>, b: &Self::Arc<T>) -> bool {
        std::sync::Arc::ptr_eq(a, b)
    }

    fn arc_try_unwrap<T: Send + Sync>(arc: Self::Arc<T>) -> Result<T, Self::Arc<T>> {
        std::sync::Arc::try_unwrap(arc)
    }

    type Instant = LogicalInstant;

    #[track_caller]
    fn now() -> Self::Instant {
        read_clock()
    }

    fn instant_add(instant: Self::Instant, duration: Duration) -> Self::Instant {
        instant.saturating_add(duration)
    }

    fn instant_saturating_sub(later: Self::Instant, earlier: Self::Instant) -> Duration {
        later.saturating_duration_since(earlier)
    }

    #[track_caller]
    fn sleep(duration: Duration) {
        let deadline = deadline_after(duration);
        suspend(
            Op::new(OpKind::Sleep, None, Location::caller()),
            Wait::Sleep(deadline.since_start()),
        );
    }

    fn thread_key() -> Option<(u64, u64)> {
        crate::exec::state::EXEC.with(|cell| {
            let e = cell.try_borrow().ok()?;
            e.active.then_some((e.generation, e.current as u64))
        })
    }

    #[track_caller]
    fn fault(point: &'static str) -> bool {
        crate::fault::fault_at(point, Location::caller())
    }

    fn sometimes(condition: bool, name: &'static str) {
        crate::feedback::sometimes(condition, name);
    }
}
