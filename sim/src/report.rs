//! Turning a failing execution into a report a person can act on: the numbered steps (thread,
//! operation, object, source location, virtual time), and for a deadlock the wait-for picture —
//! who holds what (acquired where), who waits for what (where), and the cycle if there is one.
//!
//! Everything here is derived from the execution's record, never from the wall clock or OS
//! thread ids, so reports are identical across runs and machines (and snapshot-testable).

use crate::exec::sched::{Blocked, ExecResult, ObjInfo};
use crate::exec::state::{StepRec, Wait};
use crate::op::{ObjId, OpKind, ThreadId};
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
}

pub(crate) fn object_name(result: &ExecResult, object: ObjId) -> String {
    let info = &result.objects[object as usize];
    if info.kind == crate::exec::ObjKind::Thread {
        let thread = thread_of_object(result, object).unwrap_or_default();
        return format!("thread `{thread}`");
    }
    format!("{}#{object}", info.kind.name())
}

fn thread_of_object(result: &ExecResult, object: ObjId) -> Option<String> {
    // Threads are registered in order, each with its object, so the k-th thread object is the
    // k-th thread.
    let k = result
        .objects
        .iter()
        .take(object as usize + 1)
        .filter(|o| o.kind == crate::exec::ObjKind::Thread)
        .count();
    result.thread_names.get(k.checked_sub(1)?).cloned()
}

pub(crate) fn trace_steps(result: &ExecResult) -> Vec<TraceStep> {
    result
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
        })
        .collect()
}

fn action(result: &ExecResult, index: usize, step: &StepRec) -> String {
    let verb = step.op.kind.verb();
    let mut text = match (step.op.kind, step.op.object) {
        (OpKind::Start | OpKind::Exit | OpKind::Yield | OpKind::Sleep | OpKind::Spawn, _) => {
            verb.to_owned()
        }
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
        let mark = if s.preemption { "*" } else { " " };
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

fn format_time(t: Duration) -> String {
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

/// Explain a deadlock: each blocked thread's wait, then the wait-for cycle if there is one.
pub(crate) fn explain_deadlock(result: &ExecResult, blocked: &[Blocked]) -> String {
    let name = |t: ThreadId| format!("`{}`", result.thread_names[t]);
    let holder = |o: ObjId| -> Option<(ThreadId, String)> {
        let info: &ObjInfo = &result.objects[o as usize];
        info.holder
            .map(|(t, at)| (t, at.to_string()))
            .or_else(|| info.readers.first().map(|(t, at)| (*t, at.to_string())))
    };
    let mut out = String::new();
    let mut edges: Vec<(ThreadId, Option<ThreadId>)> = Vec::new();
    for b in blocked {
        let who = name(b.thread);
        let (text, next) = match b.wait {
            Wait::Mutex(m) | Wait::Read(m) | Wait::Write(m) => {
                let obj = object_name(result, m);
                let forked = crate::process::explain_held_across_fork(result, b.thread, m, b.at);
                match holder(m) {
                    Some((h, _)) if forked.is_some() => (forked.unwrap_or_default(), Some(h)),
                    Some((h, at)) => (
                        format!(
                            "thread {who} waits to lock {obj} (at {}), held by thread {} (locked at {at})",
                            b.at,
                            name(h)
                        ),
                        Some(h),
                    ),
                    None => (format!("thread {who} waits to lock {obj} (at {})", b.at), None),
                }
            }
            Wait::Condvar {
                condvar,
                mutex,
                notified,
                timed_out,
                ..
            } if notified || timed_out => {
                let obj = object_name(result, mutex);
                let held = holder(mutex);
                let by = held
                    .as_ref()
                    .map(|(h, at)| format!(", held by thread {} (locked at {at})", name(*h)))
                    .unwrap_or_default();
                let _ = condvar;
                (
                    format!(
                        "thread {who} was woken and waits to re-lock {obj} (at {}){by}",
                        b.at
                    ),
                    held.map(|(h, _)| h),
                )
            }
            Wait::Condvar { condvar, .. } => (
                format!(
                    "thread {who} waits on {} for a notification (at {}); no thread that could \
                     send one is left running",
                    object_name(result, condvar),
                    b.at
                ),
                None,
            ),
            Wait::Join(t) => (
                format!(
                    "thread {who} waits to join thread {} (at {})",
                    name(t),
                    b.at
                ),
                Some(t),
            ),
            Wait::Park => (
                format!(
                    "async task {who} waits to be woken (at {}); nothing is left to wake it",
                    b.at
                ),
                None,
            ),
            Wait::Sleep(_) | Wait::None | Wait::Finished => continue,
        };
        let _ = writeln!(out, "  {text}");
        edges.push((b.thread, next));
    }
    if let Some(cycle) = find_cycle(&edges) {
        let names: Vec<String> = cycle
            .iter()
            .map(|&t| result.thread_names[t].clone())
            .collect();
        let _ = writeln!(
            out,
            "  wait-for cycle: {} -> {}",
            names.join(" -> "),
            names[0]
        );
    }
    out
}

/// The first cycle in a functional wait-for graph (each thread waits for at most one other).
fn find_cycle(edges: &[(ThreadId, Option<ThreadId>)]) -> Option<Vec<ThreadId>> {
    let next = |t: ThreadId| edges.iter().find(|(a, _)| *a == t).and_then(|(_, b)| *b);
    for &(start, _) in edges {
        let mut path = vec![start];
        let mut current = start;
        while let Some(n) = next(current) {
            if let Some(pos) = path.iter().position(|&p| p == n) {
                return Some(path[pos..].to_vec());
            }
            path.push(n);
            current = n;
        }
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
