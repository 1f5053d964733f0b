use lockstep::check::shuttle::{self, Config, Strategy};
use lockstep::check::FailureKind;
use lockstep::sync::Shuttle;
use lockstep_models::handoff::Handoff;

#[test]
fn fixed_handoff_passes_1000_pct_schedules() {
    let report = shuttle::check_pct(Handoff::fixed(3, 2).model::<Shuttle>(), 1_000, 3);
    assert_eq!(report.executions, 1_000);
}

#[test]
fn shuttle_pct_finds_the_lost_wakeup_and_replays_it() {
    let config = Config::default().seed(7);
    let failure = shuttle::try_check(
        &config,
        Strategy::Pct {
            iterations: 1_000,
            depth: 3,
        },
        Handoff::buggy(3, 2).model::<Shuttle>(),
    )
    .expect_err("shuttle PCT must find the lost wakeup");
    assert_eq!(failure.kind, FailureKind::Deadlock, "{failure}");
    let schedule = failure.replay.clone().expect("a replay schedule");
    // The schedule reproduces the same deadlock.
    let again = shuttle::try_check(
        &config,
        Strategy::Replay { schedule },
        Handoff::buggy(3, 2).model::<Shuttle>(),
    )
    .expect_err("the replayed schedule must fail again");
    assert_eq!(again.kind, FailureKind::Deadlock);
}

#[test]
fn shuttle_random_finds_the_lost_wakeup() {
    let failure = shuttle::try_check(
        &Config::default().seed(11),
        Strategy::Random { iterations: 1_000 },
        Handoff::buggy(3, 2).model::<Shuttle>(),
    )
    .expect_err("shuttle random must find the lost wakeup");
    assert_eq!(failure.kind, FailureKind::Deadlock);
}
