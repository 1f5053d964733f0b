//! Models of the block component: the Arvados bugs as buggy/fixed twins, and harnesses that
//! run the real [`BlockManager`] through the races and paths the issue names.
//!
//! Each twin's buggy side is the smallest program that shows the bug, written once against the
//! facade; its fixed side runs lockstep's real [`BlockManager`] / [`BlockFile`](lockstep::block::BlockFile)
//! through the same workload (`block/fixed.rs`):
//! - [`ArvadosBug::StateRace`]: `state()` then `set_state()` as two critical sections; two
//!   commits of a block in `Error` both see `Error` and both re-arm it. Needs a preemption.
//! - [`ArvadosBug::NotifyQueueDeadlock`]: a FUSE handler holds an inode lock and pushes two
//!   invalidations into a bounded notify queue whose consumer needs that lock to drain it.
//! - [`ArvadosBug::PendingSyncCommit`]: a sync commit of a block already `Pending` returns at
//!   once.
//! - [`ArvadosBug::UploadThreadDeath`]: an upload thread that fails a put exits without
//!   `task_done()`, and `join()` on the queue waits for ever.
//! - [`ArvadosBug::StopRacingCommit`]: a commit marks the block `Pending`, `stop` removes the
//!   queue, the commit finds no queue and returns: the block stays `Pending` for ever.
//! - [`ArvadosBug::SwallowedStateError`]: `flush(wait)` finds a block uncommitted, logs it and
//!   reports success. Needs a preemption.
//! - [`ArvadosBug::LazyThreadStart`]: upload threads started lazily from a locked method that
//!   takes the (non-re-entrant) lock again. Needs a preemption.
//! - [`ArvadosBug::RepackDanglingReference`]: repacking deletes the small blocks before it
//!   rewrites the files' references. Needs a preemption.
//! - [`ArvadosBug::StopOrderDeadlock`]: `stop_threads` joins the upload threads holding the lock
//!   an upload needs to finish. Needs a preemption.
//!
//! Harnesses of the real manager ([`ManagerRace`]): concurrent sync and async commits of one
//! block with a failing-then-succeeding store; `stop` racing a commit; `commit_all` racing a
//! commit with a store that always fails; and the shipped paths ([`BlockPath`]): a file's
//! writes with repacking, back-pressure, a panicking store and a store the simulator fails.

use lockstep::block::{
    BlockError, BlockManager, BlockState, BlockStore, Config, Fault, FaultStore, MemoryStore,
    OnError, RetryPolicy, StoreError,
};
use lockstep::sync::atomic::AtomicUsize;
use lockstep::sync::{channel, thread, Arc, Condvar, Mutex, Runtime};
use std::sync::atomic::Ordering;
use std::time::Duration;

mod fixed;
mod lifecycle;
mod paths;

pub use paths::BlockPath;

/// Which Arvados bug a twin shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArvadosBug {
    /// `state()` then `set_state()` between concurrent commits of a block in `Error`.
    StateRace,
    /// A bounded notify queue filled while a handler holds the lock its consumer needs.
    NotifyQueueDeadlock,
    /// A sync commit of a `Pending` block returned without waiting.
    PendingSyncCommit,
    /// An upload thread died without `task_done()`; `join()` waited for ever.
    UploadThreadDeath,
    /// `stop` racing an asynchronous commit left the block `Pending` for ever.
    StopRacingCommit,
    /// `flush(wait)` logged uncommitted blocks and reported success.
    SwallowedStateError,
    /// Upload threads started lazily from a locked method re-taking its lock.
    LazyThreadStart,
    /// Repacking deleted small blocks before rewriting the files' references to them.
    RepackDanglingReference,
    /// `stop_threads` joined the upload threads holding the lock an upload needs.
    StopOrderDeadlock,
}

impl ArvadosBug {
    /// Every bug, in a stable order.
    pub const ALL: [ArvadosBug; 9] = [
        ArvadosBug::StateRace,
        ArvadosBug::NotifyQueueDeadlock,
        ArvadosBug::PendingSyncCommit,
        ArvadosBug::UploadThreadDeath,
        ArvadosBug::StopRacingCommit,
        ArvadosBug::SwallowedStateError,
        ArvadosBug::LazyThreadStart,
        ArvadosBug::RepackDanglingReference,
        ArvadosBug::StopOrderDeadlock,
    ];

    /// A short name (`state-race`, ...).
    pub fn name(self) -> &'static str {
        match self {
            ArvadosBug::StateRace => "state-race",
            ArvadosBug::NotifyQueueDeadlock => "notify-queue-deadlock",
            ArvadosBug::PendingSyncCommit => "pending-sync-commit",
            ArvadosBug::UploadThreadDeath => "upload-thread-death",
            ArvadosBug::StopRacingCommit => "stop-racing-commit",
            ArvadosBug::SwallowedStateError => "swallowed-state-error",
            ArvadosBug::LazyThreadStart => "lazy-thread-start",
            ArvadosBug::RepackDanglingReference => "repack-dangling-reference",
            ArvadosBug::StopOrderDeadlock => "stop-order-deadlock",
        }
    }

    /// What Arvados did wrong, in one line, with the upstream reference (the catalogue's
    /// summary of the buggy twin; the story is Arvados #3198 "Writable streaming arv-mount",
    /// its reviews in notes #33-#42, and the FUSE notify-queue deadlock in note #43).
    pub fn summary(self) -> &'static str {
        match self {
            ArvadosBug::StateRace => {
                "Arvados #3198 note 33: state() then set_state(); two commits of an Error block \
                 both retry it"
            }
            ArvadosBug::NotifyQueueDeadlock => {
                "Arvados #3198 note 43 (arv-mount _notify_queue): a blocking put into a full \
                 queue under the inode lock"
            }
            ArvadosBug::PendingSyncCommit => {
                "Arvados #3198 note 33: a sync commit of a Pending block returns before the \
                 upload finished"
            }
            ArvadosBug::UploadThreadDeath => {
                "Arvados _BlockManager: an upload thread dies without task_done(); join() waits \
                 for ever"
            }
            ArvadosBug::StopRacingCommit => {
                "Arvados _BlockManager: stop racing an async commit leaves the block Pending \
                 for ever"
            }
            ArvadosBug::SwallowedStateError => {
                "Arvados #3198 note 33: flush(wait) logs uncommitted blocks and still reports \
                 success"
            }
            ArvadosBug::LazyThreadStart => {
                "Arvados #3198 note 33: put threads started lazily under a lock that is taken \
                 again"
            }
            ArvadosBug::RepackDanglingReference => {
                "Arvados repack_small_blocks: small blocks deleted before the files' references \
                 move"
            }
            ArvadosBug::StopOrderDeadlock => {
                "Arvados #3198 notes 41-42 (shutdown order): stop_threads joins uploads holding \
                 their lock"
            }
        }
    }

    /// The preemption bound within which DFS explores the twins exhaustively in `lockstep
    /// check`: 2, but 1 for the flush with two upload workers (whose fixed twin, the real
    /// manager, has over 20,000 schedules with 2 preemptions; its bug needs only 1).
    pub fn preemption_bound(self) -> usize {
        match self {
            ArvadosBug::SwallowedStateError => 1,
            _ => 2,
        }
    }

    /// Whether the buggy twin fails only on schedules with a preemption (every non-preemptive
    /// schedule passes), as the real bug needed a particular interleaving.
    pub fn needs_interleaving(self) -> bool {
        matches!(
            self,
            ArvadosBug::StateRace
                | ArvadosBug::SwallowedStateError
                | ArvadosBug::LazyThreadStart
                | ArvadosBug::RepackDanglingReference
                | ArvadosBug::StopOrderDeadlock
        )
    }

    /// How a checker sees the buggy twin fail: `true` for a deadlock, `false` for a panic.
    pub fn buggy_deadlocks(self) -> bool {
        matches!(
            self,
            ArvadosBug::NotifyQueueDeadlock
                | ArvadosBug::UploadThreadDeath
                | ArvadosBug::LazyThreadStart
                | ArvadosBug::StopOrderDeadlock
        )
    }
}

/// The twin as Arvados shipped it, or as fixed here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// The bug.
    Buggy,
    /// The fix (the block manager's design).
    Fixed,
}

/// One bug twin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arvados {
    /// The bug.
    pub bug: ArvadosBug,
    /// Buggy or fixed.
    pub variant: Variant,
}

impl Arvados {
    /// The buggy twin of `bug`.
    pub fn buggy(bug: ArvadosBug) -> Self {
        Arvados {
            bug,
            variant: Variant::Buggy,
        }
    }

    /// The fixed twin of `bug`.
    pub fn fixed(bug: ArvadosBug) -> Self {
        Arvados {
            bug,
            variant: Variant::Fixed,
        }
    }

    /// Run on backend `R`; panics (or, for the deadlocks, hangs — a checker reports it) when the
    /// bug strikes.
    pub fn run<R: Runtime>(&self) {
        match self.variant {
            Variant::Buggy => match self.bug {
                ArvadosBug::StateRace => state_race::<R>(),
                ArvadosBug::NotifyQueueDeadlock => notify_queue::<R>(),
                ArvadosBug::PendingSyncCommit => pending_sync_commit::<R>(),
                ArvadosBug::UploadThreadDeath => upload_thread_death::<R>(),
                ArvadosBug::StopRacingCommit => stop_racing_commit::<R>(),
                ArvadosBug::SwallowedStateError => lifecycle::flush_swallows_uncommitted::<R>(),
                ArvadosBug::LazyThreadStart => lifecycle::lazy_thread_start::<R>(),
                ArvadosBug::RepackDanglingReference => lifecycle::repack_dangling_reference::<R>(),
                ArvadosBug::StopOrderDeadlock => lifecycle::stop_order_deadlock::<R>(),
            },
            Variant::Fixed => match self.bug {
                ArvadosBug::StateRace => fixed::state_race::<R>(),
                ArvadosBug::NotifyQueueDeadlock => fixed::notify_queue::<R>(),
                ArvadosBug::PendingSyncCommit => fixed::pending_sync_commit::<R>(),
                ArvadosBug::UploadThreadDeath => fixed::upload_thread_death::<R>(),
                ArvadosBug::StopRacingCommit => manager_stop_racing_commit::<R>(),
                ArvadosBug::SwallowedStateError => fixed::flush_waits_for_every_block::<R>(),
                ArvadosBug::LazyThreadStart => fixed::workers_start_with_the_manager::<R>(),
                ArvadosBug::RepackDanglingReference => fixed::repack_keeps_references::<R>(),
                ArvadosBug::StopOrderDeadlock => fixed::stop_during_upload::<R>(),
            },
        }
    }

    /// A model for a checker.
    pub fn model<R: Runtime>(self) -> impl Fn() + Send + Sync + 'static {
        move || self.run::<R>()
    }
}

pub(crate) fn join_all<T: Send + 'static, R: Runtime>(
    handles: Vec<thread::JoinHandle<T, R>>,
) -> Vec<T> {
    handles
        .into_iter()
        .map(|h| {
            h.join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
        .collect()
}

/// Two commits of a block in `Error`; each that re-arms the block queues one upload.
fn state_race<R: Runtime>() {
    let block: Arc<Mutex<BlockState, R>, R> = Arc::new(Mutex::new(BlockState::Error));
    let queued: Arc<AtomicUsize<R>, R> = Arc::new(AtomicUsize::new(0));
    let committers = (0..2)
        .map(|i| {
            let (block, queued) = (block.clone(), queued.clone());
            thread::Builder::<R>::new()
                .name(format!("commit-{i}"))
                .spawn(move || {
                    let seen = *block.lock(); // state()
                    let rearm = seen == BlockState::Error && {
                        let mut state = block.lock(); // set_state(PENDING)
                        if let Err(err) = state.check_transition(BlockState::Pending) {
                            panic!("set_state after state(): {err}");
                        }
                        *state = BlockState::Pending;
                        true
                    };
                    if rearm {
                        queued.fetch_add(1, Ordering::SeqCst);
                    }
                })
        })
        .collect();
    join_all(committers);
    assert_eq!(
        queued.load(Ordering::SeqCst),
        1,
        "the failed block was queued twice"
    );
}

/// A handler holding an inode lock sends two invalidations into a full notify queue of one
/// slot; the consumer takes the inode lock for each notification it drains.
fn notify_queue<R: Runtime>() {
    let inode: Arc<Mutex<u32, R>, R> = Arc::new(Mutex::new(0));
    let (notify, queue) = channel::bounded::<u8, R>(1);
    notify.send(0).expect("the consumer is alive"); // the queue is full
    let consumer = {
        let inode = inode.clone();
        thread::Builder::<R>::new()
            .name("notify-consumer")
            .spawn(move || {
                for _ in 0..3 {
                    queue.recv().expect("three notifications");
                    *inode.lock() += 1; // invalidation needs the inode lock
                }
            })
    };
    let handler = {
        let inode = inode.clone();
        thread::Builder::<R>::new()
            .name("fuse-handler")
            .spawn(move || {
                let held = inode.lock(); // e.g. unlink() holds the parent inode
                notify.send(1).expect("consumer alive"); // invalidate_entry() under the lock
                notify.send(2).expect("consumer alive");
                drop(held);
            })
    };
    join_all(vec![consumer, handler]);
    assert_eq!(*inode.lock(), 3);
}

struct Slot<R: Runtime> {
    state: Mutex<BlockState, R>,
    settled: Condvar<R>,
}

impl<R: Runtime> Slot<R> {
    fn new(state: BlockState) -> Self {
        Slot {
            state: Mutex::new(state),
            settled: Condvar::new(),
        }
    }

    fn set(&self, to: BlockState) {
        let mut state = self.state.lock();
        state.check_transition(to).expect("permitted");
        *state = to;
        self.settled.notify_all();
    }
}

/// Commit a block async, then sync; the sync commit must return only once it is committed.
fn pending_sync_commit<R: Runtime>() {
    let slot: Arc<Slot<R>, R> = Arc::new(Slot::new(BlockState::Writable));
    let (queue, jobs) = channel::bounded::<(), R>(1);
    let worker = {
        let slot = slot.clone();
        thread::Builder::<R>::new().name("upload").spawn(move || {
            if jobs.recv().is_ok() {
                slot.set(BlockState::Committed); // the put succeeded
            }
        })
    };
    // commit(sync=False)
    slot.set(BlockState::Pending);
    queue.send(()).expect("worker alive");
    // commit(sync=True)
    let state = *slot.state.lock(); // PENDING: returned at once
    assert_eq!(
        state,
        BlockState::Committed,
        "a sync commit returned before the block was committed"
    );
    join_all(vec![worker]);
}

/// Python's `Queue.join()`: wait until every queued job is marked done.
struct Tasks<R: Runtime> {
    unfinished: Mutex<usize, R>,
    all_done: Condvar<R>,
}

/// Two uploads queued, the first put fails; `join()` must return.
fn upload_thread_death<R: Runtime>() {
    let tasks: Arc<Tasks<R>, R> = Arc::new(Tasks {
        unfinished: Mutex::new(0),
        all_done: Condvar::new(),
    });
    let (queue, jobs) = channel::bounded::<u8, R>(2);
    // Python's queue outlives its consumer thread: puts still succeed after the thread died.
    let queue_object = jobs.clone();
    let worker = {
        let tasks = tasks.clone();
        thread::Builder::<R>::new().name("upload").spawn(move || {
            while let Ok(job) = jobs.recv() {
                let put_failed = job == 0;
                if put_failed {
                    return; // the exception escaped run(): no task_done()
                }
                let mut unfinished = tasks.unfinished.lock(); // task_done()
                *unfinished -= 1;
                if *unfinished == 0 {
                    tasks.all_done.notify_all();
                }
            }
        })
    };
    for job in 0..2 {
        *tasks.unfinished.lock() += 1;
        queue.send(job).expect("the queue object is alive");
    }
    drop(
        tasks
            .all_done
            .wait_while(tasks.unfinished.lock(), |n| *n > 0),
    ); // queue.join()
    drop((queue, queue_object));
    join_all(vec![worker]);
}

/// An async commit races `stop`; afterwards the block must not be `Pending`.
fn stop_racing_commit<R: Runtime>() {
    let slot: Arc<Slot<R>, R> = Arc::new(Slot::new(BlockState::Writable));
    let (sender, jobs) = channel::bounded::<(), R>(1);
    let queue: Arc<Mutex<Option<channel::Sender<(), R>>, R>, R> =
        Arc::new(Mutex::new(Some(sender)));
    let worker = {
        let slot = slot.clone();
        thread::Builder::<R>::new().name("upload").spawn(move || {
            while jobs.recv().is_ok() {
                slot.set(BlockState::Committed);
            }
        })
    };
    let committer = {
        let (slot, queue) = (slot.clone(), queue.clone());
        thread::Builder::<R>::new().name("commit").spawn(move || {
            slot.set(BlockState::Pending);
            let queue = queue.lock();
            if let Some(sender) = queue.as_ref() {
                sender.send(()).expect("worker alive");
            } // else: the queue is gone; the block stays PENDING
        })
    };
    // stop(): close the queue, join the worker.
    drop(queue.lock().take());
    join_all(vec![worker, committer]);
    assert_ne!(
        *slot.state.lock(),
        BlockState::Pending,
        "the block was left PENDING after stop"
    );
}

// ----- the real manager ------------------------------------------------------------------------------

/// A race run through the real [`BlockManager`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManagerRace {
    /// One block, committed sync by one thread and async by another, with a store that fails
    /// the first put: one error, one retry, one upload in all, and the sync commit returns the
    /// locator.
    SyncAsyncRetry,
    /// `stop` on the main thread while another thread commits a block whose first upload fails:
    /// the block is never left `Pending`, and it commits once the store recovers.
    StopRacingCommit,
    /// `commit_all` while another thread commits, with a store that always fails: one error
    /// listing both blocks, no hang; `stop` reports them again.
    CommitAllFailing,
}

impl ManagerRace {
    /// Every race, in a stable order.
    pub const ALL: [ManagerRace; 3] = [
        ManagerRace::SyncAsyncRetry,
        ManagerRace::StopRacingCommit,
        ManagerRace::CommitAllFailing,
    ];

    /// A short name.
    pub fn name(self) -> &'static str {
        match self {
            ManagerRace::SyncAsyncRetry => "sync-async-retry",
            ManagerRace::StopRacingCommit => "stop-racing-commit",
            ManagerRace::CommitAllFailing => "commit-all-failing",
        }
    }

    /// Run on backend `R`; panics if an assertion fails (a hang is reported by the checker).
    pub fn run<R: Runtime>(self) {
        match self {
            ManagerRace::SyncAsyncRetry => sync_async_retry::<R>(),
            ManagerRace::StopRacingCommit => manager_stop_racing_commit::<R>(),
            ManagerRace::CommitAllFailing => commit_all_failing::<R>(),
        }
    }

    /// A model for a checker.
    pub fn model<R: Runtime>(self) -> impl Fn() + Send + Sync + 'static {
        move || self.run::<R>()
    }
}

pub(crate) type TestStore<R> = Arc<FaultStore<MemoryStore<R>, R>, R>;

/// One worker, one queue slot, tiny blocks; `attempts` puts per round, 1 ms backoff (facade
/// time: virtual under checkers); failed blocks are retried by a later commit or reported.
pub(crate) fn small_manager<R: Runtime>(
    attempts: u32,
    on_error: OnError,
) -> (TestStore<R>, Arc<BlockManager<R>, R>) {
    let store: TestStore<R> = Arc::new(FaultStore::with_runtime(MemoryStore::with_runtime()));
    let config = Config::default()
        .on_error(on_error)
        .block_size(4)
        .workers(1)
        .queue_capacity(1)
        .repack_below(0)
        .retry(RetryPolicy {
            max_attempts: attempts,
            initial_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(1),
        });
    let manager = BlockManager::with_runtime(store.clone(), config).expect("valid config");
    (store, Arc::new(manager))
}

fn sync_async_retry<R: Runtime>() {
    let (store, manager) = small_manager::<R>(2, OnError::Retry);
    store.script([Fault::Fail]);
    let id = manager.alloc().unwrap();
    manager.append(id, b"ab").unwrap();
    let async_committer = {
        let manager = manager.clone();
        thread::Builder::<R>::new()
            .name("commit-async")
            .spawn(move || manager.commit(id, false))
    };
    let locator = manager
        .commit(id, true)
        .expect("the retry succeeded")
        .expect("a sync commit returns the locator");
    let raced = join_all(vec![async_committer]).remove(0);
    assert!(matches!(raced, Ok(None) | Ok(Some(_))), "{raced:?}");
    assert_eq!(manager.commit(id, true), Ok(Some(locator)));
    assert_eq!(
        store.puts(),
        2,
        "one failed put, one retry, no duplicate upload"
    );
    assert_eq!(store.get(&locator).unwrap(), b"ab");
    manager.stop().expect("all committed");
}

fn manager_stop_racing_commit<R: Runtime>() {
    // The first put fails and is not retried by the worker, so the racing commit may re-arm the
    // block before, during or after `stop` — after it, with nobody serving the queue.
    let (store, manager) = small_manager::<R>(1, OnError::Retry);
    store.script([Fault::Fail]);
    let id = manager.alloc().unwrap();
    manager.append(id, b"x").unwrap();
    let committer = {
        let manager = manager.clone();
        thread::Builder::<R>::new()
            .name("commit")
            .spawn(move || manager.commit(id, false))
    };
    let stopped = manager.stop();
    let raced = join_all(vec![committer]).remove(0);
    assert!(
        raced.is_ok(),
        "an async commit only reports refusals: {raced:?}"
    );
    let state = manager.state(id).unwrap();
    assert_ne!(state, BlockState::Pending, "stranded in Pending after stop");
    if stopped.is_ok() {
        assert_eq!(
            state,
            BlockState::Committed,
            "stop succeeded, so the block is stored"
        );
    }
    // Nothing lost: the block commits now (the store has recovered), on this thread.
    let locator = manager.commit(id, true).unwrap().unwrap();
    assert_eq!(store.get(&locator).unwrap(), b"x");
}

fn commit_all_failing<R: Runtime>() {
    // Report: a failed block keeps its error (no endless re-uploads to explore).
    let (store, manager) = small_manager::<R>(1, OnError::Report);
    store.fail_next(64);
    let ids: Vec<_> = (0..2u8)
        .map(|i| {
            let id = manager.alloc().unwrap();
            manager.append(id, &[i]).unwrap();
            id
        })
        .collect();
    // Block 0 is already failed when the race starts; a thread commits it again while
    // `commit_all` runs.
    assert!(manager.commit(ids[0], true).is_err());
    let committer = {
        let manager = manager.clone();
        let id = ids[0];
        thread::Builder::<R>::new()
            .name("commit")
            .spawn(move || manager.commit(id, false))
    };
    let err = manager.commit_all().expect_err("every put fails");
    let failed: Vec<_> = err.failures.iter().map(|(id, _)| *id).collect();
    assert_eq!(failed, ids, "every block listed once: {err}");
    for (_, failure) in &err.failures {
        assert!(
            matches!(
                failure,
                BlockError::CommitFailed {
                    source: StoreError::Injected(_),
                    ..
                }
            ),
            "{failure}"
        );
    }
    let raced = join_all(vec![committer]).remove(0);
    assert!(
        matches!(raced, Ok(None) | Err(BlockError::CommitFailed { .. })),
        "{raced:?}"
    );
    let at_stop = manager.stop().expect_err("still failing");
    assert_eq!(at_stop.failures.len(), 2, "{at_stop}");
}
