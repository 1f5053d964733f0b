//! Issue 13: on "three threads advancing a shared stage by compare-exchange in two rounds" (a
//! bug that needs three preemptions), lockstep-sim's PCT of depth 4 needed a median of 8,381
//! schedules where shuttle's needed 227. With change points drawn over choice points it needs no
//! more than shuttle on the same seeds (measured: 174 against 227; see `docs/strategies.md`).

use lockstep::check::shuttle;
use lockstep::sync::Shuttle;
use lockstep_models::acceptance::rotation::Rotation;
use lockstep_sim::{Builder, Sim};

const SEEDS: u64 = 21;
const BUDGET: usize = 5_000;

fn median(mut found: Vec<usize>) -> usize {
    found.sort_unstable();
    found[found.len() / 2]
}

#[test]
fn depth_four_pct_needs_no_more_schedules_than_shuttles() {
    let model = Rotation { buggy: true };
    let ours = median(
        (0..SEEDS)
            .map(|seed| {
                let run = Builder::pct(BUDGET, 4).seed(seed).shrink(false);
                run.run(model.model::<Sim>())
                    .map_or_else(|failure| failure.executions, |_| usize::MAX)
            })
            .collect(),
    );
    let theirs = median(
        (0..SEEDS)
            .map(|seed| {
                let config = shuttle::Config::default().seed(seed);
                let pct = shuttle::Strategy::Pct {
                    iterations: BUDGET,
                    depth: 4,
                };
                shuttle::try_check(&config, pct, model.model::<Shuttle>())
                    .map_or_else(|failure| failure.executions, |_| usize::MAX)
            })
            .collect(),
    );
    assert!(ours <= theirs, "lockstep {ours}, shuttle {theirs}");
    assert!(ours <= 300, "lockstep {ours}");
}
