//! Deriving the links between steps from an execution's record: one pass over the trace that
//! replays the lock holders and condvar waits step by step (each operation takes effect in the
//! step that performs it), with the waiters each notification woke as recorded by the
//! simulator.

use super::{ObjectKind, ObjectRef, StepOp};
use crate::exec::sched::{ExecResult, Outcome};
use crate::exec::state::Wait;
use crate::exec::ObjKind;
use crate::op::{ObjId, OpKind, ThreadId};
use crate::report::{thread_id_of_object, TraceStep};
use std::collections::HashMap;

impl From<OpKind> for StepOp {
    fn from(kind: OpKind) -> Self {
        match kind {
            OpKind::Start => StepOp::Start,
            OpKind::Spawn => StepOp::Spawn,
            OpKind::Join => StepOp::Join,
            OpKind::Yield => StepOp::Yield,
            OpKind::Sleep => StepOp::Sleep,
            OpKind::ReadClock => StepOp::ReadClock,
            OpKind::Lock => StepOp::Lock,
            OpKind::TryLock => StepOp::TryLock,
            OpKind::Unlock => StepOp::Unlock,
            OpKind::Wait => StepOp::Wait,
            OpKind::Reacquire => StepOp::Reacquire,
            OpKind::NotifyOne => StepOp::NotifyOne,
            OpKind::NotifyAll => StepOp::NotifyAll,
            OpKind::ReadLock => StepOp::ReadLock,
            OpKind::WriteLock => StepOp::WriteLock,
            OpKind::ReadUnlock => StepOp::ReadUnlock,
            OpKind::WriteUnlock => StepOp::WriteUnlock,
            OpKind::AtomicLoad => StepOp::AtomicLoad,
            OpKind::AtomicStore => StepOp::AtomicStore,
            OpKind::AtomicRmw => StepOp::AtomicRmw,
            OpKind::Fault => StepOp::Fault,
            OpKind::Park => StepOp::Park,
            OpKind::AsyncOp => StepOp::AsyncOp,
            OpKind::Output => StepOp::Output,
            OpKind::Fork => StepOp::Fork,
            OpKind::SpawnProcess => StepOp::SpawnProcess,
            OpKind::Reinit => StepOp::Reinit,
            OpKind::Exit => StepOp::Exit,
        }
    }
}

impl From<ObjKind> for ObjectKind {
    fn from(kind: ObjKind) -> Self {
        match kind {
            ObjKind::Mutex => ObjectKind::Mutex,
            ObjKind::Condvar => ObjectKind::Condvar,
            ObjKind::RwLock => ObjectKind::RwLock,
            ObjKind::Atomic => ObjectKind::Atomic,
            ObjKind::Thread => ObjectKind::Thread,
            ObjKind::Async => ObjectKind::Async,
        }
    }
}

/// The object `id` of `result`, if the execution kept its objects.
pub(crate) fn object_ref(result: &ExecResult, id: ObjId) -> Option<ObjectRef> {
    let info = result.objects.get(id as usize)?;
    Some(ObjectRef {
        id,
        kind: info.kind.into(),
        made_at: info.made_at,
    })
}

/// The state replayed along the trace.
struct Linker<'r> {
    result: &'r ExecResult,
    /// Holders of each lock: (thread, the step that took it), in acquisition order.
    holds: HashMap<ObjId, Vec<(ThreadId, usize)>>,
    /// Each thread's condvar wait in progress: its wait step.
    waiting: HashMap<ThreadId, usize>,
    /// Threads spawned so far (thread ids are given in spawn order; 0 is main).
    spawned: usize,
    /// For each step (0-based), the next step of the same thread (0-based).
    next_of_thread: Vec<Option<usize>>,
}

/// Fill every step's [`StepLinks`] (the steps are `result`'s trace, in order).
pub(crate) fn link(result: &ExecResult, steps: &mut [TraceStep]) {
    let mut linker = Linker {
        result,
        holds: HashMap::new(),
        waiting: HashMap::new(),
        spawned: 0,
        next_of_thread: next_of_thread(result),
    };
    for i in 0..steps.len() {
        linker.step(i, steps);
    }
}

fn next_of_thread(result: &ExecResult) -> Vec<Option<usize>> {
    let mut next = vec![None; result.trace.len()];
    let mut later: HashMap<ThreadId, usize> = HashMap::new();
    for (i, step) in result.trace.iter().enumerate().rev() {
        next[i] = later.insert(step.thread, i);
    }
    next
}

impl Linker<'_> {
    fn step(&mut self, i: usize, steps: &mut [TraceStep]) {
        let rec = self.result.trace[i];
        let (thread, number) = (rec.thread, i + 1);
        let object = rec.op.object;
        match (rec.op.kind, object) {
            (OpKind::Lock | OpKind::ReadLock | OpKind::WriteLock, Some(o)) => {
                self.acquire(o, thread, number, steps);
            }
            (OpKind::TryLock, Some(o)) if self.holds.get(&o).is_none_or(Vec::is_empty) => {
                self.acquire(o, thread, number, steps);
            }
            (OpKind::Reacquire, Some(o)) => {
                self.acquire(o, thread, number, steps);
                self.end_wait(thread, number, steps);
            }
            (OpKind::Unlock | OpKind::ReadUnlock | OpKind::WriteUnlock, Some(o)) => {
                self.release(o, thread, number, steps);
            }
            (OpKind::Wait, _) => {
                if let Some(mutex) = self.mutex_of_wait(i) {
                    self.release(mutex, thread, number, steps);
                }
                self.waiting.insert(thread, number);
            }
            (OpKind::NotifyOne | OpKind::NotifyAll, _) => self.notify(number, steps),
            // A fork or process start creates the child's one thread. (A `try_fork` refused
            // because other threads run creates none, and would shift the links of later
            // spawns by one; a refusal is no failure, so it rarely reaches a timeline.)
            (OpKind::Spawn | OpKind::Fork | OpKind::SpawnProcess, _) => {
                self.spawned += 1;
                steps[i].links.thread = Some(self.spawned);
            }
            (OpKind::Join, Some(o)) => {
                steps[i].links.thread = thread_id_of_object(self.result, o);
            }
            (OpKind::Fault, _) => {
                steps[i].links.fired = self.result.faults.iter().any(|(s, _)| *s == number);
            }
            (OpKind::Exit, _) => self.release_all(thread, number, steps),
            _ => {}
        }
    }

    fn acquire(&mut self, lock: ObjId, thread: ThreadId, number: usize, steps: &mut [TraceStep]) {
        self.holds.entry(lock).or_default().push((thread, number));
        steps[number - 1].links.acquires = true;
    }

    /// `thread` releases its hold of `lock` at step `number`.
    fn release(&mut self, lock: ObjId, thread: ThreadId, number: usize, steps: &mut [TraceStep]) {
        steps[number - 1].links.released = object_ref(self.result, lock);
        let Some(holders) = self.holds.get_mut(&lock) else {
            return;
        };
        if let Some(pos) = holders.iter().rposition(|(t, _)| *t == thread) {
            let (_, taken) = holders.remove(pos);
            steps[number - 1].links.acquired_at = Some(taken);
            steps[taken - 1].links.released_at = Some(number);
        }
    }

    /// A thread exits holding locks (its guards were dropped while it unwound from a panic):
    /// the holds end at its exit step.
    fn release_all(&mut self, thread: ThreadId, number: usize, steps: &mut [TraceStep]) {
        for holders in self.holds.values_mut() {
            holders.retain(|&(t, taken)| {
                if t == thread {
                    steps[taken - 1].links.released_at = Some(number);
                }
                t != thread
            });
        }
    }

    /// The mutex a condvar wait (0-based step `i`) releases: the object of the thread's
    /// re-lock, or the one it waits to re-lock at the end, or its most recent hold of a mutex.
    fn mutex_of_wait(&self, i: usize) -> Option<ObjId> {
        let thread = self.result.trace[i].thread;
        if let Some(next) = self.next_of_thread[i] {
            let rec = self.result.trace[next];
            if rec.op.kind == OpKind::Reacquire {
                return rec.op.object;
            }
        }
        if let Outcome::Deadlock { blocked, .. } = &self.result.outcome {
            let found = blocked.iter().find(|b| b.thread == thread);
            if let Some(Wait::Condvar { mutex, .. }) = found.map(|b| b.wait) {
                return Some(mutex);
            }
        }
        self.holds
            .iter()
            .filter_map(|(&lock, holders)| {
                let taken = holders.iter().filter(|(t, _)| *t == thread).map(|h| h.1);
                taken.max().map(|taken| (taken, lock))
            })
            .max()
            .map(|(_, lock)| lock)
    }

    /// The notification at step `number` woke the waiters the simulator recorded.
    fn notify(&mut self, number: usize, steps: &mut [TraceStep]) {
        let woken = self.result.wakes.iter().filter(|(s, _)| *s == number);
        for &(_, waiter) in woken {
            if let Some(&wait) = self.waiting.get(&waiter) {
                steps[wait - 1].links.notified_by = Some(number);
                steps[number - 1].links.woke.push(wait);
            }
        }
    }

    /// `thread`'s condvar wait ended at its re-lock, step `number`.
    fn end_wait(&mut self, thread: ThreadId, number: usize, steps: &mut [TraceStep]) {
        if let Some(wait) = self.waiting.remove(&thread) {
            let links = &mut steps[wait - 1].links;
            links.wait_ended_at = Some(number);
            links.timed_out = links.notified_by.is_none();
        }
    }
}
