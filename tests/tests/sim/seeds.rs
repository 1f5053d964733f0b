//! The seed systems' bugs (zstash, Arvados, bzfs, zarr, Parsl) under lockstep-sim: every buggy
//! twin is found, every fixed twin passes its whole bounded exploration, and every twin of a bug
//! that needed a particular interleaving passes every non-preemptive schedule (DFS with a
//! preemption bound of 0 exhausts without a failure) — the bug needs the preemption.

use lockstep_models::parsl::{Parsl, ParslStart};
use lockstep_sim::{Builder, Failure, FailureKind};

/// The bug is found by bounded DFS (and the report is not a harness error).
fn found<F: Fn() + Send + Sync + 'static>(model: F) -> Failure {
    let failure = Builder::dfs(Some(2))
        .max_executions(20_000)
        .run(model)
        .expect_err("the bug must be found");
    assert_ne!(failure.kind, FailureKind::Invalid, "{failure}");
    failure
}

/// DFS within `bound` preemptions covers the whole space and finds nothing.
fn exhausted<F: Fn() + Send + Sync + 'static>(bound: usize, model: F) {
    let report = Builder::dfs(Some(bound))
        .max_executions(20_000)
        .check(model);
    assert!(report.exhausted, "{report:?}");
}

#[test]
fn parsl_fork_hang_needs_a_fork_inside_emit_and_each_fix_removes_it() {
    let failure = found(
        Parsl {
            start: ParslStart::Fork,
        }
        .model(),
    );
    assert_eq!(failure.kind, FailureKind::Deadlock, "{failure}");
    let report = failure.to_string();
    assert!(
        report.contains("held across fork by thread `logger`")
            && report.contains("which does not exist in the child"),
        "{report}"
    );
    exhausted(
        0,
        Parsl {
            start: ParslStart::Fork,
        }
        .model(),
    );
    for start in &ParslStart::ALL[1..] {
        exhausted(2, Parsl { start: *start }.model());
        let report = Builder::dfs(None).check(Parsl { start: *start }.model());
        assert!(report.exhausted, "{start:?}: {report:?}");
    }
}

#[test]
fn zarr_gather_over_a_store_that_is_not_concurrency_safe() {
    use lockstep_models::zarr::{Zarr, ZarrGetMany};
    use lockstep_sim::Sim;
    let failure = found(
        Zarr {
            get_many: ZarrGetMany::Gather,
        }
        .model::<Sim>(),
    );
    assert!(
        failure.to_string().contains("concurrent requests"),
        "{failure}"
    );
    for get_many in &ZarrGetMany::ALL[1..] {
        exhausted(
            2,
            Zarr {
                get_many: *get_many,
            }
            .model::<Sim>(),
        );
    }
}

#[test]
fn zstash_bugs_are_found_and_the_monitor_fixes_them() {
    use lockstep_models::zstash::{Zstash, ZstashBug};
    use lockstep_sim::Sim;
    for bug in ZstashBug::ALL {
        let failure = found(Zstash::buggy(bug).model::<Sim>());
        let kind = match bug.buggy_deadlocks() {
            true => FailureKind::Deadlock,
            false => FailureKind::Panic,
        };
        assert_eq!(failure.kind, kind, "{bug:?}: {failure}");
        exhausted(2, Zstash::fixed(bug).model::<Sim>());
        if bug.needs_interleaving() {
            exhausted(0, Zstash::buggy(bug).model::<Sim>());
        }
    }
}

#[test]
fn arvados_bugs_are_found_and_the_block_manager_is_free_of_them() {
    use lockstep_models::block::{Arvados, ArvadosBug};
    use lockstep_sim::Sim;
    for bug in ArvadosBug::ALL {
        let failure = found(Arvados::buggy(bug).model::<Sim>());
        let kind = match bug.buggy_deadlocks() {
            true => FailureKind::Deadlock,
            false => FailureKind::Panic,
        };
        assert_eq!(failure.kind, kind, "{bug:?}: {failure}");
        exhausted(bug.preemption_bound(), Arvados::fixed(bug).model::<Sim>());
        if bug.needs_interleaving() {
            exhausted(0, Arvados::buggy(bug).model::<Sim>());
        }
    }
}

#[test]
fn bzfs_barrier_bugs_need_an_interleaving_and_the_task_tree_is_free_of_them() {
    use lockstep_models::bzfs::{Bzfs, BzfsBug};
    use lockstep_sim::Sim;
    for bug in BzfsBug::ALL {
        let failure = found(Bzfs { bug, buggy: true }.model::<Sim>());
        assert_eq!(failure.kind, FailureKind::Panic, "{bug:?}: {failure}");
        assert!(failure.to_string().contains("prune"), "{failure}");
        exhausted(0, Bzfs { bug, buggy: true }.model::<Sim>());
        exhausted(2, Bzfs { bug, buggy: false }.model::<Sim>());
    }
}
