//! `std::sync`'s API on any backend: [`Mutex`], [`Condvar`] and [`RwLock`] whose methods have
//! std's signatures (a [`LockResult`] from every `lock`, `wait`, `read` and `write`),
//! [`Barrier`], [`mpsc`], and the facade's [`Arc`] and [`atomic`]s.
//!
//! See the [`compat` module docs](super) for what is guaranteed and what differs from std.

mod barrier;
mod condvar;
pub mod mpsc;
mod mutex;
mod rwlock;

pub use barrier::{Barrier, BarrierWaitResult};
pub use condvar::Condvar;
pub use mutex::Mutex;
pub use rwlock::RwLock;

/// The facade's atomics (`AtomicBool`, `AtomicUsize`, `AtomicU64`, std's `Ordering`).
pub use crate::sync::atomic;
/// The facade's reference-counted pointer (sized values only; see its docs).
pub use crate::sync::Arc;
/// The result of a timed wait: the facade's, with std's `timed_out()`.
pub use crate::sync::WaitTimeoutResult;
/// The facade's guards: what [`Mutex::lock`] and [`RwLock::read`]/[`RwLock::write`] return and
/// [`Condvar`]'s waits take.
pub use crate::sync::{MutexGuard, RwLockReadGuard, RwLockWriteGuard};
/// std's result and error types, so code that names or matches them ports unchanged; a
/// lockstep lock never produces the `Err` side.
pub use std::sync::{LockResult, PoisonError, TryLockError, TryLockResult};
