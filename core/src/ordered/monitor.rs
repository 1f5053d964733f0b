//! The public face: [`OrderedMonitor`], its [`Worker`]s and their per-item [`ItemWriter`]s,
//! plus [`OrderedMonitor::run`], which starts the worker threads for you.
//!
//! Guarantees: output reaches the sink in item order, each item's bytes contiguous; the head
//! item's bytes stream straight through; a writer dropped without [`ItemWriter::finish`] fails its
//! item (a one-line error is written in its place); a worker that goes away fails its unstarted
//! static items; [`OrderedMonitor::wait`] returns even if every worker died or the sink
//! panicked (the items whose output was lost are then reported failed).

use super::assign::{Assignment, MAX_WORKERS};
use super::config::Config;
use super::ledger::{Claim, ItemError, OrderedError};
use super::logs;
use super::report::Report;
use super::shared::Shared;
use crate::sync::thread::{self, panic_message};
use crate::sync::{Arc, Runtime, Std};
use std::collections::VecDeque;
use std::fmt::{self, Display};
use std::io::{self, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Runs items `0..items` on parallel workers and writes their output to one sink in item order.
///
/// ```
/// use lockstep::ordered::{Assignment, Config, OrderedMonitor};
/// use std::io::Write;
///
/// let monitor = OrderedMonitor::new(5, Vec::new(), Config::default());
/// let (report, out) = monitor
///     .run(Assignment::dynamic(3), |item, out| writeln!(out, "item {item}"))
///     .unwrap();
/// assert!(report.is_success());
/// assert_eq!(String::from_utf8(out).unwrap(), "item 0\nitem 1\nitem 2\nitem 3\nitem 4\n");
/// ```
pub struct OrderedMonitor<W: Write + Send + 'static, R: Runtime = Std> {
    shared: Arc<Shared<W, R>, R>,
}

impl<W: Write + Send + 'static> OrderedMonitor<W, Std> {
    /// A monitor for `items` items writing to `sink`, on std threads.
    pub fn new(items: usize, sink: W, config: Config) -> Self {
        Self::with_runtime(items, sink, config)
    }
}

impl<W: Write + Send + 'static, R: Runtime> OrderedMonitor<W, R> {
    /// A monitor on runtime `R` (for generic code and checkers).
    pub fn with_runtime(items: usize, sink: W, config: Config) -> Self {
        Self {
            shared: Arc::new(Shared::new(items, sink, config)),
        }
    }

    /// The shared state (for the async writers).
    pub(super) fn shared(&self) -> &Arc<Shared<W, R>, R> {
        &self.shared
    }

    /// A worker that takes the lowest unclaimed item each time (dynamic assignment).
    pub fn worker(&self) -> Result<Worker<W, R>, OrderedError> {
        self.shared.state.lock().register_worker()?;
        Ok(Worker {
            shared: self.shared.clone(),
            queue: None,
            started: true,
        })
    }

    /// A worker that runs exactly `items` (strictly increasing), in order (static assignment).
    pub fn static_worker(&self, items: Vec<usize>) -> Result<Worker<W, R>, OrderedError> {
        let mut state = self.shared.state.lock();
        state.reserve(&items)?;
        state.register_worker()?;
        drop(state);
        Ok(Worker {
            shared: self.shared.clone(),
            queue: Some(items.into()),
            started: true,
        })
    }

    /// Close the monitor to new workers and block until every item has been released (run,
    /// failed, or skipped by fail-fast); then return the report and the sink, flushed. Items no
    /// worker is left to run fail, so this returns even if every worker died.
    pub fn wait(self) -> (Report, W) {
        let mut report = self.shared.wait_finished();
        let (sink, flush_error) = self.shared.take_sink();
        if report.sink_error.is_none() {
            report.sink_error = flush_error;
        }
        (report, sink)
    }

    /// Start the worker threads of `assignment`, run `work(item, writer)` for each item, and
    /// [`wait`](Self::wait). `Ok` finishes the item; `Err(e)` fails it with `e`'s message; a
    /// panic fails it with the panic message and ends that worker (its unstarted static items
    /// fail). Worker threads are joined before returning, unless an item timeout is set (a
    /// worker stuck past its timeout is then left behind rather than waited for).
    ///
    /// Threads: one per dynamic worker but never more than there are items, one per non-empty
    /// static list; more than [`MAX_WORKERS`] workers or lists is an
    /// [`OrderedError::TooManyWorkers`]. If the OS refuses to start any thread this is an
    /// [`OrderedError::Spawn`] and no item has run (the sink is dropped). If it refuses only
    /// some, the run goes on with the threads it has: dynamic items are shared by them, and the
    /// items of a static list whose thread could not start fail ("its worker thread could not
    /// be started").
    pub fn run<F, E>(self, assignment: Assignment, work: F) -> Result<(Report, W), OrderedError>
    where
        F: Fn(usize, &mut ItemWriter<'_, W, R>) -> Result<(), E> + Send + Sync + 'static,
        E: Display,
    {
        let workers = self.workers_for(assignment)?;
        let work: Arc<F, R> = Arc::new(work);
        let mut handles = Vec::with_capacity(workers.len());
        let mut refused = None;
        for (k, mut worker) in workers.into_iter().enumerate() {
            let work = work.clone();
            // Dropped unrun if the thread cannot start: its drop then fails its static items.
            worker.started = false;
            let spawned = thread::Builder::<R>::new()
                .name(format!("ordered-worker-{k}"))
                .try_spawn(move || {
                    worker.started = true;
                    worker.run(&*work)
                });
            match spawned {
                Ok(handle) => handles.push(handle),
                Err(err) => refused = refused.or(Some(err)),
            }
        }
        if let (true, Some(err)) = (handles.is_empty(), refused) {
            return Err(OrderedError::Spawn {
                reason: err.to_string(),
            });
        }
        let detach = self.shared.config.item_timeout.is_some();
        let result = self.wait();
        if !detach {
            for handle in handles {
                let _ = handle.join();
            }
        }
        Ok(result)
    }

    /// The workers `run` starts threads for (see its docs for the bounds).
    fn workers_for(&self, assignment: Assignment) -> Result<Vec<Worker<W, R>>, OrderedError> {
        let too_many = |workers| OrderedError::TooManyWorkers {
            workers,
            max: MAX_WORKERS,
        };
        match assignment {
            Assignment::Dynamic { workers } if workers > MAX_WORKERS => Err(too_many(workers)),
            Assignment::Dynamic { workers } => {
                let items = self.shared.state.lock().items();
                (0..workers.min(items)).map(|_| self.worker()).collect()
            }
            Assignment::Static(lists) if lists.len() > MAX_WORKERS => Err(too_many(lists.len())),
            Assignment::Static(lists) => lists
                .into_iter()
                .filter(|list| !list.is_empty())
                .map(|list| self.static_worker(list))
                .collect(),
        }
    }
}

impl<W: Write + Send + 'static, R: Runtime> fmt::Debug for OrderedMonitor<W, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.state.lock();
        f.debug_struct("OrderedMonitor")
            .field("runtime", &R::NAME)
            .field("items", &state.items())
            .field("head", &state.head())
            .field("sink", &state.sink())
            .field("buffered", &state.buffered())
            .finish_non_exhaustive()
    }
}

/// One worker's handle: claims items one at a time. Dropping it (normally, or because its
/// thread panicked) fails its unstarted static items.
pub struct Worker<W: Write + Send + 'static, R: Runtime = Std> {
    shared: Arc<Shared<W, R>, R>,
    /// The remaining static items, or `None` for dynamic assignment.
    queue: Option<VecDeque<usize>>,
    /// `false` while `run` has not started this worker's thread (if it never does, the
    /// unstarted items say so).
    started: bool,
}

impl<W: Write + Send + 'static, R: Runtime> Worker<W, R> {
    /// The next item and its writer; blocks while the item is too far ahead of the head.
    /// `None` when this worker has nothing left (or fail-fast stopped the run).
    pub fn next_item(&mut self) -> Option<ItemWriter<'_, W, R>> {
        let state = self.shared.state.lock();
        let item = claim(&self.shared, &mut self.queue, state)?;
        Some(ItemWriter::new(&self.shared, item))
    }

    /// The loop of [`OrderedMonitor::run`]: finishing an item and claiming the next take one
    /// lock when nothing needs releasing.
    fn run<F, E>(mut self, work: &F)
    where
        F: Fn(usize, &mut ItemWriter<'_, W, R>) -> Result<(), E>,
        E: Display,
    {
        let arc = &self.shared;
        let shared: &Shared<W, R> = arc;
        let mut next = claim(shared, &mut self.queue, shared.state.lock());
        while let Some(item) = next {
            let mut writer = ItemWriter::new(arc, item);
            let result = catch_unwind(AssertUnwindSafe(|| work(item, &mut writer)));
            writer.disarm();
            let outcome = match result {
                Ok(Ok(())) => Ok(()),
                Ok(Err(error)) => Err(one_line(error)),
                Err(panic) => {
                    let reason = format!("worker panicked: {}", panic_message(&*panic));
                    let _ = shared.complete(item, Err(one_line(reason)));
                    return; // the worker is dead; dropping it fails its unstarted items
                }
            };
            let mut state = shared.state.lock();
            let _ = shared.complete_locked(&mut state, item, outcome);
            next = match state.start_release() {
                Some(batch) => {
                    shared.hand_over(state, Some(batch));
                    claim(shared, &mut self.queue, shared.state.lock())
                }
                None => claim(shared, &mut self.queue, state),
            };
        }
    }
}

/// Claim this worker's next item, waiting while the window is full; settles the ledger.
fn claim<W: Write + Send + 'static, R: Runtime>(
    shared: &Shared<W, R>,
    queue: &mut Option<VecDeque<usize>>,
    mut state: crate::sync::MutexGuard<'_, super::shared::State<R>, R>,
) -> Option<usize> {
    // This thread may have changed the ledger before it came here: that must be announced
    // before it first sleeps. After a wakeup it has changed nothing, and announcing again would
    // wake the other waiters for nothing — two threads waiting for window space would then wake
    // each other for ever (a livelock lockstep-sim found).
    let mut announce = true;
    let item = loop {
        let claim = match queue {
            None => state.claim_next(shared.now()),
            Some(queue) => match queue.front() {
                None => Claim::Exhausted,
                Some(&item) => state.claim(item, shared.now()).unwrap_or(Claim::Exhausted),
            },
        };
        match claim {
            Claim::Item(item) => break item,
            Claim::Wait if announce => {
                announce = false;
                state = shared.wait_announcing(state);
            }
            Claim::Wait => state = shared.wait(state),
            Claim::Exhausted => {
                shared.settle(state);
                return None;
            }
        }
    };
    if let Some(queue) = queue {
        queue.pop_front();
    }
    shared.settle(state);
    Some(item)
}

fn one_line(reason: impl Display) -> String {
    reason.to_string().replace(['\n', '\r'], " ")
}

impl<W: Write + Send + 'static, R: Runtime> Drop for Worker<W, R> {
    fn drop(&mut self) {
        let remaining: Vec<usize> = self.queue.iter().flatten().copied().collect();
        let reason = if self.started {
            "not started: its worker exited before reaching it"
        } else {
            "not started: its worker thread could not be started"
        };
        let mut state = self.shared.state.lock();
        state.worker_exited(&remaining, reason);
        self.shared.settle(state);
    }
}

impl<W: Write + Send + 'static, R: Runtime> fmt::Debug for Worker<W, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Worker")
            .field("static_items_left", &self.queue)
            .finish_non_exhaustive()
    }
}

/// Output of one item. Write to it like any [`std::io::Write`]; end it with
/// [`finish`](Self::finish) or [`fail`](Self::fail). Dropped without either (a panic, an early
/// return), it fails the item: the output written so far is kept and an error line follows.
pub struct ItemWriter<'w, W: Write + Send + 'static, R: Runtime = Std> {
    shared: &'w Shared<W, R>,
    item: usize,
    ended: bool,
    routed: bool,
}

impl<'w, W: Write + Send + 'static, R: Runtime> ItemWriter<'w, W, R> {
    fn new(arc: &'w Arc<Shared<W, R>, R>, item: usize) -> Self {
        let shared: &'w Shared<W, R> = arc;
        let routed = shared.config.route_logs && logs::route(arc.clone(), item);
        ItemWriter {
            shared,
            item,
            ended: false,
            routed,
        }
    }

    /// The caller completes the item itself: no drop guard, no route.
    fn disarm(&mut self) {
        self.ended = true;
        if self.routed {
            logs::unroute(self.shared as *const Shared<W, R> as usize, self.item);
            self.routed = false;
        }
    }

    /// The item this writer belongs to.
    pub fn item(&self) -> usize {
        self.item
    }

    /// The item completed. `Err` if it had already failed (it timed out) or fail-fast stopped
    /// the run before it; its output is then not written.
    pub fn finish(mut self) -> Result<(), ItemError> {
        self.end(Ok(()))
    }

    /// The item failed: its output so far is kept and `reason` (made one line) follows it as
    /// the item's error line.
    pub fn fail(mut self, reason: impl Display) {
        let _ = self.end(Err(one_line(reason)));
    }

    fn end(&mut self, outcome: Result<(), String>) -> Result<(), ItemError> {
        self.disarm();
        self.shared.complete(self.item, outcome)
    }
}

impl<W: Write + Send + 'static, R: Runtime> Write for ItemWriter<'_, W, R> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.shared.write(self.item, buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.shared.flush(self.item)
    }
}

impl<W: Write + Send + 'static, R: Runtime> Drop for ItemWriter<'_, W, R> {
    fn drop(&mut self) {
        if !self.ended {
            let _ = self.end(Err(
                "its writer was dropped before finish() (the worker panicked or returned early)"
                    .to_owned(),
            ));
        }
    }
}

impl<W: Write + Send + 'static, R: Runtime> fmt::Debug for ItemWriter<'_, W, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ItemWriter")
            .field("item", &self.item)
            .finish_non_exhaustive()
    }
}
