//! Measure lockstep-sim's strategies on SCTBench's CS group (see `docs/sctbench.md`).
//!
//! ```sh
//! cargo run --release -p lockstep-models --example sctbench_measure -- [--trials 20] \
//!     [--budget 10000] [--only NAME]... [--ok] [--verbose]
//!     [--strategy random|pct|dfs]...
//! ```
//!
//! For every buggy program: random walk and PCT (depth 3) over seeds 1..=trials, each trial
//! stopping at the first failure or after `budget` executions, and DFS (unbounded preemptions,
//! stopped after `budget` executions; deterministic, so run once). Prints, per program and
//! strategy, the found rate, the median schedules-to-bug (a trial that did not find the bug
//! counts as infinitely many, so the median exists only when more than half found it), the
//! median wall time per trial, and whether every failure was of the expected kind. Failures are
//! not shrunk, so the time is the time to find the bug. `--ok` checks the `_ok` twins instead:
//! `budget` random and PCT executions (seed 1) and DFS must find nothing.

use lockstep_models::sctbench::{programs, Program};
use lockstep_sim::{Builder, FailureKind};
use std::time::{Duration, Instant};

struct Trial {
    found: Option<usize>,
    time: Duration,
    kind_ok: bool,
}

fn trial(builder: Builder, program: &Program) -> Trial {
    let start = Instant::now();
    let result = builder.shrink(false).run(program.run);
    let time = start.elapsed();
    match result {
        Ok(_) => Trial {
            found: None,
            time,
            kind_ok: true,
        },
        Err(failure) => {
            let expected = if program.deadlock {
                FailureKind::Deadlock
            } else {
                FailureKind::Panic
            };
            if failure.kind == FailureKind::Invalid {
                panic!("{}: {failure}", program.label());
            }
            Trial {
                found: Some(failure.executions),
                time,
                kind_ok: failure.kind == expected,
            }
        }
    }
}

/// The median with a not-found trial counted as +infinity (`None` if at least half missed).
fn median_found(trials: &[Trial]) -> Option<f64> {
    let mut v: Vec<f64> = trials
        .iter()
        .map(|t| t.found.map_or(f64::INFINITY, |e| e as f64))
        .collect();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let m = if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    };
    m.is_finite().then_some(m)
}

fn median_time(trials: &[Trial]) -> Duration {
    let mut v: Vec<Duration> = trials.iter().map(|t| t.time).collect();
    v.sort();
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2
    }
}

fn cell(trials: &[Trial]) -> String {
    if trials.is_empty() {
        return "not run".to_owned();
    }
    let found = trials.iter().filter(|t| t.found.is_some()).count();
    let median = median_found(trials).map_or("–".to_owned(), |m| format!("{m}"));
    let kinds = if trials.iter().all(|t| t.kind_ok) {
        ""
    } else {
        " (wrong kind!)"
    };
    format!(
        "{median} ({found}/{}, {:.1} ms){kinds}",
        trials.len(),
        median_time(trials).as_secs_f64() * 1e3
    )
}

fn main() {
    let mut trials = 20u64;
    let mut budget = 10_000usize;
    let mut only: Vec<String> = Vec::new();
    let mut check_ok = false;
    let mut verbose = false;
    let mut strategies: Vec<String> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().expect("a value after the flag");
        match arg.as_str() {
            "--trials" => trials = value().parse().expect("--trials N"),
            "--budget" => budget = value().parse().expect("--budget N"),
            "--only" => only.push(value()),
            "--ok" => check_ok = true,
            "--verbose" => verbose = true,
            "--strategy" => strategies.push(value()),
            other => panic!("unknown argument {other}"),
        }
    }
    let selected: Vec<Program> = programs()
        .into_iter()
        .filter(|p| p.expect_bug != check_ok)
        .filter(|p| only.is_empty() || only.iter().any(|o| *o == p.name))
        .collect();
    if check_ok {
        println!("| program | random {budget} | PCT3 {budget} | DFS |");
        println!("|---|---|---|---|");
        for program in &selected {
            let random = trial(Builder::random(budget).seed(1), program);
            let pct = trial(Builder::pct(budget, 3).seed(1), program);
            let start = Instant::now();
            let dfs = Builder::dfs(None).max_executions(budget).run(program.run);
            let dfs_time = start.elapsed();
            let dfs = match dfs {
                Ok(report) => format!(
                    "{} executions, {} ({:.1} ms)",
                    report.executions,
                    if report.exhausted {
                        "exhausted"
                    } else {
                        "not exhausted"
                    },
                    dfs_time.as_secs_f64() * 1e3
                ),
                Err(failure) => format!("FAILED: {}", failure.summary()),
            };
            let pass = |t: &Trial| match t.found {
                None => format!("pass ({:.1} ms)", t.time.as_secs_f64() * 1e3),
                Some(e) => format!("FAILED after {e}"),
            };
            println!(
                "| {} | {} | {} | {dfs} |",
                program.label(),
                pass(&random),
                pass(&pct)
            );
        }
        return;
    }
    println!(
        "trials: seeds 1..={trials}; budget {budget} executions per trial; cells: median \
         schedules-to-bug (found/trials, median ms per trial)"
    );
    println!("| program | threads | random | PCT3 | DFS |");
    println!("|---|---|---|---|---|");
    let wanted = |s: &str| strategies.is_empty() || strategies.iter().any(|w| w == s);
    for program in &selected {
        let random: Vec<Trial> = (1..=trials)
            .filter(|_| wanted("random"))
            .map(|seed| trial(Builder::random(budget).seed(seed), program))
            .collect();
        let pct: Vec<Trial> = (1..=trials)
            .filter(|_| wanted("pct"))
            .map(|seed| trial(Builder::pct(budget, 3).seed(seed), program))
            .collect();
        // DFS tracks at most 64 threads (main included).
        let dfs = if !wanted("dfs") {
            "not run".to_owned()
        } else if program.threads < 64 {
            let t = trial(Builder::dfs(None).max_executions(budget), program);
            let kind = if t.kind_ok { "" } else { " (wrong kind!)" };
            match t.found {
                Some(e) => format!("{e} ({:.1} ms){kind}", t.time.as_secs_f64() * 1e3),
                None => format!("not found in {budget}"),
            }
        } else {
            "n/a (> 63 threads)".to_owned()
        };
        if verbose {
            let list = |trials: &[Trial]| -> Vec<String> {
                trials
                    .iter()
                    .map(|t| t.found.map_or("-".to_owned(), |e| e.to_string()))
                    .collect()
            };
            eprintln!("{}: random {:?}", program.name, list(&random));
            eprintln!("{}: pct3 {:?}", program.name, list(&pct));
        }
        println!(
            "| {} | {} | {} | {} | {dfs} |",
            program.name,
            program.threads,
            cell(&random),
            cell(&pct)
        );
    }
}
