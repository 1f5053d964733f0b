//! The std program of `tests/tests/ported/pipeline.rs` on real std threads: the baseline its
//! simulator and shuttle twins (`tests/tests/{sim,shuttle}/ported.rs`) must match.

#[allow(dead_code)] // the seeded bugs are only run under checkers
mod program {
    use ::std as sys;
    include!("../ported/pipeline.rs");
}

use program::Bug;

#[test]
fn the_std_program_runs_on_std_threads() {
    for _ in 0..20 {
        program::run(Bug::None, 2, 50, 1);
        program::run(Bug::None, 3, 200, 4);
    }
}
