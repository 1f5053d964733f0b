//! `lockstep bench tasktree`: build a realistic job tree (fan-out 10 per level), run no-op jobs
//! on the real std executors and report throughput and memory per job.
//!
//! - `seconds` covers building the [`TaskTree`] from the names and running every job;
//!   `jobs_per_s` is `jobs / seconds`.
//! - `bytes_per_job` is measured from the process's resident memory: the kernel's peak-RSS mark
//!   is reset (`/proc/self/clear_refs`) after the names are generated, and the peak
//!   (`VmHWM`) reached while the tree is built and run, minus the resident size just before,
//!   is divided by the number of jobs. So it counts the tree, the scheduler's per-run state and
//!   the executor, and not the caller's own list of names. Linux only (elsewhere: 0).
//!
//! The tree: jobs are the first N nodes, in breadth-first order, of a tree where every node has
//! children `0`..`9`; with `--barriers` the last child of every node is `~/9` instead of `9`, a
//! barrier job that waits for its nine siblings' subtrees. The same generator is in
//! `models/benches/tasktree.rs` and `tests/bzfs_differential/bench.py` (which compares against
//! bzfs on the tree this command dumps with `--dump-names`).

mod names;

pub use names::bench_names;

use crate::cli::output;
use clap::builder::RangedU64ValueParser;
use lockstep::tasktree::{Outcome, Runner, TaskTree};
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// The most jobs: 10⁸ (about 13 GB of names and tree at the peak; the memory check refuses
/// what the machine cannot hold).
pub const MAX_JOBS: usize = 100_000_000;
/// Memory a run takes per job at most: the names (a `String` each) and the tree.
const BYTES_PER_JOB: u64 = 128;

/// Arguments of `lockstep bench tasktree`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Number of jobs [1 to 100000000; about 128 bytes of memory each must be available].
    #[arg(long, default_value_t = 1_000_000, allow_negative_numbers = true,
          value_parser = RangedU64ValueParser::<usize>::new().range(1..=MAX_JOBS as u64))]
    jobs: usize,
    /// Worker threads (1 runs the jobs inline, as the scheduler's default executor does)
    /// [1 to 1024].
    #[arg(long, default_value_t = 8, allow_negative_numbers = true,
          value_parser = RangedU64ValueParser::<usize>::new()
              .range(1..=lockstep::tasktree::MAX_WORKERS as u64))]
    workers: usize,
    /// Give every node a barrier job (`X/~/9`) waiting for its other children.
    #[arg(long)]
    barriers: bool,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
    /// Write the job names (one per line) to this file and exit (for the bzfs comparison).
    #[arg(long, hide = true)]
    dump_names: Option<PathBuf>,
}

#[derive(Serialize)]
struct Result {
    bench: &'static str,
    jobs: usize,
    workers: usize,
    seconds: f64,
    jobs_per_s: f64,
    bytes_per_job: f64,
}

/// Run the measurement.
pub fn run(args: Args) -> ExitCode {
    let result = check(&args).and_then(|()| match &args.dump_names {
        Some(path) => dump_names(&args, path).map(|()| None),
        None => measure(&args).map(Some),
    });
    match result {
        Ok(None) => ExitCode::SUCCESS,
        Ok(Some(result)) => output::print(&render(&args, &result)),
        Err(message) => output::fail(message),
    }
}

/// Refuse arguments out of range (for callers that did not go through clap) or a run bigger
/// than the machine's available memory.
fn check(args: &Args) -> std::result::Result<(), String> {
    if !(1..=MAX_JOBS).contains(&args.jobs) {
        return Err(format!("--jobs must be 1 to {MAX_JOBS}, not {}", args.jobs));
    }
    if !(1..=lockstep::tasktree::MAX_WORKERS).contains(&args.workers) {
        return Err(format!(
            "--workers must be 1 to {}, not {}",
            lockstep::tasktree::MAX_WORKERS,
            args.workers
        ));
    }
    let needed = (args.jobs as u64).saturating_mul(BYTES_PER_JOB);
    crate::bench::check_memory(needed, &format!("--jobs {}", args.jobs))
}

/// `--dump-names`: the job names, one per line, to `path`.
fn dump_names(args: &Args, path: &std::path::Path) -> std::result::Result<(), String> {
    let mut text = bench_names(args.jobs, args.barriers).join("\n");
    text.push('\n');
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Build the tree and run every job; the figures.
fn measure(args: &Args) -> std::result::Result<Result, String> {
    let names = bench_names(args.jobs, args.barriers);
    reset_peak_rss();
    let rss_before = proc_status_kib("VmRSS:");
    let start = Instant::now();
    let tree = TaskTree::new(&names).map_err(|e| format!("the bench tree: {e}"))?;
    let report = Runner::new(&tree)
        .max_workers(args.workers)
        .run(|_| (), |_, (), _| Outcome::DONE)
        .map_err(|e| e.to_string())?;
    let seconds = start.elapsed().as_secs_f64();
    let peak = proc_status_kib("VmHWM:");
    drop(tree);
    if report.completed != args.jobs as u64 || report.failed {
        return Err(format!("not every job ran: {report:?}"));
    }
    let bytes_per_job = match (rss_before, peak) {
        (Some(before), Some(peak)) => {
            peak.saturating_sub(before) as f64 * 1024.0 / args.jobs as f64
        }
        _ => 0.0,
    };
    Ok(Result {
        bench: "tasktree",
        jobs: args.jobs,
        workers: args.workers,
        seconds,
        jobs_per_s: args.jobs as f64 / seconds,
        bytes_per_job,
    })
}

/// The output: one JSON object with `--json`, else one readable line.
fn render(args: &Args, result: &Result) -> String {
    if args.json {
        format!("{}\n", serde_json::to_string(result).expect("plain JSON"))
    } else {
        format!(
            "tasktree: {} jobs, {} workers{}: {:.3} s, {:.0} jobs/s, {:.1} bytes/job\n",
            result.jobs,
            result.workers,
            if args.barriers { ", barriers" } else { "" },
            result.seconds,
            result.jobs_per_s,
            result.bytes_per_job
        )
    }
}

/// Reset the kernel's peak-RSS mark (Linux; ignored elsewhere).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// A `kB` field of `/proc/self/status`.
fn proc_status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line[field.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bench_tree_has_the_asked_size_and_shape() {
        let names = bench_names(111, false);
        assert_eq!(names.len(), 111);
        assert_eq!(names.iter().filter(|n| !n.contains('/')).count(), 10);
        let with = bench_names(111, true);
        assert_eq!(with.len(), 111);
        assert!(with.contains(&"~/9".to_owned()));
        assert!(with.contains(&"0/~/9".to_owned()));
        let tree = TaskTree::new(&with).unwrap();
        assert!(tree.barriers_enabled());
    }
}
