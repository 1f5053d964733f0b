//! Job lists are user input (`lockstep plan JOBS_FILE`). Building a `TaskTree` from any list of
//! names must return a tree or a typed `TreeError` — never panic — and running a tree with any
//! outcomes and worker count must keep the scheduling rules. The run is the real scheduler in
//! virtual time (`Runner::simulate`), checked event by event:
//!
//! - every job starts at most once, and at most `max_workers` jobs run at once;
//! - a job starts only after its nearest ancestor that is a job finished with `no_skip`;
//! - a barrier job `X/~/J` starts only after every non-barrier job below `X` finished with
//!   `no_skip` (and not at all when one of them skipped);
//! - the report's `started`, `completed` and `failed` agree with the events.
//!
//! Names are drawn from a four-letter alphabet (`a`, `b`, `/`, `~`) so that the fuzzer builds
//! deep paths, siblings and barriers rather than noise.

#![no_main]

use libfuzzer_sys::fuzz_target;
use lockstep::tasktree::{Outcome, Runner, SimEventKind, TaskTree};
use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

const BARRIER: &str = "~";

/// Whether `ancestor` is a proper path prefix of `name`.
fn is_below(name: &str, ancestor: &str) -> bool {
    name.len() > ancestor.len()
        && name.starts_with(ancestor)
        && name.as_bytes()[ancestor.len()] == b'/'
}

fuzz_target!(|data: &[u8]| {
    let Some((&knobs, rest)) = data.split_first() else {
        return;
    };
    let mut names = vec![String::new()];
    for &b in rest {
        match b % 5 {
            0 => names.push(String::new()),
            1 => names.last_mut().unwrap().push('a'),
            2 => names.last_mut().unwrap().push('b'),
            3 => names.last_mut().unwrap().push('/'),
            _ => names.last_mut().unwrap().push_str(BARRIER),
        }
    }
    if knobs & 1 == 1 {
        // Usually hand the builder a valid list, so that runs get exercised too.
        names.retain(|n| !n.is_empty() && !n.starts_with('/'));
        names.sort();
        names.dedup();
    }
    let Ok(tree) = TaskTree::new(&names) else {
        return; // a typed error is the right answer for a bad list
    };
    // Names that run: a name whose last component is the barrier never does.
    let jobs: BTreeSet<&str> = tree
        .names()
        .filter(|n| n.rsplit('/').next() != Some(BARRIER))
        .collect();
    let max_workers = 1 + usize::from(knobs >> 1 & 3);
    let salt = knobs >> 3;
    // Outcome and duration of a job: a function of its name and the input.
    let hash = |name: &str| {
        name.bytes().fold(u32::from(salt), |h, b| {
            h.wrapping_mul(31).wrapping_add(u32::from(b))
        })
    };
    let outcome = |name: &str| match hash(name) % 7 {
        0 => Outcome::SKIP,
        1 => Outcome::FAIL,
        2 => Outcome {
            no_skip: true,
            fail: true,
        },
        _ => Outcome::DONE,
    };

    let mut started: HashMap<String, u64> = HashMap::new();
    let mut finished: HashMap<String, (u64, Outcome)> = HashMap::new();
    let mut running = 0usize;
    let mut any_fail = false;
    let mut step = 0u64;
    let mut violations = Vec::new();
    let simulation = Runner::new(&tree)
        .max_workers(max_workers)
        .simulate(
            |name| Duration::from_millis(u64::from(hash(name) % 3)),
            |name, _ctl| {
                let o = outcome(name);
                any_fail |= o.fail;
                o
            },
            |event| {
                step += 1;
                let job = event.job;
                match event.kind {
                    SimEventKind::Start => {
                        if started.insert(job.to_owned(), step).is_some() {
                            violations.push(format!("{job} started twice"));
                        }
                        running += 1;
                        if running > max_workers {
                            violations.push(format!("{running} jobs running at once"));
                        }
                        // The nearest ancestor job, and every job a barrier waits for.
                        let nearest = jobs
                            .iter()
                            .filter(|a| is_below(job, a))
                            .max_by_key(|a| a.len());
                        if let Some(parent) = nearest {
                            match finished.get(*parent) {
                                Some((_, o)) if o.no_skip => {}
                                _ => violations.push(format!("{job} started before {parent}")),
                            }
                        }
                        let parts: Vec<&str> = job.split('/').collect();
                        for (i, part) in parts.iter().enumerate() {
                            if *part != BARRIER || i + 1 == parts.len() {
                                continue;
                            }
                            let node = parts[..i].join("/");
                            for other in jobs.iter().filter(|o| {
                                (node.is_empty() || is_below(o, &node))
                                    && o.split('/').nth(i) != Some(BARRIER)
                            }) {
                                match finished.get(*other) {
                                    Some((_, o)) if o.no_skip => {}
                                    _ => violations
                                        .push(format!("barrier job {job} started before {other}")),
                                }
                            }
                        }
                    }
                    SimEventKind::Finish => {
                        running -= 1;
                        finished.insert(job.to_owned(), (step, outcome(job)));
                    }
                }
            },
        )
        .expect("a run without panicking callbacks succeeds");
    assert!(violations.is_empty(), "{names:?}: {violations:?}");
    let report = simulation.report;
    assert_eq!(report.started as usize, started.len(), "{names:?}");
    assert_eq!(report.completed as usize, finished.len(), "{names:?}");
    assert_eq!(report.failed, any_fail, "{names:?}");
    assert!(started.keys().all(|j| jobs.contains(j.as_str())));
});
