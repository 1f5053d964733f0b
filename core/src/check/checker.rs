//! The one name table of lockstep's checkers: every checker — a lockstep-sim strategy, loom, a
//! shuttle scheduler — is a [`Checker`], named the same on the command line, in `--json` rows,
//! in the corpus, in reports and inside replay tokens (by its stable [`Checker::code`]).
//!
//! Keeping one table means a new strategy is added in one place and cannot be spelled two ways.

use std::fmt;
use std::str::FromStr;

/// Which backend a checker runs the model on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// lockstep-sim's `Sim`.
    Sim,
    /// loom.
    Loom,
    /// shuttle.
    Shuttle,
}

macro_rules! checkers {
    ($($(#[$doc:meta])* $variant:ident = $code:literal, $name:literal, $backend:ident, $exhaustive:literal;)*) => {
        /// A checker: one strategy of one backend.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Checker {
            $($(#[$doc])* $variant,)*
        }

        impl Checker {
            /// Every checker, in report order.
            pub const ALL: &'static [Checker] = &[$(Checker::$variant,)*];

            /// The name on the command line, in `--json` rows and in the corpus.
            pub const fn name(self) -> &'static str {
                match self {
                    $(Checker::$variant => $name,)*
                }
            }

            /// A stable number for compact encodings (replay tokens). Never reused; 3 is taken
            /// (lockstep 0.1's tokens of replayed executions, read as `sim-dfs`).
            pub const fn code(self) -> u8 {
                match self {
                    $(Checker::$variant => $code,)*
                }
            }

            /// The checker with this code.
            pub fn from_code(code: u64) -> Option<Checker> {
                match code {
                    $($code => Some(Checker::$variant),)*
                    _ => None,
                }
            }

            /// The backend the checker runs the model on.
            pub const fn backend(self) -> Backend {
                match self {
                    $(Checker::$variant => Backend::$backend,)*
                }
            }

            /// Whether a pass means the whole (bounded) space was covered.
            pub const fn exhaustive(self) -> bool {
                match self {
                    $(Checker::$variant => $exhaustive,)*
                }
            }
        }
    };
}

checkers! {
    /// lockstep-sim, random walk.
    SimRandom = 0, "sim-random", Sim, false;
    /// lockstep-sim, PCT.
    SimPct = 1, "sim-pct", Sim, false;
    /// lockstep-sim, partial-order sampling (POS).
    SimPos = 4, "sim-pos", Sim, false;
    /// lockstep-sim, uniform random walk over interleavings (URW).
    SimUrw = 5, "sim-urw", Sim, false;
    /// lockstep-sim, selectively uniform random walk (SURW).
    SimSurw = 6, "sim-surw", Sim, false;
    /// lockstep-sim, delay-bounded deterministic search.
    SimDelay = 7, "sim-delay", Sim, false;
    /// lockstep-sim, exhaustive DFS with partial-order reduction.
    SimDfs = 2, "sim-dfs", Sim, true;
    /// lockstep-sim, the default portfolio: every simulator strategy, interleaved.
    SimPortfolio = 8, "sim-portfolio", Sim, false;
    /// loom, exhaustive within a preemption bound.
    Loom = 16, "loom", Loom, true;
    /// shuttle, random scheduling.
    ShuttleRandom = 32, "shuttle-random", Shuttle, false;
    /// shuttle, PCT.
    ShuttlePct = 33, "shuttle-pct", Shuttle, false;
    /// shuttle, exhaustive DFS.
    ShuttleDfs = 34, "shuttle-dfs", Shuttle, true;
}

impl fmt::Display for Checker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is not a checker's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown checker `{0}` (one of: {names})", names = names())]
pub struct UnknownChecker(pub String);

fn names() -> String {
    let names: Vec<&str> = Checker::ALL.iter().map(|c| c.name()).collect();
    names.join(", ")
}

impl FromStr for Checker {
    type Err = UnknownChecker;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Checker::ALL
            .iter()
            .copied()
            .find(|c| c.name() == name)
            .ok_or_else(|| UnknownChecker(name.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_codes_are_unique_and_round_trip() {
        for (i, a) in Checker::ALL.iter().enumerate() {
            assert_eq!(a.name().parse::<Checker>(), Ok(*a));
            assert_eq!(Checker::from_code(u64::from(a.code())), Some(*a));
            for b in &Checker::ALL[i + 1..] {
                assert_ne!(a.name(), b.name());
                assert_ne!(a.code(), b.code());
            }
        }
        assert!("sim-nothing".parse::<Checker>().is_err());
        assert_eq!(Checker::from_code(255), None);
    }
}
