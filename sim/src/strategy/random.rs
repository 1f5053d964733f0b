//! Random walk: at every decision, a uniformly random runnable thread; faults fire with a fixed
//! probability while the budget lasts. Execution `i` of a run is seeded with `mix(seed, i)`, so
//! any one execution can be re-run alone and a run can be split across shards.

use super::{Decision, Ended, Indices, OptionKind, Pick, Scheduler};
use crate::op::ThreadId;
use crate::rng::{mix, Rng};

/// The random-walk strategy.
#[derive(Debug)]
pub(crate) struct RandomWalk {
    seed: u64,
    indices: Indices,
    /// Executions the run has in all.
    total: usize,
    rng: Rng,
    fault_probability: f64,
}

impl RandomWalk {
    /// Run the executions whose index is in `indices` (all of `0..iterations`, or a shard's).
    pub(crate) fn new(seed: u64, indices: Indices, fault_probability: f64) -> Self {
        Self {
            seed,
            total: indices.len(),
            indices,
            rng: Rng::new(seed),
            fault_probability,
        }
    }
}

impl Scheduler for RandomWalk {
    fn next_execution(&mut self) -> bool {
        match self.indices.next() {
            Some(index) => {
                self.rng = Rng::new(mix(self.seed, index as u64));
                true
            }
            None => false,
        }
    }

    fn pick_thread(&mut self, decision: &Decision<'_>) -> Pick {
        let count = decision.enabled().count();
        let chosen = decision.enabled().nth(self.rng.below(count));
        Pick::Thread(chosen.expect("a decision has an enabled thread"))
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

    fn end_execution(&mut self, _: Ended, _: usize) {}
}
