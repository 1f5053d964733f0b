//! The block manager: buffer blocks, a bounded upload queue served by K workers, retries,
//! back-pressure, repacking and a shutdown that loses nothing.
//!
//! Guarantees (each is what an Arvados bug violated):
//! - **No blocking call under a lock.** The manager lock and block locks are only held for
//!   bookkeeping and copies; queueing an upload (which waits while the queue is full), store
//!   calls, backoff sleeps and joins all happen with no lock held. The one nesting is manager
//!   lock → block lock (repacking); nothing takes them the other way round.
//! - **Workers start with the manager**, not lazily from a locked method (Arvados's
//!   self-deadlock on a non-reentrant lock). A worker thread the OS refuses is a
//!   [`StartError::Spawn`] from the constructor, not a panic: the workers already started are
//!   stopped and joined first.
//! - **A sync commit waits for the outcome**, also when the block was already `Pending`
//!   (Arvados returned at once), and a failure is reported to every waiter.
//! - **A worker never dies silently**: a panicking store becomes a `StoreError::Panicked`, and
//!   any other unwinding marks the block failed before the worker goes (Arvados's missing
//!   `task_done()` left `join()` waiting for ever).
//! - **`stop` never loses or strands a block**: it refuses new blocks and bytes, commits every
//!   block and waits for each outcome, then closes the queue and joins the workers. A commit
//!   racing it either reached the queue (the workers drain it before they exit: a commit holds a
//!   sender while it sends, so the queue cannot close under it) or finds the queue closed and
//!   uploads on its own thread.
//! - **Back-pressure without deadlock**: appends wait while the buffered bytes would exceed the
//!   cap *and* an upload is in flight (its end frees space and wakes them); when nothing is in
//!   flight waiting could never end, so the append is refused with `BufferFull` instead.
//!
//! Accounting: `buffered` counts the bytes of every block not yet committed or deleted;
//! `in_flight` counts uploads queued, running or waiting for a retry.

use super::buffer::{Begun, BufferBlock};
use super::{
    BlockError, BlockId, BlockState, BlockStore, CommitAllError, Config, Locator, Manifest,
    Segment, StartError, StoreError,
};
use crate::sync::channel::{self, Receiver, SendError, Sender};
use crate::sync::thread::{self, panic_message, JoinHandle};
use crate::sync::{Arc, Condvar, Mutex, Runtime, Std};
use std::collections::BTreeMap;
use std::fmt;
use std::panic::AssertUnwindSafe;

type Job<R> = Arc<BufferBlock<R>, R>;

/// Counters of a manager, for monitoring and benchmarks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Stats {
    /// Bytes in blocks not yet committed or deleted.
    pub buffered_bytes: usize,
    /// The most `buffered_bytes` has ever been.
    pub peak_buffered_bytes: usize,
    /// The cap in force.
    pub buffer_cap: usize,
    /// Uploads queued, running or waiting for a retry.
    pub in_flight: usize,
    /// Blocks ever allocated.
    pub blocks: usize,
}

/// A range of a buffer block that belongs to a file (before its blocks have locators).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Extent {
    pub(crate) block: BlockId,
    pub(crate) offset: usize,
    pub(crate) len: usize,
}

struct Books<R: Runtime> {
    blocks: BTreeMap<BlockId, Job<R>>,
    /// Blocks repacked into another: old id -> (new id, offset of its bytes there).
    relocated: BTreeMap<BlockId, (BlockId, usize)>,
    /// Small last blocks of closed files, waiting to be repacked.
    parked: Vec<BlockId>,
    parked_bytes: usize,
    next_id: u64,
    buffered: usize,
    peak: usize,
    in_flight: usize,
    /// Emptied buffers of committed blocks, reused by `alloc` so a writer refills memory that
    /// is already mapped (at most `workers` of them; their capacity is not buffered bytes).
    spare: Vec<Vec<u8>>,
    /// `None` once `stop` has closed the queue.
    sender: Option<Sender<Job<R>, R>>,
    stopping: bool,
    stopped: bool,
}

pub(crate) struct Shared<R: Runtime> {
    config: Config,
    cap: usize,
    store: Box<dyn BlockStore>,
    books: Mutex<Books<R>, R>,
    /// Notified when buffered bytes or in-flight uploads go down, and on stop.
    space: Condvar<R>,
}

/// Buffer blocks streamed to a [`BlockStore`] by background upload workers.
///
/// ```
/// use lockstep::block::{BlockManager, BlockState, BlockStore, Config, MemoryStore};
///
/// let manager = BlockManager::new(MemoryStore::new(), Config::default()).unwrap();
/// let block = manager.alloc().unwrap();
/// manager.append(block, b"hello").unwrap();
/// let locator = manager.commit(block, true).unwrap().expect("a sync commit knows its locator");
/// assert_eq!(manager.state(block).unwrap(), BlockState::Committed);
/// assert_eq!(manager.store().get(&locator).unwrap(), b"hello");
/// manager.stop().unwrap();
/// ```
pub struct BlockManager<R: Runtime = Std> {
    shared: Arc<Shared<R>, R>,
    workers: Mutex<Vec<JoinHandle<(), R>>, R>,
}

impl BlockManager<Std> {
    /// A manager on std threads, uploading to `store`.
    pub fn new(store: impl BlockStore, config: Config) -> Result<Self, StartError> {
        Self::with_runtime(store, config)
    }
}

impl<R: Runtime> BlockManager<R> {
    /// A manager on runtime `R`; starts `config.workers` upload workers. Refused settings are a
    /// [`StartError::Config`]; a worker thread the OS will not start is a
    /// [`StartError::Spawn`] (the workers already started are joined first).
    pub fn with_runtime(store: impl BlockStore, config: Config) -> Result<Self, StartError> {
        config.validate()?;
        let (sender, jobs) = channel::bounded::<Job<R>, R>(config.queue_capacity);
        let shared = Arc::new(Shared {
            cap: config.effective_cap(),
            store: Box::new(store),
            books: Mutex::new(Books {
                blocks: BTreeMap::new(),
                relocated: BTreeMap::new(),
                parked: Vec::new(),
                parked_bytes: 0,
                next_id: 0,
                buffered: 0,
                peak: 0,
                in_flight: 0,
                spare: Vec::new(),
                sender: Some(sender),
                stopping: false,
                stopped: false,
            }),
            space: Condvar::new(),
            config,
        });
        let wanted = shared.config.workers;
        let mut workers = Vec::with_capacity(wanted);
        for worker in 0..wanted {
            let (serving, jobs) = (shared.clone(), jobs.clone());
            let spawned = thread::Builder::<R>::new()
                .name(format!("block-upload-{worker}"))
                .try_spawn(move || serving.serve(&jobs));
            match spawned {
                Ok(handle) => workers.push(handle),
                Err(err) => {
                    // Close the queue: the workers already started see it closed and exit.
                    drop(shared.books.lock().sender.take());
                    for handle in workers {
                        let _ = handle.join();
                    }
                    return Err(StartError::Spawn {
                        worker,
                        workers: wanted,
                        reason: err.to_string(),
                    });
                }
            }
        }
        Ok(BlockManager {
            shared,
            workers: Mutex::new(workers),
        })
    }

    /// The settings in force.
    pub fn config(&self) -> &Config {
        &self.shared.config
    }

    /// The store blocks are uploaded to (read committed blocks back through it).
    pub fn store(&self) -> &dyn BlockStore {
        &*self.shared.store
    }

    /// A new empty `Writable` block.
    pub fn alloc(&self) -> Result<BlockId, BlockError> {
        self.shared.insert(None)
    }

    /// Append `data` to a `Writable` block. Waits while the bytes would exceed the buffer cap
    /// and an upload is in flight (back-pressure).
    pub fn append(&self, id: BlockId, data: &[u8]) -> Result<(), BlockError> {
        let block = self.shared.block(id)?;
        let block_size = self.shared.config.block_size;
        if data.len() > block_size {
            return Err(BlockError::BlockFull {
                id,
                len: block.len(),
                more: data.len(),
                block_size,
            });
        }
        self.shared.reserve(data.len())?;
        block.append(data, block_size).inspect_err(|_| {
            self.shared.release(data.len(), false);
        })
    }

    /// A new `Writable` block holding a copy of block `id`'s bytes (Arvados's `dup_block`, used
    /// for copy-on-write of a file whose blocks are shared).
    pub fn dup(&self, id: BlockId) -> Result<BlockId, BlockError> {
        let data = self.contents(id)?;
        self.shared.insert(Some(data))
    }

    /// Commit block `id`. By state: `Writable` → sealed and queued; `Pending` → a sync commit
    /// waits for the outcome, an async one returns; `Committed` → returns its locator; `Error` →
    /// retried or its stored error returned, per [`Config::on_error`]; `Deleted` → an
    /// [`BlockError::IllegalTransition`].
    ///
    /// Returns the locator when it is known: always for a successful sync commit, `None` for
    /// an async commit still under way.
    pub fn commit(&self, id: BlockId, sync: bool) -> Result<Option<Locator>, BlockError> {
        let block = self.shared.block(id)?;
        self.shared.commit_block(&block, sync)
    }

    /// Commit every block that is not committed yet; with `sync`, wait for each and report every
    /// failure in one error.
    pub fn flush(&self, sync: bool) -> Result<(), CommitAllError> {
        self.shared.flush(sync)
    }

    /// Repack the small blocks of closed files, then commit everything and wait; one error lists
    /// every block that failed.
    pub fn commit_all(&self) -> Result<(), CommitAllError> {
        self.shared.repack_small_blocks(true);
        self.shared.flush(true)
    }

    /// Pack the small last blocks of closed files into shared blocks and queue those. Without
    /// `force` this only happens once they add up to a full block.
    pub fn repack_small_blocks(&self, force: bool) {
        self.shared.repack_small_blocks(force);
    }

    /// Commit every block, wait for each outcome, then close the upload queue and join the
    /// workers. Afterwards no new blocks or bytes are taken; commits of existing blocks still
    /// work (on the caller's thread). Every block is committed or listed in the error.
    pub fn stop(&self) -> Result<(), CommitAllError> {
        self.shared.books.lock().stopping = true;
        self.shared.space.notify_all();
        let outcome = self.commit_all();
        let sender = {
            let mut books = self.shared.books.lock();
            books.stopped = true;
            books.sender.take()
        };
        drop(sender);
        let workers = std::mem::take(&mut *self.workers.lock());
        for worker in workers {
            // A worker's panics are caught around each upload; one escaping here is a bug in
            // this module, and the block it held was already marked failed by its guard.
            let _ = worker.join();
        }
        outcome
    }

    /// The state of block `id`.
    pub fn state(&self, id: BlockId) -> Result<BlockState, BlockError> {
        Ok(self.shared.block(id)?.state())
    }

    /// The locator of block `id`, once committed.
    pub fn locator(&self, id: BlockId) -> Result<Option<Locator>, BlockError> {
        Ok(self.shared.block(id)?.locator())
    }

    /// The bytes of block `id`: from memory while buffered, from the store once committed, from
    /// the block it was repacked into once deleted by repacking.
    pub fn contents(&self, id: BlockId) -> Result<Vec<u8>, BlockError> {
        let (id, offset) = self.shared.follow(id);
        let block = self.shared.block(id)?;
        let data = match (block.contents(), block.locator()) {
            (Some(data), _) => data,
            (None, Some(locator)) => self.shared.store.get(&locator)?,
            (None, None) => {
                return Err(BlockError::IllegalTransition {
                    id,
                    source: super::TransitionError {
                        from: block.state(),
                        to: BlockState::Writable,
                    },
                })
            }
        };
        match offset {
            None => Ok(data),
            Some((at, len)) => Ok(data[at..at + len].to_vec()),
        }
    }

    /// Discard block `id` (`-> Deleted`), freeing its buffered bytes. Refused while an upload is
    /// in flight.
    pub fn discard(&self, id: BlockId) -> Result<(), BlockError> {
        let freed = self.shared.block(id)?.discard()?;
        self.shared.release(freed, false);
        Ok(())
    }

    /// Read a file back through the store.
    pub fn read(&self, manifest: &Manifest) -> Result<Vec<u8>, BlockError> {
        Ok(manifest.read(self.store())?)
    }

    /// Current counters.
    pub fn stats(&self) -> Stats {
        let books = self.shared.books.lock();
        Stats {
            buffered_bytes: books.buffered,
            peak_buffered_bytes: books.peak,
            buffer_cap: self.shared.cap,
            in_flight: books.in_flight,
            blocks: books.next_id as usize,
        }
    }

    /// Park the small last block of a closed file for repacking (see [`Config::repack_below`]).
    pub(crate) fn park(&self, id: BlockId, len: usize) {
        {
            let mut books = self.shared.books.lock();
            books.parked.push(id);
            books.parked_bytes += len;
        }
        self.shared.repack_small_blocks(false);
    }

    /// Locators for a closed file's extents: repack its parked blocks if needed, commit (sync)
    /// every block it uses, follow repacking moves.
    pub(crate) fn resolve(&self, extents: &[Extent]) -> Result<Manifest, BlockError> {
        let needs_repack = {
            let books = self.shared.books.lock();
            extents.iter().any(|e| books.parked.contains(&e.block))
        };
        if needs_repack {
            self.shared.repack_small_blocks(true);
        }
        let mut manifest = Manifest::default();
        for extent in extents {
            let (id, moved) = self.shared.follow(extent.block);
            let offset = moved.map_or(0, |(at, _)| at) + extent.offset;
            let block = self.shared.block(id)?;
            let locator = self
                .shared
                .commit_block(&block, true)?
                .expect("a sync commit returns the locator");
            manifest.push(Segment {
                locator,
                offset: offset as u64,
                len: extent.len as u64,
            });
        }
        Ok(manifest)
    }
}

impl<R: Runtime> Shared<R> {
    fn block(&self, id: BlockId) -> Result<Job<R>, BlockError> {
        self.books
            .lock()
            .blocks
            .get(&id)
            .cloned()
            .ok_or(BlockError::UnknownBlock(id))
    }

    /// Where the bytes of `id` live now: `id` itself, or (after repacking) the packed block and
    /// the offset and length of `id`'s bytes there. Packed blocks are never parked, so one step
    /// suffices.
    fn follow(&self, id: BlockId) -> (BlockId, Option<(usize, usize)>) {
        let books = self.books.lock();
        match (books.relocated.get(&id), books.blocks.get(&id)) {
            (Some(&(to, offset)), Some(old)) => (to, Some((offset, old.len()))),
            _ => (id, None),
        }
    }

    /// Register a new `Writable` block holding `data` (after waiting for space for it), or an
    /// empty one on a spare buffer.
    fn insert(&self, data: Option<Vec<u8>>) -> Result<BlockId, BlockError> {
        let len = data.as_ref().map_or(0, Vec::len);
        self.reserve(len)?;
        let mut books = self.books.lock();
        if books.stopping {
            drop(books);
            self.release(len, false);
            return Err(BlockError::Stopped);
        }
        let data = data.unwrap_or_else(|| books.spare.pop().unwrap_or_default());
        let id = BlockId(books.next_id);
        books.next_id += 1;
        books
            .blocks
            .insert(id, Arc::new(BufferBlock::new(id, data)));
        Ok(id)
    }

    /// Wait until `bytes` more fit under the cap (or nothing could free space), then count them.
    fn reserve(&self, bytes: usize) -> Result<(), BlockError> {
        let cap = self.cap;
        let mut books = self.space.wait_while(self.books.lock(), |b| {
            !b.stopping && b.buffered + bytes > cap && b.in_flight > 0
        });
        if books.stopping {
            return Err(BlockError::Stopped);
        }
        if books.buffered + bytes > cap {
            return Err(BlockError::BufferFull {
                buffered: books.buffered,
                requested: bytes,
                cap,
            });
        }
        books.buffered += bytes;
        books.peak = books.peak.max(books.buffered);
        Ok(())
    }

    /// `bytes` are no longer buffered; `upload_done` also ends one in-flight upload.
    fn release(&self, bytes: usize, upload_done: bool) {
        let mut books = self.books.lock();
        books.buffered -= bytes;
        if upload_done {
            books.in_flight -= 1;
        }
        drop(books);
        self.space.notify_all();
    }

    pub(crate) fn commit_block(
        &self,
        block: &Job<R>,
        sync: bool,
    ) -> Result<Option<Locator>, BlockError> {
        // Count the upload before the block can become Pending, so an appender never sees a
        // Pending block with nothing in flight; give the count back if this call starts nothing.
        let sender = {
            let mut books = self.books.lock();
            books.in_flight += 1;
            books.sender.clone()
        };
        let begun = block.begin_commit(self.config.on_error);
        if !matches!(begun, Ok(Begun::Started)) {
            self.release(0, true);
        }
        match begun? {
            Begun::Committed(locator) => return Ok(Some(locator)),
            Begun::Joined => {}
            Begun::Started => match sender {
                // Blocks while the queue is full; no lock is held here.
                Some(sender) => {
                    if let Err(SendError(block)) = sender.send(block.clone()) {
                        self.upload(&block);
                    }
                }
                // Stopped: nobody serves the queue any more; upload on this thread.
                None => self.upload(block),
            },
        }
        if sync {
            block.wait_settled().map(Some)
        } else {
            Ok(None)
        }
    }

    /// An upload worker: serve the queue until it is closed and empty.
    fn serve(&self, jobs: &Receiver<Job<R>, R>) {
        while let Ok(block) = jobs.recv() {
            self.upload(&block);
        }
    }

    /// Upload a `Pending` block, retrying with backoff; settle it either way.
    fn upload(&self, block: &BufferBlock<R>) {
        let mut guard = UploadGuard {
            shared: self,
            block,
            settled: false,
        };
        let mut failures = 0;
        loop {
            let Some(data) = block.sealed_data() else {
                debug_assert!(false, "{} queued but not Pending", block.id());
                return; // the guard settles it
            };
            match self.put_checked(&data) {
                Ok(locator) => {
                    // Accounting first, so that whoever the outcome wakes sees it done.
                    guard.settled = true;
                    self.release(data.len(), true);
                    let done = block.complete(locator);
                    debug_assert!(done.is_ok(), "only the uploader moves a Pending block");
                    // The block released its bytes; if nobody else holds them, keep the buffer.
                    if let Ok(buffer) = Arc::try_unwrap(data) {
                        self.recycle(buffer);
                    }
                    return;
                }
                Err(error) => {
                    failures += 1;
                    let retry = failures < self.config.retry.max_attempts;
                    if !retry {
                        guard.settled = true;
                        self.release(0, true);
                    }
                    let failed = block.fail(error, retry);
                    debug_assert!(failed.is_ok(), "only the uploader moves a Pending block");
                    if !retry {
                        return;
                    }
                    drop(data);
                    thread::sleep::<R>(self.config.retry.backoff(failures));
                    if block.rearm().is_err() {
                        return; // cannot happen (a scheduled retry is ours); the guard settles
                    }
                }
            }
        }
    }

    /// Keep an emptied buffer for the next `alloc`, up to one per worker.
    fn recycle(&self, mut buffer: Vec<u8>) {
        buffer.clear();
        let mut books = self.books.lock();
        if books.spare.len() < self.config.workers && !books.stopping {
            books.spare.push(buffer);
        }
    }

    /// `put`, with a panicking store turned into an error and a short store caught.
    fn put_checked(&self, data: &[u8]) -> Result<Locator, StoreError> {
        let locator = std::panic::catch_unwind(AssertUnwindSafe(|| self.store.put(data)))
            .unwrap_or_else(|panic| Err(StoreError::Panicked(panic_message(&*panic).to_owned())))?;
        if locator.size() != data.len() as u64 {
            return Err(StoreError::ShortWrite {
                expected: data.len() as u64,
                stored: locator,
            });
        }
        Ok(locator)
    }

    fn flush(&self, sync: bool) -> Result<(), CommitAllError> {
        let blocks: Vec<Job<R>> = self.books.lock().blocks.values().cloned().collect();
        let mut failures = Vec::new();
        let mut waiting = Vec::new();
        for block in blocks {
            if matches!(block.state(), BlockState::Committed | BlockState::Deleted) {
                continue;
            }
            match self.commit_block(&block, false) {
                Ok(Some(_)) => {}
                Ok(None) => waiting.push(block),
                // Repacked away between the look and the commit: its bytes live elsewhere.
                Err(BlockError::IllegalTransition { source, .. })
                    if source.from == BlockState::Deleted => {}
                Err(err) => failures.push((block.id(), err)),
            }
        }
        if sync {
            for block in waiting {
                if let Err(err) = block.wait_settled() {
                    failures.push((block.id(), err));
                }
            }
        }
        failures.sort_by_key(|(id, _)| *id);
        if failures.is_empty() {
            Ok(())
        } else {
            Err(CommitAllError { failures })
        }
    }

    /// Move the bytes of parked small blocks into new blocks of at most `block_size`, record
    /// where each went, delete the originals and queue the new blocks. Holds the manager lock
    /// while moving bytes (manager → block order), so nobody sees a deleted block whose move is
    /// not recorded yet.
    fn repack_small_blocks(&self, force: bool) {
        let mut packed = Vec::new();
        {
            let mut books = self.books.lock();
            if books.parked.is_empty() || (!force && books.parked_bytes < self.config.block_size) {
                return;
            }
            let parked = std::mem::take(&mut books.parked);
            books.parked_bytes = 0;
            let mut data: Vec<u8> = Vec::new();
            for id in parked {
                let Some(block) = books.blocks.get(&id).cloned() else {
                    continue;
                };
                if data.len() + block.len() > self.config.block_size {
                    packed.push(Self::install(&mut books, std::mem::take(&mut data)));
                }
                // Refused if someone committed it meanwhile: then it stays a block of its own.
                // An empty block is just deleted: no extent refers to it.
                match block.take_for_repack() {
                    Some(bytes) if !bytes.is_empty() => {
                        let new_id = BlockId(books.next_id);
                        books.relocated.insert(id, (new_id, data.len()));
                        data.extend_from_slice(&bytes);
                    }
                    _ => {}
                }
            }
            if !data.is_empty() {
                packed.push(Self::install(&mut books, data));
            }
        }
        for block in packed {
            // Async: the only failure is an upload error, which is kept with the block.
            let _ = self.commit_block(&block, false);
        }
    }

    /// Register a packed block under the next id (the id `relocated` entries already name).
    fn install(books: &mut Books<R>, data: Vec<u8>) -> Job<R> {
        let id = BlockId(books.next_id);
        books.next_id += 1;
        let block = Arc::new(BufferBlock::new(id, data));
        books.blocks.insert(id, block.clone());
        block
    }
}

/// Settles a block whose upload ends without an outcome (an unwinding worker): it is marked
/// failed and its in-flight count returned, so nobody waits for it for ever.
struct UploadGuard<'a, R: Runtime> {
    shared: &'a Shared<R>,
    block: &'a BufferBlock<R>,
    settled: bool,
}

impl<R: Runtime> Drop for UploadGuard<'_, R> {
    fn drop(&mut self) {
        if !self.settled {
            let lost = StoreError::Panicked("the upload worker stopped mid-upload".into());
            self.shared.release(0, true);
            let _ = self.block.fail(lost, false);
        }
    }
}

impl<R: Runtime> Drop for BlockManager<R> {
    fn drop(&mut self) {
        if self.shared.books.lock().stopped {
            return;
        }
        if let Err(err) = self.stop() {
            // Drop cannot return the report; call `stop` to get it.
            eprintln!("lockstep::block::BlockManager dropped with uncommitted blocks: {err}");
        }
    }
}

impl<R: Runtime> fmt::Debug for BlockManager<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockManager")
            .field("runtime", &R::NAME)
            .field("config", &self.shared.config)
            .field("stats", &self.stats())
            .finish()
    }
}
