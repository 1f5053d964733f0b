//! What each step reads and writes: the *access set* that the partial-order reduction uses to
//! decide which steps commute.
//!
//! A step is one visible operation and everything its thread then does until the next one. Its
//! accesses are the operation's own (a lock writes the mutex, a load reads the atomic) plus
//! those recorded while it runs (a `notify_one` wakes one particular waiter, a failed
//! `try_lock` only reads the mutex). What a step touches must not depend on values it read
//! and then acted on before the next operation: run elsewhere (a race reversed), the step
//! would touch other objects than the searches took it to. So reading the clock is an
//! operation of its own ([`OpKind::ReadClock`]): read after a load, it belonged to the load's
//! step only when the load saw a given value, and states were lost
//! (`a_clock_read_a_load_leads_to_is_a_step_of_its_own`). One such case remains: an async
//! primitive known by address is registered (a [`REGISTRY`] write) just before its first
//! operation, inside the step before. Two steps of different
//! threads are *dependent* when they access a common [`Key`] and one of them writes it;
//! independent steps commute (same state, same enabledness) — that is the contract every `Sim`
//! primitive keeps by recording what it touches.
//!
//! Beyond read/write, a [`Role`] says how an access *enables* or *disables* other steps, which
//! decides whether reversing a race is feasible (a blocked lock cannot be moved before the
//! unlock it waits for; a join cannot be moved before its thread's exit).

use crate::op::{ObjId, Op, OpKind, ThreadId};
use std::time::Duration;

/// What an access touches: a shared object, a thread's wake-up flag, the clock, the faults.
///
/// Keys name the same object in every execution (the reduction compares accesses across
/// executions): an object made during the execution is named by the thread that made it and
/// how many it had made before; one made outside it, by its address (it is the same object in
/// every execution); a thread, by its id (ids follow spawn order, which is kept).
pub(crate) type Key = u64;

const WAKE: Key = 1 << 40;
const THREAD: Key = 1 << 42;
const MADE: Key = 1 << 43;
const REGISTERED: Key = 1 << 44;
const OUTSIDE: Key = 1 << 63;

/// The key of thread `thread`'s own object (its exit, joins).
pub(crate) fn thread_object(thread: ThreadId) -> Key {
    THREAD | thread as Key
}

/// The key of the `count`-th object `thread` made in this execution.
pub(crate) fn made(thread: ThreadId, count: u32) -> Key {
    MADE | (thread as Key) << 24 | Key::from(count)
}

/// The key of an object made outside the execution, at `address`.
pub(crate) fn outside(address: usize) -> Key {
    OUTSIDE | (address as Key & (OUTSIDE - 1))
}

/// The key of the `count`-th object registered on first use by address (async primitives,
/// output sinks); registrations are ordered ([`REGISTRY`]) so counts name the same objects.
pub(crate) fn registered(count: u64) -> Key {
    REGISTERED | count
}
/// The key of process `process`'s copy of the lock named `key` (see `crate::process`): the
/// model's own process keeps the key, every other process has its own, the same in every
/// execution (processes are numbered in creation order, which is kept like spawn order). Two
/// keys colliding (odds 2^-64 a pair) would only merge two objects' histories.
pub(crate) fn in_process(key: Key, process: usize) -> Key {
    if process == 0 {
        return key;
    }
    spread(key ^ (process as Key).wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// The key of the Rust data behind the lock named `key`: one value, whichever process's copy
/// of the lock guards it (recorded only when an execution has several processes).
pub(crate) fn data(key: Key) -> Key {
    spread(key ^ 0xD6E8_FEB8_6659_FD93)
}

/// A 64-bit mix (splitmix64's finaliser) kept away from [`ANY`].
fn spread(mut z: Key) -> Key {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)).min(ANY - 1)
}

/// The virtual clock.
pub(crate) const CLOCK: Key = 1 << 41;
/// The fault budget, shared by every fault point of an execution.
pub(crate) const FAULTS: Key = (1 << 41) + 1;
/// Registrations of objects known only by address: ordered, so that their names agree.
pub(crate) const REGISTRY: Key = (1 << 41) + 3;
/// Thread creation: spawns are ordered, so that threads get the same ids in every execution of
/// a trace (ids are given in spawn order).
pub(crate) const SPAWN: Key = (1 << 41) + 2;
/// Stands for accesses not known yet (a step that has not run): conflicts with every access.
pub(crate) const ANY: Key = Key::MAX;

/// The accesses of a step that has not run yet: they conflict with everything.
pub(crate) fn unknown() -> Accesses {
    smallvec::smallvec![Access::new(ANY, Role::Write)]
}

/// Are these accesses (or some of them) not known yet ([`unknown`])?
pub(crate) fn is_unknown(accesses: &[Access]) -> bool {
    accesses.iter().any(|a| a.key == ANY)
}

/// The key of `thread`'s wake-up flag (condvar notifications, timeouts, async wakers).
pub(crate) fn wake(thread: ThreadId) -> Key {
    WAKE | thread as Key
}

/// How a step uses a key.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Role {
    /// Reads it (an atomic load, a failed `try_lock`, an async join's poll).
    Read,
    /// Writes it.
    Write,
    /// Takes a lock: `shared` for a read lock, `blocking` unless it is a `try_lock`.
    Acquire { shared: bool, blocking: bool },
    /// Releases a lock the same thread took.
    Release { shared: bool },
    /// Sets the owner's wake-up flag; `redundant` when it was set already.
    Wake { redundant: bool },
    /// Consumes the owner's wake-up flag (a condvar waiter, a parked task): it could only run
    /// once the flag was set.
    Consume,
    /// Makes a thread (writes the new thread's object, which its first step writes too: a
    /// thread's steps come after its creation).
    Create,
    /// Waits for a thread to finish (reads its object).
    Join,
    /// The thread's exit (writes its object).
    Exit,
    /// Reads the clock; `until`: the step could only run once the clock reached it.
    ReadClock { until: Option<Duration> },
    /// Moves the clock forward from `from`.
    MoveClock { from: Duration },
}

impl Role {
    /// Does the access change the key's state?
    pub(crate) fn writes(self) -> bool {
        !matches!(
            self,
            Role::Read
                | Role::Join
                | Role::ReadClock { .. }
                | Role::Acquire { shared: true, .. }
                | Role::Release { shared: true }
        )
    }
}

/// The accesses of one step (a few, inline).
pub(crate) type Accesses = smallvec::SmallVec<[Access; 4]>;

/// One access of a step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Access {
    pub(crate) key: Key,
    pub(crate) role: Role,
}

impl Access {
    pub(crate) fn new(key: Key, role: Role) -> Self {
        Access { key, role }
    }
}

/// Whether two access sets conflict (a common key, one side writing it; [`ANY`] conflicts
/// with every access).
pub(crate) fn dependent(a: &[Access], b: &[Access]) -> bool {
    a.iter().any(|x| {
        b.iter().any(|y| {
            x.key == ANY || y.key == ANY || (x.key == y.key && (x.role.writes() || y.role.writes()))
        })
    })
}

/// Append the accesses `op` makes by itself, as `thread`'s next step, to `out`; `until` is the
/// deadline a sleeping thread waited for. Accesses that depend on what happens (a `try_lock`'s
/// outcome, which waiter a notification wakes) are recorded by the primitives as they run.
pub(crate) fn of_op(
    out: &mut Vec<Access>,
    op: &Op,
    key_of: impl Fn(ObjId) -> Key,
    thread: ThreadId,
    until: Option<Duration>,
    now: Duration,
) {
    let on = |role| op.object.map(|id| Access::new(key_of(id), role));
    let acquire = |shared| Role::Acquire {
        shared,
        blocking: true,
    };
    let accesses = match op.kind {
        OpKind::Start => [on(Role::Write), None],
        OpKind::TryLock => [None, None],
        // A fork also writes every lock it copies (recorded as it runs, see `crate::process`).
        OpKind::Spawn | OpKind::Fork | OpKind::SpawnProcess => {
            [Some(Access::new(SPAWN, Role::Write)), None]
        }
        OpKind::Join => [on(Role::Join), None],
        OpKind::Yield => [
            Some(Access::new(CLOCK, Role::MoveClock { from: now })),
            None,
        ],
        OpKind::Sleep => [Some(Access::new(CLOCK, Role::ReadClock { until })), None],
        OpKind::ReadClock => [
            Some(Access::new(CLOCK, Role::ReadClock { until: None })),
            None,
        ],
        OpKind::Lock | OpKind::WriteLock => [on(acquire(false)), None],
        OpKind::ReadLock => [on(acquire(true)), None],
        OpKind::Reacquire => [
            on(acquire(false)),
            Some(Access::new(wake(thread), Role::Consume)),
        ],
        OpKind::Unlock | OpKind::WriteUnlock => [on(Role::Release { shared: false }), None],
        OpKind::ReadUnlock => [on(Role::Release { shared: true }), None],
        OpKind::AtomicLoad => [on(Role::Read), None],
        // A notification writes the condvar only if it wakes someone (recorded as it runs).
        OpKind::NotifyOne | OpKind::NotifyAll => [None, None],
        OpKind::Wait
        | OpKind::AtomicStore
        | OpKind::AtomicRmw
        | OpKind::AsyncOp
        | OpKind::Output
        | OpKind::Reinit => [on(Role::Write), None],
        OpKind::Fault => [Some(Access::new(FAULTS, Role::Write)), None],
        OpKind::Park => [Some(Access::new(wake(thread), Role::Consume)), None],
        OpKind::Exit => [on(Role::Exit), None],
    };
    out.extend(accesses.into_iter().flatten());
}

/// Can the race between an earlier access `i` and a later access `j` (same key, different
/// threads, dependent) be reversed — could `j`'s step run where `i`'s did, given that
/// everything `j` depends on except `i` is kept? Races of a blocking acquire with a release are
/// reversed differently (before the release's *acquire*) and never come here.
pub(crate) fn reversible(i: Role, j: Role) -> bool {
    match (i, j) {
        // Nothing of a thread runs before its creation.
        (Role::Create, _) => false,
        // A lock that `i`'s failed try_lock found held cannot be taken there.
        (Role::Read, Role::Acquire { blocking: true, .. }) => false,
        // A join cannot precede its thread's exit.
        (Role::Exit, Role::Join) => false,
        // A waiter cannot consume the wake-up that enabled it before it was given; a wake-up
        // that found the flag set already enabled nothing.
        (Role::Wake { redundant }, Role::Consume) => redundant,
        // A sleeper cannot wake before the clock reached its deadline.
        (Role::MoveClock { from }, Role::ReadClock { until: Some(until) }) => until <= from,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_commute_writes_do_not() {
        let read = [Access::new(made(0, 1), Role::Read)];
        let write = [Access::new(made(0, 1), Role::Write)];
        let other = [Access::new(made(0, 2), Role::Write)];
        assert!(!dependent(&read, &read));
        assert!(dependent(&read, &write) && dependent(&write, &write));
        assert!(!dependent(&write, &other));
        let shared = [Access::new(
            made(0, 1),
            Role::Acquire {
                shared: true,
                blocking: true,
            },
        )];
        assert!(!dependent(&shared, &shared) && dependent(&shared, &write));
    }

    #[test]
    fn the_reversibility_table() {
        let blocking = Role::Acquire {
            shared: false,
            blocking: true,
        };
        assert!(!reversible(Role::Read, blocking));
        assert!(!reversible(Role::Exit, Role::Join));
        assert!(!reversible(Role::Wake { redundant: false }, Role::Consume));
        assert!(reversible(Role::Wake { redundant: true }, Role::Consume));
        let sleeper = Role::ReadClock {
            until: Some(Duration::from_millis(5)),
        };
        let at = |ms| Role::MoveClock {
            from: Duration::from_millis(ms),
        };
        assert!(!reversible(at(4), sleeper) && reversible(at(5), sleeper));
        assert!(reversible(Role::Write, Role::Read));
    }
}
