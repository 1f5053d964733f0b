//! The structure of a recorded schedule, as data: what each step did to which object, and how
//! steps are tied to one another — which release ended which lock hold, which notification
//! ended which condition-variable wait, which thread a spawn created and a join waited for —
//! and, for a deadlock, who waits for whom. [`TraceStep`](crate::TraceStep) and
//! [`Failure`](crate::Failure) carry it; the HTML timeline ([`Failure::to_html`]) draws it.
//!
//! Guarantees: everything here is derived from the execution's own record (its steps in order,
//! the waiters each notification woke, the threads blocked at the end), never from the wall
//! clock or addresses, so it is deterministic and the same in every replay of a token. Step
//! references are 1-based [`TraceStep::index`](crate::TraceStep::index) values of the same
//! trace; thread references are thread ids (0 is the model's main thread, then threads in
//! spawn order), indices into [`Failure::threads`](crate::Failure::threads).
//!
//! One approximation: an operation made while a thread unwinds from a panic is not a step (it
//! takes effect at once), so a lock whose guard is dropped by the unwinding has no release
//! step; its hold is reported to end at the thread's exit step (or, if the thread never took
//! one, to last until the end).
//!
//! [`Failure::to_html`]: crate::Failure::to_html

mod derive;

pub(crate) use derive::{link, object_ref};

use std::fmt;
use std::panic::Location;

/// The kind of a step's operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StepOp {
    /// A thread's first step.
    Start,
    /// Spawns a thread ([`StepLinks::thread`] is the new thread).
    Spawn,
    /// Waits for a thread to finish and takes its result ([`StepLinks::thread`] is that thread).
    Join,
    /// Yields (moves virtual time by one microsecond).
    Yield,
    /// Sleeps until a virtual deadline.
    Sleep,
    /// Reads the virtual clock (`Instant::now()`, or a deadline computed from it).
    ReadClock,
    /// Locks a mutex.
    Lock,
    /// Tries to lock a mutex ([`StepLinks::acquires`] says whether it got it).
    TryLock,
    /// Releases a mutex.
    Unlock,
    /// Releases its mutex and waits on a condition variable.
    Wait,
    /// Takes the mutex back after a condition-variable wait ended.
    Reacquire,
    /// Wakes one waiter of a condition variable.
    NotifyOne,
    /// Wakes every waiter of a condition variable.
    NotifyAll,
    /// Takes a reader-writer lock for reading.
    ReadLock,
    /// Takes a reader-writer lock for writing.
    WriteLock,
    /// Releases a read lock.
    ReadUnlock,
    /// Releases a write lock.
    WriteUnlock,
    /// Loads an atomic.
    AtomicLoad,
    /// Stores an atomic.
    AtomicStore,
    /// Read-modify-writes an atomic.
    AtomicRmw,
    /// Reaches a named fault point ([`StepLinks::fired`] says whether it fired).
    Fault,
    /// An async task waits to be woken.
    Park,
    /// Uses an async primitive (mutex, notify, channel).
    AsyncOp,
    /// Writes to a captured output.
    Output,
    /// Forks the process ([`StepLinks::thread`] is the child's one thread; see
    /// [`crate::process`]).
    Fork,
    /// Starts a fresh process ([`StepLinks::thread`] is its thread).
    SpawnProcess,
    /// Re-initialises a lock in a forked child ([`crate::process::reinit`]).
    Reinit,
    /// A thread's last step: its result becomes joinable.
    Exit,
}

impl StepOp {
    /// A short name (`lock`, `notify_one`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            StepOp::Start => "start",
            StepOp::Spawn => "spawn",
            StepOp::Join => "join",
            StepOp::Yield => "yield",
            StepOp::Sleep => "sleep",
            StepOp::ReadClock => "read_clock",
            StepOp::Lock => "lock",
            StepOp::TryLock => "try_lock",
            StepOp::Unlock => "unlock",
            StepOp::Wait => "wait",
            StepOp::Reacquire => "relock",
            StepOp::NotifyOne => "notify_one",
            StepOp::NotifyAll => "notify_all",
            StepOp::ReadLock => "read",
            StepOp::WriteLock => "write",
            StepOp::ReadUnlock => "read_unlock",
            StepOp::WriteUnlock => "write_unlock",
            StepOp::AtomicLoad => "load",
            StepOp::AtomicStore => "store",
            StepOp::AtomicRmw => "rmw",
            StepOp::Fault => "fault",
            StepOp::Park => "park",
            StepOp::AsyncOp => "async",
            StepOp::Output => "output",
            StepOp::Fork => "fork",
            StepOp::SpawnProcess => "spawn_process",
            StepOp::Reinit => "reinit",
            StepOp::Exit => "exit",
        }
    }

    /// Does the step take a lock (when it succeeds: see [`StepLinks::acquires`])?
    pub const fn is_acquire(self) -> bool {
        matches!(
            self,
            StepOp::Lock
                | StepOp::TryLock
                | StepOp::ReadLock
                | StepOp::WriteLock
                | StepOp::Reacquire
        )
    }

    /// Does the step release a lock? (A condvar [`StepOp::Wait`] releases its mutex.)
    pub const fn is_release(self) -> bool {
        matches!(
            self,
            StepOp::Unlock | StepOp::ReadUnlock | StepOp::WriteUnlock | StepOp::Wait
        )
    }
}

/// What kind of shared object a step touched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ObjectKind {
    /// A mutex.
    Mutex,
    /// A condition variable.
    Condvar,
    /// A reader-writer lock.
    RwLock,
    /// An atomic.
    Atomic,
    /// A thread (spawn, join and exit operate on it).
    Thread,
    /// An async primitive or an output sink.
    Async,
}

impl ObjectKind {
    /// Its name in reports (`mutex`, `condvar`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            ObjectKind::Mutex => "mutex",
            ObjectKind::Condvar => "condvar",
            ObjectKind::RwLock => "rwlock",
            ObjectKind::Atomic => "atomic",
            ObjectKind::Thread => "thread",
            ObjectKind::Async => "async primitive",
        }
    }
}

/// A shared object of the execution: its id (unique within the execution, the `#2` of
/// `mutex#2` in reports) and kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ObjectRef {
    /// The object's id in this execution.
    pub id: u32,
    /// What it is.
    pub kind: ObjectKind,
    /// Where it was made (the constructor's caller: `Mutex::new`, `channel::bounded`, a thread's
    /// spawn); `None` for an object made outside the simulation.
    pub made_at: Option<&'static Location<'static>>,
}

impl fmt::Display for ObjectRef {
    /// `mutex#2`, as in the text report.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}", self.kind.name(), self.id)
    }
}

/// How a step is tied to other steps of the same trace (1-based step numbers) and threads.
/// Fields that do not apply to the step's operation are `None`, `false` or empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct StepLinks {
    /// The step took a lock: a lock, read or write lock, a re-lock after a condvar wait, or a
    /// `try_lock` that found the mutex free.
    pub acquires: bool,
    /// On a step that took a lock: the step that released it (`None`: still held when the
    /// execution ended).
    pub released_at: Option<usize>,
    /// On a release (an unlock, or a condvar wait releasing its mutex): the step that took the
    /// lock.
    pub acquired_at: Option<usize>,
    /// On a release: the lock released (for a condvar wait, its mutex; the step's own object is
    /// the condvar).
    pub released: Option<ObjectRef>,
    /// On a condvar wait: the re-lock step that ended it (`None`: still waiting at the end).
    pub wait_ended_at: Option<usize>,
    /// On a condvar wait: the notification that woke it (`None`: it timed out, or nothing woke
    /// it — a lost wakeup when it is still waiting at the end).
    pub notified_by: Option<usize>,
    /// On a condvar wait: it ended by its timeout, not by a notification.
    pub timed_out: bool,
    /// On a notification: the wait steps it ended (empty: nobody was waiting).
    pub woke: Vec<usize>,
    /// On a spawn: the new thread; on a join: the thread joined.
    pub thread: Option<usize>,
    /// On a fault point: it fired.
    pub fired: bool,
}

/// What a blocked thread waits for, at the end of a deadlocked execution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Waiting {
    /// To take a lock (a mutex, or a reader-writer lock for reading or writing).
    Lock,
    /// Woken from a condvar wait (or timed out), to take its mutex back.
    Relock,
    /// For a notification on a condition variable (see [`BlockedThread::could_notify`]).
    Notification,
    /// For a thread to finish.
    Join,
    /// An async task, to be woken.
    Wake,
}

/// A thread left blocked in a deadlock: what it waits for, on which object, and for whom.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BlockedThread {
    /// The blocked thread's id.
    pub thread: usize,
    /// What it waits for.
    pub waiting: Waiting,
    /// The lock it waits to take, the condvar it waits on, or the thread object it joins.
    pub object: Option<ObjectRef>,
    /// The thread it waits for: the lock's holder (the first reader of a read-held lock), the
    /// thread it joins, or for a notification one of [`could_notify`](Self::could_notify) (one
    /// that closes a wait-for cycle, if any does). `None` when no thread can end the wait.
    pub waits_for: Option<usize>,
    /// For a notification: the threads left that could send it — those that notified the
    /// condvar earlier in the execution, or, when none of them is left, every other thread
    /// left. Empty for other waits.
    pub could_notify: Vec<usize>,
    /// For a notification: whether the threads in [`could_notify`](Self::could_notify) are
    /// ones that notified the condvar before (rather than merely the threads left).
    pub notified_before: bool,
    /// Where that holder took the lock.
    pub held_at: Option<String>,
    /// Where the blocked thread waits (its blocking call).
    pub at: String,
}
