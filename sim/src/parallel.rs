//! The parallel exhaustive search: the optimal search splits into independent work items
//! ([`Optimal::split`](crate::strategy::optimal)) that a pool of OS threads explores, and
//! merges what they found in item order — so the executions explored, the counts and the
//! verdict are the same for any number of threads, one included.
//!
//! When a work item fails, the failure reported is the one of the *first* failing item in
//! order, after every item before it finished (as the serial search would have found it);
//! its execution count includes everything explored before it in that order.

use crate::exec::sched::Outcome;
use crate::failure::Failure;
use crate::session::{Report, Session};
use crate::strategy::optimal::{ItemResult, Optimal};
use crate::strategy::Scheduler;
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Executions the search runs itself between splits, whatever the number of threads.
const SPLIT_AFTER: usize = 16;

/// What one work item explored, or the failure it found (its execution count is the item's
/// own until the merge adds what came before).
type ItemOutcome = Result<(Report, ItemResult), Failure>;

impl Session<'_> {
    /// The optimal search, split into work items run by `threads` OS threads.
    pub(crate) fn run_parallel(&self, threads: usize) -> Result<Report, Failure> {
        let mut search = Optimal::new(None, None);
        let mut report = self.empty_report();
        let mut traces: HashSet<u64> = HashSet::new();
        let mut since_split = 0;
        while search.next_execution() {
            let result = self.execute(&mut search);
            report.count(&result);
            if !matches!(result.outcome, Outcome::Ok { .. } | Outcome::Pruned) {
                return Err(self.failure_of(result, report.executions));
            }
            since_split += 1;
            if since_split < SPLIT_AFTER {
                continue;
            }
            since_split = 0;
            let Some(items) = search.split() else {
                continue;
            };
            let mut outboxes = Vec::new();
            for outcome in self.run_items(items, threads) {
                let offset = report.executions;
                let (item_report, result) = outcome.map_err(|mut failure| {
                    failure.executions += offset;
                    failure
                })?;
                report.merge(&item_report);
                traces.extend(result.traces);
                outboxes.push(result.outbox);
            }
            search.resume(outboxes);
        }
        traces.extend(search.take_traces());
        report.exhausted = search.exhausted();
        report.redundant = (report.executions - report.blocked).saturating_sub(traces.len());
        Ok(report)
    }

    /// Explore every item on a pool of `threads` OS threads; results in item order. Items
    /// after the first failing one are not needed and may be skipped.
    fn run_items(&self, items: Vec<Optimal>, threads: usize) -> Vec<ItemOutcome> {
        let count = items.len();
        let queue: Mutex<Vec<Option<Optimal>>> = Mutex::new(items.into_iter().map(Some).collect());
        let results: Mutex<Vec<Option<ItemOutcome>>> =
            Mutex::new((0..count).map(|_| None).collect());
        let next = AtomicUsize::new(0);
        let first_failure = AtomicUsize::new(usize::MAX);
        std::thread::scope(|scope| {
            for _ in 0..threads.clamp(1, count.max(1)) {
                scope.spawn(|| loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= count || index > first_failure.load(Ordering::Relaxed) {
                        return;
                    }
                    let item = queue.lock().expect("not poisoned")[index]
                        .take()
                        .expect("taken once");
                    let outcome = self.run_item(item);
                    if outcome.is_err() {
                        first_failure.fetch_min(index, Ordering::Relaxed);
                    }
                    results.lock().expect("not poisoned")[index] = Some(outcome);
                });
            }
        });
        let results = results.into_inner().expect("not poisoned");
        results.into_iter().map_while(|r| r).collect()
    }

    /// Explore one work item to its end.
    fn run_item(&self, mut item: Optimal) -> ItemOutcome {
        let mut report = self.empty_report();
        while item.next_execution() {
            let result = self.execute(&mut item);
            report.count(&result);
            if !matches!(result.outcome, Outcome::Ok { .. } | Outcome::Pruned) {
                return Err(self.failure_of(result, report.executions));
            }
        }
        Ok((report, item.item_result()))
    }
}
