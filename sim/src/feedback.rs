//! Feedback of one execution, for the schedule fuzzer ([`crate::strategy::greybox`]): the
//! *reads-from pairs* it exhibited and the coverage points (`sometimes!`) it reached.
//!
//! A reads-from pair says which write a read observed: an atomic load or read-modify-write
//! reads from the last store (or update) of the same object, a lock acquisition from the last
//! release of the same lock, a join from the joined thread's exit, a condvar re-lock from the
//! last wait or notification — or from the object's *initial* state when nothing wrote it yet.
//! Both ends are named by their [`Site`]: the source location and kind of the operation, never
//! a thread id, an object id or an address, so a pair means the same in every execution and in
//! every run of the same program version (that is what lets a corpus persist across runs).
//!
//! Guarantees: feedback is a pure function of the execution (the same execution gives the same
//! feedback, in any process); it never changes what runs — `sometimes!` is not a scheduling
//! point, and the pairs are read off the finished trace.
//!
//! Items (what makes an execution *new*, AFL-style): every pair with its hit count in
//! logarithmic buckets (1, 2, 3, 4–7, 8–15, ...), every coverage point with whether its
//! condition held, every fault point with whether it fired.

use crate::exec::sched::ExecResult;
use crate::exec::state::EXEC;
use crate::op::{Op, OpKind};
use std::collections::{HashMap, HashSet};
use std::panic::Location;

/// A program point that reads or writes shared state: a hash of an operation's source location
/// (file, line, column) and kind. [`INITIAL`] stands for "nothing wrote it yet".
pub(crate) type Site = u64;

/// The writer of a read that saw an object's initial state.
pub(crate) const INITIAL: Site = 0;

/// One reads-from pair: the read at `reader` observed the write at `writer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Pair {
    pub(crate) writer: Site,
    pub(crate) reader: Site,
}

/// How an operation uses its object, for reads-from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    None,
    Read,
    Write,
    /// Reads, then writes (an atomic update).
    Update,
}

impl Effect {
    pub(crate) fn of(kind: OpKind) -> Effect {
        match kind {
            // A try-lock that fails changes nothing: counted as a read either way.
            OpKind::AtomicLoad | OpKind::Join | OpKind::TryLock => Effect::Read,
            // An acquisition reads the last release and changes the lock's state: a later
            // acquisition can only read a release after it, so as a writer it never shows up
            // in a pair, but the fuzzer can hold it back to let another acquisition go first.
            OpKind::Lock | OpKind::ReadLock | OpKind::WriteLock | OpKind::Reacquire => {
                Effect::Update
            }
            OpKind::AtomicStore
            | OpKind::Unlock
            | OpKind::WriteUnlock
            | OpKind::ReadUnlock
            | OpKind::Wait
            | OpKind::NotifyOne
            | OpKind::NotifyAll
            | OpKind::Output
            | OpKind::Reinit
            | OpKind::Exit => Effect::Write,
            OpKind::AtomicRmw | OpKind::AsyncOp => Effect::Update,
            OpKind::Start
            | OpKind::Spawn
            | OpKind::Fork
            | OpKind::SpawnProcess
            | OpKind::Yield
            | OpKind::Sleep
            | OpKind::ReadClock
            | OpKind::Fault
            | OpKind::Park => Effect::None,
        }
    }

    pub(crate) fn reads(self) -> bool {
        matches!(self, Effect::Read | Effect::Update)
    }

    pub(crate) fn writes(self) -> bool {
        matches!(self, Effect::Write | Effect::Update)
    }
}

const FNV64_OFFSET: u64 = 0xCBF2_9CE4_8422_2325;

fn fnv(bytes: impl IntoIterator<Item = u8>, mut hash: u64) -> u64 {
    for b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01B3);
    }
    hash
}

fn location_hash(at: &Location<'_>, tag: u8) -> u64 {
    let hash = fnv(at.file().bytes(), FNV64_OFFSET);
    let hash = fnv(at.line().to_le_bytes(), hash);
    let hash = fnv(at.column().to_le_bytes(), hash);
    fnv([tag], hash)
}

/// The site of an operation (never [`INITIAL`]).
pub(crate) fn site(op: &Op) -> Site {
    location_hash(op.location, op.kind as u8).max(1)
}

/// Distinct tags for the non-pair items, so no item kind collides with another's by design.
const TAG_PAIR: u8 = 0xA1;
const TAG_COVER: u8 = 0xA2;
const TAG_FAULT: u8 = 0xA3;

/// The feedback item of coverage point `name` reached with its condition `held`.
fn coverage_item(name: &str, held: bool) -> u64 {
    fnv(name.bytes(), fnv([TAG_COVER, u8::from(held)], FNV64_OFFSET))
}

/// Record a `sometimes!` point in the running execution, if one runs on this OS thread.
pub(crate) fn sometimes(condition: bool, name: &'static str) {
    EXEC.with(|cell| {
        if let Ok(mut e) = cell.try_borrow_mut() {
            if e.active && !e.tearing_down {
                e.coverage.push((name, condition));
            }
        }
    });
}

/// What one execution exhibited.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Feedback {
    /// Its reads-from pairs, sorted, each once.
    pub(crate) pairs: Vec<Pair>,
    /// Its feedback items, sorted, each once.
    pub(crate) items: Vec<u64>,
    /// The pairs it could have shown: every write site (and the initial state) of an object
    /// with every read site of the same object, each once (at most [`MAX_POTENTIAL`] per
    /// object), in the order their read sites first ran (then the initial state and the write
    /// sites in the order they first wrote) — an order that depends on the execution alone,
    /// not on where the code is.
    pub(crate) potential: Vec<Pair>,
}

/// Most potential pairs kept per object.
pub(crate) const MAX_POTENTIAL: usize = 64;

/// AFL's hit-count buckets: 1, 2, 3, 4–7, 8–15, 16–31, 32–127, 128+.
fn bucket(count: u32) -> u8 {
    match count {
        0..=3 => count as u8,
        4..=7 => 4,
        8..=15 => 5,
        16..=31 => 6,
        32..=127 => 7,
        _ => 8,
    }
}

/// The feedback of a finished execution.
pub(crate) fn of(result: &ExecResult) -> Feedback {
    let mut last_writer: HashMap<u32, Site> = HashMap::new();
    let mut counts: HashMap<Pair, u32> = HashMap::new();
    // Per object: its write sites and read sites, each once, in order.
    let mut sites: HashMap<u32, (Vec<Site>, Vec<Site>)> = HashMap::new();
    // Every (object, read site), in the order the site first read the object.
    let mut reads_in_order: Vec<(u32, Site)> = Vec::new();
    let mut items = Vec::new();
    for step in &result.trace {
        let op = &step.op;
        if op.kind == OpKind::Fault {
            let fired = step.answer == Some(1);
            items.push(location_hash(op.location, TAG_FAULT) ^ u64::from(fired));
            continue;
        }
        let Some(object) = op.object else {
            continue;
        };
        let effect = Effect::of(op.kind);
        let here = site(op);
        let (writers, readers) = sites
            .entry(object)
            .or_insert_with(|| (vec![INITIAL], Vec::new()));
        if effect.writes() && !writers.contains(&here) {
            writers.push(here);
        }
        if effect.reads() && !readers.contains(&here) {
            readers.push(here);
            reads_in_order.push((object, here));
        }
        if effect.reads() {
            let writer = last_writer.get(&object).copied().unwrap_or(INITIAL);
            *counts
                .entry(Pair {
                    writer,
                    reader: here,
                })
                .or_default() += 1;
        }
        if effect.writes() {
            last_writer.insert(object, here);
        }
    }
    let mut pairs: Vec<Pair> = counts.keys().copied().collect();
    pairs.sort_unstable();
    for (pair, count) in &counts {
        let hash = fnv(pair.writer.to_le_bytes(), fnv([TAG_PAIR], FNV64_OFFSET));
        let hash = fnv(pair.reader.to_le_bytes(), hash);
        items.push(fnv([bucket(*count)], hash));
    }
    items.extend(
        result
            .coverage
            .iter()
            .map(|&(name, held)| coverage_item(name, held)),
    );
    items.sort_unstable();
    items.dedup();
    let mut potential: Vec<Pair> = Vec::new();
    let mut kept: HashMap<u32, usize> = HashMap::new();
    let mut seen: HashSet<Pair> = HashSet::new();
    for (object, reader) in reads_in_order {
        let writers = &sites[&object].0;
        let room = kept.entry(object).or_default();
        for &writer in writers {
            if *room == MAX_POTENTIAL {
                break;
            }
            *room += 1;
            let pair = Pair { writer, reader };
            if seen.insert(pair) {
                potential.push(pair);
            }
        }
    }
    Feedback {
        pairs,
        items,
        potential,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::{Builder, Sim};
    use lockstep::sync::atomic::AtomicU64;
    use lockstep::sync::{thread, Arc};
    use std::sync::atomic::Ordering::SeqCst;

    #[test]
    fn buckets_are_logarithmic() {
        let got: Vec<u8> = [1, 2, 3, 4, 7, 8, 16, 32, 200].map(bucket).to_vec();
        assert_eq!(got, [1, 2, 3, 4, 4, 5, 6, 7, 8]);
    }

    #[test]
    fn every_operation_kind_has_an_effect_and_updates_read_and_write() {
        assert!(Effect::of(OpKind::AtomicRmw).reads() && Effect::of(OpKind::AtomicRmw).writes());
        assert!(Effect::of(OpKind::Lock).reads() && Effect::of(OpKind::Lock).writes());
        assert!(!Effect::of(OpKind::Unlock).reads() && Effect::of(OpKind::Unlock).writes());
        assert_eq!(Effect::of(OpKind::Yield), Effect::None);
    }

    /// Every execution of `n` random walks of `model`.
    pub(crate) fn executions(
        model: impl Fn() + Send + Sync + 'static,
        n: usize,
    ) -> Vec<ExecResult> {
        use crate::strategy::Scheduler;
        let config = Builder::random(n).resolved().unwrap();
        let session = crate::session::Session::for_test(&config, std::sync::Arc::new(model));
        let mut walk = crate::strategy::random::RandomWalk::new(1, (0..n).step_by(1), 0.0);
        let mut out = Vec::new();
        while walk.next_execution() {
            out.push(session.execute(&mut walk));
        }
        out
    }

    /// A store and a load racing: the load reads from the initial value in one order and
    /// from the store in the other — two different pairs, the same in every run.
    #[test]
    fn a_race_gives_two_pairs_by_source_location() {
        let model = || {
            let x: Arc<AtomicU64<Sim>, Sim> = Arc::new(AtomicU64::new(0));
            let y = x.clone();
            let t = thread::spawn::<Sim, _, _>(move || y.store(1, SeqCst));
            let _ = x.load(SeqCst);
            t.join().unwrap();
        };
        let mut pairs = std::collections::BTreeSet::new();
        for result in executions(model, 50) {
            let feedback = of(&result);
            assert_eq!(
                feedback,
                of(&result),
                "feedback is a function of the execution"
            );
            pairs.extend(feedback.pairs);
        }
        let loads = pairs.iter().filter(|p| p.writer != INITIAL).count();
        // initial -> load, store -> load, exit -> join
        assert_eq!(pairs.len(), 3, "{pairs:?}");
        assert_eq!(loads, 2, "{pairs:?}");
    }

    /// `sometimes!` is recorded with its condition, and only inside a simulation.
    #[test]
    fn coverage_points_are_items() {
        crate::sometimes!(true, "outside: ignored");
        let results = executions(
            || {
                crate::sometimes!(true, "reached");
                lockstep::sometimes!(Sim, false, "reached");
            },
            1,
        );
        assert_eq!(results[0].coverage, [("reached", true), ("reached", false)]);
        assert_eq!(of(&results[0]).items.len(), 2);
    }
}
