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
//! - [`check`]: adapters that run a model under loom (exhaustive, deadlock abort contained) and
//!   shuttle (random, PCT, DFS) — features `loom` and `shuttle`.
//!
//! Features only add backends; none changes what the production backends are made of.

#![warn(missing_docs, unreachable_pub)]

pub mod block;
pub mod check;
pub mod future;
mod invariant;
pub mod ordered;
pub mod sync;
pub mod tasktree;
