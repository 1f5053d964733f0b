//! When the components' inline invariant checks run.
//!
//! The pure cores (the ordered ledger, the buffer block, the task-tree scheduler and
//! coordinator) assert their invariants at the end of every mutating call, with
//! `debug_assert!`s: on in every test and checker run, free in release builds. The whole-state
//! checks ask [`enabled`] first, so that they also stay quiet while a thread unwinds: a drop
//! guard that updates the state during a panic (a worker reporting its death) must not turn the
//! original failure into a double panic, which aborts the process and loses the report. The
//! state it leaves is checked by the next call made outside unwinding.

/// Whether whole-state invariant checks run here: debug builds, outside unwinding.
#[inline]
pub(crate) fn enabled() -> bool {
    cfg!(debug_assertions) && !std::thread::panicking()
}
