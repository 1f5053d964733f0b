//! Delay-bounded search (Emmi, Qadeer, Rakamarić: "Delay-bounded scheduling", POPL 2011; the
//! SCTBench study found it ahead of preemption bounding).
//!
//! A deterministic scheduler — non-preemptive round robin: the running thread goes on until it
//! blocks, yields or ends, then the next runnable thread in id order after it takes over — is
//! made to deviate at most `d` times. A *delay* at a decision skips the thread the scheduler
//! would pick and takes the next one in its round-robin order; `k` delays at one decision skip
//! `k` threads. Option decisions are deviations too: the scheduler's own answer is the first
//! option (no fault fires, a notification wakes the first of its waiters), and taking option `k` costs
//! `k` delays.
//!
//! **Guarantee.** The search is deterministic and exhaustive by levels: every schedule with 0
//! delays (exactly one), then every schedule with exactly 1, then 2, ... each run once, so a
//! bug reachable with `d` delays is found within the schedules of at most `d` delays — at most
//! 1 + k + k² + … + k^d executions for k decision points. With a bound the search ends
//! *exhausted* when every schedule within it ran; without one, when every schedule did (any
//! schedule is some number of delays away from round robin).
//!
//! How: a schedule is the list of (decision point, delays) pairs where it deviates. Each
//! schedule with `d + 1` delays is made once, from its parent with `d` — the same delays minus
//! one at its last delayed point — by adding a delay at that point or a later one, where the
//! parent's execution shows another candidate to skip to. Parents are kept (their decision
//! points' candidate counts after their last delay) up to a memory cap; past it the level is
//! not complete, and the search never reports itself exhausted.
//!
//! Shards: the deterministic schedule runs in every shard; the 1-delay schedules are dealt
//! round-robin by rank, and each shard explores the descendants of its own.

use super::{Decision, Ended, OptionKind, Pick, Scheduler};
use crate::op::{OpKind, ThreadId};
use std::collections::VecDeque;

/// Most candidate counts kept for parents (one byte each), in all: 64 MiB.
const MAX_KEPT: usize = 64 << 20;

/// A schedule: where it deviates from round robin, sorted by decision point.
type Delays = Vec<(u32, u32)>;

/// An executed schedule whose children (one more delay) are still to be made.
#[derive(Debug)]
struct Parent {
    delays: Delays,
    /// The first decision point a child may delay at: the parent's last delayed one.
    from: u32,
    /// Candidates at each decision point from `from` on (capped at 255).
    counts: Vec<u8>,
}

impl Parent {
    /// Delays the parent already takes at decision point `point`.
    fn delays_at(&self, point: u32) -> u32 {
        match self.delays.last() {
            Some(&(p, k)) if p == point => k,
            _ => 0,
        }
    }

    /// The child with one more delay at `point`, if another candidate is there to skip to.
    fn child(&self, point: u32) -> Option<Delays> {
        let candidates = u32::from(*self.counts.get((point - self.from) as usize)?);
        let taken = self.delays_at(point);
        if taken + 1 >= candidates {
            return None;
        }
        let mut delays = self.delays.clone();
        match delays.last_mut() {
            Some((p, k)) if *p == point => *k += 1,
            _ => delays.push((point, 1)),
        }
        Some(delays)
    }
}

/// The delay-bounded search.
#[derive(Debug)]
pub(crate) struct Delay {
    bound: Option<usize>,
    max_executions: usize,
    shard: (usize, usize),
    executions: usize,
    /// Delays of the schedules being run now.
    level: usize,
    /// Executed schedules of the previous level, whose children are this level.
    parents: VecDeque<Parent>,
    /// The next decision point to try a child at, in the front parent.
    cursor: u32,
    /// Children of the root made so far (their rank deals them to shards).
    root_children: usize,
    /// Executed schedules of this level: the next level's parents.
    next_parents: Vec<Parent>,
    /// Candidate counts kept in `parents` and `next_parents`.
    kept: usize,
    /// A parent was not kept (memory cap): the search is no longer complete.
    incomplete: bool,
    exhausted: bool,
    // The current execution.
    delays: Delays,
    /// The next decision point's index, and the position in `delays` of the next deviation.
    point: u32,
    next_delay: usize,
    counts: Vec<u8>,
    /// The last step was a yield or a sleep: round robin moves on.
    yielded: bool,
}

impl Delay {
    pub(crate) fn new(
        bound: Option<usize>,
        max_executions: usize,
        shard: Option<(usize, usize)>,
    ) -> Self {
        Self {
            bound,
            max_executions,
            shard: shard.unwrap_or((0, 1)),
            executions: 0,
            level: 0,
            parents: VecDeque::new(),
            cursor: 0,
            root_children: 0,
            next_parents: Vec::new(),
            kept: 0,
            incomplete: false,
            exhausted: false,
            delays: Vec::new(),
            point: 0,
            next_delay: 0,
            counts: Vec::new(),
            yielded: false,
        }
    }

    /// The next schedule of this level, or of the next ones; `None` when there is none left.
    fn next_schedule(&mut self) -> Option<Delays> {
        if self.executions == 0 {
            return Some(Vec::new());
        }
        loop {
            while let Some(parent) = self.parents.front() {
                let end = parent.from + parent.counts.len() as u32;
                if self.cursor >= end {
                    self.kept -= parent.counts.len();
                    self.parents.pop_front();
                    self.cursor = self.parents.front().map_or(0, |p| p.from);
                    continue;
                }
                let point = self.cursor;
                self.cursor += 1;
                let child = parent.child(point);
                if let Some(child) = child.filter(|_| self.owned_by_shard()) {
                    return Some(child);
                }
            }
            if self.bound.is_some_and(|bound| self.level >= bound) || self.next_parents.is_empty() {
                return None;
            }
            self.level += 1;
            self.parents = std::mem::take(&mut self.next_parents).into();
            self.cursor = self.parents.front().map_or(0, |p| p.from);
        }
    }

    /// Whether this shard runs the child just made: the root's children are dealt by rank;
    /// deeper ones belong to the shard that ran their parent.
    fn owned_by_shard(&mut self) -> bool {
        if self.level != 1 {
            return true;
        }
        let rank = self.root_children;
        self.root_children += 1;
        rank % self.shard.1 == self.shard.0
    }

    /// The delays to take at the decision point being reached, which it then passes.
    fn take_point(&mut self, candidates: usize) -> usize {
        let point = self.point;
        self.point += 1;
        self.counts.push(candidates.min(255) as u8);
        match self.delays.get(self.next_delay) {
            Some(&(p, k)) if p == point => {
                self.next_delay += 1;
                (k as usize).min(candidates - 1)
            }
            _ => 0,
        }
    }

    /// Keep the finished execution as a parent of the next level, if there is one.
    fn keep(&mut self) {
        let within_bound = self.bound.is_none_or(|bound| self.level < bound);
        if !within_bound {
            return;
        }
        let from = self.delays.last().map_or(0, |&(p, _)| p);
        let counts = self
            .counts
            .split_off((from as usize).min(self.counts.len()));
        if self.kept + counts.len() > MAX_KEPT {
            self.incomplete = true;
            return;
        }
        self.kept += counts.len();
        self.next_parents.push(Parent {
            delays: std::mem::take(&mut self.delays),
            from,
            counts,
        });
    }
}

impl Scheduler for Delay {
    fn next_execution(&mut self) -> bool {
        if self.exhausted || self.executions >= self.max_executions {
            return false;
        }
        let Some(delays) = self.next_schedule() else {
            self.exhausted = !self.incomplete;
            return false;
        };
        self.executions += 1;
        self.delays = delays;
        self.point = 0;
        self.next_delay = 0;
        self.counts.clear();
        self.yielded = false;
        true
    }

    fn pick_thread(&mut self, decision: &Decision<'_>) -> Pick {
        let n = decision.threads.len();
        let start = match decision.last {
            Some(last) if decision.threads[last].enabled && !self.yielded => last,
            Some(last) => (last + 1) % n,
            None => 0,
        };
        let mut order = (0..n)
            .map(|i| (start + i) % n)
            .filter(|&t| decision.threads[t].enabled);
        let candidates = decision.enabled().count();
        let skip = if candidates > 1 {
            self.take_point(candidates)
        } else {
            0
        };
        let chosen = order.nth(skip).expect("a decision has an enabled thread");
        self.yielded = matches!(
            decision.threads[chosen].next.kind,
            OpKind::Yield | OpKind::Sleep
        );
        Pick::Thread(chosen)
    }

    fn pick_option(&mut self, _: OptionKind, n: usize, _: ThreadId) -> Result<usize, String> {
        Ok(self.take_point(n))
    }

    fn end_execution(&mut self, _: Ended, _: usize) {
        self.keep();
    }

    fn exhausted(&self) -> bool {
        self.exhausted
    }
}

#[cfg(test)]
mod tests {
    use super::super::exhaustive::Exhaustive;
    use super::super::textbook::{found, lost_update};
    use super::*;
    use crate::config::{Config, Strategy};
    use crate::session::Session;
    use crate::{Builder, Sim};
    use lockstep::sync::atomic::{AtomicUsize, Ordering};
    use lockstep::sync::{thread, Arc, Mutex};
    use std::collections::BTreeSet;

    fn bounded(iterations: usize, max_delays: Option<usize>) -> Builder {
        Builder::with_strategy(Strategy::Delay {
            iterations,
            max_delays,
        })
    }

    /// Round robin runs each thread's load and store together; one delay between them loses
    /// the update. Deterministic: the same execution finds it every time.
    #[test]
    fn one_delay_finds_the_lost_update() {
        let first = found(Builder::delay(100), lost_update);
        assert!(first.is_some_and(|e| e > 1), "{first:?}");
        assert_eq!(found(Builder::delay(100), lost_update), first);
        let report = bounded(100, Some(0)).check(lost_update);
        assert!(report.exhausted && report.executions == 1, "{report:?}");
    }

    /// A program of three threads over a lock and an atomic.
    fn small() {
        let n: Arc<Mutex<usize, Sim>, Sim> = Arc::new(Mutex::new(0));
        let a: Arc<AtomicUsize<Sim>, Sim> = Arc::new(AtomicUsize::new(0));
        let workers: Vec<_> = (0..2)
            .map(|i| {
                let (n, a) = (n.clone(), a.clone());
                thread::spawn::<Sim, _, _>(move || {
                    *n.lock() += 1;
                    a.store(i, Ordering::SeqCst);
                })
            })
            .collect();
        let _ = a.load(Ordering::SeqCst);
        for w in workers {
            w.join().unwrap();
        }
    }

    /// Every choice stream `scheduler` runs, in order.
    fn streams(scheduler: &mut dyn Scheduler) -> Vec<Vec<u32>> {
        let config = Config::new(Strategy::Random { iterations: 1 });
        let session = Session::for_test(&config, std::sync::Arc::new(small));
        let mut out = Vec::new();
        while scheduler.next_execution() {
            out.push(session.execute(scheduler).choices);
        }
        out
    }

    /// Without a bound, the levels together are every schedule, each once: the same set as
    /// full enumeration, and exhausted.
    #[test]
    fn the_levels_are_every_schedule_once() {
        let mut delay = Delay::new(None, usize::MAX, None);
        let ours = streams(&mut delay);
        assert!(delay.exhausted());
        let all = streams(&mut Exhaustive::default());
        let distinct: BTreeSet<_> = ours.iter().cloned().collect();
        assert_eq!(distinct.len(), ours.len(), "a schedule ran twice");
        assert_eq!(distinct, all.into_iter().collect::<BTreeSet<_>>());
    }

    /// Shards split the levels below the deterministic schedule, which each of them runs.
    #[test]
    fn shards_cover_the_search() {
        let whole: BTreeSet<_> = streams(&mut Delay::new(Some(2), usize::MAX, None))
            .into_iter()
            .collect();
        let mut union = BTreeSet::new();
        let mut runs = 0;
        for index in 0..3 {
            let shard = streams(&mut Delay::new(Some(2), usize::MAX, Some((index, 3))));
            runs += shard.len();
            union.extend(shard);
        }
        assert_eq!(union, whole);
        assert_eq!(runs, whole.len() + 2, "only the root runs in every shard");
    }
}
