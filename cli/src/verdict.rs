//! [`Verdict`]: what one check concluded — the one vocabulary of rows, `--json`, the corpus and
//! the runner — and [`Expect`]: what it had to conclude.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What a check concluded about one model variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// A failing execution was found (it has a replay token where the checker records one).
    BugFound,
    /// The budget was explored without a failure.
    Passed,
    /// An exhaustive checker covered its whole space (within its bound) without a failure.
    Exhausted,
    /// The check could not run (a crash of the check itself, a bad setting): no verdict about
    /// the model.
    Error,
}

impl Verdict {
    /// Every verdict.
    pub const ALL: [Verdict; 4] = [
        Verdict::BugFound,
        Verdict::Passed,
        Verdict::Exhausted,
        Verdict::Error,
    ];

    /// The name in rows, `--json` and the corpus.
    pub const fn name(self) -> &'static str {
        match self {
            Verdict::BugFound => "bug-found",
            Verdict::Passed => "passed",
            Verdict::Exhausted => "exhausted",
            Verdict::Error => "error",
        }
    }

    /// Whether this verdict meets `expect`.
    pub const fn meets(self, expect: Expect) -> bool {
        match self {
            Verdict::BugFound => matches!(expect, Expect::Bug),
            Verdict::Passed | Verdict::Exhausted => matches!(expect, Expect::Pass),
            Verdict::Error => false,
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Verdict {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Verdict::ALL
            .into_iter()
            .find(|v| v.name() == name)
            .ok_or_else(|| format!("{name:?} is not a verdict"))
    }
}

/// What every checker must conclude about a model variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Expect {
    /// The checker must find a failing execution.
    Bug,
    /// The checker must explore its budget (or the whole space) without one.
    Pass,
}

impl Expect {
    /// `"bug"` or `"pass"`, as in `check --json`.
    pub const fn name(self) -> &'static str {
        match self {
            Expect::Bug => "bug",
            Expect::Pass => "pass",
        }
    }
}

impl fmt::Display for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_text_and_json() {
        for v in Verdict::ALL {
            assert_eq!(v.name().parse(), Ok(v));
            assert_eq!(serde_json::to_string(&v).unwrap(), format!("\"{v}\""));
        }
        assert!("found".parse::<Verdict>().is_err());
        assert_eq!(serde_json::to_string(&Expect::Bug).unwrap(), "\"bug\"");
    }

    #[test]
    fn the_expectation_table() {
        use Expect::*;
        use Verdict::*;
        for (verdict, bug, pass) in [
            (BugFound, true, false),
            (Passed, false, true),
            (Exhausted, false, true),
            (Error, false, false),
        ] {
            assert_eq!((verdict.meets(Bug), verdict.meets(Pass)), (bug, pass));
        }
    }
}
