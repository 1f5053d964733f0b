//! The scheduler core's invariants, asserted where they must hold — on every state change, every
//! start and every barrier that opens — so every schedule the checkers explore checks the rules
//! of the [module docs](super), not only the tests' oracles. Debug builds only.
//!
//! Costs: a start walks the job's ancestors (its depth), a barrier that opens walks its node's
//! subtree once; both are bounded by work the scheduler does anyway (entering that path and
//! that subtree).

use super::{JobState, Sched, CLEARED, JOB_TRANSITIONS, PARKED, SPENT};
use crate::tasktree::tree::{BARRIER, PASS, ROOT};

impl<K: Ord> Sched<'_, K> {
    /// Move `job` to `to`, asserting that the change is in [`JOB_TRANSITIONS`]: a job is made
    /// available once, started once and completed once, and never goes back.
    #[inline]
    pub(super) fn set_state(&mut self, job: u32, to: JobState) {
        let from = self.state[job as usize];
        debug_assert!(
            JOB_TRANSITIONS.contains(&(from, to)),
            "job {job}: state changed along {from} -> {to}, which the rules do not permit"
        );
        self.state[job as usize] = to;
    }

    /// `job` is about to start: it is available, its nearest ancestor job (if any) completed
    /// with `no_skip`, and no barrier on its path is still closed.
    pub(super) fn check_may_run(&self, job: u32) {
        if !crate::invariant::enabled() {
            return;
        }
        debug_assert_eq!(self.state[job as usize], JobState::Available);
        let tree = self.tree;
        let mut node = tree.job_node(job);
        let mut nearest_job_seen = false;
        while node != ROOT {
            let parent = tree.parent(node);
            match tree.kind(node) {
                BARRIER => debug_assert!(
                    tree.single_child(parent) || self.flags[parent as usize] & SPENT != 0,
                    "job {job} starts below the closed barrier of node {parent}"
                ),
                PASS => {}
                ancestor if ancestor != job && !nearest_job_seen => {
                    nearest_job_seen = true;
                    debug_assert_eq!(
                        self.state[ancestor as usize],
                        JobState::Done,
                        "job {job} starts before its nearest ancestor job {ancestor} completed"
                    );
                }
                _ => {}
            }
            node = parent;
        }
    }

    /// The parked barrier child `barrier` of `node` is about to open: nothing is outstanding below
    /// `node`, no skip cleared it, it has not opened before, and every job in `node`'s subtree
    /// outside the barrier's completed with `no_skip`.
    pub(super) fn check_barrier_opens(&self, node: u32, barrier: u32) {
        if !crate::invariant::enabled() {
            return;
        }
        let flags = self.flags[node as usize];
        debug_assert_eq!(
            self.pending[node as usize], 0,
            "node {node} has work outstanding"
        );
        debug_assert_eq!(
            flags & CLEARED,
            0,
            "a skip below node {node} cleared its barrier"
        );
        debug_assert_ne!(flags & PARKED, 0, "node {node} has no parked barrier");
        let tree = self.tree;
        let beside = (node + 1..barrier).chain(tree.end(barrier)..tree.end(node));
        for other in beside {
            let kind = tree.kind(other);
            if kind != PASS && kind != BARRIER {
                debug_assert_eq!(
                    self.state[kind as usize],
                    JobState::Done,
                    "the barrier of node {node} opens before job {kind} completed"
                );
            }
        }
    }
}
