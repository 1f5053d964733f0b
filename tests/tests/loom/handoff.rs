use lockstep::check::{loom, FailureKind};
use lockstep::sync::Loom;
use lockstep_models::handoff::Handoff;

/// Preemption bound for the default test run: exhaustive within it, bounded for CI time.
const BOUND: usize = 2;

#[test]
fn fixed_handoff_passes_exhaustive_loom() {
    let config = loom::Config::default().preemption_bound(BOUND);
    let report = loom::check(&config, Handoff::fixed(3, 1).model::<Loom>());
    // Exploration ran to its bound: many distinct executions, none failing.
    assert!(
        report.executions > 100,
        "explored only {} executions",
        report.executions
    );
    eprintln!(
        "loom explored {} executions of the fixed hand-off",
        report.executions
    );
}

#[test]
fn loom_finds_the_lost_wakeup() {
    let config = loom::Config::default().preemption_bound(BOUND);
    let failure = loom::try_check(&config, Handoff::buggy(3, 1).model::<Loom>())
        .expect_err("loom must find the lost wakeup");
    assert_eq!(failure.kind, FailureKind::Deadlock, "{failure}");
    assert!(failure.message.contains("deadlock"), "{failure}");
}
