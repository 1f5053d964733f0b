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

use lockstep::tasktree::{Outcome, Runner, TaskTree};
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// Arguments of `lockstep bench tasktree`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Number of jobs.
    #[arg(long, default_value_t = 1_000_000)]
    jobs: usize,
    /// Worker threads (1 runs the jobs inline, as the scheduler's default executor does).
    #[arg(long, default_value_t = 8)]
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
    if args.workers == 0 {
        eprintln!("error: --workers must be at least 1");
        return ExitCode::from(2);
    }
    let names = bench_names(args.jobs, args.barriers);
    if let Some(path) = &args.dump_names {
        let mut text = names.join("\n");
        text.push('\n');
        return match std::fs::write(path, text) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", path.display());
                ExitCode::from(2)
            }
        };
    }
    reset_peak_rss();
    let rss_before = proc_status_kib("VmRSS:");
    let start = Instant::now();
    let tree = TaskTree::new(&names).expect("generated names are sorted and valid");
    let report = Runner::new(&tree)
        .max_workers(args.workers)
        .run(|_| (), |_, (), _| Outcome::DONE)
        .expect("no-op jobs do not panic");
    let seconds = start.elapsed().as_secs_f64();
    let peak = proc_status_kib("VmHWM:");
    drop(tree);
    assert_eq!(report.completed as usize, args.jobs, "every job ran");
    let bytes_per_job = match (rss_before, peak) {
        (Some(before), Some(peak)) if args.jobs > 0 => {
            peak.saturating_sub(before) as f64 * 1024.0 / args.jobs as f64
        }
        _ => 0.0,
    };
    let result = Result {
        bench: "tasktree",
        jobs: args.jobs,
        workers: args.workers,
        seconds,
        jobs_per_s: args.jobs as f64 / seconds,
        bytes_per_job,
    };
    let mut out = std::io::stdout().lock();
    let _ = if args.json {
        writeln!(
            out,
            "{}",
            serde_json::to_string(&result).expect("plain JSON")
        )
    } else {
        writeln!(
            out,
            "tasktree: {} jobs, {} workers{}: {:.3} s, {:.0} jobs/s, {:.1} bytes/job",
            result.jobs,
            result.workers,
            if args.barriers { ", barriers" } else { "" },
            result.seconds,
            result.jobs_per_s,
            result.bytes_per_job
        )
    };
    ExitCode::SUCCESS
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
