//! SCTBench's CS group on lockstep-sim: every buggy program's bug is found within a stated
//! budget for a fixed seed, and is the expected kind of failure with the expected
//! message; every `_ok` twin survives 10,000 random, PCT and portfolio schedules and bounded DFS.
//!
//! The budgets are what the test allows, not what the strategies need on average (see
//! `docs/sctbench.md` for the measured medians over 20 seeds).

use lockstep_models::sctbench::{self, programs, Program};
use lockstep_sim::{Builder, Failure, FailureKind, Sim};

fn program(label: &str) -> Program {
    programs()
        .into_iter()
        .find(|p| p.label() == label)
        .unwrap_or_else(|| panic!("no program {label}"))
}

/// How a test looks for a bug.
#[derive(Clone, Copy, Debug)]
enum Search {
    Random(usize),
    Pct3(usize),
    Surw(usize),
}

impl Search {
    fn builder(self, seed: u64) -> Builder {
        match self {
            Search::Random(n) => Builder::random(n),
            Search::Pct3(n) => Builder::pct(n, 3),
            Search::Surw(n) => Builder::surw(n),
        }
        .seed(seed)
    }
}

/// Find `label`'s bug with `search` (seed 1); it must be a deadlock if the program deadlocks,
/// else a panic whose message contains `message`.
fn find(label: &str, search: Search, message: &str) -> Failure {
    find_with_seed(label, search, 1, message)
}

/// [`find`] with another seed.
fn find_with_seed(label: &str, search: Search, seed: u64, message: &str) -> Failure {
    let p = program(label);
    assert!(p.expect_bug, "{label} is not a buggy program");
    let failure = search
        .builder(seed)
        .shrink(false)
        .run(p.run)
        .expect_err(&format!(
            "{label}: {search:?} with seed {seed} must find the bug"
        ));
    if p.deadlock {
        assert_eq!(failure.kind, FailureKind::Deadlock, "{label}: {failure}");
    } else {
        assert_eq!(failure.kind, FailureKind::Panic, "{label}: {failure}");
        assert!(
            failure.message.contains(message),
            "{label}: expected a failure mentioning {message:?}, got: {failure}"
        );
    }
    failure
}

#[test]
fn the_table_lists_the_22_bugs_and_5_ok_twins() {
    let all = programs();
    let bugs: Vec<String> = all
        .iter()
        .filter(|p| p.expect_bug)
        .map(Program::label)
        .collect();
    assert_eq!(bugs.len(), 22, "{bugs:?}");
    assert!(all
        .iter()
        .all(|p| p.expect_bug == (p.variant == "buggy")
            && (p.variant == "buggy" || p.variant == "ok")));
    let oks: Vec<String> = all
        .iter()
        .filter(|p| !p.expect_bug)
        .map(Program::label)
        .collect();
    assert_eq!(
        oks,
        [
            "account_ok",
            "circular_buffer_ok",
            "lazy01_ok",
            "queue_ok",
            "stack_ok"
        ]
    );
    for p in all.iter().filter(|p| !p.expect_bug) {
        assert!(
            bugs.contains(&p.name.to_owned()),
            "{} has no buggy twin",
            p.name
        );
    }
    let mut labels: Vec<String> = all.iter().map(Program::label).collect();
    labels.sort();
    labels.dedup();
    assert_eq!(labels.len(), all.len(), "labels must be unique");
    let deadlocks: Vec<&str> = all.iter().filter(|p| p.deadlock).map(|p| p.name).collect();
    assert_eq!(deadlocks, ["carter01", "deadlock01"]);
    // Thread counts of the families are the published splits.
    for (n, setters, checkers) in sctbench::reorder::PUBLISHED {
        assert_eq!(setters + checkers, n);
        assert_eq!(program(&format!("reorder_{n}")).threads, n);
        assert_eq!(sctbench::reorder::split(n), (setters, checkers));
    }
    for (n, writers, readers) in sctbench::twostage::PUBLISHED {
        assert_eq!(writers + readers, n);
        let label = if n == 2 {
            "twostage".to_owned()
        } else {
            format!("twostage_{n}")
        };
        assert_eq!(program(&label).threads, n);
    }
    assert_eq!(program("wronglock").threads, 8);
    assert_eq!(program("wronglock_3").threads, 4);
}

#[test]
fn assertion_bugs_of_the_small_programs_are_found() {
    find("account", Search::Random(1000), "(x - y) - z");
    find(
        "bluetooth_driver",
        Search::Pct3(1000),
        "works on a stopped device",
    );
    find("circular_buffer", Search::Random(1000), "t2's loop index");
    find("lazy01", Search::Random(1000), "ran after both adders");
    find("queue", Search::Random(1000), "stored_elements");
    find("stack", Search::Random(1000), "stack underflow");
    find("token_ring", Search::Pct3(1000), "the ring disagrees");
    find("wronglock", Search::Random(1000), "Bug Found!");
    find("wronglock_3", Search::Random(1000), "Bug Found!");
}

#[test]
fn deadlocks_are_reported_as_deadlocks_with_their_cycle() {
    let failure = find("carter01", Search::Random(1000), "");
    let explanation = failure.deadlock.as_deref().unwrap_or_default();
    assert!(
        explanation.contains("a1") && explanation.contains("b1"),
        "{failure}"
    );
    let failure = find("deadlock01", Search::Random(1000), "");
    let explanation = failure.deadlock.as_deref().unwrap_or_default();
    assert!(
        explanation.contains("thread1") && explanation.contains("thread2"),
        "{failure}"
    );
}

#[test]
fn reorder_bugs_up_to_20_threads_are_found_by_pct() {
    for n in [3, 4, 5] {
        find(
            &format!("reorder_{n}"),
            Search::Pct3(2000),
            "a = 1 before b = -1",
        );
    }
    find("reorder_10", Search::Pct3(5000), "a = 1 before b = -1");
    find("reorder_20", Search::Pct3(5000), "a = 1 before b = -1");
}

#[test]
fn reorder_50_is_found_by_surw() {
    // 21 executions with seed 1 (all of seeds 1..=20 within 1,000; median 20). PCT3 found it
    // within 1,000 for 4 of them.
    find("reorder_50", Search::Surw(1000), "a = 1 before b = -1");
}

#[test]
fn twostage_bugs_up_to_50_threads_are_found_by_pct() {
    find("twostage", Search::Pct3(1000), "Bug found!");
    find("twostage_20", Search::Pct3(2000), "Bug found!");
    find("twostage_50", Search::Pct3(2000), "Bug found!");
}

#[test]
fn twostage_100_is_found_by_surw() {
    // SURW finds it within 1,000 executions for 9 of seeds 1..=20 (the published PCT3 did in 6
    // of 20 five-minute trials, RFF in all); seed 5 is the one that needs fewest, 147 — a chosen
    // seed, to keep this test short (seed 1 needs 661).
    find_with_seed("twostage_100", Search::Surw(1000), 5, "Bug found!");
}

/// reorder_100 (99 setters, one checker) was out of reach of random walk and PCT3 (0 of 20
/// seeds within 20,000 executions each; the published PCT3 found it in 1 of 20 five-minute
/// trials, POS never); SURW finds it within 1,000 executions for 19 of seeds 1..=20, with seed
/// 1 at 193.
#[test]
fn reorder_100_is_found_by_surw() {
    find("reorder_100", Search::Surw(1000), "a = 1 before b = -1");
}

/// `_ok` twins: no failure in 10,000 random, 10,000 PCT and 10,000 portfolio schedules (the
/// portfolio may stop earlier, exhausted, when its DFS covered every behaviour; the opt-in
/// million-schedule run is `sctbench --ok --budget 1000000`, see `docs/sctbench.md`).
fn survives(label: &str) {
    let p = program(label);
    assert!(!p.expect_bug);
    for builder in [
        Builder::random(10_000),
        Builder::pct(10_000, 3),
        Builder::portfolio(10_000),
    ] {
        let report = builder
            .seed(1)
            .run(p.run)
            .unwrap_or_else(|failure| panic!("{label}: {failure}"));
        assert!(
            report.executions == 10_000 || report.exhausted,
            "{label}: {report:?}"
        );
    }
}

/// DFS with at most two preemptions covers the whole bounded space without a failure.
fn exhausts(label: &str) {
    let report = Builder::dfs(Some(2))
        .run(program(label).run)
        .unwrap_or_else(|failure| panic!("{label}: {failure}"));
    assert!(report.exhausted, "{label}: {report:?}");
}

#[test]
fn ok_twins_pass_random_and_pct() {
    for label in [
        "account_ok",
        "circular_buffer_ok",
        "lazy01_ok",
        "queue_ok",
        "stack_ok",
    ] {
        survives(label);
    }
}

#[test]
fn ok_twins_pass_bounded_dfs() {
    for label in [
        "account_ok",
        "circular_buffer_ok",
        "lazy01_ok",
        "queue_ok",
        "stack_ok",
    ] {
        exhausts(label);
    }
}

#[test]
fn the_ok_twins_run_on_std_threads() {
    use lockstep::sync::Std;
    for _ in 0..20 {
        sctbench::account::ok::<Std>();
        sctbench::circular_buffer::ok::<Std>();
        sctbench::lazy01::ok::<Std>();
        sctbench::queue::ok::<Std>();
        sctbench::stack::ok::<Std>();
    }
}

#[test]
fn scaled_instances_are_built_for_any_n() {
    let r = sctbench::reorder(7);
    assert_eq!(
        (r.name.as_str(), r.threads, r.first, r.second),
        ("reorder_7", 7, 6, 1)
    );
    let r = sctbench::reorder(20);
    assert_eq!((r.first, r.second), (10, 10));
    let t = sctbench::twostage(2);
    assert_eq!((t.name.as_str(), t.first, t.second), ("twostage", 1, 1));
    let t = sctbench::twostage(33);
    assert_eq!((t.name.as_str(), t.first, t.second), ("twostage_33", 32, 1));
    // A scaled instance is the same program: its bug is found too.
    let failure = Builder::pct(5000, 3)
        .seed(1)
        .shrink(false)
        .run(sctbench::reorder(7).model())
        .expect_err("reorder_7's bug");
    assert!(failure.message.contains("a = 1 before b = -1"), "{failure}");
    let failure = Builder::pct(2000, 3)
        .seed(1)
        .shrink(false)
        .run(sctbench::twostage(6).model())
        .expect_err("twostage_6's bug");
    assert!(failure.message.contains("Bug found!"), "{failure}");
}

#[test]
#[should_panic(expected = "reorder_N needs 2 <= N <= 100")]
fn reorder_rejects_more_than_100_threads() {
    sctbench::reorder(101);
}

#[test]
fn the_models_are_generic_over_the_runtime() {
    // The same source, instantiated for the simulator by hand rather than through the table.
    let failure = Builder::random(1000)
        .seed(3)
        .shrink(false)
        .run(sctbench::deadlock01::bad::<Sim>)
        .expect_err("deadlock01");
    assert_eq!(failure.kind, FailureKind::Deadlock);
}
