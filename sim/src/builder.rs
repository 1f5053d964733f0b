//! [`Builder`]: configure a run in code, then run a model.
//!
//! A builder holds the strategy (whose counts are defaults) and the values set explicitly with
//! its setters. The `LOCKSTEP_*` environment is read when the run starts, so the precedence of
//! [`config`](crate::config) holds whatever order the setters were called in: explicit setter,
//! then environment, then default.

use crate::config::{Config, Knobs, Strategy};
use crate::exec::sched::ModelFn;
use crate::failure::Failure;
use crate::session::{Report, Session};
use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;

/// Configure and run a simulation.
///
/// ```
/// use lockstep_sim::Builder;
/// let report = Builder::pct(500, 3).seed(7).check(|| { /* a model */ });
/// assert_eq!(report.executions, 500);
/// ```
#[derive(Debug, Clone)]
pub struct Builder {
    strategy: Strategy,
    /// Values set explicitly (setters): they beat the environment.
    explicit: Knobs,
    stack_size: Option<usize>,
    shard: Option<(usize, usize)>,
    label: String,
    threads: Option<usize>,
    corpus: Option<crate::FuzzCorpus>,
}

impl Builder {
    /// `iterations` random-walk executions (a default: `LOCKSTEP_ITERATIONS` overrides it).
    pub fn random(iterations: usize) -> Self {
        Self::with_strategy(Strategy::Random { iterations })
    }

    /// `iterations` PCT executions of depth `depth` (defaults: `LOCKSTEP_ITERATIONS` and
    /// `LOCKSTEP_DEPTH` override them).
    pub fn pct(iterations: usize, depth: usize) -> Self {
        Self::with_strategy(Strategy::Pct { iterations, depth })
    }

    /// `iterations` executions of partial-order sampling, POS (a default:
    /// `LOCKSTEP_ITERATIONS` overrides it).
    pub fn pos(iterations: usize) -> Self {
        Self::with_strategy(Strategy::Pos { iterations })
    }

    /// `iterations` executions of the uniform random walk over interleavings, URW (a default:
    /// `LOCKSTEP_ITERATIONS` overrides it).
    pub fn urw(iterations: usize) -> Self {
        Self::with_strategy(Strategy::Urw { iterations })
    }

    /// `iterations` executions of the selectively uniform random walk, SURW (a default:
    /// `LOCKSTEP_ITERATIONS` overrides it).
    pub fn surw(iterations: usize) -> Self {
        Self::with_strategy(Strategy::Surw { iterations })
    }

    /// At most `iterations` executions of the delay-bounded search, with no bound on delays:
    /// every schedule with 0 delays, then 1, then 2, ... (a default: `LOCKSTEP_ITERATIONS`
    /// overrides it). `Builder::with_strategy(Strategy::Delay { .. })` sets a bound.
    pub fn delay(iterations: usize) -> Self {
        Self::with_strategy(Strategy::Delay {
            iterations,
            max_delays: None,
        })
    }

    /// The default portfolio: `iterations` executions in all, dealt in a fixed rotation to
    /// every simulator strategy — the schedule fuzzer (30 slots of 42), SURW (4), DFS
    /// (unbounded, optimal DPOR), PCT of depth 3, URW, PCT of depth 4, POS, random walk, PCT of
    /// depth 2 and the delay-bounded search (one slot each) — stopping at the first failure,
    /// which names the strategy that found it ([`Failure::checker`] and its token), or once DFS
    /// has covered everything. A default: `LOCKSTEP_ITERATIONS` overrides it. The fuzzer starts
    /// from (and adds to) the [`corpus`](Builder::corpus), if one is given.
    ///
    /// [`Failure::checker`]: crate::Failure::checker
    pub fn portfolio(iterations: usize) -> Self {
        Self::with_strategy(Strategy::Portfolio { iterations })
    }

    /// `iterations` executions of greybox schedule fuzzing (a default: `LOCKSTEP_ITERATIONS`
    /// overrides it; for a time budget instead, give a large count and
    /// [`max_duration`](Builder::max_duration)). Each execution's feedback — the reads-from
    /// pairs it showed, keyed by source location, and the [`sometimes!`](crate::sometimes)
    /// points it reached — decides whether its input joins the corpus; the next input mutates a
    /// corpus entry (force or negate a reads-from pair, splice two entries, move a preemption),
    /// favouring entries with rare feedback. Faults, virtual time, shrinking and replay tokens
    /// work as for every strategy (a failure's token replays the execution exactly, whatever
    /// input produced it). Start from an earlier run's corpus with [`corpus`](Builder::corpus).
    ///
    /// ```
    /// use lockstep_sim::Builder;
    /// let report = Builder::fuzz(100).seed(3).check(|| {});
    /// assert_eq!(report.executions, 100);
    /// ```
    pub fn fuzz(iterations: usize) -> Self {
        Self::with_strategy(Strategy::Fuzz { iterations })
    }

    /// Let the fuzzer (alone, or as a member of the portfolio) start from `corpus` — its
    /// entries are run first — and add every input that finds new feedback to it. `corpus` is
    /// a shared handle: read it after the run to keep what it found.
    pub fn corpus(mut self, corpus: &crate::FuzzCorpus) -> Self {
        self.corpus = Some(corpus.clone());
        self
    }

    /// Exhaustive DFS with DPOR within `preemption_bound` (`None`: unbounded; a default that
    /// `LOCKSTEP_PREEMPTIONS` overrides). A preemption is a switch away from a thread that
    /// could go on, or a `notify_one` waking a waiter other than the longest waiting.
    pub fn dfs(preemption_bound: Option<usize>) -> Self {
        Self::with_strategy(Strategy::Dfs {
            preemption_bound,
            max_executions: None,
        })
    }

    /// Any strategy.
    pub fn with_strategy(strategy: Strategy) -> Self {
        Self {
            strategy,
            explicit: Knobs::default(),
            stack_size: None,
            shard: None,
            label: String::new(),
            threads: None,
            corpus: None,
        }
    }

    /// The resolved settings (explicit values, then the environment, then the defaults), or
    /// why they cannot run.
    pub fn config(&self) -> Result<Config, String> {
        let env = Knobs::from_env().map_err(|err| err.to_string())?;
        let mut config = Config::new(self.strategy.clone());
        config.apply(&self.explicit.or(env));
        if let Some(bytes) = self.stack_size {
            config.stack_size = bytes;
        }
        config.shard = self.shard;
        config.label.clone_from(&self.label);
        config.threads = self.threads;
        config.corpus.clone_from(&self.corpus);
        config.validate()?;
        Ok(config)
    }

    /// Set the seed (beats `LOCKSTEP_SEED`).
    pub fn seed(mut self, seed: u64) -> Self {
        self.explicit.seed = Some(seed);
        self
    }

    /// Set the number of executions of a randomised strategy (beats `LOCKSTEP_ITERATIONS`).
    pub fn iterations(mut self, iterations: usize) -> Self {
        self.explicit.iterations = Some(iterations);
        self
    }

    /// Set the PCT depth (beats `LOCKSTEP_DEPTH`).
    pub fn depth(mut self, depth: usize) -> Self {
        self.explicit.depth = Some(depth);
        self
    }

    /// Set the DFS preemption bound (`None`: unbounded; beats `LOCKSTEP_PREEMPTIONS`).
    pub fn preemption_bound(mut self, bound: Option<usize>) -> Self {
        self.explicit.preemptions = Some(bound);
        self
    }

    /// Set the step bound per execution (beats `LOCKSTEP_MAX_STEPS`).
    pub fn max_steps(mut self, steps: usize) -> Self {
        self.explicit.max_steps = Some(steps);
        self
    }

    /// Allow up to `budget` faults per execution (beats `LOCKSTEP_FAULT_BUDGET`).
    pub fn fault_budget(mut self, budget: usize) -> Self {
        self.explicit.fault_budget = Some(budget);
        self
    }

    /// Probability that a reachable fault fires under the randomised strategies (beats
    /// `LOCKSTEP_FAULT_PROBABILITY`).
    pub fn fault_probability(mut self, p: f64) -> Self {
        self.explicit.fault_probability = Some(p);
        self
    }

    /// Minimise failing schedules (on by default; beats `LOCKSTEP_SHRINK`).
    pub fn shrink(mut self, shrink: bool) -> Self {
        self.explicit.shrink = Some(shrink);
        self
    }

    /// Stop starting executions after `budget` of wall-clock time (beats
    /// `LOCKSTEP_MAX_DURATION`); a run cut short reports so and is never `exhausted`.
    pub fn max_duration(mut self, budget: Duration) -> Self {
        self.explicit.max_duration = Some(budget);
        self
    }

    /// Stop DFS after `n` executions.
    pub fn max_executions(mut self, n: usize) -> Self {
        self.explicit.max_executions = Some(n);
        self
    }

    /// Apply every knob `knobs` sets, as explicit values (a tool's merged flags).
    pub fn knobs(mut self, knobs: Knobs) -> Self {
        self.explicit = knobs.or(self.explicit);
        self
    }

    /// Stack size of each simulated thread.
    pub fn stack_size(mut self, bytes: usize) -> Self {
        self.stack_size = Some(bytes);
        self
    }

    /// Explore the unbounded DFS on `threads` OS threads, as independent work items: the
    /// executions explored, the counts and the verdict are the same for any number of threads
    /// (1 included), so a parallel run reproduces a serial one. Compared with the serial search
    /// without `threads`, a split may add a few blocked executions (a branch covered entirely
    /// by the ones before it). The model then runs on several OS threads at once: state it
    /// keeps outside the simulation must be per execution.
    ///
    /// ```
    /// use lockstep_sim::Builder;
    /// let serial = Builder::dfs(None).threads(1).check(|| {});
    /// let parallel = Builder::dfs(None).threads(2).check(|| {});
    /// assert_eq!(serial.executions, parallel.executions);
    /// ```
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = Some(threads);
        self
    }

    /// Run only shard `index` of `count`.
    pub fn shard(mut self, index: usize, count: usize) -> Self {
        self.shard = Some((index, count));
        self
    }

    /// Name the model in replay tokens (see [`Config::label`]).
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// Run `model`; panic with the failure report if it fails (for `#[test]`s).
    #[track_caller]
    pub fn check<F: Fn() + Send + Sync + 'static>(&self, model: F) -> Report {
        self.run(model)
            .unwrap_or_else(|failure| panic!("{failure}"))
    }

    /// Run `model` and return what happened.
    #[track_caller]
    pub fn run<F: Fn() + Send + Sync + 'static>(&self, model: F) -> Result<Report, Failure> {
        self.run_model(Arc::new(model), Location::caller())
    }

    /// Run a shared model (see [`ModelFn`]).
    #[track_caller]
    pub fn run_shared(&self, model: ModelFn) -> Result<Report, Failure> {
        self.run_model(model, Location::caller())
    }

    fn run_model(&self, model: ModelFn, at: &'static Location<'static>) -> Result<Report, Failure> {
        let config = self.resolved()?;
        Session::new(&config, model, at).run(|_| Ok(()))
    }

    /// Run `model` with a fresh [`Output`](crate::Output) per execution and require every
    /// execution to write the same bytes (the first execution's are the reference); returns them
    /// with the report, e.g. for an insta snapshot.
    #[track_caller]
    pub fn run_same_output<F>(&self, model: F) -> Result<(Report, Vec<u8>), Failure>
    where
        F: Fn(&crate::Output) + Send + Sync + 'static,
    {
        crate::output::run_same_output(self, model)
    }

    /// The resolved settings as a run uses them: a bad setting is an `Invalid` failure.
    pub(crate) fn resolved(&self) -> Result<Config, Failure> {
        self.config()
            .map_err(|message| Failure::invalid(self.strategy.checker(), 0, message))
    }
}
