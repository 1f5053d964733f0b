//! URW and SURW — (selectively) uniform random walk over interleavings (Zhao, Wolff, Mathur,
//! Roychoudhury: "Selectively Uniform Concurrency Testing", ASPLOS 2025; shuttle ships URW).
//!
//! A random walk picks a uniformly random runnable thread, which makes interleavings where a
//! short thread runs late exponentially unlikely. **URW** picks each thread with probability
//! proportional to the number of steps it has *left* (its own, plus those of the threads it will
//! spawn), which samples the interleavings of the threads' steps uniformly when the counts are
//! right. They are estimated from the earlier executions of the run: per thread (threads are
//! named by spawn order), the mean number of steps it took, and who spawned it. The first
//! execution knows nothing and is a plain random walk.
//!
//! **SURW** applies the weighting to the *events of interest* only: steps that touch an object
//! (a [`Key`](crate::access::Key)) that more than one thread touched in an earlier execution.
//! A step that is not of interest runs first (it commutes with the other threads' steps, as far
//! as the run has seen), and among threads whose next step is of interest the weight is the
//! number of interesting steps left. Interleavings of the interesting steps are then sampled
//! uniformly, however many private steps surround them.
//!
//! **Guarantee** (the paper's, for exact counts): every interleaving of the (interesting) steps
//! is sampled with the same probability, 1 / (the number of interleavings). The textbook case,
//! tested below: one thread writes an object once, another writes it `n` times; "the single
//! write comes last" has probability 1/(n+1) under URW and 2^-n under a random walk. With
//! estimated counts the distribution is only approximately uniform.
//!
//! Option decisions (a fault firing, a notification's target) are drawn as in the random walk.

use super::pending;
use super::seeded::Seeded;
use super::{Decision, Ended, Indices, OptionKind, Pick, Scheduler};
use crate::access::{self, Access, Key};
use crate::op::ThreadId;
use std::collections::HashMap;

/// What the run learned about one thread (by id) from earlier executions.
#[derive(Debug, Clone, Copy, Default)]
struct Learned {
    /// Executions the thread took part in.
    runs: u64,
    /// Its (interesting) steps over those executions.
    steps: u64,
    /// The thread that spawned it, last seen.
    parent: Option<ThreadId>,
}

impl Learned {
    fn mean(&self) -> u64 {
        self.steps.checked_div(self.runs).unwrap_or(0)
    }
}

/// The URW / SURW strategy.
#[derive(Debug)]
pub(crate) struct Urw {
    draws: Seeded,
    /// Weigh only the events of interest (SURW).
    selective: bool,
    learned: Vec<Learned>,
    /// Estimated (interesting) steps of each thread's subtree, from `learned`.
    estimates: Vec<u64>,
    /// Keys touched by more than one thread so far, and otherwise the one thread that did.
    sharers: HashMap<Key, Option<ThreadId>>,
    // The current execution.
    /// (Interesting) steps left, by thread.
    remaining: Vec<u64>,
    /// (Interesting) steps taken, and the spawner, by thread.
    taken: Vec<(u64, Option<ThreadId>)>,
    scratch: Vec<Access>,
}

impl Urw {
    pub(crate) fn new(
        seed: u64,
        indices: Indices,
        fault_probability: f64,
        selective: bool,
    ) -> Self {
        Self {
            draws: Seeded::new(seed, indices, fault_probability),
            selective,
            learned: Vec::new(),
            estimates: Vec::new(),
            sharers: HashMap::new(),
            remaining: Vec::new(),
            taken: Vec::new(),
            scratch: Vec::new(),
        }
    }

    /// Estimate, from earlier executions, the steps of every thread and of the threads it
    /// spawns (children have higher ids than their spawner: ids follow spawn order).
    fn estimate(&mut self) {
        self.estimates.clear();
        self.estimates
            .extend(self.learned.iter().map(Learned::mean));
        for child in (1..self.learned.len()).rev() {
            if let Some(parent) = self.learned[child].parent.filter(|&p| p < child) {
                self.estimates[parent] += self.estimates[child];
            }
        }
    }

    /// Threads that appeared since the last decision take their share from their spawner.
    fn admit_new_threads(&mut self, decision: &Decision<'_>) {
        while self.remaining.len() < decision.threads.len() {
            let thread = self.remaining.len();
            let parent = decision.last.filter(|_| thread > 0);
            let share = self.estimates.get(thread).copied().unwrap_or(0).max(1);
            if let Some(p) = parent {
                self.remaining[p] = self.remaining[p].saturating_sub(share).max(1);
            }
            self.remaining.push(share);
            self.taken.push((0, parent));
        }
    }

    /// Learn from the last step who touches which key (SURW's events of interest).
    fn learn_sharers(&mut self, decision: &Decision<'_>) {
        let Some(last) = decision.last else {
            return;
        };
        for a in decision.accesses {
            let sharer = self.sharers.entry(a.key).or_insert(Some(last));
            if *sharer != Some(last) {
                *sharer = None;
            }
        }
    }

    /// Is `thread`'s next step an event of interest? (Always, for URW.)
    fn interesting(&mut self, decision: &Decision<'_>, thread: ThreadId) -> bool {
        if !self.selective {
            return true;
        }
        pending::accesses(&mut self.scratch, &decision.threads[thread], thread);
        self.scratch
            .iter()
            .any(|a| a.key != access::ANY && matches!(self.sharers.get(&a.key), Some(None)))
    }

    /// A thread drawn with probability proportional to its remaining steps.
    fn weighted(&mut self, candidates: &[ThreadId]) -> ThreadId {
        let total: u64 = candidates.iter().map(|&t| self.remaining[t].max(1)).sum();
        let mut point = self.draws.rng.next_u64() % total;
        for &t in candidates {
            let weight = self.remaining[t].max(1);
            if point < weight {
                return t;
            }
            point -= weight;
        }
        unreachable!("the point lies below the total weight")
    }
}

impl Scheduler for Urw {
    fn next_execution(&mut self) -> bool {
        self.remaining.clear();
        self.taken.clear();
        self.estimate();
        self.draws.next_execution().is_some()
    }

    fn pick_thread(&mut self, decision: &Decision<'_>) -> Pick {
        self.admit_new_threads(decision);
        if self.selective {
            self.learn_sharers(decision);
        }
        let enabled: Vec<ThreadId> = decision.enabled().collect();
        let (plain, weighed): (Vec<ThreadId>, Vec<ThreadId>) = enabled
            .iter()
            .partition(|&&t| !self.interesting(decision, t));
        let chosen = if plain.is_empty() {
            self.weighted(&weighed)
        } else {
            plain[self.draws.rng.below(plain.len())]
        };
        if plain.is_empty() {
            self.remaining[chosen] = self.remaining[chosen].saturating_sub(1).max(1);
            self.taken[chosen].0 += 1;
        }
        Pick::Thread(chosen)
    }

    fn pick_option(&mut self, kind: OptionKind, n: usize, _: ThreadId) -> Result<usize, String> {
        Ok(self.draws.pick_option(kind, n))
    }

    fn end_execution(&mut self, _: Ended, _: usize) {
        for (thread, &(steps, parent)) in self.taken.iter().enumerate() {
            if self.learned.len() <= thread {
                self.learned.resize(thread + 1, Learned::default());
            }
            let learned = &mut self.learned[thread];
            learned.runs += 1;
            learned.steps += steps;
            learned.parent = parent;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::textbook::{found, median_found, uneven};
    use crate::Builder;

    /// Shuttle's uneven workload: a single store after 25 stores of another thread — about 1
    /// in 26 URW executions, 1 in 2^25 random walks.
    #[test]
    fn urw_finds_a_single_store_after_many() {
        let urw = found(Builder::urw(500).seed(1), uneven(25, 0));
        assert!(urw.is_some(), "URW missed it in 500 executions");
        let random = found(Builder::random(3_000).seed(1), uneven(25, 0));
        assert_eq!(
            random, None,
            "a random walk is not expected to hit 1 in 2^25"
        );
    }

    /// The same with 8 private steps before each shared store: URW weighs them too (the single
    /// store comes last about 1 in 90), SURW weighs the 10 shared stores only (1 in 11).
    #[test]
    fn surw_weighs_only_the_events_of_interest() {
        let surw = median_found(0..9, |seed| Builder::surw(2_000).seed(seed), uneven(10, 8));
        let urw = median_found(0..9, |seed| Builder::urw(2_000).seed(seed), uneven(10, 8));
        assert!(surw <= 40, "SURW median {surw}");
        assert!(surw * 2 < urw, "SURW median {surw}, URW median {urw}");
    }
}
