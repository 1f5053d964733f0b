//! `check`: run the chosen checkers on the chosen models, each check in a child process;
//! print a table (or one JSON object per line), record everything in the corpus.

use super::child::ChildOutcome;
use super::registry::{Checker, Model, Registry};
use crate::corpus::{self, Corpus, FailureRecord, RunRecord};
use indicatif::{ProgressBar, ProgressStyle};
use lockstep::check::loom;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::time::Instant;

/// The preemption bound of `sim-dfs` and `loom` unless the model or the command sets one.
const DEFAULT_PREEMPTIONS: usize = 2;

/// Which checkers `check` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckerChoice {
    /// lockstep-sim, random walk.
    SimRandom,
    /// lockstep-sim, PCT.
    SimPct,
    /// lockstep-sim, DFS with DPOR.
    SimDfs,
    /// loom.
    Loom,
    /// shuttle, random.
    ShuttleRandom,
    /// shuttle, PCT.
    ShuttlePct,
    /// Every checker that applies to each model.
    All,
}

impl CheckerChoice {
    fn checkers(self) -> Vec<Checker> {
        match self {
            CheckerChoice::SimRandom => vec![Checker::SimRandom],
            CheckerChoice::SimPct => vec![Checker::SimPct],
            CheckerChoice::SimDfs => vec![Checker::SimDfs],
            CheckerChoice::Loom => vec![Checker::Loom],
            CheckerChoice::ShuttleRandom => vec![Checker::ShuttleRandom],
            CheckerChoice::ShuttlePct => vec![Checker::ShuttlePct],
            CheckerChoice::All => Checker::ALL.to_vec(),
        }
    }
}

/// Arguments of `check`.
#[derive(Debug, Clone, clap::Args)]
pub struct CheckArgs {
    /// Models to check (see `list`); all when none are given.
    pub models: Vec<String>,
    /// Which checker(s) to run.
    #[arg(long, value_enum, default_value_t = CheckerChoice::All)]
    pub checker: CheckerChoice,
    /// Schedules per random / PCT check (default: 1000, or the model's own limit).
    #[arg(long)]
    pub iterations: Option<usize>,
    /// Seed of the random and PCT checkers (fixed by default, so runs reproduce).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// PCT bug depth.
    #[arg(long, default_value_t = 3)]
    pub depth: usize,
    /// Preemption bound of sim-dfs and loom, which are exhaustive within it (default: the
    /// model's own, else 2).
    #[arg(long)]
    pub preemptions: Option<usize>,
    /// Most executions of a sim-dfs check; a search cut short reports `passed`, not
    /// `exhausted`.
    #[arg(long, default_value_t = 20_000)]
    pub max_executions: usize,
    /// Run shard I of N (0-based): the shards of a run together cover it exactly.
    #[arg(long, value_parser = parse_shard, value_name = "I/N")]
    pub shard: Option<(usize, usize)>,
    /// One JSON object per line instead of a table.
    #[arg(long)]
    pub json: bool,
    /// The corpus database.
    #[arg(long, default_value = corpus::DEFAULT_PATH)]
    pub db: PathBuf,
}

/// Parse `I/N` with `0 <= I < N`.
pub(crate) fn parse_shard(text: &str) -> Result<(usize, usize), String> {
    let (i, n) = text
        .split_once('/')
        .ok_or_else(|| format!("`{text}` is not I/N (e.g. 0/4)"))?;
    let (i, n): (usize, usize) = (
        i.trim()
            .parse()
            .map_err(|_| format!("`{i}` is not a number"))?,
        n.trim()
            .parse()
            .map_err(|_| format!("`{n}` is not a number"))?,
    );
    if n == 0 || i >= n {
        return Err(format!("shard {i}/{n}: need 0 <= I < N"));
    }
    Ok((i, n))
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
    /// `"bug-found"`, `"passed"` or `"exhausted"` (`"error"` when the check could not run).
    pub verdict: String,
    /// Schedules (executions) explored.
    pub schedules: u64,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// A token that replays the failure (`lockstep replay TOKEN`), where there is one.
    pub replay: Option<String>,
    /// First line of the report.
    pub report: String,
}

impl Row {
    /// Whether the verdict meets the expectation.
    pub fn ok(&self) -> bool {
        match self.verdict.as_str() {
            "bug-found" => self.expect == "bug",
            "passed" | "exhausted" => self.expect == "pass",
            _ => false,
        }
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

/// The settings one check runs with.
struct Plan<'a> {
    model: &'a Model,
    checker: Checker,
    iterations: usize,
    preemptions: Option<usize>,
}

pub(crate) fn check(registry: &Registry, args: CheckArgs) -> ExitCode {
    let mut models: Vec<&Model> = Vec::new();
    if args.models.is_empty() {
        models.extend(registry.models());
    }
    for name in &args.models {
        let variants = registry.variants(name);
        if variants.is_empty() {
            return super::bad_input(format!("unknown model `{name}` (see `list`)"));
        }
        models.extend(variants);
    }
    let mut corpus = match open_corpus(&args.db) {
        Ok(corpus) => corpus,
        Err(message) => return super::bad_input(message),
    };
    let checkers = args.checker.checkers();
    let plans: Vec<Plan<'_>> = models
        .iter()
        .flat_map(|model| checkers.iter().map(move |&checker| (model, checker)))
        .filter(|(model, checker)| model.build(*checker).is_some())
        .map(|(model, checker)| Plan {
            model,
            checker,
            iterations: args.iterations.or(model.limits.iterations).unwrap_or(1000),
            preemptions: args
                .preemptions
                .or(model.limits.preemptions)
                .or(Some(DEFAULT_PREEMPTIONS)),
        })
        .collect();
    if plans.is_empty() {
        return super::bad_input("no model has a program for the chosen checker");
    }
    // The model column fits the longest name, so rows stay aligned.
    let width = plans
        .iter()
        .map(|p| p.model.name.len())
        .max()
        .unwrap_or(0)
        .max("MODEL".len());
    if !args.json {
        print_header(width);
    }
    let mut all_ok = true;
    let mut corpus_error = None;
    let mut current: Option<(&str, ProgressBar)> = None;
    for plan in &plans {
        let bar = match &current {
            Some((name, bar)) if *name == plan.model.name.as_str() => bar.clone(),
            _ => {
                if let Some((_, bar)) = current.take() {
                    bar.finish_and_clear();
                }
                let total = plans
                    .iter()
                    .filter(|p| p.model.name == plan.model.name)
                    .count();
                let bar = progress_bar(&plan.model.name, total, width);
                current = Some((&plan.model.name, bar.clone()));
                bar
            }
        };
        bar.set_message(format!("{} {}", plan.model.variant, plan.checker.name()));
        let known = known_tokens(&corpus, plan);
        let started_at = now_unix();
        let start = Instant::now();
        let outcome = run_child(plan, &args, &known);
        let seconds = start.elapsed().as_secs_f64();
        bar.inc(1);
        let row = Row {
            model: plan.model.name.to_owned(),
            variant: plan.model.variant.to_owned(),
            checker: plan.checker.name().to_owned(),
            expect: plan.model.expect.as_str().to_owned(),
            verdict: outcome.verdict.clone(),
            schedules: outcome.schedules,
            seconds,
            replay: outcome.token.clone(),
            report: outcome.summary.clone(),
        };
        all_ok &= row.ok();
        if let Err(err) = record(&mut corpus, plan, &args, &row, &outcome, started_at) {
            corpus_error.get_or_insert(err);
        }
        bar.suspend(|| {
            if args.json {
                println!("{}", serde_json::to_string(&row).expect("a row serializes"));
            } else {
                print_row(&row, width);
            }
            let _ = std::io::stdout().flush();
        });
    }
    if let Some((_, bar)) = current {
        bar.finish_and_clear();
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
    if let Some(err) = corpus_error {
        // Results were printed, but the corpus lost them: that must not pass silently.
        return super::bad_input(format!("results were not recorded: {err}"));
    }
    if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn open_corpus(path: &std::path::Path) -> Result<Corpus, String> {
    Corpus::open(path).map_err(|err| err.to_string())
}

fn known_tokens(corpus: &Corpus, plan: &Plan<'_>) -> Vec<String> {
    corpus
        .known_failures(&plan.model.name, &plan.model.variant)
        .unwrap_or_default()
        .into_iter()
        .filter(|k| k.checker == plan.checker.name())
        .map(|k| k.token)
        .collect()
}

fn record(
    corpus: &mut Corpus,
    plan: &Plan<'_>,
    args: &CheckArgs,
    row: &Row,
    outcome: &ChildOutcome,
    started_at: i64,
) -> Result<(), corpus::CorpusError> {
    for token in &outcome.stale {
        corpus.forget(
            &plan.model.name,
            &plan.model.variant,
            plan.checker.name(),
            token,
        )?;
    }
    let run = RunRecord {
        model: row.model.clone(),
        variant: row.variant.clone(),
        checker: row.checker.clone(),
        seed: args.seed,
        shard: args.shard.map(|(i, n)| (i as u32, n as u32)),
        schedules: row.schedules,
        verdict: row.verdict.clone(),
        seconds: row.seconds,
        started_at_unix: started_at,
        lockstep_version: env!("CARGO_PKG_VERSION").to_owned(),
    };
    let failures: Vec<FailureRecord> = outcome
        .token
        .iter()
        .map(|token| FailureRecord {
            model: row.model.clone(),
            variant: row.variant.clone(),
            checker: row.checker.clone(),
            token: token.clone(),
            summary: row.report.clone(),
            report: outcome.report.clone(),
        })
        .collect();
    corpus.record(&run, &failures, now_unix())
}

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn child_command(plan: &Plan<'_>, args: &CheckArgs, known: &[String]) -> Command {
    let exe = std::env::current_exe().unwrap_or_else(|_| "lockstep".into());
    let mut command = Command::new(exe);
    command.args([
        "child",
        &plan.model.name,
        &plan.model.variant,
        plan.checker.name(),
        "--iterations",
        &plan.iterations.to_string(),
        "--seed",
        &args.seed.to_string(),
        "--depth",
        &args.depth.to_string(),
    ]);
    if let Some(bound) = plan.preemptions {
        command.args(["--preemptions", &bound.to_string()]);
    }
    command.args(["--max-executions", &args.max_executions.to_string()]);
    if let Some((i, n)) = args.shard {
        command.args(["--shard", &format!("{i}/{n}")]);
    }
    for token in known {
        command.args(["--known", token]);
    }
    command
}

/// Run one check in a child process and read its outcome.
fn run_child(plan: &Plan<'_>, args: &CheckArgs, known: &[String]) -> ChildOutcome {
    let command = child_command(plan, args, known);
    if plan.checker == Checker::Loom {
        return super::child::from_check(loom::try_check_in_child(command), Checker::Loom, None);
    }
    let mut command = command;
    match command.output() {
        Ok(output) => String::from_utf8_lossy(&output.stdout)
            .lines()
            .find_map(|line| serde_json::from_str::<ChildOutcome>(line).ok())
            .unwrap_or_else(|| ChildOutcome {
                verdict: "error".into(),
                schedules: 0,
                token: None,
                summary: format!(
                    "the check crashed ({}): {}",
                    output.status,
                    String::from_utf8_lossy(&output.stderr)
                        .lines()
                        .find(|l| !l.trim().is_empty())
                        .unwrap_or("no output")
                ),
                report: String::from_utf8_lossy(&output.stderr).into_owned(),
                stale: Vec::new(),
            }),
        Err(err) => ChildOutcome {
            verdict: "error".into(),
            schedules: 0,
            token: None,
            summary: format!("could not start the check: {err}"),
            report: String::new(),
            stale: Vec::new(),
        },
    }
}

fn progress_bar(model: &str, total: usize, width: usize) -> ProgressBar {
    let bar = ProgressBar::new(total as u64);
    // Drawn on stderr only when it is a terminal (indicatif hides it otherwise).
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{{prefix:>{width}}} [{{bar:20}}] {{pos}}/{{len}} {{msg}}"
        ))
        .expect("a valid template")
        .progress_chars("=> "),
    );
    bar.set_prefix(model.to_owned());
    bar
}

fn print_header(width: usize) {
    println!(
        "{:<width$} {:<7} {:<14} {:<6} {:<10} {:>9} {:>8}  REPORT",
        "MODEL", "VARIANT", "CHECKER", "EXPECT", "VERDICT", "SCHEDULES", "SECONDS"
    );
}

fn print_row(row: &Row, width: usize) {
    let mark = if row.ok() { "" } else { "  <-- UNEXPECTED" };
    println!(
        "{:<width$} {:<7} {:<14} {:<6} {:<10} {:>9} {:>8.2}  {}{mark}",
        row.model,
        row.variant,
        row.checker,
        row.expect,
        row.verdict,
        row.schedules,
        row.seconds,
        row.report
    );
    if let Some(token) = &row.replay {
        println!("{:<width$} replay: {} replay {token}", "", program_name());
    }
}

/// The name this binary was started as (`lockstep`, or a user's own runner), for repro lines.
fn program_name() -> String {
    std::env::args_os()
        .next()
        .as_deref()
        .and_then(|arg0| std::path::Path::new(arg0).file_name())
        .map_or_else(
            || "lockstep".to_owned(),
            |name| name.to_string_lossy().into_owned(),
        )
}
