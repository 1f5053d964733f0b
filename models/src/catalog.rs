//! The built-in models: each a named program in a buggy or fixed variant, with the verdict a
//! checker must reach, buildable for every checker backend.

use crate::handoff::Handoff;
use lockstep::sync::{Loom, Shuttle};

/// What a checker must conclude about a variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// The checker must find a failing execution.
    Bug,
    /// The checker must explore its budget (or the whole space) without one.
    Pass,
}

impl Expect {
    /// `"bug"` or `"pass"`, as in the `--json` output.
    pub fn as_str(self) -> &'static str {
        match self {
            Expect::Bug => "bug",
            Expect::Pass => "pass",
        }
    }
}

/// A model program, ready to hand to a checker.
pub type ModelFn = Box<dyn Fn() + Send + Sync + 'static>;

/// One variant of one model.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    /// The model's name (`lockstep check NAME`).
    pub model: &'static str,
    /// `"buggy"` or `"fixed"`.
    pub variant: &'static str,
    /// What a checker must conclude.
    pub expect: Expect,
    /// One line on what the model is.
    pub summary: &'static str,
    /// The program on loom's primitives.
    pub loom: fn() -> ModelFn,
    /// The program on shuttle's primitives.
    pub shuttle: fn() -> ModelFn,
}

/// Every built-in model variant, in a stable order.
pub fn entries() -> Vec<Entry> {
    vec![
        Entry {
            model: "handoff",
            variant: "fixed",
            expect: Expect::Pass,
            summary: "3 threads take turns through one Mutex+Condvar, waking with notify_all",
            loom: || Box::new(Handoff::fixed(3, 1).model::<Loom>()),
            shuttle: || Box::new(Handoff::fixed(3, 2).model::<Shuttle>()),
        },
        Entry {
            model: "handoff",
            variant: "buggy",
            expect: Expect::Bug,
            summary: "the same with notify_one: a wakeup reaches the wrong thread and is lost",
            loom: || Box::new(Handoff::buggy(3, 1).model::<Loom>()),
            shuttle: || Box::new(Handoff::buggy(3, 2).model::<Shuttle>()),
        },
    ]
}

/// The variants of `model` (empty if there is no such model).
pub fn find(model: &str) -> Vec<Entry> {
    entries().into_iter().filter(|e| e.model == model).collect()
}
