//! Fault injection: named fault points (`"store.put"`, `"worker.crash"`) whose firing is a
//! choice of the simulation, explored like an interleaving.
//!
//! Each execution has a *fault budget* (at most that many faults fire). Random and PCT runs fire
//! a reachable fault with a configured probability; DFS explores both outcomes of every fault
//! point while budget remains. Faults that fired are named in failure reports and are part of
//! the replay token.
//!
//! Call [`fault`] from a test double, or `R::fault(..)` from code generic over the runtime
//! (it never fires outside lockstep-sim):
//!
//! ```
//! use lockstep_sim::{fault, Builder};
//!
//! let failure = Builder::random(200).fault_budget(1).run(|| {
//!     if fault("store.put") {
//!         panic!("the store failed");
//!     }
//! }).unwrap_err();
//! assert_eq!(failure.faults, ["store.put"]);
//! ```

use crate::exec::state::with_exec;
use crate::exec::state::Wait;
use crate::exec::suspend;
use crate::op::{Op, OpKind};
use std::panic::Location;

/// A named fault point: `true` when the simulation decides the fault fires here.
///
/// # Panics
/// Outside a simulation.
#[track_caller]
pub fn fault(point: &'static str) -> bool {
    fault_at(point, Location::caller())
}

pub(crate) fn fault_at(point: &'static str, at: &'static Location<'static>) -> bool {
    with_exec(|e| {
        let current = e.current;
        e.threads[current].fault_point = point;
    });
    let fire = suspend(Op::new(OpKind::Fault, None, at), Wait::None) == Some(1);
    if fire {
        with_exec(|e| {
            let step = e.trace.len();
            e.faults.push((step, point));
            e.fault_budget = e.fault_budget.saturating_sub(1);
        });
    }
    fire
}
