//! The async facade: tasks, blocking sections ([`spawn_blocking`]), mutex, notify, semaphore,
//! mpsc channel, sleep and timeout over an [`AsyncRuntime`], with `Tokio` as the default runtime
//! when the `tokio` feature is on (it is by default). The facade itself — the trait, the wrappers, [`mpsc`] and the [`checked`]
//! primitives — needs no feature: without `tokio` the runtime is always named (a checker's, or
//! the user's own), and only the `Tokio` backend is missing.
//!
//! ```
//! # #[cfg(feature = "tokio")] {
//! use lockstep::future::{self, mpsc, Mutex, Tokio};
//! use std::sync::Arc;
//!
//! future::block_on::<Tokio, _>(async {
//!     let total: Arc<Mutex<u32>> = Arc::new(Mutex::new(0));
//!     let (tx, mut rx) = mpsc::channel::<u32, Tokio>(4);
//!     let t = total.clone();
//!     let consumer = future::spawn::<Tokio, _>(async move {
//!         while let Some(v) = rx.recv().await {
//!             *t.lock().await += v;
//!         }
//!     });
//!     for v in 1..=3 {
//!         tx.send(v).await.unwrap();
//!     }
//!     drop(tx);
//!     consumer.await.unwrap();
//!     assert_eq!(*total.lock().await, 6);
//! });
//! # }
//! ```
//!
//! Under shuttle (feature `shuttle`) the same code runs on shuttle's executor with the
//! [`checked`] primitives; `sleep` moves the logical clock and yields, and a `timeout` may fire
//! at any point (see [`crate::sync`'s notes on time](crate::sync#time-under-checkers)).
//!
//! Shared ownership in async code uses `std::sync::Arc`: the async backends have no `Arc` of
//! their own (shuttle's is std's).

pub mod checked;
pub mod mpsc;
mod runtime;
#[cfg(feature = "shuttle")]
mod shuttle_backend;
#[cfg(feature = "tokio")]
mod tokio_backend;
mod wrappers;

pub use runtime::{AsyncRuntime, Elapsed, JoinError};
#[cfg(feature = "shuttle")]
pub use shuttle_backend::{ShuttleJoinHandle, ShuttlePoint};
#[cfg(feature = "tokio")]
pub use tokio_backend::{Tokio, TokioJoinHandle};
pub use wrappers::{
    block_on, sleep, spawn, spawn_blocking, spawn_named, timeout, yield_now, JoinHandle, Mutex,
    MutexGuard, Notify, Semaphore, SemaphorePermit,
};
