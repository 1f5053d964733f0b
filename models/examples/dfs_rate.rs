//! Executions per second of the simulator's exhaustive search, for choosing build settings:
//! run it in a debug build and in release (and with the profile override the README suggests)
//! and compare.
//!
//! ```text
//! cargo run -p lockstep-models --example dfs_rate            # debug, as `cargo test` builds
//! cargo run -p lockstep-models --example dfs_rate --release
//! ```

use lockstep::sync::{thread, Arc, Mutex};
use lockstep_sim::{Builder, Sim};
use std::time::Instant;

/// 3 threads × 2 locked increments (90 behaviours), repeated.
fn counter() {
    let n: Arc<Mutex<u32, Sim>, Sim> = Arc::new(Mutex::new(0));
    let threads: Vec<_> = (0..3)
        .map(|_| {
            let n = n.clone();
            thread::spawn::<Sim, _, _>(move || {
                for _ in 0..2 {
                    *n.lock() += 1;
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

fn main() {
    let rounds = 50;
    let start = Instant::now();
    let mut executions = 0;
    for _ in 0..rounds {
        executions += Builder::dfs(None).check(counter).executions;
    }
    let seconds = start.elapsed().as_secs_f64();
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    println!(
        "{profile}: {executions} executions in {seconds:.3} s = {:.0} executions/s",
        executions as f64 / seconds
    );
}
