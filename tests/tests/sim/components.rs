//! The components' own models and their origins' bug models, under lockstep-sim.

use lockstep_models::block::{Arvados, ArvadosBug, ManagerRace};
use lockstep_models::ordered::{OrderedRun, PanicAt};
use lockstep_models::tasktree::TaskTreeModel;
use lockstep_sim::{Builder, FailureKind, Sim};

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
