//! The scheduler core: a pure state machine over a [`TaskTree`] — which jobs are available, in
//! which order they start, and what a completion unblocks. No threads, no time: every executor
//! (thread pool, inline, async, virtual time) drives this same code, and proptest drives it
//! directly.
//!
//! Rules (the module guarantees these; the unit tests check each one):
//! - A job becomes available when its nearest ancestor job completes with `no_skip`; components
//!   that are not jobs are passed through at once.
//! - [`Sched::pop`] returns the available job with the smallest `(priority, name)`. The priority
//!   function is called once per job, when it becomes available; the jobs one operation unblocks
//!   become available in name order.
//! - Barriers: a barrier child of node `X` is *parked* when `X` is entered (unless it is `X`'s
//!   only child, which is entered at once) and *opened* when everything entered below `X` has
//!   completed with `no_skip` — `pending[X]` counts `X`'s children with work outstanding. A skip
//!   marks the skipped node and all its ancestors as cleared: their barriers never open.
//! - Everything is iterative with explicit stacks: a path a million components deep neither
//!   recurses nor walks more than once per skip (each ancestor is cleared at most once).
//!
//! Inline invariants (debug builds; see `sched/invariants.rs`): every job state change follows
//! [`JOB_TRANSITIONS`]; a job starts only after its nearest ancestor job completed and never
//! below a barrier that has not opened; a barrier opens only when its node has no work
//! outstanding, no skip cleared it, and every job beside it completed.
//!
//! This mirrors bzfs' `_complete_job_with_barriers` step for step, with one deliberate
//! difference: a barrier also opens when its node is *entered* with no work below it (bzfs
//! waits for a completion that never comes, and lets the barriers above it open although the
//! barrier's jobs never ran — see `enqueue_children`). Without barrier components it reduces to
//! "enqueue the children of a completed job".

use super::tree::{TaskTree, BARRIER, PASS, ROOT};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fmt;

/// Orders available jobs: the smallest `(key, name)` starts first.
///
/// Implemented for every `FnMut(&str) -> K` with `K: Ord`, and by [`ByName`] (name order only).
/// Called on the coordinating thread, once per job, when the job becomes available — so a
/// stateful key such as a counter orders "queued earlier" before "unblocked later".
pub trait Priority {
    /// The sort key; ties are broken by name.
    type Key: Ord;
    /// The key of the job `name`, which just became available.
    fn key(&mut self, name: &str) -> Self::Key;
}

/// The default priority: by name alone (lexicographic order).
#[derive(Debug, Clone, Copy, Default)]
pub struct ByName;

impl Priority for ByName {
    type Key = ();
    #[inline]
    fn key(&mut self, _name: &str) {}
}

impl<K: Ord, F: FnMut(&str) -> K> Priority for F {
    type Key = K;
    #[inline]
    fn key(&mut self, name: &str) -> K {
        self(name)
    }
}

/// Where a job is in one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum JobState {
    /// Waiting for an ancestor job or a barrier (or never reached).
    Blocked,
    /// Available: queued by priority.
    Available,
    /// Handed to an executor.
    Running,
    /// Completed with `no_skip = true`.
    Done,
    /// Completed with `no_skip = false`: its subtree is skipped.
    Skipped,
}

impl fmt::Display for JobState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// Every permitted job state change: `Blocked -> Available -> Running -> Done | Skipped`.
pub(crate) const JOB_TRANSITIONS: [(JobState, JobState); 4] = [
    (JobState::Blocked, JobState::Available),
    (JobState::Available, JobState::Running),
    (JobState::Running, JobState::Done),
    (JobState::Running, JobState::Skipped),
];

/// A job asked to move between states the rules do not connect.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("job {job}: illegal transition {from} -> {to}")]
pub(crate) struct IllegalTransition {
    /// The job's index.
    pub(crate) job: u32,
    /// Its state.
    pub(crate) from: JobState,
    /// The state asked for.
    pub(crate) to: JobState,
}

/// Per-node flag: a barrier child is parked here (closed).
const PARKED: u8 = 1;
/// Per-node flag: the barrier slot is used up (opened, or cleared by a skip): never open again.
const SPENT: u8 = 2;
/// Per-node flag: this node and all its ancestors are cleared by a skip below.
const CLEARED: u8 = 4;

/// One level of the iterative "enqueue children" walk.
struct Frame {
    node: u32,
    next_child: u32,
    made_available: u32,
}

/// The state of one run over a tree.
pub(crate) struct Sched<'t, K> {
    tree: &'t TaskTree,
    /// Per node: children with work outstanding.
    pending: Vec<u32>,
    /// Per node: `PARKED | SPENT | CLEARED`.
    flags: Vec<u8>,
    /// Per job.
    state: Vec<JobState>,
    /// Available jobs by `(key, job index)`; job index order is name order.
    available: BinaryHeap<Reverse<(K, u32)>>,
    /// Scratch: jobs unblocked by the current operation.
    unblocked: Vec<u32>,
    /// Scratch: the explicit stack of the enqueue walk.
    frames: Vec<Frame>,
    /// The job whose key is being computed (names the job if the priority function panics).
    keying: Option<u32>,
}

impl<'t, K: Ord> Sched<'t, K> {
    /// A fresh run: nothing available until [`Sched::start`].
    pub(crate) fn new(tree: &'t TaskTree) -> Self {
        Self {
            tree,
            pending: vec![0; tree.node_count()],
            flags: vec![0; tree.node_count()],
            state: vec![JobState::Blocked; tree.len()],
            available: BinaryHeap::new(),
            unblocked: Vec::new(),
            frames: Vec::new(),
            keying: None,
        }
    }

    /// Enter the synthetic root: make the top-level jobs available.
    pub(crate) fn start<P: Priority<Key = K>>(&mut self, priority: &mut P) {
        self.complete_node(ROOT, true);
        self.publish(priority);
    }

    /// Whether any job is available.
    #[inline]
    pub(crate) fn has_available(&self) -> bool {
        !self.available.is_empty()
    }

    /// Take the available job with the smallest `(priority, name)`; it is now running.
    pub(crate) fn pop(&mut self) -> Option<u32> {
        let Reverse((_, job)) = self.available.pop()?;
        self.check_may_run(job);
        self.set_state(job, JobState::Running);
        Some(job)
    }

    /// A running job finished; `no_skip = false` skips its subtree.
    pub(crate) fn complete<P: Priority<Key = K>>(
        &mut self,
        job: u32,
        no_skip: bool,
        priority: &mut P,
    ) -> Result<(), IllegalTransition> {
        let to = if no_skip {
            JobState::Done
        } else {
            JobState::Skipped
        };
        let from = self.state(job);
        if from != JobState::Running {
            return Err(IllegalTransition { job, from, to });
        }
        self.set_state(job, to);
        self.complete_node(self.tree.job_node(job), no_skip);
        self.publish(priority);
        Ok(())
    }

    /// The state of `job`.
    pub(crate) fn state(&self, job: u32) -> JobState {
        self.state[job as usize]
    }

    /// Give the jobs unblocked by the last operation their keys, in name order, and queue them.
    fn publish<P: Priority<Key = K>>(&mut self, priority: &mut P) {
        self.unblocked.sort_unstable();
        for &job in &self.unblocked {
            self.keying = Some(job);
            let key = priority.key(self.tree.name(job as usize));
            self.available.push(Reverse((key, job)));
        }
        self.unblocked.clear();
        self.keying = None;
    }

    /// The job whose key was being computed when the priority function last failed to return.
    pub(crate) fn keying(&self) -> Option<u32> {
        self.keying
    }

    /// bzfs' completion step for `node` (a job, or the root at start).
    fn complete_node(&mut self, mut node: u32, no_skip: bool) {
        if no_skip {
            self.enqueue_children(node);
        } else {
            self.clear_barriers_upward(node);
        }
        while self.pending[node as usize] == 0 {
            let flags = self.flags[node as usize];
            if no_skip && flags & (PARKED | SPENT) == PARKED {
                let barrier = self.barrier_child(node);
                self.check_barrier_opens(node, barrier);
                let n = self.enqueue_children(barrier);
                self.pending[node as usize] += n.min(1);
            }
            self.flags[node as usize] |= SPENT;
            if self.pending[node as usize] > 0 || node == ROOT {
                break; // the opened barrier added work, or the whole tree is complete
            }
            node = self.tree.parent(node);
            debug_assert!(self.pending[node as usize] > 0);
            self.pending[node as usize] -= 1;
        }
    }

    /// Mark `node` and its ancestors cleared (their barriers never open); stops at the first
    /// ancestor already cleared, whose ancestors are cleared too, so each node is visited once.
    fn clear_barriers_upward(&mut self, mut node: u32) {
        loop {
            let flags = &mut self.flags[node as usize];
            if *flags & CLEARED != 0 {
                return;
            }
            *flags |= CLEARED | SPENT;
            if node == ROOT {
                return;
            }
            node = self.tree.parent(node);
        }
    }

    /// The barrier child of `node` (which has one parked).
    fn barrier_child(&self, node: u32) -> u32 {
        let mut child = node + 1;
        while child < self.tree.end(node) {
            if self.tree.kind(child) == BARRIER {
                return child;
            }
            child = self.tree.end(child);
        }
        unreachable!("node {node} has a parked barrier but no barrier child")
    }

    /// Enter `start`'s children (bzfs' `enqueue_children`, iteratively): jobs become available,
    /// pass-through components and only-child barriers are entered, other barriers are parked.
    /// Returns how many jobs became available below `start`.
    fn enqueue_children(&mut self, start: u32) -> u32 {
        let tree = self.tree;
        self.frames.push(Frame {
            node: start,
            next_child: start + 1,
            made_available: 0,
        });
        loop {
            let top = self.frames.last_mut().expect("a frame");
            let node = top.node;
            if top.next_child < tree.end(node) {
                let child = top.next_child;
                top.next_child = tree.end(child);
                match tree.kind(child) {
                    PASS => self.push_frame(child),
                    BARRIER if tree.single_child(node) => self.push_frame(child),
                    BARRIER => {
                        debug_assert_eq!(self.flags[node as usize] & PARKED, 0);
                        self.flags[node as usize] |= PARKED;
                    }
                    job => {
                        top.made_available += 1;
                        self.set_state(job, JobState::Available);
                        self.unblocked.push(job);
                        self.pending[node as usize] += 1;
                    }
                }
            } else if self.pending[node as usize] == 0
                && self.flags[node as usize] & (PARKED | SPENT) == PARKED
            {
                // Every child of `node` is entered and none has work: its non-barrier subtree
                // is complete (it holds no job that could still run), so its barrier opens now.
                // bzfs opens barriers only on the path of a completion, so a barrier whose
                // siblings hold no job (only a listed barrier leaf such as `a/b/~`) never
                // opened there — and the barriers above it opened too early.
                self.flags[node as usize] |= SPENT;
                let barrier = self.barrier_child(node);
                self.check_barrier_opens(node, barrier);
                self.push_frame(barrier);
            } else {
                let done = self.frames.pop().expect("a frame");
                match self.frames.last_mut() {
                    Some(parent) => {
                        self.pending[parent.node as usize] += done.made_available.min(1);
                        parent.made_available += done.made_available;
                    }
                    None => return done.made_available,
                }
            }
        }
    }

    fn push_frame(&mut self, node: u32) {
        self.frames.push(Frame {
            node,
            next_child: node + 1,
            made_available: 0,
        });
    }
}

mod invariants;
#[cfg(test)]
mod tests;
