//! The std-compatible flavour of the facade: `std::sync` and `std::thread` signatures, any
//! backend.
//!
//! The facade ([`crate::sync`]) normalises std's shapes — `lock()` returns the guard, not a
//! `LockResult` — which is right for code written for lockstep but means a std program's every
//! `.lock().unwrap()` breaks when it moves over. This module takes the other side: the same
//! primitives, with **std's exact signatures and result types**, so that moving a std program
//! onto a checker is a change of `use` lines:
//!
//! ```
//! use lockstep::compat::sync::{Arc, Mutex};
//! use lockstep::compat::thread;
//! use lockstep::sync::Std;
//!
//! let hits: Arc<Mutex<u32>> = Arc::new(Mutex::new(0));
//! let h = {
//!     let hits = hits.clone();
//!     thread::spawn::<Std, _, _>(move || *hits.lock().unwrap() += 1)
//! };
//! h.join().unwrap();
//! assert_eq!(*hits.lock().unwrap(), 1);
//! ```
//!
//! The types here are generic over the backend (`Mutex<T, R = Std>`); most code uses a
//! per-backend module that fixes it, so no backend is ever named and no function needs a
//! turbofish: `lockstep_sim::std::{sync, thread}` (the simulator),
//! [`lockstep::on_std::std`](crate::on_std::std), `lockstep::on_loom::std` and
//! `lockstep::on_shuttle::std` (features `loom`, `shuttle`).
//!
//! # Guarantees
//! - Every type is a thin wrapper of the facade's (`Mutex`, `Condvar`, `RwLock` are
//!   `#[repr(transparent)]` newtypes; every method is an `#[inline]` forward), so on `Std` it
//!   compiles to the facade's code, which is std's; under a checker every operation is the
//!   facade's, seen and explored like any other.
//! - Source locations in checker reports are the caller's (`#[track_caller]` throughout).
//!
//! # What differs from std
//! - **No poisoning.** A panic while a guard is held releases the lock and leaves the data as
//!   it was. `lock`, `wait*`, `read`, `write` and `into_inner` always return `Ok`;
//!   `PoisonError` never appears and `is_poisoned()` is always `false`.
//! - `get_mut` returns a guard (which dereferences to `&mut T`), not `&mut T`; it never blocks.
//! - Timed waits return the facade's [`WaitTimeoutResult`](sync::WaitTimeoutResult) and
//!   `Barrier::wait` lockstep's [`BarrierWaitResult`](sync::BarrierWaitResult): std's cannot be
//!   constructed outside std. Their methods (`timed_out`, `is_leader`) are std's.
//! - [`Arc`](sync::Arc) is the facade's: sized values that are `Send + Sync` (no
//!   `Arc<dyn Trait>`, no `strong_count`), so that loom can track it.
//! - Values in a `Mutex` or channel must be `Send`, in an `RwLock` or `Arc` `Send + Sync`; a
//!   generic type says so (`struct Buffer<T: Send>`), where std asks only when sharing.
//! - Constructors are not `const fn`: a checker's primitives are created inside the execution
//!   that uses them, never in a `static`.
//! - [`atomic`](sync::atomic) offers the facade's `AtomicBool`, `AtomicUsize` and `AtomicU64`
//!   with `load`, `store`, `swap`, `compare_exchange`, `fetch_add`/`sub`/`max`/`min`
//!   (`fetch_or`/`and` for bool) — not `compare_exchange_weak`, `fetch_update` or other widths.
//! - Not offered: `RwLock::try_read`/`try_write`, `Once`, `OnceLock`, `LazyLock`,
//!   `sync_channel(0)`, `thread::current`, `park`, `scope`; see [`thread`] for its details.
//! - Time (`Condvar::wait_timeout`, `recv_timeout`, `thread::sleep`, [`time::Instant`]) is the
//!   backend's clock: wall time on `Std`, virtual time on the simulator, a logical clock under
//!   loom and shuttle.

pub mod sync;
pub mod thread;

/// `std::time`'s names for the backend's clock: the facade's [`Instant`](time::Instant) and
/// std's `Duration`.
pub mod time {
    pub use crate::sync::time::Instant;
    pub use std::time::Duration;
}
