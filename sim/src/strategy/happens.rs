//! Happens-before of the current execution, for the optimal search: each step's vector clock,
//! the earlier steps it races with, and a canonical hash of the execution's trace — kept
//! *incrementally*. Consecutive executions share the prefix up to the decision that changed;
//! every step records how to undo what it did (its thread's clock, the per-key histories, the
//! lock it acquired, a clock jump after it), so moving to the next execution undoes only the
//! steps after that decision, and only new steps are analysed.
//!
//! Races follow [`crate::access`]: two steps of different threads race when they conflict on
//! a key and nothing else orders them; a blocking acquisition races with the *acquisition* of
//! the critical section whose release it waited for; a race is kept only if it can be reversed.

use super::clock::VClock;
use super::fastmap::FastMap;
use super::wakeup::Step;
use crate::access::{self, Accesses, Key, Role};
use crate::op::ThreadId;
use smallvec::SmallVec;

/// One step of the current execution.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    pub(crate) thread: ThreadId,
    pub(crate) answer: Option<u32>,
    pub(crate) accesses: Accesses,
    /// The vector clock after the step.
    pub(crate) clock: VClock,
    /// The thread node of the search that chose it.
    pub(crate) node: usize,
    /// For each `Release` access: the step that acquired the lock.
    acquired_by: SmallVec<[(Key, usize); 1]>,
    undo: Undo,
}

impl Event {
    /// Does this step happen before a step whose clock is `clock`?
    pub(crate) fn before(&self, clock: &VClock) -> bool {
        clock.get(self.thread) >= self.clock.get(self.thread)
    }

    pub(crate) fn step(&self) -> Step {
        Step {
            thread: self.thread,
            answer: self.answer,
            accesses: self.accesses.clone(),
        }
    }
}

/// Accesses to one key since its last write, and the key's share of the trace hash.
#[derive(Debug, Clone, Default)]
struct History {
    last_write: Option<usize>,
    reads: Vec<usize>,
    /// Hash of the writes (and the read groups between them) in order.
    sequence: u64,
    /// Order-free sum of the reads since the last write.
    open_reads: u64,
}

/// How to undo one step's effect on one key's history.
#[derive(Debug, Clone)]
enum KeyUndo {
    /// The key was new: remove it.
    Created(Key),
    /// A read was added: drop it, restore the sum.
    Read(Key, u64),
    /// A write replaced these.
    Wrote {
        key: Key,
        last_write: Option<usize>,
        reads: Vec<usize>,
        sequence: u64,
        open_reads: u64,
    },
}

/// A `(thread, lock)` slot and the acquisition it held before.
type AcquireUndo = ((ThreadId, Key), Option<usize>);

/// How to undo one step. Its key and lock records are the tracker's logs' entries from
/// `keys` and `acquires` on (kept out of the event, which stays small to push).
#[derive(Debug, Clone)]
struct Undo {
    thread_clock: VClock,
    threads: usize,
    keys: usize,
    acquires: usize,
    /// The state before the clock jump that followed the step.
    jump: Option<Box<Snapshot>>,
}

#[derive(Debug, Clone)]
struct Snapshot {
    clocks: Vec<VClock>,
    histories: FastMap<Key, History>,
    frozen: u64,
}

/// The happens-before tracker of one execution (see the module docs).
#[derive(Debug, Default, Clone)]
pub(crate) struct Tracker {
    pub(crate) events: Vec<Event>,
    clocks: Vec<VClock>,
    histories: FastMap<Key, History>,
    /// `(thread, lock)` → the step that last acquired it.
    acquires: FastMap<(ThreadId, Key), usize>,
    /// How to undo the events' effects on the key histories, in order (see [`Undo`]).
    key_undo: Vec<KeyUndo>,
    /// How to undo the events' acquisitions, in order.
    acquire_undo: Vec<AcquireUndo>,
    /// The trace hash of the epochs closed by clock jumps.
    frozen: u64,
}

impl Tracker {
    /// Make sure there are clocks for `threads` threads (the main thread at the start).
    pub(crate) fn start(&mut self, threads: usize) {
        while self.clocks.len() < threads {
            self.clocks.push(VClock::default());
        }
    }

    /// Undo every step from `keep` on.
    pub(crate) fn truncate(&mut self, keep: usize) {
        while self.events.len() > keep {
            let event = self.events.pop().expect("more than keep");
            self.undo(event);
        }
    }

    fn undo(&mut self, event: Event) {
        let undo = event.undo;
        if let Some(jump) = undo.jump {
            self.clocks = jump.clocks;
            self.histories = jump.histories;
            self.frozen = jump.frozen;
        }
        while self.key_undo.len() > undo.keys {
            let key_undo = self.key_undo.pop().expect("longer than the event's start");
            match key_undo {
                KeyUndo::Created(key) => {
                    self.histories.remove(&key);
                }
                KeyUndo::Read(key, open_reads) => {
                    let history = self.histories.get_mut(&key).expect("recorded");
                    history.reads.pop();
                    history.open_reads = open_reads;
                }
                KeyUndo::Wrote {
                    key,
                    last_write,
                    reads,
                    sequence,
                    open_reads,
                } => {
                    let history = self.histories.get_mut(&key).expect("recorded");
                    history.last_write = last_write;
                    history.reads = reads;
                    history.sequence = sequence;
                    history.open_reads = open_reads;
                }
            }
        }
        while self.acquire_undo.len() > undo.acquires {
            let (slot, previous) = self.acquire_undo.pop().expect("longer than the start");
            match previous {
                Some(index) => self.acquires.insert(slot, index),
                None => self.acquires.remove(&slot),
            };
        }
        self.clocks.truncate(undo.threads);
        self.clocks[event.thread] = undo.thread_clock;
    }

    /// Append a step that ran at thread node `node`; `threads` threads exist after it and
    /// `jumped` says the clock jumped after it. Returns the earlier steps it races with.
    pub(crate) fn push(
        &mut self,
        step: Step,
        node: usize,
        threads: usize,
        jumped: bool,
    ) -> SmallVec<[usize; 4]> {
        let index = self.events.len();
        let (clock, races) = self.analyse(&step);
        let mut undo = Undo {
            thread_clock: std::mem::replace(&mut self.clocks[step.thread], clock.clone()),
            threads: self.clocks.len(),
            keys: self.key_undo.len(),
            acquires: self.acquire_undo.len(),
            jump: None,
        };
        let acquired_by = self.update(&step, index);
        // Threads the step spawned start after it.
        while self.clocks.len() < threads {
            self.clocks.push(clock.clone());
        }
        if jumped {
            undo.jump = Some(Box::new(Snapshot {
                clocks: self.clocks.clone(),
                histories: self.histories.clone(),
                frozen: self.frozen,
            }));
            self.jump();
        }
        self.events.push(Event {
            thread: step.thread,
            answer: step.answer,
            accesses: step.accesses,
            clock,
            node,
            acquired_by,
            undo,
        });
        races
    }

    /// The races of a step that never ran (left blocked at the end).
    pub(crate) fn blocked_races(&self, step: &Step) -> (VClock, SmallVec<[usize; 4]>) {
        self.analyse(step)
    }

    /// The clock a step gets and the earlier steps it races with.
    fn analyse(&self, step: &Step) -> (VClock, SmallVec<[usize; 4]>) {
        let thread = step.thread;
        let mut candidates: SmallVec<[usize; 8]> = SmallVec::new();
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
        let own = &self.clocks[thread];
        let mut clock = own.clone();
        for &i in &candidates {
            clock.join(&self.events[i].clock);
        }
        clock.tick(thread);
        let mut races = SmallVec::new();
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
            if !self.reversible(first, step) || self.events[first].before(own) {
                continue;
            }
            let direct = candidates.iter().all(|&f| {
                f == first
                    || Some(f) == excluded
                    || !self.events[first].before(&self.events[f].clock)
            });
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

    /// The acquisition of the critical section that release `i` ended on `key`.
    fn acquisition(&self, i: usize, key: Key) -> Option<usize> {
        let acquired = &self.events[i].acquired_by;
        acquired.iter().find(|(k, _)| *k == key).map(|&(_, a)| a)
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

    /// Record step `index`'s accesses in the histories (and the trace hash); returns its
    /// releases' acquisitions.
    fn update(&mut self, step: &Step, index: usize) -> SmallVec<[(Key, usize); 1]> {
        let local = self.clocks[step.thread].get(step.thread);
        let id = event_id(step.thread, local, step.answer);
        let accesses = &step.accesses;
        // Each key once, at its first access (a step has a few).
        let firsts =
            (0..accesses.len()).filter(|&k| accesses[..k].iter().all(|a| a.key != accesses[k].key));
        for first in firsts {
            let key = accesses[first].key;
            let writes = accesses[first..]
                .iter()
                .any(|a| a.key == key && a.role.writes());
            let (history, created) = match self.histories.entry(key) {
                std::collections::hash_map::Entry::Occupied(entry) => (entry.into_mut(), false),
                std::collections::hash_map::Entry::Vacant(entry) => {
                    self.key_undo.push(KeyUndo::Created(key));
                    (entry.insert(History::default()), true)
                }
            };
            if writes {
                if !created {
                    self.key_undo.push(KeyUndo::Wrote {
                        key,
                        last_write: history.last_write,
                        reads: std::mem::take(&mut history.reads),
                        sequence: history.sequence,
                        open_reads: history.open_reads,
                    });
                }
                history.sequence = mix(mix(history.sequence, history.open_reads), id);
                history.open_reads = 0;
                history.last_write = Some(index);
                history.reads.clear();
            } else {
                if !created {
                    self.key_undo.push(KeyUndo::Read(key, history.open_reads));
                }
                history.open_reads = history.open_reads.wrapping_add(mix(id, 0x9e37));
                history.reads.push(index);
            }
        }
        let mut acquired_by = SmallVec::new();
        for a in &step.accesses {
            let slot = (step.thread, a.key);
            match a.role {
                Role::Acquire { .. } => {
                    let previous = self.acquires.insert(slot, index);
                    self.acquire_undo.push((slot, previous));
                }
                Role::Release { .. } => {
                    if let Some(&acquired) = self.acquires.get(&slot) {
                        acquired_by.push((a.key, acquired));
                    }
                }
                _ => {}
            }
        }
        acquired_by
    }

    /// The clock jumped: everything before happens before everything after.
    fn jump(&mut self) {
        let mut all = VClock::default();
        for clock in &self.clocks {
            all.join(clock);
        }
        for clock in &mut self.clocks {
            clock.clone_from(&all);
        }
        self.frozen ^= self.epoch_hash();
        self.frozen = mix(self.frozen, 0x6a09);
        self.histories.clear();
    }

    fn epoch_hash(&self) -> u64 {
        self.histories.iter().fold(0u64, |acc, (key, h)| {
            acc ^ mix(mix(*key, h.sequence), h.open_reads)
        })
    }

    /// A canonical hash of the execution's trace: per key, the order of its conflicting
    /// accesses (reads between two writes unordered), each access naming its thread, the
    /// thread's step number and the step's outcome; epochs separated by clock jumps.
    pub(crate) fn trace_hash(&self) -> u64 {
        mix(self.frozen, self.epoch_hash())
    }

    /// The wakeup sequence that reverses the race of event `i` with `second` (a step of this
    /// execution, or `None`: the blocked step `blocked`): the steps after `i` that do not
    /// depend on it, then the second step.
    pub(crate) fn wakeup_sequence(
        &self,
        i: usize,
        second: Option<usize>,
        blocked: Option<&Step>,
    ) -> Vec<Step> {
        let first = &self.events[i];
        let end = second.unwrap_or(self.events.len());
        let mut v: Vec<Step> = Vec::with_capacity(end - i);
        v.extend(
            self.events[i + 1..end]
                .iter()
                .filter(|e| !first.before(&e.clock))
                .map(Event::step),
        );
        match (second, blocked) {
            (Some(j), _) => v.push(self.events[j].step()),
            (None, Some(step)) => v.push(step.clone()),
            (None, None) => {}
        }
        v
    }
}

/// A step's name in the trace hash: thread, its step number, outcome.
fn event_id(thread: ThreadId, local: u32, answer: Option<u32>) -> u64 {
    let answer = answer.map_or(0, |a| u64::from(a) + 1);
    (thread as u64) << 48 | u64::from(local) << 16 | answer
}

/// A 64-bit mix (SplitMix64's finaliser) of two values.
pub(crate) fn mix(a: u64, b: u64) -> u64 {
    let mut z = a ^ b.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
