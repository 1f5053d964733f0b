//! A store wrapper that injects faults, for tests, checkers and benchmarks.
//!
//! Guarantees: faults are applied in the scripted order, one per `put`, so a test says exactly
//! what the store does ("fail, then succeed"); latency is spent with the facade's `sleep`, so
//! under loom, shuttle and lockstep-sim it is virtual time and a "slow" store costs no wall
//! time. Under lockstep-sim every `put` is also a named fault point (`block.store.put`) the
//! simulator may fire. `get` is never faulted (reads are not what this component is about).

use super::{BlockStore, Locator, StoreError};
use crate::sync::{thread, Mutex, Runtime, Std};
use std::collections::VecDeque;
use std::fmt;
use std::time::Duration;

/// What one `put` of a [`FaultStore`] does instead of (or before) storing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Fail with [`StoreError::Injected`]; nothing is stored.
    Fail,
    /// Sleep this long (facade time), then store.
    Slow(Duration),
    /// Keep only the first `n` bytes and return *their* locator (a torn upload the store
    /// acknowledged; the manager must notice the size mismatch).
    Partial(usize),
    /// Panic inside `put` (an upload that dies; the worker must survive it).
    Panic,
}

/// The fault point name `FaultStore` offers to backends that inject faults (lockstep-sim).
pub const PUT_FAULT_POINT: &str = "block.store.put";

/// Wraps a store; scripted faults and a fixed latency per `put`.
///
/// ```
/// use lockstep::block::{BlockStore, Fault, FaultStore, MemoryStore};
/// let store = FaultStore::new(MemoryStore::new());
/// store.script([Fault::Fail]);
/// assert!(store.put(b"x").is_err()); // the scripted failure
/// assert!(store.put(b"x").is_ok()); // then the inner store
/// assert_eq!(store.puts(), 2);
/// ```
pub struct FaultStore<S, R: Runtime = Std> {
    inner: S,
    script: Mutex<Script, R>,
    latency: Duration,
}

/// The faults to come and the counts so far, under one lock (one round-trip per `put`, which
/// keeps checker explorations small).
#[derive(Default)]
struct Script {
    faults: VecDeque<Fault>,
    puts: usize,
    failed: usize,
}

impl<S: BlockStore> FaultStore<S, Std> {
    /// Wrap `inner`; no faults scripted, no latency.
    pub fn new(inner: S) -> Self {
        Self::with_runtime(inner)
    }
}

impl<S: BlockStore, R: Runtime> FaultStore<S, R> {
    /// Wrap `inner` on runtime `R`.
    pub fn with_runtime(inner: S) -> Self {
        FaultStore {
            inner,
            script: Mutex::new(Script::default()),
            latency: Duration::ZERO,
        }
    }

    /// Every `put` first sleeps `latency` (facade time).
    pub fn with_latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Append faults; each later `put` consumes the next one.
    pub fn script(&self, faults: impl IntoIterator<Item = Fault>) {
        self.script.lock().faults.extend(faults);
    }

    /// The next `n` puts fail.
    pub fn fail_next(&self, n: usize) {
        self.script(std::iter::repeat_n(Fault::Fail, n));
    }

    /// `put` calls so far (including failed ones).
    pub fn puts(&self) -> usize {
        self.script.lock().puts
    }

    /// `put` calls that failed, were torn or panicked.
    pub fn faults_applied(&self) -> usize {
        self.script.lock().failed
    }

    /// The wrapped store.
    pub fn inner(&self) -> &S {
        &self.inner
    }
}

impl<S: BlockStore, R: Runtime> BlockStore for FaultStore<S, R> {
    fn put(&self, data: &[u8]) -> Result<Locator, StoreError> {
        if !self.latency.is_zero() {
            thread::sleep::<R>(self.latency);
        }
        // The backend's own fault point (lockstep-sim) fails this put like a scripted `Fail`,
        // leaving the script for the next put.
        let injected = R::fault(PUT_FAULT_POINT);
        let fault = {
            let mut script = self.script.lock();
            script.puts += 1;
            let fault = if injected {
                Some(Fault::Fail)
            } else {
                script.faults.pop_front()
            };
            if fault.is_some_and(|f| !matches!(f, Fault::Slow(_))) {
                script.failed += 1;
            }
            fault
        };
        match fault {
            None => self.inner.put(data),
            Some(Fault::Fail) => Err(StoreError::Injected(PUT_FAULT_POINT)),
            Some(Fault::Slow(extra)) => {
                thread::sleep::<R>(extra);
                self.inner.put(data)
            }
            Some(Fault::Partial(n)) => self.inner.put(&data[..n.min(data.len())]),
            Some(Fault::Panic) => panic!("FaultStore: scripted panic in put"),
        }
    }

    fn get(&self, locator: &Locator) -> Result<Vec<u8>, StoreError> {
        self.inner.get(locator)
    }
}

impl<S: fmt::Debug, R: Runtime> fmt::Debug for FaultStore<S, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FaultStore")
            .field("inner", &self.inner)
            .field("latency", &self.latency)
            .field("puts", &self.script.lock().puts)
            .finish_non_exhaustive()
    }
}
