//! What one check concluded ([`Outcome`], the child's one JSON line to the parent) and the row
//! it becomes ([`Row`], one line of `check --json`). Every checker's result is converted to an
//! outcome here and only here, and an outcome to a row only by [`Row::new`]: the verdict, the
//! token and the report's repro line cannot disagree.

use crate::registry::Model;
use crate::verdict::{Expect, Verdict};
use lockstep::check::{self, Checker};
use lockstep_sim::Token;
use serde::{Deserialize, Serialize};

/// What one check concluded.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct Outcome {
    pub(crate) verdict: Verdict,
    /// Schedules (executions) explored, known failures replayed included.
    pub(crate) schedules: u64,
    /// The replay token of the failure, where the checker records one.
    pub(crate) token: Option<String>,
    /// One line.
    pub(crate) summary: String,
    /// The full report of a failure (its repro line names `token`).
    pub(crate) report: String,
    /// Known tokens that no longer fit the model (to forget).
    pub(crate) stale: Vec<String>,
    /// `sim-fuzz` only: the fuzz corpus after the run, its entries in hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) corpus: Option<Vec<String>>,
}

impl Outcome {
    /// The check could not run: no verdict about the model.
    pub(crate) fn error(message: impl Into<String>) -> Self {
        let report = message.into();
        Outcome {
            verdict: Verdict::Error,
            schedules: 0,
            token: None,
            summary: first_line(&report),
            report,
            stale: Vec::new(),
            corpus: None,
        }
    }

    /// No failure in `schedules` schedules; `exhausted` when an exhaustive checker covered its
    /// whole space.
    pub(crate) fn clean(schedules: u64, exhausted: bool, cut_short: bool) -> Self {
        let summary = if cut_short {
            format!("no failure in {schedules} schedules (stopped at the time budget)")
        } else {
            format!("no failure in {schedules} schedules")
        };
        Outcome {
            verdict: if exhausted {
                Verdict::Exhausted
            } else {
                Verdict::Passed
            },
            schedules,
            token: None,
            summary,
            report: String::new(),
            stale: Vec::new(),
            corpus: None,
        }
    }

    /// A failure after `schedules` schedules.
    fn bug(schedules: u64, token: Option<String>, summary: &str, report: String) -> Self {
        Outcome {
            verdict: Verdict::BugFound,
            schedules,
            token,
            summary: first_line(summary),
            report,
            stale: Vec::new(),
            corpus: None,
        }
    }

    /// A lockstep-sim run's result.
    pub(crate) fn from_sim(result: Result<lockstep_sim::Report, lockstep_sim::Failure>) -> Self {
        match result {
            Ok(report) => Outcome::clean(
                report.executions as u64,
                report.exhausted,
                report.out_of_time,
            ),
            Err(failure) if !failure.kind.is_bug() => Outcome::error(failure.to_string()),
            Err(failure) => Outcome::bug(
                failure.executions as u64,
                Some(failure.token.clone()),
                &failure.summary(),
                failure.to_string(),
            ),
        }
    }

    /// A loom or shuttle run's result; a shuttle schedule is wrapped in a token labelled for
    /// `model`, and the report's repro line names that token.
    pub(crate) fn from_check(
        result: Result<check::Report, check::Failure>,
        checker: Checker,
        model: &Model,
    ) -> Self {
        let mut failure = match result {
            Ok(report) => {
                return Outcome::clean(report.executions as u64, checker.exhaustive(), false)
            }
            Err(failure) if !failure.kind.is_bug() => return Outcome::error(failure.to_string()),
            Err(failure) => failure,
        };
        let token = failure
            .replay
            .take()
            .and_then(|schedule| Token::shuttle(checker, model.label(), schedule))
            .map(|token| token.encode());
        let mut report = failure.to_string();
        if let Some(token) = &token {
            report.push_str(&format!("\nreproduce: lockstep replay {token}"));
        }
        Outcome::bug(failure.executions as u64, token, &failure.message, report)
    }

    /// Mark a failure found by replaying a known token (the `i`-th tried).
    pub(crate) fn known(mut self, replayed: u64) -> Self {
        self.schedules = replayed;
        self.summary = first_line(&format!("(known failure) {}", self.summary));
        self
    }
}

/// One line of `check --json`: the verdict of one checker on one model variant. The keys, in
/// this order, are a contract other tools parse.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct Row {
    pub(crate) model: String,
    pub(crate) variant: String,
    #[serde(with = "checker_name")]
    pub(crate) checker: Checker,
    pub(crate) expect: Expect,
    pub(crate) verdict: Verdict,
    pub(crate) schedules: u64,
    pub(crate) seconds: f64,
    pub(crate) replay: Option<String>,
    pub(crate) report: String,
}

impl Row {
    pub(crate) fn new(model: &Model, checker: Checker, outcome: &Outcome, seconds: f64) -> Row {
        Row {
            model: model.name.clone(),
            variant: model.variant.clone(),
            checker,
            expect: model.expect,
            verdict: outcome.verdict,
            schedules: outcome.schedules,
            seconds,
            replay: outcome.token.clone(),
            report: outcome.summary.clone(),
        }
    }

    /// Whether the verdict meets the expectation.
    pub(crate) fn ok(&self) -> bool {
        self.verdict.meets(self.expect)
    }
}

/// The last line of `check --json`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct Summary {
    /// Always `true`: marks the summary line.
    pub(crate) summary: bool,
    /// Whether every verdict met its expectation and every result was recorded.
    pub(crate) ok: bool,
}

/// The first line of a message (rows and the corpus keep one line; the full report is kept
/// separately).
pub(crate) fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().to_owned()
}

/// A checker serialized by its name.
mod checker_name {
    use lockstep::check::Checker;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(checker: &Checker, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(checker.name())
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Checker, D::Error> {
        let name = String::deserialize(d)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Model;

    #[test]
    fn a_row_serializes_with_the_contract_keys_in_order() {
        let model = Model::new("abba", "buggy", Expect::Bug, "two locks");
        let outcome = Outcome::clean(10, false, false);
        let row = Row::new(&model, Checker::SimPct, &outcome, 0.5);
        let json = serde_json::to_string(&row).unwrap();
        assert_eq!(
            json,
            "{\"model\":\"abba\",\"variant\":\"buggy\",\"checker\":\"sim-pct\",\"expect\":\"bug\",\
             \"verdict\":\"passed\",\"schedules\":10,\"seconds\":0.5,\"replay\":null,\
             \"report\":\"no failure in 10 schedules\"}"
        );
        assert!(!row.ok());
        assert_eq!(serde_json::from_str::<Row>(&json).unwrap(), row);
    }
}
