//! Splitting the source-DPOR search into independent work items, for a parallel search that
//! explores exactly the executions of the serial one, wherever and whenever it splits.
//!
//! A split hands branches of one decision to work items: the branch explored now and the next
//! branches still to explore there, in order. The serial search would explore them one after
//! the other, each with the ones before it asleep; an item does exactly that, with those
//! branches asleep from its start. That needs what each earlier branch's step touches — the
//! accesses it sleeps with — before that branch has run, so a split hands out branches only
//! while the one before is known exactly: the current branch once every outcome of its step
//! ran, a pending branch whose step `insert_source` could read off its wakeup sequence (see
//! there). The remaining branches stay with the splitting search.
//!
//! Everything an item's races would add to decisions at or above its branch's goes to its
//! outbox; once every item is done, the splitting search puts the items' branches to sleep
//! with what their steps touched and applies the outboxes in item order, exactly as the serial
//! search would have done meanwhile (a decision's new branches come after the ones already
//! there, so none would have run before the items' branches either), and carries on with the
//! decision's remaining branches. The split search therefore explores the serial source-DPOR
//! search's executions whatever the splits, so it may split at any moment — when a thread
//! runs out of work — and still report the same counts and verdict for any number of
//! threads (checked against the serial search in `dpor_check`).

use super::super::wakeup::{Step, Wut};
use super::{bit, Node, Optimal, Sleeper};
use crate::access::{self, Accesses};
use crate::op::ThreadId;
use crate::strategy::fastmap::FastSet;

/// What a finished work item hands back to the search that split.
#[derive(Debug)]
pub(crate) struct ItemResult {
    pub(crate) traces: FastSet<u64>,
    /// Wakeup sequences for decisions at or above the item's branch, in the order found.
    pub(crate) outbox: Vec<(usize, Vec<Step>)>,
    /// The item's branch: its thread, and what its step touched (over every outcome); `None`
    /// for the whole search, which is no item.
    branch: Option<(ThreadId, Accesses)>,
}

impl Optimal {
    /// Split the search at the shallowest decision whose current branch can be handed out
    /// with a branch after it: this search hands both (and more, see the module docs) to work
    /// items, returned in order, and waits for [`Optimal::resume`]. `None` when nothing can be
    /// split (or the search is sharded or capped, where a split would change what is
    /// explored).
    pub(crate) fn split(&mut self) -> Option<Vec<Optimal>> {
        if !self.source || self.shard.1 > 1 || self.max_executions.is_some() || self.exhausted {
            return None;
        }
        // Below this item's own branch decision (an item splits within its branch).
        let from = self.floor.map_or(0, |floor| floor + 1);
        let at = (from..self.stack.len()).find(|&i| self.splittable_at(i))?;
        let Node::Thread(node) = &mut self.stack[at] else {
            unreachable!("a thread node")
        };
        // The branches handed out: the current one, then pending ones while the one before is
        // known exactly (an unknown one can still go last: nothing handed out sleeps with it).
        let mut handed = vec![(node.current, node.current_accesses.clone(), Vec::new())];
        while !node.pending.branches.is_empty() {
            if access::is_unknown(&handed[handed.len() - 1].1) {
                break;
            }
            let b = node.pending.branches.remove(0);
            handed.push((b.thread, b.accesses, b.answers));
        }
        let mut items = Vec::with_capacity(handed.len());
        for (k, (thread, _, answers)) in handed.iter().cloned().enumerate() {
            let mut item = if k == 0 {
                self.clone()
            } else {
                self.fresh_item(at, thread, answers)
            };
            item.floor = Some(at);
            item.outbox = Vec::new();
            if k == 0 {
                // Move on from the execution that just ran, within the branch.
                item.exhausted = !item.backtrack();
            }
            item.executions = 0;
            item.traces = FastSet::default();
            item.redundant = 0;
            let Node::Thread(n) = &mut item.stack[at] else {
                unreachable!("a thread node")
            };
            n.pending = Wut::default();
            for (t, accesses, _) in &handed[..k] {
                n.sleep.push(Sleeper::new(*t, accesses.clone()));
                n.explored += 1;
                n.done |= bit(*t);
            }
            items.push(item);
        }
        // This search resumes at the split decision once every item is done.
        self.stack.truncate(at + 1);
        self.tracker = Default::default();
        self.keep = 0;
        Some(items)
    }

    /// Can the search split at `at`: a thread decision with a branch still to explore, whose
    /// current step has run every outcome (what it touches is known)?
    fn splittable_at(&self, at: usize) -> bool {
        let Node::Thread(n) = &self.stack[at] else {
            return false;
        };
        let outcomes_done = match self.stack.get(at + 1) {
            Some(Node::Option(o)) => o.remaining.is_empty(),
            _ => true,
        };
        !n.pending.branches.is_empty() && outcomes_done
    }

    /// A work item exploring `thread`'s branch at thread node `at`, from scratch.
    fn fresh_item(&self, at: usize, thread: usize, answers: Vec<(Option<u32>, Wut)>) -> Optimal {
        let mut item = Optimal::new(None, None);
        item.source = self.source;
        item.stack = self.stack[..=at].to_vec();
        let Node::Thread(n) = &mut item.stack[at] else {
            unreachable!("a thread node")
        };
        n.current = thread;
        n.current_answers = answers;
        n.current_accesses = Default::default();
        // Its first execution replays the path to `at` and takes the branch there.
        item
    }

    /// What this (finished) work item found.
    pub(crate) fn item_result(&mut self) -> ItemResult {
        let branch = self.floor.map(|floor| {
            let Node::Thread(n) = &mut self.stack[floor] else {
                unreachable!("a work item's branch is a thread node")
            };
            (n.current, std::mem::take(&mut n.current_accesses))
        });
        ItemResult {
            traces: std::mem::take(&mut self.traces),
            outbox: std::mem::take(&mut self.outbox),
            branch,
        }
    }

    /// Continue after a split, with the items' results in item order: the items' branches
    /// are explored (each sleeps at the split decision with what its step touched; the last
    /// stays current, for `backtrack` to retire as it retires any branch), then their outboxes
    /// apply in order — as the serial search would have inserted them (sequences at or above
    /// this search's own floor go on to its outbox).
    pub(crate) fn resume(&mut self, results: Vec<ItemResult>) {
        let at = self.stack.len() - 1;
        let Node::Thread(n) = &mut self.stack[at] else {
            unreachable!("a split decision is a thread node")
        };
        let last = results.len() - 1;
        for (k, result) in results.iter().enumerate() {
            let (thread, accesses) = result.branch.clone().expect("a work item's result");
            if k == last {
                n.current = thread;
                n.current_accesses = accesses;
            } else {
                n.sleep.push(Sleeper::new(thread, accesses));
                n.explored += 1;
                n.done |= bit(thread);
            }
        }
        for result in results {
            for (node, v) in result.outbox {
                self.hand_up_or_insert(node, v);
            }
        }
    }

    /// Insert wakeup sequence `v` at `node`, or, at or above this work item's branch, hand it
    /// to the search that split (its outbox).
    pub(super) fn hand_up_or_insert(&mut self, node: usize, v: Vec<Step>) {
        match self.floor {
            Some(floor) if node <= floor => self.outbox.push((node, v)),
            _ => self.insert(node, v),
        }
    }
}
