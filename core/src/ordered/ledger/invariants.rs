//! The ledger's invariants, asserted where they must hold: at the end of every mutating method
//! (so every interleaving loom, shuttle and lockstep-sim explore checks them, not only the
//! tests' oracles) and on every answer the ledger gives (a claim, a write, a batch).
//!
//! Each check states a rule of the [module docs](super) in both directions — what must be true
//! (positive space) and what must never be (negative space). They are `debug_assert!`s: free in
//! release builds, on in every test and checker run (see [`crate::invariant`]). The full-state
//! check walks the unreleased slots only, which the window keeps short.

use super::{Batch, Chunk, Claim, Ledger, SinkState, Slot, WriteTo};

impl<T: Copy> Ledger<T> {
    /// The whole-state invariants:
    /// - **released in order, each once**: every item below the head was released exactly once
    ///   (completed, failed or skipped), and failures are recorded in item order;
    /// - **bounded memory**: the buffered bytes are exactly the slots' buffers plus the batch
    ///   being written, never above the byte window; no buffered output after a fail-fast stop;
    /// - **bounded look-ahead**: no item runs more than `window.items` beyond the head;
    /// - **one writer**: only the head streams, with nothing buffered behind its back; while
    ///   nobody writes, the head is not running (its owner would stream);
    /// - **nothing orphaned**: once closed with no worker left, no item before a stop is still
    ///   waiting to be claimed.
    pub(super) fn check_invariants(&self) {
        if !crate::invariant::enabled() {
            return;
        }
        self.check_released();
        self.check_memory();
        self.check_look_ahead();
        self.check_sink();
        self.check_orphans();
    }

    fn check_released(&self) {
        debug_assert!(self.base <= self.items, "the head is past the last item");
        debug_assert!(
            self.base + self.slots.len() <= self.items,
            "a slot exists for an item out of range"
        );
        debug_assert_eq!(
            self.completed + self.failures.len() + self.skipped,
            self.base,
            "every item below the head is released exactly once"
        );
        if let [.., before, last] = self.failures.as_slice() {
            debug_assert!(
                before.item < last.item,
                "failures are reported in item order"
            );
        }
        if let Some(last) = self.failures.last() {
            debug_assert!(
                last.item < self.base,
                "only a released item is reported failed"
            );
        }
        debug_assert!(
            self.stop_at.is_none() || self.fail_fast,
            "a run stops early only under fail-fast"
        );
    }

    fn check_memory(&self) {
        let in_slots: usize = self.slots.iter().map(Slot::buffered).sum();
        debug_assert_eq!(
            self.buffered,
            in_slots + self.unwritten,
            "buffered bytes are the slots' buffers plus the batch being written"
        );
        debug_assert!(
            self.buffered <= self.window.bytes,
            "buffered {} bytes, above the byte window {}",
            self.buffered,
            self.window.bytes
        );
        debug_assert!(self.peak_buffered >= self.buffered);
        debug_assert!(
            self.sink == SinkState::Releasing || self.unwritten == 0,
            "a batch is out only while releasing"
        );
        if let Some(at) = self.stop_at {
            let after_stop = self.slots.iter().skip((at + 1).saturating_sub(self.base));
            debug_assert!(
                after_stop.map(Slot::buffered).sum::<usize>() == 0,
                "output after a fail-fast stop is never kept"
            );
        }
    }

    fn check_look_ahead(&self) {
        let running_ahead = self
            .slots
            .iter()
            .enumerate()
            .filter(|(_, slot)| matches!(slot, Slot::Running { .. }))
            .map(|(ahead, _)| ahead)
            .max();
        debug_assert!(
            running_ahead.is_none_or(|ahead| ahead <= self.window.items),
            "an item runs {running_ahead:?} items ahead of the head, beyond the window {}",
            self.window.items
        );
        let below_next_free = self.next_free.min(self.base + self.slots.len());
        for item in self.base..below_next_free {
            debug_assert!(
                !self.is_free(item),
                "item {item} is below next_free but free"
            );
        }
    }

    fn check_sink(&self) {
        let head = self.slots.front();
        match self.sink {
            SinkState::Streaming(item) => {
                debug_assert_eq!(item, self.base, "only the head item streams");
                debug_assert!(
                    head.is_some_and(|slot| !matches!(slot, Slot::Free | Slot::Reserved)),
                    "the streaming item has started"
                );
                debug_assert!(
                    head.is_some_and(|slot| slot.buffered() == 0),
                    "a streaming item buffers nothing"
                );
            }
            SinkState::Idle => debug_assert!(
                !matches!(head, Some(Slot::Running { .. })),
                "a running head item always owns the sink"
            ),
            SinkState::Releasing => {}
        }
    }

    fn check_orphans(&self) {
        if !self.closed || self.workers_alive > 0 {
            return;
        }
        for (ahead, slot) in self.slots.iter().enumerate() {
            if self.stopped_before(self.base + ahead).is_some() {
                break;
            }
            debug_assert!(
                !matches!(slot, Slot::Free | Slot::Reserved),
                "item {} waits for a worker, but none is left",
                self.base + ahead
            );
        }
    }

    /// A claim's answer: a claimed item runs within the window (the head always may: it is never
    /// blocked by the window), and an item is refused only when it is beyond the window.
    pub(super) fn check_claim(&self, item: usize, claim: Claim) {
        match claim {
            Claim::Item(claimed) => {
                debug_assert_eq!(claimed, item);
                debug_assert!(claimed <= self.base + self.window.items);
                debug_assert!(matches!(self.slot(claimed), Some(Slot::Running { .. })));
                debug_assert!(
                    claimed != self.base || self.sink != SinkState::Idle,
                    "a claimed head item streams (or waits for the releaser)"
                );
            }
            Claim::Wait => debug_assert!(
                item > self.base + self.window.items,
                "item {item} waits although it is within the window (head {})",
                self.base
            ),
            Claim::Exhausted => {}
        }
    }

    /// A write's answer: straight to the sink only for the streaming head; a streaming item is
    /// never told to wait, and a write waits only when the byte window is full.
    pub(super) fn check_write(&self, item: usize, to: &WriteTo) {
        let streaming = self.sink == SinkState::Streaming(item);
        match to {
            WriteTo::Sink => debug_assert!(streaming && item == self.base),
            WriteTo::Wait => {
                debug_assert!(!streaming, "the streaming head is never blocked");
                debug_assert_eq!(self.buffered, self.window.bytes, "waits only when full");
            }
            WriteTo::Buffered(_) | WriteTo::Rejected(_) => {
                debug_assert!(!streaming || matches!(to, WriteTo::Rejected(_)))
            }
        }
    }

    /// A batch released from head `from`: its error lines name released items, in item order,
    /// and its byte count is what it carries.
    pub(super) fn check_batch(&self, from: usize, batch: &Batch) {
        debug_assert!(self.base >= from, "the head never moves back");
        let mut last_error = None;
        let mut bytes = 0;
        for chunk in &batch.chunks {
            match chunk {
                Chunk::Bytes { bytes: buf, .. } => bytes += buf.len(),
                Chunk::Error { item, .. } => {
                    debug_assert!(
                        (from..self.base).contains(item),
                        "a released item is complete and every earlier item is released"
                    );
                    debug_assert!(last_error < Some(*item), "errors leave in item order");
                    last_error = Some(*item);
                }
            }
        }
        debug_assert_eq!(bytes, batch.bytes);
    }
}

impl<T> Slot<T> {
    /// Bytes this slot holds for later release.
    fn buffered(&self) -> usize {
        match self {
            Slot::Running { buf, .. } | Slot::Done { buf } | Slot::Failed { buf, .. } => buf.len(),
            Slot::Free | Slot::Reserved => 0,
        }
    }
}
