//! Ordered output monitor: hand-off latency and throughput against baselines, side by side in
//! one run, plus the peak buffered bytes against the window.
//!
//! `cargo bench -p lockstep-models --bench ordered`
//!
//! - Hand-off latency (head item finished → next item's first byte at the sink), p50 and p99:
//!   the monitor vs a zstash-style turn counter polled every 10 ms vs a turn counter waited on
//!   with a condvar. Goal: ≤ 10 µs p50.
//! - Throughput: 1,000,000 one-line items over 2 workers vs one thread writing the same bytes
//!   to the same kind of sink, interleaved rounds, ratio of medians. Goal: ≤ 2.0. Reported for
//!   an unbuffered file (a write call per line, like line-buffered stdout) and for a `Vec`
//!   (no I/O: the monitor's overhead alone).
//! - Memory: peak buffered bytes of a run with a small byte window (never above it).
//!
//! The measurement code is shared with `lockstep bench ordered`.

use criterion::{criterion_group, BenchmarkId, Criterion};
use lockstep::ordered::{Assignment, Config, OrderedMonitor};
use lockstep_models::bench::ordered::measure::{self, SinkKind, TurnWait};
use std::io::Write;
use std::time::{Duration, Instant};

const POLL: Duration = Duration::from_millis(10);

fn sum(latencies: Vec<Duration>) -> Duration {
    latencies.into_iter().sum()
}

fn benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("ordered_handoff");
    group.bench_function(BenchmarkId::new("monitor", "2 workers"), |b| {
        b.iter_custom(|iters| sum(measure::handoff_monitor(iters as usize).expect("hand-off run")))
    });
    group.bench_function(BenchmarkId::new("condvar_turn", "2 workers"), |b| {
        b.iter_custom(|iters| sum(measure::handoff_baseline(iters as usize, TurnWait::Condvar)))
    });
    group.finish();

    let mut group = c.benchmark_group("ordered_throughput_20k_items");
    group.sample_size(20);
    for (name, sink) in [("file", SinkKind::File), ("memory", SinkKind::Memory)] {
        group.bench_function(BenchmarkId::new("monitor_2_workers", name), |b| {
            b.iter_custom(|iters| {
                let seconds: f64 = (0..iters)
                    .map(|_| measure::throughput_monitor(20_000, 2, 32, sink).expect("monitor run"))
                    .sum();
                Duration::from_secs_f64(seconds)
            })
        });
        group.bench_function(BenchmarkId::new("one_thread", name), |b| {
            b.iter_custom(|iters| {
                let seconds: f64 = (0..iters)
                    .map(|_| {
                        measure::throughput_sequential(20_000, 32, sink).expect("sequential run")
                    })
                    .sum();
                Duration::from_secs_f64(seconds)
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = ordered;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = benches
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn handoff_summary() {
    println!(
        "\nhand-off latency, head finished -> next item's first byte at the sink (2 workers):"
    );
    let ours = measure::handoff_monitor(5_000).expect("hand-off run");
    let condvar = measure::handoff_baseline(5_000, TurnWait::Condvar);
    let polling = measure::handoff_baseline(200, TurnWait::Poll(POLL));
    let p50_ours = measure::quantile_us(&ours, 0.5);
    for (name, samples) in [
        ("monitor", &ours),
        ("condvar wait-for-turn", &condvar),
        ("10 ms polling (zstash)", &polling),
    ] {
        let p50 = measure::quantile_us(samples, 0.5);
        let p99 = measure::quantile_us(samples, 0.99);
        println!(
            "  {name:<24} p50 {p50:>10.2} us  p99 {p99:>10.2} us  ({} samples; p50 / monitor p50 = {:.1})",
            samples.len(),
            p50 / p50_ours
        );
    }
}

fn throughput_summary() {
    const ITEMS: usize = 1_000_000;
    const ROUNDS: usize = 5;
    println!("\nthroughput, {ITEMS} one-line items (32 B), 2 workers vs one thread, {ROUNDS} interleaved rounds:");
    for (name, sink) in [("file", SinkKind::File), ("memory", SinkKind::Memory)] {
        let (mut ours, mut seq, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        for round in 0..ROUNDS {
            let (m, s) = if round % 2 == 0 {
                let m = measure::throughput_monitor(ITEMS, 2, 32, sink).expect("monitor run");
                let s = measure::throughput_sequential(ITEMS, 32, sink).expect("sequential run");
                (m, s)
            } else {
                let s = measure::throughput_sequential(ITEMS, 32, sink).expect("sequential run");
                let m = measure::throughput_monitor(ITEMS, 2, 32, sink).expect("monitor run");
                (m, s)
            };
            ours.push(m);
            seq.push(s);
            ratios.push(m / s);
        }
        let (m, s) = (median(ours), median(seq));
        println!(
            "  {name:<6} sink: monitor {m:.3} s ({:.0} items/s)  one thread {s:.3} s  ratio of medians {:.2} (median paired ratio {:.2}; goal <= 2.0)",
            ITEMS as f64 / m,
            m / s,
            median(ratios)
        );
    }
}

fn memory_summary() {
    println!("\npeak buffered bytes (4 workers, 10,000 items of 5 lines):");
    for window in [256usize, 4096, 65_536] {
        let start = Instant::now();
        let monitor = OrderedMonitor::new(
            10_000,
            std::io::sink(),
            Config::default().window_items(32).window_bytes(window),
        );
        let (report, _) = monitor
            .run(Assignment::dynamic(4), |item, out| {
                for line in 0..5 {
                    writeln!(out, "item {item:06} line {line}")?;
                }
                Ok::<_, std::io::Error>(())
            })
            .unwrap();
        assert!(report.peak_buffered_bytes <= window);
        println!(
            "  window {window:>6} B: peak {:>6} B ({:.0} ms)",
            report.peak_buffered_bytes,
            start.elapsed().as_secs_f64() * 1e3
        );
    }
}

fn main() {
    ordered();
    Criterion::default().configure_from_args().final_summary();
    handoff_summary();
    throughput_summary();
    memory_summary();
}
