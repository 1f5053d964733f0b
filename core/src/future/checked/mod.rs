//! Async primitives for checker backends, written once: a FIFO mutex, a tokio-style notify and a
//! bounded MPSC channel, driven by wakers.
//!
//! A checker runs one task at a time and only switches at its own scheduling points, so these
//! keep their state under plain `std` locks (never contended) and call
//! [`SchedulingPoint::point`] before each operation that other tasks can observe — that is where
//! the checker may run someone else first. Waiting is by `Poll::Pending` + waker, which the
//! checker's executor turns into "blocked until woken". The shuttle backend uses them; so does
//! `lockstep_sim`.

mod mpsc;
mod mutex;
mod notify;

pub use mpsc::{channel, Receiver, Sender};
pub use mutex::{Mutex, MutexGuard};
pub use notify::Notify;

/// A checker's scheduling point: a call that lets the checker switch to another task.
pub trait SchedulingPoint: Send + Sync + 'static {
    /// Give the checker a chance to run another task before the caller continues.
    fn point();
}

/// Lock a never-contended std mutex, ignoring poison (a panicking task must not wedge others).
pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
