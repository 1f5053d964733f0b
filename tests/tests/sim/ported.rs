//! A std program moved onto the simulator by a `use` change: `tests/tests/ported/pipeline.rs`,
//! the same text that `tests/tests/std/ported.rs` runs on std threads, here under
//! `use lockstep_sim::std as sys;`. The correct program passes every interleaving; each seeded
//! bug is found, and the report points at the program's lines, not at lockstep's wrappers.

mod program {
    use lockstep_sim::std as sys;
    include!("../ported/pipeline.rs");
}

use lockstep_sim::{Builder, Failure, FailureKind};
use program::Bug;

/// The report speaks about the ported program: its thread names and its source lines.
fn assert_reported_in_the_program(failure: &Failure) {
    let report = failure.to_string();
    assert!(
        report.contains("ported/pipeline.rs"),
        "locations should be the program's:\n{report}"
    );
    assert!(
        !report.contains("core/src/compat") && !report.contains("core/src/aliases"),
        "a location inside lockstep's std-compatible wrappers leaked into the report:\n{report}"
    );
    assert!(
        report.contains("consumer-"),
        "thread names are kept:\n{report}"
    );
}

#[test]
fn the_std_program_passes_every_interleaving_within_one_preemption() {
    // Two consumers, one item and two stop signals through a one-slot buffer: every
    // interleaving with at most one preemption (7,678 executions, about a second).
    let report = lockstep_sim::check_dfs(|| program::run(Bug::None, 2, 1, 1), Some(1));
    assert!(report.exhausted, "{report:?}");
}

#[test]
fn the_std_program_passes_pct_on_the_simulator() {
    lockstep_sim::check_pct(|| program::run(Bug::None, 3, 4, 2), 1000, 3);
}

#[test]
fn a_consumer_waiting_with_if_instead_of_while_is_found() {
    let failure = Builder::dfs(Some(1))
        .run(|| program::run(Bug::IfInsteadOfWhile, 2, 1, 1))
        .expect_err("the if-instead-of-while bug must be found");
    assert_eq!(failure.kind, FailureKind::Panic, "{failure}");
    assert!(
        failure.message.contains("woken with an empty buffer"),
        "{failure}"
    );
    assert_reported_in_the_program(&failure);
}

#[test]
fn a_lost_wakeup_on_a_shared_condvar_is_found() {
    let failure = Builder::pct(1000, 3)
        .run(|| program::run(Bug::OneCondvarNotifyOne, 2, 2, 1))
        .expect_err("the lost wakeup must be found");
    assert_eq!(failure.kind, FailureKind::Deadlock, "{failure}");
    assert_reported_in_the_program(&failure);
}
