//! Buffer blocks streamed to a content-addressed store while a file is still being written
//! (after Arvados's writable FUSE mount and its `_BlockManager`).
//!
//! A [`BlockFile`] appends to the current `Writable` buffer block; a full block is sealed
//! (`Pending`) and queued on a bounded upload queue served by K worker threads, which put it in a
//! [`BlockStore`] (`Committed`) or record the failure (`Error`) and retry with exponential
//! backoff. Closing the file returns a [`Manifest`] of locator ranges.
//!
//! ```
//! use std::io::Write;
//! use lockstep::block::{BlockFile, BlockManager, Config, MemoryStore};
//!
//! let manager = BlockManager::new(MemoryStore::new(), Config::default()).unwrap();
//! let mut file = BlockFile::new(&manager);
//! file.write_all(b"streamed while written").unwrap();
//! let manifest = file.close().unwrap();
//! assert_eq!(manager.read(&manifest).unwrap(), b"streamed while written");
//! manager.stop().unwrap(); // commits or reports every block, then joins the workers
//! ```
//!
//! # What is guaranteed
//! - **One transition table** ([`TRANSITIONS`]); every state change is an atomic
//!   check-and-transition under the block's lock; anything else is a [`TransitionError`] naming
//!   both states.
//! - **`commit(block, sync)`** by state: `Writable` → queued; `Pending` → sync waits for the
//!   outcome, async returns; `Committed` → its locator; `Error` → retried or the stored error
//!   ([`OnError`]); `Deleted` → an illegal-transition error.
//! - **No blocking call while holding a manager or block lock**; back-pressure (a cap on buffered
//!   bytes) makes writers wait only while an upload that will free space is in flight.
//! - **Nothing acknowledged is lost**: `commit_all`/`flush(sync)`/`stop` commit every block or
//!   list it in one [`CommitAllError`]; `stop` never hangs, also when racing a commit.
//! - **From async tasks**: [`AsyncBlocks`] puts, reads, commits and stops without blocking an
//!   executor thread (the blocking calls run on the runtime's blocking pool).
//!
//! # What is not
//! - A store that returns a locator of the right size for the wrong bytes is trusted (the size is
//!   checked, the hash is not recomputed; [`DirStore`] verifies on read).
//! - `BufferFull`: with many files each holding a partly written block, or with failed blocks
//!   holding space, the cap can be reached with no upload in flight; then an append is refused
//!   rather than left waiting for ever.
//!
//! # Checking
//! Every type is generic over the facade's [`Runtime`](crate::sync::Runtime); the same code runs
//! under loom and shuttle in `tests/tests/{loom,shuttle}/block.rs`, with [`FaultStore`] supplying
//! failing-then-succeeding, slow (virtual time) and torn uploads.

mod async_blocks;
mod buffer;
mod config;
mod dir_store;
mod error;
mod fault_store;
mod file;
mod locator;
mod manager;
mod manifest;
mod state;
mod store;

pub use async_blocks::AsyncBlocks;
pub use config::{Config, ConfigError, OnError, RetryPolicy, KEEP_BLOCK_SIZE, MAX_WORKERS};
pub use dir_store::DirStore;
pub use error::{BlockError, BlockId, CommitAllError, StartError};
pub use fault_store::{Fault, FaultStore, PUT_FAULT_POINT};
pub use file::{BlockFile, CloseError, ClosedFile};
pub use locator::{Locator, LocatorParseError};
pub use manager::{BlockManager, Stats};
pub use manifest::{Manifest, ManifestParseError, Segment};
pub use state::{BlockState, TransitionError, TRANSITIONS};
pub use store::{BlockStore, MemoryStore, StoreError};
