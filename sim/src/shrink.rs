//! Shrinking a failing schedule: fewer preemptions first, then fewer steps, then fewer faults.
//!
//! The failing schedule is seen as *blocks*: runs of consecutive steps by one thread. A
//! candidate edits the blocks — merges a preempted block with its thread's next block (the
//! thread keeps running instead of being preempted), defers a preempting block, keeps only a
//! prefix (the rest runs without preemptions), or leaves a fired fault unfired — and is run by
//! block guidance, which tolerates edits that no longer fit exactly (after Jalbert & Sen,
//! "A trace simplification technique for effective debugging of concurrent programs", FSE
//! 2010). A candidate is kept when it fails the same way (same kind; same message for a panic)
//! and is smaller by (preemptions, steps, faults). Greedy, bounded by a number of
//! re-executions.
//!
//! Block edits alone can be stuck above the fewest preemptions (a lost update found with two
//! preemptions whose one-preemption schedule is no edit of it away). So, while the budget lasts,
//! a preemption-bounded search (the DFS of [`Dfs`], iterative bounding: bound 0, then 1, ...,
//! up to one below the schedule's count) looks for the same failure with fewer preemptions. Its
//! stages cover every schedule within their bound, so the first schedule it finds has the
//! **fewest preemptions any schedule failing this way has** — the same bound at which
//! `Builder::dfs(Some(b))` finds it (tested on the acceptance models) — and where it finds
//! none, the count was minimal already. The search goes on for fewer steps at that count, and
//! block edits then trim what it found. The token of the result is recorded from its own run, so
//! it replays exactly.

use crate::exec::sched::{ExecResult, Outcome};
use crate::failure::Shrunk;
use crate::op::ThreadId;
use crate::session::Session;
use crate::strategy::dfs::Dfs;
use crate::strategy::guided::Blocks;
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

/// Executions the bounded search goes on for after it found the fewest preemptions, looking
/// for fewer steps.
const STEPS_SEARCH: usize = 200;

/// A candidate schedule: blocks of steps per thread, and the option answers in order.
type Candidate = (Vec<(ThreadId, usize)>, Vec<u32>);

/// The failing execution as blocks (consecutive steps of one thread), each with whether it
/// began with a preemption.
fn blocks(result: &ExecResult) -> Vec<(ThreadId, usize, bool)> {
    let mut out: Vec<(ThreadId, usize, bool)> = Vec::new();
    for step in &result.trace {
        match out.last_mut() {
            Some((thread, count, _)) if *thread == step.thread => *count += 1,
            _ => out.push((step.thread, 1, step.preemption)),
        }
    }
    out
}

fn options(result: &ExecResult) -> Vec<u32> {
    result
        .trace
        .iter()
        .filter_map(|s| s.option_index.map(|i| result.choices[i as usize]))
        .collect()
}

/// Candidate schedules derived from `best`, most promising first.
fn candidates(best: &ExecResult) -> Vec<Candidate> {
    let blocks = blocks(best);
    let plain = |b: &[(ThreadId, usize, bool)]| b.iter().map(|&(t, n, _)| (t, n)).collect();
    let opts = options(best);
    let mut out: Vec<Candidate> = Vec::new();
    // Remove a preemption: the preempted thread keeps running — its next block joins the one
    // that was preempted.
    for k in (1..blocks.len()).rev() {
        if !blocks[k].2 {
            continue;
        }
        let preempted = blocks[k - 1].0;
        if let Some(m) = (k + 1..blocks.len()).find(|&m| blocks[m].0 == preempted) {
            let mut edited = blocks.clone();
            edited[k - 1].1 += edited[m].1;
            edited.remove(m);
            out.push((plain(&edited), opts.clone()));
        }
        // Or the preempting block waits until the preempted thread cannot run.
        let mut deferred = blocks.clone();
        deferred.remove(k);
        out.push((plain(&deferred), opts.clone()));
    }
    // Fewer steps: keep only a prefix of the blocks, the rest without preemptions.
    for k in 1..blocks.len() {
        out.push((plain(&blocks[..k]), opts.clone()));
    }
    // Fewer faults: a fired fault's answer becomes "no".
    let mut fired = 0;
    for (i, step) in best.trace.iter().enumerate() {
        if step.option_index.is_none() {
            continue;
        }
        if best.faults.iter().any(|(s, _)| *s == i + 1) {
            let mut fewer = opts.clone();
            fewer[fired] = 0;
            out.push((plain(&blocks), fewer));
        }
        fired += 1;
    }
    out
}

/// Shrink `failing`, spending at most `budget` re-executions: block edits, then a bounded
/// search for a schedule with fewer preemptions, then block edits again on what it found.
pub(crate) fn shrink(
    session: &Session<'_>,
    failing: ExecResult,
    budget: usize,
) -> (ExecResult, Shrunk) {
    let original = size(&failing);
    let outcome = failing.outcome.clone();
    let mut runs = 0;
    // Cheap edits first (they often remove most preemptions), leaving most of the budget to
    // the search.
    let mut best = edit(session, &outcome, failing, budget / 4, &mut runs);
    if best.preemptions > 0 && runs < budget {
        let (found, spent) = fewest_preemptions(session, &outcome, &best, budget - runs);
        runs += spent;
        if let Some(found) = found {
            best = edit(session, &outcome, found, budget, &mut runs);
        }
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

/// Greedy block edits (see the module documentation) until none helps or `runs` reaches
/// `budget`.
fn edit(
    session: &Session<'_>,
    outcome: &Outcome,
    failing: ExecResult,
    budget: usize,
    runs: &mut usize,
) -> ExecResult {
    let mut best = failing;
    'improve: while *runs < budget {
        for (blocks, options) in candidates(&best) {
            if *runs >= budget {
                break 'improve;
            }
            *runs += 1;
            let mut scheduler = Blocks::new(blocks, options);
            scheduler.next_execution();
            let candidate = session.execute(&mut scheduler);
            if same_failure(outcome, &candidate.outcome) && size(&candidate) < size(&best) {
                best = candidate;
                continue 'improve;
            }
        }
        break;
    }
    best
}

/// Search the schedules with fewer preemptions than `best` — iterative preemption bounding,
/// bound 0 first, then 1, and so on ([`Dfs::iterative`]) — for the same failure,
/// keeping the smallest found, within `budget` executions. The first found has the fewest
/// preemptions any schedule failing this way has (each stage covers every schedule within its
/// bound); the search then goes on for fewer steps while the budget lasts. Returns the smallest
/// failure found (if any) and the executions spent.
fn fewest_preemptions(
    session: &Session<'_>,
    outcome: &Outcome,
    best: &ExecResult,
    budget: usize,
) -> (Option<ExecResult>, usize) {
    let mut search = Dfs::iterative(best.preemptions - 1, Some(budget));
    let mut found: Option<ExecResult> = None;
    let mut runs = 0;
    let mut until = budget;
    while runs < until && search.next_execution() {
        runs += 1;
        let candidate = session.execute(&mut search);
        if let Outcome::Invalid(_) = candidate.outcome {
            // More threads than the search tracks, or a program that does not repeat itself.
            break;
        }
        let smallest = found.as_ref().unwrap_or(best);
        if same_failure(outcome, &candidate.outcome) && size(&candidate) < size(smallest) {
            if found.is_none() {
                // The fewest preemptions are found; look a while longer for fewer steps.
                until = until.min(runs + STEPS_SEARCH);
            }
            found = Some(candidate);
        }
    }
    (found, runs)
}
