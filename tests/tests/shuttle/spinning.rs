//! The spin-before-parking paths, which production (`Std`) takes and checkers normally skip
//! (`Runtime::SPINS_BEFORE_BLOCKING` is 0 under them), checked by shuttle through `Spinning`:
//! shuttle's primitives with a few spins allowed. Each spin is an atomic load, a scheduling
//! point, so shuttle explores a spinner racing the thread that queues work or finishes a job.

use lockstep::check::shuttle;
use lockstep::sync::Shuttle;
use lockstep_models::tasktree::{TaskTreeModel, Terminate};

/// Shuttle, but spinning up to three times before blocking.
struct Spinning;

lockstep_tests::forwarding_runtime!(Spinning => Shuttle {
    name: "shuttle-spinning",
    spins: 3,
    before_lock: || (),
});

const SCHEDULES: usize = 1_000;

#[test]
fn the_pool_keeps_the_rules_while_workers_and_coordinator_spin() {
    let model = TaskTreeModel::new(
        &["a", "a/b", "a/b/x", "a/b/~/c", "a/d", "a/~/e", "f", "~/g"],
        3,
    );
    let report = shuttle::check_pct(model.clone().model::<Spinning>(), SCHEDULES, 3);
    assert_eq!(report.executions, SCHEDULES);
    let report = shuttle::check_random(model.model::<Spinning>(), SCHEDULES);
    assert_eq!(report.executions, SCHEDULES);
}

#[test]
fn termination_reaches_spinning_workers_and_coordinator() {
    let model =
        TaskTreeModel::new(&["a", "a/b", "c", "c/d", "e"], 2).terminating(Terminate::Concurrently);
    let report = shuttle::check_pct(model.clone().model::<Spinning>(), SCHEDULES, 3);
    assert_eq!(report.executions, SCHEDULES);
    let report = shuttle::check_random(model.model::<Spinning>(), SCHEDULES);
    assert_eq!(report.executions, SCHEDULES);
}
