//! The pure ordering/windowing state machine at the centre of the monitor.
//!
//! [`Ledger`] decides, without any I/O, threads or clocks, everything the concurrent shell does:
//! which item may be claimed, whether a write goes straight to the sink, into a buffer, or must
//! wait, and which bytes are released to the sink in which order. The shell only carries out
//! these decisions under one mutex, so the properties below are properties of this file, and
//! proptest drives it directly (see the tests at the bottom).
//!
//! Guarantees (each checked by the tests):
//! - **Order.** Bytes leave the ledger (as [`SinkState::Streaming`] permission or as a [`Batch`])
//!   in item order, and one item's bytes are contiguous.
//! - **Bounded memory.** Buffered bytes (including a batch being written) never exceed
//!   `window.bytes`; a claim never runs more than `window.items` items ahead of the head.
//! - **No deadlock.** The head item is always claimable, and the head's writes are never told to
//!   wait once it streams; so whenever some worker waits, the head can still make progress.
//! - **Nothing lost.** Every item ends as exactly one of completed, failed (with a reason) or,
//!   under fail-fast, skipped; failures are reported in item order.

use std::collections::VecDeque;

/// Limits on how far workers may run ahead of the head item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Window {
    /// Items beyond the head that may be claimed (0: only the head runs).
    pub(crate) items: usize,
    /// Bytes that may be buffered for items that are not streaming.
    pub(crate) bytes: usize,
}

/// The state of one item that has not been released yet.
#[derive(Debug)]
enum Slot<T> {
    /// Not claimed; any dynamic worker may take it.
    Free,
    /// Given to a static worker, not started.
    Reserved,
    /// Claimed and running; `buf` holds output not yet released.
    Running { buf: Vec<u8>, started: T },
    /// Finished successfully; `buf` awaits release.
    Done { buf: Vec<u8> },
    /// Failed; its output so far and the reason await release.
    Failed { buf: Vec<u8>, reason: String },
}

impl<T> Slot<T> {
    fn is_complete(&self) -> bool {
        matches!(self, Slot::Done { .. } | Slot::Failed { .. })
    }
    fn name(&self) -> &'static str {
        match self {
            Slot::Free => "free",
            Slot::Reserved => "reserved",
            Slot::Running { .. } => "running",
            Slot::Done { .. } => "done",
            Slot::Failed { .. } => "failed",
        }
    }
}

/// Who may write to the sink right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SinkState {
    /// Nobody: the head item has not started.
    Idle,
    /// The owner of this item (the head) writes straight to the sink.
    Streaming(usize),
    /// One thread is writing a [`Batch`]; everyone else buffers.
    Releasing,
}

/// Answer to a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Claim {
    /// Run this item.
    Item(usize),
    /// The item is too far ahead of the head: wait for the head to advance.
    Wait,
    /// Nothing left for this worker.
    Exhausted,
}

/// Where a write goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum WriteTo {
    /// The item streams: write to the sink directly.
    Sink,
    /// This many leading bytes were buffered.
    Buffered(usize),
    /// The byte window is full: wait for the head to advance.
    Wait,
    /// The item no longer accepts output (it failed, timed out, or was skipped).
    Rejected(ItemError),
}

/// Why an item no longer accepts output or completion.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ItemError {
    /// The item had already failed (it timed out, say); the reason is given.
    #[error("the item already failed: {0}")]
    Failed(String),
    /// Fail-fast stopped the run at an earlier item; this item's output is dropped.
    #[error("the run stopped at failed item {at} (fail-fast)")]
    Stopped {
        /// The failed item the run stopped at.
        at: usize,
    },
}

/// One piece of output to write to the sink, in order.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Chunk {
    /// Output bytes of `item` (the shell reports the item failed if the sink loses them).
    Bytes { item: usize, bytes: Vec<u8> },
    /// The error line of a failed item, written after its output.
    Error { item: usize, reason: String },
}

/// Output released to the sink, in order.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Batch {
    pub(crate) chunks: Vec<Chunk>,
    /// Buffered bytes in the batch (still counted against the window until written).
    pub(crate) bytes: usize,
}

impl Batch {
    fn is_empty(&self) -> bool {
        self.chunks.is_empty()
    }
}

/// A failed item and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemFailure {
    /// The item.
    pub item: usize,
    /// Why it failed (one line).
    pub reason: String,
}

/// The ordering/windowing state of a run of `items` items. `T` is the backend's instant.
#[derive(Debug)]
pub(crate) struct Ledger<T> {
    items: usize,
    window: Window,
    fail_fast: bool,
    /// The head: every item below it has been released.
    base: usize,
    /// Items `base..base + slots.len()`; later items are `Free` unless `reserved`.
    slots: VecDeque<Slot<T>>,
    /// Items given to static workers (empty when there are none).
    reserved: Vec<bool>,
    /// Every item below this is not `Free`.
    next_free: usize,
    sink: SinkState,
    /// Bytes buffered for items (their slots' buffers) plus `unwritten`: never above
    /// `window.bytes`.
    buffered: usize,
    /// Buffered bytes of the batch being written (counted in `buffered` until `end_release`).
    unwritten: usize,
    peak_buffered: usize,
    /// Fail-fast: the lowest failed item; nothing after it is run or written.
    stop_at: Option<usize>,
    completed: usize,
    skipped: usize,
    failures: Vec<ItemFailure>,
    workers_alive: usize,
    closed: bool,
}

impl<T: Copy> Ledger<T> {
    pub(crate) fn new(items: usize, window: Window, fail_fast: bool) -> Self {
        Self {
            items,
            window,
            fail_fast,
            base: 0,
            slots: VecDeque::new(),
            reserved: Vec::new(),
            next_free: 0,
            sink: SinkState::Idle,
            buffered: 0,
            unwritten: 0,
            peak_buffered: 0,
            stop_at: None,
            completed: 0,
            skipped: 0,
            failures: Vec::new(),
            workers_alive: 0,
            closed: false,
        }
    }

    // ----- queries ------------------------------------------------------------------------------

    pub(crate) fn items(&self) -> usize {
        self.items
    }
    pub(crate) fn head(&self) -> usize {
        self.base
    }
    pub(crate) fn sink(&self) -> SinkState {
        self.sink
    }
    pub(crate) fn streaming(&self) -> Option<usize> {
        match self.sink {
            SinkState::Streaming(item) => Some(item),
            _ => None,
        }
    }
    pub(crate) fn buffered(&self) -> usize {
        self.buffered
    }
    pub(crate) fn peak_buffered(&self) -> usize {
        self.peak_buffered
    }
    pub(crate) fn completed(&self) -> usize {
        self.completed
    }
    pub(crate) fn skipped(&self) -> usize {
        self.skipped
    }
    pub(crate) fn failures(&self) -> &[ItemFailure] {
        &self.failures
    }
    /// Every item has been released and no batch is being written.
    pub(crate) fn is_finished(&self) -> bool {
        self.base == self.items && self.sink != SinkState::Releasing
    }
    /// The head item and when it started, if it is running (for the per-item timeout).
    pub(crate) fn running_head(&self) -> Option<(usize, T)> {
        match self.slots.front() {
            Some(Slot::Running { started, .. }) => Some((self.base, *started)),
            _ => None,
        }
    }
    /// When `item` started, if it is running.
    pub(crate) fn started(&self, item: usize) -> Option<T> {
        match self.slot(item) {
            Some(Slot::Running { started, .. }) => Some(*started),
            _ => None,
        }
    }

    fn slot(&self, item: usize) -> Option<&Slot<T>> {
        item.checked_sub(self.base).and_then(|i| self.slots.get(i))
    }

    /// The slot of `item`, materialising `Free`/`Reserved` slots up to it. `None` if released.
    fn slot_mut(&mut self, item: usize) -> Option<&mut Slot<T>> {
        let index = item.checked_sub(self.base)?;
        while self.slots.len() <= index {
            let next = self.base + self.slots.len();
            let reserved = self.reserved.get(next).copied().unwrap_or(false);
            self.slots
                .push_back(if reserved { Slot::Reserved } else { Slot::Free });
        }
        self.slots.get_mut(index)
    }

    fn is_free(&self, item: usize) -> bool {
        match self.slot(item) {
            Some(slot) => matches!(slot, Slot::Free),
            None => item >= self.base && !self.reserved.get(item).copied().unwrap_or(false),
        }
    }

    fn stopped_before(&self, item: usize) -> Option<usize> {
        self.stop_at.filter(|&at| item > at)
    }

    // ----- workers and assignment ---------------------------------------------------------------

    /// A worker joined. Errors if the run is closed (no workers may join after `close`).
    pub(crate) fn register_worker(&mut self) -> Result<(), OrderedError> {
        if self.closed {
            return Err(OrderedError::Closed);
        }
        self.workers_alive += 1;
        self.check_invariants();
        Ok(())
    }

    /// Reserve `list` (strictly increasing, in range, not yet claimed or reserved) for a static
    /// worker.
    pub(crate) fn reserve(&mut self, list: &[usize]) -> Result<(), OrderedError> {
        self.validate_reservation(list)?;
        if self.reserved.is_empty() && !list.is_empty() {
            self.reserved = vec![false; self.items];
        }
        for &item in list {
            self.reserved[item] = true;
            if let Some(slot) = item
                .checked_sub(self.base)
                .and_then(|i| self.slots.get_mut(i))
            {
                *slot = Slot::Reserved;
            }
        }
        self.check_invariants();
        Ok(())
    }

    /// `list` is strictly increasing, in range, and every item in it is free.
    fn validate_reservation(&self, list: &[usize]) -> Result<(), OrderedError> {
        for (i, &item) in list.iter().enumerate() {
            if item >= self.items {
                return Err(OrderedError::OutOfRange {
                    item,
                    items: self.items,
                });
            }
            if i > 0 && list[i - 1] >= item {
                return Err(OrderedError::NotIncreasing {
                    before: list[i - 1],
                    item,
                });
            }
            if !self.is_free(item) {
                return Err(OrderedError::AlreadyAssigned { item });
            }
        }
        Ok(())
    }

    /// A worker left; its unstarted static items `remaining` fail with `reason`.
    pub(crate) fn worker_exited(&mut self, remaining: &[usize], reason: &str) {
        self.workers_alive = self.workers_alive.saturating_sub(1);
        for &item in remaining {
            if matches!(self.slot(item), Some(Slot::Reserved)) || self.slot(item).is_none() {
                self.fail_unstarted(item, reason);
            }
        }
        self.abandon_if_orphaned();
        self.check_invariants();
    }

    /// No more workers will join. If none is left, every unstarted item fails.
    pub(crate) fn close(&mut self) {
        self.closed = true;
        self.abandon_if_orphaned();
        self.check_invariants();
    }

    fn abandon_if_orphaned(&mut self) {
        if !self.closed || self.workers_alive > 0 {
            return;
        }
        for item in self.base..self.items {
            if self.stopped_before(item).is_some() {
                break;
            }
            if matches!(self.slot_mut(item), Some(Slot::Free | Slot::Reserved)) {
                self.fail_unstarted(item, "not started: no worker was left to run it");
            }
        }
    }

    fn fail_unstarted(&mut self, item: usize, reason: &str) {
        if let Some(slot @ (Slot::Free | Slot::Reserved)) = self.slot_mut(item) {
            *slot = Slot::Failed {
                buf: Vec::new(),
                reason: reason.to_owned(),
            };
            self.note_failure(item);
        }
    }

    // ----- claims -------------------------------------------------------------------------------

    /// Dynamic assignment: the lowest free item, if the window allows.
    pub(crate) fn claim_next(&mut self, now: T) -> Claim {
        let mut item = self.next_free.max(self.base);
        while item < self.items && !self.is_free(item) {
            item += 1;
        }
        self.next_free = item;
        let claim = if item >= self.items || self.stopped_before(item).is_some() {
            Claim::Exhausted
        } else {
            self.start(item, now)
        };
        self.check_claim(item, claim);
        self.check_invariants();
        claim
    }

    /// Static assignment: `item`, reserved for the caller, if the window allows.
    pub(crate) fn claim(&mut self, item: usize, now: T) -> Result<Claim, OrderedError> {
        let claim = self.claim_reserved(item, now);
        if let Ok(claim) = claim {
            self.check_claim(item, claim);
        }
        self.check_invariants();
        claim
    }

    fn claim_reserved(&mut self, item: usize, now: T) -> Result<Claim, OrderedError> {
        if self.stopped_before(item).is_some() {
            return Ok(Claim::Exhausted);
        }
        match self.slot_mut(item) {
            Some(Slot::Reserved) => Ok(self.start(item, now)),
            // Failed while waiting for its worker (only possible through `close`).
            Some(Slot::Failed { .. }) | None => Ok(Claim::Exhausted),
            Some(other) => Err(OrderedError::Transition {
                item,
                from: other.name(),
                to: "running",
            }),
        }
    }

    fn start(&mut self, item: usize, now: T) -> Claim {
        if item > self.base + self.window.items {
            return Claim::Wait;
        }
        let slot = self.slot_mut(item).expect("item at or after the head");
        *slot = Slot::Running {
            buf: Vec::new(),
            started: now,
        };
        if item == self.base && self.sink == SinkState::Idle {
            self.sink = SinkState::Streaming(item);
        }
        Claim::Item(item)
    }

    // ----- output -------------------------------------------------------------------------------

    /// Where `bytes` of `item` go (buffered bytes are copied in here).
    pub(crate) fn write(&mut self, item: usize, bytes: &[u8]) -> WriteTo {
        let to = self.route(item, bytes);
        self.check_write(item, &to);
        self.check_invariants();
        to
    }

    fn route(&mut self, item: usize, bytes: &[u8]) -> WriteTo {
        if let Some(at) = self.stopped_before(item) {
            return WriteTo::Rejected(ItemError::Stopped { at });
        }
        let streaming = self.sink == SinkState::Streaming(item);
        let room = self.window.bytes.saturating_sub(self.buffered);
        let index = item.checked_sub(self.base);
        match index.and_then(|i| self.slots.get_mut(i)) {
            Some(Slot::Running { .. }) if streaming => WriteTo::Sink,
            Some(Slot::Running { buf, .. }) => {
                if bytes.is_empty() {
                    return WriteTo::Buffered(0);
                }
                if room == 0 {
                    return WriteTo::Wait;
                }
                let n = room.min(bytes.len());
                buf.extend_from_slice(&bytes[..n]);
                self.buffered += n;
                self.peak_buffered = self.peak_buffered.max(self.buffered);
                WriteTo::Buffered(n)
            }
            Some(Slot::Failed { reason, .. }) => {
                WriteTo::Rejected(ItemError::Failed(reason.clone()))
            }
            _ => WriteTo::Rejected(ItemError::Failed(
                "the item is no longer running".to_owned(),
            )),
        }
    }

    /// `item` finished: `Ok(())`, or failed with `Err(reason)`.
    pub(crate) fn complete(
        &mut self,
        item: usize,
        outcome: Result<(), String>,
    ) -> Result<(), ItemError> {
        let result = self.finish(item, outcome);
        self.check_invariants();
        result
    }

    fn finish(&mut self, item: usize, outcome: Result<(), String>) -> Result<(), ItemError> {
        if let Some(at) = self.stopped_before(item) {
            if let Some(slot) = self.slot_mut(item) {
                *slot = Slot::Done { buf: Vec::new() };
            }
            self.discard_buffer_of(item);
            return Err(ItemError::Stopped { at });
        }
        let index = item.checked_sub(self.base);
        let slot = index.and_then(|i| self.slots.get_mut(i));
        let Some(slot) = slot else {
            return Err(ItemError::Failed(
                "the item was already released".to_owned(),
            ));
        };
        match slot {
            Slot::Running { buf, .. } => {
                let buf = std::mem::take(buf);
                match outcome {
                    Ok(()) => *slot = Slot::Done { buf },
                    Err(reason) => {
                        *slot = Slot::Failed { buf, reason };
                        self.note_failure(item);
                    }
                }
                Ok(())
            }
            Slot::Failed { reason, .. } => Err(ItemError::Failed(reason.clone())),
            other => Err(ItemError::Failed(format!(
                "cannot complete item {item}: it is {}, not running",
                other.name()
            ))),
        }
    }

    /// Fail a running item from outside (a timeout). Returns false if it was not running.
    pub(crate) fn expire(&mut self, item: usize, reason: String) -> bool {
        let index = item.checked_sub(self.base);
        match index.and_then(|i| self.slots.get_mut(i)) {
            Some(slot @ Slot::Running { .. }) => {
                let Slot::Running { buf, .. } = std::mem::replace(slot, Slot::Free) else {
                    unreachable!()
                };
                *slot = Slot::Failed { buf, reason };
                self.note_failure(item);
                self.check_invariants();
                true
            }
            _ => false,
        }
    }

    fn note_failure(&mut self, item: usize) {
        if self.fail_fast {
            self.stop_at = Some(self.stop_at.map_or(item, |at| at.min(item)));
            // Buffered output after the stop will never be written: free its window now.
            let first = (item + 1).saturating_sub(self.base);
            let mut freed = 0;
            for slot in self.slots.iter_mut().skip(first) {
                if let Slot::Running { buf, .. } | Slot::Done { buf } | Slot::Failed { buf, .. } =
                    slot
                {
                    freed += buf.len();
                    *buf = Vec::new();
                }
            }
            self.buffered -= freed;
        }
    }

    fn discard_buffer_of(&mut self, item: usize) {
        let index = item.checked_sub(self.base);
        if let Some(Slot::Running { buf, .. } | Slot::Done { buf } | Slot::Failed { buf, .. }) =
            index.and_then(|i| self.slots.get_mut(i))
        {
            self.buffered -= buf.len();
            *buf = Vec::new();
        }
    }

    // ----- release ------------------------------------------------------------------------------

    /// If the head is complete and nobody is releasing, become the releaser: the sink state
    /// turns `Releasing` and the first batch is returned.
    pub(crate) fn start_release(&mut self) -> Option<Batch> {
        let head = self.base;
        let batch = self.begin_release();
        if let Some(batch) = &batch {
            self.check_batch(head, batch);
        }
        self.check_invariants();
        batch
    }

    fn begin_release(&mut self) -> Option<Batch> {
        let head_complete = self.slots.front().is_some_and(Slot::is_complete)
            || self
                .stop_at
                .is_some_and(|at| self.base > at && self.base < self.items);
        let may = match self.sink {
            SinkState::Idle => true,
            SinkState::Streaming(item) => item == self.base,
            SinkState::Releasing => false,
        };
        if !(may && head_complete) {
            return None;
        }
        self.sink = SinkState::Releasing;
        let batch = self.collect();
        self.unwritten = batch.bytes;
        Some(batch)
    }

    /// The releaser wrote a batch of `bytes` buffered bytes. Returns the next batch, or `None`
    /// when there is nothing more to release (the sink then passes to the head's owner).
    pub(crate) fn end_release(&mut self, bytes: usize) -> Option<Batch> {
        debug_assert_eq!(self.sink, SinkState::Releasing);
        debug_assert_eq!(
            bytes, self.unwritten,
            "the releaser wrote the batch it was given"
        );
        self.buffered -= bytes;
        let head = self.base;
        let batch = self.collect();
        self.unwritten = batch.bytes;
        let next = if batch.is_empty() {
            self.sink = match self.slots.front() {
                Some(Slot::Running { .. }) => SinkState::Streaming(self.base),
                _ => SinkState::Idle,
            };
            None
        } else {
            self.check_batch(head, &batch);
            Some(batch)
        };
        self.check_invariants();
        next
    }

    /// Take everything releasable from the head on: complete items, then the running head's
    /// buffered output.
    fn collect(&mut self) -> Batch {
        let mut batch = Batch::default();
        while self.base < self.items {
            if self.stopped_before(self.base).is_some() {
                self.skip_rest();
                break;
            }
            let front = self.slot_mut(self.base).expect("head slot");
            match front {
                Slot::Done { .. } | Slot::Failed { .. } => {
                    let item = self.base;
                    match self.slots.pop_front().expect("head slot") {
                        Slot::Done { buf } => {
                            self.completed += 1;
                            batch.push_bytes(item, buf);
                        }
                        Slot::Failed { buf, reason } => {
                            batch.push_bytes(item, buf);
                            self.failures.push(ItemFailure {
                                item,
                                reason: reason.clone(),
                            });
                            batch.chunks.push(Chunk::Error { item, reason });
                        }
                        _ => unreachable!(),
                    }
                    self.base += 1;
                }
                Slot::Running { buf, .. } => {
                    let buf = std::mem::take(buf);
                    batch.push_bytes(self.base, buf);
                    break;
                }
                Slot::Free | Slot::Reserved => break,
            }
        }
        batch
    }

    fn skip_rest(&mut self) {
        let freed: usize = self
            .slots
            .iter()
            .map(|slot| match slot {
                Slot::Running { buf, .. } | Slot::Done { buf } | Slot::Failed { buf, .. } => {
                    buf.len()
                }
                _ => 0,
            })
            .sum();
        self.buffered -= freed;
        self.slots.clear();
        self.skipped += self.items - self.base;
        self.base = self.items;
    }
}

impl Batch {
    fn push_bytes(&mut self, item: usize, buf: Vec<u8>) {
        if !buf.is_empty() {
            self.bytes += buf.len();
            self.chunks.push(Chunk::Bytes { item, bytes: buf });
        }
    }
}

/// A request the monitor refuses (bad input or an illegal transition), never a panic.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OrderedError {
    /// An item index is not below the number of items.
    #[error("item {item} is out of range (the run has {items} items)")]
    OutOfRange {
        /// The offending item.
        item: usize,
        /// The number of items in the run.
        items: usize,
    },
    /// A static worker's list is not strictly increasing.
    #[error("a static worker's items must be strictly increasing: {item} comes after {before}")]
    NotIncreasing {
        /// The earlier entry.
        before: usize,
        /// The entry that is not greater than it.
        item: usize,
    },
    /// The item is already assigned to (or claimed by) a worker.
    #[error("item {item} is already assigned to a worker")]
    AlreadyAssigned {
        /// The offending item.
        item: usize,
    },
    /// An item was asked to change state in a way the monitor does not allow.
    #[error("item {item} cannot go from {from} to {to}")]
    Transition {
        /// The item.
        item: usize,
        /// Its state.
        from: &'static str,
        /// The state asked for.
        to: &'static str,
    },
    /// A worker was created after `wait()` closed the monitor.
    #[error("the monitor is closed: no worker may join after wait()")]
    Closed,
    /// `run` was asked for more worker threads than [`MAX_WORKERS`](super::MAX_WORKERS).
    #[error("{workers} workers asked for; at most {max} are allowed")]
    TooManyWorkers {
        /// The workers (dynamic) or lists (static) asked for.
        workers: usize,
        /// The limit.
        max: usize,
    },
    /// `run` could not start any worker thread (the OS refused); no item was run.
    #[error("could not start a worker thread: {reason}")]
    Spawn {
        /// The OS's reason.
        reason: String,
    },
}

mod invariants;
#[cfg(test)]
mod tests;
