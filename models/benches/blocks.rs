//! Block manager throughput, measured side by side with its bound in one run.
//!
//! `cargo bench -p lockstep-models --bench blocks` (set `LOCKSTEP_BENCH_MIB` to change the 256 MiB
//! file size, `LOCKSTEP_BENCH_ROUNDS` the 5 rounds).
//!
//! 1. **Write throughput**: the file written through `BlockFile` (Keep's 64 MiB blocks, 2 upload
//!    workers, queue of 2, default cap) into a `MemoryStore`, in 4 KiB and in 1 MiB writes,
//!    against the *bound*: copying the same bytes in the same write sizes into a block buffer
//!    and hashing each full block, on one thread. The variants run interleaved, round by round,
//!    and the report compares medians (goal: file / bound ≥ 0.5).
//! 2. **Worker scaling**: 64 MiB in 4 MiB blocks through a store that adds 20 ms per put, with
//!    1, 2 and 4 upload workers; ratio of each to 1 worker.
//! 3. **Peak memory**: the most bytes buffered in any run, against the cap (a run with a cap of
//!    three blocks shows the back-pressure holding it).

use lockstep::block::{Config, FaultStore, MemoryStore};
use lockstep_models::bench::blocks::{bound, source, through_file};
use std::time::Duration;

const MIB: usize = 1 << 20;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn mib_per_s(bytes: usize, time: Duration) -> f64 {
    bytes as f64 / MIB as f64 / time.as_secs_f64()
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs this with no flag: keep that
    // a quick smoke run.
    let smoke = !std::env::args().any(|a| a == "--bench");
    let mib = env_or("LOCKSTEP_BENCH_MIB", if smoke { 8 } else { 256 });
    let rounds = env_or("LOCKSTEP_BENCH_ROUNDS", if smoke { 1 } else { 5 });
    let data = source(mib * MIB);
    let mut peak_seen = Vec::new();

    println!("blocks: {mib} MiB through BlockFile into MemoryStore, {rounds} interleaved rounds");
    let config = Config::default();
    let variants = [4 * 1024, MIB];
    let mut bound_times = vec![Vec::new(); variants.len()];
    let mut file_times = vec![Vec::new(); variants.len()];
    for _ in 0..rounds {
        for (i, &write_size) in variants.iter().enumerate() {
            bound_times[i].push(bound(&data, write_size, config.block_size));
            let (time, peak, cap) =
                through_file(&data, write_size, MemoryStore::new(), config.clone())
                    .expect("through the file");
            file_times[i].push(time);
            peak_seen.push((format!("{write_size} B writes"), peak, cap));
        }
    }
    println!(
        "{:>12} {:>14} {:>14} {:>12}",
        "write size", "file MiB/s", "bound MiB/s", "file/bound"
    );
    for (i, &write_size) in variants.iter().enumerate() {
        let file = median(file_times[i].clone());
        let bound = median(bound_times[i].clone());
        println!(
            "{:>12} {:>14.0} {:>14.0} {:>12.2}",
            write_size,
            mib_per_s(data.len(), file),
            mib_per_s(data.len(), bound),
            bound.as_secs_f64() / file.as_secs_f64()
        );
    }

    let scaling_mib = (mib / 4).clamp(4, 64);
    let latency = Duration::from_millis(20);
    println!(
        "\nworker scaling: {scaling_mib} MiB in 4 MiB blocks, store latency {latency:?} per put"
    );
    let scaling_data = &data[..scaling_mib * MIB];
    let workers = [1, 2, 4];
    let mut times = vec![Vec::new(); workers.len()];
    for _ in 0..rounds.min(3) {
        for (i, &k) in workers.iter().enumerate() {
            let store = FaultStore::new(MemoryStore::new()).with_latency(latency);
            let config = Config::default().block_size(4 * MIB).workers(k);
            let (time, peak, cap) =
                through_file(scaling_data, MIB, store, config).expect("through the file");
            times[i].push(time);
            peak_seen.push((format!("{k} workers"), peak, cap));
        }
    }
    let one = median(times[0].clone());
    println!("{:>8} {:>12} {:>10}", "workers", "MiB/s", "vs 1");
    for (i, &k) in workers.iter().enumerate() {
        let t = median(times[i].clone());
        println!(
            "{:>8} {:>12.0} {:>10.2}",
            k,
            mib_per_s(scaling_data.len(), t),
            one.as_secs_f64() / t.as_secs_f64()
        );
    }

    // Back-pressure: a cap of three 4 MiB blocks with a slow store.
    let store = FaultStore::new(MemoryStore::new()).with_latency(latency);
    let config = Config::default().block_size(4 * MIB).buffer_cap(12 * MIB);
    let (_, peak, cap) =
        through_file(scaling_data, 4 * 1024, store, config).expect("through the file");
    peak_seen.push(("cap 3 blocks, slow store".into(), peak, cap));

    println!("\npeak buffered bytes vs cap");
    let mut worst = 0.0f64;
    for (what, peak, cap) in &peak_seen {
        worst = worst.max(*peak as f64 / *cap as f64);
        assert!(peak <= cap, "{what}: peak {peak} above cap {cap}");
    }
    let (what, peak, cap) = peak_seen.last().expect("runs");
    println!("{what}: peak {peak} of cap {cap}");
    println!(
        "highest peak/cap over all {} runs: {worst:.2}",
        peak_seen.len()
    );
}
