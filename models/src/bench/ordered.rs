//! `lockstep bench ordered`: the throughput case (items over workers through the monitor vs one
//! thread writing the same bytes to the same sink, measured in the same run, interleaved) and
//! the hand-off latency of the monitor, on the real std runtime.

#[path = "ordered/measure.rs"]
pub mod measure;

use measure::SinkKind;
use std::process::ExitCode;

/// Arguments of `lockstep bench ordered`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Items (each writes one line).
    #[arg(long, default_value_t = 1_000_000)]
    items: usize,
    /// Worker threads.
    #[arg(long, default_value_t = 2)]
    workers: usize,
    /// Bytes per line (including the newline).
    #[arg(long, default_value_t = 32)]
    line_bytes: usize,
    /// Sink: `file` (unbuffered file, a write call per line like line-buffered stdout) or
    /// `memory` (a Vec; shows the monitor's overhead alone).
    #[arg(long, default_value = "file")]
    sink: String,
    /// Rounds of (monitor, sequential); medians are reported.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Hand-off latency samples.
    #[arg(long, default_value_t = 2_000)]
    handoff_samples: usize,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Run the measurement.
pub fn run(args: Args) -> ExitCode {
    let sink = match args.sink.as_str() {
        "file" => SinkKind::File,
        "memory" => SinkKind::Memory,
        other => {
            eprintln!("error: --sink must be `file` or `memory`, not `{other}`");
            return ExitCode::from(2);
        }
    };
    if args.items == 0 || args.workers == 0 || args.rounds == 0 {
        eprintln!("error: --items, --workers and --rounds must be at least 1");
        return ExitCode::from(2);
    }
    let mut monitor = Vec::new();
    let mut sequential = Vec::new();
    for _ in 0..args.rounds {
        monitor.push(measure::throughput_monitor(
            args.items,
            args.workers,
            args.line_bytes,
            sink,
        ));
        sequential.push(measure::throughput_sequential(args.items, args.line_bytes, sink));
    }
    let seconds = median(monitor);
    let sequential_seconds = median(sequential);
    let handoff = measure::handoff_monitor(args.handoff_samples.max(1));
    let p50 = measure::quantile_us(&handoff, 0.50);
    let p99 = measure::quantile_us(&handoff, 0.99);
    let items_per_s = args.items as f64 / seconds;
    let ratio = seconds / sequential_seconds;
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "bench": "ordered",
                "items": args.items,
                "workers": args.workers,
                "seconds": seconds,
                "items_per_s": items_per_s,
                "sequential_seconds": sequential_seconds,
                "ratio": ratio,
                "p50_handoff_us": p50,
                "p99_handoff_us": p99,
            })
        );
    } else {
        println!(
            "ordered: {} items over {} workers ({} sink, {} B lines): {seconds:.3} s \
             ({items_per_s:.0} items/s); one thread: {sequential_seconds:.3} s; ratio {ratio:.2}",
            args.items, args.workers, args.sink, args.line_bytes
        );
        println!("hand-off latency: p50 {p50:.1} µs, p99 {p99:.1} µs");
    }
    ExitCode::SUCCESS
}
