//! # lockstep
//!
//! Concurrency components that real projects got wrong, done right — and written once against a
//! sync-primitive facade so that the *same code* runs on std threads in production and under
//! loom, shuttle and lockstep-sim when it is checked.
//!
//! - [`sync`]: the blocking facade (`Mutex`, `Condvar`, `RwLock`, atomics, `Arc`, threads,
//!   channels, time), generic over a [`sync::Runtime`]; [`sync::Std`] in production.
//! - [`future`]: the async facade (spawn, mutex, notify, mpsc, sleep, timeout) over an
//!   [`future::AsyncRuntime`]; `future::Tokio` in production (feature `tokio`, on by default;
//!   the rest of the async facade needs no feature).
//! - [`compat`]: the same primitives with `std::sync`/`std::thread`'s exact signatures
//!   (`lock()` returns a `LockResult`), so a std program moves onto a checker by a `use` change.
//! - [`on_std`], `on_loom`, `on_shuttle`: both shapes with the backend fixed
//!   (`on_shuttle::sync::Mutex<T>`, `on_shuttle::std::thread::spawn(f)`); the simulator's are
//!   `lockstep_sim::{sync, thread, std}`.
//! - [`check`]: adapters that run a model under loom (exhaustive, deadlock abort contained) and
//!   shuttle (random, PCT, DFS) — features `loom` and `shuttle`.
//!
//! Features only add backends; none changes what the production backends are made of.

#![warn(missing_docs, unreachable_pub)]

mod aliases;
pub mod block;
pub mod check;
pub mod compat;
pub mod future;
mod invariant;
#[cfg(feature = "loom")]
pub mod on_loom;
#[cfg(feature = "shuttle")]
pub mod on_shuttle;
pub mod on_std;
pub mod ordered;
pub mod sync;
pub mod tasktree;

/// The crate README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
