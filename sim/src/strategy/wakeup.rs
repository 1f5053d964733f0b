//! Wakeup trees and wakeup sequences, after Abdulla, Aronis, Jonsson and Sagonas, "Source
//! Sets: A Foundation for Optimal Dynamic Partial Order Reduction" (JACM 2017).
//!
//! A *wakeup sequence* is a sequence of steps that reverses a race: from the state before the
//! race's first step, it runs the steps that do not depend on it and then the race's second
//! step. A *wakeup tree* at a decision holds the sequences still to explore there, merged
//! by common (equivalent) prefixes; exploring a branch follows it step by step, so the search
//! never starts an execution that would end up covered by an earlier one (sleep-set blocked).
//!
//! Steps with several outcomes (which waiter a `notify_one` wakes, whether a fault fires) are
//! one branch per thread with a subtree per outcome it lists: a sequence that needs another
//! outcome adds it. Every outcome of the step is explored on the branch (those it does not list
//! freely, see `optimal`'s Outcomes), so a sequence that merely commutes with the step goes
//! under it, as for a step without outcomes.

use crate::access::{dependent, Access, Accesses};
use crate::op::ThreadId;

/// One step of a wakeup sequence: who, with which outcome, touching what.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Step {
    pub(crate) thread: ThreadId,
    pub(crate) answer: Option<u32>,
    pub(crate) accesses: Accesses,
}

/// The branches still to explore from a decision, in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Wut {
    pub(crate) branches: Vec<Branch>,
}

/// One thread's branch: its step here, and per outcome the subtree to follow after it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Branch {
    pub(crate) thread: ThreadId,
    pub(crate) accesses: Accesses,
    /// Outcomes with guidance (the others are explored freely after those); a `None` or none
    /// at all: no outcome guided (see [`explores_every_outcome`]).
    pub(crate) answers: Vec<(Option<u32>, Wut)>,
}

impl Branch {
    /// A chain of branches following `v` (non-empty).
    fn chain(v: &[Step]) -> Branch {
        let (first, rest) = v.split_first().expect("a wakeup sequence is not empty");
        let subtree = if rest.is_empty() {
            Wut::default()
        } else {
            Wut {
                branches: vec![Branch::chain(rest)],
            }
        };
        Branch {
            thread: first.thread,
            accesses: first.accesses.clone(),
            answers: vec![(first.answer, subtree)],
        }
    }
}

/// Does a branch with these `answers` explore every outcome of its step freely? Yes without
/// guidance, or with a `None` (a sequence whose step had no choice where it ran asks for no
/// outcome).
pub(crate) fn explores_every_outcome(answers: &[(Option<u32>, Wut)]) -> bool {
    answers.is_empty() || answers.iter().any(|(a, _)| a.is_none())
}

/// Index of `thread`'s first step in `v`.
fn first_of(v: &[Step], thread: ThreadId) -> Option<usize> {
    v.iter().position(|s| s.thread == thread)
}

/// Is `v[index]` an *initial* of `v`: does no earlier step of `v` happen before it (same
/// thread, or dependent)? Then `v` is equivalent to a sequence that starts with it.
pub(crate) fn is_initial(v: &[Step], index: usize) -> bool {
    let step = &v[index];
    v[..index]
        .iter()
        .all(|s| s.thread != step.thread && !dependent(&s.accesses, &step.accesses))
}

/// Is a step touching `accesses` independent of every step of `v`?
pub(crate) fn independent_of(accesses: &[Access], v: &[Step]) -> bool {
    v.iter().all(|s| !dependent(accesses, &s.accesses))
}

/// Is `thread` (whose next step touches `accesses`) a *weak initial* of `v`: does some
/// execution equivalent to "`v`, then more" start with it?
pub(crate) fn weak_initial(v: &[Step], thread: ThreadId, accesses: &[Access]) -> bool {
    match first_of(v, thread) {
        Some(index) => is_initial(v, index),
        None => independent_of(accesses, v),
    }
}

/// How a branch relates to a wakeup sequence.
enum Match {
    /// The branch's thread starts (an equivalent of) the sequence, with this outcome; the
    /// step is at this index.
    Starts(usize, Option<u32>),
    /// The branch's thread is not in the sequence and commutes with all of it.
    Commutes,
    /// Neither.
    No,
}

fn matches(branch: &Branch, v: &[Step]) -> Match {
    match first_of(v, branch.thread) {
        Some(index) if is_initial(v, index) => Match::Starts(index, v[index].answer),
        Some(_) => Match::No,
        // Every outcome of the branch's step is explored (the unlisted ones freely), so the
        // branch covers a sequence it commutes with, whatever outcomes it lists. (Giving such
        // a sequence a branch of its own, as was done while a guided branch explored only the
        // outcomes it listed, breaks the wakeup tree's invariant that an earlier branch is no
        // weak initial of a later one: the later branch, with the earlier asleep, then drops
        // races that the tree at the decision above counted on it for.)
        None if independent_of(&branch.accesses, v) => Match::Commutes,
        None => Match::No,
    }
}

impl Wut {
    /// Make sure an execution equivalent to one starting with `v` is explored from this tree:
    /// follow the branches `v` (up to equivalence) already starts with; stop when a leaf or a
    /// branch exploring every outcome covers the rest; add an outcome a guided branch does not
    /// list yet; otherwise add the rest of `v` as a new last branch. `self` must not be a leaf
    /// (a leaf already covers everything).
    pub(crate) fn insert(&mut self, mut v: Vec<Step>) {
        let mut tree = self;
        loop {
            if v.is_empty() {
                return;
            }
            let found = tree
                .branches
                .iter()
                .enumerate()
                .find_map(|(i, b)| match matches(b, &v) {
                    Match::No => None,
                    m => Some((i, m)),
                });
            let Some((index, how)) = found else {
                tree.branches.push(Branch::chain(&v));
                return;
            };
            let branch = &mut tree.branches[index];
            let answer = match how {
                Match::Starts(step, answer) => {
                    v.remove(step);
                    answer
                }
                // A branch that commutes explores every outcome (see `matches`): follow its
                // subtree for a step without a choice, if it has one, else that of the outcome
                // it lists first (whose accesses `branch.accesses` are: `v` commutes with it).
                Match::Commutes if explores_every_outcome(&branch.answers) => None,
                Match::Commutes => branch.answers[0].0,
                Match::No => unreachable!("filtered above"),
            };
            let Some(at) = branch.answers.iter().position(|(a, _)| *a == answer) else {
                // A branch without guidance explores every outcome freely: that covers the
                // rest. A guided one explores the outcomes it does not list freely too, but
                // after the listed ones: add this one, with the rest of `v` as its guidance.
                if !explores_every_outcome(&branch.answers) {
                    let rest = match v.is_empty() {
                        true => Wut::default(),
                        false => Wut {
                            branches: vec![Branch::chain(&v)],
                        },
                    };
                    branch.answers.push((answer, rest));
                }
                return;
            };
            let subtree = &mut branch.answers[at].1;
            if subtree.branches.is_empty() {
                return; // a leaf
            }
            tree = subtree;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::{made, Role};

    fn step(thread: ThreadId, key: u32, write: bool) -> Step {
        let role = if write { Role::Write } else { Role::Read };
        Step {
            thread,
            answer: None,
            accesses: smallvec::smallvec![Access::new(made(0, key), role)],
        }
    }

    #[test]
    fn initials_and_weak_initials() {
        // t1 writes x; t2 reads y; t3 reads x (after t1's write).
        let v = vec![step(1, 0, true), step(2, 1, false), step(3, 0, false)];
        assert!(is_initial(&v, 0) && is_initial(&v, 1) && !is_initial(&v, 2));
        let on_z = [Access::new(made(0, 9), Role::Write)];
        let on_x = [Access::new(made(0, 0), Role::Write)];
        assert!(
            weak_initial(&v, 7, &on_z),
            "a thread absent and independent"
        );
        assert!(!weak_initial(&v, 7, &on_x), "absent but dependent");
        assert!(!weak_initial(&v, 3, &on_x), "present, not initial");
    }

    #[test]
    fn insertion_merges_equivalent_prefixes_and_stops_at_leaves() {
        let mut wut = Wut::default();
        wut.insert(vec![step(1, 0, true), step(2, 0, true)]);
        assert_eq!(wut.branches.len(), 1);
        // Starts with an equivalent of t1's step: follows it, adds t3 under it.
        wut.insert(vec![step(3, 5, true), step(1, 0, true), step(3, 0, true)]);
        assert_eq!(wut.branches.len(), 1, "{wut:#?}");
        let under = &wut.branches[0].answers[0].1;
        assert_eq!(under.branches.len(), 2, "{wut:#?}");
        // Ends on a leaf: covered, nothing added.
        let before = wut.clone();
        wut.insert(vec![step(1, 0, true), step(2, 0, true), step(4, 0, true)]);
        assert_eq!(wut, before);
        // A sequence starting with another thread's dependent step: a new branch.
        wut.insert(vec![step(2, 0, true)]);
        assert_eq!(wut.branches.len(), 2);
    }
}
