//! Shrinking a failing schedule: fewer preemptions first, then fewer steps, then fewer faults.
//!
//! A candidate is the failing choice stream with one change — a preemption replaced by letting
//! the running thread continue, the stream cut after a decision (everything after runs
//! non-preemptively), or a fired fault not fired — replayed *leniently* (a recorded choice that
//! no longer fits falls back to the non-preemptive default). A candidate is kept when it fails
//! the same way (same kind; same message for a panic) and is smaller by (preemptions, steps,
//! faults). Greedy, bounded by a number of re-executions.

use crate::exec::sched::{ExecResult, Outcome};
use crate::runner::{Session, Shrunk};
use crate::strategy::guided::Guided;
use crate::strategy::Scheduler;

/// Is `candidate` the same failure as `original`?
fn same_failure(original: &Outcome, candidate: &Outcome) -> bool {
    match (original, candidate) {
        (Outcome::Panic(a), Outcome::Panic(b)) => a.message == b.message,
        (Outcome::Deadlock { .. }, Outcome::Deadlock { .. }) => true,
        (Outcome::Livelock, Outcome::Livelock) => true,
        _ => false,
    }
}

fn size(result: &ExecResult) -> (usize, usize, usize) {
    (result.preemptions, result.trace.len(), result.faults.len())
}

/// Candidate choice streams derived from `best`, most promising first.
fn candidates(best: &ExecResult) -> Vec<Vec<u32>> {
    let mut out = Vec::new();
    // Remove a preemption: the preempting pick becomes "the previous thread continues".
    for (i, step) in best.trace.iter().enumerate().rev() {
        let (true, Some(index)) = (step.preemption, step.choice_index) else {
            continue;
        };
        let Some(previous) = i.checked_sub(1).map(|p| best.trace[p].thread) else {
            continue;
        };
        let mut choices = best.choices.clone();
        choices[index as usize] = previous as u32;
        out.push(choices);
        // And the same with everything after it left to the default.
        let mut cut = best.choices[..index as usize].to_vec();
        cut.push(previous as u32);
        out.push(cut);
    }
    // Cut the stream after a decision: the rest runs without preemptions.
    for step in best.trace.iter().rev() {
        if let Some(index) = step.choice_index {
            out.push(best.choices[..index as usize].to_vec());
        }
    }
    // Fewer faults: a fired fault's answer becomes "no".
    for (i, step) in best.trace.iter().enumerate() {
        let fired = best.faults.iter().any(|(s, _)| *s == i + 1);
        if let (true, Some(index)) = (fired, step.option_index) {
            let mut choices = best.choices.clone();
            choices[index as usize] = 0;
            out.push(choices);
        }
    }
    out
}

/// Shrink `failing`, spending at most `budget` re-executions.
pub(crate) fn shrink(
    session: &Session<'_>,
    failing: ExecResult,
    budget: usize,
) -> (ExecResult, Shrunk) {
    let original = size(&failing);
    let outcome = failing.outcome.clone();
    let mut best = failing;
    let mut runs = 0;
    'improve: while runs < budget {
        for choices in candidates(&best) {
            if runs >= budget {
                break 'improve;
            }
            runs += 1;
            let mut scheduler = Guided::lenient(choices);
            scheduler.next_execution();
            let candidate = session.execute(&mut scheduler);
            if same_failure(&outcome, &candidate.outcome) && size(&candidate) < size(&best) {
                best = candidate;
                continue 'improve;
            }
        }
        break;
    }
    let now = size(&best);
    (
        best,
        Shrunk {
            steps: (original.1, now.1),
            preemptions: (original.0, now.0),
            runs,
        },
    )
}
