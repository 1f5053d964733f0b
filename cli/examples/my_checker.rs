//! Your own `lockstep`-style checker binary over your own models, in a few lines.
//!
//! ```text
//! cargo run --example my_checker -p lockstep-cli -- list
//! cargo run --example my_checker -p lockstep-cli -- check
//! cargo run --example my_checker -p lockstep-cli -- check tickets --checker sim-dfs --json
//! cargo run --example my_checker -p lockstep-cli -- replay ls1-…   # a token from a bug row
//! ```
//!
//! The model is written once against `lockstep::sync` (generic over the runtime) and registered
//! for the simulator, loom and shuttle. The buggy variant hands out tickets with a
//! check-then-act on an atomic (two buyers can get the same ticket); the fixed one uses
//! `fetch_add`. `check` expects the bug to be found in the first and nothing in the second, and
//! exits 0 when both expectations hold.

use lockstep::sync::atomic::{AtomicUsize, Ordering};
use lockstep::sync::{thread, Arc, Loom, Mutex, Runtime, Shuttle};
use lockstep_cli::{Expect, Model, Registry};
use lockstep_sim::Sim;
use std::process::ExitCode;

/// Two buyers take a ticket each; every ticket must be sold once.
fn tickets<R: Runtime>(atomic_take: bool) {
    let next: Arc<AtomicUsize<R>, R> = Arc::new(AtomicUsize::new(0));
    let sold: Arc<Mutex<Vec<usize>, R>, R> = Arc::new(Mutex::new(Vec::new()));
    let buyers: Vec<_> = (0..2)
        .map(|_| {
            let (next, sold) = (next.clone(), sold.clone());
            thread::spawn::<R, _, _>(move || {
                let ticket = if atomic_take {
                    next.fetch_add(1, Ordering::SeqCst)
                } else {
                    let ticket = next.load(Ordering::SeqCst); // check ...
                    next.store(ticket + 1, Ordering::SeqCst); // ... then act
                    ticket
                };
                sold.lock().push(ticket);
            })
        })
        .collect();
    for buyer in buyers {
        buyer.join().unwrap();
    }
    let mut sold = sold.lock().clone();
    sold.sort_unstable();
    assert_eq!(sold, [0, 1], "a ticket was sold twice");
}

/// One variant on every checker: the same function, instantiated per runtime.
fn variant(name: &'static str, expect: Expect, atomic_take: bool) -> Model {
    Model::new("tickets", name, expect, "two buyers take one ticket each")
        .sim(move || tickets::<Sim>(atomic_take))
        .loom(move || tickets::<Loom>(atomic_take))
        .shuttle(move || tickets::<Shuttle>(atomic_take))
}

fn main() -> ExitCode {
    let mut registry = Registry::new();
    registry
        .add(variant("buggy", Expect::Bug, false))
        .add(variant("fixed", Expect::Pass, true));
    lockstep_cli::main(registry)
}
