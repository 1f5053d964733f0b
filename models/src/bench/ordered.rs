//! `lockstep bench ordered`: the throughput case (items over workers through the monitor vs one
//! thread writing the same bytes to the same sink, measured in the same run, interleaved) and
//! the hand-off latency of the monitor, on the real std runtime.

pub mod measure;

use crate::cli::output;
use clap::builder::RangedU64ValueParser;
use measure::{SinkKind, MIN_LINE_BYTES};
use serde::Serialize;
use std::process::ExitCode;

/// The most items: 10⁸ (item numbers keep their 8 digits, so lines keep their length).
pub const MAX_ITEMS: usize = 100_000_000;
/// The longest line.
pub const MAX_LINE_BYTES: usize = 1 << 16;
/// The most hand-off samples.
pub const MAX_HANDOFF_SAMPLES: usize = 10_000_000;
/// The most rounds.
pub const MAX_ROUNDS: usize = 1_000;

/// Arguments of `lockstep bench ordered`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Items, each writing one line [1 to 100000000].
    #[arg(long, default_value_t = 1_000_000, allow_negative_numbers = true,
          value_parser = RangedU64ValueParser::<usize>::new().range(1..=MAX_ITEMS as u64))]
    items: usize,
    /// Worker threads [1 to 1024].
    #[arg(long, default_value_t = 2, allow_negative_numbers = true,
          value_parser = RangedU64ValueParser::<usize>::new()
              .range(1..=lockstep::ordered::MAX_WORKERS as u64))]
    workers: usize,
    /// Bytes per line, newline included [15 to 65536: `item NNNNNNNN ` and the newline at least].
    #[arg(long, default_value_t = 32, allow_negative_numbers = true,
          value_parser = RangedU64ValueParser::<usize>::new()
              .range(MIN_LINE_BYTES as u64..=MAX_LINE_BYTES as u64))]
    line_bytes: usize,
    /// Sink: `file` (unbuffered file in the temp directory, a write call per line like
    /// line-buffered stdout) or `memory` (a Vec; shows the monitor's overhead alone).
    #[arg(long, default_value = "file")]
    sink: String,
    /// Rounds of (monitor, sequential); medians are reported [1 to 1000].
    #[arg(long, default_value_t = 3, allow_negative_numbers = true,
          value_parser = RangedU64ValueParser::<usize>::new().range(1..=MAX_ROUNDS as u64))]
    rounds: usize,
    /// Hand-off latency samples [1 to 10000000].
    #[arg(long, default_value_t = 2_000, allow_negative_numbers = true,
          value_parser = RangedU64ValueParser::<usize>::new()
              .range(1..=MAX_HANDOFF_SAMPLES as u64))]
    handoff_samples: usize,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// The `--json` object, fields in the order the issue gives them.
#[derive(Debug, Serialize)]
struct Figures {
    bench: &'static str,
    items: usize,
    workers: usize,
    seconds: f64,
    items_per_s: f64,
    sequential_seconds: f64,
    ratio: f64,
    p50_handoff_us: f64,
    p99_handoff_us: f64,
}

/// The measured figures.
fn measure(args: &Args) -> Result<Figures, String> {
    let sink = match args.sink.as_str() {
        "file" => SinkKind::File,
        "memory" => SinkKind::Memory,
        other => return Err(format!("--sink must be `file` or `memory`, not `{other}`")),
    };
    if args.items == 0 || args.workers == 0 || args.rounds == 0 || args.handoff_samples == 0 {
        return Err(
            "--items, --workers, --rounds and --handoff-samples must be at least 1".to_owned(),
        );
    }
    if !(MIN_LINE_BYTES..=MAX_LINE_BYTES).contains(&args.line_bytes) {
        return Err(format!(
            "--line-bytes must be {MIN_LINE_BYTES} to {MAX_LINE_BYTES}, not {}",
            args.line_bytes
        ));
    }
    // The memory sink holds every line (and may double while growing); each hand-off sample
    // keeps a few timestamps.
    let lines = (args.items as u64).saturating_mul(args.line_bytes as u64);
    let sink_bytes = if sink == SinkKind::Memory {
        2 * lines
    } else {
        0
    };
    let handoff_bytes = (args.handoff_samples as u64).saturating_mul(64);
    crate::bench::check_memory(
        sink_bytes.saturating_add(handoff_bytes),
        "--items, --line-bytes and --handoff-samples",
    )?;
    let (mut monitor, mut sequential) = (Vec::new(), Vec::new());
    for round in 0..args.rounds {
        // Interleaved (A B, B A, ...) so that drift in the machine's load hits both alike.
        let run_monitor =
            || measure::throughput_monitor(args.items, args.workers, args.line_bytes, sink);
        let run_sequential = || measure::throughput_sequential(args.items, args.line_bytes, sink);
        if round % 2 == 0 {
            monitor.push(run_monitor()?);
            sequential.push(run_sequential()?);
        } else {
            sequential.push(run_sequential()?);
            monitor.push(run_monitor()?);
        }
    }
    let seconds = median(monitor);
    let sequential_seconds = median(sequential);
    let handoff = measure::handoff_monitor(args.handoff_samples)?;
    Ok(Figures {
        bench: "ordered",
        items: args.items,
        workers: args.workers,
        seconds,
        items_per_s: args.items as f64 / seconds,
        sequential_seconds,
        ratio: seconds / sequential_seconds,
        p50_handoff_us: measure::quantile_us(&handoff, 0.50),
        p99_handoff_us: measure::quantile_us(&handoff, 0.99),
    })
}

/// Run the measurement.
pub fn run(args: Args) -> ExitCode {
    let figures = match measure(&args) {
        Ok(figures) => figures,
        Err(message) => return output::fail(message),
    };
    if args.json {
        output::print(&format!(
            "{}\n",
            serde_json::to_string(&figures).expect("plain JSON")
        ))
    } else {
        output::print(&format!(
            "ordered: {} items over {} workers ({} sink, {} B lines): {:.3} s ({:.0} items/s); \
             one thread: {:.3} s; ratio {:.2}\n\
             hand-off latency: p50 {:.2} µs, p99 {:.2} µs\n",
            args.items,
            args.workers,
            args.sink,
            args.line_bytes,
            figures.seconds,
            figures.items_per_s,
            figures.sequential_seconds,
            figures.ratio,
            figures.p50_handoff_us,
            figures.p99_handoff_us
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(sink: &str) -> Args {
        Args {
            items: 2_000,
            workers: 2,
            line_bytes: 32,
            sink: sink.to_owned(),
            rounds: 1,
            handoff_samples: 50,
            json: true,
        }
    }

    #[test]
    fn json_has_exactly_the_issue_keys_in_its_order() {
        let line = serde_json::to_string(&measure(&args("memory")).unwrap()).unwrap();
        let keys: Vec<&str> = line
            .split('"')
            .collect::<Vec<_>>()
            .windows(2)
            .filter(|pair| pair[1].starts_with(':'))
            .map(|pair| pair[0])
            .collect();
        assert_eq!(
            keys,
            [
                "bench",
                "items",
                "workers",
                "seconds",
                "items_per_s",
                "sequential_seconds",
                "ratio",
                "p50_handoff_us",
                "p99_handoff_us"
            ]
        );
        let value: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(value["bench"], "ordered");
        assert_eq!(value["items"], 2_000);
        let ratio = value["ratio"].as_f64().unwrap();
        let expected =
            value["seconds"].as_f64().unwrap() / value["sequential_seconds"].as_f64().unwrap();
        assert!((ratio - expected).abs() < 1e-9);
    }

    #[test]
    fn bad_arguments_are_errors_not_panics() {
        assert!(measure(&args("tape")).unwrap_err().contains("--sink"));
        let mut zero = args("memory");
        zero.workers = 0;
        assert!(measure(&zero).is_err());
    }
}
