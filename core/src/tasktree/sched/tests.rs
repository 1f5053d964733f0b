//! Unit tests of the scheduler core, one run at a time with a single worker (fully
//! deterministic): pop the smallest job, complete it with its scripted outcome, repeat.

use super::*;
use crate::tasktree::tree::{Barriers, TreeOptions};

/// Run `names` one job at a time; `skip` lists jobs completing with `no_skip = false`.
fn order_with<P: Priority>(tree: &TaskTree, skip: &[&str], mut priority: P) -> Vec<String> {
    let mut sched: Sched<'_, P::Key> = Sched::new(tree);
    sched.start(&mut priority);
    let mut out = Vec::new();
    while let Some(job) = sched.pop() {
        let name = tree.name(job as usize);
        out.push(name.to_owned());
        sched
            .complete(job, !skip.contains(&name), &mut priority)
            .unwrap();
    }
    out
}

fn order(names: &[&str], skip: &[&str]) -> Vec<String> {
    order_with(&TaskTree::new(names).unwrap(), skip, ByName)
}

#[test]
fn parents_before_children_in_name_order() {
    assert_eq!(
        order(&["a", "a/b", "a/b/c", "a/d", "b"], &[]),
        ["a", "a/b", "a/b/c", "a/d", "b"]
    );
}

#[test]
fn missing_parents_are_passed_through() {
    // "x" is not a job: "x/y" and "x/z" are available at once, before "y".
    assert_eq!(order(&["x/y", "x/z", "y"], &[]), ["x/y", "x/z", "y"]);
}

#[test]
fn skip_drops_the_subtree_only() {
    assert_eq!(
        order(&["a", "a/b", "a/b/c", "a/d", "b"], &["a/b"]),
        ["a", "a/b", "a/d", "b"]
    );
    assert_eq!(order(&["a", "a/b", "b"], &["a"]), ["a", "b"]);
}

#[test]
fn barrier_waits_for_the_whole_subtree() {
    assert_eq!(
        order(&["a", "a/b", "a/b/c", "a/z", "a/~/after"], &[]),
        ["a", "a/b", "a/b/c", "a/z", "a/~/after"]
    );
}

#[test]
fn skip_below_keeps_barriers_closed_up_the_chain() {
    let names = ["x", "x/n", "x/n/c", "x/n/~/p", "x/~/q", "y"];
    assert_eq!(order(&names, &["x/n/c"]), ["x", "x/n", "x/n/c", "y"]);
}

#[test]
fn only_child_barriers_are_entered_at_once() {
    assert_eq!(order(&["a", "a/~/~/~/done"], &[]), ["a", "a/~/~/~/done"]);
}

#[test]
fn root_barrier_waits_for_all_roots() {
    assert_eq!(
        order(&["a", "a/b", "b", "~/prune"], &[]),
        ["a", "a/b", "b", "~/prune"]
    );
    // A skip anywhere closes the root barrier.
    assert_eq!(
        order(&["a", "a/b", "b", "~/prune"], &["b"]),
        ["a", "a/b", "b"]
    );
}

#[test]
fn a_barrier_name_is_never_run() {
    assert_eq!(order(&["a", "a/b", "a/~"], &[]), ["a", "a/b"]);
}

#[test]
fn a_barrier_with_no_work_beside_it_opens_when_entered() {
    // "a/a/~" is a listed barrier leaf: nothing runs beside "a/~", so it opens when "a" is
    // entered, and the root barrier waits for "a/~/a" (bzfs never runs "a/~/a" and opens the
    // root barrier without it).
    assert_eq!(
        order(&["a/a/~", "a/~/a", "b", "~/a"], &[]),
        ["a/~/a", "b", "~/a"]
    );
    assert_eq!(order(&["a/b/~", "a/~/x"], &[]), ["a/~/x"]);
}

#[test]
fn nested_barriers_open_inside_out() {
    let names = ["a", "a/b", "a/b/x", "a/b/~/c", "a/d", "a/~/e"];
    assert_eq!(
        order(&names, &[]),
        ["a", "a/b", "a/b/x", "a/b/~/c", "a/d", "a/~/e"]
    );
    // The inner barrier's job is in the outer barrier's subtree: the outer waits for it.
    let slow = ["a", "a/b", "a/b/x", "a/b/x/y", "a/b/~/c", "a/d", "a/~/e"];
    assert_eq!(
        order(&slow, &[]),
        ["a", "a/b", "a/b/x", "a/b/x/y", "a/b/~/c", "a/d", "a/~/e"]
    );
}

#[test]
fn priority_orders_available_jobs_and_ties_break_by_name() {
    let tree = TaskTree::new(["r", "r/a", "r/b", "r/c", "s", "s/x", "s/y"]).unwrap();
    let size = |n: &str| match n {
        "r" => 10,
        "r/a" => 30,
        "r/b" => 20,
        "r/c" => 40,
        "s" => 50,
        "s/x" => 5,
        "s/y" => 60,
        _ => unreachable!(),
    };
    // Largest first (bzfs' own test case).
    assert_eq!(
        order_with(&tree, &[], |n: &str| -size(n)),
        ["s", "s/y", "r", "r/c", "r/a", "r/b", "s/x"]
    );
    let same = |_: &str| 0;
    assert_eq!(
        order_with(&tree, &[], same),
        ["r", "r/a", "r/b", "r/c", "s", "s/x", "s/y"]
    );
}

#[test]
fn a_counter_priority_runs_queued_jobs_before_newly_unblocked_ones() {
    let tree = TaskTree::new(["a", "a/x", "b", "c"]).unwrap();
    let mut n = 0;
    let counter = move |_: &str| {
        n += 1;
        n
    };
    // a, b, c queued first (1, 2, 3); a/x unblocked later (4).
    assert_eq!(order_with(&tree, &[], counter), ["a", "b", "c", "a/x"]);
}

#[test]
fn completing_a_job_that_is_not_running_is_an_illegal_transition() {
    let tree = TaskTree::new(["a", "b"]).unwrap();
    let mut sched: Sched<'_, ()> = Sched::new(&tree);
    sched.start(&mut ByName);
    let err = sched.complete(1, true, &mut ByName).unwrap_err();
    assert_eq!(err.from, JobState::Available);
    assert_eq!(err.to, JobState::Done);
    assert!(err.to_string().contains("Available -> Done"), "{err}");
    let a = sched.pop().unwrap();
    sched.complete(a, false, &mut ByName).unwrap();
    let again = sched.complete(a, true, &mut ByName).unwrap_err();
    assert_eq!(again.from, JobState::Skipped);
}

#[test]
fn barriers_disabled_treats_nothing_as_a_barrier() {
    let opts = TreeOptions {
        barrier_name: "@".into(),
        barriers: Barriers::Disabled,
    };
    let tree = TaskTree::with_options(["a", "a/~", "a/~/b"], &opts).unwrap();
    assert_eq!(order_with(&tree, &[], ByName), ["a", "a/~", "a/~/b"]);
}

#[test]
fn a_million_deep_chain_neither_overflows_nor_goes_quadratic() {
    let deep = vec!["x"; 1_000_000].join("/");
    let barrier = format!("{deep}/~/after");
    let leaf = format!("{deep}/y");
    let tree = TaskTree::new(["a", deep.as_str(), leaf.as_str(), barrier.as_str()])
        .expect("a valid deep tree");
    let got = order_with(&tree, &[], ByName);
    let want = ["a", deep.as_str(), leaf.as_str(), barrier.as_str()];
    assert!(
        got == want,
        "wrong order for the deep chain ({} jobs)",
        got.len()
    );
}

mod properties {
    //! Random trees, random outcomes and random completion orders (1–3 jobs in flight): every
    //! pop obeys the rules, checked against a string-level oracle, and the set of jobs that run
    //! does not depend on the order.
    use super::*;
    use proptest::prelude::*;
    use std::collections::{BTreeMap, BTreeSet};

    /// Rules 1, 2 and 4 for `job` given the completed jobs (`true` = `no_skip`).
    fn may_start(job: &str, names: &BTreeSet<String>, done: &BTreeMap<String, bool>) -> bool {
        let parts: Vec<&str> = job.split('/').collect();
        for depth in 1..parts.len() {
            let ancestor = parts[..depth].join("/");
            // A listed name ending in the barrier ("c/~") is never a job: it blocks nothing.
            let job = names.contains(&ancestor) && parts[depth - 1] != "~";
            if job && done.get(&ancestor) != Some(&true) {
                return false;
            }
        }
        for at in 0..parts.len() - 1 {
            if parts[at] != "~" {
                continue;
            }
            let node = parts[..at].join("/");
            let prefix = if node.is_empty() {
                String::new()
            } else {
                format!("{node}/")
            };
            let barrier = format!("{prefix}~");
            for other in names {
                let inside = other.starts_with(&prefix) && *other != node;
                let behind = *other == barrier || other.starts_with(&format!("{barrier}/"));
                let barrier_leaf = other.rsplit('/').next() == Some("~");
                if inside && !behind && !barrier_leaf && done.get(other) != Some(&true) {
                    return false;
                }
            }
        }
        true
    }

    fn tree_strategy() -> impl Strategy<Value = Vec<String>> {
        let component = prop::sample::select(vec!["a", "b", "c", "~", "a-b"]);
        let path = prop::collection::vec(component, 1..5).prop_map(|c| c.join("/"));
        prop::collection::btree_set(path, 1..14).prop_map(|s| s.into_iter().collect())
    }

    /// Run with up to `width` in flight, completing the in-flight job `choice % len` each time.
    fn run(
        tree: &TaskTree,
        skip: &BTreeSet<String>,
        width: usize,
        choices: &[usize],
    ) -> Result<Vec<String>, TestCaseError> {
        let names: BTreeSet<String> = tree.names().map(str::to_owned).collect();
        let mut sched: Sched<'_, ()> = Sched::new(tree);
        sched.start(&mut ByName);
        let mut done: BTreeMap<String, bool> = BTreeMap::new();
        let mut in_flight: Vec<u32> = Vec::new();
        let mut started = Vec::new();
        let mut step = 0;
        loop {
            while in_flight.len() < width {
                let Some(job) = sched.pop() else { break };
                let name = tree.name(job as usize).to_owned();
                prop_assert!(!started.contains(&name), "{name} started twice");
                prop_assert!(may_start(&name, &names, &done), "{name} started too early");
                started.push(name);
                in_flight.push(job);
            }
            if in_flight.is_empty() {
                return Ok(started);
            }
            let pick = choices.get(step).copied().unwrap_or(0) % in_flight.len();
            step += 1;
            let job = in_flight.swap_remove(pick);
            let name = tree.name(job as usize).to_owned();
            let no_skip = !skip.contains(&name);
            sched.complete(job, no_skip, &mut ByName).unwrap();
            done.insert(name, no_skip);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        #[test]
        fn any_completion_order_keeps_the_rules(
            names in tree_strategy(),
            skip_bits in prop::collection::vec(any::<bool>(), 14),
            width in 1usize..4,
            choices in prop::collection::vec(any::<usize>(), 0..40),
        ) {
            let tree = TaskTree::new(&names).unwrap();
            let skip: BTreeSet<String> = names
                .iter()
                .zip(&skip_bits)
                .filter(|(_, s)| **s)
                .map(|(n, _)| n.clone())
                .collect();
            let serial = run(&tree, &skip, 1, &[])?;
            let mut parallel = run(&tree, &skip, width, &choices)?;
            let mut serial_set = serial.clone();
            serial_set.sort();
            parallel.sort();
            prop_assert_eq!(serial_set, parallel);
        }
    }
}
