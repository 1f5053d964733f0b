//! Bounded spinning before a blocking wait.
//!
//! Parking a thread and waking it again costs microseconds (two system calls and a cross-core
//! wake-up); when the condition a thread is about to wait for usually turns true within a few
//! hundred nanoseconds, such as a pool worker whose next job is being queued, re-checking it
//! briefly first avoids the round trip. The spin is only a shortcut: the caller still performs
//! its ordinary locked check and wait afterwards, so correctness never depends on it, and under
//! checkers ([`Runtime::SPINS_BEFORE_BLOCKING`] is `0`) it does nothing at all.

use super::Runtime;

/// Re-checks before the spinner starts yielding its time slice instead of busy-waiting.
const BUSY_SPINS: u32 = 64;

/// Re-check `ready` up to [`Runtime::SPINS_BEFORE_BLOCKING`] times, busy-waiting between the
/// first checks and yielding between the later ones; `true` as soon as it holds, `false` if the
/// caller should go on and block. `ready` must be cheap and lock-free (an atomic load).
///
/// ```
/// use lockstep::sync::atomic::{AtomicBool, Ordering};
/// use lockstep::sync::{spin_until, Std};
///
/// let flag: AtomicBool = AtomicBool::new(true);
/// assert!(spin_until::<Std>(|| flag.load(Ordering::Acquire)));
/// flag.store(false, Ordering::Release);
/// assert!(!spin_until::<Std>(|| flag.load(Ordering::Acquire))); // then block as usual
/// ```
#[inline]
pub fn spin_until<R: Runtime>(mut ready: impl FnMut() -> bool) -> bool {
    for spin in 0..R::SPINS_BEFORE_BLOCKING {
        if spin > 0 {
            if spin <= BUSY_SPINS {
                std::hint::spin_loop();
            } else {
                R::yield_now();
            }
        }
        if ready() {
            return true;
        }
    }
    false
}
