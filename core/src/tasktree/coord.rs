//! The coordinator: the submission loop of one run as a pure state machine, shared by every
//! executor. It owns the scheduler core ([`Sched`]) and decides the next [`Step`] — submit a job,
//! sleep for spacing, wait for completions, or finish — from the time and the termination flag
//! the executor reports. Executors only carry steps out, so the thread pool, the inline and
//! async executors and the virtual-time planner cannot disagree about the rules:
//!
//! - at most `max_workers` jobs are in flight; the smallest `(priority, name)` goes first;
//! - spacing: after each submission the next one is due `max(0, spacing(name, count))` ns after
//!   the previous *due* time; the first is due at once. A pending sleep ends early on
//!   termination; after a sleep with jobs in flight the coordinator first polls for completions
//!   (a smaller job may have become available meanwhile);
//! - termination stops submissions; the run is failed if any job was available or in flight;
//! - failed = any completion with `fail`, or terminated with work left.
//!
//! Inline invariants (debug builds, [`Coordinator::check_invariants`] after every call and
//! [`Coordinator::check_step`] on every answer): at most `max_workers` jobs in flight, each of
//! them running in the scheduler and each submitted job either in flight or completed; it waits
//! only with jobs in flight, sleeps only into the future, and finishes without a termination
//! only when nothing is left.

use super::error::RunError;
use super::sched::{IllegalTransition, JobState, Priority, Sched};
use super::tree::TaskTree;
use std::fmt;

/// What a completion callback decides about a finished job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Outcome {
    /// `false` skips the job's whole subtree (and keeps every barrier above it closed).
    pub no_skip: bool,
    /// `true` makes the run's result failed (it does not skip anything by itself).
    pub fail: bool,
}

impl Outcome {
    /// Success: the children may start.
    pub const DONE: Outcome = Outcome {
        no_skip: true,
        fail: false,
    };
    /// Skip the subtree without failing the run.
    pub const SKIP: Outcome = Outcome {
        no_skip: false,
        fail: false,
    };
    /// Skip the subtree and fail the run (also what a cancelled job counts as).
    pub const FAIL: Outcome = Outcome {
        no_skip: false,
        fail: true,
    };
}

/// The result of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Report {
    /// Some completion returned `fail`, a job was cancelled, or the run was terminated with
    /// work left.
    pub failed: bool,
    /// The termination signal stopped the run.
    pub terminated: bool,
    /// Jobs submitted.
    pub started: u64,
    /// Jobs whose completion was handled (cancelled ones included).
    pub completed: u64,
}

/// What the completion callback can do besides returning an [`Outcome`]: look at and cancel the
/// jobs still in flight (bzfs passes its set of in-flight futures for the same purpose).
pub struct Control<'a> {
    tree: &'a TaskTree,
    in_flight: &'a [u32],
    cancels: &'a mut Vec<u32>,
}

impl<'a> Control<'a> {
    pub(crate) fn new(tree: &'a TaskTree, in_flight: &'a [u32], cancels: &'a mut Vec<u32>) -> Self {
        Self {
            tree,
            in_flight,
            cancels,
        }
    }

    /// Names of the jobs in flight (submitted, not yet handled), excluding the one being
    /// completed and any completed with it.
    pub fn in_flight(&self) -> impl Iterator<Item = &str> + '_ {
        self.in_flight.iter().map(|&j| self.tree.name(j as usize))
    }

    /// Ask the in-flight job `name` to stop: a job that has not started never will (it counts as
    /// [`Outcome::FAIL`]); a running thread job sees [`Job::is_cancelled`](super::Job); an async
    /// job is aborted at its next await. Returns `false` if `name` is not in flight.
    pub fn cancel(&mut self, name: &str) -> bool {
        match self
            .in_flight
            .iter()
            .find(|&&j| self.tree.name(j as usize) == name)
        {
            Some(&job) => {
                self.cancels.push(job);
                true
            }
            None => false,
        }
    }

    /// Cancel every job in flight (fail-fast).
    pub fn cancel_all(&mut self) {
        self.cancels.extend_from_slice(self.in_flight);
    }
}

impl fmt::Debug for Control<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Control")
            .field("in_flight", &self.in_flight().collect::<Vec<_>>())
            .finish()
    }
}

/// The next thing an executor must do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// Start `job` (its `submit_count`-th submission, counting from 1).
    Submit { job: u32, submit_count: u64 },
    /// Wait until `until_ns` (run-relative) or termination, then step again.
    Sleep { until_ns: u64 },
    /// Collect completions: all that have arrived, at least one unless `poll`.
    Wait { poll: bool },
    /// The run is over; cancel the jobs still in flight.
    Finish,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Submitting { slept: bool },
    Deciding { poll: bool },
    Collecting,
    Finished,
}

/// Spacing: `(name, submit_count) -> delay in ns` (negative means zero).
pub(crate) type SpacingFn<'s> = dyn FnMut(&str, u64) -> i64 + 's;

/// One run's submission loop.
pub(crate) struct Coordinator<'t, 'p, P: Priority> {
    sched: Sched<'t, P::Key>,
    tree: &'t TaskTree,
    priority: &'p mut P,
    spacing: Option<&'p mut SpacingFn<'t>>,
    max_workers: usize,
    in_flight: Vec<u32>,
    cancels: Vec<u32>,
    next_submit_ns: u64,
    phase: Phase,
    report: Report,
    /// The job being submitted (names the job if the spacing function panics).
    submitting: Option<u32>,
}

impl<'t, 'p, P: Priority> Coordinator<'t, 'p, P> {
    pub(crate) fn new(
        tree: &'t TaskTree,
        max_workers: usize,
        priority: &'p mut P,
        spacing: Option<&'p mut SpacingFn<'t>>,
    ) -> Result<Self, RunError> {
        if max_workers == 0 {
            return Err(RunError::NoWorkers);
        }
        Ok(Self {
            sched: Sched::new(tree),
            tree,
            priority,
            spacing,
            max_workers,
            in_flight: Vec::with_capacity(max_workers.min(1024)),
            cancels: Vec::new(),
            next_submit_ns: 0,
            phase: Phase::Submitting { slept: false },
            report: Report::default(),
            submitting: None,
        })
    }

    /// Make the top-level jobs available (calls the priority function).
    pub(crate) fn start(&mut self) {
        self.sched.start(self.priority);
    }

    /// The tree being run.
    pub(crate) fn tree(&self) -> &'t TaskTree {
        self.tree
    }

    /// The next step, given the executor's clock (ns since the run began) and whether
    /// termination was requested. Calls the spacing function on submission.
    pub(crate) fn step(&mut self, now_ns: u64, terminated: bool) -> Step {
        let step = self.next_step(now_ns, terminated);
        self.check_step(step, now_ns, terminated);
        self.check_invariants();
        step
    }

    fn next_step(&mut self, now_ns: u64, terminated: bool) -> Step {
        loop {
            match self.phase {
                Phase::Submitting { slept } => {
                    if !(self.sched.has_available() && self.in_flight.len() < self.max_workers) {
                        self.phase = Phase::Deciding { poll: false };
                    } else if !slept && self.next_submit_ns > now_ns && !terminated {
                        self.phase = Phase::Submitting { slept: true };
                        return Step::Sleep {
                            until_ns: self.next_submit_ns,
                        };
                    } else if terminated {
                        self.phase = Phase::Deciding { poll: false };
                    } else if slept && !self.in_flight.is_empty() {
                        self.phase = Phase::Deciding { poll: true };
                    } else {
                        self.phase = Phase::Submitting { slept: false };
                        return self.submit_next();
                    }
                }
                Phase::Deciding { poll } => {
                    if !self.in_flight.is_empty() && !terminated {
                        self.phase = Phase::Collecting;
                        return Step::Wait { poll };
                    }
                    if terminated {
                        self.report.terminated = true;
                        if self.sched.has_available() || !self.in_flight.is_empty() {
                            self.report.failed = true;
                        }
                    }
                    self.phase = Phase::Finished;
                    return Step::Finish;
                }
                Phase::Collecting => {
                    unreachable!("step() while collecting: call end_batch() first")
                }
                Phase::Finished => return Step::Finish,
            }
        }
    }

    fn submit_next(&mut self) -> Step {
        let job = self.sched.pop().expect("a job is available");
        self.report.started += 1;
        let submit_count = self.report.started;
        self.submitting = Some(job);
        if let Some(spacing) = self.spacing.as_mut() {
            let delay = spacing(self.tree.name(job as usize), submit_count).max(0) as u64;
            self.next_submit_ns = self.next_submit_ns.saturating_add(delay);
        }
        self.in_flight.push(job);
        Step::Submit { job, submit_count }
    }

    /// Begin handling a batch of completions: sort it into name order and take the jobs out of
    /// the in-flight set (the callbacks see the others only).
    pub(crate) fn begin_batch<X>(&mut self, batch: &mut [(u32, X)]) {
        debug_assert_eq!(self.phase, Phase::Collecting);
        batch.sort_unstable_by_key(|(job, _)| *job);
        for (job, _) in batch.iter() {
            let at = self
                .in_flight
                .iter()
                .position(|j| j == job)
                .expect("a completed job was in flight");
            self.in_flight.swap_remove(at);
        }
        self.check_invariants();
    }

    /// The in-flight jobs and the cancellation list a [`Control`] works on.
    pub(crate) fn control_parts(&mut self) -> (&'t TaskTree, &[u32], &mut Vec<u32>) {
        (self.tree, &self.in_flight, &mut self.cancels)
    }

    /// Cancellations requested by the last callback.
    pub(crate) fn take_cancels(&mut self) -> Vec<u32> {
        std::mem::take(&mut self.cancels)
    }

    /// Apply one completion (calls the priority function for the jobs it unblocks).
    pub(crate) fn complete(&mut self, job: u32, outcome: Outcome) -> Result<(), IllegalTransition> {
        self.report.completed += 1;
        self.report.failed |= outcome.fail;
        let result = self.sched.complete(job, outcome.no_skip, self.priority);
        self.check_invariants();
        result
    }

    /// The batch is handled; back to submitting.
    pub(crate) fn end_batch(&mut self) {
        self.phase = Phase::Submitting { slept: false };
        self.check_invariants();
    }

    /// What holds after every call (debug builds): at most `max_workers` jobs in flight, every
    /// one of them running in the scheduler (none blocked, queued or completed); no more
    /// completions than submissions; outside a batch, every submitted job is either in flight or
    /// completed (none lost, none counted twice); a terminated run is finished.
    fn check_invariants(&self) {
        if !crate::invariant::enabled() {
            return;
        }
        debug_assert!(
            self.in_flight.len() <= self.max_workers,
            "{} jobs in flight, above max_workers {}",
            self.in_flight.len(),
            self.max_workers
        );
        for &job in &self.in_flight {
            debug_assert_eq!(
                self.sched.state(job),
                JobState::Running,
                "job {job} in flight"
            );
        }
        debug_assert!(self.report.completed <= self.report.started);
        if self.phase != Phase::Collecting {
            debug_assert_eq!(
                self.report.started - self.report.completed,
                self.in_flight.len() as u64,
                "a submitted job is either in flight or completed"
            );
        }
        debug_assert!(!self.report.terminated || self.phase == Phase::Finished);
    }

    /// An answer of [`Coordinator::step`]: a submission stays within `max_workers`; a wait has
    /// something to wait for; a sleep ends in the future; a finish without termination leaves
    /// no job available and none in flight.
    fn check_step(&self, step: Step, now_ns: u64, terminated: bool) {
        match step {
            Step::Submit { job, submit_count } => {
                debug_assert_eq!(submit_count, self.report.started);
                debug_assert_eq!(self.in_flight.last(), Some(&job));
            }
            Step::Wait { .. } => debug_assert!(
                !self.in_flight.is_empty(),
                "waiting for completions with no job in flight would hang"
            ),
            Step::Sleep { until_ns } => debug_assert!(until_ns > now_ns && !terminated),
            Step::Finish => debug_assert!(
                self.report.terminated
                    || terminated
                    || (!self.sched.has_available() && self.in_flight.is_empty()),
                "the run finished with work left and no termination"
            ),
        }
    }

    /// Whether the clock matters (spacing is configured); without it `now_ns` is ignored.
    pub(crate) fn needs_clock(&self) -> bool {
        self.spacing.is_some()
    }

    /// The job a panicking priority or spacing function was called for, if known.
    pub(crate) fn panicking_job(&self, stage: super::error::Stage) -> Option<u32> {
        match stage {
            super::error::Stage::Priority => self.sched.keying(),
            super::error::Stage::Spacing => self.submitting,
            _ => None,
        }
    }

    /// Jobs in flight.
    pub(crate) fn in_flight(&self) -> &[u32] {
        &self.in_flight
    }

    /// The result so far.
    pub(crate) fn report(&self) -> Report {
        self.report
    }
}
