//! Differential check of the partial-order reduction: on random small programs, DFS with DPOR
//! must reach exactly the final states that a plain interpreter of the same programs reaches by
//! enumerating every interleaving of their visible operations. A reduction that prunes a real
//! behaviour shows up as a missing final state.

use super::dfs::Dfs;
use super::Scheduler;
use crate::config::{Config, Strategy};
use crate::exec::sched::Outcome;
use crate::rng::Rng;
use crate::session::Session;
use crate::Sim;
use lockstep::sync::atomic::{AtomicUsize, Ordering};
use lockstep::sync::{thread, Arc, Mutex};
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy)]
enum Step {
    Load(usize),
    Store(usize, usize),
    Add(usize),
    /// Lock the mutex, add atomic `a` to the counter (recording the counter's old value),
    /// unlock.
    Locked(usize),
}

type Program = Vec<Vec<Step>>;

/// Both atomics, the counter, and what each thread observed.
type Final = (usize, usize, usize, Vec<Vec<usize>>);

fn random_program(rng: &mut Rng) -> Program {
    let threads = 2 + rng.below(2);
    (0..threads)
        .map(|_| {
            (0..1 + rng.below(3))
                .map(|_| match rng.below(4) {
                    0 => Step::Load(rng.below(2)),
                    1 => Step::Store(rng.below(2), 1 + rng.below(3)),
                    2 => Step::Add(rng.below(2)),
                    _ => Step::Locked(rng.below(2)),
                })
                .collect()
        })
        .collect()
}

/// The reference: every interleaving of the programs' visible operations (a `Locked` step is
/// lock, then the atomic load, then unlock, with mutual exclusion), by plain recursion.
fn reference(program: &Program) -> BTreeSet<Final> {
    #[derive(Clone)]
    struct State {
        atomics: [usize; 2],
        counter: usize,
        holder: Option<usize>,
        /// Per thread: (step index, phase within a `Locked` step).
        pc: Vec<(usize, u8)>,
        observed: Vec<Vec<usize>>,
    }
    fn go(program: &Program, state: State, out: &mut BTreeSet<Final>) {
        let mut moved = false;
        for t in 0..program.len() {
            let (i, phase) = state.pc[t];
            let Some(&step) = program[t].get(i) else {
                continue;
            };
            let mut next = state.clone();
            let advance = |s: &mut State| s.pc[t] = (i + 1, 0);
            match (step, phase) {
                (Step::Load(a), _) => {
                    next.observed[t].push(next.atomics[a]);
                    advance(&mut next);
                }
                (Step::Store(a, v), _) => {
                    next.atomics[a] = v;
                    advance(&mut next);
                }
                (Step::Add(a), _) => {
                    next.observed[t].push(next.atomics[a]);
                    next.atomics[a] += 1;
                    advance(&mut next);
                }
                (Step::Locked(_), 0) => {
                    if next.holder.is_some() {
                        continue;
                    }
                    next.holder = Some(t);
                    next.pc[t].1 = 1;
                }
                (Step::Locked(a), 1) => {
                    next.observed[t].push(next.counter);
                    next.counter += next.atomics[a];
                    next.pc[t].1 = 2;
                }
                (Step::Locked(_), _) => {
                    next.holder = None;
                    advance(&mut next);
                }
            }
            moved = true;
            go(program, next, out);
        }
        if !moved {
            out.insert((
                state.atomics[0],
                state.atomics[1],
                state.counter,
                state.observed,
            ));
        }
    }
    let mut out = BTreeSet::new();
    let start = State {
        atomics: [0, 0],
        counter: 0,
        holder: None,
        pc: vec![(0, 0); program.len()],
        observed: vec![Vec::new(); program.len()],
    };
    go(program, start, &mut out);
    out
}

/// The final states DFS with DPOR reaches on the simulator, and how many executions it ran.
fn explored(program: &Program) -> (BTreeSet<Final>, usize) {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(BTreeSet::new()));
    let record = seen.clone();
    let program = program.clone();
    let model = move || {
        let atomics: Arc<[AtomicUsize<Sim>; 2], Sim> =
            Arc::new([AtomicUsize::new(0), AtomicUsize::new(0)]);
        let counter: Arc<Mutex<usize, Sim>, Sim> = Arc::new(Mutex::new(0));
        let handles: Vec<_> = program
            .iter()
            .cloned()
            .map(|steps| {
                let (atomics, counter) = (atomics.clone(), counter.clone());
                thread::spawn::<Sim, _, _>(move || {
                    let mut observed = Vec::new();
                    for step in steps {
                        match step {
                            Step::Load(a) => observed.push(atomics[a].load(Ordering::SeqCst)),
                            Step::Store(a, v) => atomics[a].store(v, Ordering::SeqCst),
                            Step::Add(a) => {
                                observed.push(atomics[a].fetch_add(1, Ordering::SeqCst))
                            }
                            Step::Locked(a) => {
                                let mut c = counter.lock();
                                observed.push(*c);
                                *c += atomics[a].load(Ordering::SeqCst);
                            }
                        }
                    }
                    observed
                })
            })
            .collect();
        let observed: Vec<Vec<usize>> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        let state = (
            atomics[0].load(Ordering::SeqCst),
            atomics[1].load(Ordering::SeqCst),
            *counter.lock(),
            observed,
        );
        record.lock().unwrap().insert(state);
    };
    let config = Config::new(Strategy::Dfs {
        preemption_bound: None,
        max_executions: None,
    });
    let session = Session::for_test(&config, std::sync::Arc::new(model));
    let mut dfs = Dfs::new(None, None, None);
    let mut executions = 0;
    while dfs.next_execution() {
        let result = session.execute(&mut dfs);
        assert!(
            matches!(result.outcome, Outcome::Ok { .. }),
            "{:?}",
            result.outcome
        );
        executions += 1;
    }
    assert!(dfs.exhausted());
    let set = seen.lock().unwrap().clone();
    (set, executions)
}

#[test]
fn dpor_reaches_every_final_state_of_the_reference() {
    let mut rng = Rng::new(0x5eed);
    for case in 0..150 {
        let program = random_program(&mut rng);
        let expected = reference(&program);
        let (reached, executions) = explored(&program);
        assert_eq!(
            reached, expected,
            "case {case}: DPOR ({executions} executions) and the reference disagree on {program:?}"
        );
    }
}

#[test]
fn the_case_sleep_sets_lost_is_covered() {
    // Found by the check above when sleep sets were on: T2 must load before T0 stores, and
    // T1 must load after it.
    use Step::*;
    let program = vec![vec![Store(1, 2)], vec![Locked(1)], vec![Load(1)]];
    assert_eq!(explored(&program).0, reference(&program));
}
