//! lockstep-sim against shuttle and loom, side by side in one run, on the same three programs,
//! each written once against the facade (generic over `R: Runtime`):
//!
//! 1. `increments`: 3 threads × 2 locked increments of one counter (asserts the count);
//! 2. `producer_consumer`: a producer thread sends 3 values through a bounded channel of
//!    capacity 1 to the main thread (asserts the order);
//! 3. `lost_wakeup`: 3 workers take turns 0, 1, 2 through one `Mutex` + `Condvar` and announce
//!    the next turn with `notify_one` — buggy: a wakeup can reach the wrong waiter and be lost,
//!    and everyone blocks.
//!
//! Measured, all in this process (plus two child processes, below):
//! - schedules per second of random and PCT (depth 3) on programs 1 and 2, lockstep-sim vs
//!   shuttle (through `lockstep::check::shuttle`), the same number of schedules, medians of 5
//!   interleaved rounds (A B, B A, A B, ...) and the ratio of the medians;
//! - exhaustive verification of program 1: lockstep-sim DFS vs loom, unbounded (and with a
//!   preemption bound of 2 for reference);
//! - schedules to find the lost wakeup: PCT and random medians over 501 seeds for both (51
//!   seeds left the two PCT medians within noise of each other), and the executions
//!   lockstep-sim DFS and loom need in their default orders (unbounded, and bound 2).
//!
//! Loom aborts the process on a deadlock, so its lost-wakeup check runs in a child process (this
//! binary again, with a hidden argument) through `lockstep::check::loom::try_check_in_child`.
//! Shuttle prints its schedule to stderr on every failure, so its lost-wakeup hunt runs in a
//! child too, whose stderr is dropped; it reports one line per seed on stdout.
//!
//! `cargo bench -p lockstep-sim --bench compare [-- --json]`: a table, or one JSON object per line.

use lockstep::check::{loom, shuttle};
use lockstep::sync::{channel, thread, Arc, Condvar, Loom, Mutex, Runtime, Shuttle};
use lockstep_sim::{Builder, FailureKind, Sim};
use std::hint::black_box;
use std::process::{Command, ExitCode};
use std::time::Instant;

// ---------------------------------------------------------------------------------------------
// The programs, written once.

/// Threads of `increments`.
const INC_THREADS: usize = 3;
/// Locked increments per thread.
const INC_EACH: u32 = 2;
/// Values sent through the channel.
const VALUES: u32 = 3;
/// Workers taking turns in `lost_wakeup` (one turn each).
const WORKERS: usize = 3;

fn join<T: Send + 'static, R: Runtime>(handle: thread::JoinHandle<T, R>) -> T {
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// Program 1: 3 threads × 2 locked increments.
fn increments<R: Runtime>() {
    let n: Arc<Mutex<u32, R>, R> = Arc::new(Mutex::new(0));
    let threads: Vec<_> = (0..INC_THREADS)
        .map(|_| {
            let n = n.clone();
            thread::spawn::<R, _, _>(move || {
                for _ in 0..INC_EACH {
                    *n.lock() += 1;
                }
            })
        })
        .collect();
    for t in threads {
        join(t);
    }
    assert_eq!(black_box(*n.lock()), INC_THREADS as u32 * INC_EACH);
}

/// Program 2: a producer sends 3 values through a bounded channel of capacity 1.
fn producer_consumer<R: Runtime>() {
    let (tx, rx) = channel::bounded::<u32, R>(1);
    let producer = thread::spawn::<R, _, _>(move || {
        for v in 0..VALUES {
            tx.send(v).expect("the receiver is alive");
        }
    });
    let mut got = [0; VALUES as usize];
    for slot in &mut got {
        *slot = black_box(rx.recv().expect("the sender is alive"));
    }
    join(producer);
    assert_eq!(got, [0, 1, 2]);
}

/// Program 3: workers take turns 0, 1, 2; each announces the next turn with `notify_one` (the
/// lost-wakeup bug: with two waiters the wakeup may reach the one whose turn it is not).
fn lost_wakeup<R: Runtime>() {
    let turn: Arc<(Mutex<usize, R>, Condvar<R>), R> = Arc::new((Mutex::new(0), Condvar::new()));
    let workers: Vec<_> = (0..WORKERS)
        .map(|me| {
            let turn = turn.clone();
            thread::spawn::<R, _, _>(move || {
                let (lock, changed) = &*turn;
                let mut next = changed.wait_while(lock.lock(), |next| *next != me);
                *next += 1;
                drop(next);
                changed.notify_one();
            })
        })
        .collect();
    for w in workers {
        join(w);
    }
    assert_eq!(*turn.0.lock(), WORKERS);
}

/// Program 4: 3 threads each lock their own mutex 3 times (one behaviour).
fn private_mutexes<R: Runtime>() {
    let threads: Vec<_> = (0..INC_THREADS)
        .map(|_| {
            thread::spawn::<R, _, _>(|| {
                let mine: Mutex<u32, R> = Mutex::new(0);
                for _ in 0..3 {
                    *mine.lock() += 1;
                }
            })
        })
        .collect();
    for t in threads {
        join(t);
    }
}

/// Program 5: a bounded queue of capacity 1 on a mutex and two condvars; the main thread
/// produces 3 items and closes it (`notify_all`), two consumers take them.
fn bounded_queue<R: Runtime>() {
    type Queue<R> = (Mutex<(Vec<u32>, bool), R>, Condvar<R>, Condvar<R>);
    let q: Arc<Queue<R>, R> = Arc::new((
        Mutex::new((Vec::new(), false)),
        Condvar::new(),
        Condvar::new(),
    ));
    let consumers: Vec<_> = (0..2)
        .map(|_| {
            let q = q.clone();
            thread::spawn::<R, _, _>(move || {
                let mut got = 0;
                loop {
                    let mut s = q.0.lock();
                    while s.0.is_empty() && !s.1 {
                        s = q.1.wait(s);
                    }
                    if s.0.pop().is_none() {
                        return got;
                    }
                    got += 1;
                    drop(s);
                    q.2.notify_one();
                }
            })
        })
        .collect();
    for v in 0..VALUES {
        let mut s = q.0.lock();
        while !s.0.is_empty() {
            s = q.2.wait(s);
        }
        s.0.push(v);
        drop(s);
        q.1.notify_one();
    }
    q.0.lock().1 = true;
    q.1.notify_all();
    let total: u32 = consumers.into_iter().map(join).sum();
    assert_eq!(total, VALUES);
}

/// A program by name, on one backend.
type Program = fn();

/// A passing program on lockstep-sim and on loom, for exhaustive verification.
struct Verified {
    name: &'static str,
    sim: Program,
    loom: Program,
}

const VERIFIED: [Verified; 4] = [
    Verified {
        name: "increments",
        sim: increments::<Sim>,
        loom: increments::<Loom>,
    },
    Verified {
        name: "private_mutexes",
        sim: private_mutexes::<Sim>,
        loom: private_mutexes::<Loom>,
    },
    Verified {
        name: "producer_consumer",
        sim: producer_consumer::<Sim>,
        loom: producer_consumer::<Loom>,
    },
    Verified {
        name: "bounded_queue",
        sim: bounded_queue::<Sim>,
        loom: bounded_queue::<Loom>,
    },
];

/// Preemption bounds of the verification rows (`None`: unbounded).
const BOUNDS: [Option<usize>; 3] = [Some(2), Some(3), None];
/// Loom gives up after this many executions (its unbounded search of the queue is too big).
const LOOM_CAP: usize = 2_000_000;

struct Programs {
    name: &'static str,
    sim: Program,
    shuttle: Program,
}

const THROUGHPUT_PROGRAMS: [Programs; 2] = [
    Programs {
        name: "increments",
        sim: increments::<Sim>,
        shuttle: increments::<Shuttle>,
    },
    Programs {
        name: "producer_consumer",
        sim: producer_consumer::<Sim>,
        shuttle: producer_consumer::<Shuttle>,
    },
];

// ---------------------------------------------------------------------------------------------
// Settings.

/// Schedules per throughput measurement.
const SCHEDULES: usize = 20_000;
/// Interleaved rounds per throughput measurement.
const ROUNDS: usize = 5;
/// PCT depth everywhere.
const DEPTH: usize = 3;
/// Seeds of the bug hunt.
const SEEDS: u64 = 501;
/// Most schedules per seed before a hunt gives up.
const HUNT_CAP: usize = 10_000;
/// Seed of the throughput runs.
const THROUGHPUT_SEED: u64 = 1;
/// DFS repetitions (its time is the median).
const DFS_RUNS: usize = 5;
/// The preemption bound of the bounded DFS rows (loom's usual CI bound).
const BOUND: usize = 2;

/// Hidden argument `--child-loom-lost-wakeup=<bound|none>`: run loom's lost-wakeup check (in
/// the child `try_check_in_child` starts).
const CHILD_LOOM: &str = "--child-loom-lost-wakeup";
/// Hidden argument: run shuttle's lost-wakeup hunt and print one line per seed.
const CHILD_SHUTTLE: &str = "--child-shuttle-hunt";
/// The child's result line prefix.
const HUNT_MARKER: &str = "hunt ";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Sched {
    Random,
    Pct,
}

impl Sched {
    fn name(self) -> &'static str {
        match self {
            Sched::Random => "random",
            Sched::Pct => "pct",
        }
    }

    fn sim(self, iterations: usize) -> Builder {
        match self {
            Sched::Random => Builder::random(iterations),
            Sched::Pct => Builder::pct(iterations, DEPTH),
        }
    }

    fn shuttle(self, iterations: usize) -> shuttle::Strategy {
        match self {
            Sched::Random => shuttle::Strategy::Random { iterations },
            Sched::Pct => shuttle::Strategy::Pct {
                iterations,
                depth: DEPTH,
            },
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Measurements.

/// Seconds `f` took, and its result.
fn timed<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let start = Instant::now();
    let out = black_box(f());
    (out, start.elapsed().as_secs_f64())
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// Schedules per second of one run of `sched` on the simulator.
fn sim_rate(sched: Sched, program: Program) -> f64 {
    let (report, secs) = timed(|| {
        sched
            .sim(SCHEDULES)
            .seed(THROUGHPUT_SEED)
            .run(program)
            .map_err(Box::new)
    });
    let report = report.unwrap_or_else(|f| panic!("lockstep-sim failed a passing program: {f}"));
    assert_eq!(report.executions, SCHEDULES);
    SCHEDULES as f64 / secs
}

/// Schedules per second of one run of `sched` under shuttle.
fn shuttle_rate(sched: Sched, program: Program) -> f64 {
    let config = shuttle::Config::default().seed(THROUGHPUT_SEED);
    let (report, secs) = timed(|| shuttle::try_check(&config, sched.shuttle(SCHEDULES), program));
    let report = report.unwrap_or_else(|f| panic!("shuttle failed a passing program: {f}"));
    assert_eq!(report.executions, SCHEDULES);
    SCHEDULES as f64 / secs
}

struct Throughput {
    program: &'static str,
    sched: Sched,
    sim: f64,
    shuttle: f64,
}

impl Throughput {
    fn ratio(&self) -> f64 {
        self.sim / self.shuttle
    }
}

fn throughput(programs: &Programs, sched: Sched) -> Throughput {
    let (mut sim, mut shut) = (Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        if round % 2 == 0 {
            sim.push(sim_rate(sched, programs.sim));
            shut.push(shuttle_rate(sched, programs.shuttle));
        } else {
            shut.push(shuttle_rate(sched, programs.shuttle));
            sim.push(sim_rate(sched, programs.sim));
        }
    }
    Throughput {
        program: programs.name,
        sched,
        sim: median(&mut sim),
        shuttle: median(&mut shut),
    }
}

/// One exhaustive (DFS) search: to verify a passing program, or until it finds a bug.
#[derive(Clone)]
struct Search {
    checker: &'static str,
    /// Preemption bound (`None`: unbounded).
    bound: Option<usize>,
    /// Executions run (for a buggy program: up to and including the failing one).
    executions: Result<usize, String>,
    /// Whether lockstep-sim reported the space covered (a passing program only).
    exhausted: Option<bool>,
    /// Wall seconds (lockstep-sim: median of [`DFS_RUNS`] runs; loom: one run).
    seconds: f64,
    /// lockstep-sim verifying: the distinct behaviours (Mazurkiewicz traces) among the
    /// executions — executions neither blocked nor redundant. `None` where not counted.
    traces: Option<usize>,
}

fn bound_text(bound: Option<usize>) -> String {
    bound.map_or_else(|| "none".to_owned(), |b| b.to_string())
}

fn loom_config(bound: Option<usize>) -> loom::Config {
    let mut config = loom::Config::default();
    config.preemption_bound = bound;
    config
}

/// lockstep-sim DFS verifying `program` within `bound` (on `threads` OS threads, if set).
fn sim_verify(program: &Verified, bound: Option<usize>, threads: Option<usize>) -> Search {
    sim_verify_interleaved(program, bound, &[threads]).remove(0)
}

/// The unbounded search on the serial, 1-thread split and 2-thread split settings, their
/// runs interleaved (serial, split 1, split 2, serial, ...) so that a noisy machine slows all
/// three alike: the speed-up of the parallel search is a ratio of medians from one loop.
fn parallel_rows(program: &Verified) -> Vec<Search> {
    let mut rows = sim_verify_interleaved(program, None, &[None, Some(1), Some(2)]);
    rows[0].checker = "sim-serial";
    rows
}

/// [`DFS_RUNS`] runs of the search with each of `settings` (a thread count, or serial), in
/// turn; one row per setting with the median time.
fn sim_verify_interleaved(
    program: &Verified,
    bound: Option<usize>,
    settings: &[Option<usize>],
) -> Vec<Search> {
    let mut seconds = vec![Vec::new(); settings.len()];
    let mut last = vec![None; settings.len()];
    for _ in 0..DFS_RUNS {
        for (k, threads) in settings.iter().enumerate() {
            let builder = Builder::dfs(bound);
            let builder = match threads {
                Some(n) => builder.threads(*n),
                None => builder,
            };
            let (report, secs) = timed(|| builder.run(program.sim).map_err(Box::new));
            let report =
                report.unwrap_or_else(|f| panic!("lockstep-sim failed {}: {f}", program.name));
            seconds[k].push(secs);
            last[k] = Some(report);
        }
    }
    settings
        .iter()
        .zip(seconds.iter_mut().zip(last))
        .map(|(threads, (seconds, report))| {
            let report = report.expect("at least one DFS run");
            Search {
                checker: match threads {
                    Some(1) => "sim-split-1",
                    Some(_) => "sim-split-2",
                    None => "lockstep-sim",
                },
                bound,
                executions: Ok(report.executions),
                exhausted: Some(report.exhausted),
                seconds: median(seconds),
                traces: Some(report.executions - report.blocked - report.redundant),
            }
        })
        .collect()
}

/// Loom verifying `program` within `bound` (in this process: it passes), at most
/// [`LOOM_CAP`] executions.
fn loom_verify(program: &Verified, bound: Option<usize>) -> Search {
    let mut config = loom_config(bound).containment(loom::Containment::InProcess);
    config.max_permutations = Some(LOOM_CAP);
    let (report, seconds) = timed(|| loom::try_check(&config, program.loom));
    Search {
        checker: "loom",
        bound,
        executions: report
            .map(|r| r.executions)
            .map_err(|f| format!("loom failed {}: {f}", program.name)),
        exhausted: None,
        seconds,
        traces: None,
    }
}

/// lockstep-sim DFS until it finds the lost wakeup.
fn sim_find(bound: Option<usize>) -> Search {
    let (result, seconds) = timed(|| {
        Builder::dfs(bound)
            .shrink(false)
            .run(lost_wakeup::<Sim>)
            .map_err(Box::new)
    });
    Search {
        checker: "lockstep-sim",
        bound,
        executions: match result {
            Err(f) if f.kind == FailureKind::Deadlock => Ok(f.executions),
            Err(f) => Err(format!("expected a deadlock, got {f}")),
            Ok(r) => Err(format!("not found in {} executions", r.executions)),
        },
        exhausted: None,
        seconds,
        traces: None,
    }
}

/// Loom until it finds the lost wakeup: in a child process (this binary with [`CHILD_LOOM`]),
/// since loom aborts the process on a deadlock.
fn loom_find(bound: Option<usize>) -> Search {
    let search = |executions, seconds| Search {
        checker: "loom",
        bound,
        executions,
        exhausted: None,
        seconds,
        traces: None,
    };
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => return search(Err(format!("current_exe: {e}")), 0.0),
    };
    let mut command = Command::new(exe);
    command.arg(format!("{CHILD_LOOM}={}", bound_text(bound)));
    let (result, seconds) = timed(|| loom::try_check_in_child(command));
    let executions = match result {
        Err(f) if f.kind == lockstep::check::FailureKind::Deadlock && f.executions > 0 => {
            Ok(f.executions)
        }
        Err(f) => Err(format!("unexpected loom result: {f}")),
        Ok(r) => Err(format!("loom passed after {} executions", r.executions)),
    };
    search(executions, seconds)
}

/// In the child: loom's check of the lost wakeup within `bound` (reported to the parent by
/// `loom::try_check`, which then exits this process).
fn child_loom(bound: &str) -> ExitCode {
    let bound = match bound {
        "none" => None,
        n => match n.parse() {
            Ok(n) => Some(n),
            Err(_) => {
                eprintln!("{CHILD_LOOM}: bad bound {bound:?}");
                return ExitCode::FAILURE;
            }
        },
    };
    let result = loom::try_check(&loom_config(bound), lost_wakeup::<Loom>);
    // Only reached when not started by `try_check_in_child`.
    eprintln!("{CHILD_LOOM} must be started by try_check_in_child: {result:?}");
    ExitCode::FAILURE
}

/// Schedules each seed needed to find the lost wakeup (`None`: not within [`HUNT_CAP`]).
#[derive(Default)]
struct Hunt {
    found: Vec<usize>,
    not_found: usize,
}

impl Hunt {
    fn record(&mut self, executions: Option<usize>) {
        match executions {
            Some(n) => self.found.push(n),
            None => self.not_found += 1,
        }
    }

    fn median(&self) -> Option<f64> {
        let mut found: Vec<f64> = self.found.iter().map(|&n| n as f64).collect();
        // Seeds that did not find it count as worse than every seed that did.
        found.extend(std::iter::repeat_n(f64::INFINITY, self.not_found));
        (!found.is_empty()).then(|| median(&mut found))
    }

    fn min(&self) -> Option<usize> {
        self.found.iter().copied().min()
    }

    fn max(&self) -> Option<usize> {
        self.found.iter().copied().max()
    }
}

fn sim_hunt(sched: Sched) -> Hunt {
    let mut hunt = Hunt::default();
    for seed in 0..SEEDS {
        let result = sched
            .sim(HUNT_CAP)
            .seed(seed)
            .shrink(false)
            .run(lost_wakeup::<Sim>);
        hunt.record(match result {
            Ok(_) => None,
            Err(f) if f.kind == FailureKind::Deadlock => Some(f.executions),
            Err(f) => panic!("lockstep-sim: expected a deadlock, got {f}"),
        });
    }
    hunt
}

/// In the child: shuttle's hunt, one line `hunt <strategy> <seed> <executions|none>` per seed.
fn child_shuttle_hunt() -> ExitCode {
    // Shuttle's hook prints each failure; the parent drops this child's stderr anyway.
    std::panic::set_hook(Box::new(|_| {}));
    for sched in [Sched::Pct, Sched::Random] {
        for seed in 0..SEEDS {
            let config = shuttle::Config::default().seed(seed);
            let found = match shuttle::try_check(
                &config,
                sched.shuttle(HUNT_CAP),
                lost_wakeup::<Shuttle>,
            ) {
                Ok(_) => "none".to_owned(),
                Err(f) if f.kind == lockstep::check::FailureKind::Deadlock => {
                    f.executions.to_string()
                }
                Err(f) => {
                    println!(
                        "error shuttle {}: expected a deadlock, got {f}",
                        sched.name()
                    );
                    return ExitCode::FAILURE;
                }
            };
            println!("{HUNT_MARKER}{} {seed} {found}", sched.name());
        }
    }
    ExitCode::SUCCESS
}

/// Shuttle's hunt, run in a child process: (PCT, random).
fn shuttle_hunt() -> Result<(Hunt, Hunt), String> {
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    let output = Command::new(exe)
        .arg(CHILD_SHUTTLE)
        .output()
        .map_err(|e| format!("could not start the shuttle child: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "the shuttle child failed ({}): {stdout}",
            output.status
        ));
    }
    let (mut pct, mut random) = (Hunt::default(), Hunt::default());
    for line in stdout.lines().filter_map(|l| l.strip_prefix(HUNT_MARKER)) {
        let fields: Vec<&str> = line.split(' ').collect();
        let [strategy, _seed, found] = fields[..] else {
            return Err(format!("bad line from the shuttle child: {line}"));
        };
        let hunt = if strategy == Sched::Pct.name() {
            &mut pct
        } else {
            &mut random
        };
        hunt.record(found.parse().ok());
    }
    let seen = |h: &Hunt| h.found.len() + h.not_found;
    if seen(&pct) != SEEDS as usize || seen(&random) != SEEDS as usize {
        return Err(format!(
            "the shuttle child reported too few seeds: {stdout}"
        ));
    }
    Ok((pct, random))
}

// ---------------------------------------------------------------------------------------------
// Output.

fn fmt_opt<T: std::fmt::Display>(value: Option<T>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

fn json_opt<T: std::fmt::Display>(value: Option<T>) -> String {
    value.map_or_else(|| "null".to_owned(), |v| v.to_string())
}

fn goal(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "MISSED"
    }
}

struct Results {
    throughput: Vec<Throughput>,
    /// Verifying each program of [`VERIFIED`], at each bound.
    verify: Vec<(&'static str, Search)>,
    hunts: Vec<(&'static str, Hunt)>,
    /// DFS until the lost wakeup is found, unbounded and bounded.
    find: Vec<Search>,
}

impl Results {
    fn search<'a>(rows: &'a [Search], checker: &str, bound: Option<usize>) -> Option<&'a Search> {
        rows.iter()
            .find(|s| s.checker == checker && s.bound == bound)
    }

    fn executions(rows: &[Search], checker: &str, bound: Option<usize>) -> Option<usize> {
        Self::search(rows, checker, bound).and_then(|s| s.executions.as_ref().ok().copied())
    }

    fn hunt_median(&self, checker: &str) -> Option<f64> {
        self.hunts
            .iter()
            .find(|(c, _)| *c == checker)
            .and_then(|(_, h)| h.median())
    }
}

fn search_json(bench: &str, program: &str, s: &Search) -> String {
    let executions = match &s.executions {
        Ok(n) => n.to_string(),
        Err(why) => format!("null,\"error\":{why:?}"),
    };
    format!(
        "{{\"bench\":\"{bench}\",\"program\":\"{program}\",\"checker\":\"{}\",\
         \"preemption_bound\":{},\"executions\":{executions},\"exhausted\":{},\"seconds\":{:.4}{}}}",
        s.checker,
        json_opt(s.bound),
        json_opt(s.exhausted),
        s.seconds,
        // Appended last, where counted: the keys before it keep their order.
        s.traces
            .map(|t| format!(",\"traces\":{t}"))
            .unwrap_or_default()
    )
}

fn print_json(r: &Results) {
    for t in &r.throughput {
        println!(
            "{{\"bench\":\"throughput\",\"program\":\"{}\",\"strategy\":\"{}\",\
             \"schedules\":{SCHEDULES},\"rounds\":{ROUNDS},\"sim_per_s\":{:.0},\
             \"shuttle_per_s\":{:.0},\"ratio\":{:.3}}}",
            t.program,
            t.sched.name(),
            t.sim,
            t.shuttle,
            t.ratio()
        );
    }
    for (program, s) in &r.verify {
        println!("{}", search_json("exhaustive", program, s));
    }
    for (checker, h) in &r.hunts {
        println!(
            "{{\"bench\":\"find_bug\",\"program\":\"lost_wakeup\",\"checker\":\"{checker}\",\
             \"seeds\":{SEEDS},\"median\":{},\"min\":{},\"max\":{},\"not_found\":{},\
             \"cap\":{HUNT_CAP}}}",
            json_opt(h.median().filter(|m| m.is_finite())),
            json_opt(h.min()),
            json_opt(h.max()),
            h.not_found
        );
    }
    for s in &r.find {
        println!("{}", search_json("find_bug_dfs", "lost_wakeup", s));
    }
}

/// The verification goals: counter 90 executions in <= 10 ms, private mutexes 1, the queue
/// exhausted unbounded in <= 1 s, every program at or below loom's executions at every bound,
/// and the split search's speed-up on 2 threads.
fn print_verify_goals(rows: &[(&'static str, Search)]) {
    let find = |program: &str, checker: &str, bound: Option<usize>| {
        rows.iter()
            .find(|(p, s)| *p == program && s.checker == checker && s.bound == bound)
            .map(|(_, s)| s)
    };
    let executions = |s: Option<&Search>| s.and_then(|s| s.executions.as_ref().ok().copied());
    if let Some(c) = find("increments", "lockstep-sim", None) {
        let n = executions(Some(c));
        println!(
            "  increments unbounded: 90 executions in <= 10 ms: {} ({} in {:.4} s)",
            goal(n == Some(90) && c.seconds <= 0.010),
            fmt_opt(n),
            c.seconds
        );
    }
    let private = executions(find("private_mutexes", "lockstep-sim", None));
    println!(
        "  private mutexes: 1 execution: {} ({})",
        goal(private == Some(1)),
        fmt_opt(private)
    );
    if let Some(q) = find("bounded_queue", "lockstep-sim", None) {
        println!(
            "  bounded queue exhausted unbounded in <= 1 s: {} ({:.3} s, exhausted {:?})",
            goal(q.exhausted == Some(true) && q.seconds <= 1.0),
            q.seconds,
            q.exhausted
        );
    }
    for program in &VERIFIED {
        for bound in BOUNDS {
            let sim = executions(find(program.name, "lockstep-sim", bound));
            let loom = executions(find(program.name, "loom", bound));
            if let (Some(sim), Some(loom)) = (sim, loom) {
                println!(
                    "  {} bound {}: executions <= loom's: {} ({sim} vs {loom})",
                    program.name,
                    bound_text(bound),
                    goal(sim <= loom)
                );
            }
        }
    }
    if let (Some(serial), Some(one), Some(two)) = (
        find("bounded_queue", "sim-serial", None),
        find("bounded_queue", "sim-split-1", None),
        find("bounded_queue", "sim-split-2", None),
    ) {
        println!(
            "  split search, 2 threads vs 1: same executions: {} ({:.2}x faster)",
            goal(one.executions.as_ref().ok() == two.executions.as_ref().ok()),
            one.seconds / two.seconds
        );
        let speedup = serial.seconds / two.seconds;
        println!(
            "  parallel search on 2 threads vs the serial search (interleaved runs): speed-up >= 1.7x: {} ({speedup:.2}x)",
            goal(speedup >= 1.7)
        );
        // For reference, not the goal (which is the serial search's, above).
        println!(
            "  bounded queue exhausted unbounded in <= 1 s on 2 threads (reference): {} ({:.3} s, exhausted {:?})",
            goal(two.exhausted == Some(true) && two.seconds <= 1.0),
            two.seconds,
            two.exhausted
        );
    }
}

fn print_searches(rows: &[Search]) {
    println!(
        "{:<14} {:>6} {:>11} {:>10}  notes",
        "checker", "bound", "executions", "seconds"
    );
    for s in rows {
        let (executions, note) = match &s.executions {
            Ok(n) => (n.to_string(), String::new()),
            Err(why) => ("-".to_owned(), format!("not measured: {why}")),
        };
        let note = match s.exhausted {
            Some(exhausted) => format!("exhausted={exhausted}, median of {DFS_RUNS} runs {note}"),
            None => note,
        };
        println!(
            "{:<14} {:>6} {:>11} {:>10.4}  {note}",
            s.checker,
            bound_text(s.bound),
            executions,
            s.seconds
        );
    }
}

fn print_table(r: &Results) {
    println!("lockstep-sim vs shuttle and loom (release build, one process run)\n");
    println!(
        "schedules/s, {SCHEDULES} schedules, median of {ROUNDS} interleaved rounds \
         (PCT depth {DEPTH})"
    );
    println!(
        "{:<18} {:<8} {:>13} {:>11} {:>12}",
        "program", "strategy", "lockstep-sim", "shuttle", "sim/shuttle"
    );
    for t in &r.throughput {
        println!(
            "{:<18} {:<8} {:>13.0} {:>11.0} {:>11.2}x",
            t.program,
            t.sched.name(),
            t.sim,
            t.shuttle,
            t.ratio()
        );
    }
    for program in &VERIFIED {
        println!("\nexhaustive verification of {}", program.name);
        let rows: Vec<Search> = r
            .verify
            .iter()
            .filter(|(p, _)| *p == program.name)
            .map(|(_, s)| s.clone())
            .collect();
        print_searches(&rows);
    }
    println!(
        "\nschedules to find the lost wakeup ({WORKERS} workers, one turn each, notify_one); \
         {SEEDS} seeds, at most {HUNT_CAP} schedules each"
    );
    println!(
        "{:<20} {:>7} {:>6} {:>6} {:>10}",
        "checker", "median", "min", "max", "not found"
    );
    for (checker, h) in &r.hunts {
        let median = h.median().map(|m| {
            if m.is_finite() {
                format!("{m}")
            } else {
                "-".into()
            }
        });
        println!(
            "{:<20} {:>7} {:>6} {:>6} {:>10}",
            checker,
            fmt_opt(median),
            fmt_opt(h.min()),
            fmt_opt(h.max()),
            h.not_found
        );
    }
    println!("\nexecutions to find the lost wakeup by exhaustive search (default order)");
    print_searches(&r.find);

    println!("\ngoals");
    for t in &r.throughput {
        println!(
            "  {} {} schedules/s >= shuttle: {} ({:.2}x; stretch 2x {})",
            t.program,
            t.sched.name(),
            goal(t.ratio() >= 1.0),
            t.ratio(),
            if t.ratio() >= 2.0 { "met" } else { "not met" }
        );
    }
    print_verify_goals(&r.verify);
    if let (Some(sim), Some(shut)) = (
        r.hunt_median("lockstep-sim pct"),
        r.hunt_median("shuttle pct"),
    ) {
        println!(
            "  lost wakeup: PCT median <= shuttle's: {} ({sim} vs {shut})",
            goal(sim <= shut)
        );
    }
    let dfs = Results::executions(&r.find, "lockstep-sim", None);
    println!(
        "  lost wakeup: DFS (unbounded) <= 220: {} ({})",
        goal(dfs.is_some_and(|n| n <= 220)),
        fmt_opt(dfs)
    );
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(bound) = args
        .iter()
        .find_map(|a| a.strip_prefix(CHILD_LOOM)?.strip_prefix('='))
    {
        return child_loom(bound);
    }
    if args.iter().any(|a| a == CHILD_SHUTTLE) {
        return child_shuttle_hunt();
    }
    let json = args.iter().any(|a| a == "--json");
    let progress = |what: &str| {
        if !json {
            eprintln!("measuring {what} ...");
        }
    };

    let mut throughput_rows = Vec::new();
    for programs in &THROUGHPUT_PROGRAMS {
        for sched in [Sched::Random, Sched::Pct] {
            progress(&format!("{} {} schedules/s", programs.name, sched.name()));
            throughput_rows.push(throughput(programs, sched));
        }
    }

    progress("exhaustive verification (loom unbounded takes a while)");
    let mut verify = Vec::new();
    for program in &VERIFIED {
        for bound in BOUNDS {
            verify.push((program.name, sim_verify(program, bound, None)));
            verify.push((program.name, loom_verify(program, bound)));
        }
    }
    let queue = &VERIFIED[3];
    for row in parallel_rows(queue) {
        verify.push((queue.name, row));
    }

    progress("lost wakeup: PCT and random over the seeds");
    let sim_pct = sim_hunt(Sched::Pct);
    let sim_random = sim_hunt(Sched::Random);
    let (shuttle_pct, shuttle_random) = match shuttle_hunt() {
        Ok(hunts) => hunts,
        Err(why) => {
            eprintln!("{why}");
            return ExitCode::FAILURE;
        }
    };
    progress("lost wakeup: exhaustive search");
    let mut find = Vec::new();
    for bound in [None, Some(BOUND)] {
        find.push(sim_find(bound));
        find.push(loom_find(bound));
    }

    let results = Results {
        throughput: throughput_rows,
        verify,
        hunts: vec![
            ("lockstep-sim pct", sim_pct),
            ("shuttle pct", shuttle_pct),
            ("lockstep-sim random", sim_random),
            ("shuttle random", shuttle_random),
        ],
        find,
    };
    if json {
        print_json(&results);
    } else {
        print_table(&results);
    }
    ExitCode::SUCCESS
}
