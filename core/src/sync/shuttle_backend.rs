//! [`Shuttle`]: the facade on shuttle's primitives (randomized and PCT scheduling). Enabled by
//! the `shuttle` feature; adding it does not change [`Std`](super::Std).
//!
//! Everything but the condition variable is shuttle's own, forwarded by the `impl Runtime` shared
//! with loom (`checker_runtime!` in `sync/checker/runtime.rs`). The condvar is
//! [`ShuttleCondvar`], built from shuttle's park/unpark so that timed waits can really time out:
//! shuttle's own `wait_timeout` never does.
//!
//! Time: `now()` is the per-execution [logical clock](super::time::LogicalInstant); `sleep`
//! advances it and is a scheduling point. Under [`Timeouts::Explore`](super::Timeouts::Explore)
//! (the default of [`crate::check::shuttle`]) every timed wait spawns a modelled timer thread that
//! shuttle may schedule at any point after the wait began; if it runs before a notification
//! reaches the waiter, that waiter (and only it) returns `timed_out = true` with the clock moved
//! past the timeout. So both outcomes are explored, and a program that needs a timeout for
//! progress is not misreported as a deadlock.

use super::checker::{self, RelockGuard, Relockable};
use super::poison;
use super::time::Timeouts;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

/// The shuttle backend. Use it through [`crate::check::shuttle`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Shuttle;

crate::impl_raw_atomics!(shuttle::sync::atomic);

/// A scheduling point with no other effect: shuttle switches before every atomic operation, and
/// a fresh atomic carries no causal history.
pub(crate) fn scheduling_point() {
    shuttle::sync::atomic::AtomicBool::new(false).load(Ordering::SeqCst);
}

const WAITING: u8 = 0;
const NOTIFIED: u8 = 1;
const TIMED_OUT: u8 = 2;

/// One waiting thread. Its state changes only under the condvar's waiter-list lock.
#[derive(Debug)]
struct WaitSlot {
    state: AtomicU8,
    thread: shuttle::thread::Thread,
}

#[derive(Debug, Default)]
struct CondvarInner {
    /// Threads waiting right now. A plain std mutex: shuttle runs one thread at a time and never
    /// switches inside a critical section here, so it is never contended.
    waiters: std::sync::Mutex<Vec<std::sync::Arc<WaitSlot>>>,
}

impl CondvarInner {
    fn waiters(&self) -> std::sync::MutexGuard<'_, Vec<std::sync::Arc<WaitSlot>>> {
        poison::lock(&self.waiters)
    }

    /// Remove `slot` if it is still waiting and give it `outcome`, running `before_wakeup` before
    /// the waiter can run; false if it was already woken.
    fn wake(
        &self,
        slot: &std::sync::Arc<WaitSlot>,
        outcome: u8,
        before_wakeup: impl FnOnce(),
    ) -> bool {
        let mut waiters = self.waiters();
        let Some(i) = waiters.iter().position(|w| std::sync::Arc::ptr_eq(w, slot)) else {
            return false;
        };
        waiters.swap_remove(i);
        drop(waiters);
        slot.state.store(outcome, Ordering::SeqCst);
        before_wakeup();
        // `unpark` is a scheduling point: the waiter may run right away.
        slot.thread.unpark();
        true
    }
}

/// The shuttle backend's condition variable: a waiter list plus park/unpark.
///
/// `notify_one` wakes a waiter chosen with shuttle's (replayable) randomness, as an OS condvar
/// may wake any of them; `notify_all` wakes all. No spurious wakeups are generated.
///
/// Limitation: shuttle's DFS scheduler draws random values from a fixed source, so under
/// `check_dfs` the waiter `notify_one` picks is not explored (the same one is picked in every
/// execution). Random and PCT runs vary it; lockstep-sim's DFS explores every choice.
#[derive(Debug, Default)]
pub struct ShuttleCondvar {
    inner: std::sync::Arc<CondvarInner>,
}

impl ShuttleCondvar {
    fn wait<'a, T: Send>(
        &self,
        mut guard: RelockGuard<'a, shuttle::sync::Mutex<T>>,
        timeout: Option<Duration>,
    ) -> (RelockGuard<'a, shuttle::sync::Mutex<T>>, bool) {
        let start = checker::now();
        let slot = std::sync::Arc::new(WaitSlot {
            state: AtomicU8::new(WAITING),
            thread: shuttle::thread::current(),
        });
        // Registered before the lock is released: a notifier needs the lock to change what we
        // waited for, so it cannot miss us.
        self.inner.waiters().push(slot.clone());
        if let (Some(timeout), Timeouts::Explore) = (timeout, checker::timeouts()) {
            let (inner, timer_slot) = (self.inner.clone(), slot.clone());
            let deadline = start.saturating_add(timeout);
            let _timer = shuttle::thread::Builder::new()
                .name("lockstep-timer".into())
                .spawn(move || {
                    // The clock reaches the deadline when the timer fires, before anyone runs.
                    inner.wake(&timer_slot, TIMED_OUT, || checker::advance_to(deadline));
                })
                .expect("shuttle: spawn timer thread");
        }
        drop(guard.take());
        while slot.state.load(Ordering::SeqCst) == WAITING {
            shuttle::thread::park();
        }
        guard.put(guard.mutex().relock());
        let timed_out = slot.state.load(Ordering::SeqCst) == TIMED_OUT;
        (guard, timed_out)
    }

    fn notify_one(&self) {
        use shuttle::rand::Rng;
        scheduling_point();
        let chosen = {
            let waiters = self.inner.waiters();
            match waiters.len() {
                0 => return,
                1 => waiters[0].clone(),
                n => waiters[shuttle::rand::thread_rng().gen_range(0..n)].clone(),
            }
        };
        self.inner.wake(&chosen, NOTIFIED, || {});
    }

    fn notify_all(&self) {
        scheduling_point();
        let all = std::mem::take(&mut *self.inner.waiters());
        for slot in all {
            slot.state.store(NOTIFIED, Ordering::SeqCst);
            slot.thread.unpark();
        }
    }
}

checker::checker_runtime! {
    backend: Shuttle,
    name: "shuttle",
    checker: shuttle,
    arc: std,
    switch: shuttle::thread::sleep(Duration::ZERO),
    condvar: {
        type Condvar = ShuttleCondvar;

        fn condvar_new() -> Self::Condvar {
            ShuttleCondvar::default()
        }

        fn condvar_wait<'a, T: Send>(
            condvar: &Self::Condvar,
            guard: Self::MutexGuard<'a, T>,
        ) -> Self::MutexGuard<'a, T> {
            condvar.wait(guard, None).0
        }

        fn condvar_wait_timeout<'a, T: Send>(
            condvar: &Self::Condvar,
            guard: Self::MutexGuard<'a, T>,
            timeout: Duration,
        ) -> (Self::MutexGuard<'a, T>, bool) {
            condvar.wait(guard, Some(timeout))
        }
    },
}
