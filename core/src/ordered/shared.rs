//! The thin concurrent shell around the [`Ledger`]: one facade `Mutex` for the ledger, one
//! `Condvar` for every wait, and one `Mutex` for the sink. No polling anywhere: every wait is a
//! condvar wait that some state change notifies.
//!
//! Why it cannot interleave or reorder output: a byte reaches the sink only (a) from the owner
//! of the streaming head, which checks `streaming == item` *while holding the sink lock*, or
//! (b) from the single releaser, which took the batch under the ledger lock and cleared
//! `streaming` before taking the sink lock. The ledger hands the sink to exactly one of them at
//! a time (`SinkState`), so writes happen in the ledger's order.
//!
//! Why it cannot deadlock: no thread holds the ledger lock while it takes the sink lock or does
//! I/O, waits are only for the head to advance, and the ledger never makes the head wait.
//!
//! Why a misbehaving sink cannot hang the run: every call into the sink (and into the
//! user's error-line function) is made through [`SinkSlot`], which catches a panic and turns it
//! into an `io::Error`, so the releaser always gets back to the ledger to end its release. A
//! sink that panicked is never called again (its state is unknown, as with a poisoned lock).
//! Every item some of whose bytes did not reach the sink is recorded and reported failed.

use super::config::{default_error_line, Config};
use super::ledger::{Batch, Chunk, Claim, ItemError, ItemFailure, Ledger, OrderedError, WriteTo};
use super::report::Report;
use crate::sync::atomic::{AtomicUsize, Ordering};
use crate::sync::thread::panic_message;
use crate::sync::time::Instant;
use crate::sync::{Condvar, Mutex, MutexGuard, Runtime};
use std::io::{self, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::task::{Poll, Waker};
use std::time::Duration;

/// `streaming` when no item streams.
const NONE: usize = usize::MAX;

pub(crate) type Stamp<R> = Option<Instant<R>>;

/// The ledger plus the number of threads waiting on `changed`. Notifying is a system call on
/// std even with nobody waiting, so the shell notifies only when someone waits; a waiter counts
/// itself under the same lock before it waits, so no wakeup can be lost.
pub(crate) struct State<R: Runtime> {
    ledger: Ledger<Stamp<R>>,
    /// Threads waiting on `changed` (workers waiting for the window).
    waiters: usize,
    /// The head `wait()` last saw and whether it was running, if it waits on `settled`.
    waiting_for_end: Option<(usize, bool)>,
    /// Async tasks waiting for any change (window space, the run's end): woken, and dropped,
    /// wherever the thread waiters are notified. Registered under the lock after the task saw
    /// its condition false, so no wakeup is lost.
    wakers: Vec<Waker>,
}

impl<R: Runtime> std::ops::Deref for State<R> {
    type Target = Ledger<Stamp<R>>;
    fn deref(&self) -> &Self::Target {
        &self.ledger
    }
}

impl<R: Runtime> std::ops::DerefMut for State<R> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.ledger
    }
}

type Guard<'a, R> = MutexGuard<'a, State<R>, R>;

pub(crate) struct SinkSlot<W> {
    pub(crate) out: Option<W>,
    at_line_start: bool,
    bytes_written: u64,
    error: Option<String>,
    /// The sink panicked (with this message): it is not called again.
    panicked: Option<String>,
    /// Items some of whose bytes did not reach the sink, with the first error, in item order
    /// (writes reach the sink in item order).
    lost: Vec<ItemFailure>,
}

pub(crate) struct Shared<W: Write + Send, R: Runtime> {
    pub(crate) state: Mutex<State<R>, R>,
    pub(crate) changed: Condvar<R>,
    /// Where `wait()` sleeps: notified when the run finishes (or, with a timeout, when the head
    /// moves), not on every change, so it costs the workers nothing.
    settled: Condvar<R>,
    pub(crate) sink: Mutex<SinkSlot<W>, R>,
    /// Mirror of `SinkState::Streaming(item)`, stored under the ledger lock, read under the sink
    /// lock by the fast write path.
    streaming: AtomicUsize<R>,
    pub(crate) config: Config,
}

impl<W: Write + Send, R: Runtime> Shared<W, R> {
    pub(crate) fn new(items: usize, sink: W, config: Config) -> Self {
        Self {
            state: Mutex::new(State {
                ledger: Ledger::new(items, config.window(), config.fail_fast),
                waiters: 0,
                waiting_for_end: None,
                wakers: Vec::new(),
            }),
            changed: Condvar::new(),
            settled: Condvar::new(),
            sink: Mutex::new(SinkSlot {
                out: Some(sink),
                at_line_start: true,
                bytes_written: 0,
                error: None,
                panicked: None,
                lost: Vec::new(),
            }),
            streaming: AtomicUsize::new(NONE),
            config,
        }
    }

    pub(crate) fn now(&self) -> Stamp<R> {
        self.config.item_timeout.map(|_| Instant::now())
    }

    /// Wait on `changed` (the caller re-checks its condition).
    pub(crate) fn wait<'a>(&self, mut state: Guard<'a, R>) -> Guard<'a, R> {
        state.waiters += 1;
        let mut state = self.changed.wait(state);
        state.waiters -= 1;
        state
    }

    /// `wait()`'s sleep until the run settles (or `timeout`, if given).
    fn wait_settled<'a>(&self, mut state: Guard<'a, R>, timeout: Option<Duration>) -> Guard<'a, R> {
        state.waiting_for_end = Some(head_seen(&state));
        let mut state = match timeout {
            Some(timeout) => self.settled.wait_timeout(state, timeout).0,
            None => self.settled.wait(state),
        };
        state.waiting_for_end = None;
        state
    }

    /// Release the lock and wake whoever waits for what may have changed.
    fn unlock_and_notify(&self, mut state: Guard<'_, R>) {
        let tasks = std::mem::take(&mut state.wakers);
        let workers = state.waiters > 0;
        let end = state.waiting_for_end.is_some_and(|seen| {
            // With a timeout, wait() also tracks the head's deadline: wake it when the head
            // moves or starts running.
            state.is_finished() || (self.config.item_timeout.is_some() && seen != head_seen(&state))
        });
        drop(state);
        if workers {
            self.changed.notify_all();
        }
        if end {
            self.settled.notify_all();
        }
        tasks.into_iter().for_each(Waker::wake);
    }

    fn publish(&self, state: &State<R>) {
        let value = state.streaming().unwrap_or(NONE);
        if self.streaming.load(Ordering::Relaxed) != value {
            self.streaming.store(value, Ordering::Release);
        }
    }

    /// After any change to the ledger: start a release if the head is complete, publish who
    /// streams, wake waiters, and write the released output (outside the ledger lock).
    pub(crate) fn settle(&self, mut state: Guard<'_, R>) {
        let batch = state.start_release();
        self.hand_over(state, batch);
    }

    /// Publish who streams, unlock, wake waiters, and write `batch` if this thread releases.
    pub(crate) fn hand_over(&self, state: Guard<'_, R>, batch: Option<Batch>) {
        self.publish(&state);
        match batch {
            None => self.unlock_and_notify(state),
            Some(batch) => {
                // The released output goes first: waking the waiters costs a system call, and
                // the release loop wakes them right after this batch is written.
                drop(state);
                self.release(batch);
            }
        }
    }

    /// Wake the other waiters (this thread may have changed the ledger), then wait.
    pub(crate) fn wait_announcing<'a>(&self, mut state: Guard<'a, R>) -> Guard<'a, R> {
        self.publish(&state);
        if state.waiters > 0 {
            self.changed.notify_all();
        }
        std::mem::take(&mut state.wakers)
            .into_iter()
            .for_each(Waker::wake);
        self.wait(state)
    }

    /// The releaser's loop: write a batch, then ask the ledger for the next, until none is left.
    fn release(&self, mut batch: Batch) {
        loop {
            self.write_batch(batch.chunks);
            let mut state = self.state.lock();
            let next = state.end_release(batch.bytes);
            self.publish(&state);
            self.unlock_and_notify(state);
            match next {
                Some(more) => batch = more,
                None => return,
            }
        }
    }

    fn write_batch(&self, chunks: Vec<Chunk>) {
        if chunks.is_empty() {
            return;
        }
        let mut sink = self.sink.lock();
        for chunk in chunks {
            match chunk {
                Chunk::Bytes { item, bytes } => {
                    let _ = sink.write(item, &bytes);
                }
                Chunk::Error { item, reason } => {
                    let mut line = String::new();
                    if !sink.at_line_start {
                        line.push('\n');
                    }
                    line.push_str(&self.error_line(item, &reason));
                    line.push('\n');
                    let _ = sink.write(item, line.as_bytes());
                }
            }
        }
    }

    /// The configured error line; the default one if the configured function panics (it runs
    /// on the releaser, which must get back to the ledger).
    fn error_line(&self, item: usize, reason: &str) -> String {
        let render = self.config.error_line;
        catch_unwind(|| render(item, reason)).unwrap_or_else(|_| default_error_line(item, reason))
    }

    /// Write `bytes` for `item`: to the sink if it streams, else into its buffer (waiting while
    /// the byte window is full).
    pub(crate) fn write(&self, item: usize, bytes: &[u8]) -> io::Result<usize> {
        if bytes.is_empty() {
            return Ok(0);
        }
        loop {
            if self.streaming.load(Ordering::Acquire) == item {
                let mut sink = self.sink.lock();
                // Re-checked under the sink lock: a releaser that took the sink from this item
                // cleared the flag before it took the lock.
                if self.streaming.load(Ordering::Acquire) == item {
                    return sink.write(item, bytes).map(|()| bytes.len());
                }
            }
            let mut state = self.state.lock();
            loop {
                match state.write(item, bytes) {
                    super::ledger::WriteTo::Sink => {
                        self.publish(&state);
                        break;
                    }
                    super::ledger::WriteTo::Buffered(n) => return Ok(n),
                    super::ledger::WriteTo::Wait => state = self.wait(state),
                    super::ledger::WriteTo::Rejected(why) => {
                        return Err(io::Error::other(why));
                    }
                }
            }
        }
    }

    /// Flush the sink if `item` streams (its bytes are then at the sink's mercy, not ours).
    pub(crate) fn flush(&self, item: usize) -> io::Result<()> {
        if self.streaming.load(Ordering::Acquire) == item {
            let mut sink = self.sink.lock();
            return sink.call(W::flush).inspect_err(|e| sink.lose(item, e));
        }
        Ok(())
    }

    /// `item` ended: `Ok(())` or failed with a reason. Late completion of a timed-out item turns
    /// into its timeout failure.
    pub(crate) fn complete(
        &self,
        item: usize,
        outcome: Result<(), String>,
    ) -> Result<(), ItemError> {
        let mut state = self.state.lock();
        let result = self.complete_locked(&mut state, item, outcome);
        self.settle(state);
        result
    }

    /// [`Self::complete`] with the lock held; the caller settles.
    pub(crate) fn complete_locked(
        &self,
        state: &mut State<R>,
        item: usize,
        outcome: Result<(), String>,
    ) -> Result<(), ItemError> {
        let outcome = match (outcome, self.config.item_timeout, state.started(item)) {
            (Ok(()), Some(timeout), Some(Some(started))) if started.elapsed() > timeout => {
                Err(timed_out(timeout))
            }
            (outcome, ..) => outcome,
        };
        state.complete(item, outcome)
    }

    /// The run's report, from the ledger and the sink.
    pub(crate) fn report(&self, state: &State<R>) -> Report {
        let sink = self.sink.lock();
        let mut report = Report {
            items: state.items(),
            completed: state.completed(),
            failed: state.failures().to_vec(),
            skipped: state.skipped(),
            bytes_written: sink.bytes_written,
            peak_buffered_bytes: state.peak_buffered(),
            sink_error: sink.error.clone(),
        };
        // Skipped items are the tail and never reach the sink; every other item that is not a
        // failure was counted completed by the ledger.
        let unskipped = report.items - report.skipped;
        for lost in sink.lost.iter().filter(|lost| lost.item < unskipped) {
            if let Err(at) = report.failed.binary_search_by_key(&lost.item, |f| f.item) {
                report.completed -= 1;
                let reason = format!("its output could not be written: {}", lost.reason);
                report.failed.insert(at, ItemFailure { reason, ..*lost });
            }
        }
        report
    }

    /// Block until every item is released, failing a head that overruns its timeout.
    pub(crate) fn wait_finished(&self) -> Report {
        let mut state = self.state.lock();
        state.close();
        self.settle(state);
        state = self.state.lock();
        loop {
            if state.is_finished() {
                break;
            }
            match (self.config.item_timeout, state.running_head()) {
                (Some(timeout), Some((item, Some(started)))) => {
                    let ran = started.elapsed();
                    if ran >= timeout {
                        state.expire(item, timed_out(timeout));
                        self.settle(state);
                        state = self.state.lock();
                    } else {
                        state = self.wait_settled(state, Some(timeout - ran));
                    }
                }
                _ => state = self.wait_settled(state, None),
            }
        }
        let report = self.report(&state);
        drop(state);
        report
    }

    /// The sink, flushed (unless it panicked), and the flush's error.
    pub(crate) fn take_sink(&self) -> (W, Option<String>) {
        let mut sink = self.sink.lock();
        let flushed = if sink.panicked.is_some() {
            Ok(())
        } else {
            sink.call(W::flush)
        };
        let out = sink.out.take().expect("the sink is taken once, by wait()");
        (out, flushed.err().map(|e| e.to_string()))
    }
}

/// An async writer's attempt to write without waiting.
pub(crate) enum TryWrite {
    /// The item streams: write to the sink (a blocking call: off the async threads).
    Sink,
    /// This many leading bytes were buffered.
    Buffered(usize),
    /// The byte window is full; the task's waker is registered.
    Pending,
    /// The item no longer takes output.
    Rejected(ItemError),
}

/// The non-blocking steps of the async writer ([`super::AsyncItemWriter`]): each takes the
/// ledger lock briefly and never waits; where the thread version would wait on `changed`, the
/// task's waker is registered instead (and the caller returns `Pending`).
impl<W: Write + Send, R: Runtime> Shared<W, R> {
    fn park(state: &mut State<R>, waker: &Waker) {
        if !state.wakers.iter().any(|w| w.will_wake(waker)) {
            state.wakers.push(waker.clone());
        }
    }

    /// Reserve `item` for a new (async) worker, as `static_worker(vec![item])` does.
    pub(crate) fn reserve_one(&self, item: usize) -> Result<(), OrderedError> {
        let mut state = self.state.lock();
        state.reserve(&[item])?;
        state.register_worker()
    }

    /// Claim reserved `item`: `Ready(Ok(true))` claimed, `Ready(Ok(false))` it will not run
    /// (fail-fast stopped the run, or it failed already), `Pending` while it is too far ahead.
    pub(crate) fn poll_claim(
        &self,
        item: usize,
        waker: &Waker,
    ) -> Poll<Result<bool, OrderedError>> {
        let mut state = self.state.lock();
        match state.claim(item, self.now()) {
            Ok(Claim::Wait) => {
                Self::park(&mut state, waker);
                Poll::Pending
            }
            Ok(claim) => {
                self.settle(state);
                Poll::Ready(Ok(claim == Claim::Item(item)))
            }
            Err(error) => Poll::Ready(Err(error)),
        }
    }

    /// Write what can be written of `bytes` without waiting (see [`TryWrite`]).
    pub(crate) fn try_write(&self, item: usize, bytes: &[u8], waker: &Waker) -> TryWrite {
        let mut state = self.state.lock();
        match state.write(item, bytes) {
            WriteTo::Sink => {
                self.publish(&state);
                TryWrite::Sink
            }
            WriteTo::Buffered(n) => TryWrite::Buffered(n),
            WriteTo::Wait => {
                Self::park(&mut state, waker);
                TryWrite::Pending
            }
            WriteTo::Rejected(error) => TryWrite::Rejected(error),
        }
    }

    /// `Ready` once every item is released (the async `wait()`, without item timeouts).
    pub(crate) fn poll_finished(&self, waker: &Waker) -> Poll<()> {
        let mut state = self.state.lock();
        if state.is_finished() {
            return Poll::Ready(());
        }
        Self::park(&mut state, waker);
        Poll::Pending
    }

    /// An async worker is done: its item (if unstarted) fails with `reason`.
    pub(crate) fn exit_worker(&self, unstarted: Option<usize>, reason: &str) {
        let mut state = self.state.lock();
        state.worker_exited(unstarted.as_slice(), reason);
        self.settle(state);
    }

    /// No more workers will join (`wait()`'s first step).
    pub(crate) fn close(&self) {
        let mut state = self.state.lock();
        state.close();
        self.settle(state);
    }
}

fn head_seen<R: Runtime>(state: &State<R>) -> (usize, bool) {
    (state.head(), state.running_head().is_some())
}

fn timed_out(timeout: Duration) -> String {
    format!("timed out after {timeout:?}")
}

impl<W: Write> SinkSlot<W> {
    /// Write all of `bytes` of `item`; on failure the item's output is recorded as lost.
    fn write(&mut self, item: usize, bytes: &[u8]) -> io::Result<()> {
        match self.call(|out| out.write_all(bytes)) {
            Ok(()) => {
                self.bytes_written += bytes.len() as u64;
                if let Some(&last) = bytes.last() {
                    self.at_line_start = last == b'\n';
                }
                Ok(())
            }
            Err(e) => {
                self.lose(item, &e);
                Err(e)
            }
        }
    }

    /// Call into the sink: the first error is kept for the report, and a panic becomes an
    /// error (after which the sink is not called again).
    fn call<T>(&mut self, op: impl FnOnce(&mut W) -> io::Result<T>) -> io::Result<T> {
        if let Some(message) = &self.panicked {
            return Err(io::Error::other(sink_panicked(message)));
        }
        let Some(out) = self.out.as_mut() else {
            return Err(io::Error::other("the sink was already returned by wait()"));
        };
        let result = match catch_unwind(AssertUnwindSafe(|| op(out))) {
            Ok(result) => result,
            Err(payload) => {
                let message = panic_message(&*payload).to_owned();
                let error = io::Error::other(sink_panicked(&message));
                self.panicked = Some(message);
                Err(error)
            }
        };
        if let Err(e) = &result {
            self.error.get_or_insert_with(|| e.to_string());
        }
        result
    }

    /// Record that some of `item`'s bytes did not reach the sink (the first error only).
    fn lose(&mut self, item: usize, error: &io::Error) {
        if self.lost.last().is_none_or(|lost| lost.item != item) {
            self.lost.push(ItemFailure {
                item,
                reason: error.to_string(),
            });
        }
    }
}

fn sink_panicked(message: &str) -> String {
    format!("the sink panicked: {message}")
}
