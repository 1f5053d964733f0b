//! Turning a failing execution into a report a person can act on: the numbered steps (thread,
//! operation, object, source location, virtual time), and for a deadlock the wait-for picture —
//! who holds what (acquired where), who waits for what (where), and the cycle if there is one.
//!
//! Everything here is derived from the execution's record, never from the wall clock or OS
//! thread ids, so reports are identical across runs and machines (and snapshot-testable).

use crate::exec::sched::{Blocked, ExecResult, ObjInfo};
use crate::exec::state::{StepRec, Wait};
use crate::op::{ObjId, OpKind, ThreadId};
use crate::timeline::{self, BlockedThread, ObjectRef, StepLinks, StepOp, Waiting};
use std::fmt::Write as _;
use std::time::Duration;

/// One step of a failing execution, as reported.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TraceStep {
    /// 1-based step number.
    pub index: usize,
    /// The thread that took the step.
    pub thread: String,
    /// What it did (`locks mutex#2`, `notifies one on condvar#1`).
    pub action: String,
    /// Source location of the operation.
    pub location: String,
    /// Virtual time at the step.
    pub time: Duration,
    /// The step switched away from a thread that could have continued.
    pub preemption: bool,
    /// The step, a `notify_one`, woke a waiter other than the longest waiting — a deviation
    /// from the default schedule that counts as a preemption too.
    pub other_waiter: bool,
    /// The thread's id: 0 for the model's main thread, then threads in spawn order (an index
    /// into [`Failure::threads`](crate::Failure::threads)).
    pub thread_id: usize,
    /// The operation.
    pub op: StepOp,
    /// The shared object it operated on (the condvar of a wait or notification, the thread
    /// object of a join), if any.
    pub object: Option<ObjectRef>,
    /// How the step is tied to other steps: lock holds, condvar waits and the notifications
    /// that ended them, spawned and joined threads, fault points that fired.
    pub links: StepLinks,
}

pub(crate) fn object_name(result: &ExecResult, object: ObjId) -> String {
    let info = &result.objects[object as usize];
    if info.kind == crate::exec::ObjKind::Thread {
        let thread = thread_of_object(result, object).unwrap_or_default();
        return format!("thread `{thread}`");
    }
    format!("{}#{object}", info.kind.name())
}

/// An object's name and where it was made (`condvar#3 made at src/queue.rs:14:5`); a thread
/// is named by its name alone.
pub(crate) fn object_title(result: &ExecResult, object: ObjId) -> String {
    let info = &result.objects[object as usize];
    match info.made_at {
        Some(at) if info.kind != crate::exec::ObjKind::Thread => {
            format!("{} made at {at}", object_name(result, object))
        }
        _ => object_name(result, object),
    }
}

fn thread_of_object(result: &ExecResult, object: ObjId) -> Option<String> {
    let id = thread_id_of_object(result, object)?;
    result.thread_names.get(id).cloned()
}

/// The thread whose object is `object`.
pub(crate) fn thread_id_of_object(result: &ExecResult, object: ObjId) -> Option<ThreadId> {
    // Threads are registered in order, each with its object, so the k-th thread object is the
    // k-th thread.
    let k = result
        .objects
        .iter()
        .take(object as usize + 1)
        .filter(|o| o.kind == crate::exec::ObjKind::Thread)
        .count();
    k.checked_sub(1)
}

/// The steps of `result`'s trace, as reported, with their links.
pub(crate) fn trace_steps(result: &ExecResult) -> Vec<TraceStep> {
    let mut steps: Vec<TraceStep> = result
        .trace
        .iter()
        .enumerate()
        .map(|(i, step)| TraceStep {
            index: i + 1,
            thread: result.thread_names[step.thread].clone(),
            action: action(result, i, step),
            location: step.op.location.to_string(),
            time: step.now,
            preemption: step.preemption,
            other_waiter: step.other_waiter,
            thread_id: step.thread,
            op: step.op.kind.into(),
            object: step.op.object.and_then(|o| timeline::object_ref(result, o)),
            links: StepLinks::default(),
        })
        .collect();
    timeline::link(result, &mut steps);
    steps
}

fn action(result: &ExecResult, index: usize, step: &StepRec) -> String {
    let verb = step.op.kind.verb();
    let mut text = match (step.op.kind, step.op.object) {
        (OpKind::Exit, _) if result.panics.iter().any(|p| p.thread == step.thread) => {
            "exits, panicking".to_owned()
        }
        (
            OpKind::Start
            | OpKind::Exit
            | OpKind::Yield
            | OpKind::Sleep
            | OpKind::ReadClock
            | OpKind::Spawn,
            _,
        ) => verb.to_owned(),
        (OpKind::Fault, _) => {
            // A fault that fires is recorded with the trace length after its step.
            let fired = result.faults.iter().find(|(s, _)| *s == index + 1);
            match fired {
                Some((_, point)) => format!("reaches fault point `{point}`: FIRES"),
                None => verb.to_owned(),
            }
        }
        (OpKind::Unlock | OpKind::ReadUnlock | OpKind::WriteUnlock, Some(object)) => {
            format!("{verb} {} (taken here)", object_name(result, object))
        }
        (_, Some(object)) => format!("{verb} {}", object_name(result, object)),
        (_, None) => verb.to_owned(),
    };
    if step.op.kind == OpKind::NotifyOne && step.answer.is_some() {
        let _ = write!(text, " (waiter #{})", step.answer.unwrap_or(0) + 1);
    }
    text
}

/// Render the trace as numbered lines; `limit` keeps the last that many steps.
pub(crate) fn render_trace(steps: &[TraceStep], limit: usize) -> String {
    let mut out = String::new();
    let skip = steps.len().saturating_sub(limit);
    if skip > 0 {
        let _ = writeln!(out, "  ... {skip} earlier steps omitted ...");
    }
    let width = steps
        .iter()
        .map(|s| s.thread.len())
        .max()
        .unwrap_or(4)
        .max(4);
    for s in &steps[skip..] {
        let mark = if s.preemption || s.other_waiter {
            "*"
        } else {
            " "
        };
        let _ = writeln!(
            out,
            "  {:>4}{mark} {:>9}  {:<width$}  {:<40} {}",
            s.index,
            format_time(s.time),
            s.thread,
            s.action,
            s.location
        );
    }
    out
}

pub(crate) fn format_time(t: Duration) -> String {
    if t.is_zero() {
        "t=0".into()
    } else if t < Duration::from_millis(1) {
        format!("t={}us", t.as_micros())
    } else if t < Duration::from_secs(1) {
        format!("t={}ms", t.as_millis())
    } else {
        format!("t={:.3}s", t.as_secs_f64())
    }
}

/// Each blocked thread's wait, as data (threads that sleep, can run or have finished are left
/// out). A condvar wait waits for one of the threads that could notify it (see
/// [`BlockedThread::could_notify`]), chosen to close a wait-for cycle where one can.
pub(crate) fn blocked_threads(result: &ExecResult, blocked: &[Blocked]) -> Vec<BlockedThread> {
    let holder = |o: ObjId| -> (Option<ThreadId>, Option<String>) {
        let info: &ObjInfo = &result.objects[o as usize];
        let held = info.holder.or_else(|| info.readers.first().copied());
        (held.map(|(t, _)| t), held.map(|(_, at)| at.to_string()))
    };
    let object = |o: ObjId| timeline::object_ref(result, o);
    let left: Vec<ThreadId> = blocked.iter().map(|b| b.thread).collect();
    let mut threads: Vec<BlockedThread> = blocked
        .iter()
        .filter_map(|b| {
            let mut could_notify = Vec::new();
            let mut notified_before = false;
            let (waiting, on, (waits_for, held_at)) = match b.wait {
                Wait::Mutex(m) | Wait::Read(m) | Wait::Write(m) => {
                    (Waiting::Lock, object(m), holder(m))
                }
                Wait::Condvar {
                    mutex,
                    notified,
                    timed_out,
                    ..
                } if notified || timed_out => (Waiting::Relock, object(mutex), holder(mutex)),
                Wait::Condvar { condvar, .. } => {
                    (could_notify, notified_before) = notifiers(result, condvar, b.thread, &left);
                    let first = could_notify.first().copied();
                    (Waiting::Notification, object(condvar), (first, None))
                }
                Wait::Join(t) => {
                    let thread_object = result
                        .objects
                        .iter()
                        .enumerate()
                        .filter(|(_, o)| o.kind == crate::exec::ObjKind::Thread);
                    let on = thread_object.map(|(id, _)| id as ObjId).nth(t);
                    (Waiting::Join, on.and_then(object), (Some(t), None))
                }
                Wait::Park => (Waiting::Wake, None, (None, None)),
                Wait::Sleep(_) | Wait::None | Wait::Finished => return None,
            };
            Some(BlockedThread {
                thread: b.thread,
                waiting,
                object: on,
                waits_for,
                could_notify,
                notified_before,
                held_at,
                at: b.at.to_string(),
            })
        })
        .collect();
    close_cycles_through_notifiers(&mut threads);
    threads
}

/// The threads of `left` (other than `waiter`) that could notify `condvar`: those that notified
/// it earlier in the execution, most recent first; when none of them is left, every other
/// thread left. The flag says which of the two it is.
fn notifiers(
    result: &ExecResult,
    condvar: ObjId,
    waiter: ThreadId,
    left: &[ThreadId],
) -> (Vec<ThreadId>, bool) {
    let mut before: Vec<ThreadId> = Vec::new();
    for step in result.trace.iter().rev() {
        let notifies = matches!(step.op.kind, OpKind::NotifyOne | OpKind::NotifyAll);
        if notifies
            && step.op.object == Some(condvar)
            && step.thread != waiter
            && left.contains(&step.thread)
            && !before.contains(&step.thread)
        {
            before.push(step.thread);
        }
    }
    if !before.is_empty() {
        return (before, true);
    }
    (
        left.iter().copied().filter(|&t| t != waiter).collect(),
        false,
    )
}

/// Re-point each notification wait at a thread that could notify it and closes a wait-for
/// cycle through the waiter, where one does (the first candidate stays otherwise).
fn close_cycles_through_notifiers(threads: &mut [BlockedThread]) {
    for i in 0..threads.len() {
        if threads[i].waiting != Waiting::Notification {
            continue;
        }
        let waiter = threads[i].thread;
        let candidates = threads[i].could_notify.clone();
        for candidate in candidates {
            threads[i].waits_for = Some(candidate);
            let edges: Vec<(ThreadId, Option<ThreadId>)> =
                threads.iter().map(|b| (b.thread, b.waits_for)).collect();
            if find_cycle_from(&edges, waiter).is_some_and(|c| c.contains(&waiter)) {
                break;
            }
            threads[i].waits_for = threads[i].could_notify.first().copied();
        }
    }
}

/// The wait-for cycle among `blocked`, as thread ids (each waits for the next, the last for the
/// first); empty when there is none.
pub(crate) fn wait_for_cycle(blocked: &[BlockedThread]) -> Vec<ThreadId> {
    let edges: Vec<(ThreadId, Option<ThreadId>)> =
        blocked.iter().map(|b| (b.thread, b.waits_for)).collect();
    find_cycle(&edges).unwrap_or_default()
}

/// Explain a deadlock: each blocked thread's wait, then the wait-for cycle if there is one.
pub(crate) fn explain_deadlock(result: &ExecResult, blocked: &[BlockedThread]) -> String {
    let name = |t: ThreadId| format!("`{}`", result.thread_names[t]);
    let obj = |o: &Option<ObjectRef>| {
        o.map(|o| object_title(result, o.id))
            .unwrap_or_else(|| "?".to_owned())
    };
    let mut out = String::new();
    for b in blocked {
        let (who, at) = (name(b.thread), &b.at);
        let by = match (b.waits_for, &b.held_at) {
            (Some(h), Some(held_at)) => {
                format!(", held by thread {} (locked at {held_at})", name(h))
            }
            _ => String::new(),
        };
        let text = match b.waiting {
            // A lock held across a fork by a thread the child does not have says so.
            Waiting::Lock => b
                .object
                .and_then(|o| crate::process::explain_held_across_fork(result, b.thread, o.id, at))
                .unwrap_or_else(|| {
                    format!(
                        "thread {who} waits to lock {} (at {at}){by}",
                        obj(&b.object)
                    )
                }),
            Waiting::Relock => format!(
                "thread {who} was woken and waits to re-lock {} (at {at}){by}",
                obj(&b.object)
            ),
            Waiting::Notification => {
                let from = match (b.could_notify.as_slice(), b.notified_before) {
                    ([], _) => "no thread that could send one is left running".to_owned(),
                    (threads, before) => {
                        let names: Vec<String> = threads.iter().map(|&t| name(t)).collect();
                        let which = if before {
                            "notified it before"
                        } else {
                            "none of them has notified it"
                        };
                        let plural = if names.len() > 1 { "s" } else { "" };
                        format!(
                            "it could come from thread{plural} {} ({which})",
                            names.join(", ")
                        )
                    }
                };
                format!(
                    "thread {who} waits on {} for a notification (at {at}); {from}",
                    obj(&b.object)
                )
            }
            Waiting::Join => format!(
                "thread {who} waits to join thread {} (at {at})",
                name(b.waits_for.unwrap_or_default())
            ),
            Waiting::Wake => {
                format!("async task {who} waits to be woken (at {at}); nothing is left to wake it")
            }
        };
        let _ = writeln!(out, "  {text}");
    }
    let cycle = wait_for_cycle(blocked);
    if let Some(&first) = cycle.first() {
        let names: Vec<&str> = cycle
            .iter()
            .map(|&t| result.thread_names[t].as_str())
            .collect();
        let first = &result.thread_names[first];
        let _ = writeln!(out, "  wait-for cycle: {} -> {first}", names.join(" -> "));
    }
    out
}

/// The first cycle in a functional wait-for graph (each thread waits for at most one other).
fn find_cycle(edges: &[(ThreadId, Option<ThreadId>)]) -> Option<Vec<ThreadId>> {
    edges
        .iter()
        .find_map(|&(start, _)| find_cycle_from(edges, start))
}

/// The cycle reached by following the wait-for edges from `start`, if any.
fn find_cycle_from(
    edges: &[(ThreadId, Option<ThreadId>)],
    start: ThreadId,
) -> Option<Vec<ThreadId>> {
    let next = |t: ThreadId| edges.iter().find(|(a, _)| *a == t).and_then(|(_, b)| *b);
    let mut path = vec![start];
    let mut current = start;
    while let Some(n) = next(current) {
        if let Some(pos) = path.iter().position(|&p| p == n) {
            return Some(path[pos..].to_vec());
        }
        path.push(n);
        current = n;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::find_cycle;

    #[test]
    fn finds_the_cycle_and_only_a_cycle() {
        assert_eq!(
            find_cycle(&[(0, Some(1)), (1, Some(2)), (2, Some(1))]),
            Some(vec![1, 2])
        );
        assert_eq!(find_cycle(&[(0, Some(1)), (1, None)]), None);
    }
}
