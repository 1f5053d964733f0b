//! The ordered output monitor under loom: 2 workers × 3 items with a window of 1, explored
//! exhaustively within a preemption bound; zstash's turn-counter bugs found, their fixed twins
//! (the monitor) pass.

use lockstep::check::{loom, FailureKind};
use lockstep::sync::Loom;
use lockstep_models::ordered::OrderedRun;
use lockstep_models::zstash::{Zstash, ZstashBug};

const BOUND: usize = 2;

#[test]
fn two_workers_three_items_window_one_match_sequential_exhaustively() {
    let config = loom::Config::default().preemption_bound(BOUND);
    let report = loom::check(&config, OrderedRun::new(2, 3, 1).model::<Loom>());
    assert!(
        report.executions > 100,
        "explored only {} executions",
        report.executions
    );
    eprintln!(
        "loom explored {} executions of the ordered monitor (2 workers x 3 items, window 1)",
        report.executions
    );
}

#[test]
fn a_full_byte_window_never_deadlocks_exhaustively() {
    // 14-byte lines against a 4-byte window: every later item blocks mid-write until it is
    // the head.
    let mut run = OrderedRun::new(2, 3, 1);
    run.window_bytes = 4;
    let config = loom::Config::default().preemption_bound(BOUND);
    let report = loom::check(&config, run.model::<Loom>());
    assert!(
        report.executions > 100,
        "explored only {}",
        report.executions
    );
    eprintln!(
        "loom explored {} executions with a 4-byte window",
        report.executions
    );
}

#[test]
fn loom_finds_zstash_draining_the_queue_before_the_done_flag() {
    let config = loom::Config::default().preemption_bound(BOUND);
    let failure = loom::try_check(
        &config,
        Zstash::buggy(ZstashBug::DrainBeforeDone).model::<Loom>(),
    )
    .expect_err("loom must find the dd320bc deadlock");
    assert_eq!(failure.kind, FailureKind::Deadlock, "{failure}");
}

#[test]
fn loom_finds_zstash_never_releasing_an_empty_tar() {
    let config = loom::Config::default().preemption_bound(BOUND);
    let failure = loom::try_check(&config, Zstash::buggy(ZstashBug::EmptyTar).model::<Loom>())
        .expect_err("loom must find the empty-tar deadlock");
    assert_eq!(failure.kind, FailureKind::Deadlock, "{failure}");
}

#[test]
fn loom_finds_zstash_dead_worker_holding_the_turn() {
    let config = loom::Config::default().preemption_bound(BOUND);
    let failure = loom::try_check(
        &config,
        Zstash::buggy(ZstashBug::DeadWorker).model::<Loom>(),
    )
    .expect_err("loom must find the dead-worker hang");
    assert_eq!(failure.kind, FailureKind::Deadlock, "{failure}");
}

#[test]
fn zstash_fixed_twins_pass_exhaustive_loom() {
    let loom_can = |bug: &ZstashBug| !bug.needs_time() && !bug.spins();
    for bug in ZstashBug::ALL.into_iter().filter(loom_can) {
        let config = loom::Config::default().preemption_bound(BOUND);
        let report = loom::check(&config, Zstash::fixed(bug).model::<Loom>());
        assert!(report.executions > 10, "{bug:?}: {}", report.executions);
        eprintln!(
            "loom explored {} executions of the fixed {bug:?}",
            report.executions
        );
    }
}
