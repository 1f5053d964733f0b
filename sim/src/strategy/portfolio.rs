//! The default portfolio: every simulator strategy, interleaved execution by execution over one
//! budget (as Coyote's default portfolio, but interleaved rather than one strategy after another,
//! so the strategy that suits a bug finds it after a fixed share of the budget).
//!
//! Execution `i` of a run goes to member `i mod m` of the live members, in the order of
//! [`members`]; each member keeps its own state across its executions (PCT's step estimate,
//! URW's event counts, the delay search's levels, DFS's tree) as if it ran alone, and a member
//! that is done (an exhausted search) leaves the rotation. The run stops at the first failure,
//! which names the member that found it ([`Scheduler::checker`]), so its report and token say
//! `sim-pos`, `sim-pct`, ... A member that cannot go on (DFS on a program with more than 64
//! threads, or one that does not repeat itself) leaves the rotation too, and the execution it
//! was driving finishes as a random walk.
//!
//! **Guarantee.** What each member guarantees, at the rate of one execution in `m`: a bug that
//! member finds within `e` of its own executions is found within `m · e` executions of the
//! portfolio. When DFS exhausts the program's whole space the portfolio stops, *exhausted*: no
//! execution of any strategy can fail.
//!
//! Shards: every member runs the executions it would run alone under the same shard (the
//! randomised ones execution indices `i ≡ shard (mod count)`, the searches their share of the
//! tree), so the shards of a portfolio run together cover each member's whole run.
//!
//! Adding a strategy is one line in [`members`].

use super::delay::Delay;
use super::dfs::Dfs;
use super::pct::Pct;
use super::pos::Pos;
use super::random::RandomWalk;
use super::urw::Urw;
use super::{Decision, Ended, Indices, OptionKind, Pick, Scheduler};
use crate::op::ThreadId;
use crate::rng::mix;
use lockstep::check::Checker;

/// What every member is built from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Setup {
    pub(crate) seed: u64,
    pub(crate) shard: Option<(usize, usize)>,
    pub(crate) fault_probability: f64,
}

impl Setup {
    /// A member's own seed: the members draw independently.
    fn seed(&self, member: u64) -> u64 {
        mix(self.seed, member + 1)
    }

    /// The execution indices a randomised member runs: all, or this shard's.
    fn indices(&self) -> Indices {
        let (index, count) = self.shard.unwrap_or((0, 1));
        (index..usize::MAX).step_by(count)
    }
}

/// One strategy of the portfolio.
pub(crate) struct Member {
    checker: Checker,
    scheduler: Box<dyn Scheduler>,
    /// Its end means the program's whole space was covered.
    complete: bool,
    live: bool,
}

fn member(checker: Checker, scheduler: impl Scheduler + 'static) -> Member {
    Member {
        checker,
        scheduler: Box::new(scheduler),
        complete: false,
        live: true,
    }
}

/// The members, in rotation order: the strongest first, since the first executions decide how
/// fast the easy bugs are found.
pub(crate) fn members(s: Setup) -> Vec<Member> {
    let p = s.fault_probability;
    vec![
        member(Checker::SimPct, Pct::new(s.seed(0), 3, s.indices(), p)),
        member(Checker::SimPos, Pos::new(s.seed(1), s.indices(), p)),
        member(
            Checker::SimRandom,
            RandomWalk::new(s.seed(2), s.indices(), p),
        ),
        member(Checker::SimSurw, Urw::new(s.seed(3), s.indices(), p, true)),
        member(Checker::SimPct, Pct::new(s.seed(4), 2, s.indices(), p)),
        member(Checker::SimUrw, Urw::new(s.seed(5), s.indices(), p, false)),
        member(Checker::SimPct, Pct::new(s.seed(6), 4, s.indices(), p)),
        member(Checker::SimDelay, Delay::new(None, usize::MAX, s.shard)),
        Member {
            complete: true,
            ..member(Checker::SimDfs, Dfs::new(None, None, s.shard))
        },
    ]
}

/// The portfolio strategy.
pub(crate) struct Portfolio {
    members: Vec<Member>,
    /// This run's (or shard's) executions.
    budget: Indices,
    seed: u64,
    /// The member driving the current execution, and the next one's turn.
    current: usize,
    turn: usize,
    /// Set when the current member gave up mid-execution: the rest is a random walk.
    fallback: Option<RandomWalk>,
    exhausted: bool,
}

impl std::fmt::Debug for Portfolio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let live: Vec<Checker> = self
            .members
            .iter()
            .filter(|m| m.live)
            .map(|m| m.checker)
            .collect();
        f.debug_struct("Portfolio")
            .field("live", &live)
            .field("current", &self.current)
            .finish_non_exhaustive()
    }
}

impl Portfolio {
    pub(crate) fn new(setup: Setup, budget: Indices) -> Self {
        Portfolio {
            members: members(setup),
            budget,
            seed: setup.seed,
            current: 0,
            turn: 0,
            fallback: None,
            exhausted: false,
        }
    }

    /// The current member gave up: it leaves the rotation and a random walk finishes the
    /// execution.
    fn retire_current(&mut self, step: usize) -> &mut RandomWalk {
        self.members[self.current].live = false;
        let seed = mix(self.seed, step as u64);
        self.fallback.get_or_insert_with(|| {
            let mut walk = RandomWalk::new(seed, (0..1).step_by(1), 0.0);
            walk.next_execution();
            walk
        })
    }

    /// Start the next live member's execution; `false` when none is left.
    fn start_member(&mut self) -> bool {
        for _ in 0..self.members.len() {
            let m = self.turn;
            self.turn = (self.turn + 1) % self.members.len();
            let member = &mut self.members[m];
            if !member.live {
                continue;
            }
            if member.scheduler.next_execution() {
                self.current = m;
                return true;
            }
            member.live = false;
            if member.complete && member.scheduler.exhausted() {
                self.exhausted = true;
                return false;
            }
        }
        false
    }
}

impl Scheduler for Portfolio {
    fn next_execution(&mut self) -> bool {
        self.fallback = None;
        !self.exhausted && self.budget.next().is_some() && self.start_member()
    }

    fn pick_thread(&mut self, decision: &Decision<'_>) -> Pick {
        if let Some(walk) = &mut self.fallback {
            return walk.pick_thread(decision);
        }
        match self.members[self.current].scheduler.pick_thread(decision) {
            Pick::Invalid(_) => self.retire_current(decision.step).pick_thread(decision),
            pick => pick,
        }
    }

    fn pick_option(
        &mut self,
        kind: OptionKind,
        n: usize,
        thread: ThreadId,
    ) -> Result<usize, String> {
        if let Some(walk) = &mut self.fallback {
            return walk.pick_option(kind, n, thread);
        }
        match self.members[self.current]
            .scheduler
            .pick_option(kind, n, thread)
        {
            Ok(answer) => Ok(answer),
            Err(_) => self.retire_current(n).pick_option(kind, n, thread),
        }
    }

    fn final_state(&mut self, decision: &Decision<'_>) {
        if self.fallback.is_none() {
            self.members[self.current].scheduler.final_state(decision);
        }
    }

    fn end_execution(&mut self, ended: Ended, steps: usize) {
        if self.fallback.is_none() {
            self.members[self.current]
                .scheduler
                .end_execution(ended, steps);
        }
    }

    fn exhausted(&self) -> bool {
        self.exhausted
    }

    fn checker(&self) -> Option<Checker> {
        Some(self.members[self.current].checker)
    }
}

#[cfg(test)]
mod tests {
    use super::super::textbook::{late_write, lost_update, rotation};
    use crate::{Builder, Sim};
    use lockstep::check::Checker;
    use lockstep::sync::{thread, Arc, Mutex};

    /// The portfolio finds what its members find, names the member in the failure and its
    /// token, and the token replays.
    #[test]
    fn finds_and_names_the_member() {
        for model in [rotation as fn(), lost_update] {
            let failure = Builder::portfolio(2_000).seed(3).run(model).unwrap_err();
            assert_ne!(failure.checker, Checker::SimPortfolio);
            let token = crate::Token::decode(&failure.token).unwrap();
            assert_eq!(token.checker(), failure.checker);
            assert!(matches!(
                crate::try_replay(&failure.token, model),
                Ok(crate::Replayed::Failed(_))
            ));
        }
        let failure = Builder::portfolio(2_000).run(late_write(20)).unwrap_err();
        assert!(failure.executions <= 2_000);
    }

    /// `threads` threads each increment a counter `each` times under a lock.
    fn increments(threads: u32, each: u32) -> impl Fn() + Send + Sync + 'static {
        move || {
            let n: Arc<Mutex<u32, Sim>, Sim> = Arc::new(Mutex::new(0));
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    let n = n.clone();
                    thread::spawn::<Sim, _, _>(move || (0..each).for_each(|_| *n.lock() += 1))
                })
                .collect();
            for w in workers {
                w.join().unwrap();
            }
            assert_eq!(*n.lock(), threads * each);
        }
    }

    /// On a correct program the portfolio stops once DFS has covered every behaviour.
    #[test]
    fn stops_exhausted_when_dfs_covers_everything() {
        let report = Builder::portfolio(100_000).check(increments(2, 1));
        assert!(report.exhausted, "{report:?}");
        assert!(report.executions < 1_000, "{report:?}");
        assert_eq!(report.checker, Checker::SimPortfolio);
    }

    /// Shards split the budget: together they run it all.
    #[test]
    fn shards_split_the_budget() {
        let runs: usize = (0..3)
            .map(|i| {
                Builder::portfolio(100)
                    .shard(i, 3)
                    .check(increments(3, 2))
                    .executions
            })
            .sum();
        assert_eq!(runs, 100);
    }
}
