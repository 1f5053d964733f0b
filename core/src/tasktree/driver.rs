//! The blocking driver: carries out a [`Coordinator`]'s steps on a [`Backend`] (thread pool,
//! inline, or virtual time) and runs the completion callbacks on the calling thread.
//!
//! Guarantees: completions collected together are handled in name order, one at a time, on the
//! calling (coordinating) thread; a panic in a job, the completion callback, the priority or the
//! spacing function ends the run with [`RunError::Panicked`] after the backend has cancelled and
//! drained whatever was in flight — never a hang and never a leaked thread.

use super::coord::{Control, Coordinator, Outcome, Report, Step};
use super::error::{RunError, Stage};
use super::sched::Priority;
use crate::sync::thread::panic_message;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// How a submitted job ended, as an executor reports it.
pub(crate) enum Finished<T> {
    /// It returned a value.
    Value(T),
    /// It panicked with this message.
    Panicked(String),
    /// It was cancelled before it produced a value.
    Cancelled,
}

/// What an executor does for the driver.
pub(crate) trait Backend<T> {
    /// Nanoseconds since the run began (only read when spacing is configured).
    fn now_ns(&mut self) -> u64;
    /// Whether termination was requested.
    fn terminated(&self) -> bool;
    /// Sleep until `ns` (run-relative) or termination.
    fn sleep_until(&mut self, ns: u64);
    /// Start a job.
    fn submit(&mut self, job: u32, name: &str, submit_count: u64);
    /// Append finished jobs to `out`: at least one unless `poll` or termination was requested.
    fn wait(&mut self, poll: bool, out: &mut Vec<(u32, Finished<T>)>);
    /// Ask an in-flight job to stop.
    fn cancel(&mut self, job: u32);
    /// The run is over: cancel the jobs in `in_flight`, wait for running ones, release resources.
    fn finish(&mut self, in_flight: &[u32]);
}

/// The completion callback's shape inside the driver.
pub(crate) type OnComplete<'c, T> = dyn FnMut(&str, T, &mut Control<'_>) -> Outcome + 'c;

/// Run to the end on `backend`.
pub(crate) fn drive<T, P: Priority, B: Backend<T>>(
    coord: &mut Coordinator<'_, '_, P>,
    backend: &mut B,
    on_complete: &mut OnComplete<'_, T>,
) -> Result<Report, RunError> {
    let result = drive_steps(coord, backend, on_complete);
    backend.finish(coord.in_flight());
    result
}

fn drive_steps<T, P: Priority, B: Backend<T>>(
    coord: &mut Coordinator<'_, '_, P>,
    backend: &mut B,
    on_complete: &mut OnComplete<'_, T>,
) -> Result<Report, RunError> {
    let tree = coord.tree();
    catch_user(coord, Stage::Priority, None, |c| c.start())?;
    let mut batch: Vec<(u32, Finished<T>)> = Vec::new();
    loop {
        let now = if coord.needs_clock() {
            backend.now_ns()
        } else {
            0
        };
        let terminated = backend.terminated();
        match catch_user(coord, Stage::Spacing, None, |c| c.step(now, terminated))? {
            Step::Submit { job, submit_count } => {
                backend.submit(job, tree.name(job as usize), submit_count)
            }
            Step::Sleep { until_ns } => backend.sleep_until(until_ns),
            Step::Wait { poll } => {
                backend.wait(poll, &mut batch);
                coord.begin_batch(&mut batch);
                for (job, finished) in batch.drain(..) {
                    let name = tree.name(job as usize);
                    let outcome = match finished {
                        Finished::Value(value) => {
                            catch_user(coord, Stage::Completion, Some(job), |c| {
                                let (tree, in_flight, cancels) = c.control_parts();
                                on_complete(
                                    name,
                                    value,
                                    &mut Control::new(tree, in_flight, cancels),
                                )
                            })?
                        }
                        Finished::Panicked(message) => {
                            return Err(RunError::Panicked {
                                stage: Stage::Job,
                                job: name.to_owned(),
                                message,
                            })
                        }
                        Finished::Cancelled => Outcome::FAIL,
                    };
                    for cancel in coord.take_cancels() {
                        backend.cancel(cancel);
                    }
                    catch_user(coord, Stage::Priority, Some(job), |c| {
                        c.complete(job, outcome)
                    })?
                    .expect("the driver completes only jobs it submitted");
                }
                coord.end_batch();
            }
            Step::Finish => return Ok(coord.report()),
        }
    }
}

/// Call user code through the coordinator, turning a panic into [`RunError::Panicked`].
pub(crate) fn catch_user<P: Priority, X>(
    coord: &mut Coordinator<'_, '_, P>,
    stage: Stage,
    job: Option<u32>,
    f: impl FnOnce(&mut Coordinator<'_, '_, P>) -> X,
) -> Result<X, RunError> {
    match catch_unwind(AssertUnwindSafe(|| f(coord))) {
        Ok(x) => Ok(x),
        Err(payload) => {
            let job = coord.panicking_job(stage).or(job);
            Err(RunError::Panicked {
                stage,
                job: job.map_or_else(String::new, |j| coord.tree().name(j as usize).to_owned()),
                message: panic_message(&*payload).to_owned(),
            })
        }
    }
}

/// Run `f`, turning a panic into [`Finished::Panicked`].
pub(crate) fn run_job<T>(f: impl FnOnce() -> T) -> Finished<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(value) => Finished::Value(value),
        Err(payload) => Finished::Panicked(panic_message(&*payload).to_owned()),
    }
}

/// A job as a blocking job function sees it.
pub struct Job<'a> {
    name: &'a str,
    submit_count: u64,
    cancelled: &'a (dyn Fn() -> bool + 'a),
}

impl<'a> Job<'a> {
    pub(crate) fn new(
        name: &'a str,
        submit_count: u64,
        cancelled: &'a (dyn Fn() -> bool + 'a),
    ) -> Self {
        Self {
            name,
            submit_count,
            cancelled,
        }
    }

    /// The job's name.
    pub fn name(&self) -> &'a str {
        self.name
    }

    /// Its submission number in this run, from 1 (bzfs' `submit_count`).
    pub fn submit_count(&self) -> u64 {
        self.submit_count
    }

    /// Whether the run asked this job to stop (a completion callback cancelled it, or the run
    /// was terminated). Long jobs should poll it and return early.
    pub fn is_cancelled(&self) -> bool {
        (self.cancelled)()
    }
}

impl fmt::Debug for Job<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Job")
            .field("name", &self.name)
            .field("submit_count", &self.submit_count)
            .finish()
    }
}
