//! Errors of the block manager and its files.
//!
//! Guarantees: every refusal is a value naming the block and the reason (an illegal transition
//! names both states); a failed upload is kept with its block and reported to everyone who asks,
//! and [`CommitAllError`] lists *every* block that failed — nothing is swallowed.

use super::{BlockState, ConfigError, StoreError, TransitionError};
use std::fmt;

/// Why a [`BlockManager`](super::BlockManager) could not be created.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The settings are refused.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The OS refused to start an upload worker thread. The workers already started were
    /// stopped and joined; nothing was uploaded.
    #[error("could not start upload worker {worker} of {workers}: {reason}")]
    Spawn {
        /// The 0-based worker that could not start.
        worker: usize,
        /// The workers asked for.
        workers: usize,
        /// The OS's reason.
        reason: String,
    },
}

/// Identifies a buffer block within its manager (Arvados's `bufferblock<N>` names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlockId(pub(crate) u64);

impl BlockId {
    /// The block's number (allocation order, from 0).
    pub fn index(self) -> u64 {
        self.0
    }
}

impl fmt::Display for BlockId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "bufferblock{}", self.0)
    }
}

/// Why a block operation was refused or failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BlockError {
    /// The operation needs a state change the transition table forbids.
    #[error("{id}: {source}")]
    IllegalTransition {
        /// The block.
        id: BlockId,
        /// The refused `(from, to)` pair.
        #[source]
        source: TransitionError,
    },
    /// The manager has no such block.
    #[error("no block {0}")]
    UnknownBlock(BlockId),
    /// Appends go only to `Writable` blocks.
    #[error("{id} is {state}; only a Writable block accepts appends")]
    NotWritable {
        /// The block.
        id: BlockId,
        /// Its state.
        state: BlockState,
    },
    /// The append would make the block larger than the block size.
    #[error("{id} holds {len} bytes; {more} more would exceed the block size {block_size}")]
    BlockFull {
        /// The block.
        id: BlockId,
        /// Bytes it holds.
        len: usize,
        /// Bytes offered.
        more: usize,
        /// The limit.
        block_size: usize,
    },
    /// Admitting the bytes would exceed the cap and no upload is in flight that could free
    /// space, so waiting could never succeed (the space is held by writable blocks of other
    /// files or by failed blocks).
    #[error("buffer cap {cap} reached: {buffered} bytes buffered, {requested} more requested, no upload in flight")]
    BufferFull {
        /// Bytes buffered now.
        buffered: usize,
        /// Bytes asked for.
        requested: usize,
        /// The cap.
        cap: usize,
    },
    /// The block's upload failed (after its retries); the store's error.
    #[error("{id} failed to commit: {source}")]
    CommitFailed {
        /// The block.
        id: BlockId,
        /// The last store error.
        #[source]
        source: StoreError,
    },
    /// The block is being uploaded or retried; it cannot be discarded now.
    #[error("{0} is being uploaded and cannot be discarded")]
    InFlight(BlockId),
    /// The manager was stopped; it takes no new blocks or bytes.
    #[error("the block manager is stopped")]
    Stopped,
    /// Reading from the store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// `commit_all`, `flush(sync)` or `stop` could not commit some blocks: every one of them, with
/// its error, in block order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct CommitAllError {
    /// Each failed block and why.
    pub failures: Vec<(BlockId, BlockError)>,
}

impl fmt::Display for CommitAllError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} block(s) failed to commit", self.failures.len())?;
        for (i, (_, err)) in self.failures.iter().enumerate() {
            f.write_str(if i == 0 { ": " } else { "; " })?;
            write!(f, "{err}")?;
        }
        Ok(())
    }
}
