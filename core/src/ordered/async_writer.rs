//! The ordered output monitor from async tasks: [`AsyncWriters`] hands out an
//! [`AsyncItemWriter`] per item; a task writes its item's output and awaits
//! [`send`](AsyncItemWriter::send) / [`finish`](AsyncItemWriter::finish) — without ever blocking
//! an executor thread.

use super::ledger::{ItemError, OrderedError};
use super::monitor::OrderedMonitor;
use super::report::Report;
use super::shared::{Shared, TryWrite};
use crate::future::{self, AsyncRuntime, JoinError};
use crate::sync::{Arc, Runtime};
use std::fmt::{self, Display};
use std::future::poll_fn;
use std::io::{self, Write};
use std::marker::PhantomData;
use std::task::Poll;

/// Hands out async writers for the items of one [`OrderedMonitor`]; `A` is the async runtime
/// whose blocking pool runs the blocking steps. Cheap to clone.
///
/// How: every step that only touches the ledger takes its lock briefly and never waits; where a
/// worker thread would wait on the monitor's condvar (its item too far ahead of the head, the
/// byte window full) the task registers its waker instead, and the monitor wakes those wakers
/// wherever it notifies its waiting threads (under the same lock, so no wakeup is lost). The
/// steps that may block — writing to the sink while the item is the head, and completing an item
/// (which may write the buffered output of the items after it) — run on the runtime's blocking
/// pool ([`spawn_blocking`](crate::future::spawn_blocking)). None of those blocking calls waits
/// for another item, so they cannot exhaust the pool waiting on each other, whatever its size.
///
/// ```
/// # #[cfg(feature = "tokio")] {
/// use lockstep::future::{self, Tokio};
/// use lockstep::ordered::{Config, OrderedMonitor};
/// use std::io::Write;
///
/// future::block_on::<Tokio, _>(async {
///     let monitor = OrderedMonitor::new(3, Vec::new(), Config::default());
///     let writers = monitor.async_writers::<Tokio>();
///     let mut tasks = Vec::new();
///     for item in (0..3).rev() {
///         let mut out = writers.item(item).unwrap(); // reserve before wait_async
///         tasks.push(future::spawn::<Tokio, _>(async move {
///             writeln!(out, "response {item}").unwrap(); // held by the writer
///             out.finish().await                         // sent, in item order
///         }));
///     }
///     let (report, out) = monitor.wait_async::<Tokio>().await;
///     for task in tasks {
///         task.await.unwrap().unwrap();
///     }
///     assert!(report.is_success());
///     assert_eq!(out, b"response 0\nresponse 1\nresponse 2\n");
/// });
/// # }
/// ```
///
/// What differs from the thread API: bytes written to an [`AsyncItemWriter`] are held by the
/// writer (the task's memory, outside the byte window) until `send` or `finish`; dropping a
/// writer without `finish` — a task aborted at an await — fails its item like a dropped
/// [`ItemWriter`](super::ItemWriter), and that drop runs on the dropping thread (a short lock,
/// plus the release of later items' output if this item was the head).
pub struct AsyncWriters<W: Write + Send + 'static, R: Runtime, A: AsyncRuntime> {
    shared: Arc<Shared<W, R>, R>,
    runtime: PhantomData<fn() -> A>,
}

impl<W: Write + Send + 'static, R: Runtime> OrderedMonitor<W, R> {
    /// Writers for async tasks, on async runtime `A` (e.g. `lockstep::future::Tokio`).
    pub fn async_writers<A: AsyncRuntime>(&self) -> AsyncWriters<W, R, A> {
        AsyncWriters {
            shared: self.shared().clone(),
            runtime: PhantomData,
        }
    }

    /// [`wait`](Self::wait) for async code: close the monitor to new writers, wait for every
    /// item without blocking an executor thread, then return the report and the flushed sink.
    /// With an item timeout ([`Config::item_timeout`](super::Config::item_timeout)) the wait
    /// itself enforces the timeout, so it then holds one blocking-pool thread until the end.
    ///
    /// # Panics
    /// If the runtime cancels its blocking task (it is shutting down).
    pub async fn wait_async<A: AsyncRuntime>(self) -> (Report, W) {
        let shared = self.shared().clone();
        if shared.config.item_timeout.is_none() {
            let closing = shared.clone();
            let _ = future::spawn_blocking::<A, _, _>(move || closing.close()).await;
            poll_fn(|cx| shared.poll_finished(cx.waker())).await;
        }
        match future::spawn_blocking::<A, _, _>(move || self.wait()).await {
            Ok(done) => done,
            Err(error) => panic!("wait_async: the blocking wait did not run: {error}"),
        }
    }
}

impl<W: Write + Send + 'static, R: Runtime, A: AsyncRuntime> AsyncWriters<W, R, A> {
    /// The writer of `item`, reserved for the caller now (create writers before
    /// [`wait_async`](OrderedMonitor::wait_async) closes the monitor). The item is claimed when
    /// the writer first sends. Errors as [`OrderedMonitor::static_worker`]'s: out of range,
    /// already assigned, or the monitor is closed.
    pub fn item(&self, item: usize) -> Result<AsyncItemWriter<W, R, A>, OrderedError> {
        self.shared.reserve_one(item)?;
        Ok(AsyncItemWriter {
            shared: self.shared.clone(),
            item,
            stage: Stage::Reserved,
            pending: Vec::new(),
            runtime: PhantomData,
        })
    }
}

impl<W: Write + Send + 'static, R: Runtime, A: AsyncRuntime> Clone for AsyncWriters<W, R, A> {
    fn clone(&self) -> Self {
        AsyncWriters {
            shared: self.shared.clone(),
            runtime: PhantomData,
        }
    }
}

impl<W: Write + Send + 'static, R: Runtime, A: AsyncRuntime> fmt::Debug for AsyncWriters<W, R, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncWriters")
            .field("runtime", &A::NAME)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Reserved, not yet claimed.
    Reserved,
    /// Claimed and running.
    Running,
    /// Fail-fast stopped the run before it, or it failed while waiting: it will not run.
    NotRun,
    /// Finished or failed by this writer; its worker is gone.
    Ended,
}

/// One item's output, written from an async task. `write` (and [`std::io::Write`]) holds the
/// bytes; [`send`](Self::send) hands them to the monitor; [`finish`](Self::finish) sends and
/// completes the item. Dropped without `finish` or `fail`, it fails its item.
pub struct AsyncItemWriter<W: Write + Send + 'static, R: Runtime, A: AsyncRuntime> {
    shared: Arc<Shared<W, R>, R>,
    item: usize,
    stage: Stage,
    pending: Vec<u8>,
    runtime: PhantomData<fn() -> A>,
}

fn blocking_failed(error: JoinError) -> io::Error {
    io::Error::other(format!("the blocking write did not run: {error}"))
}

impl<W: Write + Send + 'static, R: Runtime, A: AsyncRuntime> AsyncItemWriter<W, R, A> {
    /// The item this writer belongs to.
    pub fn item(&self) -> usize {
        self.item
    }

    /// Claim the item, waiting (without blocking) while it is too far ahead of the head.
    async fn claim(&mut self) -> io::Result<()> {
        if self.stage == Stage::Reserved {
            let (shared, item) = (&self.shared, self.item);
            let claimed = poll_fn(|cx| shared.poll_claim(item, cx.waker()))
                .await
                .map_err(io::Error::other)?;
            self.stage = if claimed {
                Stage::Running
            } else {
                Stage::NotRun
            };
        }
        match self.stage {
            Stage::Running => Ok(()),
            _ => Err(io::Error::other(ItemError::Failed(
                "the item does not run: it failed or the run stopped before it".to_owned(),
            ))),
        }
    }

    /// Hand the bytes written so far to the monitor: claims the item first (waiting while it is
    /// too far ahead of the head), then writes them straight to the sink on the blocking pool if
    /// the item is the head, or buffers them (waiting, without blocking, while the byte window
    /// is full). `Err` if the item no longer takes output or the sink failed.
    pub async fn send(&mut self) -> io::Result<()> {
        self.claim().await?;
        let bytes = std::mem::take(&mut self.pending);
        let mut at = 0;
        while at < bytes.len() {
            let (shared, item) = (&self.shared, self.item);
            let step = poll_fn(
                |cx| match shared.try_write(item, &bytes[at..], cx.waker()) {
                    TryWrite::Pending => Poll::Pending,
                    step => Poll::Ready(step),
                },
            )
            .await;
            match step {
                TryWrite::Buffered(n) => at += n,
                TryWrite::Sink => return self.stream(bytes, at).await,
                TryWrite::Rejected(error) => return Err(io::Error::other(error)),
                TryWrite::Pending => unreachable!("poll_fn returns only ready steps"),
            }
        }
        Ok(())
    }

    /// The item streams: write `bytes[at..]` to the sink on the blocking pool.
    async fn stream(&self, bytes: Vec<u8>, at: usize) -> io::Result<()> {
        let (shared, item) = (self.shared.clone(), self.item);
        future::spawn_blocking::<A, _, _>(move || {
            let mut rest = &bytes[at..];
            while !rest.is_empty() {
                let n = shared.write(item, rest)?;
                rest = &rest[n..];
            }
            Ok(())
        })
        .await
        .map_err(blocking_failed)?
    }

    /// Send the remaining bytes and complete the item. `Err` if it had already failed (it
    /// timed out, its output could not be written) or fail-fast stopped the run before it.
    pub async fn finish(mut self) -> Result<(), ItemError> {
        if let Err(error) = self.send().await {
            let reason = error.to_string();
            let _ = self.end(Err(reason.clone())).await;
            return Err(ItemError::Failed(reason));
        }
        self.end(Ok(())).await
    }

    /// Fail the item: what was sent is kept, the bytes not yet sent are dropped, and `reason`
    /// (made one line) follows as its error line. An item not yet claimed fails at once,
    /// without waiting for its turn.
    pub async fn fail(mut self, reason: impl Display) {
        let reason = reason.to_string().replace(['\n', '\r'], " ");
        self.pending.clear();
        match self.stage {
            Stage::Reserved => {
                let (shared, item) = (self.shared.clone(), self.item);
                let failed = future::spawn_blocking::<A, _, _>(move || {
                    shared.exit_worker(Some(item), &reason);
                })
                .await;
                if failed.is_ok() {
                    self.stage = Stage::Ended;
                }
            }
            Stage::Running => {
                let _ = self.end(Err(reason)).await;
            }
            Stage::NotRun | Stage::Ended => {}
        }
    }

    /// Complete the item and retire its worker, on the blocking pool (the completion may write
    /// the buffered output of the items after it).
    async fn end(&mut self, outcome: Result<(), String>) -> Result<(), ItemError> {
        if self.stage != Stage::Running {
            return Err(ItemError::Failed("the item does not run".to_owned()));
        }
        let (shared, item) = (self.shared.clone(), self.item);
        let done = future::spawn_blocking::<A, _, _>(move || {
            let result = shared.complete(item, outcome);
            shared.exit_worker(None, "");
            result
        })
        .await;
        match done {
            Ok(result) => {
                self.stage = Stage::Ended;
                result
            }
            // Not run (the runtime is shutting down): the drop fails the item.
            Err(error) => Err(ItemError::Failed(error.to_string())),
        }
    }
}

impl<W: Write + Send + 'static, R: Runtime, A: AsyncRuntime> Write for AsyncItemWriter<W, R, A> {
    /// Hold `buf` until the next [`send`](AsyncItemWriter::send) or
    /// [`finish`](AsyncItemWriter::finish); never blocks.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        Ok(buf.len())
    }
    /// Nothing to do: the bytes are handed over by `send`.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<W: Write + Send + 'static, R: Runtime, A: AsyncRuntime> Drop for AsyncItemWriter<W, R, A> {
    fn drop(&mut self) {
        match self.stage {
            Stage::Ended => {}
            Stage::Reserved => self
                .shared
                .exit_worker(Some(self.item), "not started: its async writer was dropped"),
            Stage::NotRun => self.shared.exit_worker(None, ""),
            Stage::Running => {
                let _ = self.shared.complete(
                    self.item,
                    Err(
                        "its async writer was dropped before finish() (the task was cancelled \
                         or returned early)"
                            .to_owned(),
                    ),
                );
                self.shared.exit_worker(None, "");
            }
        }
    }
}

impl<W: Write + Send + 'static, R: Runtime, A: AsyncRuntime> fmt::Debug
    for AsyncItemWriter<W, R, A>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncItemWriter")
            .field("item", &self.item)
            .field("stage", &self.stage)
            .field("pending_bytes", &self.pending.len())
            .finish_non_exhaustive()
    }
}
