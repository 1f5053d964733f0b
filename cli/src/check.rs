//! `check`: run the chosen checkers on the chosen models, each check in a child process; print
//! a table (or one JSON object per line) and record every result in the corpus.
//!
//! Settings: a flag beats its `LOCKSTEP_*` variable, which beats the model's own limit, which
//! beats the default; the parent resolves them once and hands each child a complete job.
//! Recording: a result that could not be recorded is never reported as success — the run stops
//! at the first corpus error, the summary says `ok: false`, and the exit status is 2.

use crate::child::Job;
use crate::corpus::{self, Corpus, FailureRecord, RunRecord};
use crate::error::{shorten, CliError};
use crate::html::PageDir;
use crate::outcome::{Outcome, Row, Summary};
use crate::output::Out;
use crate::registry::{Model, Registry};
use crate::verdict::{Expect, Verdict};
use indicatif::{ProgressBar, ProgressStyle};
use lockstep::check::{loom, Backend, Checker};
use lockstep_sim::Knobs;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

/// The preemption bound of `sim-dfs` and `loom` unless the model or the command sets one.
const DEFAULT_PREEMPTIONS: usize = 2;
/// Schedules per randomised check unless the model or the command sets a number.
const DEFAULT_ITERATIONS: usize = 1000;
/// Largest preemption bound a flag accepts (loom's own limit).
const MAX_PREEMPTIONS: usize = loom::MAX_PREEMPTION_BOUND;
/// Largest PCT depth (lockstep-sim's own limit).
pub(crate) const MAX_DEPTH: usize = 1000;
/// Most shards a run may be split into.
const MAX_SHARDS: usize = 1 << 20;

/// Which checkers `check` runs: one, or every checker that applies to each model (without
/// `--checker`: the simulator's portfolio, loom and shuttle).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckerChoice {
    /// Every checker that applies, each separately: every simulator strategy (the portfolio's
    /// members), loom, shuttle random and PCT.
    All,
    /// This one.
    One(Checker),
}

fn parse_checker(text: &str) -> Result<CheckerChoice, String> {
    if text == "all" {
        return Ok(CheckerChoice::All);
    }
    text.parse()
        .map(CheckerChoice::One)
        .map_err(|e| e.to_string())
}

/// A preemption bound given on the command line: a number, or `none` for an unbounded search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bound(pub Option<usize>);

fn parse_bound(text: &str) -> Result<Bound, String> {
    if text.eq_ignore_ascii_case("none") {
        return Ok(Bound(None));
    }
    match text.parse::<usize>() {
        Ok(n) if n <= MAX_PREEMPTIONS => Ok(Bound(Some(n))),
        _ => Err(format!("expected 0..={MAX_PREEMPTIONS} or `none`")),
    }
}

/// Parse `I/N` with `0 <= I < N <= 2^20`.
pub(crate) fn parse_shard(text: &str) -> Result<(usize, usize), String> {
    let (i, n) = text
        .split_once('/')
        .ok_or_else(|| format!("`{}` is not I/N (e.g. 0/4)", shorten(text, 40)))?;
    let number = |s: &str| {
        s.trim()
            .parse::<usize>()
            .map_err(|_| format!("`{}` is not a number", shorten(s, 40)))
    };
    let (i, n) = (number(i)?, number(n)?);
    if n == 0 || i >= n || n > MAX_SHARDS {
        return Err(format!("shard {i}/{n}: need 0 <= I < N <= {MAX_SHARDS}"));
    }
    Ok((i, n))
}

/// Arguments of `check`. Number flags take a negative value as their value (and refuse it by
/// name) rather than as an unknown flag.
#[derive(Debug, Clone, clap::Args)]
pub struct CheckArgs {
    /// Models to check (see `list`); all when none are given.
    pub models: Vec<String>,
    /// Which checker: one of sim-portfolio, sim-random, sim-pct, sim-pos, sim-urw, sim-surw,
    /// sim-delay, sim-dfs, loom, shuttle-random, shuttle-pct, shuttle-dfs; or `all`, every one
    /// of them separately. Without it: sim-portfolio (every simulator strategy, interleaved),
    /// loom and shuttle.
    #[arg(long, value_parser = parse_checker)]
    pub checker: Option<CheckerChoice>,
    /// Schedules per randomised check [env: LOCKSTEP_ITERATIONS; default: the model's own, else
    /// 1000].
    #[arg(long, allow_negative_numbers = true, value_parser = clap::value_parser!(u64).range(1..=1_000_000_000_000))]
    pub iterations: Option<u64>,
    /// Seed of the randomised checkers [env: LOCKSTEP_SEED; default 0].
    #[arg(long, allow_negative_numbers = true)]
    pub seed: Option<u64>,
    /// PCT bug depth [env: LOCKSTEP_DEPTH; default 3].
    #[arg(long, allow_negative_numbers = true, value_parser = clap::value_parser!(u64).range(1..=MAX_DEPTH as u64))]
    pub depth: Option<u64>,
    /// Preemption bound of sim-dfs and loom, which are exhaustive within it, or `none`
    /// [env: LOCKSTEP_PREEMPTIONS; default: the model's own, else 2].
    // A newtype, not `Option<Option<usize>>`: clap would make the value optional, and a bare
    // `--preemptions` then panicked (issue 15).
    #[arg(long, allow_negative_numbers = true, value_parser = parse_bound)]
    pub preemptions: Option<Bound>,
    /// Most executions of a sim-dfs check; a search cut short reports `passed`, not
    /// `exhausted`.
    #[arg(long, allow_negative_numbers = true, default_value_t = 20_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000_000_000))]
    pub max_executions: u64,
    /// Run an unbounded sim-dfs check (`--preemptions none`) on N OS threads: the same
    /// executions and verdict for any N.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=256))]
    pub jobs: Option<u64>,
    /// Wall-clock budget of each simulator check, in seconds [env: LOCKSTEP_MAX_DURATION]; a
    /// check cut short reports `passed`, never `exhausted`.
    #[arg(long, allow_negative_numbers = true, value_parser = parse_seconds)]
    pub max_seconds: Option<f64>,
    /// Run shard I of N (0-based): the shards of a run together cover it exactly.
    #[arg(long, allow_hyphen_values = true, value_parser = parse_shard, value_name = "I/N")]
    pub shard: Option<(usize, usize)>,
    /// One JSON object per line instead of a table.
    #[arg(long)]
    pub json: bool,
    /// The corpus database.
    #[arg(long, default_value = corpus::DEFAULT_PATH)]
    pub db: PathBuf,
    /// Write one HTML page per failure row into this directory (created if needed):
    /// `MODEL.VARIANT.CHECKER.html`, the failure's timeline.
    #[arg(long, value_name = "DIR")]
    pub html: Option<PathBuf>,
}

fn parse_seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if s > 0.0 && s <= 1e9 => Ok(s),
        _ => Err("expected a number of seconds in (0, 1e9]".into()),
    }
}

/// One check to run: a model variant, a checker and the job the child gets.
struct Plan<'a> {
    model: &'a Model,
    checker: Checker,
    job: Job,
}

pub(crate) fn check(registry: &Registry, args: CheckArgs) -> ExitCode {
    match run(registry, &args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(err) => err.exit(),
    }
}

/// Run every planned check; `Ok(all verdicts met)`. A model variant's checks stop at its first
/// failure, and its verdict combines them: a buggy variant is caught when any checker finds the
/// bug, a fixed one passes when none does (and no check failed to run).
fn run(registry: &Registry, args: &CheckArgs) -> Result<bool, CliError> {
    let env = Knobs::from_env()?;
    let models = chosen_models(registry, &args.models)?;
    let plans = plans(&models, args, &env)?;
    if plans.is_empty() {
        return Err(CliError::NothingToRun);
    }
    let mut run = Running {
        corpus: Corpus::open(&args.db)?,
        pages: args.html.as_deref().map(PageDir::open).transpose()?,
        out: Out::stdout(),
        width: plans
            .iter()
            .map(|p| p.model.name.len())
            .max()
            .unwrap_or(0)
            .max("MODEL".len()),
        json: args.json,
        done: 0,
    };
    if !args.json {
        print_header(&mut run.out, run.width)?;
    }
    let mut bars = Bars::new(run.width);
    let mut all_ok = true;
    for variant in plans.chunk_by(|a, b| std::ptr::eq(a.model, b.model)) {
        let rows = run.variant(&plans, variant, &mut bars)?;
        let ok = combined_ok(variant[0].model.expect, rows.iter().map(|(row, _)| row));
        all_ok &= ok;
        if !args.json {
            for (row, page) in &rows {
                let unexpected = !ok && !row.ok();
                bars.suspend(|| print_row(&mut run.out, row, false, run.width, unexpected))?;
                if let Some(page) = page {
                    let width = run.width;
                    bars.suspend(|| {
                        run.out
                            .line(format_args!("{:<width$} html: {}", "", page.display()))
                    })?;
                }
            }
        }
    }
    bars.clear();
    let ending = if all_ok {
        Ending::Ok
    } else {
        Ending::Unexpected
    };
    print_summary(&mut run.out, args.json, ending)?;
    Ok(all_ok)
}

/// Whether a model variant's rows meet its expectation together: some row found the bug of a
/// buggy variant; no row found one in a fixed variant; no check failed to run.
fn combined_ok<'r>(expect: Expect, rows: impl Iterator<Item = &'r Row> + Clone) -> bool {
    let errors = rows.clone().any(|r| r.verdict == Verdict::Error);
    let found = rows.into_iter().any(|r| r.verdict == Verdict::BugFound);
    !errors
        && match expect {
            Expect::Bug => found,
            Expect::Pass => !found,
        }
}

/// What a run of `check` carries from check to check.
struct Running {
    corpus: Corpus,
    /// Where `--html` writes a page per failure.
    pages: Option<PageDir>,
    out: Out,
    width: usize,
    json: bool,
    /// Checks run so far.
    done: usize,
}

impl Running {
    /// Run one model variant's checks until the first failure; record each, print it at once
    /// with `--json` (a table row waits for the variant's verdict), and return the rows, each
    /// with the page `--html` wrote for it.
    fn variant(
        &mut self,
        plans: &[Plan<'_>],
        variant: &[Plan<'_>],
        bars: &mut Bars,
    ) -> Result<Vec<(Row, Option<PathBuf>)>, CliError> {
        let mut rows = Vec::new();
        for plan in variant {
            let bar = bars.for_model(plans, plan);
            bar.set_message(format!("{} {}", plan.model.variant, plan.checker));
            let known = known_tokens(&self.corpus, plan)?;
            let started_at = now_unix();
            let start = Instant::now();
            let outcome = run_child(plan, &known, &bar);
            let seconds = start.elapsed().as_secs_f64();
            let row = Row::new(plan.model, plan.checker, &outcome, seconds);
            bar.inc(1);
            self.done += 1;
            if let Err(cause) = record(&mut self.corpus, plan, &row, &outcome, started_at) {
                // The lost result is the error to report, whether or not the output still works;
                // the row is still shown, marked as not met.
                bars.clear();
                if !self.json {
                    for (earlier, _) in &rows {
                        let _ = print_row(&mut self.out, earlier, false, self.width, false);
                    }
                }
                let _ = print_row(&mut self.out, &row, self.json, self.width, !row.ok());
                let _ = print_summary(&mut self.out, self.json, Ending::Unrecorded);
                return Err(CliError::Unrecorded {
                    unrecorded: 1,
                    total: self.done,
                    cause,
                });
            }
            if self.json {
                bar.suspend(|| print_row(&mut self.out, &row, true, self.width, false))?;
            }
            let page = match &self.pages {
                Some(pages) => pages.write_row(&row, &outcome)?,
                None => None,
            };
            let found = row.verdict == Verdict::BugFound;
            rows.push((row, page));
            if found {
                break;
            }
        }
        Ok(rows)
    }
}

/// The variants of the named models (each name once, in order), or every model.
fn chosen_models<'r>(registry: &'r Registry, names: &[String]) -> Result<Vec<&'r Model>, CliError> {
    if names.is_empty() {
        return Ok(registry.models().iter().collect());
    }
    let mut models = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for name in names {
        if !seen.insert(name.as_str()) {
            continue;
        }
        let variants = registry.variants(name);
        if variants.is_empty() {
            return Err(CliError::UnknownModel(shorten(name, 80)));
        }
        models.extend(variants);
    }
    Ok(models)
}

fn plans<'a>(
    models: &[&'a Model],
    args: &CheckArgs,
    env: &Knobs,
) -> Result<Vec<Plan<'a>>, CliError> {
    let checkers: Vec<Checker> = match args.checker {
        None => DEFAULT_CHECKERS.to_vec(),
        Some(CheckerChoice::All) => ALL_CHECKERS.to_vec(),
        Some(CheckerChoice::One(checker)) => vec![checker],
    };
    let mut plans = Vec::new();
    for model in models {
        for &checker in &checkers {
            if model.build(checker).is_some() {
                plans.push(Plan {
                    model,
                    checker,
                    job: job(model, checker, args, env)?,
                });
            }
        }
    }
    Ok(plans)
}

/// The checkers `check` runs without `--checker`, in report order: the simulator's portfolio
/// (every strategy, interleaved), loom and shuttle.
pub(crate) const DEFAULT_CHECKERS: [Checker; 4] = [
    Checker::SimPortfolio,
    Checker::Loom,
    Checker::ShuttleRandom,
    Checker::ShuttlePct,
];

/// The checkers `--checker all` runs, each separately, in report order: every simulator
/// strategy (the portfolio's members), loom and shuttle.
pub(crate) const ALL_CHECKERS: [Checker; 10] = [
    Checker::SimRandom,
    Checker::SimPct,
    Checker::SimPos,
    Checker::SimUrw,
    Checker::SimSurw,
    Checker::SimDelay,
    Checker::SimDfs,
    Checker::Loom,
    Checker::ShuttleRandom,
    Checker::ShuttlePct,
];

/// The resolved settings of one check: flag, then environment, then the model's limit, then
/// the default. A resolved setting the checker cannot take (a loom preemption bound over 255
/// from `LOCKSTEP_PREEMPTIONS` or the model) is a usage error naming where it came from.
fn job(model: &Model, checker: Checker, args: &CheckArgs, env: &Knobs) -> Result<Job, CliError> {
    let iterations = args
        .iterations
        .map(|n| usize::try_from(n).unwrap_or(usize::MAX))
        .or(env.iterations)
        .or(model.limits.iterations)
        .unwrap_or(DEFAULT_ITERATIONS);
    let (preemptions, source) = match (args.preemptions, env.preemptions) {
        (Some(Bound(bound)), _) => (bound, "--preemptions".to_owned()),
        (None, Some(bound)) => (bound, lockstep_sim::env::PREEMPTIONS.to_owned()),
        (None, None) => match model.limits.preemptions {
            Some(bound) => (Some(bound), format!("the limit of model {}", model.label())),
            None => (Some(DEFAULT_PREEMPTIONS), "the default".to_owned()),
        },
    };
    if checker == Checker::Loom {
        if let Some(bound) = preemptions.filter(|&b| b > loom::MAX_PREEMPTION_BOUND) {
            return Err(CliError::Flag(format!(
                "preemption bound {bound} (from {source}) is over loom's limit of {}",
                loom::MAX_PREEMPTION_BOUND
            )));
        }
    }
    Ok(Job {
        model: model.name.clone(),
        variant: model.variant.clone(),
        checker: checker.name().to_owned(),
        iterations,
        seed: args.seed.or(env.seed).unwrap_or(0),
        depth: args.depth.map_or(env.depth.unwrap_or(3), |d| d as usize),
        preemptions,
        max_executions: usize::try_from(args.max_executions).unwrap_or(usize::MAX),
        max_seconds: args
            .max_seconds
            .or(env.max_duration.map(|d| d.as_secs_f64())),
        shard: args.shard,
        max_steps: env.max_steps,
        fault_budget: env.fault_budget.unwrap_or(model.limits.fault_budget),
        fault_probability: env.fault_probability,
        shrink: env.shrink,
        known_on_stdin: false,
        parent: std::process::id(),
        threads: args.jobs.map(|n| n as usize),
    })
}

/// The known failing tokens of this plan's model variant and checker; a corpus that cannot be
/// read is an error, never an empty list.
fn known_tokens(corpus: &Corpus, plan: &Plan<'_>) -> Result<Vec<String>, CliError> {
    let known = corpus.known_failures(&plan.model.name, &plan.model.variant)?;
    Ok(known
        .into_iter()
        .filter(|k| k.checker == plan.checker)
        .map(|k| k.token)
        .collect())
}

fn record(
    corpus: &mut Corpus,
    plan: &Plan<'_>,
    row: &Row,
    outcome: &Outcome,
    started_at: i64,
) -> Result<(), corpus::CorpusError> {
    let run = RunRecord {
        model: row.model.clone(),
        variant: row.variant.clone(),
        checker: row.checker,
        seed: plan.job.seed,
        shard: plan.job.shard.map(|(i, n)| (i as u32, n as u32)),
        schedules: row.schedules,
        verdict: row.verdict,
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
            checker: row.checker,
            token: token.clone(),
            summary: row.report.clone(),
            report: outcome.report.clone(),
        })
        .collect();
    // Known tokens that no longer fit are forgotten in the same transaction.
    corpus.record_and_forget(&run, &failures, &outcome.stale, now_unix())
}

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The child command for `plan` (known tokens, if any, go to its stdin).
fn child_command(plan: &Plan<'_>, known: bool) -> Command {
    let exe = std::env::current_exe().unwrap_or_else(|_| "lockstep".into());
    let mut job = plan.job.clone();
    job.known_on_stdin = known;
    let mut command = Command::new(exe);
    command
        .arg("child")
        .arg(serde_json::to_string(&job).expect("a job serializes"));
    command
}

/// Run one check in a child process and read its outcome.
fn run_child(plan: &Plan<'_>, known: &[String], bar: &ProgressBar) -> Outcome {
    if plan.checker.backend() == Backend::Loom {
        let command = child_command(plan, false);
        let result = loom::try_check_in_child(command);
        return Outcome::from_check(result, Checker::Loom, plan.model);
    }
    let feeding = !known.is_empty();
    let mut command = child_command(plan, feeding);
    command
        .stdin(if feeding {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if std::io::stderr().is_terminal() {
        // The child reports its progress in lines this process turns into the bar's message.
        command.env(lockstep_sim::progress::PROGRESS, "lines");
    }
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(err) => return Outcome::error(format!("could not start the check: {err}")),
    };
    if let Some(stdin) = child.stdin.take() {
        let tokens = known.join("\n");
        // A thread writes the tokens while this one collects the output (the pipes would fill
        // otherwise). A child that exits early closes the pipe: its outcome says why.
        let feeder = std::thread::Builder::new()
            .name("known-tokens".into())
            .spawn(move || feed(stdin, tokens.as_bytes()));
        if let Err(err) = feeder {
            let _ = child.kill();
            let _ = child.wait();
            return Outcome::error(format!("could not start a thread to feed the check: {err}"));
        }
    }
    let message = format!("{} {}", plan.model.variant, plan.checker);
    match collect(child, bar, &message) {
        Ok(output) => String::from_utf8_lossy(&output.stdout)
            .lines()
            .find_map(|line| serde_json::from_str::<Outcome>(line).ok())
            .unwrap_or_else(|| crashed(&output)),
        Err(err) => Outcome::error(format!("could not run the check: {err}")),
    }
}

/// Wait for `child`, collecting its stdout and stderr; progress lines on its stderr update
/// `bar`'s message (`message: executions, rate, share`) instead of being kept.
fn collect(
    mut child: std::process::Child,
    bar: &ProgressBar,
    message: &str,
) -> std::io::Result<std::process::Output> {
    use std::io::{BufRead, Read};
    // The stderr pipe goes to the reader thread through a shared slot, so that if the thread
    // cannot start (no memory for its stack) the pipe comes back and the child is collected
    // without one: its progress lines are then merely kept.
    let slot = std::sync::Arc::new(std::sync::Mutex::new(child.stderr.take()));
    let (bar, message, from_slot) = (bar.clone(), message.to_owned(), slot.clone());
    let spawned = std::thread::Builder::new()
        .name("check-stderr".into())
        .spawn(move || {
            let mut kept = Vec::new();
            let stderr = from_slot.lock().ok().and_then(|mut s| s.take());
            let Some(stderr) = stderr else {
                return kept;
            };
            for line in std::io::BufReader::new(stderr)
                .split(b'\n')
                .map_while(Result::ok)
            {
                let text = String::from_utf8_lossy(&line);
                match lockstep_sim::progress::parse_line(&text) {
                    Some((done, rate, estimate)) => bar.set_message(format!(
                        "{message}: {}",
                        lockstep_sim::progress::describe(done as usize, rate, estimate)
                    )),
                    None => {
                        kept.extend_from_slice(&line);
                        kept.push(b'\n');
                    }
                }
            }
            kept
        });
    let reader = match spawned {
        Ok(reader) => reader,
        Err(_) => {
            child.stderr = slot.lock().ok().and_then(|mut s| s.take());
            return child.wait_with_output();
        }
    };
    let mut stdout = Vec::new();
    if let Some(mut out) = child.stdout.take() {
        out.read_to_end(&mut stdout)?;
    }
    let status = child.wait()?;
    let stderr = reader.join().unwrap_or_default();
    Ok(std::process::Output {
        status,
        stdout,
        stderr,
    })
}

/// Write the known tokens to the child's stdin. SIGPIPE (left at its default by
/// [`crate::die_quietly_on_closed_pipe`], so that `lockstep list | head` ends quietly) is
/// blocked in this thread: a child that exits without reading them all makes the write fail
/// with `EPIPE` instead of killing the whole run; the signal, pending on this thread only, is
/// discarded when the thread ends.
fn feed(mut stdin: std::process::ChildStdin, tokens: &[u8]) {
    #[cfg(unix)]
    // SAFETY: `sigemptyset`, `sigaddset` and `pthread_sigmask` only fill a local signal set and
    // change the calling thread's signal mask.
    unsafe {
        let mut set = std::mem::zeroed::<libc::sigset_t>();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGPIPE);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
    let _ = stdin.write_all(tokens);
}

fn crashed(output: &std::process::Output) -> Outcome {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let first = stderr
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("no output");
    let mut outcome = Outcome::error(format!("the check crashed ({}): {first}", output.status));
    outcome.report = stderr.into_owned();
    outcome
}

/// One progress bar per model, drawn on stderr only when it is a terminal.
struct Bars {
    width: usize,
    current: Option<(String, ProgressBar)>,
}

impl Bars {
    fn new(width: usize) -> Self {
        Bars {
            width,
            current: None,
        }
    }

    fn for_model(&mut self, plans: &[Plan<'_>], plan: &Plan<'_>) -> ProgressBar {
        let name = &plan.model.name;
        if let Some((current, bar)) = &self.current {
            if current == name {
                return bar.clone();
            }
        }
        self.clear();
        let total = plans.iter().filter(|p| &p.model.name == name).count();
        let bar = ProgressBar::new(total as u64);
        bar.set_style(
            ProgressStyle::with_template(&format!(
                "{{prefix:>{}}} [{{bar:20}}] {{pos}}/{{len}} {{msg}}",
                self.width
            ))
            .expect("a valid template")
            .progress_chars("=> "),
        );
        bar.set_prefix(name.clone());
        self.current = Some((name.clone(), bar.clone()));
        bar
    }

    /// Run `f` (which prints) with the current bar hidden.
    fn suspend<T>(&self, f: impl FnOnce() -> T) -> T {
        match &self.current {
            Some((_, bar)) => bar.suspend(f),
            None => f(),
        }
    }

    fn clear(&mut self) {
        if let Some((_, bar)) = self.current.take() {
            bar.finish_and_clear();
        }
    }
}

fn print_header(out: &mut Out, width: usize) -> Result<(), CliError> {
    out.line(format_args!(
        "{:<width$} {:<7} {:<14} {:<6} {:<10} {:>9} {:>8}  REPORT",
        "MODEL", "VARIANT", "CHECKER", "EXPECT", "VERDICT", "SCHEDULES", "SECONDS"
    ))
}

/// Print one row; `unexpected` marks a table row that makes its variant miss its expectation.
fn print_row(
    out: &mut Out,
    row: &Row,
    json: bool,
    width: usize,
    unexpected: bool,
) -> Result<(), CliError> {
    if json {
        let line = serde_json::to_string(row).expect("a row serializes");
        return out.line(format_args!("{line}"));
    }
    let mark = if unexpected { "  <-- UNEXPECTED" } else { "" };
    out.line(format_args!(
        "{:<width$} {:<7} {:<14} {:<6} {:<10} {:>9} {:>8.2}  {}{mark}",
        row.model,
        row.variant,
        row.checker.name(),
        row.expect.name(),
        row.verdict.name(),
        row.schedules,
        row.seconds,
        row.report
    ))?;
    if let Some(token) = &row.replay {
        out.line(format_args!(
            "{:<width$} replay: {} replay {token}",
            "",
            program_name()
        ))?;
    }
    Ok(())
}

/// How a run ended, for its last line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    Ok,
    Unexpected,
    Unrecorded,
}

fn print_summary(out: &mut Out, json: bool, ending: Ending) -> Result<(), CliError> {
    if json {
        let ok = ending == Ending::Ok;
        let line = serde_json::to_string(&Summary { summary: true, ok }).expect("serializes");
        return out.line(format_args!("{line}"));
    }
    let text = match ending {
        Ending::Ok => "ok: every verdict meets its expectation",
        Ending::Unexpected => "FAILED: some verdicts do not meet their expectation",
        Ending::Unrecorded => "FAILED: a result could not be recorded (see stderr); stopped",
    };
    out.line(format_args!("{text}"))
}

/// The name this binary was started as (`lockstep`, or a user's own runner), for repro lines.
pub(crate) fn program_name() -> String {
    std::env::args_os()
        .next()
        .as_deref()
        .and_then(|arg0| std::path::Path::new(arg0).file_name())
        .map_or_else(
            || "lockstep".to_owned(),
            |name| name.to_string_lossy().into_owned(),
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::Outcome;
    use crate::registry::Model;

    fn row(expect: Expect, verdict: Verdict) -> Row {
        let model = Model::new("m", "v", expect, "");
        let mut outcome = Outcome::clean(1, false, false);
        outcome.verdict = verdict;
        Row::new(&model, Checker::SimPortfolio, &outcome, 0.0)
    }

    #[test]
    fn any_checker_catches_a_bug_and_none_may_flag_a_fixed_twin() {
        use Verdict::*;
        let bug = |vs: &[Verdict]| {
            let rows: Vec<Row> = vs.iter().map(|&v| row(Expect::Bug, v)).collect();
            combined_ok(Expect::Bug, rows.iter())
        };
        let pass = |vs: &[Verdict]| {
            let rows: Vec<Row> = vs.iter().map(|&v| row(Expect::Pass, v)).collect();
            combined_ok(Expect::Pass, rows.iter())
        };
        assert!(bug(&[BugFound]) && bug(&[Passed, Exhausted, BugFound]));
        assert!(!bug(&[Passed, Passed]) && !bug(&[Error, BugFound]) && !bug(&[]));
        assert!(pass(&[Passed, Exhausted]) && pass(&[]));
        assert!(!pass(&[Passed, BugFound]) && !pass(&[Error]));
    }
}
