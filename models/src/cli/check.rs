//! `lockstep check`: run model variants under loom and shuttle and compare each verdict with the
//! variant's expectation.
//!
//! Every check runs in a child process of this same binary: loom aborts the process on a
//! deadlock, and shuttle prints its own diagnostics on stderr; a child contains both, and the
//! parent prints one clean table (or JSON lines).
//!
//! Exit status: 0 when every verdict meets its model's expectation, 1 when one does not, 2 for
//! bad usage or input.

use crate::catalog::{self, Entry};
use clap::ValueEnum;
use lockstep::check::{loom, shuttle, Failure, Report};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::process::{Command, ExitCode};
use std::time::Instant;

#[derive(Debug, Clone, clap::Args)]
struct Budget {
    /// Schedules per shuttle check.
    #[arg(long, default_value_t = 1000)]
    iterations: usize,
    /// Seed of shuttle's random and PCT schedulers (default: fresh each run).
    #[arg(long)]
    seed: Option<u64>,
    /// PCT bug depth.
    #[arg(long, default_value_t = 3)]
    depth: usize,
    /// Loom's preemption bound (loom is exhaustive within it).
    #[arg(long, default_value_t = 2)]
    preemptions: usize,
}

#[derive(Debug, clap::Args)]
pub(crate) struct CheckArgs {
    /// Models to check (see `lockstep list`); all when none are given.
    models: Vec<String>,
    /// Which checker(s) to run.
    #[arg(long, value_enum, default_value_t = CheckerArg::All)]
    checker: CheckerArg,
    #[command(flatten)]
    budget: Budget,
    /// Print one JSON object per line instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub(crate) struct ChildArgs {
    model: String,
    variant: String,
    #[arg(value_enum)]
    checker: Checker,
    #[command(flatten)]
    budget: Budget,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum CheckerArg {
    Loom,
    ShuttleRandom,
    ShuttlePct,
    All,
}

/// One checker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Checker {
    Loom,
    ShuttleRandom,
    ShuttlePct,
}

impl Checker {
    fn name(self) -> &'static str {
        match self {
            Checker::Loom => "loom",
            Checker::ShuttleRandom => "shuttle-random",
            Checker::ShuttlePct => "shuttle-pct",
        }
    }

    fn selected(arg: CheckerArg) -> Vec<Checker> {
        match arg {
            CheckerArg::Loom => vec![Checker::Loom],
            CheckerArg::ShuttleRandom => vec![Checker::ShuttleRandom],
            CheckerArg::ShuttlePct => vec![Checker::ShuttlePct],
            CheckerArg::All => vec![Checker::Loom, Checker::ShuttlePct, Checker::ShuttleRandom],
        }
    }
}

/// One line of `check --json`: the verdict of one checker on one model variant.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Row {
    /// Model name.
    pub model: String,
    /// `"buggy"` or `"fixed"`.
    pub variant: String,
    /// Checker name.
    pub checker: String,
    /// `"bug"` or `"pass"`.
    pub expect: String,
    /// `"bug-found"`, `"passed"` or `"exhausted"`.
    pub verdict: String,
    /// Schedules (executions) explored.
    pub schedules: usize,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// A token that replays the failing schedule, where the checker has one.
    pub replay: Option<String>,
    /// First line of the report.
    pub report: String,
}

impl Row {
    fn new(entry: &Entry, checker: Checker, result: Result<Report, Failure>, seconds: f64) -> Self {
        let (verdict, schedules, replay, report) = match result {
            Ok(report) => {
                // Loom explores everything within its preemption bound.
                let verdict = if checker == Checker::Loom {
                    "exhausted"
                } else {
                    "passed"
                };
                let text = format!("no failure in {} schedules", report.executions);
                (verdict, report.executions, None, text)
            }
            Err(failure) => {
                let first = failure.message.lines().next().unwrap_or("").to_owned();
                ("bug-found", failure.executions, failure.replay, first)
            }
        };
        Row {
            model: entry.model.to_owned(),
            variant: entry.variant.to_owned(),
            checker: checker.name().to_owned(),
            expect: entry.expect.as_str().to_owned(),
            verdict: verdict.to_owned(),
            schedules,
            seconds,
            replay,
            report,
        }
    }

    /// Whether the verdict meets the expectation.
    pub fn ok(&self) -> bool {
        (self.expect == "bug") == (self.verdict == "bug-found")
    }
}

/// The last line of `check --json`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct Summary {
    /// Always `true`: marks the summary line.
    pub summary: bool,
    /// Whether every verdict met its expectation.
    pub ok: bool,
}

/// `lockstep check`.
pub(crate) fn check(args: CheckArgs) -> ExitCode {
    let mut entries = Vec::new();
    if args.models.is_empty() {
        entries = catalog::entries();
    }
    for name in &args.models {
        let found = catalog::find(name);
        if found.is_empty() {
            eprintln!("error: unknown model `{name}` (see `lockstep list`)");
            return ExitCode::from(2);
        }
        entries.extend(found);
    }
    let checkers = Checker::selected(args.checker);
    if !args.json {
        eprintln!(
            "checking {} model variant(s) with {}",
            entries.len(),
            checkers
                .iter()
                .map(|c| c.name())
                .collect::<Vec<_>>()
                .join(", ")
        );
        print_header();
    }
    let mut all_ok = true;
    for entry in &entries {
        for &checker in &checkers {
            let row = run_contained(entry, checker, &args.budget);
            all_ok &= row.ok();
            if args.json {
                println!("{}", serde_json::to_string(&row).expect("a row serializes"));
            } else {
                print_row(&row);
            }
            let _ = std::io::stdout().flush();
        }
    }
    if args.json {
        let summary = Summary {
            summary: true,
            ok: all_ok,
        };
        println!("{}", serde_json::to_string(&summary).expect("serializes"));
    } else if all_ok {
        println!("ok: every verdict meets its expectation");
    } else {
        println!("FAILED: some verdicts do not meet their expectation");
    }
    if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn print_header() {
    println!(
        "{:<10} {:<7} {:<15} {:<6} {:<10} {:>9} {:>8}  REPORT",
        "MODEL", "VARIANT", "CHECKER", "EXPECT", "VERDICT", "SCHEDULES", "SECONDS"
    );
}

fn print_row(row: &Row) {
    let mark = if row.ok() { "" } else { "  <-- UNEXPECTED" };
    println!(
        "{:<10} {:<7} {:<15} {:<6} {:<10} {:>9} {:>8.2}  {}{mark}",
        row.model,
        row.variant,
        row.checker,
        row.expect,
        row.verdict,
        row.schedules,
        row.seconds,
        row.report
    );
    if let Some(replay) = &row.replay {
        println!("{:<10} replay: {replay}", "");
    }
}

fn child_command(entry: &Entry, checker: Checker, budget: &Budget) -> Command {
    let exe = std::env::current_exe().unwrap_or_else(|_| "lockstep".into());
    let mut command = Command::new(exe);
    command.args([
        "child",
        entry.model,
        entry.variant,
        checker.name(),
        "--iterations",
        &budget.iterations.to_string(),
        "--depth",
        &budget.depth.to_string(),
        "--preemptions",
        &budget.preemptions.to_string(),
    ]);
    if let Some(seed) = budget.seed {
        command.args(["--seed", &seed.to_string()]);
    }
    command
}

/// Run one check in a child process and turn its outcome into a row.
fn run_contained(entry: &Entry, checker: Checker, budget: &Budget) -> Row {
    let start = Instant::now();
    let command = child_command(entry, checker, budget);
    if checker == Checker::Loom {
        let result = loom::try_check_in_child(command);
        return Row::new(entry, checker, result, start.elapsed().as_secs_f64());
    }
    let mut command = command;
    let result = match command.output() {
        Ok(output) => String::from_utf8_lossy(&output.stdout)
            .lines()
            .find_map(|line| serde_json::from_str::<Row>(line).ok())
            .ok_or_else(|| {
                format!(
                    "the child check exited with {} and no result:\n{}",
                    output.status,
                    String::from_utf8_lossy(&output.stderr)
                )
            }),
        Err(err) => Err(format!("could not start the child check: {err}")),
    };
    match result {
        Ok(mut row) => {
            row.seconds = start.elapsed().as_secs_f64();
            row
        }
        Err(message) => Row {
            model: entry.model.into(),
            variant: entry.variant.into(),
            checker: checker.name().into(),
            expect: entry.expect.as_str().into(),
            verdict: "error".into(),
            schedules: 0,
            seconds: start.elapsed().as_secs_f64(),
            replay: None,
            report: message.lines().next().unwrap_or("").to_owned(),
        },
    }
}

/// In the child: run the check in-process and print its row (loom reports through its own
/// adapter, which exits right after the check).
/// `lockstep child` (internal).
pub(crate) fn child(args: ChildArgs) -> ExitCode {
    let Some(entry) = catalog::find(&args.model)
        .into_iter()
        .find(|e| e.variant == args.variant)
    else {
        eprintln!(
            "error: unknown model variant {} {}",
            args.model, args.variant
        );
        return ExitCode::from(2);
    };
    let start = Instant::now();
    let result = match args.checker {
        Checker::Loom => {
            let config = loom::Config::default()
                .preemption_bound(args.budget.preemptions)
                .containment(loom::Containment::InProcess);
            loom::try_check(&config, (entry.loom)())
        }
        Checker::ShuttleRandom | Checker::ShuttlePct => {
            let mut config = shuttle::Config::default();
            if let Some(seed) = args.budget.seed {
                config = config.seed(seed);
            }
            let strategy = if args.checker == Checker::ShuttlePct {
                shuttle::Strategy::Pct {
                    iterations: args.budget.iterations,
                    depth: args.budget.depth,
                }
            } else {
                shuttle::Strategy::Random {
                    iterations: args.budget.iterations,
                }
            };
            shuttle::try_check(&config, strategy, (entry.shuttle)())
        }
    };
    let row = Row::new(&entry, args.checker, result, start.elapsed().as_secs_f64());
    println!("{}", serde_json::to_string(&row).expect("a row serializes"));
    ExitCode::SUCCESS
}
