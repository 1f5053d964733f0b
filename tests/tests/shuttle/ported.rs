//! A std program moved onto shuttle by a `use` change: `tests/tests/ported/pipeline.rs`, the
//! same text that `tests/tests/std/ported.rs` runs on std threads and
//! `tests/tests/sim/ported.rs` on the simulator, here under
//! `use lockstep::on_shuttle::std as sys;`.

mod program {
    use lockstep::on_shuttle::std as sys;
    include!("../ported/pipeline.rs");
}

use lockstep::check::shuttle::{self, Config, Strategy};
use lockstep::check::FailureKind;
use program::Bug;

fn pct(iterations: usize) -> Strategy {
    Strategy::Pct {
        iterations,
        depth: 3,
    }
}

#[test]
fn the_std_program_passes_pct_on_shuttle() {
    shuttle::check_pct(|| program::run(Bug::None, 3, 4, 2), 1000, 3);
}

#[test]
fn shuttle_finds_the_seeded_bugs() {
    let failure = shuttle::try_check(&Config::default(), pct(2000), || {
        program::run(Bug::OneCondvarNotifyOne, 2, 2, 1)
    })
    .expect_err("the lost wakeup must be found");
    assert_eq!(failure.kind, FailureKind::Deadlock, "{failure}");

    let failure = shuttle::try_check(&Config::default(), pct(2000), || {
        program::run(Bug::IfInsteadOfWhile, 2, 1, 1)
    })
    .expect_err("the if-instead-of-while bug must be found");
    assert_eq!(failure.kind, FailureKind::Panic, "{failure}");
    assert!(
        failure.message.contains("woken with an empty buffer"),
        "{failure}"
    );
}
