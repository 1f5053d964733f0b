//! One buffer block: its bytes, its state and the atomic check-and-transition.
//!
//! Guarantees:
//! - every state change happens under the block's lock through [`transition`], which consults the
//!   transition table and changes the state in the same critical section — there is no
//!   `state()` then `set_state()` window (the race Arvados's review found between concurrent
//!   commits of a block in `Error`);
//! - what `commit` does is decided by [`plan_commit`], one table over the block's state, in that
//!   same critical section, so two concurrent commits can never both start an upload;
//! - every state change notifies the block's condition variable, so a thread waiting for the
//!   outcome of an upload ([`BufferBlock::wait_settled`]) cannot miss it;
//! - the bytes are immutable from `Pending` on (shared with the uploader, never copied) and are
//!   released once the block is `Committed` or `Deleted`.
//!
//! Nothing here blocks while holding the lock except a condition-variable wait, which releases it.
//!
//! [`transition`]: BufferBlock::transition

use super::state::{check_step, Bytes};
use super::{BlockError, BlockId, BlockState, Locator, OnError, StoreError, TransitionError};
use crate::sync::{Arc, Condvar, Mutex, MutexGuard, Runtime};

/// The block's bytes through its life.
enum Payload<R: Runtime> {
    /// `Writable`: appended to in place.
    Open(Vec<u8>),
    /// `Pending` / `Error`: frozen, shared with the uploader.
    Sealed(Arc<Vec<u8>, R>),
    /// `Committed` / `Deleted`: in the store (or moved into another block).
    Released,
}

pub(crate) struct Inner<R: Runtime> {
    state: BlockState,
    payload: Payload<R>,
    len: usize,
    locator: Option<Locator>,
    error: Option<StoreError>,
    /// In `Error`: an upload worker will move the block back to `Pending` after its backoff.
    retry_scheduled: bool,
}

impl<R: Runtime> Inner<R> {
    /// An upload is queued, running or about to be retried: the outcome is not known yet.
    fn in_flight(&self) -> bool {
        self.state == BlockState::Pending
            || (self.state == BlockState::Error && self.retry_scheduled)
    }

    /// What must hold whenever the block's lock is released (debug builds): the bytes are where
    /// the state says ([`BlockState::bytes`]) and all of them are there; a retry is scheduled
    /// only for a failed block, never for one in any other state. (That a `Committed` block has
    /// a locator is checked where it is read: the raw [`BufferBlock::transition`] the tests use
    /// may commit a block without one.)
    fn check_invariants(&self) {
        if !crate::invariant::enabled() {
            return;
        }
        let bytes = match &self.payload {
            Payload::Open(data) => (Bytes::Open, Some(data.len())),
            Payload::Sealed(data) => (Bytes::Sealed, Some(data.len())),
            Payload::Released => (Bytes::Released, None),
        };
        debug_assert_eq!(
            bytes.0,
            self.state.bytes(),
            "a {} block's bytes are {:?}",
            self.state,
            bytes.0
        );
        debug_assert!(
            bytes.1.is_none_or(|len| len == self.len),
            "a block in memory holds all its bytes"
        );
        debug_assert!(
            !self.retry_scheduled || self.state == BlockState::Error,
            "a retry is scheduled only for a block in Error, not {}",
            self.state
        );
    }
}

/// What `commit` does with a block, from its state alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CommitPlan {
    /// Seal (or re-arm) the block: it goes to `Pending` and this caller queues the upload.
    Start,
    /// An upload is already under way: a sync commit waits for it, an async one returns.
    Join,
    /// Already stored: return the locator.
    Done,
    /// The last upload failed and the policy is to report it: return the stored error.
    Report,
    /// `Deleted`: committing it is an illegal transition.
    Refuse,
}

/// The commit table (Arvados's `commit_bufferblock`, with its sync-commit-of-a-pending-block bug
/// fixed: `Pending` is `Join`, and a sync `Join` waits).
pub(crate) fn plan_commit(
    state: BlockState,
    retry_scheduled: bool,
    on_error: OnError,
) -> CommitPlan {
    match (state, retry_scheduled, on_error) {
        (BlockState::Writable, _, _) => CommitPlan::Start,
        (BlockState::Pending, _, _) | (BlockState::Error, true, _) => CommitPlan::Join,
        (BlockState::Error, false, OnError::Retry) => CommitPlan::Start,
        (BlockState::Error, false, OnError::Report) => CommitPlan::Report,
        (BlockState::Committed, _, _) => CommitPlan::Done,
        (BlockState::Deleted, _, _) => CommitPlan::Refuse,
    }
}

/// What `begin_commit` did.
pub(crate) enum Begun {
    /// The block went to `Pending`; the caller must queue it.
    Started,
    /// An upload was already under way.
    Joined,
    /// Already committed.
    Committed(Locator),
}

/// The outcome of an upload, once known.
pub(crate) type Settled = Result<Locator, BlockError>;

/// A buffer block. Shared (in the manager's `Arc`) by the manager, its workers and committers.
pub(crate) struct BufferBlock<R: Runtime> {
    id: BlockId,
    inner: Mutex<Inner<R>, R>,
    settled: Condvar<R>,
}

impl<R: Runtime> BufferBlock<R> {
    /// A new `Writable` block with room for `capacity` bytes before it reallocates.
    pub(crate) fn new(id: BlockId, data: Vec<u8>) -> Self {
        BufferBlock {
            id,
            inner: Mutex::new(Inner {
                state: BlockState::Writable,
                len: data.len(),
                payload: Payload::Open(data),
                locator: None,
                error: None,
                retry_scheduled: false,
            }),
            settled: Condvar::new(),
        }
    }

    pub(crate) fn id(&self) -> BlockId {
        self.id
    }

    pub(crate) fn state(&self) -> BlockState {
        self.inner.lock().state
    }

    pub(crate) fn len(&self) -> usize {
        self.inner.lock().len
    }

    pub(crate) fn locator(&self) -> Option<Locator> {
        self.inner.lock().locator
    }

    /// The atomic check-and-transition: consult the table and change the state in one critical
    /// section. Returns the previous state.
    pub(crate) fn transition(&self, to: BlockState) -> Result<BlockState, TransitionError> {
        let mut inner = self.inner.lock();
        self.apply(&mut inner, to)
    }

    /// The one place a state changes (always under the lock): table check, payload bookkeeping,
    /// wake-up of outcome waiters.
    fn apply(
        &self,
        inner: &mut MutexGuard<'_, Inner<R>, R>,
        to: BlockState,
    ) -> Result<BlockState, TransitionError> {
        let from = inner.state;
        from.check_transition(to)?;
        inner.state = to;
        match to {
            BlockState::Pending => {
                // Writable -> Pending freezes the bytes; Error -> Pending keeps them frozen.
                if let Payload::Open(data) = &mut inner.payload {
                    let data = std::mem::take(data);
                    inner.payload = Payload::Sealed(Arc::new(data));
                }
                inner.retry_scheduled = false;
            }
            BlockState::Committed | BlockState::Deleted => inner.payload = Payload::Released,
            BlockState::Writable | BlockState::Error => {}
        }
        check_step(from, inner.state);
        inner.check_invariants();
        self.settled.notify_all();
        Ok(from)
    }

    /// Append to a `Writable` block without exceeding `block_size`.
    pub(crate) fn append(&self, data: &[u8], block_size: usize) -> Result<(), BlockError> {
        let mut inner = self.inner.lock();
        let len = inner.len;
        let Payload::Open(bytes) = &mut inner.payload else {
            return Err(BlockError::NotWritable {
                id: self.id,
                state: inner.state,
            });
        };
        if data.len() > block_size - len {
            return Err(BlockError::BlockFull {
                id: self.id,
                len,
                more: data.len(),
                block_size,
            });
        }
        bytes.extend_from_slice(data);
        inner.len += data.len();
        inner.check_invariants();
        Ok(())
    }

    /// Decide and apply what `commit` does, atomically (see [`plan_commit`]).
    pub(crate) fn begin_commit(&self, on_error: OnError) -> Result<Begun, BlockError> {
        let mut inner = self.inner.lock();
        match plan_commit(inner.state, inner.retry_scheduled, on_error) {
            CommitPlan::Start => {
                self.apply(&mut inner, BlockState::Pending)
                    .map_err(|source| BlockError::IllegalTransition {
                        id: self.id,
                        source,
                    })?;
                Ok(Begun::Started)
            }
            CommitPlan::Join => Ok(Begun::Joined),
            CommitPlan::Done => Ok(Begun::Committed(
                inner.locator.expect("a Committed block has a locator"),
            )),
            CommitPlan::Report => Err(self.stored_error(&inner)),
            CommitPlan::Refuse => Err(BlockError::IllegalTransition {
                id: self.id,
                source: TransitionError {
                    from: inner.state,
                    to: BlockState::Pending,
                },
            }),
        }
    }

    fn stored_error(&self, inner: &Inner<R>) -> BlockError {
        BlockError::CommitFailed {
            id: self.id,
            source: inner
                .error
                .clone()
                .unwrap_or(StoreError::Other("no error recorded".into())),
        }
    }

    /// The frozen bytes of a `Pending` block, for the uploader.
    pub(crate) fn sealed_data(&self) -> Option<Arc<Vec<u8>, R>> {
        match &self.inner.lock().payload {
            Payload::Sealed(data) => Some(data.clone()),
            _ => None,
        }
    }

    /// A copy of the bytes while they are in memory (any state but `Committed`/`Deleted`).
    pub(crate) fn contents(&self) -> Option<Vec<u8>> {
        match &self.inner.lock().payload {
            Payload::Open(data) => Some(data.clone()),
            Payload::Sealed(data) => Some(data.to_vec()),
            Payload::Released => None,
        }
    }

    /// The upload succeeded: `Pending -> Committed`.
    pub(crate) fn complete(&self, locator: Locator) -> Result<(), TransitionError> {
        let mut inner = self.inner.lock();
        inner.locator = Some(locator);
        inner.error = None;
        self.apply(&mut inner, BlockState::Committed).map(drop)
    }

    /// The upload failed: `Pending -> Error`, keeping the error; `retry` says whether a worker
    /// will re-arm the block after its backoff.
    pub(crate) fn fail(&self, error: StoreError, retry: bool) -> Result<(), TransitionError> {
        let mut inner = self.inner.lock();
        self.apply(&mut inner, BlockState::Error)?;
        inner.error = Some(error);
        inner.retry_scheduled = retry;
        inner.check_invariants();
        Ok(())
    }

    /// After the backoff: `Error -> Pending` for the next attempt.
    pub(crate) fn rearm(&self) -> Result<(), TransitionError> {
        self.transition(BlockState::Pending).map(drop)
    }

    /// `Writable -> Deleted`, handing back the bytes (repacking moves them to another block).
    /// `None`, changing nothing, if the block is not `Writable` (someone committed it: then it
    /// stays a block of its own).
    pub(crate) fn take_for_repack(&self) -> Option<Vec<u8>> {
        let mut inner = self.inner.lock();
        let Payload::Open(data) = &mut inner.payload else {
            return None;
        };
        let data = std::mem::take(data);
        let deleted = self.apply(&mut inner, BlockState::Deleted);
        debug_assert!(deleted.is_ok(), "Writable -> Deleted is in the table");
        Some(data)
    }

    /// Discard the block (`-> Deleted`); returns the buffered bytes freed. Refused while an
    /// upload is in flight.
    pub(crate) fn discard(&self) -> Result<usize, BlockError> {
        let mut inner = self.inner.lock();
        if inner.in_flight() {
            return Err(BlockError::InFlight(self.id));
        }
        let freed = match inner.state {
            BlockState::Committed => 0,
            _ => inner.len,
        };
        self.apply(&mut inner, BlockState::Deleted)
            .map_err(|source| BlockError::IllegalTransition {
                id: self.id,
                source,
            })?;
        Ok(freed)
    }

    /// Wait until no upload is in flight, then report the outcome.
    pub(crate) fn wait_settled(&self) -> Settled {
        let inner = self
            .settled
            .wait_while(self.inner.lock(), |i| i.in_flight());
        match inner.state {
            BlockState::Committed => Ok(inner.locator.expect("a Committed block has a locator")),
            BlockState::Error => Err(self.stored_error(&inner)),
            // Not in flight and neither committed nor failed: a commit never reached it
            // (Writable) or it is gone (Deleted). Report the transition a commit would need.
            state => Err(BlockError::IllegalTransition {
                id: self.id,
                source: TransitionError {
                    from: state,
                    to: BlockState::Committed,
                },
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::block::TRANSITIONS;
    use crate::sync::Std;
    use BlockState::*;

    /// A block driven to `state` along permitted transitions.
    fn block_in(state: BlockState) -> BufferBlock<Std> {
        let block = BufferBlock::new(BlockId(0), b"abc".to_vec());
        let path: &[BlockState] = match state {
            Writable => &[],
            Pending => &[Pending],
            Committed => &[Pending, Committed],
            Error => &[Pending, Error],
            Deleted => &[Deleted],
        };
        for &next in path {
            block.transition(next).unwrap();
        }
        assert_eq!(block.state(), state);
        block
    }

    #[test]
    fn every_transition_of_a_block_is_permitted_or_refused_by_the_table() {
        for from in BlockState::ALL {
            for to in BlockState::ALL {
                let block = block_in(from);
                let result = block.transition(to);
                if TRANSITIONS.contains(&(from, to)) {
                    assert_eq!(result, Ok(from), "{from} -> {to}");
                    assert_eq!(block.state(), to);
                } else {
                    assert_eq!(result, Err(TransitionError { from, to }));
                    assert_eq!(block.state(), from, "a refused transition changes nothing");
                }
            }
        }
    }

    #[test]
    fn the_commit_table() {
        use CommitPlan::*;
        let cases = [
            (Writable, false, OnError::Retry, Start),
            (Pending, false, OnError::Retry, Join),
            (Error, true, OnError::Report, Join),
            (Error, false, OnError::Retry, Start),
            (Error, false, OnError::Report, Report),
            (Committed, false, OnError::Retry, Done),
            (Deleted, false, OnError::Retry, Refuse),
        ];
        for (state, retry, policy, plan) in cases {
            assert_eq!(
                plan_commit(state, retry, policy),
                plan,
                "{state} {retry} {policy:?}"
            );
        }
    }

    #[test]
    fn appends_only_while_writable_and_within_the_block_size() {
        let block = block_in(Writable);
        block.append(b"de", 5).unwrap();
        assert_eq!(block.len(), 5);
        assert!(matches!(
            block.append(b"f", 5),
            Err(BlockError::BlockFull { len: 5, .. })
        ));
        block.transition(Pending).unwrap();
        assert!(matches!(
            block.append(b"", 5),
            Err(BlockError::NotWritable { state: Pending, .. })
        ));
        assert_eq!(block.sealed_data().unwrap().as_slice(), b"abcde");
    }

    #[test]
    fn commit_of_a_deleted_block_is_an_illegal_transition_naming_both_states() {
        let block = block_in(Deleted);
        let Err(err) = block.begin_commit(OnError::Retry) else {
            panic!("committed a deleted block")
        };
        assert_eq!(
            err.to_string(),
            "bufferblock0: illegal block state transition Deleted -> Pending"
        );
    }

    #[test]
    fn a_failed_block_reports_its_error_or_rearms() {
        let block = block_in(Pending);
        block.fail(StoreError::Injected("test"), false).unwrap();
        assert!(matches!(
            block.begin_commit(OnError::Report),
            Err(BlockError::CommitFailed { .. })
        ));
        assert!(matches!(
            block.wait_settled(),
            Err(BlockError::CommitFailed { .. })
        ));
        assert!(matches!(
            block.begin_commit(OnError::Retry),
            Ok(Begun::Started)
        ));
        assert_eq!(block.state(), Pending);
        assert_eq!(block.sealed_data().unwrap().as_slice(), b"abc");
        block.complete(Locator::of(b"abc")).unwrap();
        assert_eq!(block.wait_settled(), Ok(Locator::of(b"abc")));
        assert!(block.contents().is_none(), "committed bytes are released");
    }

    #[test]
    fn discard_refuses_in_flight_blocks() {
        let block = block_in(Pending);
        assert_eq!(block.discard(), Err(BlockError::InFlight(BlockId(0))));
        block.fail(StoreError::Injected("test"), true).unwrap();
        assert_eq!(block.discard(), Err(BlockError::InFlight(BlockId(0))));
        block.rearm().unwrap();
        block.fail(StoreError::Injected("test"), false).unwrap();
        assert_eq!(block.discard(), Ok(3));
    }
}
