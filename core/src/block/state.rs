//! Block states and the one table of permitted transitions.
//!
//! Guarantees: [`TRANSITIONS`] is the only place that says which state may follow which; every
//! state change in this module's users goes through [`BlockState::check_transition`], so a
//! transition that is not in the table is a [`TransitionError`] naming both states — never a
//! silent change (Arvados once swallowed a state error raised in `DELETED`).
//!
//! The table, after Arvados's `_BufferBlock.STATE_TRANSITIONS` plus deletion:
//!
//! | from \ to | Pending | Committed | Error | Deleted |
//! |---|---|---|---|---|
//! | Writable | commit | | | repacked/discarded |
//! | Pending | | put succeeded | put failed | |
//! | Committed | | | | discarded |
//! | Error | retry | | | discarded |
//!
//! Nothing ever returns to `Writable`, and `Deleted` is final.
//!
//! Inline invariants: [`check_step`] asserts each applied change against the table (and its
//! negative space: never back to `Writable`, never out of `Deleted`, never a no-op), and
//! [`BlockState::bytes`] says where a block's bytes must be in each state, which the buffer
//! block asserts after every change (`buffer.rs`, `Inner::check_invariants`).

use std::fmt;

/// Where a buffer block is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BlockState {
    /// Accepting appends; lives only in memory.
    Writable,
    /// Sealed and queued for (or in) upload to the store.
    Pending,
    /// Stored; the block has a locator and its buffer is released.
    Committed,
    /// The last upload failed; the error is kept and the block may be retried.
    Error,
    /// Cleared (repacked into another block, or discarded). Final.
    Deleted,
}

/// Every permitted `(from, to)` pair; any other pair is a [`TransitionError`].
pub const TRANSITIONS: [(BlockState, BlockState); 7] = [
    (BlockState::Writable, BlockState::Pending),
    (BlockState::Pending, BlockState::Committed),
    (BlockState::Pending, BlockState::Error),
    (BlockState::Error, BlockState::Pending),
    (BlockState::Writable, BlockState::Deleted),
    (BlockState::Committed, BlockState::Deleted),
    (BlockState::Error, BlockState::Deleted),
];

/// A state change that [`TRANSITIONS`] does not permit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("illegal block state transition {from} -> {to}")]
pub struct TransitionError {
    /// The state the block was in.
    pub from: BlockState,
    /// The state that was asked for.
    pub to: BlockState,
}

impl BlockState {
    /// Every state, in declaration order.
    pub const ALL: [BlockState; 5] = [
        BlockState::Writable,
        BlockState::Pending,
        BlockState::Committed,
        BlockState::Error,
        BlockState::Deleted,
    ];

    /// `Ok` if `(self, to)` is in [`TRANSITIONS`], else the error naming both states.
    ///
    /// ```
    /// use lockstep::block::BlockState::*;
    /// assert!(Writable.check_transition(Pending).is_ok());
    /// let refused = Committed.check_transition(Pending).unwrap_err();
    /// assert_eq!(refused.to_string(), "illegal block state transition Committed -> Pending");
    /// ```
    pub fn check_transition(self, to: BlockState) -> Result<(), TransitionError> {
        if TRANSITIONS.contains(&(self, to)) {
            Ok(())
        } else {
            Err(TransitionError { from: self, to })
        }
    }
}

/// Where a block's bytes are, as a function of its state alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bytes {
    /// In memory and growing (`Writable`).
    Open,
    /// In memory, frozen, shared with the uploader (`Pending`, `Error`).
    Sealed,
    /// Gone from memory: in the store, or moved into another block (`Committed`, `Deleted`).
    Released,
}

impl BlockState {
    /// Where a block in this state keeps its bytes.
    pub(crate) fn bytes(self) -> Bytes {
        match self {
            BlockState::Writable => Bytes::Open,
            BlockState::Pending | BlockState::Error => Bytes::Sealed,
            BlockState::Committed | BlockState::Deleted => Bytes::Released,
        }
    }
}

/// Assert that the state change `from -> to`, just applied, is one the table permits (positive
/// space) and none of the changes it can never contain (negative space). Debug builds only.
#[inline]
pub(crate) fn check_step(from: BlockState, to: BlockState) {
    debug_assert!(
        TRANSITIONS.contains(&(from, to)),
        "block state changed along {from} -> {to}, which the table does not permit"
    );
    debug_assert_ne!(to, BlockState::Writable, "nothing returns to Writable");
    debug_assert_ne!(from, BlockState::Deleted, "Deleted is final");
    debug_assert_ne!(from, to, "a transition changes the state");
}

impl fmt::Display for BlockState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::BlockState::{self, *};
    use super::TRANSITIONS;

    /// The table written out as the full 5×5 matrix: a changed table must change this test.
    const MATRIX: [(BlockState, [bool; 5]); 5] = [
        // to:        Writable Pending Committed Error  Deleted
        (Writable, [false, true, false, false, true]),
        (Pending, [false, false, true, true, false]),
        (Committed, [false, false, false, false, true]),
        (Error, [false, true, false, false, true]),
        (Deleted, [false, false, false, false, false]),
    ];

    #[test]
    fn every_pair_is_permitted_or_refused_as_the_matrix_says() {
        for (from, row) in MATRIX {
            for (to, permitted) in BlockState::ALL.into_iter().zip(row) {
                let result = from.check_transition(to);
                assert_eq!(result.is_ok(), permitted, "{from} -> {to}");
                if let Err(err) = result {
                    assert_eq!((err.from, err.to), (from, to));
                    let text = err.to_string();
                    assert!(text.contains(&from.to_string()) && text.contains(&to.to_string()));
                }
            }
        }
    }

    #[test]
    fn nothing_returns_to_writable_and_deleted_is_final() {
        assert!(TRANSITIONS.iter().all(|&(_, to)| to != Writable));
        assert!(TRANSITIONS.iter().all(|&(from, _)| from != Deleted));
        assert!(TRANSITIONS.iter().all(|&(from, to)| from != to));
    }
}
