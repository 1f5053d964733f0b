//! What a simulated thread is about to do: the *visible operations* that are scheduling points,
//! the shared object each one touches, and the dependency relation DPOR uses.
//!
//! Every visible operation is one transition. Two transitions are *dependent* when they touch
//! the same object and at least one of them writes it ([`OpKind::reads_only`] says which only
//! read); independent transitions commute, so exploring both of their orders is redundant.

use std::fmt;
use std::panic::Location;

/// Index of a simulated thread in its execution (0 is the model's main thread).
pub(crate) type ThreadId = usize;

/// Index of a shared object (mutex, condvar, atomic, thread, ...) in its execution.
pub(crate) type ObjId = u32;

/// The kind of a visible operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum OpKind {
    /// A thread's first step.
    Start,
    Spawn,
    Join,
    Yield,
    Sleep,
    Lock,
    TryLock,
    Unlock,
    /// Release the mutex and wait on the condvar.
    Wait,
    /// Take the mutex back after a condvar wait ended.
    Reacquire,
    NotifyOne,
    NotifyAll,
    ReadLock,
    WriteLock,
    ReadUnlock,
    WriteUnlock,
    AtomicLoad,
    AtomicStore,
    AtomicRmw,
    /// A named fault point.
    Fault,
    /// An async task waits to be woken.
    Park,
    /// An operation of an async primitive (mutex, notify, channel).
    AsyncOp,
    /// A write to a captured output.
    Output,
    /// Fork the process (see `crate::process`).
    Fork,
    /// Start a fresh process.
    SpawnProcess,
    /// Re-initialise a lock in a forked child (CPython's `_at_fork_reinit`).
    Reinit,
    /// The thread's last step (its result becomes joinable).
    Exit,
    /// Reads the virtual clock (`now()`, a deadline computed from it): a step of its own, so
    /// that what a step touches never depends on values it read (see `access`).
    ReadClock,
}

impl OpKind {
    /// Does the operation only read its object?
    pub(crate) fn reads_only(self) -> bool {
        matches!(self, OpKind::AtomicLoad | OpKind::Join)
    }

    pub(crate) fn verb(self) -> &'static str {
        match self {
            OpKind::Start => "starts",
            OpKind::Spawn => "spawns",
            OpKind::Join => "joins",
            OpKind::Yield => "yields",
            OpKind::Sleep => "sleeps",
            OpKind::ReadClock => "reads the clock",
            OpKind::Lock => "locks",
            OpKind::TryLock => "try-locks",
            OpKind::Unlock => "releases",
            OpKind::Wait => "waits on",
            OpKind::Reacquire => "re-locks after waiting",
            OpKind::NotifyOne => "notifies one on",
            OpKind::NotifyAll => "notifies all on",
            OpKind::ReadLock => "read-locks",
            OpKind::WriteLock => "write-locks",
            OpKind::ReadUnlock => "releases the read lock on",
            OpKind::WriteUnlock => "releases the write lock on",
            OpKind::AtomicLoad => "loads",
            OpKind::AtomicStore => "stores",
            OpKind::AtomicRmw => "updates",
            OpKind::Fault => "reaches fault point",
            OpKind::Park => "parks",
            OpKind::AsyncOp => "uses",
            OpKind::Output => "writes to",
            OpKind::Fork => "forks",
            OpKind::SpawnProcess => "starts a process",
            OpKind::Reinit => "re-initialises after fork",
            OpKind::Exit => "exits",
        }
    }
}

/// One visible operation: what, on which object, from where in the source.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Op {
    pub(crate) kind: OpKind,
    pub(crate) object: Option<ObjId>,
    pub(crate) location: &'static Location<'static>,
}

impl Op {
    pub(crate) fn new(
        kind: OpKind,
        object: Option<ObjId>,
        location: &'static Location<'static>,
    ) -> Self {
        Self {
            kind,
            object,
            location,
        }
    }
}

impl fmt::Debug for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.kind)?;
        if let Some(object) = self.object {
            write!(f, "(#{object})")?;
        }
        write!(f, " at {}", self.location)
    }
}

#[cfg(test)]
mod tests {
    use super::OpKind;

    #[test]
    fn only_loads_and_joins_merely_read() {
        assert!(OpKind::AtomicLoad.reads_only() && OpKind::Join.reads_only());
        for kind in [
            OpKind::Lock,
            OpKind::Unlock,
            OpKind::AtomicStore,
            OpKind::Exit,
        ] {
            assert!(!kind.reads_only(), "{kind:?}");
        }
    }
}
