//! A std program moved onto loom by a `use` change: `tests/tests/ported/pipeline.rs` (see
//! `tests/tests/sim/ported.rs`) under `use lockstep::on_loom::std as sys;`. One producer, one
//! consumer and two items: within loom's five threads, and about 3 s of exhaustive search with
//! two preemptions (two consumers take a minute).

#[allow(dead_code)] // the seeded bugs are the simulator's and shuttle's to find
mod program {
    use lockstep::on_loom::std as sys;
    include!("../ported/pipeline.rs");
}

use lockstep::check::loom;
use program::Bug;

#[test]
fn the_std_program_passes_under_loom() {
    let config = loom::Config::default().preemption_bound(2);
    let report = loom::check(&config, || program::run(Bug::None, 1, 2, 1));
    assert!(report.executions > 1);
}
