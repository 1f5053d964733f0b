//! Scheduling strategies: who runs next, and the answer to every other nondeterministic choice
//! (which waiter a `notify_one` wakes, whether a fault fires). One file per strategy.
//!
//! A strategy sees each decision as a [`Decision`]: every thread's next operation and whether
//! it may run. Everything an execution depends on flows through [`Scheduler::pick_thread`] and
//! [`Scheduler::pick_option`], so recording their answers (the *choice stream*) is enough to
//! replay an execution exactly.

pub(crate) mod clock;
pub(crate) mod delay;
pub(crate) mod dfs;
#[cfg(test)]
mod dpor_check;
#[cfg(test)]
mod dpor_primitives;
#[cfg(test)]
pub(crate) mod exhaustive;
pub(crate) mod fastmap;
pub(crate) mod greybox;
pub(crate) mod guided;
pub(crate) mod happens;
pub(crate) mod optimal;
pub(crate) mod pct;
pub(crate) mod pending;
pub(crate) mod portfolio;
pub(crate) mod pos;
pub(crate) mod random;
pub(crate) mod seeded;
#[cfg(test)]
pub(crate) mod textbook;
pub(crate) mod urw;
pub(crate) mod wakeup;

use crate::access::Access;
use crate::exec::state::Wait;
use crate::op::{Op, ThreadId};

/// The indices of the executions a randomised strategy runs (all, or a shard's), lazily.
pub(crate) type Indices = std::iter::StepBy<std::ops::Range<usize>>;

/// An exhaustive search found the program doing something else at `position` (counted from 0)
/// of a path it followed before: record why in `nondeterminism` (the search stops there) and
/// return it.
pub(crate) fn not_repeated(nondeterminism: &mut Option<String>, position: usize) -> String {
    let message = format!(
        "the program did not repeat itself at decision {} (different runnable threads or \
         choices on the same path, or it ended before it): it depends on something outside the \
         simulation (wall clock, HashMap order, a std atomic or lock, I/O)",
        position + 1
    );
    *nondeterminism = Some(message.clone());
    message
}

/// Assert that a search refused `failure`'s program as one that does not repeat itself, with a
/// message that `says` it.
#[cfg(test)]
pub(crate) fn assert_not_repeated(failure: &crate::Failure, says: &str) {
    assert_eq!(
        failure.kind,
        crate::FailureKind::Invalid,
        "{}",
        failure.message
    );
    assert!(failure.message.contains(says), "{}", failure.message);
}

/// One thread as a strategy sees it at a decision.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ThreadView {
    pub(crate) enabled: bool,
    pub(crate) finished: bool,
    pub(crate) next: Op,
    /// What it waits for, if it cannot run.
    pub(crate) wait: Wait,
    /// The key of the lock it waits to take, if it waits for one.
    pub(crate) wait_key: Option<crate::access::Key>,
    /// The key of the object its next operation touches, if it touches one (see
    /// [`pending::accesses`]); the same in every execution.
    pub(crate) key: Option<crate::access::Key>,
}

impl ThreadView {
    /// The key its next operation races on: none for a thread's start, which touches nothing
    /// another thread can see.
    pub(crate) fn race_key(&self) -> Option<crate::access::Key> {
        self.key
            .filter(|_| self.next.kind != crate::op::OpKind::Start)
    }
}

/// A scheduling decision.
#[derive(Debug)]
pub(crate) struct Decision<'a> {
    /// Every thread of the execution so far, by id.
    pub(crate) threads: &'a [ThreadView],
    /// The thread that ran the previous step.
    pub(crate) last: Option<ThreadId>,
    /// The kind of operation that step ran.
    pub(crate) last_op: Option<crate::op::OpKind>,
    /// Steps taken so far in this execution.
    pub(crate) step: usize,
    /// What the previous step accessed (see [`crate::access`]).
    pub(crate) accesses: &'a [Access],
    /// Every thread was waiting after the previous step, and the clock jumped to the next
    /// deadline: nothing before the jump can be reordered with anything after it.
    pub(crate) clock_jumped: bool,
}

impl Decision<'_> {
    pub(crate) fn enabled(&self) -> impl Iterator<Item = ThreadId> + '_ {
        self.threads
            .iter()
            .enumerate()
            .filter(|(_, t)| t.enabled)
            .map(|(id, _)| id)
    }

    /// Continuing `last` would not be a preemption: prefer it, else the lowest enabled id.
    pub(crate) fn non_preemptive(&self) -> ThreadId {
        match self.last {
            Some(last) if self.threads.get(last).is_some_and(|t| t.enabled) => last,
            _ => self
                .enabled()
                .next()
                .expect("a decision has an enabled thread"),
        }
    }
}

/// What an option decision is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OptionKind {
    /// Which of `n` waiters a `notify_one` wakes.
    NotifyTarget,
    /// Whether a fault fires (0: no, 1: yes).
    Fault,
}

/// The strategy's answer to a thread decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Pick {
    /// Run this (enabled) thread.
    Thread(ThreadId),
    /// Stop this execution: every continuation is already covered (DPOR sleep set).
    Prune,
    /// The strategy cannot continue (a replay that no longer fits the program).
    Invalid(String),
}

/// How an execution ended, as far as a strategy cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ended {
    Completed,
    Failed,
    Pruned,
}

/// A scheduling strategy.
pub(crate) trait Scheduler {
    /// Prepare the next execution; `false` when there is nothing left to run.
    fn next_execution(&mut self) -> bool;
    /// Pick the thread that takes the next step.
    fn pick_thread(&mut self, decision: &Decision<'_>) -> Pick;
    /// Is the next step part of a replayed prefix — a path followed before, whose steps the
    /// strategy already analysed? Then [`Scheduler::replay`] picks it from the runnable threads
    /// alone, and the executor builds no views for it (most steps of an exhaustive search
    /// replay a prefix).
    fn replaying(&self) -> bool {
        false
    }
    /// Pick the next step of a replayed prefix: `enabled` is the mask of the threads that can
    /// run (the strategy checks it against the recorded one), `threads` how many exist.
    fn replay(&mut self, enabled: u64, threads: usize) -> Pick {
        let _ = (enabled, threads);
        Pick::Invalid("this strategy replays no prefix".to_owned())
    }
    /// Answer a choice with `n ≥ 2` options for `thread`'s operation.
    fn pick_option(
        &mut self,
        kind: OptionKind,
        n: usize,
        thread: ThreadId,
    ) -> Result<usize, String>;
    /// No thread can run any more: the last state of the execution (every thread's next
    /// operation), so races with the final steps are seen. `Err`: the execution ended where
    /// the strategy expected more (a replayed path that ended early).
    fn final_state(&mut self, decision: &Decision<'_>) -> Result<(), String> {
        let _ = decision;
        Ok(())
    }
    /// The execution ended after `steps` steps.
    fn end_execution(&mut self, ended: Ended, steps: usize);
    /// What the execution that just ended left behind (its trace, choice stream and coverage),
    /// right before [`Scheduler::end_execution`]: the feedback of a feedback-guided strategy.
    fn observe(&mut self, result: &crate::exec::sched::ExecResult) {
        let _ = result;
    }
    /// `true` once the strategy has covered its whole space (DFS only).
    fn exhausted(&self) -> bool {
        false
    }
    /// Executions that repeated a behaviour already explored, where the strategy counts them.
    fn redundant(&self) -> usize {
        0
    }
    /// The estimated total number of executions of the run, for progress reports.
    fn estimate(&self) -> Option<f64> {
        None
    }

    /// The checker driving the current execution, when the strategy combines several (the
    /// portfolio); `None`: the run's own.
    fn checker(&self) -> Option<lockstep::check::Checker> {
        None
    }
}
