//! The sync-primitive facade: std's shapes, any backend.
//!
//! Components are written once against these types, generic over a [`Runtime`] with [`Std`] as
//! the default. In production they *are* std's types (every wrapper is an `#[inline]` forward and
//! `Std`'s associated types are std's own); under a checker the same source runs on loom's,
//! shuttle's or lockstep-sim's primitives.
//!
//! ```
//! use lockstep::sync::{Condvar, Mutex, Runtime, Std};
//!
//! /// A one-shot latch, written once.
//! struct Latch<R: Runtime = Std> {
//!     open: Mutex<bool, R>,
//!     changed: Condvar<R>,
//! }
//!
//! impl<R: Runtime> Latch<R> {
//!     fn new() -> Self {
//!         Latch { open: Mutex::new(false), changed: Condvar::new() }
//!     }
//!     fn open(&self) {
//!         *self.open.lock() = true;
//!         self.changed.notify_all();
//!     }
//!     fn wait(&self) {
//!         drop(self.changed.wait_while(self.open.lock(), |open| !*open));
//!     }
//! }
//!
//! let latch: Latch = Latch::new(); // Latch<Std>
//! latch.open();
//! latch.wait();
//! ```
//!
//! # What the facade offers
//! - [`thread`]: spawn (named), join (result or panic payload), yield, sleep;
//! - [`Mutex`], [`Condvar`] (`wait`, `wait_while`, `wait_timeout`, `wait_timeout_while`,
//!   `notify_one`, `notify_all`), [`RwLock`], [`atomic`] (`bool`, `usize`, `u64`), [`Arc`];
//! - [`channel`]: bounded and unbounded MPMC channels, written once on `Mutex` + `Condvar`;
//! - [`time`]: a monotonic [`time::Instant`] per backend; timed waits take a `Duration`;
//! - [`spin_until`]: a bounded spin-then-yield before a blocking wait (a no-op under checkers).
//!
//! Locks never poison. Type inference: default type parameters do not drive inference, so in
//! non-generic code name the type once (`let m: Mutex<u32> = Mutex::new(0)`).
//!
//! # Backends
//! | backend | feature | for | time |
//! |---|---|---|---|
//! | [`Std`] | always | production | the OS monotonic clock |
//! | `Loom` | `loom` | exhaustive checking (DPOR) | logical clock; timeouts opt-in |
//! | `Shuttle` | `shuttle` | random / PCT checking | logical clock; timeouts explored |
//! | `lockstep_sim::Sim` | (other crate) | deterministic simulation | virtual clock |
//!
//! Features only *add* backend types; no feature changes what `Std` is made of, so enabling
//! `loom` or `shuttle` anywhere in a workspace cannot switch production code to a checker.
//!
//! # Time under checkers
//! Loom and shuttle have no clock. Under them `now()` reads a *logical clock* that starts at zero
//! in every execution and only moves forward: `sleep(d)` moves it to at least `now + d` and is a
//! scheduling point; a timed wait that times out moves it to at least `start + timeout`. Whether
//! a timed wait times out is a choice the checker makes:
//! - shuttle (default [`Timeouts::Explore`]): a modelled timer thread per timed wait may fire at
//!   any point after the wait began, waking only that waiter;
//! - loom (default [`Timeouts::Never`]): timed waits are plain waits, as in loom itself; with
//!   `Explore`, each timed wait may also time out immediately (both branches explored), at the
//!   price of one of loom's five thread slots per timed wait.
//!
//! A program that relies on a timeout firing to make progress is therefore checkable with
//! shuttle (and lockstep-sim's virtual time), and reported as a deadlock by loom.
//!
//! # Writing a backend
//! Implement [`Runtime`] for a zero-sized type. Atomics whose methods mirror std can use
//! [`impl_raw_atomics!`](crate::impl_raw_atomics). See `lockstep_sim::Sim` for a complete
//! external backend. Leave [`Runtime::SPINS_BEFORE_BLOCKING`] at its default `0` for a checker
//! (spinning only adds states); the test suite checks the spin paths separately, under shuttle
//! with a backend that allows a few spins.

mod arc;
pub mod atomic;
pub mod channel;
mod condvar;
mod mutex;
pub(crate) mod poison;
mod runtime;
mod rwlock;
mod spin;
mod std_backend;
pub mod thread;
pub mod time;

#[cfg(any(feature = "loom", feature = "shuttle"))]
pub(crate) mod checker;
#[cfg(feature = "loom")]
mod loom_backend;
#[cfg(feature = "shuttle")]
pub(crate) mod shuttle_backend;

pub use arc::Arc;
pub use condvar::{Condvar, WaitTimeoutResult};
pub use mutex::{Mutex, MutexGuard};
pub use runtime::{PanicPayload, RawAtomic, RawAtomicBool, RawAtomicInt, Runtime};
pub use rwlock::{RwLock, RwLockReadGuard, RwLockWriteGuard};
pub use spin::spin_until;
pub use std_backend::Std;
pub use time::Timeouts;

#[cfg(any(feature = "loom", feature = "shuttle"))]
pub use checker::{RelockGuard, Relockable};
#[cfg(feature = "loom")]
pub use loom_backend::Loom;
#[cfg(feature = "shuttle")]
pub use shuttle_backend::{Shuttle, ShuttleCondvar};
