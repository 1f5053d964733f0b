use lockstep_models::acceptance::{
    abba::Abba, atomicity::Tickets, depth3::Depth3, gather::Gather, retry::Retry,
    rotation::Rotation, timeout_progress::Supervisor,
};
use lockstep_models::handoff::Handoff;
use lockstep_sim::{Builder, Failure, FailureKind, Report, Sim};

fn bug(builder: Builder, model: impl Fn() + Send + Sync + 'static, kind: FailureKind) -> Failure {
    let failure = builder.run(model).expect_err("the bug must be found");
    assert_eq!(failure.kind, kind, "{failure}");
    assert!(failure.token.starts_with("ls1-"), "{failure}");
    failure
}

fn exhausted(report: Report) {
    assert!(
        report.exhausted,
        "DFS must cover the whole space: {report:?}"
    );
}

#[test]
fn lost_wakeup() {
    bug(
        Builder::dfs(None),
        Handoff::buggy(3, 1).model::<Sim>(),
        FailureKind::Deadlock,
    );
    bug(
        Builder::pct(1000, 3),
        Handoff::buggy(3, 2).model::<Sim>(),
        FailureKind::Deadlock,
    );
    exhausted(Builder::dfs(None).check(Handoff::fixed(3, 1).model::<Sim>()));
    let report = Builder::pct(1000, 3).check(Handoff::fixed(3, 2).model::<Sim>());
    assert_eq!(report.executions, 1000);
}

#[test]
fn abba_deadlock() {
    let abba = Abba {
        buggy: true,
        rounds: 0,
    };
    let failure = bug(
        Builder::dfs(None),
        abba.model::<Sim>(),
        FailureKind::Deadlock,
    );
    let explanation = failure.deadlock.as_deref().unwrap_or_default();
    assert!(
        explanation.contains("wait-for cycle: main -> ba -> main"),
        "{failure}"
    );
    bug(
        Builder::random(1000),
        abba.model::<Sim>(),
        FailureKind::Deadlock,
    );
    exhausted(
        Builder::dfs(None).check(
            Abba {
                buggy: false,
                rounds: 0,
            }
            .model::<Sim>(),
        ),
    );
}

#[test]
fn abba_deadlock_after_five_rounds_on_a_third_lock() {
    let abba = Abba {
        buggy: true,
        rounds: 5,
    };
    bug(
        Builder::dfs(None),
        abba.model::<Sim>(),
        FailureKind::Deadlock,
    );
    bug(
        Builder::pct(1000, 2),
        abba.model::<Sim>(),
        FailureKind::Deadlock,
    );
    exhausted(
        Builder::dfs(None).check(
            Abba {
                buggy: false,
                rounds: 5,
            }
            .model::<Sim>(),
        ),
    );
}

#[test]
fn atomicity_violation() {
    let failure = bug(
        Builder::dfs(None),
        Tickets { buggy: true }.model::<Sim>(),
        FailureKind::Panic,
    );
    assert!(failure.message.contains("tickets granted"), "{failure}");
    bug(
        Builder::random(1000),
        Tickets { buggy: true }.model::<Sim>(),
        FailureKind::Panic,
    );
    exhausted(Builder::dfs(None).check(Tickets { buggy: false }.model::<Sim>()));
}

#[test]
fn bug_of_depth_three() {
    let model = || Depth3 { buggy: true }.model::<Sim>();
    let failure = bug(Builder::pct(2000, 3), model(), FailureKind::Panic);
    assert!(
        failure.message.contains("published out of order"),
        "{failure}"
    );
    bug(Builder::dfs(None), model(), FailureKind::Panic);
    exhausted(Builder::dfs(None).check(Depth3 { buggy: false }.model::<Sim>()));
}

#[test]
fn progress_that_needs_a_timeout() {
    // Without a timeout nobody ends the wait: a deadlock.
    let failure = bug(
        Builder::dfs(None),
        Supervisor { buggy: true }.model::<Sim>(),
        FailureKind::Deadlock,
    );
    assert!(failure
        .deadlock
        .unwrap_or_default()
        .contains("waits on condvar"));
    // With a timed wait, virtual time makes the timeout fire: every schedule passes.
    exhausted(Builder::dfs(None).check(Supervisor { buggy: false }.model::<Sim>()));
    let report = Builder::random(500).check(Supervisor { buggy: false }.model::<Sim>());
    assert_eq!(report.executions, 500);
}

#[test]
fn bug_that_needs_two_faults() {
    // One fault is not enough to lose the value...
    exhausted(
        Builder::dfs(None)
            .fault_budget(1)
            .check(Retry { buggy: true }.model::<Sim>()),
    );
    // ...two consecutive failures of `store.put` are.
    let failure = bug(
        Builder::dfs(None).fault_budget(2),
        Retry { buggy: true }.model::<Sim>(),
        FailureKind::Panic,
    );
    assert_eq!(failure.faults, ["store.put", "store.put"], "{failure}");
    bug(
        Builder::random(2000).fault_budget(2).fault_probability(0.3),
        Retry { buggy: true }.model::<Sim>(),
        FailureKind::Panic,
    );
    exhausted(
        Builder::dfs(None)
            .fault_budget(3)
            .check(Retry { buggy: false }.model::<Sim>()),
    );
}

#[test]
fn async_lock_held_across_an_await_in_a_gather() {
    let failure = bug(
        Builder::dfs(None),
        Gather { buggy: true }.model::<Sim>(),
        FailureKind::Deadlock,
    );
    let explanation = failure.deadlock.clone().unwrap_or_default();
    assert!(explanation.contains("async task"), "{failure}");
    bug(
        Builder::random(200),
        Gather { buggy: true }.model::<Sim>(),
        FailureKind::Deadlock,
    );
    exhausted(Builder::dfs(None).check(Gather { buggy: false }.model::<Sim>()));
}

#[test]
fn bug_that_needs_three_preemptions() {
    let model = || Rotation { buggy: true }.model::<Sim>();
    let failure = bug(Builder::pct(2000, 4), model(), FailureKind::Panic);
    assert!(failure.message.contains("went round twice"), "{failure}");
    assert_eq!(failure.preemptions, 3, "{failure}");
    bug(Builder::portfolio(1000), model(), FailureKind::Panic);
    // A preemption bound of 2 is not enough.
    exhausted(Builder::dfs(Some(2)).check(model()));
    exhausted(Builder::dfs(None).check(Rotation { buggy: false }.model::<Sim>()));
}

/// Every buggy acceptance model with the settings it needs: (name, model, fault budget).
fn buggy_models() -> Vec<(&'static str, lockstep_sim::ModelFn, usize)> {
    use std::sync::Arc;
    vec![
        ("handoff", Arc::new(Handoff::buggy(3, 1).model::<Sim>()), 0),
        (
            "abba",
            Arc::new(
                Abba {
                    buggy: true,
                    rounds: 0,
                }
                .model::<Sim>(),
            ),
            0,
        ),
        (
            "abba-after-rounds",
            Arc::new(
                Abba {
                    buggy: true,
                    rounds: 5,
                }
                .model::<Sim>(),
            ),
            0,
        ),
        (
            "atomicity",
            Arc::new(Tickets { buggy: true }.model::<Sim>()),
            0,
        ),
        ("depth3", Arc::new(Depth3 { buggy: true }.model::<Sim>()), 0),
        (
            "timeout-progress",
            Arc::new(Supervisor { buggy: true }.model::<Sim>()),
            0,
        ),
        ("retry", Arc::new(Retry { buggy: true }.model::<Sim>()), 2),
        ("gather", Arc::new(Gather { buggy: true }.model::<Sim>()), 0),
        (
            "rotation",
            Arc::new(Rotation { buggy: true }.model::<Sim>()),
            0,
        ),
    ]
}

/// Issue 13.4: a shrunk failure has the fewest preemptions any schedule failing the same way
/// needs — the smallest bound at which preemption-bounded DFS finds that kind of failure —
/// whichever strategy found it, and the shrunk token replays it.
#[test]
fn shrunk_failures_have_the_fewest_preemptions() {
    for (name, model, faults) in buggy_models() {
        let found = Builder::random(5_000)
            .seed(7)
            .fault_budget(faults)
            .fault_probability(0.3)
            .run_shared(model.clone())
            .expect_err(name);
        let fewest = (0..=4)
            .find(|&bound| {
                let dfs = Builder::dfs(Some(bound)).fault_budget(faults).shrink(false);
                dfs.run_shared(model.clone())
                    .is_err_and(|f| f.kind == found.kind)
            })
            .expect("DFS finds every acceptance bug within 4 preemptions");
        let shrunk = found.shrunk.expect("shrinking is on");
        assert_eq!(found.preemptions, fewest, "{name}: {found}");
        assert_eq!(shrunk.preemptions.1, fewest, "{name}");
        let (before, after) = (
            (shrunk.preemptions.0, shrunk.steps.0),
            (shrunk.preemptions.1, shrunk.steps.1),
        );
        assert!(after <= before, "{name}: {shrunk:?}");
        let replayed = lockstep_sim::try_replay_token(
            &lockstep_sim::Token::decode(&found.token).unwrap(),
            model,
        );
        assert!(
            matches!(replayed, Ok(lockstep_sim::Replayed::Failed(_))),
            "{name}"
        );
    }
}
