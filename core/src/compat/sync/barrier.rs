//! [`Barrier`]: std's `Barrier`, written once on the facade's `Mutex` and `Condvar`, so a
//! checker explores the barrier that ships.

use crate::sync::{self, Runtime, Std};
use std::fmt;

/// Lets `n` threads wait until all of them have reached the same point; reusable, as
/// `std::sync::Barrier` is.
///
/// Guarantees (std's): the first `n - 1` callers of [`Barrier::wait`] in a round block until
/// the `n`-th arrives; then all return and the barrier starts a new round. Exactly one caller
/// per round — the `n`-th — gets a result whose [`BarrierWaitResult::is_leader`] is `true`.
/// `Barrier::new(0)` and `Barrier::new(1)` never block.
///
/// ```
/// use lockstep::compat::sync::{Arc, Barrier};
/// use lockstep::compat::thread;
/// use lockstep::sync::Std;
///
/// let barrier: Arc<Barrier> = Arc::new(Barrier::new(3));
/// let handles: Vec<_> = (0..3)
///     .map(|_| {
///         let barrier = barrier.clone();
///         thread::spawn::<Std, _, _>(move || barrier.wait().is_leader())
///     })
///     .collect();
/// let leaders = handles
///     .into_iter()
///     .map(|h| h.join().unwrap())
///     .filter(|&leader| leader)
///     .count();
/// assert_eq!(leaders, 1);
/// ```
pub struct Barrier<R: Runtime = Std> {
    state: sync::Mutex<Round, R>,
    released: sync::Condvar<R>,
    parties: usize,
}

struct Round {
    /// Threads waiting in the current round.
    arrived: usize,
    /// Counts finished rounds: a waiter leaves when it changes, which spurious wake-ups cannot
    /// fake.
    generation: u64,
}

/// What [`Barrier::wait`] returns: whether this caller was the round's leader. std's
/// `BarrierWaitResult` cannot be constructed outside std, so this is lockstep's own, with the
/// same method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BarrierWaitResult(bool);

impl BarrierWaitResult {
    /// `true` for exactly one caller per round: the last to arrive.
    #[inline]
    pub fn is_leader(&self) -> bool {
        self.0
    }
}

impl<R: Runtime> Barrier<R> {
    /// A barrier for `n` threads.
    #[track_caller]
    pub fn new(n: usize) -> Self {
        Self {
            state: sync::Mutex::new(Round {
                arrived: 0,
                generation: 0,
            }),
            released: sync::Condvar::new(),
            parties: n,
        }
    }

    /// Block until `n` threads (counting this one) have called `wait` in this round.
    #[track_caller]
    pub fn wait(&self) -> BarrierWaitResult {
        let mut round = self.state.lock();
        round.arrived += 1;
        if round.arrived < self.parties {
            let generation = round.generation;
            drop(
                self.released
                    .wait_while(round, |round| round.generation == generation),
            );
            return BarrierWaitResult(false);
        }
        round.arrived = 0;
        round.generation = round.generation.wrapping_add(1);
        drop(round);
        self.released.notify_all();
        BarrierWaitResult(true)
    }
}

impl<R: Runtime> fmt::Debug for Barrier<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier")
            .field("runtime", &R::NAME)
            .field("parties", &self.parties)
            .finish_non_exhaustive()
    }
}
