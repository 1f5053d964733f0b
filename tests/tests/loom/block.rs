//! The block component under loom: the Arvados bug twins (each buggy twin's bug found, each
//! fixed twin explored to the bound without one) and the real `BlockManager` through concurrent
//! sync + async commits with a failing-then-succeeding store, `stop` racing a commit, and
//! `commit_all` with a failing uploader. Kept tiny (≤ 4 threads, preemption bound 2) for CI.

use lockstep::check::{loom, FailureKind};
use lockstep::sync::Loom;
use lockstep_models::block::{Arvados, ArvadosBug, ManagerRace};

const BOUND: usize = 2;

fn config() -> loom::Config {
    loom::Config::default().preemption_bound(BOUND)
}

fn assert_buggy_found(bug: ArvadosBug) {
    let failure = loom::try_check(&config(), Arvados::buggy(bug).model::<Loom>())
        .expect_err("loom must find the bug");
    let expected = if bug.buggy_deadlocks() {
        FailureKind::Deadlock
    } else {
        FailureKind::Panic
    };
    assert_eq!(failure.kind, expected, "{}: {failure}", bug.name());
}

fn assert_fixed_passes(bug: ArvadosBug, at_least: usize) {
    let report = loom::check(&config(), Arvados::fixed(bug).model::<Loom>());
    assert!(
        report.executions >= at_least,
        "{}: explored only {} executions",
        bug.name(),
        report.executions
    );
    eprintln!(
        "loom: fixed {} explored {} executions",
        bug.name(),
        report.executions
    );
}

#[test]
fn loom_finds_the_state_race() {
    assert_buggy_found(ArvadosBug::StateRace);
}

#[test]
fn atomic_check_and_transition_passes_loom() {
    assert_fixed_passes(ArvadosBug::StateRace, 2);
}

#[test]
fn loom_finds_the_notify_queue_deadlock() {
    assert_buggy_found(ArvadosBug::NotifyQueueDeadlock);
}

#[test]
fn sending_after_the_lock_passes_loom() {
    assert_fixed_passes(ArvadosBug::NotifyQueueDeadlock, 10);
}

#[test]
fn loom_finds_the_sync_commit_that_does_not_wait() {
    assert_buggy_found(ArvadosBug::PendingSyncCommit);
}

#[test]
fn a_waiting_sync_commit_passes_loom() {
    assert_fixed_passes(ArvadosBug::PendingSyncCommit, 2);
}

#[test]
fn loom_finds_the_upload_thread_death() {
    assert_buggy_found(ArvadosBug::UploadThreadDeath);
}

#[test]
fn marking_every_job_done_passes_loom() {
    assert_fixed_passes(ArvadosBug::UploadThreadDeath, 2);
}

#[test]
fn loom_finds_stop_racing_a_commit() {
    assert_buggy_found(ArvadosBug::StopRacingCommit);
}

#[test]
fn holding_a_sender_while_sending_passes_loom() {
    assert_fixed_passes(ArvadosBug::StopRacingCommit, 10);
}

fn assert_manager_passes(race: ManagerRace) {
    let report = loom::check(&config(), race.model::<Loom>());
    assert!(
        report.executions > 10,
        "{}: {} executions",
        race.name(),
        report.executions
    );
    eprintln!(
        "loom: manager {} explored {} executions",
        race.name(),
        report.executions
    );
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
