//! The components' own models and their origins' bug models, under lockstep-sim.

use lockstep::ordered::assert_items_in_order;
use lockstep_models::block::{Arvados, ArvadosBug, ManagerRace};
use lockstep_models::ordered::{OrderedOption, OrderedRun, PanicAt, ZstashLike};
use lockstep_models::tasktree::TaskTreeModel;
use lockstep_sim::{Builder, FailureKind, Output, Sim};

#[test]
fn ordered_monitor_never_livelocks_with_a_full_window() {
    // Regression: two workers waiting for window space woke each other for ever (each announced
    // before every wait). lockstep-sim's PCT found it after 18 schedules as a livelock.
    let run = OrderedRun::new(3, 6, 2).lines(2).panicking(PanicAt {
        item: 2,
        after_lines: 1,
    });
    let report = Builder::pct(1000, 3).check(run.model::<Sim>());
    assert_eq!(report.executions, 1000);
    let report = Builder::random(1000).check(run.model::<Sim>());
    assert_eq!(report.executions, 1000);
    let report = Builder::dfs(Some(1)).check(OrderedRun::new(2, 3, 1).model::<Sim>());
    assert!(report.exhausted, "{report:?}");
}

#[test]
fn arvados_bugs_are_found_and_the_manager_is_free_of_them() {
    for bug in ArvadosBug::ALL {
        let failure = Builder::pct(1000, 3)
            .run(Arvados::buggy(bug).model::<Sim>())
            .expect_err("the Arvados bug must be found");
        let expected = if bug.buggy_deadlocks() {
            FailureKind::Deadlock
        } else {
            FailureKind::Panic
        };
        assert_eq!(failure.kind, expected, "{bug:?}: {failure}");
        let report = Builder::pct(300, 3).check(Arvados::fixed(bug).model::<Sim>());
        assert_eq!(report.executions, 300, "{bug:?}");
    }
    for race in ManagerRace::ALL {
        let report = Builder::pct(300, 3).check(race.model::<Sim>());
        assert_eq!(report.executions, 300, "{race:?}");
    }
}

#[test]
fn tasktree_rules_hold_on_every_schedule() {
    let report = Builder::pct(300, 3).check(TaskTreeModel::small().model::<Sim>());
    assert_eq!(report.executions, 300);
    let report = Builder::dfs(Some(1)).check(TaskTreeModel::tiny().model::<Sim>());
    assert!(report.exhausted, "{report:?}");
}

#[test]
fn zstash_like_output_is_the_same_on_every_schedule_and_is_the_snapshot() {
    // The pattern for users: run the component into lockstep-sim's `Output` under
    // `run_same_output` (every explored schedule must write the same bytes), then snapshot the
    // one output with insta. Static assignment by size, a failing and an empty archive.
    for workers in 2..=3 {
        let builders = [
            Builder::pct(200, 3),
            Builder::random(200),
            Builder::dfs(Some(1)).max_executions(2_000),
        ];
        for builder in builders {
            let (report, out) = builder
                .run_same_output(move |out: &Output| {
                    let (_, report) = ZstashLike { workers }.run_into::<_, Sim>(out.clone());
                    assert_eq!(report.failed.len(), 1, "archive 3 fails: {report:?}");
                })
                .unwrap_or_else(|failure| panic!("{workers} workers: {failure}"));
            assert!(report.executions > 1, "{report:?}");
            let out = String::from_utf8(out).expect("utf-8 output");
            assert_items_in_order(&out, ZstashLike::tar_of_line);
            insta::with_settings!({
                snapshot_path => "../snapshots",
                prepend_module_to_snapshot => false,
                omit_expression => true,
            }, {
                insta::assert_snapshot!("ordered_zstash_like", out);
            });
        }
    }
}

#[test]
fn fail_fast_and_log_routing_hold_on_every_bounded_schedule() {
    for option in OrderedOption::ALL {
        let report = Builder::dfs(Some(2))
            .max_executions(20_000)
            .check(option.model::<Sim>());
        assert!(report.exhausted, "{option:?}: {report:?}");
        let report = Builder::pct(300, 3).check(option.model::<Sim>());
        assert_eq!(report.executions, 300, "{option:?}");
    }
}

#[test]
fn tasktree_run_async_keeps_the_rules_on_the_simulators_executor() {
    let report = Builder::dfs(Some(2))
        .max_executions(20_000)
        .check(TaskTreeModel::small().model_async::<Sim>());
    assert!(report.exhausted, "{report:?}");
    let report = Builder::pct(300, 3).check(TaskTreeModel::small().model_async::<Sim>());
    assert_eq!(report.executions, 300);
}
