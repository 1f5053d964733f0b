//! Differential check of the partial-order reduction, the proof that the optimal search loses
//! nothing and repeats nothing.
//!
//! A plain interpreter of small random programs (atomics, a lock, `try_lock`, a condvar
//! monitor, nested spawn/join, fault points under a fault budget of one) enumerates *every*
//! interleaving of their visible steps and every outcome of their faults, and
//! records for each its final state and its Mazurkiewicz trace (per shared key, the order of
//! conflicting accesses — the same accesses the simulator records, see [`crate::access`]).
//! The optimal DFS must then reach exactly the same final states, with exactly one execution
//! per distinct trace, none redundant and none blocked (with faults, at most one blocked
//! execution per trace: see `optimal`'s Outcomes). A reduction that prunes a behaviour
//! shows as a missing state; one that repeats a behaviour, as extra executions.
//!
//! Default run: `CASES` programs (a few seconds). Larger: `LOCKSTEP_DPOR_CASES=20000 cargo
//! test -p lockstep-sim --release dpor`.

use super::dfs::Dfs;
use super::optimal::Optimal;
use super::Scheduler;
use crate::config::{Config, Strategy};
use crate::exec::sched::Outcome;
use crate::rng::Rng;
use crate::session::Session;
use crate::Sim;
use lockstep::sync::atomic::{AtomicUsize, Ordering};
use lockstep::sync::{thread, Arc, Condvar, Mutex};
use std::collections::{BTreeMap, BTreeSet};

/// Programs checked by default.
const CASES: usize = 200;
/// Faults that may fire in one execution, in the reference and on the simulator.
const FAULT_BUDGET: usize = 1;
/// Most interleavings the reference enumerates for one program (bigger ones are skipped).
const MAX_INTERLEAVINGS: usize = 60_000;

/// One operation of a thread.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Load(usize),
    Store(usize, usize),
    Add(usize),
    /// Lock the counter, add atomic `a` to it (observing its old value), unlock.
    Locked(usize),
    /// The same under `try_lock`; observes 1 or 0 for success or failure.
    TryLocked(usize),
    /// Monitor: lock, wait on condvar `k` unless flag `k` is set, unlock.
    Await(usize),
    /// Monitor: lock, set flag `k`, notify one (`false`) or all (`true`) on condvar `k`,
    /// unlock.
    Signal(usize, bool),
    /// Spawn a child that adds 1 to atomic `a`, join it (observing the old value).
    Fork(usize),
    /// A fault point (observing 1 if it fired, else 0); if it fired, add 1 to atomic `a`. One
    /// fault may fire per execution (fault budget 1).
    Fault(usize),
    /// `try_lock` the monitor: observes 1 + flag `k` if it took it (then unlocks), 0 if it
    /// found it held — by a lock, or until a condvar wait released it.
    TryPeek(usize),
}

type Program = Vec<Vec<Op>>;

/// `(deadlocked, atomics, counter, flags, what each thread observed)`.
type Final = (bool, [usize; 2], usize, [bool; 2], Vec<Vec<usize>>);

/// Steps an operation takes at most (the reference's size control).
fn weight(op: Op) -> usize {
    match op {
        Op::Load(_) | Op::Store(..) | Op::Add(_) => 1,
        Op::Fault(_) | Op::TryPeek(_) => 2,
        Op::Locked(_) | Op::TryLocked(_) | Op::Signal(..) | Op::Fork(_) => 3,
        Op::Await(_) => 4,
    }
}

/// A program of monitors: two threads wait on condvar 0 and then do something
/// visible, one notifies it (one waiter, or all) — so that a `notify_one` often has several
/// waiters to choose from.
fn random_monitor_program(rng: &mut Rng) -> Program {
    let visible = |rng: &mut Rng| match rng.below(4) {
        0 => Op::Add(rng.below(2)),
        1 => Op::Store(rng.below(2), 1 + rng.below(3)),
        2 => Op::TryPeek(0),
        _ => Op::Load(rng.below(2)),
    };
    let waiters = 2;
    let mut program: Program = (0..waiters)
        .map(|_| vec![Op::Await(0), visible(rng)])
        .collect();
    let mut notifier = vec![Op::Signal(0, false)];
    match rng.below(3) {
        0 => notifier.push(Op::Signal(0, false)),
        1 => notifier.push(visible(rng)),
        _ => notifier.insert(0, visible(rng)),
    }
    program.insert(rng.below(waiters + 1), notifier);
    program
}

/// A small program around one monitor: waits, notifications and `try_lock`s of its mutex,
/// which a condvar wait releases (a `try_lock` sees it held until then).
fn random_try_monitor_program(rng: &mut Rng) -> Program {
    (0..2 + rng.below(2))
        .map(|_| {
            (0..1 + rng.below(2))
                .map(|_| match rng.below(6) {
                    0 | 1 => Op::Await(0),
                    2 => Op::TryPeek(0),
                    3 => Op::Signal(0, rng.below(2) == 0),
                    4 => Op::Add(0),
                    _ => Op::Load(0),
                })
                .collect()
        })
        .collect()
}

fn random_op(rng: &mut Rng) -> Op {
    let a = rng.below(2);
    match rng.below(12) {
        11 => Op::TryPeek(rng.below(2)),
        10 => Op::Fault(a),
        0 => Op::Load(a),
        1 => Op::Store(a, 1 + rng.below(3)),
        2 | 3 => Op::Add(a),
        4 => Op::Locked(a),
        5 => Op::TryLocked(a),
        6 => Op::Await(rng.below(2)),
        7 | 8 => Op::Signal(rng.below(2), rng.below(2) == 1),
        _ => Op::Fork(a),
    }
}

fn random_program(rng: &mut Rng) -> Program {
    loop {
        let threads = 2 + rng.below(3);
        let program: Program = (0..threads)
            .map(|_| (0..1 + rng.below(3)).map(|_| random_op(rng)).collect())
            .collect();
        let steps: usize = program.iter().flatten().map(|&op| weight(op)).sum();
        if steps <= 11 {
            return program;
        }
    }
}

// ----- The reference interpreter ------------------------------------------------------------

/// Keys of the reference, as the simulator's accesses would name them.
mod key {
    pub(super) const M0: u32 = 2;
    pub(super) const M1: u32 = 3;
    pub(super) fn atomic(a: usize) -> u32 {
        a as u32
    }
    pub(super) fn cv(k: usize) -> u32 {
        4 + k as u32
    }
    pub(super) fn wake(thread: usize) -> u32 {
        100 + thread as u32
    }
    pub(super) const SPAWN: u32 = 99;
    pub(super) const FAULTS: u32 = 98;
    /// Not an access: a read of this key by a fault step records that the fault fired, so
    /// that two executions differing only in a fault's outcome are different traces.
    pub(super) const FIRED: u32 = 97;
}

/// An access: key, writes.
type Acc = (u32, bool);

/// A thread of the reference: its program, where it is, whether it runs yet.
#[derive(Debug, Clone)]
struct RefThread {
    ops: Vec<Op>,
    pc: usize,
    phase: u8,
    started: bool,
    /// For a `Fork`: the child's thread index.
    child: Option<usize>,
    observed: Vec<usize>,
    notified: bool,
}

#[derive(Debug, Clone)]
struct RefState {
    atomics: [usize; 2],
    counter: usize,
    flags: [bool; 2],
    m0: Option<usize>,
    m1: Option<usize>,
    waiters: [Vec<usize>; 2],
    threads: Vec<RefThread>,
    /// The trace so far: (thread, its step number, accesses).
    trace: Vec<(usize, usize, Vec<Acc>)>,
    steps: Vec<usize>,
    /// Top-level threads the main thread has spawned so far.
    spawned: usize,
    /// Faults that may still fire.
    fault_budget: usize,
}

/// The main thread's id in the reference's traces.
const MAIN: usize = 1000;

/// Per key, the order of conflicting accesses: writes in order, reads between them as sets.
type TraceKey = BTreeMap<u32, Vec<BTreeSet<(usize, usize, bool)>>>;

fn trace_key(trace: &[(usize, usize, Vec<Acc>)]) -> TraceKey {
    let mut key: TraceKey = BTreeMap::new();
    for (thread, step, accesses) in trace {
        for &(k, writes) in accesses {
            let groups = key.entry(k).or_default();
            let open_reads = groups.last().is_some_and(|g| g.iter().all(|&(_, _, w)| !w));
            if writes || !open_reads {
                groups.push(BTreeSet::new());
            }
            groups
                .last_mut()
                .expect("pushed")
                .insert((*thread, *step, writes));
            if writes {
                groups.push(BTreeSet::new());
            }
        }
    }
    for groups in key.values_mut() {
        groups.retain(|g| !g.is_empty());
    }
    key
}

impl RefState {
    fn new(program: &Program) -> Self {
        let mut threads: Vec<RefThread> = program
            .iter()
            .map(|ops| RefThread {
                ops: ops.clone(),
                pc: 0,
                phase: 0,
                started: false,
                child: None,
                observed: Vec::new(),
                notified: false,
            })
            .collect();
        // One child per fork, not started until its parent spawns it.
        for t in 0..threads.len() {
            for op in threads[t].ops.clone() {
                if let Op::Fork(a) = op {
                    threads.push(RefThread {
                        ops: vec![Op::Add(a)],
                        pc: 0,
                        phase: 0,
                        started: false,
                        child: None,
                        observed: Vec::new(),
                        notified: false,
                    });
                }
            }
        }
        // Children in fork order; a parent finds its current one by counting (`child_of`).
        let forks = program
            .iter()
            .flatten()
            .filter(|op| matches!(op, Op::Fork(_)));
        debug_assert_eq!(program.len() + forks.count(), threads.len());
        let steps = vec![0; threads.len() + 1];
        RefState {
            atomics: [0, 0],
            counter: 0,
            flags: [false, false],
            m0: None,
            m1: None,
            waiters: [Vec::new(), Vec::new()],
            threads,
            trace: Vec::new(),
            steps,
            spawned: 0,
            fault_budget: FAULT_BUDGET,
        }
    }

    /// The main thread spawns the next top-level thread, if any is left.
    fn spawn_next(&self, program_len: usize) -> Option<RefState> {
        if self.spawned == program_len {
            return None;
        }
        let mut next = self.clone();
        next.threads[next.spawned].started = true;
        next.spawned += 1;
        let step = next.steps.len() - 1;
        next.steps[step] += 1;
        next.trace
            .push((MAIN, next.steps[step], vec![(key::SPAWN, true)]));
        Some(next)
    }

    /// The child thread of thread `t`'s `f`-th fork.
    fn child_of(&self, program_len: usize, t: usize, f: usize) -> usize {
        let before: usize = self.threads[..program_len]
            .iter()
            .take(t)
            .map(|th| th.ops.iter().filter(|o| matches!(o, Op::Fork(_))).count())
            .sum();
        program_len + before + f
    }

    fn finished(&self, t: usize) -> bool {
        self.threads[t].pc >= self.threads[t].ops.len()
    }

    /// The successor states of `thread` taking its next step (several for a notify_one with
    /// several waiters); empty when it cannot move.
    fn moves(&self, thread: usize, program_len: usize) -> Vec<RefState> {
        let th = &self.threads[thread];
        if !th.started || self.finished(thread) {
            return Vec::new();
        }
        let op = th.ops[th.pc];
        let mut next = self.clone();
        let mut accesses: Vec<Acc> = Vec::new();
        let advance = |s: &mut RefState| {
            s.threads[thread].pc += 1;
            s.threads[thread].phase = 0;
        };
        match (op, th.phase) {
            (Op::Load(a), _) => {
                next.threads[thread].observed.push(next.atomics[a]);
                accesses.push((key::atomic(a), false));
                advance(&mut next);
            }
            (Op::Store(a, v), _) => {
                next.atomics[a] = v;
                accesses.push((key::atomic(a), true));
                advance(&mut next);
            }
            (Op::Add(a), _) => {
                next.threads[thread].observed.push(next.atomics[a]);
                next.atomics[a] += 1;
                accesses.push((key::atomic(a), true));
                advance(&mut next);
            }
            (Op::Locked(_), 0) => {
                if next.m0.is_some() {
                    return Vec::new();
                }
                next.m0 = Some(thread);
                accesses.push((key::M0, true));
                next.threads[thread].phase = 1;
            }
            (Op::TryLocked(_), 0) => {
                if next.m0.is_some() {
                    next.threads[thread].observed.push(0);
                    accesses.push((key::M0, false));
                    advance(&mut next);
                } else {
                    next.threads[thread].observed.push(1);
                    next.m0 = Some(thread);
                    accesses.push((key::M0, true));
                    next.threads[thread].phase = 1;
                }
            }
            (Op::Locked(a) | Op::TryLocked(a), 1) => {
                next.threads[thread].observed.push(next.counter);
                next.counter += next.atomics[a];
                accesses.push((key::atomic(a), false));
                next.threads[thread].phase = 2;
            }
            (Op::Locked(_) | Op::TryLocked(_), _) => {
                next.m0 = None;
                accesses.push((key::M0, true));
                advance(&mut next);
            }
            (Op::TryPeek(k), 0) => {
                if next.m1.is_some() {
                    next.threads[thread].observed.push(0);
                    accesses.push((key::M1, false));
                    advance(&mut next);
                } else {
                    let flag = usize::from(next.flags[k]);
                    next.threads[thread].observed.push(1 + flag);
                    next.m1 = Some(thread);
                    accesses.push((key::M1, true));
                    next.threads[thread].phase = 1;
                }
            }
            (Op::TryPeek(_), _) => {
                next.m1 = None;
                accesses.push((key::M1, true));
                advance(&mut next);
            }
            (Op::Await(k), 0) | (Op::Signal(k, _), 0) => {
                if next.m1.is_some() {
                    return Vec::new();
                }
                next.m1 = Some(thread);
                accesses.push((key::M1, true));
                next.threads[thread].phase = match op {
                    Op::Signal(..) => {
                        next.flags[k] = true;
                        1
                    }
                    _ if next.flags[k] => 3,
                    _ => 1,
                };
            }
            (Op::Await(k), 1) => {
                next.m1 = None;
                next.waiters[k].push(thread);
                next.threads[thread].notified = false;
                accesses.extend([(key::cv(k), true), (key::M1, true)]);
                next.threads[thread].phase = 2;
            }
            (Op::Await(_), 2) => {
                if !th.notified || next.m1.is_some() {
                    return Vec::new();
                }
                next.m1 = Some(thread);
                accesses.extend([(key::M1, true), (key::wake(thread), true)]);
                next.threads[thread].phase = 3;
            }
            (Op::Await(k), _) => {
                next.m1 = None;
                let flag = usize::from(next.flags[k]);
                next.threads[thread].observed.push(flag);
                accesses.push((key::M1, true));
                advance(&mut next);
            }
            (Op::Signal(k, all), 1) => {
                next.threads[thread].phase = 2;
                let waiters = std::mem::take(&mut next.waiters[k]);
                if all || waiters.len() <= 1 {
                    // Waking nobody only reads the condvar.
                    let mut acc = vec![(key::cv(k), !waiters.is_empty())];
                    for &w in &waiters {
                        next.threads[w].notified = true;
                        acc.push((key::wake(w), true));
                    }
                    return vec![next.with_step(thread, acc)];
                }
                // notify_one with a choice of waiter.
                return (0..waiters.len())
                    .map(|i| {
                        let mut s = next.clone();
                        let mut rest = waiters.clone();
                        let w = rest.remove(i);
                        s.waiters[k] = rest;
                        s.threads[w].notified = true;
                        s.with_step(thread, vec![(key::cv(k), true), (key::wake(w), true)])
                    })
                    .collect();
            }
            (Op::Signal(..), _) => {
                next.m1 = None;
                accesses.push((key::M1, true));
                advance(&mut next);
            }
            (Op::Fault(_), 0) => {
                let mut quiet = next.clone();
                quiet.threads[thread].observed.push(0);
                advance(&mut quiet);
                let quiet = quiet.with_step(thread, vec![(key::FAULTS, true)]);
                if next.fault_budget == 0 {
                    return vec![quiet];
                }
                next.fault_budget -= 1;
                next.threads[thread].observed.push(1);
                next.threads[thread].phase = 1;
                let fired = next.with_step(thread, vec![(key::FAULTS, true), (key::FIRED, false)]);
                return vec![quiet, fired];
            }
            (Op::Fault(a), _) => {
                next.threads[thread].observed.push(next.atomics[a]);
                next.atomics[a] += 1;
                accesses.push((key::atomic(a), true));
                advance(&mut next);
            }
            (Op::Fork(_), 0) => {
                let f = th.ops[..th.pc]
                    .iter()
                    .filter(|o| matches!(o, Op::Fork(_)))
                    .count();
                let child = next.child_of(program_len, thread, f);
                next.threads[child].started = true;
                next.threads[thread].child = Some(child);
                next.threads[thread].phase = 1;
                accesses.push((key::SPAWN, true));
            }
            (Op::Fork(_), _) => {
                let child = th.child.expect("spawned");
                if !self.finished(child) {
                    return Vec::new();
                }
                let value = next.threads[child].observed[0];
                next.threads[thread].observed.push(value);
                advance(&mut next);
            }
        }
        vec![next.with_step(thread, accesses)]
    }

    fn with_step(mut self, thread: usize, accesses: Vec<Acc>) -> Self {
        self.steps[thread] += 1;
        self.trace.push((thread, self.steps[thread], accesses));
        self
    }

    fn final_state(&self, program_len: usize) -> Final {
        let deadlocked = (0..self.threads.len()).any(|t| !self.finished(t));
        let observed = self.threads[..program_len]
            .iter()
            .map(|t| t.observed.clone())
            .collect();
        if deadlocked {
            (true, [0, 0], 0, [false, false], observed)
        } else {
            (false, self.atomics, self.counter, self.flags, observed)
        }
    }
}

/// Every final state and every distinct trace of `program`; `None` if it has more than
/// [`MAX_INTERLEAVINGS`] interleavings.
fn reference(program: &Program) -> Option<(BTreeSet<Final>, usize)> {
    fn go(s: RefState, n: usize, out: &mut (BTreeSet<Final>, BTreeSet<TraceKey>, usize)) -> bool {
        let mut moved = false;
        if let Some(next) = s.spawn_next(n) {
            moved = true;
            if !go(next, n, out) {
                return false;
            }
        }
        for t in 0..s.threads.len() {
            for next in s.moves(t, n) {
                moved = true;
                if !go(next, n, out) {
                    return false;
                }
            }
        }
        if !moved {
            out.0.insert(s.final_state(n));
            out.1.insert(trace_key(&s.trace));
            out.2 += 1;
        }
        out.2 <= MAX_INTERLEAVINGS
    }
    let mut out = (BTreeSet::new(), BTreeSet::new(), 0);
    let complete = go(RefState::new(program), program.len(), &mut out);
    complete.then_some((out.0, out.1.len()))
}

// ----- The program on the simulator ---------------------------------------------------------

struct Shared {
    atomics: [AtomicUsize<Sim>; 2],
    counter: Mutex<usize, Sim>,
    monitor: Mutex<[bool; 2], Sim>,
    cv: [Condvar<Sim>; 2],
}

/// What an execution leaves for the harness (outside the simulation, in std types).
#[derive(Default)]
struct Log {
    observed: Vec<Vec<usize>>,
    finished: Option<Final>,
}

type LogCell = std::sync::Arc<std::sync::Mutex<Log>>;

fn run_op(shared: &Shared, op: Op, me: usize, log: &LogCell) {
    let observe = |v: usize| log.lock().unwrap().observed[me].push(v);
    match op {
        Op::Load(a) => observe(shared.atomics[a].load(Ordering::SeqCst)),
        Op::Store(a, v) => shared.atomics[a].store(v, Ordering::SeqCst),
        Op::Add(a) => observe(shared.atomics[a].fetch_add(1, Ordering::SeqCst)),
        Op::Locked(a) => {
            let mut c = shared.counter.lock();
            observe(*c);
            *c += shared.atomics[a].load(Ordering::SeqCst);
        }
        Op::TryLocked(a) => match shared.counter.try_lock() {
            Some(mut c) => {
                observe(1);
                observe(*c);
                *c += shared.atomics[a].load(Ordering::SeqCst);
            }
            None => observe(0),
        },
        Op::Await(k) => {
            let mut g = shared.monitor.lock();
            if !g[k] {
                g = shared.cv[k].wait(g);
            }
            observe(usize::from(g[k]));
        }
        Op::Signal(k, all) => {
            let mut g = shared.monitor.lock();
            g[k] = true;
            if all {
                shared.cv[k].notify_all();
            } else {
                shared.cv[k].notify_one();
            }
            drop(g);
        }
        Op::TryPeek(k) => match shared.monitor.try_lock() {
            Some(g) => observe(1 + usize::from(g[k])),
            None => observe(0),
        },
        Op::Fault(a) => {
            let fired = crate::fault::fault("dpor_check");
            observe(usize::from(fired));
            if fired {
                observe(shared.atomics[a].fetch_add(1, Ordering::SeqCst));
            }
        }
        Op::Fork(_) => unreachable!("handled by the caller"),
    }
}

fn thread_body(shared: Arc<Shared, Sim>, ops: Vec<Op>, me: usize, log: LogCell) {
    for op in ops {
        if let Op::Fork(a) = op {
            let child_shared = shared.clone();
            let child = thread::spawn::<Sim, _, _>(move || {
                child_shared.atomics[a].fetch_add(1, Ordering::SeqCst)
            });
            let value = child.join().unwrap();
            log.lock().unwrap().observed[me].push(value);
        } else {
            run_op(&shared, op, me, &log);
        }
    }
}

fn model(program: Program, log: LogCell) -> impl Fn() + Send + Sync + 'static {
    move || {
        *log.lock().unwrap() = Log {
            observed: vec![Vec::new(); program.len()],
            finished: None,
        };
        let shared: Arc<Shared, Sim> = Arc::new(Shared {
            atomics: [AtomicUsize::new(0), AtomicUsize::new(0)],
            counter: Mutex::new(0),
            monitor: Mutex::new([false, false]),
            cv: [Condvar::new(), Condvar::new()],
        });
        let handles: Vec<_> = program
            .iter()
            .cloned()
            .enumerate()
            .map(|(me, ops)| {
                let (shared, log) = (shared.clone(), log.clone());
                thread::spawn::<Sim, _, _>(move || thread_body(shared, ops, me, log))
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        let atomics = [
            shared.atomics[0].load(Ordering::SeqCst),
            shared.atomics[1].load(Ordering::SeqCst),
        ];
        let counter = *shared.counter.lock();
        let flags = *shared.monitor.lock();
        let mut log = log.lock().unwrap();
        let observed = log.observed.clone();
        log.finished = Some((false, atomics, counter, flags, observed));
    }
}

/// What a strategy explored: final states, executions, redundant and blocked ones.
struct Explored {
    states: BTreeSet<Final>,
    executions: usize,
    redundant: usize,
    blocked: usize,
}

fn explore(program: &Program, scheduler: &mut dyn Scheduler) -> Explored {
    let log: LogCell = std::sync::Arc::default();
    let mut config = Config::new(Strategy::Dfs {
        preemption_bound: None,
        max_executions: None,
    });
    config.fault_budget = FAULT_BUDGET;
    let session = Session::for_test(
        &config,
        std::sync::Arc::new(model(program.clone(), log.clone())),
    );
    let mut out = Explored {
        states: BTreeSet::new(),
        executions: 0,
        redundant: 0,
        blocked: 0,
    };
    while scheduler.next_execution() {
        let result = session.execute(scheduler);
        out.executions += 1;
        let log = log.lock().unwrap();
        match result.outcome {
            Outcome::Ok { .. } => {
                out.states
                    .insert(log.finished.clone().expect("main finished"));
            }
            Outcome::Deadlock { .. } => {
                let observed = log.observed.clone();
                out.states
                    .insert((true, [0, 0], 0, [false, false], observed));
            }
            Outcome::Pruned => out.blocked += 1,
            other => panic!("{other:?} on {program:?}"),
        }
    }
    assert!(scheduler.exhausted(), "{program:?}");
    out.redundant = scheduler.redundant();
    out
}

fn cases() -> usize {
    std::env::var("LOCKSTEP_DPOR_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(CASES)
}

#[test]
fn optimal_dfs_runs_one_execution_per_trace_and_loses_no_state() {
    let mut rng = Rng::new(0x5eed_0001);
    let (mut checked, mut skipped, mut traces_total, mut blocked_total) = (0, 0, 0, 0);
    while checked < cases() {
        let program = random_program(&mut rng);
        let Some((states, traces)) = reference(&program) else {
            skipped += 1;
            continue;
        };
        // With fault points (a fault budget) a step with two outcomes is explored with both
        // wherever it runs, which can run sleep-set-blocked executions (see `optimal`'s module
        // docs, Outcomes); every trace is still explored exactly once. (Exploring only the
        // outcomes a wakeup sequence asked for lost traces: cases 1,695 and 9,595, pinned by
        // `wakeup_trees_with_fault_outcomes_lose_no_trace` and
        // `wakeup_trees_with_two_faults_after_a_try_lock_lose_no_trace`.)
        // A run with a fault budget searches the source-DPOR way (see
        // `Optimal::with_fault_budget`); without one, with wakeup trees.
        let faults = program
            .iter()
            .flatten()
            .any(|op| matches!(op, Op::Fault(_)));
        let budget = if faults { FAULT_BUDGET } else { 0 };
        let got = explore(
            &program,
            &mut Optimal::new(None, None).with_fault_budget(budget),
        );
        assert_eq!(
            got.states, states,
            "case {checked}: final states differ on {program:?}"
        );
        // (Source-DPOR runs blocked executions: 2,649 over the 58,519 traces of 10,000
        // programs, 7 for one program's 5; the wakeup trees ran at most one per trace, but
        // lost states where a fault's outcomes touch different objects.)
        let allowed_blocked = if faults { 2 * traces } else { 0 };
        assert!(
            got.executions - got.blocked == traces
                && got.redundant == 0
                && got.blocked <= allowed_blocked,
            "case {checked}: executions {}, redundant {}, blocked {} vs {traces} traces on {program:?}",
            got.executions,
            got.redundant,
            got.blocked
        );
        blocked_total += got.blocked;
        checked += 1;
        traces_total += traces;
    }
    eprintln!(
        "{checked} programs ({traces_total} traces) agree; {skipped} too big, skipped; \
         {blocked_total} blocked executions (programs with faults)"
    );
}

/// The optimal search on a small `program` reaches the reference's final states and runs each
/// of its traces once (blocked executions aside, which are counted); returns what it explored.
fn assert_each_trace_once(program: &Program) -> Explored {
    let (states, traces) = reference(program).expect("small");
    let got = explore(program, &mut Optimal::new(None, None));
    assert_eq!(got.states, states, "{program:?}");
    assert_eq!(
        (got.executions - got.blocked, got.redundant),
        (traces, 0),
        "{program:?}"
    );
    got
}

#[test]
fn wakeup_trees_with_fault_outcomes_lose_no_trace() {
    // Thread 2's fault must also run after thread 3's where thread 1's try_lock fails inside
    // thread 3's critical section. A wakeup sequence that commuted with 2's guided fault got
    // a branch of its own; once both outcomes were explored they merged into one sleeper for
    // the whole step, which covered that branch's races: 24 executions for the 30 traces.
    use Op::*;
    let program = vec![
        vec![TryLocked(1), Store(1, 2)],
        vec![Fault(0)],
        vec![Locked(1), Fault(0)],
    ];
    assert_each_trace_once(&program);
}

#[test]
fn wakeup_trees_with_two_faults_after_a_try_lock_lose_no_trace() {
    // Case 9,595 of 10,000 of the random check in wakeup-tree mode: 27 executions for the 30
    // traces. Missing were three schedules where thread 3 stores before thread 1 loads: thread
    // 4's try_lock first, then its faults both quiet or its first firing; or its try_lock
    // failing inside thread 2's critical section, then both faults quiet. Races of the write
    // that follows thread 4's second fault when it fires brought wakeup sequences that guided
    // its first fault to "quiet" and its second to "fires", and a guided step explored only
    // the outcomes its sequences asked for — but no race asks for an outcome that never ran
    // (it races with nothing). So in those branches the first fault never fired and the second
    // never stayed quiet; and where the try_lock failed, the branch still left a sleeper for
    // the first fault quiet, which kept thread 4 from running it quiet in the sibling branch
    // where thread 3 stores first. Every outcome is now explored wherever a step runs.
    use Op::*;
    let program = vec![
        vec![Load(1)],
        vec![Signal(1, true)],
        vec![Store(1, 2)],
        vec![TryPeek(0), Fault(0), Fault(1)],
    ];
    assert_each_trace_once(&program);
}

#[test]
fn bounded_dfs_with_a_bound_it_never_reaches_loses_no_state() {
    let mut rng = Rng::new(0x5eed_0002);
    let mut checked = 0;
    while checked < cases() / 20 {
        let program = random_program(&mut rng);
        let Some((states, _)) = reference(&program) else {
            continue;
        };
        let got = explore(&program, &mut Dfs::new(Some(12), None, None));
        assert_eq!(got.states, states, "case {checked}: {program:?}");
        checked += 1;
    }
}

/// The bounded search reaches every final state that enumerating every interleaving within
/// `bound` reaches (on the same simulator, so "preemption" means the same thing on both sides);
/// returns the executions of both.
fn assert_bounded_reaches_every_state(
    program: &Program,
    bound: usize,
    case: usize,
) -> (usize, usize) {
    let want = explore(program, &mut Dfs::enumerating(Some(bound)));
    let got = explore(program, &mut Dfs::new(Some(bound), None, None));
    assert_eq!(
        got.states, want.states,
        "case {case}, bound {bound}: {program:?}"
    );
    (got.executions, want.executions)
}

#[test]
fn bounded_dfs_reaches_every_state_within_its_bound() {
    // A third of the programs are monitors, where a `notify_one` choosing among several
    // waiters spends the bound too, a third `try_lock` a monitor's mutex.
    let mut rng = Rng::new(0x5eed_0006);
    let (mut checked, mut reduced, mut enumerated) = (0, 0, 0);
    while checked < cases() / 4 {
        let program = match checked % 3 {
            0 => random_program(&mut rng),
            1 => random_monitor_program(&mut rng),
            _ => random_try_monitor_program(&mut rng),
        };
        if reference(&program).is_none() {
            continue;
        }
        for bound in 0..=2 {
            let (got, want) = assert_bounded_reaches_every_state(&program, bound, checked);
            reduced += got;
            enumerated += want;
        }
        checked += 1;
    }
    eprintln!(
        "{checked} programs at bounds 0, 1, 2: {reduced} executions reduced, {enumerated} \
         enumerated; same states"
    );
}

#[test]
fn a_try_lock_races_with_the_release_of_a_condvar_wait() {
    // A wait's step releases the monitor's mutex, which its operation does not name: unless
    // the bounded search finds that release's races when the wait has run, a `try_lock` that
    // found the mutex held before the wait is never tried after it (a state reachable with 2
    // preemptions was lost).
    use Op::*;
    let program = vec![
        vec![TryPeek(0), TryPeek(0)],
        vec![TryPeek(0), TryPeek(0)],
        vec![Await(0)],
    ];
    assert_bounded_reaches_every_state(&program, 2, 0);
}

#[test]
fn the_case_sleep_sets_lost_once_is_covered() {
    // Found when a first sleep-set attempt was on: T2 must load before T0 stores, and T1 must
    // load after it.
    use Op::*;
    let program = vec![vec![Store(1, 2)], vec![Locked(1)], vec![Load(1)]];
    assert_eq!(assert_each_trace_once(&program).blocked, 0);
}

#[test]
fn objects_keep_their_names_across_executions() {
    // Ids of lazily registered objects once depended on which thread touched them first, so
    // sleep sets compared accesses to different objects: 2 blocked executions here.
    use Op::*;
    let program = vec![
        vec![Store(0, 2)],
        vec![Signal(1, true)],
        vec![Add(1), Fork(0)],
        vec![Signal(0, true)],
    ];
    assert_eq!(assert_each_trace_once(&program).blocked, 0);
}

/// The program as a model that records each execution's final state in `sink` itself (a
/// parallel search runs executions on several OS threads at once).
fn recording_model(
    program: Program,
    sink: std::sync::Arc<std::sync::Mutex<BTreeSet<Final>>>,
) -> impl Fn() + Send + Sync + 'static {
    move || {
        let log: LogCell = std::sync::Arc::default();
        model(program.clone(), log.clone())();
        let finished = log.lock().unwrap().finished.clone().expect("main finished");
        sink.lock().unwrap().insert(finished);
    }
}

#[test]
fn a_split_search_explores_what_the_serial_search_explores_on_any_number_of_threads() {
    let mut rng = Rng::new(0x5eed_0005);
    let mut checked = 0;
    while checked < cases() / 4 {
        let program = random_program(&mut rng);
        let Some((states, traces)) = reference(&program) else {
            continue;
        };
        if states.iter().any(|s| s.0) {
            continue; // a deadlock ends a run: keep to programs that always finish
        }
        // The serial source-DPOR search, never split: what every split search must explore.
        let serial = explore(&program, &mut Optimal::splittable());
        for threads in [1, 2, 3] {
            let sink: std::sync::Arc<std::sync::Mutex<BTreeSet<Final>>> = std::sync::Arc::default();
            let mut config = Config::new(Strategy::Dfs {
                preemption_bound: None,
                max_executions: None,
            });
            config.threads = Some(threads);
            config.fault_budget = FAULT_BUDGET;
            let model = recording_model(program.clone(), std::sync::Arc::clone(&sink));
            let session = Session::for_test(&config, std::sync::Arc::new(model));
            let report = session.run(|_| Ok(())).expect("no failure");
            let got = sink.lock().unwrap().clone();
            assert_eq!(
                got, states,
                "case {checked}, {threads} threads: {program:?}"
            );
            assert!(report.exhausted, "{report:?} on {program:?}");
            // Every trace explored, by exactly the serial search's executions (this crate's
            // tests split after every execution).
            assert_eq!(
                report.executions - report.blocked - report.redundant,
                traces,
                "{report:?} on {program:?}"
            );
            assert_eq!(
                (report.executions, report.blocked, report.redundant),
                (serial.executions, serial.blocked, serial.redundant),
                "case {checked}, {threads} threads: {program:?}"
            );
        }
        checked += 1;
    }
}
