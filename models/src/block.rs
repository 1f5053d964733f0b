//! Models of the block component: the Arvados bugs as small buggy/fixed twins, and harnesses
//! that run the real [`BlockManager`] through the races the issue names.
//!
//! Bug twins ([`Arvados`]), each the smallest program that shows the bug, written once against
//! the facade:
//! - [`ArvadosBug::StateRace`]: `state()` then `set_state()` as two critical sections; two
//!   commits of a block in `Error` both see `Error` and both re-arm it (the second hits the
//!   illegal `Pending -> Pending`). Fixed: one atomic check-and-transition.
//! - [`ArvadosBug::NotifyQueueDeadlock`]: a FUSE handler holds an inode lock and pushes two
//!   invalidations into a bounded notify queue whose consumer needs that lock to drain it.
//!   Fixed: push after releasing the lock (no blocking call under a lock).
//! - [`ArvadosBug::PendingSyncCommit`]: a sync commit of a block already `Pending` returns at
//!   once. Fixed: it waits for the outcome.
//! - [`ArvadosBug::UploadThreadDeath`]: an upload thread that fails a put exits without
//!   `task_done()`, and `join()` on the queue waits for ever. Fixed: every job is marked done.
//! - [`ArvadosBug::StopRacingCommit`]: a commit marks the block `Pending`, `stop` removes the
//!   queue, the commit finds no queue and returns: the block stays `Pending` for ever. Fixed: the
//!   commit holds a sender while it sends (the workers drain it before exiting), or uploads on
//!   its own thread once the queue is gone.
//!
//! Harnesses of the real manager ([`ManagerRace`]): concurrent sync and async commits of one
//! block with a failing-then-succeeding store; `stop` racing a commit; `commit_all` racing a
//! commit with a store that always fails.

use lockstep::block::{
    BlockError, BlockManager, BlockState, BlockStore, Config, Fault, FaultStore, MemoryStore,
    OnError, RetryPolicy, StoreError,
};
use lockstep::sync::atomic::AtomicUsize;
use lockstep::sync::{channel, thread, Arc, Condvar, Mutex, Runtime};
use std::sync::atomic::Ordering;
use std::time::Duration;

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
}

impl ArvadosBug {
    /// Every bug, in a stable order.
    pub const ALL: [ArvadosBug; 5] = [
        ArvadosBug::StateRace,
        ArvadosBug::NotifyQueueDeadlock,
        ArvadosBug::PendingSyncCommit,
        ArvadosBug::UploadThreadDeath,
        ArvadosBug::StopRacingCommit,
    ];

    /// A short name (`state-race`, ...).
    pub fn name(self) -> &'static str {
        match self {
            ArvadosBug::StateRace => "state-race",
            ArvadosBug::NotifyQueueDeadlock => "notify-queue-deadlock",
            ArvadosBug::PendingSyncCommit => "pending-sync-commit",
            ArvadosBug::UploadThreadDeath => "upload-thread-death",
            ArvadosBug::StopRacingCommit => "stop-racing-commit",
        }
    }

    /// What Arvados did wrong, in one line (the catalogue's summary of the buggy twin).
    pub fn summary(self) -> &'static str {
        match self {
            ArvadosBug::StateRace => {
                "Arvados: state() then set_state(): two commits of an Error block both retry it"
            }
            ArvadosBug::NotifyQueueDeadlock => {
                "Arvados: a blocking put into a full queue while holding the lock its consumer needs"
            }
            ArvadosBug::PendingSyncCommit => {
                "Arvados: a sync commit of a Pending block returns before the upload finished"
            }
            ArvadosBug::UploadThreadDeath => {
                "Arvados: an upload thread dies without task_done(); join() waits for ever"
            }
            ArvadosBug::StopRacingCommit => {
                "Arvados: stop racing an async commit leaves the block Pending for ever"
            }
        }
    }

    /// How a checker sees the buggy twin fail: `true` for a deadlock, `false` for a panic.
    pub fn buggy_deadlocks(self) -> bool {
        matches!(
            self,
            ArvadosBug::NotifyQueueDeadlock | ArvadosBug::UploadThreadDeath
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
        let buggy = self.variant == Variant::Buggy;
        match self.bug {
            ArvadosBug::StateRace => state_race::<R>(buggy),
            ArvadosBug::NotifyQueueDeadlock => notify_queue::<R>(buggy),
            ArvadosBug::PendingSyncCommit => pending_sync_commit::<R>(buggy),
            ArvadosBug::UploadThreadDeath => upload_thread_death::<R>(buggy),
            ArvadosBug::StopRacingCommit => stop_racing_commit::<R>(buggy),
        }
    }

    /// A model for a checker.
    pub fn model<R: Runtime>(self) -> impl Fn() + Send + Sync + 'static {
        move || self.run::<R>()
    }
}

fn join_all<T: Send + 'static, R: Runtime>(handles: Vec<thread::JoinHandle<T, R>>) -> Vec<T> {
    handles
        .into_iter()
        .map(|h| {
            h.join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
        .collect()
}

/// Two commits of a block in `Error`; each that re-arms the block queues one upload.
fn state_race<R: Runtime>(buggy: bool) {
    let block: Arc<Mutex<BlockState, R>, R> = Arc::new(Mutex::new(BlockState::Error));
    let queued: Arc<AtomicUsize<R>, R> = Arc::new(AtomicUsize::new(0));
    let committers = (0..2)
        .map(|i| {
            let (block, queued) = (block.clone(), queued.clone());
            thread::Builder::<R>::new()
                .name(format!("commit-{i}"))
                .spawn(move || {
                    let rearm = if buggy {
                        let seen = *block.lock(); // state()
                        seen == BlockState::Error && {
                            let mut state = block.lock(); // set_state(PENDING)
                            if let Err(err) = state.check_transition(BlockState::Pending) {
                                panic!("set_state after state(): {err}");
                            }
                            *state = BlockState::Pending;
                            true
                        }
                    } else {
                        let mut state = block.lock(); // one check-and-transition
                        *state == BlockState::Error && {
                            state
                                .check_transition(BlockState::Pending)
                                .expect("checked under the same lock");
                            *state = BlockState::Pending;
                            true
                        }
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
fn notify_queue<R: Runtime>(buggy: bool) {
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
                if buggy {
                    notify.send(1).expect("consumer alive"); // invalidate_entry() under the lock
                    notify.send(2).expect("consumer alive");
                    drop(held);
                } else {
                    let pending = [1, 2]; // collected under the lock, sent after it
                    drop(held);
                    for n in pending {
                        notify.send(n).expect("consumer alive");
                    }
                }
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
fn pending_sync_commit<R: Runtime>(buggy: bool) {
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
    let state = if buggy {
        *slot.state.lock() // PENDING: returned at once
    } else {
        *slot
            .settled
            .wait_while(slot.state.lock(), |s| *s == BlockState::Pending)
    };
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
fn upload_thread_death<R: Runtime>(buggy: bool) {
    let tasks: Arc<Tasks<R>, R> = Arc::new(Tasks {
        unfinished: Mutex::new(0),
        all_done: Condvar::new(),
    });
    let failures: Arc<AtomicUsize<R>, R> = Arc::new(AtomicUsize::new(0));
    let (queue, jobs) = channel::bounded::<u8, R>(2);
    // Python's queue outlives its consumer thread: puts still succeed after the thread died.
    let queue_object = jobs.clone();
    let worker = {
        let (tasks, failures) = (tasks.clone(), failures.clone());
        thread::Builder::<R>::new().name("upload").spawn(move || {
            while let Ok(job) = jobs.recv() {
                let put_failed = job == 0;
                if put_failed {
                    if buggy {
                        return; // the exception escaped run(): no task_done()
                    }
                    failures.fetch_add(1, Ordering::SeqCst); // recorded on the block
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
    assert_eq!(failures.load(Ordering::SeqCst), 1);
    drop((queue, queue_object));
    join_all(vec![worker]);
}

/// An async commit races `stop`; afterwards the block must not be `Pending`.
fn stop_racing_commit<R: Runtime>(buggy: bool) {
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
            if buggy {
                slot.set(BlockState::Pending);
                let queue = queue.lock();
                if let Some(sender) = queue.as_ref() {
                    sender.send(()).expect("worker alive");
                } // else: the queue is gone; the block stays PENDING
            } else {
                let sender = queue.lock().clone(); // hold a sender while sending
                slot.set(BlockState::Pending);
                match sender {
                    Some(sender) => sender.send(()).expect("workers drain before exiting"),
                    None => slot.set(BlockState::Committed), // upload on this thread
                }
            }
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

type TestStore<R> = Arc<FaultStore<MemoryStore<R>, R>, R>;

/// One worker, one queue slot, tiny blocks; `attempts` puts per round, 1 ms backoff (facade
/// time: virtual under checkers); failed blocks are retried by a later commit or reported.
fn small_manager<R: Runtime>(
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
