//! The async executor: each job is a future spawned as a task on an
//! [`AsyncRuntime`](crate::future::AsyncRuntime) (tokio in production), driven by the same
//! [`Coordinator`] as the blocking executors. The coordinator itself is the awaiting future.
//!
//! Guarantees: as the blocking driver's — completions collected together are handled in name
//! order on the coordinating task; a panicking job ends the run with an error. Cancellation is
//! real here: a cancelled job's task is aborted at its next await point and counts as
//! [`Outcome::FAIL`]. A termination signal wakes a spacing sleep and a pending wait at once; the
//! run then aborts and awaits every task still in flight before it returns.

use super::coord::{Control, Coordinator, Outcome, Report, Step};
use super::driver::{catch_user, Finished, OnComplete};
use super::error::{RunError, Stage};
use super::sched::Priority;
use super::signal::Termination;
use crate::future::{self, AsyncRuntime, JoinError, JoinHandle, Notify};
use crate::sync::Runtime;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

/// A job as an async job function sees it (owned, so the job's future can be `'static`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AsyncJob {
    name: String,
    submit_count: u64,
}

impl AsyncJob {
    /// The job's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its submission number in this run, from 1.
    pub fn submit_count(&self) -> u64 {
        self.submit_count
    }
}

type InFlight<T, A> = Vec<(u32, JoinHandle<T, A>)>;

/// Resolves when at least one in-flight task finished (moving every finished one to `out`),
/// when `poll` is set, or when the termination notification fires.
struct Completions<'a, T: Send + 'static, A: AsyncRuntime> {
    handles: &'a mut InFlight<T, A>,
    out: &'a mut Vec<(u32, Finished<T>)>,
    poll: bool,
    terminated: Option<Pin<Box<dyn Future<Output = ()> + Send + 'a>>>,
}

impl<T: Send + 'static, A: AsyncRuntime> Future for Completions<'_, T, A> {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let mut i = 0;
        while i < this.handles.len() {
            match Pin::new(&mut this.handles[i].1).poll(cx) {
                Poll::Ready(result) => {
                    let (job, _) = this.handles.swap_remove(i);
                    this.out.push((job, finished(result)));
                }
                Poll::Pending => i += 1,
            }
        }
        if !this.out.is_empty() || this.poll {
            return Poll::Ready(());
        }
        match this.terminated.as_mut() {
            Some(t) => t.as_mut().poll(cx),
            None => Poll::Pending,
        }
    }
}

fn finished<T>(result: Result<T, JoinError>) -> Finished<T> {
    match result {
        Ok(value) => Finished::Value(value),
        Err(JoinError::Panicked(payload)) => {
            Finished::Panicked(crate::sync::thread::panic_message(&*payload).to_owned())
        }
        Err(JoinError::Cancelled) => Finished::Cancelled,
    }
}

/// Run to the end with async jobs on `A`.
pub(crate) async fn drive_async<A, P, F, Fut, T, R>(
    coord: &mut Coordinator<'_, '_, P>,
    job: &F,
    on_complete: &mut OnComplete<'_, T>,
    signal: Option<&Termination<R>>,
) -> Result<Report, RunError>
where
    A: AsyncRuntime,
    P: Priority,
    F: Fn(AsyncJob) -> Fut,
    Fut: Future<Output = T> + Send + 'static,
    T: Send + 'static,
    R: Runtime,
{
    let wake: Arc<Notify<A>> = Arc::new(Notify::new());
    let _subscription = signal.and_then(|s| {
        let wake = wake.clone();
        s.subscribe(Box::new(move || wake.notify_one()))
    });
    let terminated = || signal.is_some_and(Termination::is_terminated);
    let start = A::now();
    let mut handles: InFlight<T, A> = Vec::new();
    let result = async {
        let tree = coord.tree();
        catch_user(coord, Stage::Priority, None, |c| c.start())?;
        let mut batch: Vec<(u32, Finished<T>)> = Vec::new();
        loop {
            let now = A::instant_saturating_sub(A::now(), start).as_nanos() as u64;
            match catch_user(coord, Stage::Spacing, None, |c| c.step(now, terminated()))? {
                Step::Submit {
                    job: j,
                    submit_count,
                } => {
                    let name = tree.name(j as usize).to_owned();
                    let fut = job(AsyncJob { name, submit_count });
                    handles.push((j, future::spawn::<A, _>(fut)));
                }
                Step::Sleep { until_ns } => {
                    let left = Duration::from_nanos(until_ns.saturating_sub(now));
                    space(left, signal, &wake).await;
                }
                Step::Wait { poll } => {
                    collect(&mut handles, &mut batch, poll, signal, &wake).await;
                    handle_batch(coord, &mut batch, &handles, on_complete)?;
                    coord.end_batch();
                }
                Step::Finish => return Ok(coord.report()),
            }
        }
    }
    .await;
    abort_all(handles).await;
    result
}

/// Wait `left` for spacing; with a termination signal, its notification ends the wait early.
async fn space<A: AsyncRuntime, R: Runtime>(
    left: Duration,
    signal: Option<&Termination<R>>,
    wake: &Notify<A>,
) {
    if signal.is_some() {
        let _ = future::timeout::<A, _>(left, wake.notified()).await;
    } else {
        future::sleep::<A>(left).await;
    }
}

/// Move finished tasks to `batch`: wait for at least one unless `poll`, or until the
/// termination signal's notification.
async fn collect<T: Send + 'static, A: AsyncRuntime, R: Runtime>(
    handles: &mut InFlight<T, A>,
    batch: &mut Vec<(u32, Finished<T>)>,
    poll: bool,
    signal: Option<&Termination<R>>,
    wake: &Notify<A>,
) {
    let notified: Option<Pin<Box<dyn Future<Output = ()> + Send + '_>>> =
        signal.map(|_| Box::pin(wake.notified()) as _);
    Completions {
        handles,
        out: batch,
        poll,
        terminated: notified,
    }
    .await;
}

/// Abort every task still in flight, then await each: no task outlives the run.
async fn abort_all<T: Send + 'static, A: AsyncRuntime>(handles: InFlight<T, A>) {
    for (_, handle) in &handles {
        handle.abort();
    }
    for (_, handle) in handles {
        let _ = handle.await;
    }
}

/// Handle one batch of completions in name order; cancellations abort tasks.
fn handle_batch<P: Priority, T: Send + 'static, A: AsyncRuntime>(
    coord: &mut Coordinator<'_, '_, P>,
    batch: &mut Vec<(u32, Finished<T>)>,
    handles: &InFlight<T, A>,
    on_complete: &mut OnComplete<'_, T>,
) -> Result<(), RunError> {
    let tree = coord.tree();
    coord.begin_batch(batch);
    for (job, finished) in batch.drain(..) {
        let name = tree.name(job as usize);
        let outcome = match finished {
            Finished::Value(value) => catch_user(coord, Stage::Completion, Some(job), |c| {
                let (tree, in_flight, cancels) = c.control_parts();
                on_complete(name, value, &mut Control::new(tree, in_flight, cancels))
            })?,
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
            if let Some((_, handle)) = handles.iter().find(|(j, _)| *j == cancel) {
                handle.abort();
            }
        }
        catch_user(coord, Stage::Priority, Some(job), |c| {
            c.complete(job, outcome)
        })?
        .expect("the driver completes only jobs it submitted");
    }
    Ok(())
}
