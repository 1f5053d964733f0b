//! [`Loom`]: the facade on loom's primitives (exhaustive checking with DPOR). Enabled by the
//! `loom` feature; adding it does not change [`Std`](super::Std).
//!
//! Only the condition variable is written here; threads, locks, atomics, `Arc` and the clock are
//! the `impl Runtime` shared with shuttle (`checker_runtime!` in `sync/checker/runtime.rs`).
//!
//! Time: loom has no clock. `now()` is the per-execution [logical clock](super::time::LogicalInstant);
//! `sleep` advances it and yields. A timed wait never times out unless the check asked for
//! [`Timeouts::Explore`](super::Timeouts::Explore): then each timed wait first makes a choice that
//! loom explores both ways (it spawns a one-store "timer" thread that races the waiter, so it costs
//! one of loom's five thread slots per timed wait): *time out* — release the lock, let any thread
//! run, re-take it, return `timed_out = true` with the clock moved past the timeout — or *wait for
//! a notification*. Limitation: on the second branch a program whose progress depends on the
//! timeout is reported as a deadlock; check such programs with shuttle or lockstep-sim, which
//! fire timeouts on their own.

use super::checker::{self, RelockGuard};
use super::poison::unpoisoned;
use super::time::Timeouts;
use std::time::Duration;

/// The loom backend. Use it through [`crate::check::loom`], which runs a model exhaustively and
/// contains loom's process abort on deadlock.
#[derive(Debug, Clone, Copy, Default)]
pub struct Loom;

crate::impl_raw_atomics!(loom::sync::atomic);

/// A choice loom explores both ways: a thread that stores `true` races this thread's load.
fn explored_choice() -> bool {
    use loom::sync::atomic::{AtomicBool, Ordering};
    let flag = loom::sync::Arc::new(AtomicBool::new(false));
    let setter = flag.clone();
    let _timer = loom::thread::Builder::new()
        .name("lockstep-timer".into())
        .spawn(move || setter.store(true, Ordering::SeqCst))
        .expect("loom: spawn timer thread");
    flag.load(Ordering::SeqCst)
}

/// A plain wait on loom's condvar, keeping the caller's [`RelockGuard`].
fn wait<'a, T>(
    condvar: &loom::sync::Condvar,
    mut guard: RelockGuard<'a, loom::sync::Mutex<T>>,
) -> RelockGuard<'a, loom::sync::Mutex<T>> {
    let inner = unpoisoned(condvar.wait(guard.take()));
    guard.put(inner);
    guard
}

checker::checker_runtime! {
    backend: Loom,
    name: "loom",
    checker: loom,
    arc: loom,
    switch: loom::thread::yield_now(),
    condvar: {
        type Condvar = loom::sync::Condvar;

        fn condvar_new() -> Self::Condvar {
            loom::sync::Condvar::new()
        }

        fn condvar_wait<'a, T: Send>(
            condvar: &Self::Condvar,
            guard: Self::MutexGuard<'a, T>,
        ) -> Self::MutexGuard<'a, T> {
            wait(condvar, guard)
        }

        fn condvar_wait_timeout<'a, T: Send>(
            condvar: &Self::Condvar,
            mut guard: Self::MutexGuard<'a, T>,
            timeout: Duration,
        ) -> (Self::MutexGuard<'a, T>, bool) {
            let start = checker::now();
            if checker::timeouts() == Timeouts::Explore && explored_choice() {
                guard.release_and_relock();
                checker::advance_to(start.saturating_add(timeout));
                return (guard, true);
            }
            (wait(condvar, guard), false)
        }
    },
}
