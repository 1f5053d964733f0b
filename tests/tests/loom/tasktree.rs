//! The barrier scheduler's thread pool under loom (exhaustive within a preemption bound), on
//! trees small enough to keep each test under a few seconds. The rules checked are those of
//! `lockstep_models::tasktree`.

use lockstep::check::loom;
use lockstep::sync::Loom;
use lockstep_models::tasktree::{TaskTreeModel, Terminate};

const BOUND: usize = 2;

fn explore(model: TaskTreeModel, at_least: usize) {
    let config = loom::Config::default().preemption_bound(BOUND);
    let report = loom::check(&config, model.model::<Loom>());
    assert!(
        report.executions > at_least,
        "explored only {} executions",
        report.executions
    );
    eprintln!("loom explored {} executions", report.executions);
}

#[test]
fn barrier_after_two_parallel_jobs() {
    explore(TaskTreeModel::new(&["a", "b", "~/c"], 2), 1_000);
}

#[test]
fn skip_keeps_the_subtree_and_the_barrier_closed() {
    explore(TaskTreeModel::new(&["a skip", "a/b", "c", "~/d"], 2), 500);
}

#[test]
fn concurrent_termination() {
    explore(
        TaskTreeModel::new(&["a", "b"], 1).terminating(Terminate::Concurrently),
        1_000,
    );
}

/// Opt-in deep run (about two minutes): termination racing two workers over a three-job tree.
#[test]
#[ignore = "deep exploration; run with --ignored"]
fn concurrent_termination_two_workers_deep() {
    explore(
        TaskTreeModel::new(&["a", "a/b", "c"], 2).terminating(Terminate::Concurrently),
        100_000,
    );
}
