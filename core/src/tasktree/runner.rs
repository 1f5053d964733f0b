//! [`Runner`]: the public entry point — configure a run of a [`TaskTree`] and execute it on a
//! thread pool, inline, as async tasks, or in virtual time.

use super::coord::{Control, Coordinator, Outcome, Report, SpacingFn};
use super::driver::{drive, Job};
use super::error::RunError;
use super::inline::Inline;
use super::sched::{ByName, Priority};
use super::signal::Termination;
use super::threads::ThreadPool;
use super::tree::TaskTree;
use super::virtual_time::{SimEvent, VirtualTime};
use crate::sync::{Runtime, Std};
use std::fmt;
use std::time::Duration;

/// The most threads the thread-pool executor starts: [`Runner::run`] refuses a larger
/// `max_workers` with [`RunError::TooManyWorkers`] when it would use the pool. The executors
/// that start no threads (inline, virtual time, async tasks) take any `max_workers`.
pub const MAX_WORKERS: usize = 1024;

/// Where jobs run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Executor {
    /// Inline when `max_workers` is 1 or no two jobs can run at once, else a thread pool.
    #[default]
    Auto,
    /// A pool of `max_workers` threads (fewer if the tree has fewer jobs).
    Threads,
    /// On the calling thread, each job as soon as it is submitted.
    Inline,
}

/// A virtual-time run's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Simulation {
    /// The run's report.
    pub report: Report,
    /// Virtual time when the last job finished.
    pub makespan: Duration,
}

/// Configures and runs a [`TaskTree`]. `R` is the sync backend (threads, termination signal);
/// `P` orders available jobs.
///
/// ```
/// use lockstep::tasktree::{Outcome, Runner, TaskTree};
/// let tree = TaskTree::new(["a", "a/b", "a/c", "d"]).unwrap();
/// let mut order = Vec::new();
/// let report = Runner::new(&tree)
///     .max_workers(1)
///     .run_inline(|job| job.name().to_owned(), |_name, started, _ctl| {
///         order.push(started);
///         Outcome::DONE
///     })
///     .unwrap();
/// assert!(!report.failed);
/// assert_eq!(order, ["a", "a/b", "a/c", "d"]);
/// ```
pub struct Runner<'t, R: Runtime = Std, P: Priority = ByName> {
    tree: &'t TaskTree,
    max_workers: usize,
    executor: Executor,
    priority: P,
    spacing: Option<Box<SpacingFn<'t>>>,
    termination: Option<Termination<R>>,
}

impl<'t> Runner<'t, Std, ByName> {
    /// A runner on std threads: `max_workers` = available parallelism (at most
    /// [`MAX_WORKERS`]), name order, no spacing, no termination signal.
    pub fn new(tree: &'t TaskTree) -> Self {
        Self::with_runtime(tree)
    }
}

impl<'t, R: Runtime> Runner<'t, R, ByName> {
    /// A runner on backend `R` (for generic code and checkers).
    pub fn with_runtime(tree: &'t TaskTree) -> Self {
        Self {
            tree,
            max_workers: std::thread::available_parallelism()
                .map_or(1, |n| n.get())
                .min(MAX_WORKERS),
            executor: Executor::Auto,
            priority: ByName,
            spacing: None,
            termination: None,
        }
    }
}

impl<'t, R: Runtime, P: Priority> Runner<'t, R, P> {
    /// At most `n` jobs run at once (`0` makes every run fail with [`RunError::NoWorkers`]).
    pub fn max_workers(mut self, n: usize) -> Self {
        self.max_workers = n;
        self
    }

    /// Choose the executor for [`Runner::run`].
    pub fn executor(mut self, executor: Executor) -> Self {
        self.executor = executor;
        self
    }

    /// Order available jobs by `(priority(name), name)`, smallest first. The function is called
    /// on the coordinating thread when a job becomes available.
    pub fn priority<Q: Priority>(self, priority: Q) -> Runner<'t, R, Q> {
        Runner {
            tree: self.tree,
            max_workers: self.max_workers,
            executor: self.executor,
            priority,
            spacing: self.spacing,
            termination: self.termination,
        }
    }

    /// Space submissions out: after the `count`-th submission (of job `name`) the next one is
    /// due `spacing(name, count)` ns after this one was due (negative means 0). The first
    /// submission is immediate; a termination signal cuts a pending sleep short.
    pub fn spacing(mut self, spacing: impl FnMut(&str, u64) -> i64 + 't) -> Self {
        self.spacing = Some(Box::new(spacing));
        self
    }

    /// Stop on this signal: no new submissions, in-flight jobs cancelled, and the run is failed
    /// if any job was left. A signal already set means nothing starts.
    pub fn termination(mut self, signal: &Termination<R>) -> Self {
        self.termination = Some(signal.clone());
        self
    }

    fn coordinator(&mut self) -> Result<Coordinator<'t, '_, P>, RunError> {
        Coordinator::new(
            self.tree,
            self.max_workers,
            &mut self.priority,
            self.spacing.as_deref_mut(),
        )
    }

    /// Run with the configured executor. `job` runs on a worker thread (or inline) and returns
    /// a value; `on_complete` gets it on the calling thread — in name order for jobs that
    /// finished together — and decides the [`Outcome`].
    ///
    /// The thread pool starts `min(max_workers, jobs)` threads; a `max_workers` above
    /// [`MAX_WORKERS`] is a [`RunError::TooManyWorkers`], and a thread the OS refuses is a
    /// [`RunError::Spawn`] (returned before any job ran, the started threads joined).
    pub fn run<F, T, C>(&mut self, job: F, mut on_complete: C) -> Result<Report, RunError>
    where
        F: Fn(&Job<'_>) -> T + Send + Sync + 'static,
        T: Send + 'static,
        C: FnMut(&str, T, &mut Control<'_>) -> Outcome,
    {
        let inline = match self.executor {
            Executor::Inline => true,
            Executor::Threads => false,
            Executor::Auto => self.max_workers <= 1 || !self.tree.has_siblings(),
        };
        if inline {
            return self.run_inline(job, on_complete);
        }
        if self.max_workers > MAX_WORKERS {
            return Err(RunError::TooManyWorkers {
                workers: self.max_workers,
                max: MAX_WORKERS,
            });
        }
        let workers = self.max_workers.min(self.tree.len());
        let signal = self.termination.clone();
        let mut coord = self.coordinator()?;
        let mut pool = ThreadPool::<F, T, R>::new(job, workers, signal)?;
        drive(&mut coord, &mut pool, &mut on_complete)
    }

    /// Run every job inline on the calling thread (the job function may borrow locals).
    pub fn run_inline<F, T, C>(
        &mut self,
        mut job: F,
        mut on_complete: C,
    ) -> Result<Report, RunError>
    where
        F: FnMut(&Job<'_>) -> T,
        C: FnMut(&str, T, &mut Control<'_>) -> Outcome,
    {
        let signal = self.termination.clone();
        let mut coord = self.coordinator()?;
        let mut backend = Inline::<F, T, R>::new(&mut job, signal);
        drive(&mut coord, &mut backend, &mut on_complete)
    }

    /// Run the real scheduler in virtual time: a job takes `duration(name)`; `on_event` sees
    /// every start and finish with its virtual time; `max_workers` simulated workers. The
    /// termination signal is not consulted. Deterministic. A job that would finish past the
    /// clock's end (`u64::MAX` ns, about 584 years) stops the run: [`RunError::ClockOverflow`].
    pub fn simulate<D, C, E>(
        &mut self,
        duration: D,
        mut on_complete: C,
        mut on_event: E,
    ) -> Result<Simulation, RunError>
    where
        D: FnMut(&str) -> Duration,
        C: FnMut(&str, &mut Control<'_>) -> Outcome,
        E: FnMut(SimEvent<'_>),
    {
        let tree = self.tree;
        let mut coord = self.coordinator()?;
        let mut backend = VirtualTime::new(tree, duration, &mut on_event);
        let report = drive(&mut coord, &mut backend, &mut |name, (), ctl| {
            on_complete(name, ctl)
        })?;
        if let Some(job) = backend.overflowed() {
            return Err(RunError::ClockOverflow {
                job: job.to_owned(),
            });
        }
        Ok(Simulation {
            report,
            makespan: backend.makespan(),
        })
    }

    /// Run with async jobs: `job` returns a future, spawned as a task on `A` (e.g.
    /// `lockstep::future::Tokio`); `max_workers` tasks at most at once. Completions are
    /// handled on the awaiting task; cancellation aborts tasks.
    pub async fn run_async<A, F, Fut, T, C>(
        &mut self,
        job: F,
        mut on_complete: C,
    ) -> Result<Report, RunError>
    where
        A: crate::future::AsyncRuntime,
        F: Fn(super::AsyncJob) -> Fut,
        Fut: std::future::Future<Output = T> + Send + 'static,
        T: Send + 'static,
        C: FnMut(&str, T, &mut Control<'_>) -> Outcome,
    {
        let signal = self.termination.clone();
        let mut coord = self.coordinator()?;
        super::async_exec::drive_async::<A, P, F, Fut, T, R>(
            &mut coord,
            &job,
            &mut on_complete,
            signal.as_ref(),
        )
        .await
    }
}

impl<R: Runtime, P: Priority> fmt::Debug for Runner<'_, R, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runner")
            .field("tree", self.tree)
            .field("max_workers", &self.max_workers)
            .field("executor", &self.executor)
            .field("spacing", &self.spacing.is_some())
            .field("termination", &self.termination)
            .finish_non_exhaustive()
    }
}
