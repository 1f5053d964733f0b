//! The strategies of issue 13 — POS, URW, SURW, the delay-bounded search and the portfolio —
//! with everything the simulator offers: faults, virtual time, replay tokens, shrinking, shards
//! and determinism. (What each finds that others miss is tested in its own module in
//! `sim/src/strategy/`.)

use lockstep::check::Checker;
use lockstep_models::acceptance::{retry::Retry, timeout_progress::Supervisor};
use lockstep_models::handoff::Handoff;
use lockstep_sim::{Builder, FailureKind, Replayed, Sim, Strategy, Token};

/// Each new strategy with `n` executions, and the checker it reports as.
fn strategies(n: usize) -> Vec<(Checker, Builder)> {
    vec![
        (Checker::SimPos, Builder::pos(n)),
        (Checker::SimUrw, Builder::urw(n)),
        (Checker::SimSurw, Builder::surw(n)),
        (Checker::SimDelay, Builder::delay(n)),
        (Checker::SimPortfolio, Builder::portfolio(n)),
    ]
}

/// A fault fires with the fault probability (the delay search enumerates it as a deviation),
/// and shrinking keeps exactly the two faults the bug needs.
#[test]
fn every_strategy_injects_faults() {
    for (checker, builder) in strategies(2_000) {
        let failure = builder
            .fault_budget(2)
            .fault_probability(0.3)
            .run(Retry { buggy: true }.model::<Sim>())
            .expect_err(checker.name());
        assert_eq!(failure.kind, FailureKind::Panic, "{checker}: {failure}");
        assert_eq!(failure.faults, ["store.put", "store.put"], "{checker}");
    }
}

/// Timeouts fire in virtual time: the timed wait passes, the untimed one deadlocks.
#[test]
fn every_strategy_runs_in_virtual_time() {
    for (checker, builder) in strategies(200) {
        let report = builder
            .clone()
            .check(Supervisor { buggy: false }.model::<Sim>());
        assert!(report.executions >= 1, "{checker}");
        let failure = builder
            .run(Supervisor { buggy: true }.model::<Sim>())
            .expect_err(checker.name());
        assert_eq!(failure.kind, FailureKind::Deadlock, "{checker}: {failure}");
    }
}

/// A failure names its strategy (the portfolio: the member that found it), is shrunk, and its
/// token replays it; the same seed finds it again at the same execution.
#[test]
fn every_strategy_replays_shrinks_and_repeats() {
    let model = || Handoff::buggy(3, 2).model::<Sim>();
    for (checker, builder) in strategies(2_000) {
        let failure = builder
            .clone()
            .seed(5)
            .run(model())
            .expect_err(checker.name());
        if checker == Checker::SimPortfolio {
            assert_ne!(failure.checker, checker);
        } else {
            assert_eq!(failure.checker, checker);
        }
        assert_eq!(
            Token::decode(&failure.token).unwrap().checker(),
            failure.checker
        );
        let shrunk = failure.shrunk.expect("shrinking is on");
        assert!(shrunk.preemptions.1 <= shrunk.preemptions.0, "{checker}");
        match lockstep_sim::try_replay(&failure.token, model()) {
            Ok(Replayed::Failed(again)) => assert_eq!(again.message, failure.message),
            other => panic!("{checker}: {other:?}"),
        }
        let again = builder.seed(5).run(model()).expect_err(checker.name());
        assert_eq!(
            (again.executions, again.token),
            (failure.executions, failure.token),
            "{checker}"
        );
    }
}

/// Shards deal the executions out: together they run the whole budget (the delay search: the
/// deterministic schedule in every shard, the rest split).
#[test]
fn shards_split_every_strategy() {
    let model = || Handoff::fixed(3, 1).model::<Sim>();
    for (checker, builder) in strategies(60) {
        let whole = builder.clone().check(model()).executions;
        let parts: usize = (0..3)
            .map(|i| builder.clone().shard(i, 3).check(model()).executions)
            .sum();
        assert_eq!(parts, whole, "{checker}");
    }
    let bounded = Builder::with_strategy(Strategy::Delay {
        iterations: 100_000,
        max_delays: Some(1),
    });
    let whole = bounded.clone().check(model());
    assert!(whole.exhausted);
    let parts: usize = (0..3)
        .map(|i| bounded.clone().shard(i, 3).check(model()).executions)
        .sum();
    assert_eq!(parts, whole.executions + 2, "the root runs in every shard");
}
