//! Turn-taking hand-off: `workers` threads take turns in a fixed order (0, 1, …, n-1, 0, 1, …)
//! through one `Mutex` + `Condvar`, written once against the facade.
//!
//! The buggy twin wakes with `notify_one` where `notify_all` is needed: with three or more
//! waiters the single wakeup can reach a thread whose turn it is not; that thread waits again,
//! the thread whose turn it is never hears of it, and everyone blocks — a *lost wakeup*. The
//! real-world form is zstash's `PrintMonitor`, where workers wait for their tar's turn.

use lockstep::sync::{thread, Arc, Condvar, Mutex, Runtime};

/// How a worker announces that the turn moved on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wakeup {
    /// `notify_one`: the lost-wakeup bug when more than two threads wait.
    One,
    /// `notify_all`: correct.
    All,
}

/// The size of one hand-off run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Handoff {
    /// Threads taking turns.
    pub workers: usize,
    /// Turns each thread takes.
    pub rounds: usize,
    /// How the turn is announced.
    pub wakeup: Wakeup,
}

struct Turn {
    /// Turns taken so far; it is worker `next % workers`'s turn.
    next: usize,
    /// Who took each turn, in order.
    log: Vec<usize>,
}

impl Handoff {
    /// The fixed variant (`notify_all`).
    pub fn fixed(workers: usize, rounds: usize) -> Self {
        Self {
            workers,
            rounds,
            wakeup: Wakeup::All,
        }
    }

    /// The buggy variant (`notify_one`).
    pub fn buggy(workers: usize, rounds: usize) -> Self {
        Self {
            workers,
            rounds,
            wakeup: Wakeup::One,
        }
    }

    /// The only correct order of turns.
    pub fn expected_order(&self) -> Vec<usize> {
        (0..self.workers * self.rounds)
            .map(|i| i % self.workers)
            .collect()
    }

    /// Run the hand-off on backend `R` and return who took each turn.
    pub fn run<R: Runtime>(&self) -> Vec<usize> {
        let shared: Arc<(Mutex<Turn, R>, Condvar<R>), R> = Arc::new((
            Mutex::new(Turn {
                next: 0,
                log: Vec::with_capacity(self.workers * self.rounds),
            }),
            Condvar::new(),
        ));
        let handles: Vec<_> = (0..self.workers)
            .map(|me| {
                let shared = shared.clone();
                let this = *self;
                thread::Builder::<R>::new()
                    .name(format!("worker-{me}"))
                    .spawn(move || this.take_turns(me, &shared.0, &shared.1))
            })
            .collect();
        for handle in handles {
            if let Err(panic) = handle.join() {
                std::panic::resume_unwind(panic);
            }
        }
        let log = std::mem::take(&mut shared.0.lock().log);
        log
    }

    fn take_turns<R: Runtime>(&self, me: usize, turn: &Mutex<Turn, R>, changed: &Condvar<R>) {
        for _ in 0..self.rounds {
            let mut state = changed.wait_while(turn.lock(), |t| t.next % self.workers != me);
            state.log.push(me);
            state.next += 1;
            drop(state);
            match self.wakeup {
                Wakeup::One => changed.notify_one(),
                Wakeup::All => changed.notify_all(),
            }
        }
    }

    /// A model for a checker: run on `R` and assert the order.
    pub fn model<R: Runtime>(self) -> impl Fn() + Send + Sync + 'static {
        move || {
            let order = self.run::<R>();
            assert_eq!(order, self.expected_order(), "turns taken out of order");
        }
    }
}
