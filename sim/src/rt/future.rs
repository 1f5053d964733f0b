//! `Sim` as an [`AsyncRuntime`]: a deterministic executor for futures on the simulator.
//!
//! Every task is a simulated thread that polls its future; when the future is pending the task
//! *parks* (a scheduling point) until its waker is called. So tasks interleave at exactly the
//! places threads do, under the same strategies, and DFS explores task orders too. The async
//! mutex, notify and channel are lockstep's [`checked`] primitives, whose every operation is a
//! scheduling point on the primitive (tracked by address for DPOR). `sleep` and `timeout` use
//! virtual time: a pending sleep registers a timer, and when every task waits the clock jumps to
//! it.

use crate::exec::state::{with_exec, Timer, Wait};
use crate::exec::{step, suspend};
use crate::op::{Op, OpKind, ThreadId};
use crate::rt::Sim;
use lockstep::future::checked::SchedulingPoint;
use lockstep::future::{AsyncRuntime, Elapsed, JoinError};
use lockstep::sync::time::LogicalInstant;
use lockstep::sync::Runtime;
use std::future::{poll_fn, Future};
use std::marker::PhantomData;
use std::panic::Location;
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

/// The scheduling point of the checked async primitives under the simulator.
#[derive(Debug, Clone, Copy, Default)]
pub struct SimPoint;

impl SchedulingPoint for SimPoint {
    #[track_caller]
    fn point(object: usize) {
        crate::exec::step_on_address(OpKind::AsyncOp, object);
    }
}

/// Wakes a parked task of the execution it belongs to.
struct TaskWaker {
    thread: ThreadId,
    generation: u64,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref()
    }

    fn wake_by_ref(self: &Arc<Self>) {
        crate::exec::state::EXEC.with(|cell| {
            // A waker kept past its execution (or called re-entrantly) does nothing.
            if let Ok(mut e) = cell.try_borrow_mut() {
                if e.active && e.generation == self.generation && self.thread < e.threads.len() {
                    e.wake_task(self.thread);
                }
            }
        });
    }
}

/// Poll `future` to completion on the current simulated thread, parking while it is pending.
/// `None` if the task was aborted first.
fn drive<F: Future>(future: F, abortable: bool) -> Option<F::Output> {
    let (thread, generation) = with_exec(|e| (e.current, e.generation));
    let waker = Waker::from(Arc::new(TaskWaker { thread, generation }));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        let aborted = with_exec(|e| {
            e.threads[thread].woken = false;
            e.threads[thread].aborted
        });
        if abortable && aborted {
            return None;
        }
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return Some(output);
        }
        let object = with_exec(|e| e.threads[thread].object);
        suspend(
            Op::new(OpKind::Park, Some(object), Location::caller()),
            Wait::Park,
        );
    }
}

/// Handle to a simulated task.
#[derive(Debug)]
pub struct SimTask<T> {
    thread: ThreadId,
    output: PhantomData<fn() -> T>,
}

impl<T: Send + 'static> Future for SimTask<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let thread = self.thread;
        let result = with_exec(|e| {
            e.record(
                crate::access::thread_object(thread),
                crate::access::Role::Read,
            );
            let target = &mut e.threads[thread];
            if !matches!(target.wait, Wait::Finished) {
                target.join_wakers.push(cx.waker().clone());
                return None;
            }
            target.joined = true;
            Some(target.result.take())
        });
        let Some(result) = result else {
            return Poll::Pending;
        };
        Poll::Ready(match result {
            Some(Ok(value)) => match value.downcast::<Option<T>>() {
                Ok(value) => (*value).ok_or(JoinError::Cancelled),
                Err(_) => unreachable!("a task handle's type matches its task's output"),
            },
            Some(Err(payload)) => Err(JoinError::Panicked(payload)),
            None => Err(JoinError::Cancelled),
        })
    }
}

impl AsyncRuntime for Sim {
    const NAME: &'static str = "sim";

    type JoinHandle<T: Send + 'static> = SimTask<T>;

    #[track_caller]
    fn spawn<F>(name: Option<&str>, future: F) -> Self::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let at = Location::caller();
        step(OpKind::Spawn, None);
        let thread = crate::exec::sched::spawn_thread(
            name.map(str::to_owned),
            Box::new(move || Box::new(drive(future, true)) as Box<dyn std::any::Any + Send>),
            at,
        );
        SimTask {
            thread,
            output: PhantomData,
        }
    }

    #[track_caller]
    fn spawn_blocking<F, T>(f: F) -> Self::JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        // A task is a simulated thread: a blocking operation in it blocks only it.
        <Sim as AsyncRuntime>::spawn(Some("blocking"), async move { f() })
    }

    fn abort<T: Send + 'static>(handle: &Self::JoinHandle<T>) {
        with_exec(|e| {
            e.threads[handle.thread].aborted = true;
            e.wake_task(handle.thread);
        });
    }

    async fn yield_now() {
        <Sim as Runtime>::yield_now()
    }

    fn block_on<F: Future>(future: F) -> F::Output {
        drive(future, false).expect("block_on is not abortable")
    }

    lockstep::checked_async_primitives!(SimPoint);

    type Instant = LogicalInstant;

    #[track_caller]
    fn now() -> Self::Instant {
        crate::rt::read_clock()
    }

    fn instant_saturating_sub(later: Self::Instant, earlier: Self::Instant) -> Duration {
        later.saturating_duration_since(earlier)
    }

    #[track_caller]
    fn sleep(duration: Duration) -> impl Future<Output = ()> + Send {
        let at = Location::caller();
        let deadline = crate::rt::deadline_after(duration);
        poll_fn(move |_| until(deadline, at))
    }

    #[track_caller]
    fn timeout<F: Future + Send>(
        duration: Duration,
        future: F,
    ) -> impl Future<Output = Result<F::Output, Elapsed>> + Send {
        let at = Location::caller();
        let deadline = crate::rt::deadline_after(duration);
        async move {
            let mut future = pin!(future);
            poll_fn(move |cx| {
                if let Poll::Ready(output) = future.as_mut().poll(cx) {
                    return Poll::Ready(Ok(output));
                }
                until(deadline, at).map(|()| Err(Elapsed))
            })
            .await
        }
    }
}

/// Ready once the virtual clock reaches `deadline`; until then a timer wakes the current task.
/// `at`: where the timer was made (its clock reads are reported there).
fn until(deadline: LogicalInstant, at: &'static Location<'static>) -> Poll<()> {
    let deadline = deadline.since_start();
    let now = crate::rt::read_clock_at(at).since_start();
    with_exec(|e| {
        if now >= deadline {
            return Poll::Ready(());
        }
        let thread = e.current;
        if !e
            .timers
            .iter()
            .any(|t| t.thread == thread && t.deadline == deadline)
        {
            e.timers.push(Timer { deadline, thread });
        }
        Poll::Pending
    })
}
