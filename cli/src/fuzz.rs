//! `fuzz`: run the schedule fuzzer (`sim-fuzz`) on the chosen models for a time budget,
//! starting from each model variant's fuzz corpus in the database and adding what it found —
//! so a CI job that keeps the database fuzzes cumulatively, run after run.
//!
//! Contract (the same as `check`'s, see [`crate::check`]): each model variant runs in a child
//! process; known failing tokens are re-run first; a failure is shrunk, recorded and replayable;
//! `--json` prints one row per model variant in `check --json`'s schema with `"checker":
//! "sim-fuzz"` and one more key, `"corpus"` (the variant's corpus size after the run), then the
//! summary line. Exit status 0 when every verdict meets its expectation, 1 when one does not,
//! 2 for bad usage or input (unknown model, unusable database, bad shard, a bad `LOCKSTEP_*`
//! variable). A result — run, failure or corpus entries — that could not be recorded stops the
//! run with status 2 and is never reported as success.
//!
//! Budget: `--seconds` is the whole run's wall-clock budget, shared by the model variants in
//! turn: each gets the time left divided by the variants left, so a buggy variant that fails
//! fast leaves its time to the others.

use crate::check::{
    self, chosen_models, known_tokens, now_unix, parse_seconds, parse_shard, print_summary,
    run_child, Bars, Ending, Plan,
};
use crate::child::{from_hex, to_hex, Job, FUZZ_LINE};
use crate::corpus::{self, Corpus};
use crate::error::CliError;
use crate::outcome::Row;
use crate::output::Out;
use crate::registry::{Model, Registry};
use crate::verdict::Verdict;
use lockstep::check::Checker;
use lockstep_sim::Knobs;
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// The default budget of a whole `fuzz` run, in seconds.
const DEFAULT_SECONDS: f64 = 60.0;
/// The least time a model variant gets, whatever is left.
const MIN_SECONDS: f64 = 0.05;

/// Arguments of `fuzz`.
#[derive(Debug, Clone, clap::Args)]
pub struct FuzzArgs {
    /// Models to fuzz (see `list`); all when none are given.
    pub models: Vec<String>,
    /// Wall-clock budget of the whole run, in seconds, shared by the model variants [default:
    /// 60].
    #[arg(long, allow_negative_numbers = true, value_parser = parse_seconds)]
    pub seconds: Option<f64>,
    /// Seed of the fuzzer [env: LOCKSTEP_SEED; default 0].
    #[arg(long, allow_negative_numbers = true)]
    pub seed: Option<u64>,
    /// Run shard I of N (0-based): each shard fuzzes from its own seed, all from the same stored
    /// corpus, and adds to it.
    #[arg(long, allow_hyphen_values = true, value_parser = parse_shard, value_name = "I/N")]
    pub shard: Option<(usize, usize)>,
    /// One JSON object per line instead of a table.
    #[arg(long)]
    pub json: bool,
    /// The corpus database.
    #[arg(long, default_value = corpus::DEFAULT_PATH)]
    pub db: PathBuf,
}

/// One line of `fuzz --json`: a `check --json` row and the corpus size.
#[derive(Debug, Serialize)]
struct FuzzRow<'a> {
    #[serde(flatten)]
    row: &'a Row,
    corpus: u64,
}

pub(crate) fn fuzz(registry: &Registry, args: FuzzArgs) -> ExitCode {
    match run(registry, &args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(err) => err.exit(),
    }
}

fn run(registry: &Registry, args: &FuzzArgs) -> Result<bool, CliError> {
    let env = Knobs::from_env()?;
    let models: Vec<&Model> = chosen_models(registry, &args.models)?
        .into_iter()
        .filter(|m| m.build(Checker::SimFuzz).is_some())
        .collect();
    if models.is_empty() {
        return Err(CliError::NothingToRun);
    }
    let mut db = Corpus::open(&args.db)?;
    let mut out = Out::stdout();
    let width = models
        .iter()
        .map(|m| m.name.len())
        .max()
        .unwrap_or(0)
        .max("MODEL".len());
    if !args.json {
        out.line(format_args!(
            "{:<width$} {:<7} {:<14} {:<6} {:<10} {:>9} {:>8} {:>7}  REPORT",
            "MODEL", "VARIANT", "CHECKER", "EXPECT", "VERDICT", "SCHEDULES", "SECONDS", "CORPUS"
        ))?;
    }
    let budget = args.seconds.unwrap_or(DEFAULT_SECONDS);
    let start = Instant::now();
    let mut bars = Bars::new(width);
    let mut all_ok = true;
    let plans: Vec<Plan<'_>> = models
        .iter()
        .map(|&model| Plan {
            model,
            checker: Checker::SimFuzz,
            job: job(model, args, &env, 0.0),
        })
        .collect();
    for (i, plan) in plans.iter().enumerate() {
        let left = budget - start.elapsed().as_secs_f64();
        let share = (left / (plans.len() - i) as f64).max(MIN_SECONDS);
        let plan = Plan {
            model: plan.model,
            checker: plan.checker,
            job: job(plan.model, args, &env, share),
        };
        let bar = bars.for_model(&plans, &plan);
        let (row, size) = match fuzz_one(&mut db, &plan, &bar) {
            Ok(done) => done,
            Err(Unrecorded { cause, row: None }) => {
                // The database could not be read before the check ran.
                bars.clear();
                return Err(cause);
            }
            Err(Unrecorded {
                cause,
                row: Some(shown),
            }) => {
                // As in `check`: the row that could not be recorded is still shown, marked, the
                // summary says so, and the error counts the results lost.
                bars.clear();
                let _ = print(&mut out, &shown.0, shown.1, args.json, width);
                let _ = print_summary(&mut out, args.json, Ending::Unrecorded);
                return Err(match cause {
                    CliError::Corpus(cause) => CliError::Unrecorded {
                        unrecorded: 1,
                        total: i + 1,
                        cause,
                    },
                    other => other,
                });
            }
        };
        bar.inc(1);
        all_ok &= row.ok() && row.verdict != Verdict::Error;
        bars.suspend(|| print(&mut out, &row, size, args.json, width))?;
    }
    bars.clear();
    let ending = if all_ok {
        Ending::Ok
    } else {
        Ending::Unexpected
    };
    print_summary(&mut out, args.json, ending)?;
    Ok(all_ok)
}

/// Fuzz one model variant: feed the child its known tokens and corpus, record the run, the
/// failure and the corpus it hands back; the row and the corpus size after the run.
/// Why a model variant's result is missing from the database: the error, and the row (with the
/// corpus size before the run) if the check ran.
struct Unrecorded {
    cause: CliError,
    row: Option<Box<(Row, u64)>>,
}

impl From<CliError> for Unrecorded {
    fn from(cause: CliError) -> Self {
        Unrecorded { cause, row: None }
    }
}

impl From<corpus::CorpusError> for Unrecorded {
    fn from(cause: corpus::CorpusError) -> Self {
        CliError::Corpus(cause).into()
    }
}

fn fuzz_one(
    db: &mut Corpus,
    plan: &Plan<'_>,
    bar: &indicatif::ProgressBar,
) -> Result<(Row, u64), Unrecorded> {
    let model = plan.model;
    let mut lines = known_tokens(db, plan)?;
    let stored = db.fuzz_entries(&model.name, &model.variant, model.version)?;
    lines.extend(stored.iter().map(|e| format!("{FUZZ_LINE}{}", to_hex(e))));
    let started_at = now_unix();
    let start = Instant::now();
    let outcome = run_child(plan, &lines, bar);
    let seconds = start.elapsed().as_secs_f64();
    let row = Row::new(model, Checker::SimFuzz, &outcome, seconds);
    let before = stored.len() as u64;
    let unrecorded = |cause: corpus::CorpusError| Unrecorded {
        cause: CliError::Corpus(cause),
        row: Some(Box::new((row.clone(), before))),
    };
    let found: Vec<Vec<u8>> = outcome
        .corpus
        .iter()
        .flatten()
        .filter_map(|hex| from_hex(hex))
        .collect();
    db.add_fuzz_entries(
        &model.name,
        &model.variant,
        model.version,
        &found,
        now_unix(),
    )
    .map_err(unrecorded)?;
    check::record(db, plan, &row, &outcome, started_at).map_err(unrecorded)?;
    let size = db
        .fuzz_entries(&model.name, &model.variant, model.version)?
        .len() as u64;
    Ok((row, size))
}

/// The child's job: fuzz for `seconds` (as many executions as fit).
fn job(model: &Model, args: &FuzzArgs, env: &Knobs, seconds: f64) -> Job {
    Job {
        model: model.name.clone(),
        variant: model.variant.clone(),
        checker: Checker::SimFuzz.name().to_owned(),
        // LOCKSTEP_ITERATIONS caps the executions (the time budget still applies).
        iterations: env.iterations.unwrap_or(usize::MAX),
        seed: args.seed.or(env.seed).unwrap_or(0),
        depth: 3,
        preemptions: None,
        max_executions: usize::MAX,
        max_seconds: Some(seconds.clamp(MIN_SECONDS, 1e9)),
        shard: args.shard,
        max_steps: env.max_steps,
        fault_budget: env.fault_budget.unwrap_or(model.limits.fault_budget),
        fault_probability: env.fault_probability,
        shrink: env.shrink,
        known_on_stdin: false,
        parent: std::process::id(),
        threads: None,
    }
}

fn print(out: &mut Out, row: &Row, corpus: u64, json: bool, width: usize) -> Result<(), CliError> {
    if json {
        let line = serde_json::to_string(&FuzzRow { row, corpus }).expect("a row serializes");
        return out.line(format_args!("{line}"));
    }
    let mark = if row.ok() { "" } else { "  <-- UNEXPECTED" };
    out.line(format_args!(
        "{:<width$} {:<7} {:<14} {:<6} {:<10} {:>9} {:>8.2} {:>7}  {}{mark}",
        row.model,
        row.variant,
        row.checker.name(),
        row.expect.name(),
        row.verdict.name(),
        row.schedules,
        row.seconds,
        corpus,
        row.report
    ))?;
    if let Some(token) = &row.replay {
        out.line(format_args!(
            "{:<width$} replay: {} replay {token}",
            "",
            check::program_name()
        ))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fuzz_row_is_a_check_row_plus_the_corpus_size() {
        let model = Model::new("abba", "buggy", crate::Expect::Bug, "");
        let outcome = crate::outcome::Outcome::clean(10, false, true);
        let row = Row::new(&model, Checker::SimFuzz, &outcome, 0.5);
        let check_line = serde_json::to_string(&row).unwrap();
        let fuzz_line = serde_json::to_string(&FuzzRow {
            row: &row,
            corpus: 7,
        })
        .unwrap();
        assert_eq!(
            fuzz_line,
            format!("{},\"corpus\":7}}", check_line.trim_end_matches('}'))
        );
    }
}
