//! Greybox schedule fuzzing with reads-from feedback, after RFF (Wolff et al., "Greybox Fuzzing
//! for Concurrency Testing", ASPLOS 2024; dylanjwolff/RFF).
//!
//! A schedule is a fuzz [`Input`]: a seed, up to a few *reads-from constraints* ("the read at
//! site R reads from the write at site W" — forced, or negated) and a prefix of choices. An
//! execution runs it: the prefix is followed while it fits, then at every decision the threads
//! whose next step would break an active constraint are *delayed* — a read whose constraint
//! is not met yet (a forced pair whose write has not happened last, a negated pair whose write
//! has), a write that would overwrite the value a forced read is waiting to see or provide a
//! negated one — and a thread is drawn at random from the others (from all, when every
//! runnable thread is delayed: a delay never disables a thread, so it can never cause a
//! deadlock). A constraint stops delaying once a read at its site ran, and all of them stop
//! after a budget of delaying decisions, so a spinning thread cannot be starved into a false
//! livelock.
//!
//! Feedback ([`crate::feedback`]): every execution's reads-from pairs and coverage points. An
//! input whose execution shows a feedback item no earlier execution showed joins the corpus.
//! The next input is, in this order of preference:
//! - an entry of the given corpus, re-run;
//! - a fresh seed, until the corpus has an entry;
//! - the **sweep**: every *potential* pair (a write site, or the initial state, and a read site
//!   of the same object) that no execution has shown yet is forced once, alone, in a random
//!   order — skipped if some execution showed it meanwhile. Most concurrency bugs are one
//!   reads-from pair that the first schedules do not show (a read of the initial state where a
//!   write usually comes first, a read between two writes); forcing each such pair once, before
//!   any random mutation, reaches them in a handful of executions (SCTBench's `reorder_N` in a
//!   median of 2 at every N, `docs/fuzzing.md`); after 64 sweep inputs (a model with many
//!   sites) the sweep takes only every other input, so that mutations go on as well;
//! - a fresh seed (one in sixteen);
//! - a mutation of a corpus entry chosen by a **power schedule** that favours rare feedback (an
//!   entry's weight is the sum over its items of 1 / the executions that showed the item):
//! - *force* a reads-from pair — favouring pairs seen rarely, and pairs never seen at all (any
//!   write site, or the initial state, with a read site of the same object: a read from the
//!   initial value at a site that always read a written one); half the forced pairs with a
//!   writer are *late* (the write is held back too, so that it is the last before the read);
//! - *negate* a pair the parent exhibited;
//! - *splice* the constraints of two entries;
//! - *move a preemption*: the parent's choice stream with one context switch moved a step
//!   earlier or later, as a prefix.
//!
//! **Guarantee**: none beyond a random walk's (every schedule keeps a chance: the fresh seeds
//! are random walks); the point is speed on bugs that are one or two reads-from pairs away —
//! SCTBench's `reorder_N` and `twostage_N` at any N (`docs/fuzzing.md`). Deterministic for a
//! seed: the same seed, corpus and program give the same executions.

use super::{Decision, Ended, Indices, OptionKind, Pick, Scheduler};
use crate::access::Key;
use crate::corpus::{Constraint, FuzzCorpus, Input, MAX_CONSTRAINTS, MAX_PREFIX};
use crate::exec::sched::ExecResult;
use crate::feedback::{self, Effect, Pair, Site, INITIAL};
use crate::op::ThreadId;
use crate::rng::Rng;
use std::collections::{HashMap, HashSet, VecDeque};

/// Sweep inputs run back to back before the sweep shares the inputs with mutations.
const SWEEP_ALONE: usize = 64;

/// Most delaying decisions per execution.
const MAX_PATIENCE: usize = 2_000;

/// What the run keeps of one corpus entry.
#[derive(Debug)]
struct Entry {
    input: Input,
    /// The choice stream of its execution (cut at [`MAX_PREFIX`]).
    choices: Vec<u32>,
    items: Vec<u64>,
    pairs: Vec<Pair>,
}

/// The greybox fuzzing strategy.
#[derive(Debug)]
pub(crate) struct Greybox {
    rng: Rng,
    budget: Indices,
    fault_probability: f64,
    patience: usize,
    shared: FuzzCorpus,
    /// Entries of the given corpus still to re-run.
    loaded: VecDeque<Input>,
    entries: Vec<Entry>,
    /// Executions that showed each item, each pair.
    hits: HashMap<u64, u32>,
    pair_hits: HashMap<Pair, u32>,
    /// Every potential pair seen (see [`feedback::Feedback::potential`]), in the order first
    /// seen (decisions never iterate a hash map), and as a set.
    candidates: Vec<Pair>,
    candidate_set: HashSet<Pair>,
    /// Potential pairs no execution had shown when they were first seen, each to be forced
    /// once (see [`Greybox::next_input`]).
    unseen: Vec<Pair>,
    /// Inputs the sweep gave so far, and whether it has the next turn once it shares them.
    swept: usize,
    sweep_turn: bool,
    // The current execution.
    input: Input,
    from_corpus: bool,
    /// The next prefix choice while the prefix is followed.
    prefix_at: Option<usize>,
    active: Vec<bool>,
    delays: usize,
    last_writer: HashMap<Key, Site>,
    draws: Rng,
}

impl Greybox {
    /// A fuzzer running the executions `budget` lists, starting from (and adding to) `corpus`;
    /// `max_steps` is the run's step bound (delays stop well before it).
    pub(crate) fn new(
        seed: u64,
        budget: Indices,
        fault_probability: f64,
        max_steps: usize,
        corpus: FuzzCorpus,
    ) -> Self {
        // The corpus's size is mixed into the seed: a CI job that fuzzes with the same seed every
        // run (the default) still draws new inputs once the corpus has grown; the same seed and
        // corpus still give the same run.
        let mixed = match corpus.len() {
            0 => seed,
            n => crate::rng::mix(seed, n as u64),
        };
        Greybox {
            rng: Rng::new(mixed),
            budget,
            fault_probability,
            patience: (max_steps / 4).min(MAX_PATIENCE),
            loaded: corpus.inputs().into(),
            shared: corpus,
            entries: Vec::new(),
            hits: HashMap::new(),
            pair_hits: HashMap::new(),
            candidates: Vec::new(),
            candidate_set: HashSet::new(),
            unseen: Vec::new(),
            swept: 0,
            sweep_turn: true,
            input: Input::default(),
            from_corpus: false,
            prefix_at: None,
            active: Vec::new(),
            delays: 0,
            last_writer: HashMap::new(),
            draws: Rng::new(seed),
        }
    }

    /// The next input: a loaded entry, a fresh seed, or a mutation.
    fn next_input(&mut self) -> (Input, bool) {
        if let Some(input) = self.loaded.pop_front() {
            return (input, true);
        }
        if !self.entries.is_empty() {
            // The sweep runs alone at first; past `SWEEP_ALONE` inputs (a model with many
            // sites), it takes every other input, so that mutations go on too.
            self.sweep_turn = self.swept < SWEEP_ALONE || !self.sweep_turn;
            if self.sweep_turn {
                if let Some(input) = self.sweep() {
                    self.swept += 1;
                    return (input, false);
                }
            }
        }
        if self.entries.is_empty() || self.rng.below(16) == 0 {
            let seed = self.rng.next_u64();
            return (
                Input {
                    seed,
                    ..Input::default()
                },
                false,
            );
        }
        (self.mutate(), false)
    }

    /// A pair of `unseen` drawn at random that still no execution has shown, forced alone.
    fn sweep(&mut self) -> Option<Input> {
        while !self.unseen.is_empty() {
            let pair = self.unseen.swap_remove(self.rng.below(self.unseen.len()));
            if self.pair_hits.contains_key(&pair) {
                continue;
            }
            let c = Constraint {
                pair,
                force: true,
                late: false,
            };
            return Some(Input {
                seed: self.rng.next_u64(),
                constraints: vec![c],
                prefix: Vec::new(),
            });
        }
        None
    }

    /// An entry index drawn by the power schedule: weight = Σ 1 / hits over its items.
    fn pick_entry(&mut self) -> usize {
        let weights: Vec<f64> = self
            .entries
            .iter()
            .map(|e| {
                e.items
                    .iter()
                    .map(|i| 1.0 / f64::from(self.hits.get(i).copied().unwrap_or(1).max(1)))
                    .sum::<f64>()
                    .max(1e-9)
            })
            .collect();
        self.weighted(&weights)
    }

    /// An index drawn with probability proportional to `weights` (not all zero).
    fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut point = (self.rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * total;
        for (i, w) in weights.iter().enumerate() {
            if point < *w {
                return i;
            }
            point -= w;
        }
        weights.len() - 1
    }

    /// A pair to force: every potential pair (a write site, or the initial state, and a read
    /// site of the same object), weighted by 1 / (1 + executions that showed it)², so the rarely
    /// seen weigh most (never seen: weight 1).
    fn pair_to_force(&mut self) -> Option<Pair> {
        if self.candidates.is_empty() {
            return None;
        }
        let candidates = &self.candidates;
        let weights: Vec<f64> = candidates
            .iter()
            .map(|p| {
                let hits = f64::from(self.pair_hits.get(p).copied().unwrap_or(0));
                1.0 / ((1.0 + hits) * (1.0 + hits))
            })
            .collect();
        let chosen = self.weighted(&weights);
        Some(self.candidates[chosen])
    }

    fn mutate(&mut self) -> Input {
        let parent = self.pick_entry();
        let mut input = Input {
            seed: self.rng.next_u64(),
            constraints: if self.rng.below(3) == 0 {
                Vec::new()
            } else {
                self.entries[parent].input.constraints.clone()
            },
            prefix: Vec::new(),
        };
        match self.rng.below(10) {
            0..=4 => {
                if let Some(pair) = self.pair_to_force() {
                    let late = pair.writer != INITIAL && self.rng.below(2) == 0;
                    let c = Constraint {
                        pair,
                        force: true,
                        late,
                    };
                    add(&mut input.constraints, c);
                }
            }
            5..=6 => {
                let pairs = &self.entries[parent].pairs;
                if !pairs.is_empty() {
                    let pair = pairs[self.rng.below(pairs.len())];
                    let c = Constraint {
                        pair,
                        force: false,
                        late: false,
                    };
                    add(&mut input.constraints, c);
                }
            }
            7 => {
                let other = self.pick_entry();
                let theirs = self.entries[other].input.constraints.clone();
                input.constraints = self.entries[parent].input.constraints.clone();
                input.constraints.truncate(MAX_CONSTRAINTS / 2);
                for c in theirs.into_iter().take(MAX_CONSTRAINTS / 2) {
                    add(&mut input.constraints, c);
                }
            }
            _ => {
                input.prefix = self.move_preemption(parent);
                input.constraints = self.entries[parent].input.constraints.clone();
            }
        }
        input
    }

    /// The parent's choice stream up to one of its context switches, moved one step earlier
    /// or later.
    fn move_preemption(&mut self, parent: usize) -> Vec<u32> {
        let choices = &self.entries[parent].choices;
        let switches: Vec<usize> = (1..choices.len())
            .filter(|&i| choices[i] != choices[i - 1])
            .collect();
        if switches.is_empty() {
            return Vec::new();
        }
        let at = switches[self.rng.below(switches.len())];
        let mut prefix = choices[..at].to_vec();
        if self.rng.below(2) == 0 {
            // Later: the previous thread runs once more before the switch.
            prefix.push(choices[at - 1]);
        } else {
            // Earlier: the switch happens one choice before.
            prefix.pop();
            prefix.push(choices[at]);
        }
        prefix.truncate(MAX_PREFIX);
        prefix
    }

    /// Would running `thread`'s next step now break an active constraint?
    fn delayed(&self, decision: &Decision<'_>, thread: ThreadId) -> bool {
        let view = &decision.threads[thread];
        let Some(key) = view.key else {
            return false;
        };
        let effect = Effect::of(view.next.kind);
        if effect == Effect::None {
            return false;
        }
        let here = feedback::site(&view.next);
        let constraints = self.input.constraints.iter().zip(&self.active);
        for (c, _) in constraints.filter(|(_, &active)| active) {
            if effect.reads() && c.pair.reader == here {
                let current = self.last_writer.get(&key).copied().unwrap_or(INITIAL);
                if c.force != (current == c.pair.writer) {
                    return true;
                }
            }
            if effect.writes() && self.delays_write(c, here, key) {
                return true;
            }
        }
        false
    }

    /// Would a write at `here` to `key` now work against constraint `c` (whose read has not run
    /// yet)? A negated pair's write is held back (the read is to see another); a forced pair's
    /// write is held back in late mode; another write that feeds the forced read is held back
    /// once it would overwrite the forced write's value (or the initial value, for a forced
    /// read of the initial state).
    fn delays_write(&self, c: &Constraint, here: Site, key: Key) -> bool {
        if here == c.pair.writer {
            return !c.force || c.late;
        }
        let feeds = Pair {
            writer: here,
            reader: c.pair.reader,
        };
        if !c.force || !self.candidate_set.contains(&feeds) {
            return false;
        }
        let current = self.last_writer.get(&key).copied().unwrap_or(INITIAL);
        current == c.pair.writer
    }

    /// Account for `thread`'s next step, which runs now.
    fn ran(&mut self, decision: &Decision<'_>, thread: ThreadId) {
        let view = &decision.threads[thread];
        let Some(key) = view.key else {
            return;
        };
        let effect = Effect::of(view.next.kind);
        let here = feedback::site(&view.next);
        if effect.reads() {
            for (c, active) in self.input.constraints.iter().zip(&mut self.active) {
                if c.pair.reader == here {
                    *active = false;
                }
            }
        }
        if effect.writes() {
            self.last_writer.insert(key, here);
        }
    }

    /// The prefix's next thread, if the prefix is still followed and fits.
    fn prefix_pick(&mut self, decision: &Decision<'_>) -> Option<ThreadId> {
        let at = self.prefix_at?;
        let next = self.input.prefix.get(at).map(|&t| t as usize);
        match next {
            Some(t) if decision.threads.get(t).is_some_and(|v| v.enabled) => {
                self.prefix_at = Some(at + 1);
                Some(t)
            }
            _ => {
                self.prefix_at = None;
                None
            }
        }
    }

    /// Learn from an execution's feedback; `true` if it showed an item never seen before.
    fn learn(&mut self, feedback: &feedback::Feedback) -> bool {
        let mut new = false;
        for item in &feedback.items {
            let hits = self.hits.entry(*item).or_default();
            new |= *hits == 0;
            *hits += 1;
        }
        for pair in &feedback.pairs {
            *self.pair_hits.entry(*pair).or_default() += 1;
        }
        for pair in &feedback.potential {
            if self.candidate_set.insert(*pair) {
                self.candidates.push(*pair);
                if !self.pair_hits.contains_key(pair) {
                    self.unseen.push(*pair);
                }
            }
        }
        new
    }
}

/// Add `c` to `constraints`, replacing one on the same pair, dropping the oldest beyond the cap.
fn add(constraints: &mut Vec<Constraint>, c: Constraint) {
    constraints.retain(|old| old.pair != c.pair);
    constraints.push(c);
    if constraints.len() > MAX_CONSTRAINTS {
        constraints.remove(0);
    }
}

impl Scheduler for Greybox {
    fn next_execution(&mut self) -> bool {
        if self.budget.next().is_none() {
            return false;
        }
        let (input, from_corpus) = self.next_input();
        self.draws = Rng::new(input.seed);
        self.prefix_at = (!input.prefix.is_empty()).then_some(0);
        self.active = vec![true; input.constraints.len()];
        self.input = input;
        self.from_corpus = from_corpus;
        self.delays = 0;
        self.last_writer.clear();
        true
    }

    fn pick_thread(&mut self, decision: &Decision<'_>) -> Pick {
        let enabled: Vec<ThreadId> = decision.enabled().collect();
        let chosen = if enabled.len() == 1 {
            enabled[0]
        } else if let Some(t) = self.prefix_pick(decision) {
            t
        } else {
            let steering = self.delays < self.patience && self.active.iter().any(|&a| a);
            let free: Vec<ThreadId> = if steering {
                enabled
                    .iter()
                    .copied()
                    .filter(|&t| !self.delayed(decision, t))
                    .collect()
            } else {
                Vec::new()
            };
            if steering && free.len() < enabled.len() {
                self.delays += 1;
            }
            let from = if free.is_empty() { &enabled } else { &free };
            from[self.draws.below(from.len())]
        };
        self.ran(decision, chosen);
        Pick::Thread(chosen)
    }

    fn pick_option(&mut self, kind: OptionKind, n: usize, _: ThreadId) -> Result<usize, String> {
        if let Some(at) = self.prefix_at {
            match self.input.prefix.get(at) {
                Some(&answer) if (answer as usize) < n => {
                    self.prefix_at = Some(at + 1);
                    return Ok(answer as usize);
                }
                _ => self.prefix_at = None,
            }
        }
        Ok(match kind {
            OptionKind::Fault => usize::from(self.draws.chance(self.fault_probability)),
            OptionKind::NotifyTarget => self.draws.below(n),
        })
    }

    fn observe(&mut self, result: &ExecResult) {
        let feedback = feedback::of(result);
        let new = self.learn(&feedback);
        if !(new || self.from_corpus) {
            return;
        }
        let input = std::mem::take(&mut self.input);
        if !self.from_corpus {
            self.shared.add(input.encode());
        }
        let mut choices = result.choices.clone();
        choices.truncate(MAX_PREFIX);
        self.entries.push(Entry {
            input,
            choices,
            items: feedback.items,
            pairs: feedback.pairs,
        });
    }

    fn end_execution(&mut self, _: Ended, _: usize) {}
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::textbook::{found, late_write, lost_update, median_found};
    use crate::{Builder, FuzzCorpus};

    /// The fuzzer finds the textbook bugs.
    #[test]
    fn finds_the_textbook_bugs() {
        assert!(found(Builder::fuzz(500).seed(1), lost_update).is_some());
        assert!(found(Builder::fuzz(2_000).seed(1), late_write(20)).is_some());
    }

    /// SCTBench's `reorder`: `setters` threads store `a = 1` then `b = 1`; a checker fails if
    /// it reads `a == 1` and then `b == 0`.
    fn reorder(setters: usize) -> impl Fn() + Send + Sync + Clone + 'static {
        use crate::Sim;
        use lockstep::sync::atomic::AtomicU64;
        use lockstep::sync::{thread, Arc};
        use std::sync::atomic::Ordering::SeqCst;
        move || {
            let ab: Arc<(AtomicU64<Sim>, AtomicU64<Sim>), Sim> =
                Arc::new((AtomicU64::new(0), AtomicU64::new(0)));
            let mut threads: Vec<_> = (0..setters)
                .map(|_| {
                    let ab = ab.clone();
                    thread::spawn::<Sim, _, _>(move || {
                        ab.0.store(1, SeqCst);
                        ab.1.store(1, SeqCst);
                    })
                })
                .collect();
            let check = ab.clone();
            threads.push(thread::spawn::<Sim, _, _>(move || {
                let a = check.0.load(SeqCst);
                let b = check.1.load(SeqCst);
                assert!(!(a == 1 && b == 0), "a = 1 before b = 1");
            }));
            for t in threads {
                t.join().unwrap();
            }
        }
    }

    /// The one reads-from pair `reorder` needs (the checker's load of `b` from the initial
    /// state, never shown by the first execution) is forced by the sweep of unseen pairs: found
    /// in a few executions at any size, where a random walk's odds fall with every setter.
    #[test]
    fn reads_from_feedback_finds_reorder_at_any_size() {
        for setters in [2, 9, 30] {
            let fuzz = median_found(0..9, |s| Builder::fuzz(500).seed(s), reorder(setters));
            assert!(fuzz <= 3, "{setters} setters: fuzz median {fuzz}");
        }
    }

    /// Every potential pair no execution has shown is forced once, alone, before any mutation;
    /// a pair some execution showed meanwhile is skipped.
    #[test]
    fn unseen_pairs_are_swept_first() {
        use crate::feedback::{Feedback, Pair};
        let mut fuzzer = super::Greybox::new(1, (0..9).step_by(1), 0.0, 1_000, FuzzCorpus::new());
        let pair = |writer, reader| Pair { writer, reader };
        let shown = pair(1, 9);
        let mut unseen = vec![pair(2, 9), pair(3, 9), pair(4, 9)];
        let mut potential = vec![shown];
        potential.extend(&unseen);
        fuzzer.learn(&Feedback {
            items: vec![1],
            pairs: vec![shown],
            potential,
        });
        fuzzer.entries.push(super::Entry {
            input: super::Input::default(),
            choices: Vec::new(),
            items: vec![1],
            pairs: vec![shown],
        });
        let forced = |input: super::Input| -> Pair {
            assert_eq!(input.constraints.len(), 1, "{input:?}");
            assert!(input.prefix.is_empty() && input.constraints[0].force);
            input.constraints[0].pair
        };
        let first = forced(fuzzer.next_input().0);
        unseen.retain(|&p| p != first);
        assert_eq!(unseen.len(), 2, "one of the unseen pairs");
        // An execution shows one of the other two meanwhile: the sweep skips it.
        fuzzer.learn(&Feedback {
            items: vec![2],
            pairs: vec![unseen[0]],
            potential: vec![unseen[0]],
        });
        assert_eq!(forced(fuzzer.next_input().0), unseen[1]);
        assert!(
            fuzzer.sweep().is_none(),
            "the sweep is over: mutations next"
        );
    }

    /// A correct program whose reads-from pairs vary with the schedule (store buffering):
    /// each of two threads stores its flag and loads the other's.
    fn publish() {
        use crate::Sim;
        use lockstep::sync::atomic::AtomicU64;
        use lockstep::sync::{thread, Arc};
        use std::sync::atomic::Ordering::SeqCst;
        let flags: Arc<(AtomicU64<Sim>, AtomicU64<Sim>), Sim> =
            Arc::new((AtomicU64::new(0), AtomicU64::new(0)));
        let f = flags.clone();
        let one = thread::spawn::<Sim, _, _>(move || {
            f.0.store(1, SeqCst);
            f.1.load(SeqCst)
        });
        let f = flags.clone();
        let two = thread::spawn::<Sim, _, _>(move || {
            f.1.store(1, SeqCst);
            f.0.load(SeqCst)
        });
        let seen = one.join().unwrap() + two.join().unwrap();
        assert!(
            seen >= 1,
            "sequential consistency: some thread sees the other's flag"
        );
    }

    /// An execution is new when it shows an item never seen: a pair's hit-count bucket or a
    /// `sometimes!` point (reached with a condition value not seen before) alike.
    #[test]
    fn a_new_item_makes_an_execution_new() {
        use crate::feedback::Feedback;
        let mut fuzzer = super::Greybox::new(1, (0..1).step_by(1), 0.0, 1_000, FuzzCorpus::new());
        let seen = Feedback {
            items: vec![1, 2],
            ..Feedback::default()
        };
        assert!(fuzzer.learn(&seen));
        assert!(!fuzzer.learn(&seen));
        let coverage = crate::feedback::tests::executions(|| crate::sometimes!(true, "reached"), 1);
        let mut reached = seen.clone();
        reached
            .items
            .extend(crate::feedback::of(&coverage[0]).items);
        assert!(fuzzer.learn(&reached));
        assert!(!fuzzer.learn(&reached));
    }

    /// On a model with many unseen pairs the sweep runs alone for `SWEEP_ALONE` inputs, then
    /// takes every other input.
    #[test]
    fn a_long_sweep_shares_the_inputs() {
        use crate::feedback::{Feedback, Pair};
        let mut fuzzer = super::Greybox::new(3, (0..999).step_by(1), 0.0, 1_000, FuzzCorpus::new());
        let potential: Vec<Pair> = (1..=200)
            .map(|w| Pair {
                writer: w,
                reader: 999,
            })
            .collect();
        fuzzer.learn(&Feedback {
            items: vec![1],
            pairs: Vec::new(),
            potential,
        });
        fuzzer.entries.push(super::Entry {
            input: super::Input::default(),
            choices: Vec::new(),
            items: vec![1],
            pairs: Vec::new(),
        });
        for _ in 0..super::SWEEP_ALONE {
            fuzzer.next_input();
        }
        assert_eq!(fuzzer.swept, super::SWEEP_ALONE);
        for _ in 0..10 {
            fuzzer.next_input();
        }
        assert_eq!(fuzzer.swept, super::SWEEP_ALONE + 5);
    }

    /// Delays never starve a spinning thread into a false livelock.
    #[test]
    fn spinning_is_not_a_livelock() {
        use super::super::textbook::spin_handshake;
        Builder::fuzz(300).seed(2).check(spin_handshake);
    }

    /// The corpus is re-run first and only grows; the same seed and corpus give the same run.
    #[test]
    fn the_corpus_grows_and_runs_reproduce() {
        let corpus = FuzzCorpus::new();
        Builder::fuzz(300).corpus(&corpus).check(publish);
        let first = corpus.len();
        assert!(first > 1, "{first}");
        let again = FuzzCorpus::new();
        for e in corpus.entries() {
            again.insert(&e).unwrap();
        }
        let copy = FuzzCorpus::new();
        for e in corpus.entries() {
            copy.insert(&e).unwrap();
        }
        Builder::fuzz(300).seed(5).corpus(&again).check(publish);
        Builder::fuzz(300).seed(5).corpus(&copy).check(publish);
        assert!(again.len() >= first);
        assert_eq!(again.entries(), copy.entries());
    }
}
