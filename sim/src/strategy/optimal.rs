//! Exhaustive search that runs exactly one execution per behaviour: Optimal-DPOR with sleep
//! sets and wakeup trees (Abdulla, Aronis, Jonsson, Sagonas; POPL 2014, JACM 2017).
//!
//! Two executions are equivalent (the same Mazurkiewicz trace) when they differ only in the
//! order of adjacent independent steps — steps of different threads that touch no common key,
//! or only read it ([`crate::access`]). The search is stateless: each execution re-runs the
//! model from the start, following a path of decisions, then extends it.
//!
//! - **Races.** After an execution, every pair of dependent steps of different threads with
//!   no step between them in happens-before (vector clocks) is a race. A race is reversed by a
//!   *wakeup sequence*: from the state before the first step, the steps that do not depend on
//!   it, then the second step ([`wakeup`](super::wakeup)). It is added to the wakeup tree at
//!   that decision unless a thread already explored there (its sleep set) starts an
//!   equivalent execution.
//! - **Blocking.** A blocking lock acquisition never races with the release it waited for
//!   (it could not run before it); it races with that critical section's *acquisition*
//!   instead, which is how every order of critical sections is reached. Locks blocked at the
//!   end of an execution (a deadlock) race with the holder's acquisition the same way. Joins,
//!   condvar wake-ups and sleeps cannot move before what enabled them
//!   ([`access::reversible`](crate::access::reversible)).
//! - **Sleep sets.** A thread explored at a decision sleeps in the later branches there until a
//!   step dependent with its next step runs; a sleeping thread is never chosen.
//! - **Outcomes.** A step with several outcomes (notify target, fault) is explored with every
//!   outcome wherever its thread runs: a wakeup sequence that guides the step picks which
//!   outcomes go first and what follows them; the others follow freely.
//!   Exploring only the outcomes a sequence asks for — "another outcome is another step, whose
//!   own races bring it there if it is needed" — lost traces: an outcome that never ran in an
//!   execution races with nothing, so no race ever brings it (a thread whose first fault was
//!   guided to "no" and whose second to "yes" never ran the second with "no" in that branch,
//!   yet the branch left a sleeper claiming every execution starting with its first fault:
//!   `wakeup_trees_with_two_faults_after_a_try_lock_lose_no_trace`). Deciding need from a
//!   wakeup sequence of the missing outcome does not work either: its continuation is unknown
//!   (the thread may behave differently after it), so a sleeper that is a weak initial of
//!   such a sequence proves nothing. With every outcome explored where the step runs, a branch
//!   covers every execution that starts with its step: it sleeps for the whole step once its
//!   outcomes are explored, and absorbs the wakeup sequences that merely commute with it, as
//!   a thread without outcomes does. The price: an outcome no race asked for may find only
//!   threads asleep after it — a sleep-set-blocked execution (counted in `blocked`; its races
//!   are reversed like those of any execution).
//! - **Faults.** A run whose faults may fire (a fault budget) searches the source-DPOR way
//!   ([`Optimal::with_fault_budget`]): every trace, at the price of some blocked executions
//!   (2,649 over the differential check's 10,000 programs, 58,519 traces). The wakeup trees ran
//!   fewer (1,978) but lost states where a fault's outcomes touch different objects (its
//!   thread read the clock only when it fired, in the fault's step — since clock reads are
//!   steps of their own, the 2,000 fault programs of that check lose nothing with the wakeup
//!   trees either, but a first use of an async primitive still registers it inside the step
//!   before, see [`crate::access`]): "absorbs the wakeup sequences that merely
//!   commute with it" above holds only if they commute with every outcome, and a branch knows
//!   the accesses of the outcome its race saw — a sequence commuting with that one joined the
//!   branch though it raced with the other (2 programs in 2,000 such, against full
//!   enumeration: `a_run_with_faults_orders_each_outcome`). Giving such a sequence a branch of
//!   its own loses traces instead (`wakeup_trees_with_fault_outcomes_lose_no_trace`). Notify
//!   targets, the other outcomes, differ only in the waiter woken: programs of timed waits,
//!   `notify_one`, sleeps and yields lose nothing (`notify_targets_with_timeouts_lose_no_state`).
//! - **Time.** When every thread waits and the clock jumps, nothing before the jump can be
//!   reordered with anything after it: the jump is a barrier.
//!
//! So no execution is redundant (two of one trace) and none is blocked (all its threads
//! asleep) but after an outcome no wakeup sequence asked for (the checks saw none without
//! faults that may fire); both are counted —
//! [`Report`](crate::Report)'s `redundant` (by a canonical hash of each execution's trace) and
//! `blocked` — so that a regression shows. Soundness is
//! checked by differential tests: against full enumeration, on random programs
//! (`dpor_check`).

mod split;

pub(crate) use split::ItemResult;

use super::fastmap::FastSet;
use super::happens::Tracker;
use super::wakeup::{weak_initial, Branch, Step, Wut};
use super::{Decision, Ended, OptionKind, Pick, Scheduler};
use crate::access::{self, Access, Accesses, Role};
use crate::exec::state::Wait;
use crate::op::ThreadId;

/// Thread ids above this cannot be tracked in the bit sets.
const MAX_THREADS: usize = 64;

fn bit(t: usize) -> u64 {
    1u64 << t
}

/// A thread asleep at a decision, with the accesses of its next step there (with every
/// outcome of a step that has several: each is explored wherever the step runs, see
/// [`outcome_order`]).
#[derive(Debug, Clone)]
struct Sleeper {
    thread: ThreadId,
    accesses: Accesses,
}

impl Sleeper {
    fn new(thread: ThreadId, accesses: Accesses) -> Self {
        Sleeper { thread, accesses }
    }

    /// Does this sleeper's exploration cover an execution that starts with `v`?
    fn covers(&self, v: &[Step]) -> bool {
        weak_initial(v, self.thread, &self.accesses)
    }
}

/// Could a step touching `accesses` have several outcomes where it runs from another state? A
/// fault point (the fault budget) and a notification that wakes someone (its waiters).
fn may_have_outcomes(accesses: &[Access]) -> bool {
    accesses
        .iter()
        .any(|a| a.key == access::FAULTS || matches!(a.role, Role::Wake { .. }))
}

/// Add to `into` each access of `from` it does not hold yet.
fn add_accesses(into: &mut Accesses, from: &[Access]) {
    for a in from {
        if !into.contains(a) {
            into.push(*a);
        }
    }
}

/// The threads asleep at a decision.
fn asleep(sleep: &[Sleeper]) -> u64 {
    sleep.iter().fold(0u64, |mask, s| mask | bit(s.thread))
}

/// A thread decision on the current path.
#[derive(Debug, Clone)]
struct ThreadNode {
    enabled: u64,
    /// Branches explored here so far (they sleep in the later ones).
    explored: usize,
    /// The threads explored here so far.
    done: u64,
    sleep: Vec<Sleeper>,
    /// The thread explored now, its outcomes' guidance and its step's accesses (union over
    /// the outcomes explored).
    current: ThreadId,
    current_answers: Vec<(Option<u32>, Wut)>,
    current_accesses: Accesses,
    /// The branches still to explore here.
    pending: Wut,
}

/// An outcome decision on the current path (`n` outcomes, of which `explores` are explored
/// here, in order: see [`outcome_order`]).
#[derive(Debug, Clone)]
struct OptionNode {
    n: usize,
    explores: usize,
    current: usize,
    /// Outcomes still to explore, in order.
    remaining: Vec<usize>,
    /// Guidance per outcome (taken when the node after it is created).
    guides: Vec<(usize, Wut)>,
}

#[derive(Debug, Clone)]
enum Node {
    Thread(ThreadNode),
    Option(OptionNode),
}

/// The second step of a race: one that ran, or one left blocked at the end.
#[derive(Debug, Clone)]
enum Second {
    Ran(usize),
    Blocked(Box<Step>),
}

/// The Optimal-DPOR strategy (unbounded).
#[derive(Debug, Clone)]
pub(crate) struct Optimal {
    /// Reverse races the source-DPOR way (a race adds one thread that starts its reversal, no
    /// guidance): complete without wakeup trees, so the search can be split into independent
    /// work items (see `split`), at the price of some blocked executions; also the search of
    /// runs whose faults may fire (see [`Optimal::with_fault_budget`]).
    source: bool,
    /// A work item of a split search explores only the branch of this thread node (see
    /// [`Optimal::split`]); its insertions above it go to `outbox`.
    floor: Option<usize>,
    outbox: Vec<(usize, Vec<Step>)>,
    /// `(index, count)`: explore only the root branches whose rank ≡ index (mod count).
    shard: (usize, usize),
    /// The first thread node with several enabled threads, when sharded.
    root: Option<usize>,
    max_executions: Option<usize>,
    executions: usize,
    exhausted: bool,
    stack: Vec<Node>,
    position: usize,
    nondeterminism: Option<String>,
    // The current execution.
    tracker: Tracker,
    /// Steps of this execution seen so far (the first ones repeat the last execution's, whose
    /// analysis the tracker kept).
    cursor: usize,
    /// Steps of the last execution to keep for the next one.
    keep: usize,
    /// The step chosen at the last decision, finalized at the next one.
    pending: Option<(ThreadId, usize, Option<u32>)>,
    races: Vec<(usize, Second)>,
    // Accounting.
    traces: FastSet<u64>,
    redundant: usize,
}

impl Optimal {
    pub(crate) fn new(max_executions: Option<usize>, shard: Option<(usize, usize)>) -> Self {
        Self {
            source: false,
            floor: None,
            outbox: Vec::new(),
            shard: shard.unwrap_or((0, 1)),
            root: None,
            max_executions,
            executions: 0,
            exhausted: false,
            stack: Vec::new(),
            position: 0,
            nondeterminism: None,
            tracker: Tracker::default(),
            cursor: 0,
            keep: 0,
            pending: None,
            races: Vec::new(),
            traces: FastSet::default(),
            redundant: 0,
        }
    }

    // ----- Happens-before and races ---------------------------------------------------------

    /// Record the step chosen at the last decision, now that it ran: its clock, its races. A
    /// step repeating the last execution's prefix was analysed then already.
    fn finalize(&mut self, decision: &Decision<'_>) {
        let Some((thread, node, answer)) = self.pending.take() else {
            self.tracker.start(decision.threads.len());
            return;
        };
        let index = self.cursor;
        self.cursor += 1;
        if index < self.tracker.events.len() {
            debug_assert_eq!(self.tracker.events[index].thread, thread);
            return;
        }
        let accesses = Accesses::from_slice(decision.accesses);
        if let Node::Thread(n) = &mut self.stack[node] {
            add_accesses(&mut n.current_accesses, &accesses);
        }
        let step = Step {
            thread,
            answer,
            accesses,
        };
        let races = self
            .tracker
            .push(step, node, decision.threads.len(), decision.clock_jumped);
        self.races
            .extend(races.into_iter().map(|i| (i, Second::Ran(index))));
    }

    /// Races of the lock acquisitions left blocked at the end (a deadlock, abandoned threads).
    fn blocked_races(&mut self, decision: &Decision<'_>) {
        for (thread, view) in decision.threads.iter().enumerate() {
            let lock = match view.wait {
                Wait::Mutex(_) | Wait::Write(_) => Some((false, None)),
                Wait::Read(_) => Some((true, None)),
                Wait::Condvar {
                    notified,
                    timed_out,
                    ..
                } if notified || timed_out => Some((false, Some(thread))),
                _ => None,
            };
            let (Some((shared, waker)), Some(key)) = (lock, view.wait_key) else {
                continue;
            };
            if view.enabled {
                continue;
            }
            let mut accesses: Accesses = smallvec::smallvec![Access::new(
                key,
                Role::Acquire {
                    shared,
                    blocking: true,
                },
            )];
            if let Some(t) = waker {
                accesses.push(Access::new(access::wake(t), Role::Consume));
            }
            let step = Step {
                thread,
                answer: None,
                accesses,
            };
            let (_, races) = self.tracker.blocked_races(&step);
            for i in races {
                self.races
                    .push((i, Second::Blocked(Box::new(step.clone()))));
            }
        }
    }

    /// Reverse every race of the execution that just ended.
    fn reverse_races(&mut self) {
        let races = std::mem::take(&mut self.races);
        for (i, second) in races {
            let v = match &second {
                Second::Ran(j) => self.tracker.wakeup_sequence(i, Some(*j), None),
                Second::Blocked(step) => self.tracker.wakeup_sequence(i, None, Some(step)),
            };
            let node = self.tracker.events[i].node;
            self.hand_up_or_insert(node, v);
        }
    }

    /// The source-DPOR search (see `source`), which `split` can divide.
    pub(crate) fn splittable() -> Self {
        let mut search = Self::new(None, None);
        search.source = true;
        search
    }

    /// The search for a run whose fault points may fire (`budget` > 0): source-DPOR (see
    /// `source`). The wakeup trees lose states where a fault's outcomes touch different
    /// objects (its thread reads the clock only when it fires): a sequence that commutes with
    /// the outcome a race saw goes under that branch, though it races with another outcome.
    pub(crate) fn with_fault_budget(mut self, budget: usize) -> Self {
        self.source |= budget > 0;
        self
    }

    /// Add wakeup sequence `v` at thread node `node`, unless a thread explored there already
    /// starts an equivalent execution.
    fn insert(&mut self, node: usize, v: Vec<Step>) {
        if self.source {
            return self.insert_source(node, &v);
        }
        let Node::Thread(n) = &mut self.stack[node] else {
            return;
        };
        // An equivalent execution was explored from here already? (A sleeper covers a sequence
        // that starts with its step whatever outcome the sequence recorded: it explored every
        // one.)
        if n.sleep.iter().any(|s| s.covers(&v)) {
            return;
        }
        n.pending.insert(v);
    }

    /// Source-DPOR (Abdulla et al., POPL 2014, Algorithm 1): unless a thread that starts `v`
    /// is already explored or scheduled at `node`, schedule one (that is not asleep there).
    fn insert_source(&mut self, node: usize, v: &[Step]) {
        let Node::Thread(n) = &mut self.stack[node] else {
            return;
        };
        let initials: Vec<usize> = (0..v.len())
            .filter(|&k| super::wakeup::is_initial(v, k))
            .map(|k| v[k].thread)
            .collect();
        let scheduled = n.done
            | bit(n.current)
            | n.pending
                .branches
                .iter()
                .fold(0u64, |acc, b| acc | bit(b.thread));
        if initials.iter().any(|&t| scheduled & bit(t) != 0) {
            return;
        }
        let asleep = n.sleep.iter().fold(0u64, |acc, s| acc | bit(s.thread));
        let can_start = n.enabled & !asleep;
        if let Some(&q) = initials.iter().find(|&&t| can_start & bit(t) != 0) {
            // What the step will touch here, if `v` tells it exactly (a split hands out the
            // branches after this one only then; the serial search puts the branch to sleep
            // with what it touched once it ran). Not when it may have outcomes here whose
            // others touch more — an answer in `v`, or a fault point or a notification, which
            // may have more outcomes here than where `v` ran them (budget left, waiters not yet
            // woken) — nor when it is `v`'s last step, the race's second: run here, before the
            // race's first, it may read other values and go on to touch other objects (a
            // clock read only if a load saw 0). Every other step of `v` depends on nothing it
            // moves past, so it reads what it read in `v`.
            let last = v.len() - 1;
            let accesses = v
                .iter()
                .position(|s| s.thread == q)
                .filter(|&k| k != last)
                .map(|k| &v[k])
                .filter(|s| s.answer.is_none() && !may_have_outcomes(&s.accesses))
                .map(|s| s.accesses.clone());
            n.pending.branches.push(Branch {
                thread: q,
                accesses: accesses.unwrap_or_else(access::unknown),
                answers: Vec::new(),
            });
        }
    }

    /// The share of the search tree done once the current execution is, were subtrees of a
    /// node equally large: along the path, each node's explored branches count in full, the
    /// current one by the share of its own subtree done.
    fn share_done(&self) -> f64 {
        let (mut share, mut weight) = (0.0f64, 1.0f64);
        for node in &self.stack {
            let (done, width) = match node {
                Node::Thread(t) => (t.explored, 1 + t.explored + t.pending.branches.len()),
                Node::Option(o) => (o.explores - 1 - o.remaining.len(), o.explores),
            };
            share += weight * done as f64 / width as f64;
            weight /= width as f64;
        }
        share + weight
    }

    // ----- The exploration tree -------------------------------------------------------------

    /// Move to the next unexplored branch; `false` when none is left. Sets `keep`: the steps
    /// before the decision that changed.
    fn backtrack(&mut self) -> bool {
        while !self.stack.is_empty() {
            let index = self.stack.len() - 1;
            if self.floor == Some(index) {
                return false; // this work item's branch is done
            }
            let changed = match &mut self.stack[index] {
                // The step of the thread node before it changes outcome.
                Node::Option(o) if !o.remaining.is_empty() => {
                    o.current = o.remaining.remove(0);
                    Some(index - 1)
                }
                Node::Option(_) => None,
                // Nothing left to explore here: the node goes, its sleep set with it.
                Node::Thread(t) if t.pending.branches.is_empty() => None,
                // Every outcome of its step explored, the thread sleeps here, touching what any
                // of them touched.
                Node::Thread(t) => {
                    let accesses = std::mem::take(&mut t.current_accesses);
                    t.sleep.push(Sleeper::new(t.current, accesses));
                    t.explored += 1;
                    t.done |= bit(t.current);
                    self.next_branch(index).then_some(index)
                }
            };
            if let Some(node) = changed {
                let events = &self.tracker.events;
                self.keep = events
                    .iter()
                    .position(|e| e.node >= node)
                    .unwrap_or(events.len());
                return true;
            }
            if self.root == Some(index) {
                self.root = None;
            }
            self.stack.pop();
        }
        false
    }

    /// Make the next pending branch of thread node `index` current (at a sharded root, the
    /// next one this shard owns; the others sleep there as if explored); `false` if none.
    fn next_branch(&mut self, index: usize) -> bool {
        let sharded_root = self.root == Some(index);
        loop {
            let Node::Thread(t) = &mut self.stack[index] else {
                unreachable!("a thread node")
            };
            if t.pending.branches.is_empty() {
                return false;
            }
            let branch = t.pending.branches.remove(0);
            let owned = !sharded_root || rank_owned(t.enabled, branch.thread, self.shard);
            if owned {
                t.current = branch.thread;
                t.current_answers = branch.answers;
                t.current_accesses = Accesses::new();
                return true;
            }
            t.sleep.push(Sleeper::new(branch.thread, access::unknown()));
        }
    }

    /// The guidance for a new node after the last one on the path.
    fn guide(&mut self) -> Wut {
        match self.stack.last_mut() {
            Some(Node::Thread(t)) => {
                let at = t.current_answers.iter().position(|(a, _)| a.is_none());
                at.map(|i| t.current_answers.swap_remove(i).1)
                    .unwrap_or_default()
            }
            Some(Node::Option(o)) => {
                let current = o.current;
                let at = o.guides.iter().position(|(a, _)| *a == current);
                at.map(|i| o.guides.swap_remove(i).1).unwrap_or_default()
            }
            None => Wut::default(),
        }
    }

    /// The sleep set of a new thread node: the last thread node's sleepers that commute with
    /// the step chosen there.
    fn inherited_sleep(&self) -> Vec<Sleeper> {
        let Some(last) = self.tracker.events[..self.cursor].last() else {
            return Vec::new();
        };
        let Some(Node::Thread(t)) = self.stack.get(last.node) else {
            return Vec::new();
        };
        t.sleep
            .iter()
            .filter(|s| !access::dependent(&s.accesses, &last.accesses))
            .cloned()
            .collect()
    }

    /// A new thread node for `decision`; `Err` when nothing may run (blocked).
    fn extend(&mut self, decision: &Decision<'_>, enabled: u64) -> Result<ThreadId, Pick> {
        let sleep = self.inherited_sleep();
        let asleep = asleep(&sleep);
        let mut guide = self.guide();
        let free = enabled & !asleep;
        let sharded_root = self.shard.1 > 1 && self.root.is_none() && free.count_ones() > 1;
        let (current, answers, pending) = if guide.branches.is_empty() {
            let preferred = decision
                .last
                .filter(|&t| free & bit(t) != 0)
                .or_else(|| (0..MAX_THREADS).find(|&t| free & bit(t) != 0));
            let Some(thread) = preferred else {
                return Err(Pick::Prune); // sleep-set blocked
            };
            let mut pending = Wut::default();
            if sharded_root {
                // The root is explored in full so that shards split it exactly.
                let others = (0..MAX_THREADS).filter(|&t| free & bit(t) != 0 && t != thread);
                pending.branches.extend(others.map(|t| Branch {
                    thread: t,
                    accesses: access::unknown(),
                    answers: Vec::new(),
                }));
            }
            (thread, Vec::new(), pending)
        } else {
            let first = guide.branches.remove(0);
            if free & bit(first.thread) == 0 {
                return Err(Pick::Prune); // a wakeup sequence that does not fit: blocked
            }
            (first.thread, first.answers, guide)
        };
        self.stack.push(Node::Thread(ThreadNode {
            enabled,
            explored: 0,
            done: 0,
            sleep,
            current,
            current_answers: answers,
            current_accesses: Accesses::new(),
            pending,
        }));
        let index = self.stack.len() - 1;
        self.position = self.stack.len();
        if !sharded_root {
            return Ok(current);
        }
        self.root = Some(index);
        if rank_owned(enabled, current, self.shard) {
            return Ok(current);
        }
        // The first branch is another shard's: asleep here, as if explored; on to ours.
        let Node::Thread(t) = &mut self.stack[index] else {
            unreachable!("just pushed")
        };
        t.sleep.push(Sleeper::new(current, access::unknown()));
        if self.next_branch(index) {
            let Node::Thread(t) = &self.stack[index] else {
                unreachable!("just pushed")
            };
            Ok(t.current)
        } else {
            self.stack.pop();
            self.root = None;
            self.position = self.stack.len();
            Err(Pick::Prune)
        }
    }

    /// Take the next decision of the path (it exists): its thread, if the same threads can
    /// run as when it was made.
    fn follow(&mut self, enabled: u64) -> Pick {
        match self.stack.get(self.position) {
            Some(Node::Thread(t)) if t.enabled == enabled => {
                let chosen = t.current;
                self.position += 1;
                self.pending = Some((chosen, self.position - 1, None));
                Pick::Thread(chosen)
            }
            _ => Pick::Invalid(super::not_repeated(&mut self.nondeterminism, self.position)),
        }
    }
}

/// The outcomes to explore, in order, of a step with `n` outcomes: every one, those a wakeup
/// sequence guides first (in its order), then the others (freely). Exploring only the guided
/// ones lost traces: an outcome that never runs races with nothing, so nothing brings it back
/// where it is needed (see the module docs' Outcomes).
fn outcome_order(n: usize, guides: &[(usize, Wut)]) -> Vec<usize> {
    let mut order: Vec<usize> = Vec::with_capacity(n);
    for a in guides.iter().map(|&(a, _)| a).chain(0..n) {
        if !order.contains(&a) {
            order.push(a);
        }
    }
    order
}

/// Does shard `(index, count)` own the branch of `thread` at a root where `enabled` could run?
fn rank_owned(enabled: u64, thread: ThreadId, (index, count): (usize, usize)) -> bool {
    let rank = (0..MAX_THREADS)
        .filter(|&b| enabled & bit(b) != 0)
        .position(|b| b == thread);
    rank.is_some_and(|r| r % count == index)
}

impl Scheduler for Optimal {
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
            self.exhausted = true;
            return false;
        }
        self.executions += 1;
        self.position = 0;
        self.tracker.truncate(self.keep);
        self.cursor = 0;
        self.pending = None;
        self.races.clear();
        true
    }

    fn pick_thread(&mut self, decision: &Decision<'_>) -> Pick {
        if decision.threads.len() > MAX_THREADS {
            return Pick::Invalid(format!(
                "DFS supports at most {MAX_THREADS} threads per execution"
            ));
        }
        self.finalize(decision);
        let enabled = decision.enabled().fold(0u64, |acc, t| acc | bit(t));
        if self.position < self.stack.len() {
            return self.follow(enabled);
        }
        match self.extend(decision, enabled) {
            Ok(chosen) => {
                self.pending = Some((chosen, self.position - 1, None));
                Pick::Thread(chosen)
            }
            Err(pick) => pick,
        }
    }

    fn replaying(&self) -> bool {
        // The step about to be chosen is the last execution's (its analysis kept) while its
        // index is below the kept events'; the previous step is `pending` until then.
        self.cursor + usize::from(self.pending.is_some()) < self.tracker.events.len()
    }

    fn replay(&mut self, enabled: u64, threads: usize) -> Pick {
        // What `finalize` does for a step of the kept prefix: count it.
        if let Some((thread, ..)) = self.pending.take() {
            debug_assert_eq!(self.tracker.events[self.cursor].thread, thread);
            self.cursor += 1;
        } else {
            self.tracker.start(threads);
        }
        self.follow(enabled)
    }

    fn pick_option(&mut self, _: OptionKind, n: usize, _: ThreadId) -> Result<usize, String> {
        let answer = if self.position < self.stack.len() {
            match &self.stack[self.position] {
                Node::Option(o) if o.n == n => o.current,
                _ => {
                    return Err(super::not_repeated(&mut self.nondeterminism, self.position));
                }
            }
        } else {
            let (guides, order) = match self.stack.last_mut() {
                Some(Node::Thread(t)) => {
                    let answers = std::mem::take(&mut t.current_answers);
                    let guides: Vec<(usize, Wut)> = answers
                        .into_iter()
                        .filter_map(|(a, w)| a.map(|a| (a as usize, w)))
                        .filter(|(a, _)| *a < n)
                        .collect();
                    let order = outcome_order(n, &guides);
                    (guides, order)
                }
                _ => (Vec::new(), (0..n).collect()),
            };
            self.stack.push(Node::Option(OptionNode {
                n,
                explores: order.len(),
                current: order[0],
                remaining: order[1..].to_vec(),
                guides,
            }));
            order[0]
        };
        self.position += 1;
        if let Some(p) = &mut self.pending {
            p.2 = Some(answer as u32);
        }
        Ok(answer)
    }

    fn final_state(&mut self, decision: &Decision<'_>) -> Result<(), String> {
        if self.position < self.stack.len() {
            // Ended inside the path: its tracker holds the last execution's later steps.
            return Err(super::not_repeated(&mut self.nondeterminism, self.position));
        }
        self.finalize(decision);
        self.blocked_races(decision);
        Ok(())
    }

    fn end_execution(&mut self, ended: Ended, _: usize) {
        if ended == Ended::Pruned {
            // Both searches reverse the races of every explored prefix, blocked ones included:
            // source-DPOR's, and the optimal search's where an outcome no wakeup sequence asked
            // for found only threads asleep after it (see the module docs' Outcomes).
            self.reverse_races();
            return;
        }
        if !self.traces.insert(self.tracker.trace_hash()) {
            self.redundant += 1;
        }
        self.reverse_races();
    }

    fn exhausted(&self) -> bool {
        self.exhausted
    }

    fn redundant(&self) -> usize {
        self.redundant
    }

    fn estimate(&self) -> Option<f64> {
        // Between executions the path is the last one's.
        (self.executions > 0).then(|| (self.executions as f64 / self.share_done()).min(1e18))
    }
}

#[cfg(test)]
mod tests {
    use crate::{Builder, Sim};
    use lockstep::sync::atomic::{AtomicUsize, Ordering};
    use lockstep::sync::{thread, Arc, Mutex};

    fn counter(threads: usize, increments: usize) -> impl Fn() + Send + Sync + 'static {
        move || {
            let n: Arc<Mutex<usize, Sim>, Sim> = Arc::new(Mutex::new(0));
            let handles: Vec<_> = (0..threads)
                .map(|_| {
                    let n = n.clone();
                    thread::spawn::<Sim, _, _>(move || {
                        for _ in 0..increments {
                            *n.lock() += 1;
                        }
                    })
                })
                .collect();
            for h in handles {
                h.join().unwrap();
            }
            assert_eq!(*n.lock(), threads * increments);
        }
    }

    #[test]
    fn one_execution_per_order_of_critical_sections() {
        let report = Builder::dfs(None).check(counter(3, 2));
        assert!(report.exhausted);
        assert_eq!((report.redundant, report.blocked), (0, 0));
        assert_eq!(report.executions, 90, "6!/(2!·2!·2!) orders");
        let report = Builder::dfs(None).check(counter(2, 2));
        assert_eq!(report.executions, 6, "4!/(2!·2!)");
    }

    #[test]
    fn the_estimate_bounds_the_executions_and_is_exact_at_the_end() {
        use crate::strategy::Scheduler;
        let config = Builder::dfs(None).resolved().unwrap();
        let session =
            crate::session::Session::for_test(&config, std::sync::Arc::new(counter(3, 2)));
        let mut search = super::Optimal::new(None, None);
        assert_eq!(search.estimate(), None, "nothing run yet");
        let (mut executions, mut below_total, mut last) = (0, 0, 0.0);
        while search.next_execution() {
            session.execute(&mut search);
            executions += 1;
            last = search.estimate().expect("an estimate after an execution");
            assert!(
                last >= executions as f64 - 1e-6,
                "{last} after {executions}"
            );
            below_total += usize::from(last < 90.0);
        }
        assert_eq!(executions, 90);
        // The last path has nothing left on it: the estimate is what ran.
        assert!((last - 90.0).abs() < 1e-6, "{last}");
        assert!(below_total > 0, "the estimate changes as the tree unfolds");
    }

    #[test]
    fn a_program_that_does_not_repeat_itself_is_reported() {
        // Whether the main thread spawns a third thread first depends on a counter outside
        // the simulation: the second execution's replayed prefix finds other runnable threads.
        static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let failure = Builder::dfs(None)
            .run(|| {
                if RUNS.fetch_add(1, std::sync::atomic::Ordering::SeqCst) > 0 {
                    thread::spawn::<Sim, _, _>(|| {});
                }
                counter(2, 2)();
            })
            .expect_err("a program that changes between executions");
        super::super::assert_not_repeated(&failure, "did not repeat itself at decision");
        assert!(RUNS.load(std::sync::atomic::Ordering::SeqCst) >= 2);
    }

    #[test]
    fn a_program_whose_choices_change_is_reported() {
        // From the second execution on, the main thread meets a fault point first: the same
        // thread runs, but its step now has a choice where the path has none.
        static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let failure = Builder::dfs(None)
            .fault_budget(1)
            .run(|| {
                if RUNS.fetch_add(1, std::sync::atomic::Ordering::SeqCst) > 0 {
                    crate::fault::fault("late");
                }
                counter(2, 2)();
            })
            .expect_err("a program that changes between executions");
        super::super::assert_not_repeated(&failure, "did not repeat itself at decision");
    }

    #[test]
    fn private_objects_give_one_execution() {
        let report = Builder::dfs(None).check(|| {
            let handles: Vec<_> = (0..3)
                .map(|_| {
                    thread::spawn::<Sim, _, _>(|| {
                        let mine: Mutex<u32, Sim> = Mutex::new(0);
                        let atomic: AtomicUsize<Sim> = AtomicUsize::new(0);
                        for _ in 0..3 {
                            *mine.lock() += 1;
                            atomic.fetch_add(1, Ordering::SeqCst);
                        }
                    })
                })
                .collect();
            for h in handles {
                h.join().unwrap();
            }
        });
        assert_eq!(
            (report.executions, report.redundant, report.blocked),
            (1, 0, 0)
        );
    }
}
