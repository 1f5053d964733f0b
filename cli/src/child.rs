//! The child side of `check`: run one checker on one model variant in this process and print
//! the [`Outcome`] as one JSON line.
//!
//! The parent resolves every setting (flags, then environment, then defaults) and hands the
//! child a complete [`Job`] as one JSON argument; the child's own environment changes nothing.
//! Known failing tokens arrive on stdin, one per line (a command line has a length limit; a
//! corpus does not), and are replayed first — but only those recorded under the same limits
//! (step bound, fault budget): a failure found with `LOCKSTEP_MAX_STEPS=3` must not become a
//! "known failure" of a default run. The child dies with its parent (Linux: `PR_SET_PDEATHSIG`),
//! so cancelling `check` never leaves a check running on its own.

use crate::check::MAX_DEPTH;
use crate::error::CliError;
use crate::outcome::Outcome;
use crate::registry::{Build, Model, Registry};
use lockstep::check::{loom, shuttle, Backend, Checker};
use lockstep_sim::{Builder, FuzzCorpus, Knobs, Replayed, Token};
use serde::{Deserialize, Serialize};
use std::io::BufRead;
use std::process::ExitCode;
use std::time::Duration;

/// Everything one check runs with, resolved by the parent.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct Job {
    pub(crate) model: String,
    pub(crate) variant: String,
    pub(crate) checker: String,
    pub(crate) iterations: usize,
    pub(crate) seed: u64,
    pub(crate) depth: usize,
    /// `None`: unbounded.
    pub(crate) preemptions: Option<usize>,
    pub(crate) max_executions: usize,
    pub(crate) max_seconds: Option<f64>,
    pub(crate) shard: Option<(usize, usize)>,
    pub(crate) max_steps: Option<usize>,
    pub(crate) fault_budget: usize,
    pub(crate) fault_probability: Option<f64>,
    pub(crate) shrink: Option<bool>,
    /// Known tokens follow on stdin.
    pub(crate) known_on_stdin: bool,
    /// The parent's process id: the child stops if it is gone.
    pub(crate) parent: u32,
    /// OS threads of an unbounded DFS (`--jobs`).
    #[serde(default)]
    pub(crate) threads: Option<usize>,
}

impl Job {
    /// Why the job cannot run, if it cannot: the parent never hands out such a job, but the
    /// command is a command like any other and must not panic on a hand-written one.
    fn validate(&self) -> Result<(), String> {
        if self.iterations == 0 {
            return Err("iterations must be at least 1".into());
        }
        if !(1..=MAX_DEPTH).contains(&self.depth) {
            return Err(format!("depth {} is not in 1..={MAX_DEPTH}", self.depth));
        }
        if self.max_executions == 0 {
            return Err("max_executions must be at least 1".into());
        }
        if let Some((index, count)) = self.shard {
            if count == 0 || index >= count {
                return Err(format!("shard {index}/{count}: need index < count"));
            }
        }
        if let Some(seconds) = self.max_seconds {
            if !(seconds > 0.0 && seconds <= 1e9) {
                return Err(format!("max_seconds {seconds} is not in (0, 1e9]"));
            }
        }
        if let Some(p) = self.fault_probability {
            if !(0.0..=1.0).contains(&p) {
                return Err(format!("fault_probability {p} is not in 0..=1"));
            }
        }
        if let Some(threads) = self.threads {
            if !(1..=256).contains(&threads) {
                return Err(format!("threads {threads} is not in 1..=256"));
            }
        }
        Ok(())
    }
}

/// Arguments of the hidden `child` command.
#[derive(Debug, Clone, clap::Args)]
pub struct ChildArgs {
    /// The job, as JSON.
    job: String,
}

pub(crate) fn child(registry: &Registry, args: ChildArgs) -> ExitCode {
    match run(registry, &args.job) {
        Ok(outcome) => {
            let line = serde_json::to_string(&outcome).expect("an outcome serializes");
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(err) => err.exit(),
    }
}

fn run(registry: &Registry, job: &str) -> Result<Outcome, CliError> {
    let job: Job = serde_json::from_str(job).map_err(|err| CliError::Job(err.to_string()))?;
    die_with_parent(job.parent)?;
    job.validate().map_err(CliError::Job)?;
    let checker: Checker = job
        .checker
        .parse()
        .map_err(|err: lockstep::check::UnknownChecker| CliError::Job(err.to_string()))?;
    let model = registry
        .find(&job.model, &job.variant)
        .ok_or_else(|| CliError::Job(format!("no model {} {}", job.model, job.variant)))?;
    let build = model
        .build(checker)
        .ok_or_else(|| CliError::Job(format!("{} has no {checker} program", model.label())))?;
    let (known, entries) = if job.known_on_stdin {
        read_known()
    } else {
        (Vec::new(), Vec::new())
    };
    Ok(match checker.backend() {
        Backend::Sim => run_sim(model, &job, checker, build, &known, &entries),
        Backend::Shuttle => run_shuttle(model, &job, checker, build, &known),
        _ => run_loom(model, &job, build),
    })
}

/// The known tokens and the fuzz corpus's entries ([`FUZZ_LINE`] lines) on stdin; an
/// unreadable line ends the list, a line that is neither is skipped.
fn read_known() -> (Vec<Token>, Vec<Vec<u8>>) {
    let mut tokens = Vec::new();
    let mut entries = Vec::new();
    for line in std::io::stdin().lock().lines().map_while(Result::ok) {
        match line.strip_prefix(FUZZ_LINE) {
            Some(hex) => entries.extend(from_hex(hex)),
            None => tokens.extend(Token::decode(&line).ok()),
        }
    }
    (tokens, entries)
}

/// The prefix of a line on the child's stdin that carries a fuzz corpus entry (in hex).
pub(crate) const FUZZ_LINE: &str = "fuzz:";

/// Lower-case hex of `bytes`.
pub(crate) fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The bytes `hex` spells, if it is even-length hex.
pub(crate) fn from_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) || !hex.is_ascii() {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
        .collect()
}

fn sim_builder(job: &Job, checker: Checker, model: &Model) -> Builder {
    let builder = match checker {
        Checker::SimRandom => Builder::random(job.iterations),
        Checker::SimPct => Builder::pct(job.iterations, job.depth),
        Checker::SimPos => Builder::pos(job.iterations),
        Checker::SimUrw => Builder::urw(job.iterations),
        Checker::SimSurw => Builder::surw(job.iterations),
        Checker::SimDelay => Builder::delay(job.iterations),
        Checker::SimPortfolio => Builder::portfolio(job.iterations),
        Checker::SimFuzz => Builder::fuzz(job.iterations),
        _ => Builder::dfs(job.preemptions).max_executions(job.max_executions),
    };
    let mut knobs = Knobs::default();
    knobs.seed = Some(job.seed);
    knobs.iterations = Some(job.iterations);
    knobs.depth = Some(job.depth);
    knobs.preemptions = Some(job.preemptions);
    knobs.max_steps = job.max_steps;
    knobs.fault_budget = Some(job.fault_budget);
    knobs.fault_probability = job.fault_probability;
    knobs.shrink = job.shrink;
    knobs.max_duration = job.max_seconds.map(Duration::from_secs_f64);
    let mut builder = builder.knobs(knobs).label(model.label());
    if let Some((index, count)) = job.shard {
        builder = builder.shard(index, count);
    }
    if let Some(threads) = job.threads {
        builder = builder.threads(threads);
    }
    builder
}

fn run_sim(
    model: &Model,
    job: &Job,
    checker: Checker,
    build: &Build,
    known: &[Token],
    entries: &[Vec<u8>],
) -> Outcome {
    // The fuzzer starts from the stored corpus (an entry this build cannot read is skipped)
    // and hands back what it holds after the run.
    let corpus = FuzzCorpus::new();
    for entry in entries {
        let _ = corpus.insert(entry);
    }
    let mut builder = sim_builder(job, checker, model);
    if checker == Checker::SimFuzz {
        builder = builder.corpus(&corpus);
    }
    let limits = match builder.config() {
        Ok(config) => (config.max_steps, config.fault_budget),
        Err(message) => return Outcome::error(message),
    };
    let mut stale = Vec::new();
    let mut replayed = 0;
    for token in known.iter().filter(|t| t.limits() == Some(limits)) {
        replayed += 1;
        match lockstep_sim::try_replay_token(token, build()) {
            Ok(Replayed::Failed(failure)) => {
                let mut outcome = Outcome::from_sim(Err(failure)).known(replayed);
                outcome.stale = stale;
                return outcome;
            }
            Ok(_) => {}
            Err(_) => stale.push(token.encode()),
        }
    }
    let mut outcome = Outcome::from_sim(builder.run_shared(build()));
    outcome.schedules += replayed;
    outcome.stale = stale;
    if checker == Checker::SimFuzz {
        outcome.corpus = Some(corpus.entries().iter().map(|e| to_hex(e)).collect());
    }
    outcome
}

fn run_shuttle(
    model: &Model,
    job: &Job,
    checker: Checker,
    build: &Build,
    known: &[Token],
) -> Outcome {
    let label = model.label();
    let mut config = shuttle::Config::default().seed(job.seed);
    if let Some((index, _)) = job.shard {
        // Shards of a shuttle run use distinct seeds (shuttle cannot split one seed's runs).
        config = config.seed(shard_seed(job.seed, index));
    }
    let mut stale = Vec::new();
    let mut replayed = 0;
    for token in known {
        let Some(schedule) = token.shuttle_schedule() else {
            continue;
        };
        if token.label() != label {
            stale.push(token.encode());
            continue;
        }
        replayed += 1;
        let strategy = shuttle::Strategy::Replay {
            schedule: schedule.to_owned(),
        };
        let program = build();
        match shuttle::try_check(&config, strategy, move || program()) {
            Err(failure) if failure.kind.is_bug() => {
                let mut outcome = Outcome::from_check(Err(failure), checker, model).known(replayed);
                outcome.stale = stale;
                return outcome;
            }
            Err(_) => stale.push(token.encode()),
            Ok(_) => {}
        }
    }
    let Some(strategy) = shuttle_strategy(job, checker) else {
        // A shard with no schedules of its own (more shards than iterations), as on the
        // simulator: nothing to run, not an error.
        let mut outcome = Outcome::clean(replayed, false, false);
        outcome.stale = stale;
        return outcome;
    };
    let program = build();
    let mut outcome = Outcome::from_check(
        shuttle::try_check(&config, strategy, move || program()),
        checker,
        model,
    );
    outcome.schedules += replayed;
    outcome.stale = stale;
    outcome
}

/// The shuttle strategy of `checker` for this job (this shard's share of the iterations);
/// `None` when the shard has no schedules of its own.
fn shuttle_strategy(job: &Job, checker: Checker) -> Option<shuttle::Strategy> {
    let iterations = match job.shard {
        Some((index, count)) => {
            job.iterations / count + usize::from(index < job.iterations % count)
        }
        None => job.iterations,
    };
    Some(match checker {
        Checker::ShuttleDfs => shuttle::Strategy::Dfs {
            max_iterations: Some(job.max_executions),
        },
        _ if iterations == 0 => return None,
        Checker::ShuttlePct => shuttle::Strategy::Pct {
            iterations,
            depth: job.depth,
        },
        _ => shuttle::Strategy::Random { iterations },
    })
}

/// A distinct, reproducible seed per shard.
fn shard_seed(seed: u64, index: usize) -> u64 {
    seed ^ (index as u64)
        .wrapping_add(1)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// Loom reports to the parent through its adapter (and exits) when started by
/// `try_check_in_child`; in-process otherwise.
fn run_loom(model: &Model, job: &Job, build: &Build) -> Outcome {
    // The job's bound, `None` (unbounded) included: never the default's or the environment's.
    let mut config = loom::Config::default();
    config.preemption_bound = job.preemptions;
    let program = build();
    let result = loom::try_check(&config, move || program());
    Outcome::from_check(result, Checker::Loom, model)
}

/// Make the kernel kill this process when its parent dies (Linux), and refuse to run if the
/// parent is not `parent` (the pid the job names): it is already gone, or the job was not
/// handed out by a `check`.
fn die_with_parent(parent: u32) -> Result<(), CliError> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: `prctl(PR_SET_PDEATHSIG, SIGKILL)` only sets this process's parent-death
        // signal; `getppid` only reads. No memory is passed.
        let current = unsafe {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            libc::getppid()
        };
        if u32::try_from(current).ok() != Some(parent) {
            return Err(CliError::Job(format!(
                "the job is for a check started by process {parent}, but the parent is \
                 process {current} (it is gone, or this is not a child of `check`)"
            )));
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = parent;
    Ok(())
}
