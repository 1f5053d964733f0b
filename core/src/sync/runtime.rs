//! The [`Runtime`] trait: one family of blocking sync primitives.
//!
//! A backend is a zero-sized type implementing [`Runtime`]; components are generic over it with
//! [`Std`](super::Std) as the default. The trait is the *backend author's* interface: every item
//! is an associated type or function, so a backend in another crate (lockstep-sim) can implement
//! it without touching this crate. Component code never calls these functions directly; it uses
//! the std-shaped wrappers in [`crate::sync`] (`Mutex<T, R>`, `Condvar<R>`, ...), which forward
//! with `#[inline]` and so compile to exactly the backend's code.
//!
//! Shape normalisation (as tokio's loom facade does): locks never poison (a panic while holding a
//! lock leaves the data as it was), `try_lock` returns `Option`, a timed wait returns
//! `(guard, timed_out)`.

use std::any::Any;
use std::fmt::Debug;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::Ordering;
use std::time::Duration;

/// The payload of a panicked thread, as `std::thread::JoinHandle::join` returns it.
pub type PanicPayload = Box<dyn Any + Send + 'static>;

/// A family of blocking synchronisation primitives, threads and time.
///
/// Implemented by [`Std`](super::Std) (production), `Loom` and `Shuttle` (with the features of the
/// same names) and by `lockstep_sim::Sim`. See the [module docs](super) for how to write code
/// against it and the crate README for how to implement a backend.
///
/// # Contract for implementors
/// - `mutex_lock` and friends never poison; a panic while a guard is held just releases the lock.
/// - `condvar_wait*` may wake spuriously; callers loop (the wrappers' `wait_while` does).
/// - `condvar_wait_timeout` returns `true` only if the wait timed out; it must never block for
///   ever when nobody notifies *and* the backend models time.
/// - `now` is monotonic; `sleep(d)` lets at least `d` pass on the backend's clock.
pub trait Runtime: Sized + Send + Sync + 'static {
    /// A short name for reports (`"std"`, `"loom"`, `"shuttle"`, `"sim"`).
    const NAME: &'static str;

    // ----- threads ------------------------------------------------------------------------------

    /// Handle to a spawned thread.
    type JoinHandle<T: Send + 'static>: Send;
    /// Spawn a thread, optionally named. Panics only if the OS refuses to create a thread (as
    /// `std::thread::spawn` does); components use [`Runtime::try_spawn`].
    fn spawn<F, T>(name: Option<String>, f: F) -> Self::JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static;
    /// Spawn a thread, or return why it could not be created (`f` is then dropped unrun). The
    /// default calls [`Runtime::spawn`] and always succeeds: right for checkers, whose threads
    /// are modelled; a backend on OS threads overrides it (as [`Std`](super::Std) does).
    fn try_spawn<F, T>(name: Option<String>, f: F) -> std::io::Result<Self::JoinHandle<T>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        Ok(Self::spawn(name, f))
    }
    /// Wait for a thread; `Err` carries its panic payload.
    fn join<T: Send + 'static>(handle: Self::JoinHandle<T>) -> Result<T, PanicPayload>;
    /// Offer the scheduler a chance to run another thread.
    fn yield_now();
    /// How many times a thread about to block may first re-check its condition, spinning and
    /// then yielding (see [`spin_until`](super::spin_until)), the backoff crossbeam and
    /// parking_lot use before they park. It pays on real hardware, where parking and waking a
    /// thread costs microseconds. Checkers keep the default `0`: every extra check would be a
    /// scheduling point that multiplies the states explored, and a spin is only ever a
    /// shortcut past a wait that the code performs anyway.
    const SPINS_BEFORE_BLOCKING: u32 = 0;

    // ----- mutex --------------------------------------------------------------------------------

    /// A mutual-exclusion lock.
    type Mutex<T: Send>: Send + Sync;
    /// Proof of holding a [`Runtime::Mutex`].
    type MutexGuard<'a, T: Send + 'a>: DerefMut<Target = T>;
    /// A new unlocked mutex.
    fn mutex_new<T: Send>(value: T) -> Self::Mutex<T>;
    /// Block until the lock is held.
    fn mutex_lock<T: Send>(mutex: &Self::Mutex<T>) -> Self::MutexGuard<'_, T>;
    /// Take the lock if it is free.
    fn mutex_try_lock<T: Send>(mutex: &Self::Mutex<T>) -> Option<Self::MutexGuard<'_, T>>;
    /// Consume the mutex, returning the data.
    fn mutex_into_inner<T: Send>(mutex: Self::Mutex<T>) -> T;

    // ----- condition variable ---------------------------------------------------------------------

    /// A condition variable used with [`Runtime::Mutex`].
    type Condvar: Send + Sync;
    /// A new condition variable.
    fn condvar_new() -> Self::Condvar;
    /// Release the guard's lock, wait for a notification, re-take the lock.
    fn condvar_wait<'a, T: Send>(
        condvar: &Self::Condvar,
        guard: Self::MutexGuard<'a, T>,
    ) -> Self::MutexGuard<'a, T>;
    /// As [`Runtime::condvar_wait`], giving up after `timeout`; the flag is `true` if it timed out.
    fn condvar_wait_timeout<'a, T: Send>(
        condvar: &Self::Condvar,
        guard: Self::MutexGuard<'a, T>,
        timeout: Duration,
    ) -> (Self::MutexGuard<'a, T>, bool);
    /// Wake one waiter, if any.
    fn condvar_notify_one(condvar: &Self::Condvar);
    /// Wake every waiter.
    fn condvar_notify_all(condvar: &Self::Condvar);

    // ----- reader-writer lock ---------------------------------------------------------------------

    /// A reader-writer lock.
    type RwLock<T: Send + Sync>: Send + Sync;
    /// Shared access to a [`Runtime::RwLock`].
    type RwLockReadGuard<'a, T: Send + Sync + 'a>: Deref<Target = T>;
    /// Exclusive access to a [`Runtime::RwLock`].
    type RwLockWriteGuard<'a, T: Send + Sync + 'a>: DerefMut<Target = T>;
    /// A new unlocked reader-writer lock.
    fn rwlock_new<T: Send + Sync>(value: T) -> Self::RwLock<T>;
    /// Block until shared access is held.
    fn rwlock_read<T: Send + Sync>(lock: &Self::RwLock<T>) -> Self::RwLockReadGuard<'_, T>;
    /// Block until exclusive access is held.
    fn rwlock_write<T: Send + Sync>(lock: &Self::RwLock<T>) -> Self::RwLockWriteGuard<'_, T>;
    /// Consume the lock, returning the data.
    fn rwlock_into_inner<T: Send + Sync>(lock: Self::RwLock<T>) -> T;

    // ----- atomics and Arc --------------------------------------------------------------------------

    /// An atomic `bool`.
    type AtomicBool: RawAtomicBool;
    /// An atomic `usize`.
    type AtomicUsize: RawAtomicInt<Value = usize>;
    /// An atomic `u64`.
    type AtomicU64: RawAtomicInt<Value = u64>;

    /// A reference-counted shared pointer (sized `T` only: loom's `Arc` does not unsize).
    type Arc<T: Send + Sync>: Clone + Deref<Target = T> + Send + Sync;
    /// A new `Arc`.
    fn arc_new<T: Send + Sync>(value: T) -> Self::Arc<T>;
    /// `true` if both point to the same allocation.
    fn arc_ptr_eq<T: Send + Sync>(a: &Self::Arc<T>, b: &Self::Arc<T>) -> bool;
    /// The value, if this is the only strong reference.
    fn arc_try_unwrap<T: Send + Sync>(arc: Self::Arc<T>) -> Result<T, Self::Arc<T>>;

    // ----- time -----------------------------------------------------------------------------------

    /// A point on the backend's monotonic clock.
    type Instant: Copy + Ord + Debug + Send + Sync + 'static;
    /// The current time on the backend's clock.
    fn now() -> Self::Instant;
    /// `instant + duration`, saturating at the clock's end.
    fn instant_add(instant: Self::Instant, duration: Duration) -> Self::Instant;
    /// `later - earlier`, or zero if `earlier` is later.
    fn instant_saturating_sub(later: Self::Instant, earlier: Self::Instant) -> Duration;
    /// Let at least `duration` pass on the backend's clock.
    fn sleep(duration: Duration);

    // ----- thread identity -------------------------------------------------------------------------

    /// Which of the backend's threads is running, when the backend runs several of its threads
    /// on one OS thread (lockstep-sim's coroutines): state kept per OS thread (a thread-local)
    /// must then be kept per backend thread. `(run, thread)`: `run` names the execution (state
    /// kept for another run is stale: that execution is over), `thread` the thread within it.
    /// `None` (the default) when every backend thread is an OS thread of its own, or the
    /// backend does not tell.
    #[inline]
    fn thread_key() -> Option<(u64, u64)> {
        None
    }

    // ----- fault injection ------------------------------------------------------------------------

    /// A named fault point: `true` when the backend decides the fault fires here. Test doubles
    /// written against the facade call it (`if R::fault("store.put") { return Err(..) }`);
    /// lockstep-sim explores it like an interleaving (by seed, with a per-execution budget) and
    /// names the faults that fired in its reports. Every other backend never fires a fault.
    #[inline]
    fn fault(point: &'static str) -> bool {
        let _ = point;
        false
    }

    // ----- coverage ---------------------------------------------------------------------------

    /// A coverage point: the code reached `name` and `condition` held (or not) there. Never
    /// fails and never changes what runs; lockstep-sim records it as feedback for its fuzzer
    /// (a schedule that makes a `sometimes` condition true for the first time is kept), every
    /// other backend — production `Std` included — ignores it (an empty inlined call). Use it
    /// through [`sometimes!`](crate::sometimes).
    #[inline]
    fn sometimes(condition: bool, name: &'static str) {
        let _ = (condition, name);
    }
}

/// Operations shared by every atomic type of a backend. The method names and meanings are those
/// of `std::sync::atomic`.
pub trait RawAtomic: Send + Sync + Sized + 'static {
    /// The value type (`bool`, `usize`, `u64`).
    type Value: Copy + Send + Sync + Debug + 'static;
    /// A new atomic holding `value`.
    fn new(value: Self::Value) -> Self;
    /// Load the value.
    fn load(&self, order: Ordering) -> Self::Value;
    /// Store a value.
    fn store(&self, value: Self::Value, order: Ordering);
    /// Store a value, returning the previous one.
    fn swap(&self, value: Self::Value, order: Ordering) -> Self::Value;
    /// Store `new` if the value is `current`; `Ok(previous)` on success, `Err(actual)` otherwise.
    fn compare_exchange(
        &self,
        current: Self::Value,
        new: Self::Value,
        success: Ordering,
        failure: Ordering,
    ) -> Result<Self::Value, Self::Value>;
}

/// Integer atomics.
pub trait RawAtomicInt: RawAtomic {
    /// Add, wrapping; returns the previous value.
    fn fetch_add(&self, value: Self::Value, order: Ordering) -> Self::Value;
    /// Subtract, wrapping; returns the previous value.
    fn fetch_sub(&self, value: Self::Value, order: Ordering) -> Self::Value;
    /// Maximum; returns the previous value.
    fn fetch_max(&self, value: Self::Value, order: Ordering) -> Self::Value;
    /// Minimum; returns the previous value.
    fn fetch_min(&self, value: Self::Value, order: Ordering) -> Self::Value;
}

/// Boolean atomics.
pub trait RawAtomicBool: RawAtomic<Value = bool> {
    /// Logical or; returns the previous value.
    fn fetch_or(&self, value: bool, order: Ordering) -> bool;
    /// Logical and; returns the previous value.
    fn fetch_and(&self, value: bool, order: Ordering) -> bool;
}

/// Implements [`RawAtomic`] and [`RawAtomicInt`]/[`RawAtomicBool`] for a backend's atomic types,
/// whose inherent methods have std's names. Used by every built-in backend; public so that an
/// external backend whose atomics also mirror std can use it.
///
/// ```ignore
/// lockstep::impl_raw_atomics!(my_backend::atomic);
/// ```
#[macro_export]
macro_rules! impl_raw_atomics {
    ($path:path) => {
        const _: () = {
            use ::std::sync::atomic::Ordering;
            use $path as atomic_mod;
    $crate::impl_raw_atomics!(@common atomic_mod::AtomicBool, bool);
    $crate::impl_raw_atomics!(@common atomic_mod::AtomicUsize, usize);
    $crate::impl_raw_atomics!(@common atomic_mod::AtomicU64, u64);
    $crate::impl_raw_atomics!(@int atomic_mod::AtomicUsize);
    $crate::impl_raw_atomics!(@int atomic_mod::AtomicU64);
            impl $crate::sync::RawAtomicBool for atomic_mod::AtomicBool {
                #[inline]
                fn fetch_or(&self, value: bool, order: Ordering) -> bool {
                    atomic_mod::AtomicBool::fetch_or(self, value, order)
                }
                #[inline]
                fn fetch_and(&self, value: bool, order: Ordering) -> bool {
                    atomic_mod::AtomicBool::fetch_and(self, value, order)
                }
            }
        };
    };
    (@common $ty:ty, $value:ty) => {
        impl $crate::sync::RawAtomic for $ty {
            type Value = $value;
            #[inline]
            fn new(value: $value) -> Self {
                <$ty>::new(value)
            }
            #[inline]
            fn load(&self, order: Ordering) -> $value {
                <$ty>::load(self, order)
            }
            #[inline]
            fn store(&self, value: $value, order: Ordering) {
                <$ty>::store(self, value, order)
            }
            #[inline]
            fn swap(&self, value: $value, order: Ordering) -> $value {
                <$ty>::swap(self, value, order)
            }
            #[inline]
            fn compare_exchange(
                &self,
                current: $value,
                new: $value,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$value, $value> {
                <$ty>::compare_exchange(self, current, new, success, failure)
            }
        }
    };
    (@int $ty:ty) => {
        impl $crate::sync::RawAtomicInt for $ty {
            #[inline]
            fn fetch_add(&self, value: Self::Value, order: Ordering) -> Self::Value {
                <$ty>::fetch_add(self, value, order)
            }
            #[inline]
            fn fetch_sub(&self, value: Self::Value, order: Ordering) -> Self::Value {
                <$ty>::fetch_sub(self, value, order)
            }
            #[inline]
            fn fetch_max(&self, value: Self::Value, order: Ordering) -> Self::Value {
                <$ty>::fetch_max(self, value, order)
            }
            #[inline]
            fn fetch_min(&self, value: Self::Value, order: Ordering) -> Self::Value {
                <$ty>::fetch_min(self, value, order)
            }
        }
    };
}
