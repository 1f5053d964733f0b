//! The model registry: what a `lockstep`-style binary can check. Each entry is one variant
//! (`buggy` / `fixed`) of one model, with the verdict every checker must reach and a way to
//! build the model's program for each backend.

use crate::verdict::Expect;
use lockstep::check::{Backend, Checker};
use lockstep_sim::ModelFn;
use std::fmt;
use std::sync::Arc;

/// Builds a model program for one backend.
pub(crate) type Build = Arc<dyn Fn() -> ModelFn + Send + Sync + 'static>;

/// Per-model limits that override the command's defaults (large models need smaller bounds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Limits {
    /// Preemption bound for `sim-dfs` and `loom`.
    pub preemptions: Option<usize>,
    /// Schedules for random and PCT checkers.
    pub iterations: Option<usize>,
    /// Faults lockstep-sim may inject per execution.
    pub fault_budget: usize,
}

/// One variant of one model.
#[derive(Clone)]
pub struct Model {
    /// The model's name (`lockstep check NAME`).
    pub name: String,
    /// `"buggy"` or `"fixed"` (or another short word).
    pub variant: String,
    /// Bumped when the model's code changes, so old replay tokens are refused clearly.
    pub version: u32,
    /// What every checker must conclude.
    pub expect: Expect,
    /// One line on what the model is.
    pub summary: String,
    /// The program on lockstep-sim.
    pub(crate) sim: Option<Build>,
    /// The program on loom (`None`: loom does not apply, e.g. async code or virtual time).
    pub(crate) loom: Option<Build>,
    /// The program on shuttle.
    pub(crate) shuttle: Option<Build>,
    /// Limits for this model.
    pub limits: Limits,
}

impl Model {
    /// A model variant with no programs yet; add them with [`Model::sim`], [`Model::loom`],
    /// [`Model::shuttle`].
    pub fn new(
        name: impl Into<String>,
        variant: impl Into<String>,
        expect: Expect,
        summary: impl Into<String>,
    ) -> Self {
        Model {
            name: name.into(),
            variant: variant.into(),
            version: 1,
            expect,
            summary: summary.into(),
            sim: None,
            loom: None,
            shuttle: None,
            limits: Limits::default(),
        }
    }

    /// The program on lockstep-sim: `model` instantiated with `lockstep_sim::Sim`.
    pub fn sim(mut self, model: impl Fn() + Send + Sync + 'static) -> Self {
        self.sim = Some(shared(model));
        self
    }

    /// The program on loom: `model` instantiated with `lockstep::sync::Loom`.
    pub fn loom(mut self, model: impl Fn() + Send + Sync + 'static) -> Self {
        self.loom = Some(shared(model));
        self
    }

    /// The program on shuttle: `model` instantiated with `lockstep::sync::Shuttle`.
    pub fn shuttle(mut self, model: impl Fn() + Send + Sync + 'static) -> Self {
        self.shuttle = Some(shared(model));
        self
    }

    /// Set the model's version.
    pub fn version(mut self, version: u32) -> Self {
        self.version = version;
        self
    }

    /// Preemption bound for `sim-dfs` and `loom`.
    pub fn preemptions(mut self, bound: usize) -> Self {
        self.limits.preemptions = Some(bound);
        self
    }

    /// Schedules for the random and PCT checkers.
    pub fn iterations(mut self, iterations: usize) -> Self {
        self.limits.iterations = Some(iterations);
        self
    }

    /// Faults lockstep-sim may inject per execution.
    pub fn fault_budget(mut self, budget: usize) -> Self {
        self.limits.fault_budget = budget;
        self
    }

    /// `name/variant@version`: how replay tokens name the model.
    pub fn label(&self) -> String {
        format!("{}/{}@{}", self.name, self.variant, self.version)
    }

    /// The program for `checker`, if the model has one for its backend.
    pub fn build(&self, checker: Checker) -> Option<&Build> {
        self.program(checker.backend())
    }

    /// The program for `backend`, if the model has one.
    pub fn program(&self, backend: Backend) -> Option<&Build> {
        match backend {
            Backend::Sim => self.sim.as_ref(),
            Backend::Loom => self.loom.as_ref(),
            Backend::Shuttle => self.shuttle.as_ref(),
            _ => None,
        }
    }
}

impl fmt::Debug for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Model")
            .field("label", &self.label())
            .field("expect", &self.expect)
            .field("sim", &self.sim.is_some())
            .field("loom", &self.loom.is_some())
            .field("shuttle", &self.shuttle.is_some())
            .field("limits", &self.limits)
            .finish()
    }
}

/// The models a binary can check.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    models: Vec<Model>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a model variant.
    pub fn add(&mut self, model: Model) -> &mut Self {
        self.models.push(model);
        self
    }

    /// Every model variant, in the order added.
    pub fn models(&self) -> &[Model] {
        &self.models
    }

    /// The variants of `name`.
    pub fn variants(&self, name: &str) -> Vec<&Model> {
        self.models.iter().filter(|m| m.name == name).collect()
    }

    /// One variant.
    pub fn find(&self, name: &str, variant: &str) -> Option<&Model> {
        self.models
            .iter()
            .find(|m| m.name == name && m.variant == variant)
    }

    /// The variant a label (`name/variant@version`) names, or why there is none.
    pub(crate) fn by_label(&self, label: &str) -> Result<&Model, String> {
        let (path, version) = label.rsplit_once('@').ok_or_else(|| {
            format!("the token's model label {label:?} is not name/variant@version")
        })?;
        let (name, variant) = path.split_once('/').ok_or_else(|| {
            format!("the token's model label {label:?} is not name/variant@version")
        })?;
        let model = self.find(name, variant).ok_or_else(|| {
            format!("the token was recorded for model `{path}`, which this binary does not have")
        })?;
        let version: u32 = version
            .parse()
            .map_err(|_| format!("the token's model label {label:?} has a bad version"))?;
        if version != model.version {
            return Err(format!(
                "the token was recorded for version {version} of `{path}`; this binary has \
                 version {} (the model changed since)",
                model.version
            ));
        }
        Ok(model)
    }
}

/// A model function, shared: every check builds the same one.
fn shared(model: impl Fn() + Send + Sync + 'static) -> Build {
    let model: ModelFn = Arc::new(model);
    Arc::new(move || model.clone())
}
