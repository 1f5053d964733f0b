//! PCT (probabilistic concurrency testing, Burckhardt et al., ASPLOS 2010): every thread gets a
//! random priority, the highest-priority runnable thread runs, and at `depth - 1` random steps
//! the running thread drops to a low priority. A bug that needs `d` ordering constraints is found
//! in each execution with probability at least 1 / (n · k^(d-1)) (n threads, k steps).
//!
//! A new thread gets a priority at a uniformly random rank among the existing ones — it may
//! outrank its creator (shuttle 0.9 always ranks the first spawned thread last, which makes
//! "the child runs before the parent continues" unreachable). A thread that yields drops to the
//! lowest priority, so spin loops cannot starve everyone else.

use super::{Decision, Ended, Indices, OptionKind, Pick, Scheduler};
use crate::op::{OpKind, ThreadId};
use crate::rng::{mix, Rng};

/// The PCT strategy.
#[derive(Debug)]
pub(crate) struct Pct {
    seed: u64,
    depth: usize,
    indices: Indices,
    /// Executions the run has in all.
    total: usize,
    rng: Rng,
    fault_probability: f64,
    /// Priority by thread (higher runs first). Initial priorities are ≥ `depth`; change points
    /// assign `depth - j` for the j-th change point; a yield assigns 0.
    priorities: Vec<u64>,
    /// Steps at which the running thread is deprioritised, sorted.
    change_points: Vec<usize>,
    /// Longest execution seen so far (the `k` of the analysis).
    max_steps: usize,
}

impl Pct {
    pub(crate) fn new(seed: u64, depth: usize, indices: Indices, fault_probability: f64) -> Self {
        Self {
            seed,
            depth: depth.max(1),
            total: indices.len(),
            indices,
            rng: Rng::new(seed),
            fault_probability,
            priorities: Vec::new(),
            change_points: Vec::new(),
            max_steps: 32,
        }
    }

    fn assign_new_threads(&mut self, count: usize) {
        while self.priorities.len() < count {
            let priority = self.depth as u64 + (self.rng.next_u64() >> 1);
            self.priorities.push(priority);
        }
    }
}

impl Scheduler for Pct {
    fn next_execution(&mut self) -> bool {
        let Some(index) = self.indices.next() else {
            return false;
        };
        self.rng = Rng::new(mix(self.seed, index as u64));
        self.priorities.clear();
        let mut points = Vec::with_capacity(self.depth.saturating_sub(1));
        while points.len() + 1 < self.depth && points.len() < self.max_steps {
            let step = 1 + self.rng.below(self.max_steps);
            if !points.contains(&step) {
                points.push(step);
            }
        }
        points.sort_unstable();
        self.change_points = points;
        true
    }

    fn pick_thread(&mut self, decision: &Decision<'_>) -> Pick {
        self.assign_new_threads(decision.threads.len());
        if let Some(last) = decision.last {
            if let Some(j) = self.change_points.iter().position(|&s| s == decision.step) {
                self.priorities[last] = (self.depth - 1 - j) as u64;
            }
        }
        let chosen = decision
            .enabled()
            .max_by_key(|&t| self.priorities[t])
            .expect("a decision has an enabled thread");
        if matches!(
            decision.threads[chosen].next.kind,
            OpKind::Yield | OpKind::Sleep
        ) {
            self.priorities[chosen] = 0;
        }
        Pick::Thread(chosen)
    }

    fn pick_option(&mut self, kind: OptionKind, n: usize, _: ThreadId) -> Result<usize, String> {
        Ok(match kind {
            OptionKind::Fault => usize::from(self.rng.chance(self.fault_probability)),
            OptionKind::NotifyTarget => self.rng.below(n),
        })
    }

    fn estimate(&self) -> Option<f64> {
        Some(self.total as f64)
    }

    fn end_execution(&mut self, _: Ended, steps: usize) {
        self.max_steps = self.max_steps.max(steps);
    }
}
