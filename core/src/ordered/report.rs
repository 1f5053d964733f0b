//! [`Report`]: what a run did — items completed, items failed (with their one-line errors, in
//! item order), items skipped by fail-fast, bytes written, peak buffered bytes.

pub use super::ledger::ItemFailure;

/// The outcome of a run, returned even if every worker panicked.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Report {
    /// Items in the run.
    pub items: usize,
    /// Items that finished successfully.
    pub completed: usize,
    /// Items that failed, in item order, with the reason (also written to the sink as the item's
    /// error line, unless the failure is that the sink lost its output).
    pub failed: Vec<ItemFailure>,
    /// Items neither run nor written because fail-fast stopped the run.
    pub skipped: usize,
    /// Bytes written to the sink (item output and error lines).
    pub bytes_written: u64,
    /// The most bytes buffered at once for items that were not streaming (≤ the byte window).
    pub peak_buffered_bytes: usize,
    /// The first error the sink returned (or its panic, or the final flush's error), if any.
    /// After an error later output is still attempted; after a panic it is not. Every item
    /// whose output did not reach the sink is also in [`failed`](Self::failed).
    pub sink_error: Option<String>,
}

impl Report {
    /// Every item completed and the sink took every byte.
    pub fn is_success(&self) -> bool {
        self.completed == self.items && self.sink_error.is_none()
    }
}
