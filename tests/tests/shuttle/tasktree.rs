//! The barrier scheduler's thread pool under shuttle: every schedule explored must keep the
//! scheduling rules (parents first, barriers after their subtree, at most once, skips, exact
//! failed flag, termination stops submissions) — see `lockstep_models::tasktree`.

use lockstep::check::shuttle;
use lockstep::sync::Shuttle;
use lockstep_models::tasktree::{TaskTreeModel, Terminate};

const SCHEDULES: usize = 1_000;

#[test]
fn barrier_skip_fail_tree_keeps_the_rules_on_two_workers() {
    let report = shuttle::check_pct(TaskTreeModel::small().model::<Shuttle>(), SCHEDULES, 3);
    assert_eq!(report.executions, SCHEDULES);
}

#[test]
fn nested_barriers_keep_the_rules_on_three_workers() {
    let model = TaskTreeModel::new(
        &["a", "a/b", "a/b/x", "a/b/~/c", "a/d", "a/~/e", "f", "~/g"],
        3,
    );
    let report = shuttle::check_random(model.model::<Shuttle>(), SCHEDULES);
    assert_eq!(report.executions, SCHEDULES);
}

#[test]
fn concurrent_termination_stops_submissions_and_sets_failed_exactly() {
    let model =
        TaskTreeModel::new(&["a", "a/b", "c", "c/d", "e"], 2).terminating(Terminate::Concurrently);
    let report = shuttle::check_random(model.clone().model::<Shuttle>(), SCHEDULES);
    assert_eq!(report.executions, SCHEDULES);
    let report = shuttle::check_pct(model.model::<Shuttle>(), SCHEDULES, 3);
    assert_eq!(report.executions, SCHEDULES);
}

#[test]
fn termination_before_the_run_starts_nothing() {
    let model = TaskTreeModel::new(&["a", "b", "c"], 2).terminating(Terminate::Before);
    let report = shuttle::check_random(model.model::<Shuttle>(), 200);
    assert_eq!(report.executions, 200);
}

#[test]
fn run_async_keeps_the_rules_on_shuttles_executor() {
    let model = TaskTreeModel::small();
    let report = shuttle::check_pct(model.clone().model_async::<Shuttle>(), SCHEDULES, 3);
    assert_eq!(report.executions, SCHEDULES);
    let report = shuttle::check_random(model.model_async::<Shuttle>(), SCHEDULES);
    assert_eq!(report.executions, SCHEDULES);
}
