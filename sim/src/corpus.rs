//! The schedule fuzzer's corpus ([`FuzzCorpus`]): the schedules that produced new feedback, as
//! compact byte strings a tool can store (the `lockstep` CLI keeps them in its SQLite database)
//! and hand to the next run, which re-runs them first and mutates them.
//!
//! An entry is a fuzz *input*, not a recorded execution: a seed for the random choices, the
//! reads-from constraints to steer towards (each "the read at site R reads from the write at
//! site W", forced or negated; sites are source locations, see [`crate::feedback`]) and a
//! prefix of choices to follow while it fits. Nothing in it names a thread id or an address, and
//! the fuzzer applies it leniently (a constraint whose sites no longer exist steers nothing, a
//! prefix that no longer fits is dropped), so an entry stays meaningful across runs of the same
//! program version and harmless on any other program.
//!
//! Guarantees: [`FuzzCorpus::insert`] accepts exactly the byte strings [`Input::decode`]
//! decodes and refuses anything else with [`MalformedEntry`] (never a panic); entries are kept
//! once each, in the order they were added; a [`FuzzCorpus`] is a shared handle (clones see the
//! same entries), safe to use from several threads.

use crate::feedback::{Pair, Site};
use std::sync::{Arc, Mutex};

/// Format byte of an entry.
const VERSION: u8 = 1;
/// Most constraints an input carries.
pub(crate) const MAX_CONSTRAINTS: usize = 6;
/// Longest prefix an input carries.
pub(crate) const MAX_PREFIX: usize = 4096;

/// Steer towards (`force`) or away from (`!force`) one reads-from pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Constraint {
    pub(crate) pair: Pair,
    pub(crate) force: bool,
    /// Forced pairs only: also hold the write back as long as other threads can run, so that
    /// it is the *last* write before the read.
    pub(crate) late: bool,
}

/// One fuzz input: what the fuzzer needs to run a schedule again.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Input {
    /// Seeds the random choices the constraints and the prefix leave open.
    pub(crate) seed: u64,
    pub(crate) constraints: Vec<Constraint>,
    /// Choices to follow first (a choice stream's prefix), while they fit.
    pub(crate) prefix: Vec<u32>,
}

/// A corpus entry that is not an encoded fuzz input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed fuzz corpus entry: {0}")]
pub struct MalformedEntry(pub(crate) String);

fn put(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn byte(&mut self) -> Result<u8, MalformedEntry> {
        let (&b, rest) = self
            .0
            .split_first()
            .ok_or_else(|| MalformedEntry("truncated".into()))?;
        self.0 = rest;
        Ok(b)
    }

    fn varint(&mut self) -> Result<u64, MalformedEntry> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            if shift == 63 && b > 1 {
                return Err(MalformedEntry("a number is over 64 bits".into()));
            }
            v |= u64::from(b & 0x7F) << shift;
            if b & 0x80 == 0 {
                // One encoding per number: no trailing zero groups.
                if b == 0 && shift > 0 {
                    return Err(MalformedEntry(
                        "a number is not in its shortest form".into(),
                    ));
                }
                return Ok(v);
            }
        }
        Err(MalformedEntry("a number is over 64 bits".into()))
    }

    fn count(&mut self, max: usize, what: &str) -> Result<usize, MalformedEntry> {
        match self.varint()? {
            n if n as usize <= max && n <= max as u64 => Ok(n as usize),
            n => Err(MalformedEntry(format!("{n} {what}, at most {max}"))),
        }
    }
}

impl Input {
    /// The entry's bytes.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = vec![VERSION];
        put(&mut out, self.seed);
        put(&mut out, self.constraints.len() as u64);
        for c in &self.constraints {
            put(&mut out, c.pair.writer);
            put(&mut out, c.pair.reader);
            out.push(u8::from(c.force) + u8::from(c.force && c.late));
        }
        put(&mut out, self.prefix.len() as u64);
        for &choice in &self.prefix {
            put(&mut out, u64::from(choice));
        }
        out
    }

    /// Decode an entry; anything but exactly what [`Input::encode`] writes is refused.
    pub(crate) fn decode(bytes: &[u8]) -> Result<Input, MalformedEntry> {
        let mut r = Reader(bytes);
        match r.byte()? {
            VERSION => {}
            v => return Err(MalformedEntry(format!("unknown format {v}"))),
        }
        let seed = r.varint()?;
        let n = r.count(MAX_CONSTRAINTS, "constraints")?;
        let mut constraints = Vec::with_capacity(n);
        for _ in 0..n {
            let writer: Site = r.varint()?;
            let reader: Site = r.varint()?;
            let (force, late) = match r.byte()? {
                0 => (false, false),
                1 => (true, false),
                2 => (true, true),
                b => return Err(MalformedEntry(format!("constraint sign {b}"))),
            };
            constraints.push(Constraint {
                pair: Pair { writer, reader },
                force,
                late,
            });
        }
        let n = r.count(MAX_PREFIX, "prefix choices")?;
        let mut prefix = Vec::with_capacity(n);
        for _ in 0..n {
            let choice = u32::try_from(r.varint()?)
                .map_err(|_| MalformedEntry("a choice is over 32 bits".into()))?;
            prefix.push(choice);
        }
        if !r.0.is_empty() {
            return Err(MalformedEntry(format!("{} bytes after the end", r.0.len())));
        }
        Ok(Input {
            seed,
            constraints,
            prefix,
        })
    }
}

#[derive(Debug, Default)]
struct Entries {
    list: Vec<Vec<u8>>,
    seen: std::collections::HashSet<Vec<u8>>,
}

/// A schedule fuzzer's corpus: the inputs that produced new feedback. Hand one to
/// [`Builder::corpus`](crate::Builder::corpus): the run re-runs its entries first, then adds
/// every input that finds new feedback; read [`FuzzCorpus::entries`] afterwards to keep them.
///
/// ```
/// use lockstep_sim::{Builder, FuzzCorpus, Sim};
/// use lockstep::sync::{thread, atomic::AtomicU64, Arc};
/// use std::sync::atomic::Ordering::SeqCst;
///
/// let model = || {
///     let x: Arc<AtomicU64<Sim>, Sim> = Arc::new(AtomicU64::new(0));
///     let y = x.clone();
///     let t = thread::spawn::<Sim, _, _>(move || y.store(1, SeqCst));
///     let _ = x.load(SeqCst);
///     t.join().unwrap();
/// };
/// let corpus = FuzzCorpus::new();
/// Builder::fuzz(200).corpus(&corpus).check(model);
/// let kept = corpus.entries();
/// assert!(!kept.is_empty());
///
/// // The next run (another process, another day) starts from them.
/// let next = FuzzCorpus::new();
/// for entry in &kept {
///     next.insert(entry).unwrap();
/// }
/// Builder::fuzz(200).seed(1).corpus(&next).check(model);
/// assert!(next.len() >= kept.len());
/// ```
#[derive(Clone, Default)]
pub struct FuzzCorpus {
    entries: Arc<Mutex<Entries>>,
}

impl FuzzCorpus {
    /// An empty corpus.
    pub fn new() -> FuzzCorpus {
        FuzzCorpus::default()
    }

    /// Add an entry (bytes from [`FuzzCorpus::entries`], perhaps of an earlier run): `Ok(true)`
    /// if it is new, `Ok(false)` if the corpus has it already, an error if the bytes are not
    /// an entry.
    pub fn insert(&self, entry: &[u8]) -> Result<bool, MalformedEntry> {
        Input::decode(entry)?;
        Ok(self.add(entry.to_vec()))
    }

    /// Add encoded bytes known to decode; `true` if new.
    pub(crate) fn add(&self, entry: Vec<u8>) -> bool {
        let mut entries = self.lock();
        if entries.seen.contains(&entry) {
            return false;
        }
        entries.seen.insert(entry.clone());
        entries.list.push(entry);
        true
    }

    /// Every entry, in the order added.
    pub fn entries(&self) -> Vec<Vec<u8>> {
        self.lock().list.clone()
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.lock().list.len()
    }

    /// Whether it has no entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The decoded entries (every entry decodes: only decodable bytes get in).
    pub(crate) fn inputs(&self) -> Vec<Input> {
        self.lock()
            .list
            .iter()
            .filter_map(|e| Input::decode(e).ok())
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        // A panic while holding the lock cannot leave the list half-changed (each change is one
        // push after the check), so a poisoned lock is still consistent.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl std::fmt::Debug for FuzzCorpus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FuzzCorpus")
            .field("entries", &self.len())
            .finish()
    }
}

/// Two handles are equal when they share their entries.
impl PartialEq for FuzzCorpus {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.entries, &other.entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_round_trip_and_garbage_is_refused() {
        let input = Input {
            seed: u64::MAX,
            constraints: vec![Constraint {
                pair: Pair {
                    writer: 0,
                    reader: 1 << 63,
                },
                force: true,
                late: true,
            }],
            prefix: vec![0, 3, u32::MAX],
        };
        assert_eq!(Input::decode(&input.encode()), Ok(input.clone()));
        let corpus = FuzzCorpus::new();
        assert_eq!(corpus.insert(&input.encode()), Ok(true));
        assert_eq!(corpus.insert(&input.encode()), Ok(false));
        assert_eq!(corpus.len(), 1);
        let mut rng = crate::rng::Rng::new(9);
        for len in 0..200 {
            let bytes: Vec<u8> = (0..len % 40).map(|_| rng.next_u64() as u8).collect();
            if let Ok(decoded) = Input::decode(&bytes) {
                assert_eq!(decoded.encode(), bytes);
            }
        }
        assert!(corpus.insert(&[]).is_err());
        assert!(corpus.insert(&[1, 0, 99]).is_err());
        let mut trailing = input.encode();
        trailing.push(0);
        assert!(corpus.insert(&trailing).is_err());
    }
}
