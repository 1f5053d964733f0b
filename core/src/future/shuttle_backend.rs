//! `Shuttle` as an [`AsyncRuntime`]: shuttle's executor (`shuttle::future`) with the
//! [checked](super::checked) mutex, notify and channel, and the logical clock.
//!
//! `timeout` under [`Timeouts::Explore`](crate::sync::Timeouts::Explore) spawns a modelled timer
//! task at the first pending poll; shuttle may run it at any point, and if it runs before the
//! future completes the timeout fires (moving the logical clock past the deadline).

use super::checked::{self, SchedulingPoint};
use super::runtime::{AsyncRuntime, Elapsed, JoinError};
use crate::sync::time::LogicalInstant;
use crate::sync::{checker, Shuttle, Timeouts};
use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

/// Shuttle's scheduling point, for the checked primitives.
#[derive(Debug, Clone, Copy, Default)]
pub struct ShuttlePoint;

impl SchedulingPoint for ShuttlePoint {
    fn point(_object: usize) {
        crate::sync::shuttle_backend::scheduling_point()
    }
}

/// A shuttle task handle with lockstep's [`JoinError`].
#[derive(Debug)]
pub struct ShuttleJoinHandle<T>(shuttle::future::JoinHandle<T>);

impl<T> Future for ShuttleJoinHandle<T> {
    type Output = Result<T, JoinError>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0)
            .poll(cx)
            .map(|result| result.map_err(|_| JoinError::Cancelled))
    }
}

/// The modelled timer of one `timeout`: fired by a task shuttle schedules like any other.
#[derive(Default)]
struct Timer {
    fired: AtomicBool,
    waker: std::sync::Mutex<Option<Waker>>,
}

impl AsyncRuntime for Shuttle {
    const NAME: &'static str = "shuttle";

    type JoinHandle<T: Send + 'static> = ShuttleJoinHandle<T>;

    fn spawn<F>(_name: Option<&str>, future: F) -> Self::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        ShuttleJoinHandle(shuttle::future::spawn(future))
    }

    fn abort<T: Send + 'static>(handle: &Self::JoinHandle<T>) {
        handle.0.abort()
    }

    fn spawn_blocking<F, T>(f: F) -> Self::JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        // A shuttle task blocks on shuttle's primitives like a thread: the call blocks only it.
        ShuttleJoinHandle(shuttle::future::spawn(async move { f() }))
    }

    fn yield_now() -> impl Future<Output = ()> + Send {
        shuttle::future::yield_now()
    }

    fn block_on<F: Future>(future: F) -> F::Output {
        shuttle::future::block_on(future)
    }

    crate::checked_async_primitives!(ShuttlePoint);

    type Instant = LogicalInstant;

    fn now() -> Self::Instant {
        checker::now()
    }

    fn instant_saturating_sub(later: Self::Instant, earlier: Self::Instant) -> Duration {
        later.saturating_duration_since(earlier)
    }

    fn sleep(duration: Duration) -> impl Future<Output = ()> + Send {
        let deadline = checker::now().saturating_add(duration);
        async move {
            checker::advance_to(deadline);
            shuttle::future::yield_now().await;
        }
    }

    fn timeout<F: Future + Send>(
        duration: Duration,
        future: F,
    ) -> impl Future<Output = Result<F::Output, Elapsed>> + Send {
        let deadline = checker::now().saturating_add(duration);
        let explore = checker::timeouts() == Timeouts::Explore;
        async move {
            let mut future = pin!(future);
            let mut timer: Option<Arc<Timer>> = None;
            poll_fn(move |cx| {
                if let Poll::Ready(output) = future.as_mut().poll(cx) {
                    return Poll::Ready(Ok(output));
                }
                if !explore {
                    return Poll::Pending;
                }
                let timer = timer.get_or_insert_with(|| {
                    let timer = Arc::new(Timer::default());
                    let fire = timer.clone();
                    drop(shuttle::future::spawn(async move {
                        fire.fired.store(true, Ordering::SeqCst);
                        if let Some(waker) = checked::lock(&fire.waker).take() {
                            waker.wake();
                        }
                    }));
                    timer
                });
                if timer.fired.load(Ordering::SeqCst) {
                    checker::advance_to(deadline);
                    return Poll::Ready(Err(Elapsed));
                }
                *checked::lock(&timer.waker) = Some(cx.waker().clone());
                Poll::Pending
            })
            .await
        }
    }
}

#[cfg(test)]
mod tests {
    //! The async facade on shuttle needs no tokio: this module is compiled and run by
    //! `cargo test -p lockstep-core --no-default-features --features shuttle` too.
    use crate::check::shuttle::check_random;
    use crate::future::{self, mpsc, Mutex};
    use crate::sync::Shuttle;
    use std::sync::Arc;

    #[test]
    fn mutex_and_channel_run_on_shuttle_without_tokio() {
        check_random(
            || {
                future::block_on::<Shuttle, _>(async {
                    let total: Arc<Mutex<u32, Shuttle>> = Arc::new(Mutex::new(0));
                    let (tx, mut rx) = mpsc::channel::<u32, Shuttle>(1);
                    let sum = total.clone();
                    let consumer = future::spawn::<Shuttle, _>(async move {
                        while let Some(v) = rx.recv().await {
                            *sum.lock().await += v;
                        }
                    });
                    for v in 1..=3 {
                        tx.send(v).await.unwrap();
                    }
                    drop(tx);
                    consumer.await.unwrap();
                    assert_eq!(*total.lock().await, 6);
                })
            },
            50,
        );
    }
}
