//! What every randomised strategy shares: which executions it runs (all of a run's, or a
//! shard's), a generator re-seeded per execution with `mix(seed, index)` — so any one execution
//! can be re-run alone and a run split across shards — and the answers to option decisions
//! (a fault fires with the run's fault probability; a `notify_one` wakes a uniformly random
//! waiter).

use super::{Indices, OptionKind};
use crate::rng::{mix, Rng};

/// A run's seed, its execution indices and the current execution's generator.
#[derive(Debug)]
pub(crate) struct Seeded {
    seed: u64,
    indices: Indices,
    fault_probability: f64,
    /// The current execution's generator.
    pub(crate) rng: Rng,
}

impl Seeded {
    pub(crate) fn new(seed: u64, indices: Indices, fault_probability: f64) -> Self {
        Seeded {
            seed,
            indices,
            fault_probability,
            rng: Rng::new(seed),
        }
    }

    /// Start the next execution: its index, with the generator re-seeded for it; `None` when
    /// the run's executions are done.
    pub(crate) fn next_execution(&mut self) -> Option<usize> {
        let index = self.indices.next()?;
        self.rng = Rng::new(mix(self.seed, index as u64));
        Some(index)
    }

    /// The answer to an option decision with `n` options.
    pub(crate) fn pick_option(&mut self, kind: OptionKind, n: usize) -> usize {
        match kind {
            OptionKind::Fault => usize::from(self.rng.chance(self.fault_probability)),
            OptionKind::NotifyTarget => self.rng.below(n),
        }
    }
}
