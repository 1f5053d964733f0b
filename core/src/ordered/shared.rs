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

use super::config::Config;
use super::ledger::{Batch, Chunk, ItemError, Ledger};
use super::report::Report;
use crate::sync::atomic::{AtomicUsize, Ordering};
use crate::sync::time::Instant;
use crate::sync::{Condvar, Mutex, MutexGuard, Runtime};
use std::io::{self, Write};

/// `streaming` when no item streams.
const NONE: usize = usize::MAX;

pub(crate) type Stamp<R> = Option<Instant<R>>;
pub(crate) type State<R> = Ledger<Stamp<R>>;

pub(crate) struct SinkSlot<W> {
    pub(crate) out: Option<W>,
    at_line_start: bool,
    bytes_written: u64,
    error: Option<String>,
}

pub(crate) struct Shared<W: Write + Send, R: Runtime> {
    pub(crate) state: Mutex<State<R>, R>,
    pub(crate) changed: Condvar<R>,
    pub(crate) sink: Mutex<SinkSlot<W>, R>,
    /// Mirror of `SinkState::Streaming(item)`, stored under the ledger lock, read under the sink
    /// lock by the fast write path.
    streaming: AtomicUsize<R>,
    pub(crate) config: Config,
}

impl<W: Write + Send, R: Runtime> Shared<W, R> {
    pub(crate) fn new(items: usize, sink: W, config: Config) -> Self {
        Self {
            state: Mutex::new(Ledger::new(items, config.window(), config.fail_fast)),
            changed: Condvar::new(),
            sink: Mutex::new(SinkSlot {
                out: Some(sink),
                at_line_start: true,
                bytes_written: 0,
                error: None,
            }),
            streaming: AtomicUsize::new(NONE),
            config,
        }
    }

    pub(crate) fn now(&self) -> Stamp<R> {
        self.config.item_timeout.map(|_| Instant::now())
    }

    fn publish(&self, state: &State<R>) {
        let value = state.streaming().unwrap_or(NONE);
        if self.streaming.load(Ordering::Relaxed) != value {
            self.streaming.store(value, Ordering::Release);
        }
    }

    /// After any change to the ledger: start a release if the head is complete, publish who
    /// streams, wake waiters, and write the released output (outside the ledger lock).
    pub(crate) fn settle(&self, mut state: MutexGuard<'_, State<R>, R>) {
        let batch = state.start_release();
        self.publish(&state);
        drop(state);
        self.changed.notify_all();
        if let Some(batch) = batch {
            self.release(batch);
        }
    }

    /// The releaser's loop: write a batch, then ask the ledger for the next, until none is left.
    fn release(&self, mut batch: Batch) {
        loop {
            self.write_batch(batch.chunks);
            let mut state = self.state.lock();
            let next = state.end_release(batch.bytes);
            self.publish(&state);
            drop(state);
            self.changed.notify_all();
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
                Chunk::Bytes(bytes) => {
                    let _ = sink.write(&bytes);
                }
                Chunk::Error { item, reason } => {
                    let mut line = String::new();
                    if !sink.at_line_start {
                        line.push('\n');
                    }
                    line.push_str(&(self.config.error_line)(item, &reason));
                    line.push('\n');
                    let _ = sink.write(line.as_bytes());
                }
            }
        }
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
                    return sink.write(bytes).map(|()| bytes.len());
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
                    super::ledger::WriteTo::Wait => state = self.changed.wait(state),
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
            if let Some(out) = sink.out.as_mut() {
                return out.flush();
            }
        }
        Ok(())
    }

    /// `item` ended: `Ok(())` or failed with a reason. Late completion of a timed-out item turns
    /// into its timeout failure.
    pub(crate) fn complete(&self, item: usize, outcome: Result<(), String>) -> Result<(), ItemError> {
        let mut state = self.state.lock();
        let outcome = match (outcome, self.config.item_timeout, state.started(item)) {
            (Ok(()), Some(timeout), Some(Some(started))) if started.elapsed() > timeout => {
                Err(timed_out(timeout))
            }
            (outcome, ..) => outcome,
        };
        let result = state.complete(item, outcome);
        self.settle(state);
        result
    }

    /// The run's report, from the ledger and the sink.
    pub(crate) fn report(&self, state: &State<R>) -> Report {
        let sink = self.sink.lock();
        Report {
            items: state.items(),
            completed: state.completed(),
            failed: state.failures().to_vec(),
            skipped: state.skipped(),
            bytes_written: sink.bytes_written,
            peak_buffered_bytes: state.peak_buffered(),
            sink_error: sink.error.clone(),
        }
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
                        state = self.changed.wait_timeout(state, timeout - ran).0;
                    }
                }
                _ => state = self.changed.wait(state),
            }
        }
        let report = self.report(&state);
        drop(state);
        report
    }

    pub(crate) fn take_sink(&self) -> W {
        let mut sink = self.sink.lock();
        let mut out = sink.out.take().expect("the sink is taken once, by wait()");
        if let Err(e) = out.flush() {
            sink.error.get_or_insert(e.to_string());
        }
        out
    }
}

fn timed_out(timeout: std::time::Duration) -> String {
    format!("timed out after {timeout:?}")
}

impl<W: Write> SinkSlot<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        let Some(out) = self.out.as_mut() else {
            return Err(io::Error::other("the sink was already returned by wait()"));
        };
        match out.write_all(bytes) {
            Ok(()) => {
                self.bytes_written += bytes.len() as u64;
                if let Some(&last) = bytes.last() {
                    self.at_line_start = last == b'\n';
                }
                Ok(())
            }
            Err(e) => {
                self.error.get_or_insert_with(|| e.to_string());
                Err(e)
            }
        }
    }
}
