//! The parallel exhaustive search: the source-DPOR search splits into work items
//! ([`Optimal::split`](crate::strategy::optimal)) whenever a thread runs out of work, items
//! split again the same way, and a pool of OS threads explores them (fork-join: a thread
//! waiting for an item's parts helps run them). A split changes nothing that is explored —
//! the items together run exactly the executions the serial source-DPOR search runs — so the
//! executions, the counts and the verdict are the same for any number of threads, one
//! included, though when splits happen depends on timing. What the parts found is merged in
//! item order.
//!
//! When parts fail, the failure reported is the first in the serial order of the search (the
//! parts of a split in order, depth first), once everything before it finished; its execution
//! count includes everything explored before it in that order.

use crate::exec::sched::Outcome;
use crate::failure::Failure;
use crate::session::{Report, Session};
use crate::strategy::fastmap::FastSet;
use crate::strategy::optimal::{ItemResult, Optimal};
use crate::strategy::Scheduler;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Instant;

/// What one work item explored, or the failure it found (its execution count is the item's
/// own until the merge adds what came before).
type ItemOutcome = Result<(Report, ItemResult), Failure>;

/// The limits of the whole run, shared by every item: an execution budget and a deadline.
/// A run that meets one stops where its threads are (its counts then depend on timing) and is
/// not exhaustive.
struct Stop {
    budget: Option<usize>,
    deadline: Option<Instant>,
    started: AtomicUsize,
    hit: AtomicBool,
}

impl Stop {
    /// May another execution start? Counts it if so.
    fn next(&self) -> bool {
        if self.hit.load(Ordering::Relaxed) {
            return false;
        }
        let over_budget = self
            .budget
            .is_some_and(|b| self.started.fetch_add(1, Ordering::Relaxed) >= b);
        let late = self.deadline.is_some_and(|d| Instant::now() >= d);
        if over_budget || late {
            self.hit.store(true, Ordering::Relaxed);
            return false;
        }
        true
    }
}

/// Where an item's outcome arrives.
#[derive(Default)]
struct Slot {
    outcome: Mutex<Option<ItemOutcome>>,
    done: Condvar,
}

/// A queued item and where its outcome goes.
type Job = (Optimal, Arc<Slot>);

/// The items waiting for a thread, and the threads' stop signal; how many threads wait for
/// work and how many items are queued, for the running items to see whether to split.
#[derive(Default)]
struct Pool {
    queue: Mutex<(VecDeque<Job>, bool)>,
    changed: Condvar,
    idle: AtomicUsize,
    queued: AtomicUsize,
}

impl Pool {
    fn push(&self, item: Optimal) -> Arc<Slot> {
        let slot = Arc::new(Slot::default());
        let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
        queue.0.push_back((item, slot.clone()));
        self.queued.store(queue.0.len(), Ordering::Relaxed);
        self.changed.notify_all();
        slot
    }

    fn pop(&self) -> Option<Job> {
        let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
        Self::pop_locked(&mut queue.0, &self.queued)
    }

    fn pop_locked(queue: &mut VecDeque<Job>, queued: &AtomicUsize) -> Option<Job> {
        let job = queue.pop_front();
        queued.store(queue.len(), Ordering::Relaxed);
        job
    }

    /// Wait (holding `queue`'s lock) until an item is queued or completes, counted idle.
    fn wait<'a>(
        &self,
        queue: std::sync::MutexGuard<'a, (VecDeque<Job>, bool)>,
    ) -> std::sync::MutexGuard<'a, (VecDeque<Job>, bool)> {
        self.idle.fetch_add(1, Ordering::Relaxed);
        let queue = self
            .changed
            .wait(queue)
            .unwrap_or_else(PoisonError::into_inner);
        self.idle.fetch_sub(1, Ordering::Relaxed);
        queue
    }

    /// Should a running item split now? When a thread waits for work that no queued item
    /// gives it. (This crate's own tests split after every execution, to exercise splits on
    /// small programs.) A split changes nothing that is explored (see `Optimal::split`), so
    /// it may depend on timing.
    fn wants_split(&self) -> bool {
        cfg!(test) || self.idle.load(Ordering::Relaxed) > self.queued.load(Ordering::Relaxed)
    }

    fn stop(&self) {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner).1 = true;
        self.changed.notify_all();
    }
}

impl Session<'_> {
    /// The split search on `threads` OS threads, within `budget` executions and until
    /// `deadline`, if set.
    pub(crate) fn run_parallel(
        &self,
        threads: usize,
        budget: Option<usize>,
        deadline: Option<Instant>,
    ) -> Result<Report, Failure> {
        let pool = Pool::default();
        let stop = Stop {
            budget,
            deadline,
            started: AtomicUsize::new(0),
            hit: AtomicBool::new(false),
        };
        let outcome = std::thread::scope(|scope| {
            for _ in 1..threads {
                scope.spawn(|| self.work(&pool, &stop));
            }
            let outcome = self.explore(Optimal::splittable(), &pool, &stop);
            pool.stop();
            outcome
        });
        let (mut report, result) = outcome?;
        report.redundant = (report.executions - report.blocked).saturating_sub(result.traces.len());
        if stop.hit.load(Ordering::Relaxed) {
            report.exhausted = false;
            report.out_of_time = deadline.is_some_and(|d| Instant::now() >= d);
        }
        Ok(report)
    }

    /// A pool thread: run queued items until told to stop.
    fn work(&self, pool: &Pool, stop: &Stop) {
        loop {
            let job = {
                let mut queue = pool.queue.lock().unwrap_or_else(PoisonError::into_inner);
                loop {
                    if let Some(job) = Pool::pop_locked(&mut queue.0, &pool.queued) {
                        break Some(job);
                    }
                    if queue.1 {
                        break None;
                    }
                    queue = pool.wait(queue);
                }
            };
            let Some((item, slot)) = job else {
                return;
            };
            self.complete(item, &slot, pool, stop);
        }
    }

    fn complete(&self, item: Optimal, slot: &Slot, pool: &Pool, stop: &Stop) {
        let outcome = self.explore(item, pool, stop);
        *slot.outcome.lock().unwrap_or_else(PoisonError::into_inner) = Some(outcome);
        slot.done.notify_all();
        // Wake threads waiting for a slot (they watch the pool too).
        let _guard = pool.queue.lock().unwrap_or_else(PoisonError::into_inner);
        pool.changed.notify_all();
    }

    /// Explore one item to its end, splitting it as it runs.
    fn explore(&self, mut item: Optimal, pool: &Pool, stop: &Stop) -> ItemOutcome {
        let mut report = self.empty_report();
        let mut traces = FastSet::default();
        // (The item first: a finished item takes no unit of the run's execution budget.)
        while item.next_execution() && stop.next() {
            let result = self.execute(&mut item);
            report.count(&result);
            if !matches!(result.outcome, Outcome::Ok { .. } | Outcome::Pruned) {
                return Err(self.failure_of(result, report.executions));
            }
            if !pool.wants_split() {
                continue;
            }
            let Some(parts) = item.split() else {
                continue;
            };
            let mut results = Vec::new();
            for outcome in self.run_parts(parts, pool, stop) {
                let before = report.executions;
                let (part, mut found) = outcome.map_err(|mut failure| {
                    failure.executions += before;
                    failure
                })?;
                report.merge(&part);
                merge_traces(&mut traces, std::mem::take(&mut found.traces));
                results.push(found);
            }
            item.resume(results);
        }
        report.exhausted = item.exhausted();
        let mut result = item.item_result();
        merge_traces(&mut result.traces, traces);
        Ok((report, result))
    }

    /// Run the parts of a split: the first on this thread, the rest queued for the pool (this
    /// thread helps while it waits). Outcomes in part order, up to the first failure.
    fn run_parts(&self, parts: Vec<Optimal>, pool: &Pool, stop: &Stop) -> Vec<ItemOutcome> {
        let mut parts = parts.into_iter();
        let first = parts.next().expect("a split has parts");
        let slots: Vec<Arc<Slot>> = parts.map(|part| pool.push(part)).collect();
        let mut outcomes = vec![self.explore(first, pool, stop)];
        for slot in slots {
            outcomes.push(self.wait_for(&slot, pool, stop));
        }
        let end = outcomes
            .iter()
            .position(Result::is_err)
            .map_or(outcomes.len(), |i| i + 1);
        outcomes.truncate(end);
        outcomes
    }

    /// The outcome in `slot`, running queued items meanwhile.
    fn wait_for(&self, slot: &Slot, pool: &Pool, stop: &Stop) -> ItemOutcome {
        loop {
            if let Some(outcome) = slot
                .outcome
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take()
            {
                return outcome;
            }
            if let Some((item, other)) = pool.pop() {
                self.complete(item, &other, pool, stop);
                continue;
            }
            let queue = pool.queue.lock().unwrap_or_else(PoisonError::into_inner);
            let ready = slot
                .outcome
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .is_some();
            if !ready && queue.0.is_empty() {
                // Woken when any item completes or is queued.
                drop(pool.wait(queue));
            }
        }
    }
}

/// Add `other`'s trace hashes to `into`, inserting the smaller set into the larger: items
/// nest, and copying each level's set into its parent's would insert every hash once per
/// level on the thread that waited for the parts.
fn merge_traces(into: &mut FastSet<u64>, mut other: FastSet<u64>) {
    if other.len() > into.len() {
        std::mem::swap(into, &mut other);
    }
    into.extend(other);
}

#[cfg(test)]
mod tests {
    use crate::{Builder, Sim};
    use lockstep::sync::{thread, Arc, Mutex};

    #[test]
    fn a_split_search_runs_exactly_its_execution_budget() {
        // This crate's tests split after every execution, so items finish all the time; a
        // finished item once took a unit of the budget too, and the run stopped short.
        let counter = || {
            let n: Arc<Mutex<u32, Sim>, Sim> = Arc::new(Mutex::new(0));
            let handles: Vec<_> = (0..3)
                .map(|_| {
                    let n = n.clone();
                    thread::spawn::<Sim, _, _>(move || {
                        for _ in 0..2 {
                            *n.lock() += 1;
                        }
                    })
                })
                .collect();
            for h in handles {
                h.join().unwrap();
            }
        };
        for threads in [1, 2] {
            let report = Builder::dfs(None)
                .max_executions(60)
                .threads(threads)
                .check(counter);
            assert!(!report.exhausted, "{threads} threads: {report:?}");
            assert_eq!(report.executions, 60, "{threads} threads: {report:?}");
        }
    }
}
