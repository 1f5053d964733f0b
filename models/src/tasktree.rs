//! Models of the barrier scheduler for the checkers: a small job tree run on the real thread
//! pool ([`Runner::run`] with [`Executor::Threads`]) on any backend `R`, or as async tasks
//! ([`Runner::run_async`], [`TaskTreeModel::run_async`]) on a checker's async executor,
//! recording a trace, and an oracle that checks the trace against the scheduling rules:
//!
//! 1. no job starts before its nearest ancestor job completed (with `no_skip`);
//! 2. no barrier job `X/~/J` starts before `X` and every job of `X`'s non-barrier subtree
//!    completed with `no_skip` (for every barrier on the path);
//! 3. each job starts at most once, and at most `workers` run at once;
//! 4. skipped subtrees never start;
//! 5. termination stops submissions: at most one job is submitted after `terminate()` returned
//!    (the step that had already read the flag), none when the signal was set before the run;
//! 6. the failed flag is exact: any `fail`, or terminated before every reachable job completed;
//!    without termination exactly the reachable jobs start (the set the inline run starts).
//!
//! The jobs are written as strings such as `"a/~/b skip"` (`skip`: completion returns
//! `no_skip = false`; `fail`: returns `fail = true`).

use lockstep::future::{self, AsyncRuntime};
use lockstep::sync::{thread, Arc, Mutex, Runtime};
use lockstep::tasktree::{Executor, Outcome, Report, Runner, TaskTree, Termination};
use std::collections::{BTreeMap, BTreeSet};

/// When the model's termination signal is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Terminate {
    /// Never.
    Never,
    /// Before the run starts.
    Before,
    /// From another thread, concurrently with the run.
    Concurrently,
}

/// One entry of a trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The coordinator submitted the job (logged by the spacing function).
    Submit(String),
    /// A worker started running the job.
    Start(String),
    /// The job's function returned.
    End(String),
    /// The completion callback handled the job with this outcome.
    Complete(String, Outcome),
    /// `terminate()` returned.
    Terminated,
}

/// A scheduler model: a job tree, outcomes, workers, termination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskTreeModel {
    /// `"NAME [skip] [fail]"`, sorted by name.
    pub jobs: Vec<String>,
    /// Worker threads.
    pub workers: usize,
    /// When to terminate.
    pub terminate: Terminate,
}

/// What one run produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// Events in the order they happened.
    pub trace: Vec<Event>,
    /// The run's report.
    pub report: Report,
}

impl TaskTreeModel {
    /// A model of `jobs` on `workers` threads without termination.
    pub fn new(jobs: &[&str], workers: usize) -> Self {
        Self {
            jobs: jobs.iter().map(|s| (*s).to_owned()).collect(),
            workers,
            terminate: Terminate::Never,
        }
    }

    /// The same model with termination.
    pub fn terminating(mut self, terminate: Terminate) -> Self {
        self.terminate = terminate;
        self
    }

    /// The shuttle-sized catalogue model: a root barrier over parallel subtrees, a skip and a
    /// fail, on two workers.
    pub fn small() -> Self {
        Self::new(&["a", "a/b skip", "a/b/c", "d fail", "~/e"], 2)
    }

    /// The loom-sized catalogue model (about 4,500 executions at preemption bound 2, ~1.5 s):
    /// a root barrier over two parallel jobs, on two workers.
    pub fn tiny() -> Self {
        Self::new(&["a", "b", "~/c"], 2)
    }

    fn names(&self) -> Vec<String> {
        self.jobs
            .iter()
            .map(|j| j.split_whitespace().next().unwrap_or("").to_owned())
            .collect()
    }

    fn outcomes(&self) -> BTreeMap<String, Outcome> {
        self.jobs
            .iter()
            .map(|j| {
                let mut words = j.split_whitespace();
                let name = words.next().unwrap_or("").to_owned();
                let mut outcome = Outcome::DONE;
                for w in words {
                    match w {
                        "skip" => outcome.no_skip = false,
                        "fail" => outcome.fail = true,
                        other => panic!("unknown job flag {other:?}"),
                    }
                }
                (name, outcome)
            })
            .collect()
    }

    /// Run the model on the thread pool of backend `R` and return the trace.
    pub fn run<R: Runtime>(&self) -> Run {
        let tree = TaskTree::new(self.names()).expect("a valid model tree");
        let outcomes = self.outcomes();
        let trace: Arc<Mutex<Vec<Event>, R>, R> = Arc::new(Mutex::new(Vec::new()));
        let stop: Termination<R> = Termination::with_runtime();
        if self.terminate == Terminate::Before {
            stop.terminate();
            trace.lock().push(Event::Terminated);
        }
        let terminator = (self.terminate == Terminate::Concurrently).then(|| {
            let (stop, trace) = (stop.clone(), trace.clone());
            thread::Builder::<R>::new()
                .name("terminator")
                .spawn(move || {
                    stop.terminate();
                    trace.lock().push(Event::Terminated);
                })
        });
        let job_trace = trace.clone();
        let submit_trace = trace.clone();
        let report = Runner::<R>::with_runtime(&tree)
            .max_workers(self.workers)
            .executor(Executor::Threads)
            .termination(&stop)
            .spacing(move |name, _| {
                submit_trace.lock().push(Event::Submit(name.to_owned()));
                0
            })
            .run(
                move |job| {
                    job_trace.lock().push(Event::Start(job.name().to_owned()));
                    job_trace.lock().push(Event::End(job.name().to_owned()));
                },
                |name, (), _ctl| {
                    let outcome = outcomes[name];
                    trace.lock().push(Event::Complete(name.to_owned(), outcome));
                    outcome
                },
            )
            .expect("the model's callbacks do not panic");
        if let Some(t) = terminator {
            t.join().expect("the terminator does not panic");
        }
        let trace = std::mem::take(&mut *trace.lock());
        Run { trace, report }
    }

    /// Run the model with async jobs ([`Runner::run_async`]) on the async executor of `A`
    /// (lockstep-sim's or shuttle's under checkers; tokio's in production) and return the
    /// trace. Each job is a task; it records its start, yields, and records its end.
    pub fn run_async<A: AsyncRuntime + Runtime>(&self) -> Run {
        let tree = TaskTree::new(self.names()).expect("a valid model tree");
        let outcomes = self.outcomes();
        let trace: Arc<Mutex<Vec<Event>, A>, A> = Arc::new(Mutex::new(Vec::new()));
        let stop: Termination<A> = Termination::with_runtime();
        if self.terminate == Terminate::Before {
            stop.terminate();
            trace.lock().push(Event::Terminated);
        }
        let (job_trace, submit_trace) = (trace.clone(), trace.clone());
        let report = future::block_on::<A, _>(async {
            Runner::<A>::with_runtime(&tree)
                .max_workers(self.workers)
                .termination(&stop)
                .spacing(move |name, _| {
                    submit_trace.lock().push(Event::Submit(name.to_owned()));
                    0
                })
                .run_async::<A, _, _, _, _>(
                    move |job| {
                        let trace = job_trace.clone();
                        async move {
                            trace.lock().push(Event::Start(job.name().to_owned()));
                            future::yield_now::<A>().await;
                            trace.lock().push(Event::End(job.name().to_owned()));
                        }
                    },
                    |name, (), _ctl| {
                        let outcome = outcomes[name];
                        trace.lock().push(Event::Complete(name.to_owned(), outcome));
                        outcome
                    },
                )
                .await
        })
        .expect("the model's callbacks do not panic");
        let trace = std::mem::take(&mut *trace.lock());
        Run { trace, report }
    }

    /// A model for a checker: the async run on `A`, every rule asserted.
    pub fn model_async<A: AsyncRuntime + Runtime>(self) -> impl Fn() + Send + Sync + 'static {
        move || {
            let run = self.run_async::<A>();
            if let Err(broken) = self.check(&run) {
                panic!("scheduling rule broken: {broken}\ntrace: {:?}", run.trace);
            }
        }
    }

    /// The jobs an uninterrupted run starts: the oracle for "exactly the reachable jobs".
    pub fn reachable(&self) -> BTreeSet<String> {
        let tree = TaskTree::new(self.names()).expect("a valid model tree");
        let outcomes = self.outcomes();
        let mut started = BTreeSet::new();
        Runner::new(&tree)
            .max_workers(1)
            .run_inline(
                |job| job.name().to_owned(),
                |name, _, _| {
                    started.insert(name.to_owned());
                    outcomes[name]
                },
            )
            .expect("the inline run does not panic");
        started
    }

    /// Check a run against the rules in the module docs; `Err` says which rule broke.
    pub fn check(&self, run: &Run) -> Result<(), String> {
        let names: BTreeSet<String> = self.names().into_iter().collect();
        let mut completed: BTreeMap<&str, Outcome> = BTreeMap::new();
        let mut started: BTreeSet<&str> = BTreeSet::new();
        let mut running = 0usize;
        let mut terminated = false;
        let mut late_submits = 0;
        for event in &run.trace {
            match event {
                Event::Submit(job) if terminated => {
                    late_submits += 1;
                    if late_submits > 1 || self.terminate == Terminate::Before {
                        return Err(format!("{job} was submitted after terminate() returned"));
                    }
                }
                Event::Submit(_) => {}
                Event::Start(job) => {
                    if !started.insert(job) {
                        return Err(format!("{job} started twice"));
                    }
                    running += 1;
                    if running > self.workers {
                        return Err(format!(
                            "{running} jobs ran at once ({} workers)",
                            self.workers
                        ));
                    }
                    check_start(job, &names, &completed)?;
                }
                Event::End(_) => running -= 1,
                Event::Complete(job, outcome) => {
                    completed.insert(job, *outcome);
                }
                Event::Terminated => terminated = true,
            }
        }
        let reachable = self.reachable();
        let any_fail = completed.values().any(|o| o.fail);
        let all_done = reachable.iter().all(|j| completed.contains_key(j.as_str()));
        if run.report.terminated {
            let expected = any_fail || !all_done;
            if run.report.failed != expected {
                return Err(format!(
                    "terminated run: failed = {}, expected {expected}",
                    run.report.failed
                ));
            }
        } else {
            if self.terminate == Terminate::Before {
                return Err("the signal was set before the run but the run did not see it".into());
            }
            let started: BTreeSet<String> = started.iter().map(|s| (*s).to_owned()).collect();
            if started != reachable {
                return Err(format!("started {started:?}, expected {reachable:?}"));
            }
            if run.report.failed != any_fail {
                return Err(format!(
                    "failed = {}, expected {any_fail}",
                    run.report.failed
                ));
            }
        }
        Ok(())
    }

    /// A model for a checker: run on `R` and assert every rule.
    pub fn model<R: Runtime>(self) -> impl Fn() + Send + Sync + 'static {
        move || {
            let run = self.run::<R>();
            if let Err(broken) = self.check(&run) {
                panic!("scheduling rule broken: {broken}\ntrace: {:?}", run.trace);
            }
        }
    }
}

/// Rules 1, 2 and 4 for a job that just started.
fn check_start(
    job: &str,
    names: &BTreeSet<String>,
    completed: &BTreeMap<&str, Outcome>,
) -> Result<(), String> {
    let components: Vec<&str> = job.split('/').collect();
    // Every ancestor job completed, without a skip.
    for depth in 1..components.len() {
        let ancestor = components[..depth].join("/");
        // A listed name ending in the barrier ("c/~") is never run: it blocks nothing.
        if names.contains(&ancestor) && components[depth - 1] != "~" {
            match completed.get(ancestor.as_str()) {
                Some(o) if o.no_skip => {}
                Some(_) => return Err(format!("{job} started inside the skipped {ancestor}")),
                None => return Err(format!("{job} started before its ancestor {ancestor}")),
            }
        }
    }
    // For every barrier on the path: the barrier's node's non-barrier subtree is complete.
    for (at, c) in components.iter().enumerate() {
        if *c != "~" || at + 1 == components.len() {
            continue;
        }
        let node = components[..at].join("/");
        let prefix = if node.is_empty() {
            String::new()
        } else {
            format!("{node}/")
        };
        let barrier = format!("{prefix}~");
        for other in names {
            let inside = other.starts_with(&prefix) && *other != node;
            let behind_this_barrier =
                *other == barrier || other.starts_with(&format!("{barrier}/"));
            if inside && !behind_this_barrier && other.split('/').next_back() != Some("~") {
                match completed.get(other.as_str()) {
                    Some(o) if o.no_skip => {}
                    _ => {
                        return Err(format!(
                            "{job} started before {other} completed (barrier {barrier})"
                        ))
                    }
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use lockstep::sync::Std;

    #[test]
    fn the_oracle_accepts_real_runs() {
        for _ in 0..50 {
            let model = TaskTreeModel::small();
            let run = model.run::<Std>();
            model.check(&run).unwrap();
        }
    }

    #[test]
    fn the_oracle_rejects_a_child_before_its_parent() {
        let model = TaskTreeModel::new(&["a", "a/b"], 1);
        let run = Run {
            trace: vec![Event::Start("a/b".into()), Event::End("a/b".into())],
            report: Report::default(),
        };
        let err = model.check(&run).unwrap_err();
        assert!(err.contains("before its ancestor a"), "{err}");
    }

    #[test]
    fn the_oracle_rejects_an_early_barrier_job() {
        let model = TaskTreeModel::new(&["a", "a/b", "a/~/c"], 2);
        let done = |n: &str| Event::Complete(n.into(), Outcome::DONE);
        let run = Run {
            trace: vec![done("a"), Event::Start("a/~/c".into())],
            report: Report::default(),
        };
        let err = model.check(&run).unwrap_err();
        assert!(err.contains("before a/b completed"), "{err}");
    }

    #[test]
    fn the_oracle_rejects_a_submission_after_termination() {
        let model = TaskTreeModel::new(&["a", "b"], 2).terminating(Terminate::Concurrently);
        let run = Run {
            trace: vec![
                Event::Terminated,
                Event::Submit("a".into()),
                Event::Submit("b".into()),
            ],
            report: Report::default(),
        };
        assert!(model.check(&run).unwrap_err().contains("after terminate"));
    }
}
