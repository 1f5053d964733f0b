//! The content-addressed block store interface and the in-memory store.
//!
//! Guarantees of every [`BlockStore`]: `put` returns the [`Locator`] of exactly the bytes it
//! stored (the manager compares the locator's size with what it sent, so a store that kept only a
//! prefix is caught); `get` of a locator returned by `put` gives those bytes back; failures are
//! typed [`StoreError`]s that can be cloned, because one failed upload is reported to every
//! thread waiting for that block.

use super::Locator;
use crate::sync::{Arc, Mutex, Runtime, Std};
use std::collections::HashMap;
use std::fmt;
use std::io;

/// A content-addressed block store (Keep's role).
///
/// Implementations must be safe to call from several upload workers at once; the manager never
/// calls them while holding one of its locks.
pub trait BlockStore: Send + Sync + 'static {
    /// Store `data`; return its locator (`md5hex+size`).
    fn put(&self, data: &[u8]) -> Result<Locator, StoreError>;
    /// The bytes stored under `locator`.
    fn get(&self, locator: &Locator) -> Result<Vec<u8>, StoreError>;
}

/// Why a store operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Nothing is stored under the locator.
    #[error("block {0} is not in the store")]
    NotFound(Locator),
    /// What is stored does not match the locator.
    #[error("block {locator} is corrupt: {reason}")]
    Corrupt {
        /// The locator that was read.
        locator: Locator,
        /// What did not match.
        reason: String,
    },
    /// The store acknowledged fewer bytes than were sent (a torn upload).
    #[error("the store kept {} of {expected} bytes (returned {stored})", stored.size())]
    ShortWrite {
        /// Bytes sent.
        expected: u64,
        /// The locator the store returned.
        stored: Locator,
    },
    /// An I/O operation failed.
    #[error("{op} {path}: {message}")]
    Io {
        /// What was being done (`"write"`, `"rename"`, ...).
        op: &'static str,
        /// The file involved.
        path: String,
        /// The OS error's kind.
        kind: io::ErrorKind,
        /// The OS error's text.
        message: String,
    },
    /// A fault injected by a test store.
    #[error("injected fault at {0}")]
    Injected(&'static str),
    /// The store panicked; the upload worker survived and reports it.
    #[error("the store panicked: {0}")]
    Panicked(String),
    /// Any other failure of a user-provided store.
    #[error("{0}")]
    Other(String),
}

impl StoreError {
    /// An [`StoreError::Io`] from an `io::Error`.
    pub fn io(op: &'static str, path: &std::path::Path, err: &io::Error) -> Self {
        StoreError::Io {
            op,
            path: path.display().to_string(),
            kind: err.kind(),
            message: err.to_string(),
        }
    }
}

impl<S: BlockStore, R: Runtime> BlockStore for Arc<S, R> {
    fn put(&self, data: &[u8]) -> Result<Locator, StoreError> {
        (**self).put(data)
    }
    fn get(&self, locator: &Locator) -> Result<Vec<u8>, StoreError> {
        (**self).get(locator)
    }
}

/// A store in memory: a map from locator to bytes. Production quality for tests, caches and
/// benchmarks; identical blocks are kept once.
///
/// ```
/// use lockstep::block::{BlockStore, MemoryStore};
/// let store = MemoryStore::new();
/// let loc = store.put(b"foo").unwrap();
/// assert_eq!(store.get(&loc).unwrap(), b"foo");
/// ```
pub struct MemoryStore<R: Runtime = Std> {
    blocks: Mutex<HashMap<Locator, Vec<u8>>, R>,
}

impl MemoryStore<Std> {
    /// An empty store.
    pub fn new() -> Self {
        Self::with_runtime()
    }
}

impl Default for MemoryStore<Std> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R: Runtime> MemoryStore<R> {
    /// An empty store on runtime `R`.
    pub fn with_runtime() -> Self {
        MemoryStore {
            blocks: Mutex::new(HashMap::new()),
        }
    }

    /// Number of distinct blocks stored.
    pub fn len(&self) -> usize {
        self.blocks.lock().len()
    }

    /// `true` if nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `true` if `locator` is stored.
    pub fn contains(&self, locator: &Locator) -> bool {
        self.blocks.lock().contains_key(locator)
    }

    /// Sum of the sizes of the distinct blocks stored.
    pub fn total_bytes(&self) -> u64 {
        self.blocks.lock().keys().map(Locator::size).sum()
    }
}

impl<R: Runtime> BlockStore for MemoryStore<R> {
    fn put(&self, data: &[u8]) -> Result<Locator, StoreError> {
        // Hash and copy outside the lock; the lock only guards the map insert. (A duplicate is
        // copied for nothing; checking first would cost a second lock round-trip per put.)
        let locator = Locator::of(data);
        let copy = data.to_vec();
        self.blocks.lock().entry(locator).or_insert(copy);
        Ok(locator)
    }

    fn get(&self, locator: &Locator) -> Result<Vec<u8>, StoreError> {
        self.blocks
            .lock()
            .get(locator)
            .cloned()
            .ok_or(StoreError::NotFound(*locator))
    }
}

impl<R: Runtime> fmt::Debug for MemoryStore<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore")
            .field("blocks", &self.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_get_and_dedup() {
        let store = MemoryStore::new();
        let a = store.put(b"hello").unwrap();
        assert_eq!(store.put(b"hello").unwrap(), a);
        assert_eq!(store.len(), 1);
        assert_eq!(store.total_bytes(), 5);
        assert_eq!(store.get(&a).unwrap(), b"hello");
        let missing = Locator::of(b"absent");
        assert_eq!(store.get(&missing), Err(StoreError::NotFound(missing)));
    }
}
