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
//!   outcome wherever its thread is chosen; the thread sleeps only once all are done.
//! - **Time.** When every thread waits and the clock jumps, nothing before the jump can be
//!   reordered with anything after it: the jump is a barrier.
//!
//! So no execution is redundant (two of one trace) and none is blocked (all its threads
//! asleep); both are counted anyway — [`Report`](crate::Report)'s `redundant` (by a canonical
//! hash of each execution's trace) and `blocked` — so that a regression shows. Soundness is
//! checked by differential tests: against full enumeration, on random programs
//! (`dpor_check`).

use super::clock::VClock;
use super::wakeup::{weak_initial, Branch, Step, Wut};
use super::{Decision, Ended, OptionKind, Pick, Scheduler};
use crate::access::{self, Access, Key, Role};
use crate::exec::state::Wait;
use crate::op::ThreadId;
use std::collections::{HashMap, HashSet};

/// Thread ids above this cannot be tracked in the bit sets.
const MAX_THREADS: usize = 64;

fn bit(t: usize) -> u64 {
    1u64 << t
}

/// A thread asleep at a decision, with the accesses of its next step there.
#[derive(Debug, Clone)]
struct Sleeper {
    thread: ThreadId,
    accesses: Vec<Access>,
}

/// A thread decision on the current path.
#[derive(Debug, Clone)]
struct ThreadNode {
    enabled: u64,
    sleep: Vec<Sleeper>,
    /// The thread explored now, its outcomes' guidance and its step's accesses (union over
    /// the outcomes explored).
    current: ThreadId,
    current_answers: Vec<(Option<u32>, Wut)>,
    current_accesses: Vec<Access>,
    /// The branches still to explore here.
    pending: Wut,
}

/// An outcome decision on the current path (`n` outcomes, explored in order).
#[derive(Debug, Clone)]
struct OptionNode {
    n: usize,
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

/// One step of the current execution.
#[derive(Debug, Clone)]
struct Event {
    thread: ThreadId,
    answer: Option<u32>,
    accesses: Vec<Access>,
    /// Happens-before: the vector clock after the step.
    clock: VClock,
    /// Index of the thread node that chose it.
    node: usize,
    /// For each `Release` access: the step that acquired the lock.
    acquired_by: Vec<(Key, usize)>,
}

impl Event {
    /// Does event `self` happen before a step whose clock is `clock`?
    fn before(&self, clock: &VClock) -> bool {
        clock.get(self.thread) >= self.clock.get(self.thread)
    }
}

/// Accesses to one key since the last write (within the current clock epoch).
#[derive(Debug, Clone, Default)]
struct History {
    last_write: Option<usize>,
    reads: Vec<usize>,
}

/// The second step of a race: one that ran, or one left blocked at the end.
#[derive(Debug, Clone)]
enum Second {
    Ran(usize),
    Blocked(Box<(Step, VClock)>),
}

/// The Optimal-DPOR strategy (unbounded).
#[derive(Debug)]
pub(crate) struct Optimal {
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
    events: Vec<Event>,
    clocks: Vec<VClock>,
    histories: HashMap<Key, History>,
    /// `(thread, lock)` → the step that last acquired it.
    acquires: HashMap<(ThreadId, Key), usize>,
    /// The step chosen at the last decision, finalized at the next one.
    pending: Option<(ThreadId, usize, Option<u32>)>,
    races: Vec<(usize, Second)>,
    // Accounting.
    traces: HashSet<u64>,
    redundant: usize,
}

impl Optimal {
    pub(crate) fn new(max_executions: Option<usize>, shard: Option<(usize, usize)>) -> Self {
        Self {
            shard: shard.unwrap_or((0, 1)),
            root: None,
            max_executions,
            executions: 0,
            exhausted: false,
            stack: Vec::new(),
            position: 0,
            nondeterminism: None,
            events: Vec::new(),
            clocks: Vec::new(),
            histories: HashMap::new(),
            acquires: HashMap::new(),
            pending: None,
            races: Vec::new(),
            traces: HashSet::new(),
            redundant: 0,
        }
    }

    // ----- Happens-before and races ---------------------------------------------------------

    /// Record the step chosen at the last decision, now that it ran: its clock, its races.
    fn finalize(&mut self, decision: &Decision<'_>) {
        let Some((thread, node, answer)) = self.pending.take() else {
            return;
        };
        let accesses = decision.accesses.to_vec();
        if let Node::Thread(n) = &mut self.stack[node] {
            for a in &accesses {
                if !n.current_accesses.contains(a) {
                    n.current_accesses.push(*a);
                }
            }
        }
        let index = self.events.len();
        let step = Step {
            thread,
            answer,
            accesses,
        };
        let (clock, races) = self.analyse(&step, Some(index));
        self.races
            .extend(races.into_iter().map(|i| (i, Second::Ran(index))));
        let acquired_by = self.update_histories(&step, index);
        self.clocks[thread] = clock.clone();
        self.events.push(Event {
            thread,
            answer: step.answer,
            accesses: step.accesses,
            clock,
            node,
            acquired_by,
        });
        // Threads the step spawned start after it.
        while self.clocks.len() < decision.threads.len() {
            self.clocks.push(self.clocks[thread].clone());
        }
        if decision.clock_jumped {
            self.barrier();
        }
    }

    /// The clock a step gets and the earlier steps it races with. `index` is its place in
    /// the execution (`None`: a step left blocked).
    fn analyse(&self, step: &Step, index: Option<usize>) -> (VClock, Vec<usize>) {
        let _ = index;
        let thread = step.thread;
        // Every earlier step conflicting with one of this step's accesses.
        let mut candidates: Vec<usize> = Vec::new();
        for a in &step.accesses {
            let Some(history) = self.histories.get(&a.key) else {
                continue;
            };
            candidates.extend(history.last_write);
            if a.role.writes() {
                candidates.extend(history.reads.iter().copied());
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        let own = self.clocks[thread].clone();
        let mut clock = own.clone();
        for &i in &candidates {
            clock.join(&self.events[i].clock);
        }
        clock.tick(thread);
        let mut races = Vec::new();
        for &i in &candidates {
            if self.events[i].thread == thread {
                continue;
            }
            // A blocking acquisition races with the acquisition of the critical section whose
            // release it waited for, not with the release.
            let (first, excluded) = match self.released_lock(i, step) {
                Some(key) => match self.acquisition(i, key) {
                    Some(a) if self.events[a].thread != thread => (a, Some(i)),
                    _ => continue,
                },
                None => (i, None),
            };
            if !self.reversible(first, step) {
                continue;
            }
            let before = |f: usize| self.events[first].before(&self.events[f].clock);
            let direct = !self.events[first].before(&own)
                && candidates
                    .iter()
                    .all(|&f| f == first || Some(f) == excluded || !before(f));
            if direct && !races.contains(&first) {
                races.push(first);
            }
        }
        (clock, races)
    }

    /// The lock that step `i` released and `step` takes blocking, if any.
    fn released_lock(&self, i: usize, step: &Step) -> Option<Key> {
        step.accesses
            .iter()
            .filter(|a| matches!(a.role, Role::Acquire { blocking: true, .. }))
            .map(|a| a.key)
            .find(|&key| {
                self.events[i]
                    .accesses
                    .iter()
                    .any(|b| b.key == key && matches!(b.role, Role::Release { .. }))
            })
    }

    /// Could `step` run where event `first` did (see [`access::reversible`])?
    fn reversible(&self, first: usize, step: &Step) -> bool {
        self.events[first].accesses.iter().all(|a| {
            step.accesses.iter().all(|b| {
                a.key != b.key
                    || !(a.role.writes() || b.role.writes())
                    || access::reversible(a.role, b.role)
            })
        })
    }

    /// The acquisition of the critical section that release `i` ended on `key`.
    fn acquisition(&self, i: usize, key: Key) -> Option<usize> {
        let acquired = &self.events[i].acquired_by;
        acquired.iter().find(|(k, _)| *k == key).map(|&(_, a)| a)
    }

    /// Update the per-key histories with step `index`; returns its releases' acquisitions.
    fn update_histories(&mut self, step: &Step, index: usize) -> Vec<(Key, usize)> {
        let mut acquired_by = Vec::new();
        let mut keys: Vec<Key> = step.accesses.iter().map(|a| a.key).collect();
        keys.sort_unstable();
        keys.dedup();
        for key in keys {
            let writes = step
                .accesses
                .iter()
                .any(|a| a.key == key && a.role.writes());
            let history = self.histories.entry(key).or_default();
            if writes {
                history.last_write = Some(index);
                history.reads.clear();
            } else {
                history.reads.push(index);
            }
        }
        for a in &step.accesses {
            match a.role {
                Role::Acquire { .. } => {
                    self.acquires.insert((step.thread, a.key), index);
                }
                Role::Release { .. } => {
                    if let Some(&acquired) = self.acquires.get(&(step.thread, a.key)) {
                        acquired_by.push((a.key, acquired));
                    }
                }
                _ => {}
            }
        }
        acquired_by
    }

    /// The clock jumped: everything before happens before everything after.
    fn barrier(&mut self) {
        let mut all = VClock::default();
        for clock in &self.clocks {
            all.join(clock);
        }
        for clock in &mut self.clocks {
            clock.clone_from(&all);
        }
        self.histories.clear();
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
            if view.enabled || thread >= self.clocks.len() {
                continue;
            }
            let mut accesses = vec![Access::new(
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
            let (clock, races) = self.analyse(&step, None);
            for i in races {
                let blocked = Second::Blocked(Box::new((step.clone(), clock.clone())));
                self.races.push((i, blocked));
            }
        }
    }

    /// Reverse every race of the execution that just ended.
    fn reverse_races(&mut self) {
        let races = std::mem::take(&mut self.races);
        for (i, second) in races {
            let v = self.wakeup_sequence(i, &second);
            let node = self.events[i].node;
            let Node::Thread(n) = &mut self.stack[node] else {
                continue;
            };
            if n.sleep
                .iter()
                .any(|s| weak_initial(&v, s.thread, &s.accesses))
            {
                continue; // an equivalent execution was explored from here already
            }
            n.pending.insert(v);
        }
    }

    /// The steps after `i` that do not depend on it, then the race's second step.
    fn wakeup_sequence(&self, i: usize, second: &Second) -> Vec<Step> {
        let first = &self.events[i];
        let end = match second {
            Second::Ran(j) => *j,
            Second::Blocked(_) => self.events.len(),
        };
        let mut v: Vec<Step> = self.events[i + 1..end]
            .iter()
            .filter(|e| !first.before(&e.clock))
            .map(|e| Step {
                thread: e.thread,
                answer: e.answer,
                accesses: e.accesses.clone(),
            })
            .collect();
        v.push(match second {
            Second::Ran(j) => {
                let e = &self.events[*j];
                Step {
                    thread: e.thread,
                    answer: e.answer,
                    accesses: e.accesses.clone(),
                }
            }
            Second::Blocked(blocked) => blocked.0.clone(),
        });
        v
    }

    /// A canonical hash of the current execution's trace: every thread's steps and outcomes,
    /// and per key the order of its conflicting accesses (reads between two writes unordered).
    fn trace_hash(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut local = vec![0u32; self.clocks.len()];
        let mut keys: HashMap<Key, (u64, u64)> = HashMap::new(); // (sequence, open read group)
        let mut answers = std::collections::hash_map::DefaultHasher::new();
        for e in &self.events {
            local[e.thread] += 1;
            let id = (e.thread as u64) << 32 | u64::from(local[e.thread]);
            (e.thread, e.answer).hash(&mut answers);
            for a in &e.accesses {
                let entry = keys.entry(a.key).or_insert((0, 0));
                if a.role.writes() {
                    entry.0 = mix(mix(entry.0, entry.1), id | 1 << 63);
                    entry.1 = 0;
                } else {
                    entry.1 = entry.1.wrapping_add(mix(id, 0x9e37));
                }
            }
        }
        let mut keyed: Vec<(Key, (u64, u64))> = keys.into_iter().collect();
        keyed.sort_unstable_by_key(|(k, _)| *k);
        let mut hash = answers.finish();
        for (key, (sequence, reads)) in keyed {
            hash = mix(mix(mix(hash, key), sequence), reads);
        }
        hash
    }

    // ----- The exploration tree -------------------------------------------------------------

    /// Move to the next unexplored branch; `false` when none is left.
    fn backtrack(&mut self) -> bool {
        while !self.stack.is_empty() {
            let index = self.stack.len() - 1;
            match &mut self.stack[index] {
                Node::Option(o) => {
                    if !o.remaining.is_empty() {
                        o.current = o.remaining.remove(0);
                        return true;
                    }
                }
                Node::Thread(t) => {
                    let done = Sleeper {
                        thread: t.current,
                        accesses: std::mem::take(&mut t.current_accesses),
                    };
                    t.sleep.push(done);
                    if self.next_branch(index) {
                        return true;
                    }
                }
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
                t.current_accesses = Vec::new();
                return true;
            }
            t.sleep.push(Sleeper {
                thread: branch.thread,
                accesses: access::unknown(),
            });
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
        let Some(last) = self.events.last() else {
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
        let asleep = sleep.iter().fold(0u64, |acc, s| acc | bit(s.thread));
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
            sleep,
            current,
            current_answers: answers,
            current_accesses: Vec::new(),
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
        t.sleep.push(Sleeper {
            thread: current,
            accesses: access::unknown(),
        });
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
}

/// Does shard `(index, count)` own the branch of `thread` at a root where `enabled` could run?
fn rank_owned(enabled: u64, thread: ThreadId, (index, count): (usize, usize)) -> bool {
    let rank = (0..MAX_THREADS)
        .filter(|&b| enabled & bit(b) != 0)
        .position(|b| b == thread);
    rank.is_some_and(|r| r % count == index)
}

/// A 64-bit mix (SplitMix64's finaliser) of two values.
fn mix(a: u64, b: u64) -> u64 {
    let mut z = a ^ b.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
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
        self.events.clear();
        self.clocks.clear();
        self.histories.clear();
        self.acquires.clear();
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
        while self.clocks.len() < decision.threads.len() && self.events.is_empty() {
            self.clocks.push(VClock::default());
        }
        self.finalize(decision);
        let enabled = decision.enabled().fold(0u64, |acc, t| acc | bit(t));
        let chosen = if self.position < self.stack.len() {
            match &self.stack[self.position] {
                Node::Thread(t) if t.enabled == enabled => {
                    self.position += 1;
                    t.current
                }
                _ => {
                    let message = format!(
                        "the program did not repeat itself at decision {} (different runnable \
                         threads or choices on the same path): it depends on something outside \
                         the simulation (wall clock, HashMap order, a std atomic or lock, I/O)",
                        self.position + 1
                    );
                    self.nondeterminism = Some(message.clone());
                    return Pick::Invalid(message);
                }
            }
        } else {
            match self.extend(decision, enabled) {
                Ok(t) => t,
                Err(pick) => return pick,
            }
        };
        self.pending = Some((chosen, self.position - 1, None));
        Pick::Thread(chosen)
    }

    fn pick_option(&mut self, _: OptionKind, n: usize, _: ThreadId) -> Result<usize, String> {
        let answer = if self.position < self.stack.len() {
            match &self.stack[self.position] {
                Node::Option(o) if o.n == n => o.current,
                _ => {
                    let message = "the program did not repeat itself (a choice changed)".to_owned();
                    self.nondeterminism = Some(message.clone());
                    return Err(message);
                }
            }
        } else {
            let guides: Vec<(usize, Wut)> = match self.stack.last_mut() {
                Some(Node::Thread(t)) => std::mem::take(&mut t.current_answers)
                    .into_iter()
                    .filter_map(|(a, w)| a.map(|a| (a as usize, w)))
                    .filter(|(a, _)| *a < n)
                    .collect(),
                _ => Vec::new(),
            };
            self.stack.push(Node::Option(OptionNode {
                n,
                current: 0,
                remaining: (1..n).collect(),
                guides,
            }));
            0
        };
        self.position += 1;
        if let Some(p) = &mut self.pending {
            p.2 = Some(answer as u32);
        }
        Ok(answer)
    }

    fn final_state(&mut self, decision: &Decision<'_>) {
        self.finalize(decision);
        self.blocked_races(decision);
    }

    fn end_execution(&mut self, ended: Ended, _: usize) {
        if ended == Ended::Pruned {
            self.races.clear();
            return;
        }
        if !self.traces.insert(self.trace_hash()) {
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
