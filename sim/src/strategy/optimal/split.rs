//! Splitting the optimal search into independent work items, for a parallel search whose
//! counts and verdicts do not depend on how many threads run it.
//!
//! The optimal search is sequential by nature: a branch's exploration adds wakeup sequences to
//! the branches after it and to the decisions above it. A split removes the first dependency
//! by *expanding* a decision fully: every thread that may run there (and is not asleep) becomes
//! a branch — a work item — whose sleep set holds the items before it, as if they had been
//! explored first; a wakeup sequence that one item would add to another is then covered by the
//! other item's own exploration (exploring a branch without guidance loses nothing; guidance
//! only avoids blocked executions). Sequences for the decisions above go to an outbox that the
//! splitting search applies, in item order, once every item is done — as the serial search
//! would have. Which decision splits, and when, depends only on the search itself (never on
//! the number of threads), so any number of threads, one included, explores exactly the same
//! executions. The price: an expanded branch covered entirely by the ones before it runs one
//! blocked execution.

use super::super::wakeup::{Step, Wut};
use super::{Node, Optimal, Sleeper};
use crate::access;
use crate::strategy::fastmap::FastSet;

/// What a finished work item hands back to the search that split.
#[derive(Debug)]
pub(crate) struct ItemResult {
    pub(crate) traces: FastSet<u64>,
    /// Wakeup sequences for decisions above the item's branch, in the order found.
    pub(crate) outbox: Vec<(usize, Vec<Step>)>,
}

impl Optimal {
    /// Split the search at the shallowest decision that still has branches to explore: this
    /// search hands its current branch there, and every other branch, to work items (returned
    /// in order) and waits for [`Optimal::resume`]. `None` when nothing can be split (or the
    /// search is sharded or capped, where a split would change what is explored).
    pub(crate) fn split(&mut self) -> Option<Vec<Optimal>> {
        if !self.source || self.shard.1 > 1 || self.max_executions.is_some() || self.exhausted {
            return None;
        }
        // Below this item's own branch decision (an item splits within its branch).
        let from = self.floor.map_or(0, |floor| floor + 1);
        let at = from
            + self.stack[from..].iter().position(|n| match n {
                Node::Thread(t) => !t.pending.branches.is_empty(),
                Node::Option(_) => false,
            })?;
        let Node::Thread(node) = &self.stack[at] else {
            unreachable!("found a thread node")
        };
        // The branches: the current one, the pending ones, then every other thread that may
        // run there (a full expansion makes the items independent). Each sleeps in the items
        // after it with what its step touches, over every outcome — the serial search puts a
        // branch to sleep only once all ran. The current step's outcomes seen so far tell it
        // only when none is left (a pending branch's accesses are complete, see
        // `insert_source`); otherwise it sleeps touching everything (asleep with fewer
        // accesses, it stayed asleep past a step that races with an outcome not seen yet, and
        // states were lost).
        let outcomes_done = match self.stack.get(at + 1) {
            Some(Node::Option(o)) => o.remaining.is_empty(),
            _ => true,
        };
        let current_accesses = if outcomes_done {
            node.current_accesses.clone()
        } else {
            access::unknown()
        };
        let mut branches = vec![(node.current, Vec::new(), current_accesses)];
        for b in &node.pending.branches {
            branches.push((b.thread, b.answers.clone(), b.accesses.clone()));
        }
        let asleep: Vec<usize> = node.sleep.iter().map(|s| s.thread).collect();
        for t in (0..64).filter(|&t| node.enabled & (1u64 << t) != 0) {
            if !asleep.contains(&t) && !branches.iter().any(|b| b.0 == t) {
                branches.push((t, Vec::new(), access::unknown()));
            }
        }
        let mut items = Vec::with_capacity(branches.len());
        for (k, (thread, answers, _)) in branches.iter().cloned().enumerate() {
            let mut item = if k == 0 {
                self.clone()
            } else {
                self.fresh_item(at, thread, answers)
            };
            item.floor = Some(at);
            // Insertions above the split decision go to the splitting search's outbox (and
            // from there, above its own floor, further up).
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
            n.explored += k;
            n.sleep
                .extend(branches[..k].iter().map(|b| Sleeper::new(b.0, b.2.clone())));
            items.push(item);
        }
        // This search resumes above the split decision once every item is done.
        self.stack.truncate(at + 1);
        let Node::Thread(n) = &mut self.stack[at] else {
            unreachable!("a thread node")
        };
        n.pending = Wut::default();
        // Item 0 explores the current branch whole (every outcome of its step, as everywhere):
        // it sleeps here once this search moves on.
        n.explored += branches.len() - 1;
        n.sleep.extend(
            branches
                .iter()
                .skip(1)
                .map(|b| Sleeper::new(b.0, b.2.clone())),
        );
        self.tracker = Default::default();
        self.keep = 0;
        Some(items)
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
        ItemResult {
            traces: std::mem::take(&mut self.traces),
            outbox: std::mem::take(&mut self.outbox),
        }
    }

    /// Continue after a split: apply the items' outboxes in item order (as the serial search
    /// would have inserted them; sequences above this search's own floor go on to its outbox),
    /// then carry on above the split decision.
    pub(crate) fn resume(&mut self, outboxes: impl IntoIterator<Item = Vec<(usize, Vec<Step>)>>) {
        for outbox in outboxes {
            for (node, v) in outbox {
                match self.floor {
                    Some(floor) if node < floor => self.outbox.push((node, v)),
                    Some(floor) if node == floor => {}
                    _ => self.insert(node, v),
                }
            }
        }
    }
}
