//! The child side of `check`: run one checker on one model variant in this process and print
//! the outcome as one JSON line (loom reports through its own adapter, which also exits).
//! Known failing tokens are replayed first.

use super::registry::{Checker, Model, Registry};
use crate::{try_replay, Builder, Replayed};
use lockstep::check::{loom, shuttle, FailureKind as CheckFailureKind};
use serde::{Deserialize, Serialize};
use std::process::ExitCode;

/// Arguments of the hidden `child` command.
#[derive(Debug, Clone, clap::Args)]
pub struct ChildArgs {
    pub(crate) model: String,
    pub(crate) variant: String,
    #[arg(value_enum)]
    pub(crate) checker: Checker,
    #[arg(long)]
    pub(crate) iterations: usize,
    #[arg(long)]
    pub(crate) seed: u64,
    #[arg(long)]
    pub(crate) depth: usize,
    #[arg(long)]
    pub(crate) preemptions: Option<usize>,
    #[arg(long, default_value_t = 20_000)]
    pub(crate) max_executions: usize,
    #[arg(long, value_parser = super::check::parse_shard)]
    pub(crate) shard: Option<(usize, usize)>,
    /// Known failing tokens to replay first.
    #[arg(long)]
    pub(crate) known: Vec<String>,
}

/// What a child reports.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct ChildOutcome {
    /// `bug-found`, `passed`, `exhausted` or `error`.
    pub(crate) verdict: String,
    pub(crate) schedules: u64,
    pub(crate) token: Option<String>,
    /// One line.
    pub(crate) summary: String,
    /// The full report of a failure.
    pub(crate) report: String,
    /// Known tokens that no longer fit the model (to forget).
    pub(crate) stale: Vec<String>,
}

impl ChildOutcome {
    fn error(message: String) -> Self {
        ChildOutcome {
            verdict: "error".into(),
            schedules: 0,
            token: None,
            summary: first_line(&message),
            report: message,
            stale: Vec::new(),
        }
    }
}

const SHUTTLE_PREFIX: &str = "sh1-";

/// A shuttle schedule wrapped with its model's label, so `lockstep replay` can find the model.
pub(crate) fn shuttle_token(label: &str, schedule: &str) -> String {
    use base64::Engine;
    let body = format!("{label}\n{schedule}");
    format!(
        "{SHUTTLE_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(body)
    )
}

/// The label and shuttle schedule inside a `sh1-` token.
pub(crate) fn parse_shuttle_token(token: &str) -> Option<(String, String)> {
    use base64::Engine;
    let body = token.trim().strip_prefix(SHUTTLE_PREFIX)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(body)
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (label, schedule) = text.split_once('\n')?;
    Some((label.to_owned(), schedule.to_owned()))
}

pub(crate) fn child(registry: &Registry, args: ChildArgs) -> ExitCode {
    let Some(model) = registry.find(&args.model, &args.variant) else {
        return super::bad_input(format!(
            "unknown model variant {} {}",
            args.model, args.variant
        ));
    };
    let Some(build) = model.build(args.checker) else {
        return super::bad_input(format!(
            "{} has no program for {}",
            model.label(),
            args.checker.name()
        ));
    };
    let outcome = match args.checker {
        Checker::SimRandom | Checker::SimPct | Checker::SimDfs => run_sim(model, &args, build),
        Checker::ShuttleRandom | Checker::ShuttlePct => run_shuttle(model, &args, build),
        Checker::Loom => {
            // Loom reports to the parent through its adapter (and exits) when started by
            // `try_check_in_child`; run in-process otherwise.
            let config = loom::Config::default().preemption_bound(args.preemptions.unwrap_or(2));
            let result = loom::try_check(&config, build());
            from_check(result, args.checker, None)
        }
    };
    println!(
        "{}",
        serde_json::to_string(&outcome).expect("an outcome serializes")
    );
    ExitCode::SUCCESS
}

fn run_sim(model: &Model, args: &ChildArgs, build: &super::Build) -> ChildOutcome {
    let mut stale = Vec::new();
    for (i, token) in args
        .known
        .iter()
        .filter(|t| t.starts_with("ls1-"))
        .enumerate()
    {
        match try_replay(token, build()) {
            Ok(Replayed::Failed(failure)) => {
                return ChildOutcome {
                    verdict: "bug-found".into(),
                    schedules: i as u64 + 1,
                    token: Some(failure.token.clone()),
                    summary: first_line(&format!("(known failure) {}", failure.summary())),
                    report: failure.to_string(),
                    stale,
                }
            }
            Ok(Replayed::Passed) => {}
            Err(_) => stale.push(token.clone()),
        }
    }
    let builder = match args.checker {
        Checker::SimRandom => Builder::random(args.iterations),
        Checker::SimPct => Builder::pct(args.iterations, args.depth),
        _ => Builder::dfs(args.preemptions).max_executions(args.max_executions),
    };
    let mut builder = builder
        .seed(args.seed)
        .fault_budget(model.limits.fault_budget)
        .label(model.label());
    if let Some((index, count)) = args.shard {
        builder = builder.shard(index, count);
    }
    let replays = (args.known.len() - stale.len()) as u64;
    let mut outcome = match builder.run(build()) {
        Ok(report) => ChildOutcome {
            verdict: if report.exhausted {
                "exhausted"
            } else {
                "passed"
            }
            .into(),
            schedules: report.executions as u64 + replays,
            token: None,
            summary: format!("no failure in {} schedules", report.executions),
            report: String::new(),
            stale: Vec::new(),
        },
        Err(failure) if failure.kind == crate::FailureKind::Invalid => {
            ChildOutcome::error(failure.to_string())
        }
        Err(failure) => ChildOutcome {
            verdict: "bug-found".into(),
            schedules: failure.executions as u64 + replays,
            token: Some(failure.token.clone()),
            summary: first_line(&failure.summary()),
            report: failure.to_string(),
            stale: Vec::new(),
        },
    };
    outcome.stale = stale;
    outcome
}

/// The first line of a message (rows and the corpus keep one line; the full report is kept
/// separately).
fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().to_owned()
}

fn run_shuttle(model: &Model, args: &ChildArgs, build: &super::Build) -> ChildOutcome {
    let label = model.label();
    let mut stale = Vec::new();
    let mut config = shuttle::Config::default().seed(args.seed);
    if let Some((index, _)) = args.shard {
        // Shards of a shuttle run use distinct seeds (shuttle cannot split one seed's runs).
        config = config.seed(crate::rng::mix(args.seed, index as u64));
    }
    for (i, token) in args.known.iter().enumerate() {
        let Some((token_label, schedule)) = parse_shuttle_token(token) else {
            continue;
        };
        if token_label != label {
            stale.push(token.clone());
            continue;
        }
        match shuttle::try_check(&config, shuttle::Strategy::Replay { schedule }, build()) {
            Err(failure) if failure.kind != CheckFailureKind::InvalidInput => {
                let mut outcome = from_check(Err(failure), args.checker, Some(&label));
                outcome.schedules = i as u64 + 1;
                outcome.summary = format!("(known failure) {}", outcome.summary);
                outcome.stale = stale;
                return outcome;
            }
            Err(_) => stale.push(token.clone()),
            Ok(_) => {}
        }
    }
    let iterations = match args.shard {
        Some((index, count)) => (args.iterations + count - 1 - index) / count,
        None => args.iterations,
    };
    let strategy = if args.checker == Checker::ShuttlePct {
        shuttle::Strategy::Pct {
            iterations,
            depth: args.depth,
        }
    } else {
        shuttle::Strategy::Random { iterations }
    };
    let mut outcome = from_check(
        shuttle::try_check(&config, strategy, build()),
        args.checker,
        Some(&label),
    );
    outcome.stale = stale;
    outcome
}

/// A loom or shuttle result as an outcome.
pub(crate) fn from_check(
    result: Result<lockstep::check::Report, lockstep::check::Failure>,
    checker: Checker,
    label: Option<&str>,
) -> ChildOutcome {
    match result {
        Ok(report) => ChildOutcome {
            verdict: if checker.exhaustive() {
                "exhausted"
            } else {
                "passed"
            }
            .into(),
            schedules: report.executions as u64,
            token: None,
            summary: format!("no failure in {} schedules", report.executions),
            report: String::new(),
            stale: Vec::new(),
        },
        Err(failure) if failure.kind == CheckFailureKind::InvalidInput => {
            ChildOutcome::error(failure.to_string())
        }
        Err(failure) => ChildOutcome {
            verdict: "bug-found".into(),
            schedules: failure.executions as u64,
            token: match (label, &failure.replay) {
                (Some(label), Some(schedule)) => Some(shuttle_token(label, schedule)),
                _ => None,
            },
            summary: failure
                .message
                .lines()
                .next()
                .unwrap_or_default()
                .to_owned(),
            report: failure.to_string(),
            stale: Vec::new(),
        },
    }
}
