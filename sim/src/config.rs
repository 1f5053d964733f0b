//! The settings of a run: the [`Strategy`], the limits, and the `LOCKSTEP_*` environment knobs.
//!
//! Precedence, highest first, and the same everywhere (library, `lockstep` CLI):
//! 1. a value set explicitly — a [`Builder`](crate::Builder) setter in code, a flag on the
//!    command line;
//! 2. the `LOCKSTEP_*` environment variable ([`env`](mod@env));
//! 3. the default — which includes the counts given to a strategy's constructor
//!    (`Builder::random(1000)`, `check_pct(model, 1000, 3)`), so that CI can deepen every test
//!    with `LOCKSTEP_ITERATIONS=100000` without editing it.
//!
//! A knob that does not parse or is out of range is refused with a [`KnobError`] naming the
//! variable — never ignored, never half-applied (`LOCKSTEP_PREEMPTIONS=two` does not silently
//! unbound a search).

use lockstep::check::Checker;
use std::str::FromStr;
use std::time::Duration;

/// Environment variables that override a run's defaults (for deeper CI runs and reproduction
/// without editing code). Each is a public constant, as in shuttle.
pub mod env {
    /// Seed of the randomised strategies.
    pub const SEED: &str = "LOCKSTEP_SEED";
    /// Executions of the randomised strategies, the delay-bounded search and the portfolio.
    pub const ITERATIONS: &str = "LOCKSTEP_ITERATIONS";
    /// PCT depth.
    pub const DEPTH: &str = "LOCKSTEP_DEPTH";
    /// DFS preemption bound (`none` for unbounded).
    pub const PREEMPTIONS: &str = "LOCKSTEP_PREEMPTIONS";
    /// Step bound per execution (livelock detection).
    pub const MAX_STEPS: &str = "LOCKSTEP_MAX_STEPS";
    /// Faults that may fire per execution.
    pub const FAULT_BUDGET: &str = "LOCKSTEP_FAULT_BUDGET";
    /// Probability that a reachable fault fires (randomised strategies).
    pub const FAULT_PROBABILITY: &str = "LOCKSTEP_FAULT_PROBABILITY";
    /// `0` to report failures unshrunk, `1` to shrink.
    pub const SHRINK: &str = "LOCKSTEP_SHRINK";
    /// A wall-clock budget for a run, in seconds (a run cut short is never `exhausted`).
    pub const MAX_DURATION: &str = "LOCKSTEP_MAX_DURATION";
    /// The progress line: `0` off, `1` on, `lines` machine-readable (see
    /// [`progress`](crate::progress)).
    pub const PROGRESS: &str = crate::progress::PROGRESS;

    /// Every variable above.
    pub const ALL: [&str; 10] = [
        SEED,
        ITERATIONS,
        DEPTH,
        PREEMPTIONS,
        MAX_STEPS,
        FAULT_BUDGET,
        FAULT_PROBABILITY,
        SHRINK,
        MAX_DURATION,
        PROGRESS,
    ];
}

/// Largest accepted PCT depth (a depth is a number of ordering constraints; real bugs need ≤ 5).
pub(crate) const MAX_DEPTH: usize = 1_000;
/// Largest accepted preemption bound (beyond it, ask for an unbounded search).
pub(crate) const MAX_PREEMPTIONS: usize = 1_000;
/// Most OS threads a parallel search may use.
pub(crate) const MAX_THREADS: usize = 256;
/// Largest accepted step bound per execution.
pub(crate) const MAX_STEPS_LIMIT: usize = 1 << 32;

/// How executions are chosen.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Strategy {
    /// Random walk: a uniformly random runnable thread at every step.
    Random {
        /// Executions to run.
        iterations: usize,
    },
    /// Probabilistic concurrency testing with bug depth `depth`.
    Pct {
        /// Executions to run.
        iterations: usize,
        /// Ordering constraints the bugs sought need (1 = no preemption, 2 = one, ...).
        depth: usize,
    },
    /// Partial-order sampling (Yuan, Yang, Gu; CAV 2018): a random priority per pending
    /// event, re-drawn for the events that race with the one just executed.
    Pos {
        /// Executions to run.
        iterations: usize,
    },
    /// Uniform random walk over interleavings (Zhao et al., ASPLOS 2025): the next thread is
    /// drawn with probability proportional to its remaining steps, estimated from earlier
    /// executions.
    Urw {
        /// Executions to run.
        iterations: usize,
    },
    /// Selectively uniform random walk: URW over the events of interest (steps that touch an
    /// object more than one thread touched); other steps run first.
    Surw {
        /// Executions to run.
        iterations: usize,
    },
    /// Delay-bounded deterministic search (Emmi, Qadeer, Rakamarić; POPL 2011): every
    /// schedule of a round-robin scheduler with 0 delays, then 1, then 2, ...
    Delay {
        /// Executions to run (at most).
        iterations: usize,
        /// Most delays per execution (`None`: no bound; the search ends when the budget does
        /// or every schedule was run).
        max_delays: Option<usize>,
    },
    /// Greybox schedule fuzzing with reads-from feedback (after RFF, Wolff et al., ASPLOS
    /// 2024): a corpus of inputs that produced new feedback, mutated by forcing and negating
    /// reads-from pairs, splicing and moving preemptions, favouring rare feedback (see
    /// [`Builder::fuzz`](crate::Builder::fuzz)).
    Fuzz {
        /// Executions to run.
        iterations: usize,
    },
    /// The default portfolio: every simulator strategy, interleaved execution by execution
    /// over one budget (see [`Builder::portfolio`](crate::Builder::portfolio)).
    Portfolio {
        /// Executions to run, in all.
        iterations: usize,
    },
    /// Exhaustive depth-first search with DPOR, optionally preemption-bounded.
    Dfs {
        /// Most preemptions per execution (`None`: unbounded, fully exhaustive).
        preemption_bound: Option<usize>,
        /// Stop after this many executions (the report then is not `exhausted`).
        max_executions: Option<usize>,
    },
}

impl Strategy {
    /// The checker this strategy is (its name in reports, rows and tokens).
    pub fn checker(&self) -> Checker {
        match self {
            Strategy::Random { .. } => Checker::SimRandom,
            Strategy::Pct { .. } => Checker::SimPct,
            Strategy::Pos { .. } => Checker::SimPos,
            Strategy::Urw { .. } => Checker::SimUrw,
            Strategy::Surw { .. } => Checker::SimSurw,
            Strategy::Delay { .. } => Checker::SimDelay,
            Strategy::Portfolio { .. } => Checker::SimPortfolio,
            Strategy::Fuzz { .. } => Checker::SimFuzz,
            Strategy::Dfs { .. } => Checker::SimDfs,
        }
    }
}

/// Every setting of a run, resolved — a value set explicitly (a [`Builder`](crate::Builder)
/// setter, a command-line flag) beats the `LOCKSTEP_*` environment ([`env`](mod@env)), which
/// beats the default (including the counts given to a strategy's constructor).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Config {
    /// How executions are chosen.
    pub strategy: Strategy,
    /// Seed of the randomised strategies (fixed by default, so runs reproduce).
    pub seed: u64,
    /// Steps after which an execution is reported as a livelock.
    pub max_steps: usize,
    /// Faults that may fire per execution.
    pub fault_budget: usize,
    /// Probability that a reachable fault fires, under the randomised strategies.
    pub fault_probability: f64,
    /// Minimise a failing schedule before reporting it.
    pub shrink: bool,
    /// Most re-executions spent shrinking.
    pub shrink_runs: usize,
    /// Stack size of each simulated thread, in bytes.
    pub stack_size: usize,
    /// Run only shard `index` of `count` (randomised strategies: executions `i` with
    /// `i % count == index`; DFS: the branches of its first branching decision whose rank
    /// modulo `count` is `index`. The union of all shards is the whole run).
    pub shard: Option<(usize, usize)>,
    /// Names the model in replay tokens (`model/variant@version`), for tools that replay by
    /// token alone.
    pub label: String,
    /// Stop starting new executions after this much wall-clock time (the report then says the
    /// run was cut short, and is never `exhausted`).
    pub max_duration: Option<Duration>,
    /// Explore the unbounded DFS as independent work items on this many OS threads (`None`:
    /// the serial optimal search). Any number of threads, 1 included, explores the same
    /// executions.
    pub threads: Option<usize>,
    /// The corpus the fuzzer (alone or in the portfolio) starts from and adds to (`None`: a
    /// fresh one per run).
    pub corpus: Option<crate::FuzzCorpus>,
}

impl Config {
    /// The defaults for `strategy`.
    pub(crate) fn new(strategy: Strategy) -> Self {
        Config {
            strategy,
            seed: 0,
            max_steps: 100_000,
            fault_budget: 0,
            fault_probability: 0.1,
            shrink: true,
            shrink_runs: 1_000,
            stack_size: 256 * 1024,
            shard: None,
            label: String::new(),
            max_duration: None,
            threads: None,
            corpus: None,
        }
    }

    /// Apply every knob `knobs` sets.
    pub(crate) fn apply(&mut self, knobs: &Knobs) {
        set(&mut self.seed, knobs.seed);
        set(&mut self.max_steps, knobs.max_steps);
        set(&mut self.fault_budget, knobs.fault_budget);
        set(&mut self.fault_probability, knobs.fault_probability);
        set(&mut self.shrink, knobs.shrink);
        if knobs.max_duration.is_some() {
            self.max_duration = knobs.max_duration;
        }
        match &mut self.strategy {
            Strategy::Random { iterations }
            | Strategy::Pos { iterations }
            | Strategy::Urw { iterations }
            | Strategy::Surw { iterations }
            | Strategy::Delay { iterations, .. }
            | Strategy::Fuzz { iterations }
            | Strategy::Portfolio { iterations } => set(iterations, knobs.iterations),
            Strategy::Pct { iterations, depth } => {
                set(iterations, knobs.iterations);
                set(depth, knobs.depth);
            }
            Strategy::Dfs {
                preemption_bound,
                max_executions,
            } => {
                set(preemption_bound, knobs.preemptions);
                if knobs.max_executions.is_some() {
                    *max_executions = knobs.max_executions;
                }
            }
        }
    }

    /// Why this configuration cannot run, if it cannot.
    pub fn validate(&self) -> Result<(), String> {
        match self.strategy {
            Strategy::Pct { depth, .. } if !(1..=MAX_DEPTH).contains(&depth) => {
                return Err(format!("PCT depth {depth} is not in 1..={MAX_DEPTH}"))
            }
            Strategy::Random { iterations: 0 }
            | Strategy::Pct { iterations: 0, .. }
            | Strategy::Pos { iterations: 0 }
            | Strategy::Urw { iterations: 0 }
            | Strategy::Surw { iterations: 0 }
            | Strategy::Delay { iterations: 0, .. }
            | Strategy::Fuzz { iterations: 0 }
            | Strategy::Portfolio { iterations: 0 } => {
                return Err("at least one iteration is needed".into())
            }
            Strategy::Delay {
                max_delays: Some(bound),
                ..
            } if bound > MAX_PREEMPTIONS => {
                return Err(format!(
                    "delay bound {bound} is over {MAX_PREEMPTIONS} (ask for an unbounded \
                     search instead)"
                ))
            }
            Strategy::Dfs {
                preemption_bound: Some(bound),
                ..
            } if bound > MAX_PREEMPTIONS => {
                return Err(format!(
                    "preemption bound {bound} is over {MAX_PREEMPTIONS} (ask for an unbounded \
                     search instead)"
                ))
            }
            Strategy::Dfs {
                max_executions: Some(0),
                ..
            } => return Err("at least one execution is needed".into()),
            _ => {}
        }
        if let Some((index, count)) = self.shard {
            if count == 0 || index >= count {
                return Err(format!("shard {index}/{count}: need 0 <= index < count"));
            }
        }
        if !(1..=MAX_STEPS_LIMIT).contains(&self.max_steps) {
            return Err(format!(
                "the step bound {} is not in 1..={MAX_STEPS_LIMIT}",
                self.max_steps
            ));
        }
        if !(0.0..=1.0).contains(&self.fault_probability) {
            return Err("the fault probability must be in 0..=1".into());
        }
        if let Some(threads) = self.threads {
            if !(1..=MAX_THREADS).contains(&threads) {
                return Err(format!("{threads} search threads: need 1..={MAX_THREADS}"));
            }
        }
        Ok(())
    }
}

fn set<T: Copy>(slot: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *slot = value;
    }
}

/// Knob values that override a run's defaults; every field `None` leaves the setting alone.
/// [`Knobs::from_env`] reads them from the `LOCKSTEP_*` variables; a tool with its own flags
/// merges them (flags first) before handing them to a [`Builder`](crate::Builder).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
#[non_exhaustive]
pub struct Knobs {
    /// [`env::SEED`].
    pub seed: Option<u64>,
    /// [`env::ITERATIONS`].
    pub iterations: Option<usize>,
    /// [`env::DEPTH`].
    pub depth: Option<usize>,
    /// [`env::PREEMPTIONS`]: `Some(None)` for an unbounded search.
    pub preemptions: Option<Option<usize>>,
    /// Most DFS executions (no environment variable: a flag or a setter only).
    pub max_executions: Option<usize>,
    /// [`env::MAX_STEPS`].
    pub max_steps: Option<usize>,
    /// [`env::FAULT_BUDGET`].
    pub fault_budget: Option<usize>,
    /// [`env::FAULT_PROBABILITY`].
    pub fault_probability: Option<f64>,
    /// [`env::SHRINK`].
    pub shrink: Option<bool>,
    /// [`env::MAX_DURATION`].
    pub max_duration: Option<Duration>,
}

/// A `LOCKSTEP_*` variable whose value cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}={value:?}: {reason}")]
#[non_exhaustive]
pub struct KnobError {
    /// The variable.
    pub variable: &'static str,
    /// Its value.
    pub value: String,
    /// What is wrong with it.
    pub reason: String,
}

impl Knobs {
    /// The knobs set in the environment; an unparsable or out-of-range value is an error naming
    /// its variable.
    pub fn from_env() -> Result<Knobs, KnobError> {
        // A value that is not UTF-8 is refused, not taken for an unset variable.
        for variable in env::ALL {
            if let Err(std::env::VarError::NotUnicode(value)) = std::env::var(variable) {
                return Err(refuse(variable, &value.to_string_lossy(), "not UTF-8"));
            }
        }
        Knobs::from_lookup(|name| std::env::var(name).ok())
    }

    /// The knobs `lookup` (a variable name to its value) sets — [`Knobs::from_env`] with another
    /// source, for tests and tools.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Knobs, KnobError> {
        let get = |name: &'static str| lookup(name).map(|value| (name, value));
        // The progress line is read where a run starts; its value is checked with the others.
        if let Some(value) = lookup(env::PROGRESS) {
            if !matches!(value.as_str(), "0" | "1" | "lines") {
                return Err(refuse(env::PROGRESS, &value, "expected 0, 1 or lines"));
            }
        }
        Ok(Knobs {
            seed: get(env::SEED).map(number).transpose()?,
            iterations: get(env::ITERATIONS).map(positive).transpose()?,
            depth: get(env::DEPTH)
                .map(|v| ranged(v, 1, MAX_DEPTH))
                .transpose()?,
            preemptions: get(env::PREEMPTIONS).map(bound).transpose()?,
            max_executions: None,
            max_steps: get(env::MAX_STEPS)
                .map(|v| ranged(v, 1, MAX_STEPS_LIMIT))
                .transpose()?,
            fault_budget: get(env::FAULT_BUDGET).map(number).transpose()?,
            fault_probability: get(env::FAULT_PROBABILITY).map(probability).transpose()?,
            shrink: get(env::SHRINK).map(switch).transpose()?,
            max_duration: get(env::MAX_DURATION).map(seconds).transpose()?,
        })
    }

    /// `self`'s values where set, else `fallback`'s (flags over the environment).
    pub fn or(self, fallback: Knobs) -> Knobs {
        Knobs {
            seed: self.seed.or(fallback.seed),
            iterations: self.iterations.or(fallback.iterations),
            depth: self.depth.or(fallback.depth),
            preemptions: self.preemptions.or(fallback.preemptions),
            max_executions: self.max_executions.or(fallback.max_executions),
            max_steps: self.max_steps.or(fallback.max_steps),
            fault_budget: self.fault_budget.or(fallback.fault_budget),
            fault_probability: self.fault_probability.or(fallback.fault_probability),
            shrink: self.shrink.or(fallback.shrink),
            max_duration: self.max_duration.or(fallback.max_duration),
        }
    }
}

fn refuse(variable: &'static str, value: &str, reason: impl Into<String>) -> KnobError {
    KnobError {
        variable,
        value: value.to_owned(),
        reason: reason.into(),
    }
}

fn number<T: FromStr>((variable, value): (&'static str, String)) -> Result<T, KnobError> {
    value
        .trim()
        .parse()
        .map_err(|_| refuse(variable, &value, "not a non-negative whole number"))
}

fn ranged(
    (variable, value): (&'static str, String),
    low: usize,
    high: usize,
) -> Result<usize, KnobError> {
    let n: usize = number((variable, value.clone()))?;
    if (low..=high).contains(&n) {
        Ok(n)
    } else {
        Err(refuse(variable, &value, format!("not in {low}..={high}")))
    }
}

fn positive(knob: (&'static str, String)) -> Result<usize, KnobError> {
    ranged(knob, 1, usize::MAX)
}

fn bound((variable, value): (&'static str, String)) -> Result<Option<usize>, KnobError> {
    if value.trim().eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    ranged((variable, value.clone()), 0, MAX_PREEMPTIONS)
        .map(Some)
        .map_err(|_| {
            refuse(
                variable,
                &value,
                format!("not a bound in 0..={MAX_PREEMPTIONS} or `none`"),
            )
        })
}

fn probability((variable, value): (&'static str, String)) -> Result<f64, KnobError> {
    match value.trim().parse::<f64>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(refuse(variable, &value, "not a probability in 0..=1")),
    }
}

fn seconds((variable, value): (&'static str, String)) -> Result<Duration, KnobError> {
    match value.trim().parse::<f64>() {
        Ok(s) if s > 0.0 && s <= 1e9 => Ok(Duration::from_secs_f64(s)),
        _ => Err(refuse(
            variable,
            &value,
            "not a number of seconds in (0, 1e9]",
        )),
    }
}

fn switch((variable, value): (&'static str, String)) -> Result<bool, KnobError> {
    match value.trim() {
        "0" | "false" | "off" => Ok(false),
        "1" | "true" | "on" => Ok(true),
        _ => Err(refuse(variable, &value, "not 0 or 1")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn knobs(pairs: &[(&str, &str)]) -> Result<Knobs, KnobError> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Knobs::from_lookup(|name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn every_knob_parses_its_good_values() {
        let k = knobs(&[
            (env::SEED, "7"),
            (env::ITERATIONS, " 100 "),
            (env::DEPTH, "4"),
            (env::PREEMPTIONS, "none"),
            (env::MAX_STEPS, "50"),
            (env::FAULT_BUDGET, "2"),
            (env::FAULT_PROBABILITY, "0.5"),
            (env::SHRINK, "0"),
            (env::MAX_DURATION, "1.5"),
            (env::PROGRESS, "lines"),
        ])
        .unwrap();
        assert_eq!(k.seed, Some(7));
        assert_eq!(k.iterations, Some(100));
        assert_eq!(k.depth, Some(4));
        assert_eq!(k.preemptions, Some(None));
        assert_eq!(k.max_steps, Some(50));
        assert_eq!(k.fault_budget, Some(2));
        assert_eq!(k.fault_probability, Some(0.5));
        assert_eq!(k.shrink, Some(false));
        assert_eq!(k.max_duration, Some(Duration::from_millis(1500)));
        assert_eq!(knobs(&[]).unwrap(), Knobs::default());
    }

    #[test]
    fn bad_values_are_refused_naming_the_variable() {
        for (name, value) in [
            (env::SEED, "abc"),
            (env::SEED, "-1"),
            (env::ITERATIONS, "0"),
            (env::ITERATIONS, "1e3"),
            (env::DEPTH, "0"),
            (env::DEPTH, "18446744073709551615"),
            (env::PREEMPTIONS, "two"),
            (env::PREEMPTIONS, "x"),
            (env::PREEMPTIONS, "18446744073709551615"),
            (env::MAX_STEPS, "0"),
            (env::FAULT_BUDGET, "many"),
            (env::FAULT_PROBABILITY, "2"),
            (env::FAULT_PROBABILITY, "NaN"),
            (env::SHRINK, "yes please"),
            (env::MAX_DURATION, "0"),
            (env::MAX_DURATION, "soon"),
            (env::PROGRESS, "yes"),
            (env::PROGRESS, ""),
        ] {
            let err = knobs(&[(name, value)]).unwrap_err();
            assert_eq!(err.variable, name);
            assert!(err.to_string().starts_with(name), "{err}");
        }
    }

    #[test]
    fn explicit_values_beat_the_environment_which_beats_defaults() {
        let env = knobs(&[(env::SEED, "7"), (env::ITERATIONS, "5")]).unwrap();
        let flags = Knobs {
            seed: Some(9),
            ..Knobs::default()
        };
        let mut config = Config::new(Strategy::Random { iterations: 1000 });
        config.apply(&flags.or(env));
        assert_eq!(config.seed, 9);
        assert_eq!(config.strategy, Strategy::Random { iterations: 5 });
        assert_eq!(config.max_steps, 100_000);
    }
}
