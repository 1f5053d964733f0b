//! Running one execution: the execution state, the suspend protocol the `Sim` primitives use,
//! and the scheduler loop.
//!
//! Protocol. A simulated thread that reaches a visible operation records it (its kind, object
//! and source location) together with the condition under which it may proceed, and suspends.
//! The scheduler computes which threads may proceed, asks the strategy to pick one, resolves any
//! choice the operation needs (which waiter a `notify_one` wakes, whether a fault fires) and
//! resumes it; the operation takes effect right after the thread resumes and the thread runs
//! until its next visible operation. So every visible operation is one scheduling decision, and
//! only one simulated thread ever runs at a time.

pub(crate) mod coroutine;
pub(crate) mod sched;
pub(crate) mod state;

use crate::op::{ObjId, Op, OpKind};
use coroutine::SimYielder;
use state::{with_exec, Wait};
use std::panic::Location;

pub(crate) use state::ObjKind;

/// Suspend the current thread before `op`; it resumes once `wait` allows and the scheduler
/// picks it. Returns the answer to the operation's choice, if it needed one.
///
/// While the thread is unwinding from a panic the operation is not a scheduling point (it takes
/// effect at once), so that destructors run without switching threads mid-unwind.
pub(crate) fn suspend(op: Op, wait: Wait) -> Option<usize> {
    if std::thread::panicking() {
        return None;
    }
    let yielder = with_exec(|e| {
        if e.tearing_down {
            return 0;
        }
        let current = e.current;
        e.timed_waits |= matches!(
            wait,
            Wait::Condvar {
                deadline: Some(_),
                ..
            }
        );
        let thread = &mut e.threads[current];
        thread.next = op;
        thread.wait = wait;
        thread.blocked_at = op.location;
        thread.answer = None;
        thread.yielder
    });
    if yielder == 0 {
        // Tearing down: the operation takes effect at once.
        return None;
    }
    // SAFETY: `yielder` is the address of the `Yielder` passed to the current coroutine's body
    // (registered by `sched::thread_body` when it first ran). That reference is valid for as
    // long as the coroutine has not returned, and we are running on that coroutine right now.
    unsafe { (*(yielder as *const SimYielder)).suspend(()) };
    with_exec(|e| {
        let current = e.current;
        e.threads[current].answer.take()
    })
}

/// A visible operation that can always proceed (atomics, notifications, unlocks, spawn, ...).
#[track_caller]
pub(crate) fn step(kind: OpKind, object: Option<ObjId>) -> Option<usize> {
    suspend(Op::new(kind, object, Location::caller()), Wait::None)
}

/// The object id for an object whose `slot` holds `(generation << 32) | id`: registered when
/// it was made inside this execution ([`register_made`]); an id from another execution (an
/// object made outside the simulation, or reused across executions) is replaced by a fresh
/// registration named by the slot's address (the same object in every execution).
///
/// With more than one process in the execution, a lock's id is the running process's copy of
/// it (see [`crate::process`]): each process has its own lock state.
pub(crate) fn object_id(slot: &std::sync::atomic::AtomicU64, kind: ObjKind) -> ObjId {
    use std::sync::atomic::Ordering::Relaxed;
    with_exec(|e| {
        let packed = slot.load(Relaxed);
        let id = if packed >> 32 == e.generation & 0xFFFF_FFFF && packed != 0 {
            (packed & 0xFFFF_FFFF) as ObjId
        } else {
            let key = crate::access::outside(slot as *const _ as usize);
            let id = e.new_object(kind, key);
            slot.store(pack(e.generation, id), Relaxed);
            id
        };
        if e.processes.len() > 1 && kind.has_lock_state() {
            crate::process::local_object(e, id)
        } else {
            id
        }
    })
}

fn pack(generation: u64, id: ObjId) -> u64 {
    ((generation & 0xFFFF_FFFF) << 32) | u64::from(id)
}

/// The slot of an object being made: registered now, named by the thread making it, when a
/// simulation runs (so it has the same name in every execution); otherwise left for
/// [`object_id`]. Its creation site (the caller's, through `#[track_caller]` constructors) names it
/// in reports.
#[track_caller]
pub(crate) fn register_made(kind: ObjKind) -> std::sync::atomic::AtomicU64 {
    let at = Location::caller();
    let packed = state::EXEC.with(|cell| match cell.try_borrow_mut() {
        Ok(mut e) if e.active && !e.tearing_down => {
            let id = e.made_object(kind, at);
            pack(e.generation, id)
        }
        _ => 0,
    });
    std::sync::atomic::AtomicU64::new(packed)
}

/// A visible operation on a shared object known only by its address (async primitives, output
/// sinks): registered as an object of this execution on first use.
#[track_caller]
pub(crate) fn step_on_address(kind: OpKind, address: usize) {
    let id = with_exec(|e| {
        if let Some(&id) = e.async_objects.get(&address) {
            return id;
        }
        let id = e.registered_object(ObjKind::Async);
        e.async_objects.insert(address, id);
        id
    });
    step(kind, Some(id));
}
