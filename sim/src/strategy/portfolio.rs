//! The default portfolio: every simulator strategy, interleaved execution by execution over one
//! budget (after Coyote's default portfolio, but interleaved rather than one strategy after
//! another, so that the strategy that suits a bug finds it after a fixed share of the budget).
//!
//! The fuzzer opens alone for [`OPENING`] executions; then the members take turns in a fixed
//! *rotation* in which each has a number of slots ([`members`]: the schedule fuzzer 30 of 42,
//! SURW 4, every other strategy one); each member keeps its own state across its
//! executions (PCT's step estimate, URW's event counts, the delay search's levels, DFS's tree)
//! exactly as if it ran alone, and a member that is done (an exhausted search) leaves the
//! rotation. The run stops at the first failure, which names the member that found it
//! ([`Scheduler::checker`]), so its report and token say `sim-surw`, `sim-pct`, ... A member
//! that cannot go on (DFS over more than 64 threads, or on a program that does not repeat
//! itself) leaves the rotation too, and the execution it was driving finishes as a random walk.
//!
//! **Guarantee.** Each member's, at its share of the budget: a bug a member with `s` of the `S`
//! slots finds within `e` of its own executions is found within about `e · S / s` executions of
//! the portfolio, after the opening. When DFS (or the unbounded delay search) has covered the
//! program's whole space the portfolio stops, *exhausted*: no execution of any strategy can
//! fail.
//!
//! Shards: every member runs the executions it would run alone under the same shard (the
//! randomised ones execution indices `i ≡ shard (mod count)`, the searches their share of the
//! tree, which then covers only that share and never stops the portfolio), so the shards of a
//! portfolio run together cover each member's whole run.
//!
//! Adding a strategy is one line in [`members`].

use super::delay::Delay;
use super::greybox::Greybox;
use super::optimal::Optimal;
use super::pct::Pct;
use super::pos::Pos;
use super::random::RandomWalk;
use super::urw::Urw;
use super::{Decision, Ended, Indices, OptionKind, Pick, Scheduler};
use crate::op::ThreadId;
use crate::rng::mix;
use lockstep::check::Checker;

/// What every member is built from.
#[derive(Debug, Clone)]
pub(crate) struct Setup {
    pub(crate) seed: u64,
    pub(crate) shard: Option<(usize, usize)>,
    pub(crate) fault_probability: f64,
    /// Faults that may fire per execution (the exhaustive member's search depends on it).
    pub(crate) fault_budget: usize,
    /// The run's step bound (the fuzzer's delays stop well before it).
    pub(crate) max_steps: usize,
    /// The fuzzer's corpus, if the run was given one.
    pub(crate) corpus: Option<crate::FuzzCorpus>,
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
    /// Its share of the rotation, in slots.
    slots: usize,
    /// Its end means the program's whole space was covered.
    complete: bool,
    live: bool,
}

fn member(checker: Checker, scheduler: impl Scheduler + 'static) -> Member {
    Member {
        checker,
        scheduler: Box::new(scheduler),
        slots: 1,
        complete: false,
        live: true,
    }
}

impl Member {
    /// Give it `slots` places in the rotation instead of one.
    fn slots(mut self, slots: usize) -> Self {
        self.slots = slots;
        self
    }

    /// Its end covers the program's whole space (an unbounded exhaustive search, unsharded: a
    /// shard's search covers only its part, and the other members go on).
    fn complete(mut self, setup: &Setup) -> Self {
        self.complete = setup.shard.is_none();
        self
    }
}

/// The members; the rotation gives each its slots, spread evenly, earlier members first.
///
/// The schedule fuzzer has 30 of the 42 slots and SURW 4: on SCTBench the fuzzer is the
/// strongest single strategy (all 22 bugs in every trial, geometric mean of medians 2.89 over
/// seeds 1..=20), SURW the strongest of the rest (8.4). Measured rotations (with the fuzzer
/// before its sweep of unseen pairs, `docs/fuzzing.md`): SURW 12 + fuzz 4 of 24: 7.73; SURW 8 +
/// fuzz 12: 5.55; SURW 4 + fuzz 16: 5.17; SURW 4 + fuzz 30: 4.66 — the shipped one; more fuzz
/// still (SURW 1 + fuzz 40: 4.43) would leave the other members too little. Every other member
/// keeps one slot: DFS for what a few executions of a search reach and to stop the run once a
/// correct program is covered, PCT for its probabilistic guarantee on bugs of small depth, the
/// delay search, URW, POS and the random walk for the rest.
pub(crate) fn members(s: Setup) -> Vec<Member> {
    let p = s.fault_probability;
    vec![
        member(
            Checker::SimFuzz,
            Greybox::new(
                s.seed(7),
                s.indices(),
                p,
                s.max_steps,
                s.corpus.clone().unwrap_or_default(),
            ),
        )
        .slots(30),
        member(Checker::SimSurw, Urw::new(s.seed(0), s.indices(), p, true)).slots(4),
        member(
            Checker::SimDfs,
            Optimal::new(None, s.shard).with_fault_budget(s.fault_budget),
        )
        .complete(&s),
        member(Checker::SimPct, Pct::new(s.seed(1), 3, s.indices(), p)),
        member(Checker::SimUrw, Urw::new(s.seed(2), s.indices(), p, false)),
        member(Checker::SimPct, Pct::new(s.seed(3), 4, s.indices(), p)),
        member(Checker::SimPos, Pos::new(s.seed(4), s.indices(), p)),
        member(
            Checker::SimRandom,
            RandomWalk::new(s.seed(5), s.indices(), p),
        ),
        member(Checker::SimPct, Pct::new(s.seed(6), 2, s.indices(), p)),
        member(Checker::SimDelay, Delay::new(None, usize::MAX, s.shard)).complete(&s),
    ]
}

/// Executions the first member (the schedule fuzzer) runs alone before the rotation starts:
/// its first executions force, one by one, the reads-from pairs the first one could have shown
/// and did not (its sweep), which is where it finds most bugs fastest. On SCTBench (40 seeds,
/// `docs/fuzzing.md`) the opening takes the portfolio's geometric mean of medians from 3.17 to
/// 2.69; it delays every other member by 8 executions.
const OPENING: usize = 8;

/// The rotation: member indices, each member `slots` times, spread evenly (smooth weighted
/// round robin: every turn each member earns its slots, and the richest, earliest on ties,
/// takes the turn and pays the total).
fn rotation(members: &[Member]) -> Vec<usize> {
    let total: usize = members.iter().map(|m| m.slots).sum();
    let mut credit = vec![0i64; members.len()];
    (0..total)
        .map(|_| {
            for (c, m) in credit.iter_mut().zip(members) {
                *c += m.slots as i64;
            }
            let best = (0..members.len())
                .max_by_key(|&i| (credit[i], std::cmp::Reverse(i)))
                .expect("the portfolio has members");
            credit[best] -= total as i64;
            best
        })
        .collect()
}

/// The portfolio strategy.
pub(crate) struct Portfolio {
    members: Vec<Member>,
    /// Which member runs at each turn of the rotation.
    rotation: Vec<usize>,
    /// This run's (or shard's) executions.
    budget: Indices,
    seed: u64,
    /// The member driving the current execution, and the next one's turn.
    current: usize,
    turn: usize,
    /// Executions of the opening still to run (see [`OPENING`]).
    opening: usize,
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
        let seed = setup.seed;
        let members = members(setup);
        Portfolio {
            rotation: rotation(&members),
            members,
            budget,
            seed,
            current: 0,
            turn: 0,
            opening: OPENING,
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
        if self.opening > 0 {
            self.opening -= 1;
            let first = &mut self.members[0];
            if first.live && first.scheduler.next_execution() {
                self.current = 0;
                return true;
            }
            first.live = false;
            self.opening = 0;
        }
        for _ in 0..self.rotation.len() {
            let m = self.rotation[self.turn];
            self.turn = (self.turn + 1) % self.rotation.len();
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

    fn final_state(&mut self, decision: &Decision<'_>) -> Result<(), String> {
        if self.fallback.is_none() {
            // A member that cannot follow the program stops itself (its next execution is
            // refused); the portfolio goes on with the others.
            let _ = self.members[self.current].scheduler.final_state(decision);
        }
        Ok(())
    }

    fn observe(&mut self, result: &crate::exec::sched::ExecResult) {
        if self.fallback.is_none() {
            self.members[self.current].scheduler.observe(result);
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

    /// A setup without shards, faults or corpus.
    fn setup() -> super::Setup {
        super::Setup {
            seed: 0,
            shard: None,
            fault_probability: 0.0,
            fault_budget: 0,
            max_steps: 1_000,
            corpus: None,
        }
    }

    /// Each member gets its slots, spread out: the member with 30 slots of 42 never runs more
    /// than three times in a row.
    #[test]
    fn the_rotation_spreads_the_slots() {
        let members = super::members(setup());
        let rotation = super::rotation(&members);
        let total: usize = members.iter().map(|m| m.slots).sum();
        assert_eq!(rotation.len(), total);
        for (i, m) in members.iter().enumerate() {
            assert_eq!(rotation.iter().filter(|&&r| r == i).count(), m.slots);
        }
        assert_eq!(rotation[0], 0, "the first member goes first");
        assert!(rotation.windows(4).all(|w| w.iter().any(|&r| r != 0)));
    }

    /// The fuzzer runs the first `OPENING` executions alone; then every member takes its turns.
    #[test]
    fn the_fuzzer_opens_then_every_member_runs() {
        use super::super::Scheduler;
        let mut portfolio = super::Portfolio::new(setup(), (0..1_000).step_by(1));
        let mut order = Vec::new();
        for _ in 0..super::OPENING + 42 {
            assert!(portfolio.next_execution());
            order.push(portfolio.current);
        }
        assert!(order[..super::OPENING].iter().all(|&m| m == 0), "{order:?}");
        let members = portfolio.members.len();
        assert!(
            (0..members).all(|m| order[super::OPENING..].contains(&m)),
            "{order:?}"
        );
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
                    .check(increments(4, 3))
                    .executions
            })
            .sum();
        assert_eq!(runs, 100);
    }
}
