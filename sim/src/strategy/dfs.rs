//! Exhaustive depth-first search with dynamic partial-order reduction.
//!
//! Stateless model checking: each execution is re-run from the start, following the choices of
//! a path in the exploration tree, then extending it. Reductions, after Flanagan & Godefroid
//! ("Dynamic partial-order reduction", POPL 2005):
//! - **Backtrack sets.** Before every decision, for each thread `p` and its next operation, find
//!   the latest earlier step that is dependent with it (same object, one of them writes) and not
//!   ordered before `p` by happens-before (vector clocks); only there is it worth trying `p`
//!   first. Only backtrack points found this way are explored.
//!
//! Sleep sets are deliberately not used: combined with blocking operations (joins) our
//! implementation of them lost executions in the differential check against full enumeration
//! (`dpor_check`), and a reduction that loses behaviours is worse than none.
//! - **Preemption bound** (optional). A choice that would switch away from a runnable thread
//!   beyond the bound is not explored; neither is a `notify_one` waking any waiter but the
//!   longest waiting (option 0) — a deviation from the default schedule counts as a
//!   preemption wherever it is made. The bound makes otherwise independent steps dependent (a
//!   preemption spent early may be what a later reversal needs), so every thread DPOR adds at a
//!   race is also added at the latest earlier context switch, where choosing it may cost
//!   nothing (Coons et al.'s conservative branch, "Bounded partial-order reduction", OOPSLA
//!   2013). Adding it there only when the race point itself was over the bound lost states
//!   reachable within the bound (the differential check against enumeration of every
//!   interleaving within the bound, `dpor_check`, found it).
//! - **Locks.** A blocking lock acquisition (or the re-lock after a condvar wait) never races
//!   with the release it waited for — it could not run before it — but with the acquisition
//!   that began that critical section, where both could lock (Flanagan & Godefroid's
//!   "co-enabled"). A `try_lock` races with everything on its mutex, a condvar wait's release
//!   of it included: the wait's operation names the condvar, so its release is read off the
//!   step's recorded accesses and its races found once it has run.
//! - **Stages.** The search first runs the executions without preemption (a handful: a bug
//!   that needs none shows at once), then the whole bound. Every bound in between (iterative
//!   bounding) would find a bug needing fewer preemptions than the bound sooner — the lost
//!   wakeup at bound 2 in 6 executions instead of 12 — but re-runs each stage's executions in
//!   the next, which a verifying run pays for (10 % of the bounded queue at bound 2). A failure
//!   is shrunk to the fewest preemptions anyway: the shrinker uses [`Dfs::iterative`], every
//!   bound from 0 up, each from scratch.
//!
//! - **Incremental.** Consecutive executions share the path up to the decision that changed.
//!   Its steps keep their happens-before state (each step records how to undo what it did to
//!   the clocks and object histories; only the steps after that decision are undone) and their
//!   races (added when each decision's node was made — the same state — into backtrack sets
//!   that only grow), so they are neither re-applied nor re-analysed, and the executor replays
//!   them from the mask of runnable threads alone.
//!
//! Option decisions (which waiter `notify_one` wakes, whether a fault fires) are tree nodes
//! whose every option within the bound is explored. When no branch is left the search is
//! *exhausted*: within the bound, every behaviour of the program has been covered.

use super::clock::VClock;
use super::fastmap::FastMap;
use super::{Decision, Ended, OptionKind, Pick, Scheduler, ThreadView};
use crate::access::{Key, Role};
use crate::op::{Op, OpKind, ThreadId};
use smallvec::SmallVec;

/// Thread ids above this cannot be tracked in the bit sets.
const MAX_THREADS: usize = 64;

#[derive(Debug, Clone)]
enum NodeKind {
    /// A thread decision: each thread's next operation at this point (`None`: finished).
    Thread { ops: Vec<Option<Op>> },
    /// An option decision. `wake`: which waiter a `notify_one` wakes — option 0, the
    /// longest waiting, is the default, any other counts as a preemption.
    Option { wake: bool },
}

#[derive(Debug, Clone)]
struct Node {
    kind: NodeKind,
    enabled: u64,
    chosen: usize,
    backtrack: u64,
    done: u64,
    /// Thread that ran the step before this decision.
    previous: Option<ThreadId>,
    /// Preemptions on the path before this decision.
    preemptions: usize,
}

impl Node {
    /// Is choosing `t` here a preemption (a deviation from the default schedule)?
    fn preempts(&self, t: ThreadId) -> bool {
        match (&self.kind, self.previous) {
            (NodeKind::Option { wake }, _) => *wake && t != 0,
            (NodeKind::Thread { ops }, Some(previous)) => {
                previous != t
                    && self.enabled & bit(previous) != 0
                    && !matches!(
                        ops.get(previous).copied().flatten().map(|op| op.kind),
                        Some(OpKind::Yield | OpKind::Sleep)
                    )
            }
            _ => false,
        }
    }
}

fn bit(t: usize) -> u64 {
    1u64 << t
}

fn bits(set: u64) -> impl Iterator<Item = usize> {
    (0..64).filter(move |&t| set & bit(t) != 0)
}

/// One access to an object, for happens-before and the DPOR search.
#[derive(Debug, Clone)]
struct Access {
    /// Index into `steps`.
    step: usize,
    clock: VClock,
}

#[derive(Debug, Clone, Default)]
struct ObjectHistory {
    last_write: Option<Access>,
    reads: Vec<Access>,
    /// The latest acquisition of a mutex (a lock, a re-lock after a wait, a `try_lock` that
    /// took it).
    last_acquire: Option<Access>,
    /// Was the last write a release of the mutex (an unlock, a condvar wait's)?
    released: bool,
}

impl ObjectHistory {
    /// Order a step after the accesses it depends on: the last write, and — if it `writes` —
    /// the reads since.
    fn order_after(&self, clock: &mut VClock, writes: bool) {
        let reads = self.reads.iter().filter(|_| writes);
        for a in self.last_write.iter().chain(reads) {
            clock.join(&a.clock);
        }
    }

    /// A write by `access`; `released`: it released the mutex.
    fn write(&mut self, access: Access, released: bool) {
        self.last_write = Some(access);
        self.released = released;
        self.reads.clear();
    }
}

/// What a step did to its object besides its operation's own kind: whether a `try_lock`
/// took the lock, and the mutex a condvar wait released (another object).
#[derive(Debug, Clone, Copy, Default)]
struct Effects {
    acquired: bool,
    released: Option<Key>,
}

impl Effects {
    /// Read off the step's recorded accesses (see [`crate::access`]).
    fn of(op: Op, key: Option<Key>, accesses: &[crate::access::Access]) -> Self {
        let acquired = op.kind == OpKind::TryLock
            && accesses
                .iter()
                .any(|a| Some(a.key) == key && matches!(a.role, Role::Acquire { .. }));
        let released = match op.kind {
            OpKind::Wait => accesses
                .iter()
                .find(|a| Some(a.key) != key && matches!(a.role, Role::Release { .. }))
                .map(|a| a.key),
            _ => None,
        };
        Effects { acquired, released }
    }
}

/// An operation and the key of the object it is on.
type OpOn = (Op, Option<Key>);

/// How to take one step back out of the happens-before state: what it changed, as it was.
#[derive(Debug, Clone)]
struct StepUndo {
    thread: ThreadId,
    /// The thread's clock before the step.
    thread_clock: VClock,
    /// How many clocks there were (the step may add the threads it spawned).
    threads: usize,
    /// The objects it touched, and how to restore their histories.
    histories: SmallVec<[(Key, HistoryUndo); 2]>,
    /// The latest fork before it, if it was a fork.
    last_fork: Option<Option<Access>>,
}

/// How to restore one object's history a step changed.
#[derive(Debug, Clone)]
enum HistoryUndo {
    /// The step made it: remove it.
    Made,
    /// The step read it: drop its read (the rest of a read step's history is as it was — so a
    /// run of reads costs one record each, not a copy of the reads before it).
    Read,
    /// The step wrote it: the history before.
    Wrote(ObjectHistory),
}

/// One step of the current execution.
#[derive(Debug, Clone)]
struct StepInfo {
    thread: ThreadId,
    /// `thread`'s own clock entry after the step.
    local: u32,
    /// Node of the decision that chose it.
    node: usize,
}

/// The DFS/DPOR strategy.
#[derive(Debug)]
pub(crate) struct Dfs {
    /// `(index, count)`: explore only the root branches whose rank ≡ index (mod count).
    shard: (usize, usize),
    /// The first node with several enabled threads (explored in full, split across shards).
    root: Option<usize>,
    /// Preemption bound of the current stage.
    bound: Option<usize>,
    /// The bounds of the stages still to run after the current one.
    stages: std::vec::IntoIter<Option<usize>>,
    max_executions: Option<usize>,
    executions: usize,
    exhausted: bool,
    /// The path of the current execution.
    stack: Vec<Node>,
    /// Next node to follow (< stack.len() while replaying the path's prefix).
    position: usize,
    // Happens-before state of the current execution.
    clocks: Vec<VClock>,
    /// Per object (named by its stable key, the same in every execution).
    objects: FastMap<Key, ObjectHistory>,
    /// The latest fork of the execution: dependent with every operation (see
    /// [`writes_everything`]).
    last_fork: Option<Access>,
    steps: Vec<StepInfo>,
    /// Per step, how to undo it: the next execution keeps the steps of the path's unchanged
    /// prefix (the same steps, the same state) and undoes the rest.
    undo: Vec<StepUndo>,
    /// Steps of this execution seen so far (the first ones are kept from the last one).
    cursor: usize,
    /// The step chosen at the previous decision: its thread, operation (`None` for a kept
    /// step, replayed without the threads' views) and node — applied once the next decision
    /// comes.
    pending: Option<(ThreadId, Option<OpOn>, usize)>,
    /// Set when the program did not repeat itself on a replayed prefix.
    nondeterminism: Option<String>,
    /// No reduction: every runnable thread within the bound is a branch (the reference the
    /// reduced search is checked against).
    enumerate: bool,
}

impl Dfs {
    pub(crate) fn new(
        bound: Option<usize>,
        max_executions: Option<usize>,
        shard: Option<(usize, usize)>,
    ) -> Self {
        // No preemption first (a handful of executions), then the whole bound (see the module
        // docs' Stages).
        let stages: Vec<Option<usize>> = match bound {
            Some(0) => vec![Some(0)],
            _ => vec![Some(0), bound],
        };
        Self::staged(stages, max_executions, shard)
    }

    /// Iterative preemption bounding: bound 0, 1, ..., `bound`, each stage from scratch — the
    /// first failure found has the fewest preemptions any schedule failing that way has (the
    /// shrinker's search).
    pub(crate) fn iterative(bound: usize, max_executions: Option<usize>) -> Self {
        Self::staged((0..=bound).map(Some).collect(), max_executions, None)
    }

    fn staged(
        stages: Vec<Option<usize>>,
        max_executions: Option<usize>,
        shard: Option<(usize, usize)>,
    ) -> Self {
        let mut stages = stages.into_iter();
        Self {
            shard: shard.unwrap_or((0, 1)),
            root: None,
            bound: stages.next().flatten(),
            stages,
            max_executions,
            executions: 0,
            exhausted: false,
            stack: Vec::new(),
            position: 0,
            clocks: Vec::new(),
            objects: FastMap::default(),
            last_fork: None,
            steps: Vec::new(),
            undo: Vec::new(),
            cursor: 0,
            pending: None,
            nondeterminism: None,
            enumerate: false,
        }
    }

    /// Every interleaving within `bound`, with no reduction: the reference for the bounded
    /// search's differential check.
    #[cfg(test)]
    pub(crate) fn enumerating(bound: Option<usize>) -> Self {
        Self {
            enumerate: true,
            ..Self::new(bound, None, None)
        }
    }

    /// Does this shard own branch `t` of node `node`? Only the root is split.
    fn owned(&self, node: usize, t: ThreadId) -> bool {
        if self.root != Some(node) {
            return true;
        }
        let rank = bits(self.stack[node].enabled).position(|e| e == t);
        rank.is_some_and(|r| r % self.shard.1 == self.shard.0)
    }

    fn allowed(&self, node: usize, t: ThreadId) -> bool {
        let n = &self.stack[node];
        match self.bound {
            Some(bound) if n.preempts(t) => n.preemptions < bound,
            _ => true,
        }
    }

    /// Apply the previous step (thread, op) to the clocks and object histories.
    fn apply(
        &mut self,
        thread: ThreadId,
        (op, key): (Op, Option<Key>),
        effects: Effects,
        node: usize,
        threads_now: usize,
    ) {
        let touched = [key, effects.released].into_iter().flatten();
        let read = reads_only(op) && effects.released.is_none();
        self.undo.push(StepUndo {
            thread,
            thread_clock: self.clocks.get(thread).cloned().unwrap_or_default(),
            threads: self.clocks.len(),
            histories: touched
                .map(|k| {
                    let undo = match self.objects.get(&k) {
                        None => HistoryUndo::Made,
                        Some(_) if read => HistoryUndo::Read,
                        Some(history) => HistoryUndo::Wrote(history.clone()),
                    };
                    (k, undo)
                })
                .collect(),
            last_fork: writes_everything(op).then(|| self.last_fork.clone()),
        });
        if self.clocks.len() <= thread {
            self.clocks.resize(thread + 1, VClock::default());
        }
        let mut clock = self.clocks[thread].clone();
        if let Some(object) = key {
            self.history(object)
                .order_after(&mut clock, !reads_only(op));
        }
        if let Some(mutex) = effects.released {
            self.history(mutex).order_after(&mut clock, true);
        }
        if let Some(fork) = &self.last_fork {
            clock.join(&fork.clock);
        }
        if writes_everything(op) {
            for history in self.objects.values() {
                history.order_after(&mut clock, true);
            }
        }
        clock.tick(thread);
        let step = self.steps.len();
        self.steps.push(StepInfo {
            thread,
            local: clock.get(thread),
            node,
        });
        if let Some(object) = key {
            let access = Access {
                step,
                clock: clock.clone(),
            };
            let history = self.history(object);
            let acquires = matches!(op.kind, OpKind::Lock | OpKind::Reacquire) || effects.acquired;
            if acquires {
                history.last_acquire = Some(access.clone());
            }
            if reads_only(op) {
                history.reads.push(access);
            } else {
                history.write(access, op.kind == OpKind::Unlock);
            }
        }
        if let Some(mutex) = effects.released {
            let access = Access {
                step,
                clock: clock.clone(),
            };
            self.history(mutex).write(access, true);
        }
        if writes_everything(op) {
            self.last_fork = Some(Access {
                step,
                clock: clock.clone(),
            });
        }
        self.clocks[thread] = clock;
        // Threads created by this step (a spawn) start with the spawner's clock *including*
        // the spawn, which happens before everything they do.
        while self.clocks.len() < threads_now {
            self.clocks.push(self.clocks[thread].clone());
        }
    }

    /// Undo every step from `keep` on.
    fn truncate(&mut self, keep: usize) {
        while self.steps.len() > keep {
            self.steps.pop();
            let undo = self.undo.pop().expect("an undo record per step");
            for (key, history) in undo.histories.into_iter().rev() {
                match history {
                    HistoryUndo::Made => {
                        self.objects.remove(&key);
                    }
                    HistoryUndo::Read => {
                        let history = self.objects.get_mut(&key);
                        let read = history.and_then(|h| h.reads.pop());
                        debug_assert!(read.is_some(), "a read step left a read to undo");
                    }
                    HistoryUndo::Wrote(history) => {
                        self.objects.insert(key, history);
                    }
                }
            }
            if let Some(fork) = undo.last_fork {
                self.last_fork = fork;
            }
            self.clocks.truncate(undo.threads);
            if let Some(clock) = self.clocks.get_mut(undo.thread) {
                *clock = undo.thread_clock;
            }
        }
    }

    fn history(&mut self, object: Key) -> &mut ObjectHistory {
        self.objects.entry(object).or_default()
    }

    /// The latest step dependent with `p`'s next operation and not ordered before `p` — for a
    /// blocking lock of a mutex last released, the acquisition that began that critical
    /// section (see the module docs).
    fn race_with(&self, p: ThreadId, op: Op, key: Option<Key>) -> Option<usize> {
        let clock = self.clocks.get(p);
        let ordered_before = |a: &Access| {
            let s = &self.steps[a.step];
            clock.is_some_and(|c| c.get(s.thread) >= s.local)
        };
        let fork = self.last_fork.iter();
        let after_fork = fork.filter(|a| self.steps[a.step].thread != p && !ordered_before(a));
        let after_fork = after_fork.map(|a| a.step).max();
        if writes_everything(op) {
            let all = self.objects.values();
            let accesses = all.flat_map(|h| h.last_write.iter().chain(&h.reads));
            let raced = accesses
                .filter(|a| self.steps[a.step].thread != p && !ordered_before(a))
                .map(|a| a.step)
                .max();
            return raced.max(after_fork);
        }
        let Some(history) = key.and_then(|k| self.objects.get(&k)) else {
            return after_fork;
        };
        // A blocking acquisition can never run before the release it waits for: it races with
        // the acquisition that began that critical section (where both could lock).
        let acquisition = matches!(op.kind, OpKind::Lock | OpKind::Reacquire);
        let mut candidates: Vec<&Access> = match &history.last_acquire {
            Some(acquire) if acquisition && history.released => vec![acquire],
            _ => history.last_write.iter().collect(),
        };
        if !reads_only(op) {
            candidates.extend(history.reads.iter());
        }
        let raced = candidates
            .into_iter()
            .filter(|a| self.steps[a.step].thread != p && !ordered_before(a))
            .map(|a| a.step)
            .max();
        raced.max(after_fork)
    }

    /// For every thread's next operation, add backtrack points where it races.
    ///
    /// For a race between step `i` and thread `p`'s next operation, the reversal can start with
    /// `p` itself or with any thread `q` that has a step after `i` happening before `p`'s
    /// operation (Flanagan & Godefroid's set E). If the node already explores a member of E
    /// nothing is added; otherwise one member is added; with E empty (`p` was not enabled
    /// there), every enabled thread is.
    fn update_backtracks(&mut self, decision: &Decision<'_>) {
        for (p, view) in decision.threads.iter().enumerate() {
            if view.finished || p >= MAX_THREADS {
                continue;
            }
            // A join only waits for its thread's exit, which it can never precede: no race.
            if view.next.kind == OpKind::Join {
                continue;
            }
            self.add_race_backtracks(p, view.next, view.race_key());
        }
    }

    /// Add the backtrack points for thread `p`'s operation `op` on `key` (see
    /// [`Dfs::update_backtracks`]); none when enumerating (every branch is explored there).
    fn add_race_backtracks(&mut self, p: ThreadId, op: Op, key: Option<Key>) {
        if self.enumerate {
            return;
        }
        let Some(step) = self.race_with(p, op, key) else {
            return;
        };
        let node = self.steps[step].node;
        let initials = self.initials(step, p);
        let enabled = self.stack[node].enabled;
        if initials & self.stack[node].backtrack != 0 {
            return;
        }
        match bits(initials).next() {
            Some(q) => self.add_backtrack(node, q),
            None => {
                for q in bits(enabled) {
                    self.add_backtrack(node, q);
                }
            }
        }
    }

    /// Apply the step chosen at the previous decision, whose accesses `decision` now holds.
    fn apply_pending(&mut self, decision: &Decision<'_>) {
        let Some((thread, op, node)) = self.pending.take() else {
            return;
        };
        let index = self.cursor;
        self.cursor += 1;
        if index < self.steps.len() {
            // Kept from the last execution: applied (and its races added) then.
            debug_assert_eq!(self.steps[index].thread, thread);
            return;
        }
        let (op, key) = op.expect("a new step is chosen with the threads' views");
        let effects = Effects::of(op, key, decision.accesses);
        // A condvar wait also released its mutex, which its operation does not name: its races
        // on the mutex (a `try_lock` that found it held) are found now, against the state the
        // wait ran in.
        if let Some(mutex) = effects.released {
            self.add_race_backtracks(thread, op, Some(mutex));
        }
        self.apply(thread, (op, key), effects, node, decision.threads.len());
    }

    /// Threads enabled before step `i` that can start the reversal of its race with `p`: `p`
    /// itself, and every thread whose first step after `i` happens before `p`'s next operation.
    fn initials(&self, i: usize, p: ThreadId) -> u64 {
        let node = &self.stack[self.steps[i].node];
        let mut set = 0u64;
        if node.enabled & bit(p) != 0 {
            set |= bit(p);
        }
        let clock = &self.clocks[p];
        let mut seen = 0u64;
        for later in &self.steps[i + 1..] {
            let q = later.thread;
            if seen & bit(q) != 0 {
                continue;
            }
            seen |= bit(q);
            if node.enabled & bit(q) != 0 && clock.get(q) >= later.local {
                set |= bit(q);
            }
        }
        set
    }

    fn add_backtrack(&mut self, node: usize, t: ThreadId) {
        if self.allowed(node, t) {
            self.stack[node].backtrack |= bit(t);
        }
        if self.bound.is_none() {
            return;
        }
        // Bounded: the bound makes otherwise independent steps dependent (a preemption spent
        // earlier may be what a later reversal needs), so `t` is also tried at the latest
        // earlier context switch — or the first decision — where running it may cost nothing
        // (Coons et al.'s conservative branch).
        let switch = (0..node).rev().find(|&j| {
            let n = &self.stack[j];
            matches!(n.kind, NodeKind::Thread { .. })
                && n.previous.is_some_and(|prev| prev != n.chosen)
        });
        let first = || (0..node).find(|&j| matches!(self.stack[j].kind, NodeKind::Thread { .. }));
        let Some(j) = switch.or_else(first) else {
            return;
        };
        let enabled = self.stack[j].enabled;
        let wanted = if enabled & bit(t) != 0 {
            bit(t)
        } else {
            enabled
        };
        for q in bits(wanted) {
            if self.allowed(j, q) {
                self.stack[j].backtrack |= bit(q);
            }
        }
    }

    /// Follow the path (replaying) or extend it (a new node).
    fn follow_or_extend(
        &mut self,
        kind: NodeKind,
        enabled: u64,
        default: usize,
        previous: Option<ThreadId>,
    ) -> Result<usize, Pick> {
        if self.position < self.stack.len() {
            let node = &self.stack[self.position];
            let same_kind = matches!(
                (&node.kind, &kind),
                (NodeKind::Thread { .. }, NodeKind::Thread { .. })
                    | (NodeKind::Option { .. }, NodeKind::Option { .. })
            );
            if !same_kind || node.enabled != enabled {
                return Err(Pick::Invalid(super::not_repeated(
                    &mut self.nondeterminism,
                    self.position,
                )));
            }
            let chosen = self.stack[self.position].chosen;
            self.position += 1;
            return Ok(chosen);
        }
        let preemptions = self
            .stack
            .last()
            .map_or(0, |p| p.preemptions + usize::from(p.preempts(p.chosen)));
        self.stack.push(Node {
            kind,
            enabled,
            chosen: default,
            backtrack: 0,
            done: 0,
            previous,
            preemptions,
        });
        let node = self.stack.len() - 1;
        self.position = self.stack.len();
        if matches!(self.stack[node].kind, NodeKind::Option { .. }) {
            // Every option within the bound (the default always is).
            self.stack[node].backtrack = enabled;
            return Ok(default);
        }
        // When sharded, the first branching node is explored in full — every enabled thread —
        // so that its subtrees are independent and can be split across the shards; together
        // they cover everything the unsharded search covers.
        if self.enumerate {
            self.stack[node].backtrack = enabled;
        }
        if self.shard.1 > 1 && self.root.is_none() && enabled.count_ones() > 1 {
            self.root = Some(node);
            self.stack[node].backtrack = enabled;
        }
        // Choose: the default if allowed, else any allowed thread.
        let candidates = std::iter::once(default).chain(bits(enabled));
        let chosen = candidates
            .filter(|&t| enabled & bit(t) != 0)
            .find(|&t| self.allowed(node, t) && self.owned(node, t));
        match chosen {
            Some(t) => {
                self.stack[node].chosen = t;
                self.stack[node].backtrack |= bit(t);
                Ok(t)
            }
            None => {
                // Every runnable thread is over the preemption bound: nothing to explore here.
                if self.root == Some(node) {
                    self.root = None;
                }
                self.stack.pop();
                self.position = self.stack.len();
                Err(Pick::Prune)
            }
        }
    }

    /// Move to the next unexplored branch; `false` when none is left.
    fn backtrack(&mut self) -> bool {
        while let Some(node) = self.stack.last_mut() {
            node.done |= bit(node.chosen);
            let mut candidates = node.backtrack & !node.done & node.enabled;
            let index = self.stack.len() - 1;
            while candidates != 0 {
                let t = candidates.trailing_zeros() as usize;
                candidates &= !bit(t);
                if self.allowed(index, t) && self.owned(index, t) {
                    self.stack[index].chosen = t;
                    return true;
                }
                self.stack[index].done |= bit(t);
            }
            if self.root == Some(index) {
                self.root = None;
            }
            self.stack.pop();
        }
        false
    }
}

fn reads_only(op: Op) -> bool {
    op.kind.reads_only()
}

/// A fork copies the state of every lock of its process (`crate::process`): this search tracks
/// one object per operation, so it treats a fork as dependent with every operation (sound,
/// coarse).
fn writes_everything(op: Op) -> bool {
    op.kind == OpKind::Fork
}

impl Scheduler for Dfs {
    fn next_execution(&mut self) -> bool {
        if self.nondeterminism.is_some() || self.exhausted {
            return false;
        }
        if self
            .max_executions
            .is_some_and(|max| self.executions >= max)
        {
            return false;
        }
        if self.executions > 0 && !self.backtrack() {
            // This stage is covered: the next, with a higher bound, starts from scratch.
            let Some(bound) = self.stages.next() else {
                self.exhausted = true;
                return false;
            };
            self.bound = bound;
            self.stack.clear();
            self.root = None;
        }
        self.executions += 1;
        self.position = 0;
        // The steps chosen before the decision that changed stay (an option changed: the step
        // of the thread decision before it goes too).
        let changed = match self.stack.last() {
            Some(Node {
                kind: NodeKind::Option { .. },
                ..
            }) => self.stack.len() - 2,
            Some(_) => self.stack.len() - 1,
            None => 0,
        };
        let keep = self.steps.iter().position(|s| s.node >= changed);
        self.truncate(keep.unwrap_or(self.steps.len()));
        if self.steps.is_empty() {
            self.clocks.clear();
            self.objects.clear();
            self.last_fork = None;
        }
        self.cursor = 0;
        self.pending = None;
        true
    }

    fn pick_thread(&mut self, decision: &Decision<'_>) -> Pick {
        if decision.threads.len() > MAX_THREADS {
            return Pick::Invalid(format!(
                "DFS supports at most {MAX_THREADS} threads per execution"
            ));
        }
        self.apply_pending(decision);
        while self.clocks.len() < decision.threads.len() {
            self.clocks.push(VClock::default());
        }
        // A decision on the path was analysed when its node was made (the same state: the same
        // prefix), and backtrack sets only grow: its races are added already.
        let replayed = self.position < self.stack.len();
        if !replayed {
            self.update_backtracks(decision);
        }
        let enabled = decision.enabled().fold(0u64, |acc, t| acc | bit(t));
        // A replayed node keeps the operations it was made with (the same ones).
        let ops = if replayed {
            Vec::new()
        } else {
            let next = |v: &ThreadView| (!v.finished).then_some(v.next);
            decision.threads.iter().map(next).collect()
        };
        let default = decision.non_preemptive();
        match self.follow_or_extend(NodeKind::Thread { ops }, enabled, default, decision.last) {
            Ok(t) => {
                let node = self.position - 1;
                let view = &decision.threads[t];
                self.pending = Some((t, Some((view.next, view.race_key())), node));
                Pick::Thread(t)
            }
            Err(pick) => pick,
        }
    }

    fn replaying(&self) -> bool {
        // The step about to be chosen is kept from the last execution (see `next_execution`).
        self.cursor + usize::from(self.pending.is_some()) < self.steps.len()
    }

    fn replay(&mut self, enabled: u64, _: usize) -> Pick {
        // What `pick_thread` does on a kept step: count the previous one (kept too), follow the
        // path (its node's races were added when it was made).
        if self.pending.take().is_some() {
            self.cursor += 1;
        }
        let kind = NodeKind::Thread { ops: Vec::new() };
        match self.follow_or_extend(kind, enabled, 0, None) {
            Ok(t) => {
                self.pending = Some((t, None, self.position - 1));
                Pick::Thread(t)
            }
            Err(pick) => pick,
        }
    }

    fn pick_option(&mut self, kind: OptionKind, n: usize, _: ThreadId) -> Result<usize, String> {
        if n > MAX_THREADS {
            return Err(format!(
                "DFS supports at most {MAX_THREADS} options per choice"
            ));
        }
        let all = if n == 64 { u64::MAX } else { bit(n) - 1 };
        let wake = kind == OptionKind::NotifyTarget;
        self.follow_or_extend(NodeKind::Option { wake }, all, 0, None)
            .map_err(|pick| match pick {
                Pick::Invalid(message) => message,
                _ => "an option decision cannot be pruned".into(),
            })
    }

    fn final_state(&mut self, decision: &Decision<'_>) -> Result<(), String> {
        if self.position < self.stack.len() {
            // Ended inside the path: its state holds the last execution's later steps.
            return Err(super::not_repeated(&mut self.nondeterminism, self.position));
        }
        self.apply_pending(decision);
        while self.clocks.len() < decision.threads.len() {
            self.clocks.push(VClock::default());
        }
        self.update_backtracks(decision);
        Ok(())
    }

    fn end_execution(&mut self, _: Ended, _: usize) {
        // Nodes past the end of a pruned execution were popped already; the next call to
        // `next_execution` backtracks from the deepest node left.
    }

    fn exhausted(&self) -> bool {
        self.exhausted
    }

    fn estimate(&self) -> Option<f64> {
        // The share of this stage's tree done, were subtrees of a node equally large.
        let (mut share, mut weight) = (0.0f64, 1.0f64);
        for node in &self.stack {
            let width = f64::from((node.backtrack | node.done | bit(node.chosen)).count_ones());
            share += weight * f64::from((node.done & !bit(node.chosen)).count_ones()) / width;
            weight /= width;
        }
        let share = share + weight;
        Some((self.executions as f64 / share).min(1e18))
    }
}

#[cfg(test)]
mod tests {
    use crate::{Builder, Sim};
    use lockstep::sync::{thread, Arc, Mutex};
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

    /// Two threads that each take `n`'s lock once, joined.
    fn two_increments(n: &Arc<Mutex<u32, Sim>, Sim>) {
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let n = n.clone();
                thread::spawn::<Sim, _, _>(move || *n.lock() += 1)
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
    }

    #[test]
    fn a_program_that_ends_before_its_path_is_reported() {
        // From the second execution on, a counter outside the simulation makes the main thread
        // stop after the first round: the runnable threads match the path up to there (only
        // the main thread), then nothing runs where the path goes on. Both searches.
        static RUNS: [AtomicUsize; 2] = [AtomicUsize::new(0), AtomicUsize::new(0)];
        for (bound, runs) in [(None, &RUNS[0]), (Some(2), &RUNS[1])] {
            let failure = Builder::dfs(bound)
                .run(move || {
                    let n: Arc<Mutex<u32, Sim>, Sim> = Arc::new(Mutex::new(0));
                    two_increments(&n);
                    if runs.fetch_add(1, SeqCst) == 0 {
                        two_increments(&n);
                    }
                })
                .expect_err("a program that changes between executions");
            super::super::assert_not_repeated(&failure, "or it ended before it");
        }
    }

    #[test]
    fn a_program_that_does_not_repeat_itself_is_reported() {
        // From the second execution on, a counter outside the simulation makes the main thread
        // spawn one more thread between two rounds of increments: the next execution replays
        // the first round (it backtracks in the second) and finds another runnable thread.
        static RUNS: AtomicUsize = AtomicUsize::new(0);
        let failure = Builder::dfs(Some(2))
            .run(|| {
                let n: Arc<Mutex<u32, Sim>, Sim> = Arc::new(Mutex::new(0));
                two_increments(&n);
                if RUNS.fetch_add(1, SeqCst) > 0 {
                    thread::spawn::<Sim, _, _>(|| {});
                }
                two_increments(&n);
            })
            .expect_err("a program that changes between executions");
        super::super::assert_not_repeated(&failure, "did not repeat itself at decision");
    }
}
