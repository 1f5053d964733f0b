//! The block component under shuttle: the Arvados bug twins (each buggy twin found by PCT and by
//! random scheduling and replayed, each fixed twin passes 1,000 schedules of each) and the real `BlockManager` races (concurrent sync +
//! async commits with a failing-then-succeeding store, `stop` racing a commit, `commit_all` with a
//! failing uploader), 1,000 PCT schedules each.

use lockstep::check::shuttle::{self, Config, Strategy};
use lockstep::check::FailureKind;
use lockstep::sync::Shuttle;
use lockstep_models::block::{Arvados, ArvadosBug, ManagerRace};

const SCHEDULES: usize = 1_000;

fn assert_buggy_found(bug: ArvadosBug) {
    let model = || Arvados::buggy(bug).model::<Shuttle>();
    let config = Config::default().seed(5);
    let expected = if bug.buggy_deadlocks() {
        FailureKind::Deadlock
    } else {
        FailureKind::Panic
    };
    for strategy in [
        Strategy::Pct {
            iterations: SCHEDULES,
            depth: 3,
        },
        Strategy::Random {
            iterations: SCHEDULES,
        },
    ] {
        let failure = shuttle::try_check(&config, strategy.clone(), model())
            .expect_err("shuttle must find the bug");
        assert_eq!(
            failure.kind,
            expected,
            "{} {strategy:?}: {failure}",
            bug.name()
        );
        // The recorded schedule reproduces it.
        let schedule = failure.replay.clone().expect("a replay schedule");
        let again = shuttle::try_check(&config, Strategy::Replay { schedule }, model())
            .expect_err("the replayed schedule fails again");
        assert_eq!(again.kind, expected);
    }
}

fn assert_fixed_passes(bug: ArvadosBug) {
    let report = shuttle::check_pct(Arvados::fixed(bug).model::<Shuttle>(), SCHEDULES, 3);
    assert_eq!(report.executions, SCHEDULES);
    let report = shuttle::check_random(Arvados::fixed(bug).model::<Shuttle>(), SCHEDULES);
    assert_eq!(report.executions, SCHEDULES);
}

#[test]
fn shuttle_finds_every_arvados_bug_and_replays_it() {
    for bug in ArvadosBug::ALL {
        assert_buggy_found(bug);
    }
}

#[test]
fn every_fixed_twin_passes_shuttle() {
    for bug in ArvadosBug::ALL {
        assert_fixed_passes(bug);
    }
}

fn assert_manager_passes(race: ManagerRace) {
    let report = shuttle::check_pct(race.model::<Shuttle>(), SCHEDULES, 3);
    assert_eq!(report.executions, SCHEDULES, "{}", race.name());
    let report = shuttle::check_random(race.model::<Shuttle>(), SCHEDULES);
    assert_eq!(report.executions, SCHEDULES, "{}", race.name());
}

#[test]
fn manager_sync_and_async_commits_with_a_failing_then_succeeding_store() {
    assert_manager_passes(ManagerRace::SyncAsyncRetry);
}

#[test]
fn manager_stop_racing_a_commit() {
    assert_manager_passes(ManagerRace::StopRacingCommit);
}

#[test]
fn manager_commit_all_with_a_failing_uploader() {
    assert_manager_passes(ManagerRace::CommitAllFailing);
}
