//! POS — partial order sampling (Yuan, Yang, Gu: "Partial Order Aware Concurrency Sampling",
//! CAV 2018).
//!
//! Every pending *event* (a thread's next step) gets a random priority; the enabled event with
//! the highest priority runs. After an event ran, its thread's next event gets a fresh priority,
//! and so does every pending event that *races* with it — accesses a key it accessed, one of
//! them writing ([`access::dependent`](crate::access::dependent), the executed step's accesses
//! from [`Decision::accesses`] against the pending steps' static ones, [`pending`](super::pending)).
//! Events that do not race keep their priorities, so a thread waiting on an unrelated object is
//! not re-rolled at every step of the others.
//!
//! **Guarantee.** The paper proves a lower bound on the probability of sampling each partial
//! order of an execution that, unlike a random walk's, does not shrink with the number of
//! independent steps of other threads around the racing events — exponentially better than a
//! random walk on programs whose threads differ in length. The textbook case, tested below: a
//! short thread's write that must come after a long thread's `n` independent steps and its own
//! write of the same object is hit with probability 1/(n+2) per execution (the short thread's
//! priority stands until a racing event runs), by a random walk with probability 2^-(n+1). As in
//! Fray's POS, a thread's first step (which touches nothing shared) runs as soon as it can: it
//! commutes with every other step.
//!
//! Option decisions (a fault firing, a notification's target) are drawn as in the random walk.

use super::pending;
use super::seeded::Seeded;
use super::{Decision, Ended, Indices, OptionKind, Pick, Scheduler};
use crate::access::Access;
use crate::op::{OpKind, ThreadId};

/// The POS strategy.
#[derive(Debug)]
pub(crate) struct Pos {
    draws: Seeded,
    /// Priority of each thread's pending event (higher runs first).
    priorities: Vec<u64>,
    scratch: Vec<Access>,
}

impl Pos {
    pub(crate) fn new(seed: u64, indices: Indices, fault_probability: f64) -> Self {
        Self {
            draws: Seeded::new(seed, indices, fault_probability),
            priorities: Vec::new(),
            scratch: Vec::new(),
        }
    }

    /// The last step ran: its thread has a new pending event, and the pending events racing
    /// with it are re-drawn.
    fn redraw(&mut self, decision: &Decision<'_>) {
        while self.priorities.len() < decision.threads.len() {
            self.priorities.push(self.draws.rng.next_u64());
        }
        let Some(last) = decision.last else {
            return;
        };
        self.priorities[last] = self.draws.rng.next_u64();
        for (thread, view) in decision.threads.iter().enumerate() {
            if thread != last
                && !view.finished
                && pending::races(&mut self.scratch, view, thread, decision.accesses)
            {
                self.priorities[thread] = self.draws.rng.next_u64();
            }
        }
    }
}

impl Scheduler for Pos {
    fn next_execution(&mut self) -> bool {
        self.priorities.clear();
        self.draws.next_execution().is_some()
    }

    fn pick_thread(&mut self, decision: &Decision<'_>) -> Pick {
        self.redraw(decision);
        let priority = |t: &ThreadId| self.priorities[*t];
        let starting = decision
            .enabled()
            .filter(|&t| decision.threads[t].next.kind == OpKind::Start)
            .max_by_key(priority);
        let chosen = starting.or_else(|| decision.enabled().max_by_key(priority));
        Pick::Thread(chosen.expect("a decision has an enabled thread"))
    }

    fn pick_option(&mut self, kind: OptionKind, n: usize, _: ThreadId) -> Result<usize, String> {
        Ok(self.draws.pick_option(kind, n))
    }

    fn end_execution(&mut self, _: Ended, _: usize) {}
}

#[cfg(test)]
mod tests {
    use super::super::textbook::{found, late_write};
    use crate::Builder;

    /// A short thread's write after a long thread's 20 independent steps and its write: about
    /// 1 in 22 POS executions, 1 in 2^21 random walks.
    #[test]
    fn finds_a_write_after_many_independent_steps() {
        let pos = found(Builder::pos(300).seed(1), late_write(20));
        assert!(pos.is_some(), "POS missed it in 300 executions");
        let random = found(Builder::random(3_000).seed(1), late_write(20));
        assert_eq!(
            random, None,
            "a random walk is not expected to hit 1 in 2^21"
        );
    }
}
