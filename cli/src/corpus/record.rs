//! The records the corpus stores and the contract they must meet.
//!
//! [`validate`] is the one place that checks a record before it is written, so every refusal
//! happens before the transaction starts and leaves the corpus as it was.

use crate::verdict::Verdict;
use lockstep::check::Checker;

/// One checker run over one model variant.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    /// The model's name in the catalogue.
    pub model: String,
    /// The variant ("buggy", "fixed", ...).
    pub variant: String,
    /// The checker.
    pub checker: Checker,
    /// The run's seed.
    pub seed: u64,
    /// `(index, count)` with `index < count` when the run was one shard of a split exploration.
    pub shard: Option<(u32, u32)>,
    /// How many schedules (executions) the run explored.
    pub schedules: u64,
    /// What the run concluded.
    pub verdict: Verdict,
    /// Wall-clock duration of the run, finite and non-negative.
    pub seconds: f64,
    /// When the run started, in seconds since the Unix epoch (given by the caller).
    pub started_at_unix: i64,
    /// The lockstep version that ran it.
    pub lockstep_version: String,
}

/// A failure found by a run (its replay token reproduces it).
#[derive(Debug, Clone, PartialEq)]
pub struct FailureRecord {
    /// The model; must equal the run's.
    pub model: String,
    /// The variant; must equal the run's.
    pub variant: String,
    /// The checker; must equal the run's.
    pub checker: Checker,
    /// The replay token; identifies the failure together with model, variant and checker.
    pub token: String,
    /// One line (no line break).
    pub summary: String,
    /// The full report.
    pub report: String,
}

/// A failure already in the corpus.
#[derive(Debug, Clone, PartialEq)]
pub struct KnownFailure {
    /// The model.
    pub model: String,
    /// The variant.
    pub variant: String,
    /// The checker that found it.
    pub checker: Checker,
    /// The replay token.
    pub token: String,
    /// The summary of the latest sighting.
    pub summary: String,
    /// The earliest `now_unix` it was recorded with.
    pub first_seen_unix: i64,
    /// The latest `now_unix` it was recorded with.
    pub last_seen_unix: i64,
    /// How many times it was recorded.
    pub times_seen: u64,
}

/// The record contract; the error says which field breaks it.
pub(crate) fn validate(run: &RunRecord, failures: &[FailureRecord]) -> Result<(), String> {
    for (field, value) in [("model", &run.model), ("variant", &run.variant)] {
        if value.is_empty() {
            return Err(format!("run {field} is empty"));
        }
    }
    if let Some((index, count)) = run.shard {
        if index >= count {
            return Err(format!("shard {index}/{count}: need index < count"));
        }
    }
    if !(run.seconds.is_finite() && run.seconds >= 0.0) {
        return Err(format!(
            "run seconds {} is not a finite non-negative number",
            run.seconds
        ));
    }
    for f in failures {
        if (&f.model, &f.variant, &f.checker) != (&run.model, &run.variant, &run.checker) {
            return Err(format!(
                "failure {} is for {}/{}/{}, the run for {}/{}/{}",
                f.token, f.model, f.variant, f.checker, run.model, run.variant, run.checker
            ));
        }
        if f.token.is_empty() {
            return Err("a failure's token is empty".into());
        }
        if f.summary.contains(['\n', '\r']) {
            return Err(format!("failure {}: summary is not one line", f.token));
        }
    }
    Ok(())
}
