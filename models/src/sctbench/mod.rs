//! SCTBench's concurrent-software (CS) group, ported by meaning to the facade.
//!
//! SCTBench (Thomson, Donaldson, Betts: "Concurrency testing using controlled schedulers: an
//! empirical study", PPoPP 2014 / TOPC 2016; `mc-imperial/sctbench`) is the public benchmark of
//! systematic concurrency testing. Its CS group, under
//! `benchmarks/concurrent-software-benchmarks/`, holds small pthread programs, most with an
//! assertion that fails (or a deadlock that happens) only under some interleavings. The
//! schedule-exploration papers that followed — PERIOD (ICSE 2022) and RFF, reads-from fuzzing
//! (ASPLOS 2024) — evaluate on **22 bugs** of this group; [`programs`] lists those 22 and the
//! `_ok` twins SCTBench ships for five of them. `docs/sctbench.md` has the published
//! schedules-to-bug figures next to lockstep's.
//!
//! # How the C was ported
//! Every program is rewritten in Rust (none of the original code is copied), generic over
//! [`Runtime`], so each one runs on std threads, loom, shuttle and lockstep-sim:
//! - a shared variable the C reads or writes **without a lock** is a facade atomic, so each access
//!   is a scheduling point as in the instrumented original (a C `x++` stays a load and a store);
//! - data the C only touches **under a lock** lives inside the facade
//!   [`Mutex`](lockstep::sync::Mutex) that guards it (a lock that guards nothing is a
//!   `Mutex<()>`);
//! - `pthread_create` is a named [`lockstep::sync::thread`] spawn, `pthread_join` a join;
//! - a failed `assert` is a panic with the original's meaning; a deadlock stays a deadlock, which
//!   the simulator reports with its wait-for cycle.
//!
//! A panic in a spawned thread ends the C program at once (`abort`); here it reaches the main
//! thread through the join, which panics with the same message (see `join_all`). Programs whose
//! `main` returns without joining (account, token_ring) join their threads here, as PERIOD's
//! copies of them do: the simulator, like the C runtime under a controlled scheduler, would
//! otherwise have to pick what happens to threads still running at exit.
//!
//! Each module's documentation says what the original does, which interleaving triggers its bug,
//! its path and what the port changed.
//!
//! # The families
//! `reorder_N`, `twostage_N` and `wronglock_N` are one program run with different thread counts.
//! In the published instances N is the **total** number of threads for reorder and twostage
//! (split unevenly between the two kinds: `reorder_20` is 10 setters + 10 checkers,
//! `reorder_100` is 99 + 1), and the number of `funcB` threads for wronglock (`wronglock` is the
//! default 1 + 7). [`reorder::split`] and [`twostage::split`] reproduce the published splits and
//! use N−1 threads of the first kind + 1 of the second elsewhere; [`reorder()`] and [`twostage()`]
//! build any N up to 100 for a scaling study.

use lockstep::sync::atomic::{AtomicU64, Ordering};
use lockstep::sync::thread::{self, JoinHandle};
use lockstep::sync::Runtime;
use lockstep_sim::Sim;
use std::fmt;
use std::sync::Arc;

pub mod account;
pub mod bluetooth_driver;
pub mod carter01;
pub mod circular_buffer;
pub mod deadlock01;
pub mod lazy01;
pub mod queue;
pub mod reorder;
pub mod stack;
pub mod token_ring;
pub mod twostage;
pub mod wronglock;

/// One program of the table: a buggy program of the CS group or an `_ok` twin, instantiated for
/// the simulator.
#[derive(Debug, Clone, Copy)]
pub struct Program {
    /// SCTBench's name without the `_bad`/`_ok` suffix (`reorder_20`, `twostage` …).
    pub name: &'static str,
    /// `"buggy"` (SCTBench's `_bad` file) or `"ok"` (its `_ok` twin).
    pub variant: &'static str,
    /// Some interleaving fails.
    pub expect_bug: bool,
    /// The failure is a deadlock rather than a failed assertion (carter01, deadlock01).
    pub deadlock: bool,
    /// Threads running the program's logic: the original's `pthread_create` calls, plus the
    /// main thread where the original's `main` does part of the work itself (bluetooth_driver).
    pub threads: usize,
    /// One execution of the model on [`Sim`]; give it to a `lockstep_sim::Builder`.
    pub run: fn(),
}

impl Program {
    /// `name` for a buggy program, `name_ok` for a twin.
    pub fn label(&self) -> String {
        if self.variant == "ok" {
            format!("{}_ok", self.name)
        } else {
            self.name.to_owned()
        }
    }
}

const fn bug(name: &'static str, threads: usize, run: fn()) -> Program {
    Program {
        name,
        variant: "buggy",
        expect_bug: true,
        deadlock: false,
        threads,
        run,
    }
}

const fn deadlock(name: &'static str, threads: usize, run: fn()) -> Program {
    Program {
        deadlock: true,
        ..bug(name, threads, run)
    }
}

const fn ok(name: &'static str, threads: usize, run: fn()) -> Program {
    Program {
        name,
        variant: "ok",
        expect_bug: false,
        deadlock: false,
        threads,
        run,
    }
}

/// The 22 bugs of SCTBench's CS group as PERIOD and RFF count them, then the five `_ok` twins
/// (account, circular_buffer, lazy01, queue, stack), in SCTBench's alphabetical order.
pub fn programs() -> Vec<Program> {
    vec![
        bug("account", 3, account::bad::<Sim>),
        bug("bluetooth_driver", 2, bluetooth_driver::bad::<Sim>),
        deadlock("carter01", 4, carter01::bad::<Sim>),
        bug("circular_buffer", 2, circular_buffer::bad::<Sim>),
        deadlock("deadlock01", 2, deadlock01::bad::<Sim>),
        bug("lazy01", 3, lazy01::bad::<Sim>),
        bug("queue", 2, queue::bad::<Sim>),
        bug("reorder_3", 3, || reorder::reorder::<Sim>(3)),
        bug("reorder_4", 4, || reorder::reorder::<Sim>(4)),
        bug("reorder_5", 5, || reorder::reorder::<Sim>(5)),
        bug("reorder_10", 10, || reorder::reorder::<Sim>(10)),
        bug("reorder_20", 20, || reorder::reorder::<Sim>(20)),
        bug("reorder_50", 50, || reorder::reorder::<Sim>(50)),
        bug("reorder_100", 100, || reorder::reorder::<Sim>(100)),
        bug("stack", 2, stack::bad::<Sim>),
        bug("token_ring", 4, token_ring::bad::<Sim>),
        bug("twostage", 2, || twostage::twostage::<Sim>(2)),
        bug("twostage_20", 20, || twostage::twostage::<Sim>(20)),
        bug("twostage_50", 50, || twostage::twostage::<Sim>(50)),
        bug("twostage_100", 100, || twostage::twostage::<Sim>(100)),
        bug("wronglock", 8, || wronglock::wronglock::<Sim>(7)),
        bug("wronglock_3", 4, || wronglock::wronglock::<Sim>(3)),
        ok("account", 3, account::ok::<Sim>),
        ok("circular_buffer", 2, circular_buffer::ok::<Sim>),
        ok("lazy01", 3, lazy01::ok::<Sim>),
        ok("queue", 2, queue::ok::<Sim>),
        ok("stack", 2, stack::ok::<Sim>),
    ]
}

/// A member of a parameterised family built at run time (any N), for a scaling study.
#[derive(Clone)]
pub struct Scaled {
    /// `reorder_N` / `twostage_N`.
    pub name: String,
    /// N: threads running the program's logic.
    pub threads: usize,
    /// Threads of the first kind (setters, `funcA` threads).
    pub first: usize,
    /// Threads of the second kind (checkers, `funcB` readers).
    pub second: usize,
    model: Arc<dyn Fn() + Send + Sync>,
}

impl Scaled {
    /// One execution on [`Sim`].
    pub fn run(&self) {
        (self.model)()
    }

    /// The model, for a `lockstep_sim::Builder`.
    pub fn model(&self) -> impl Fn() + Send + Sync + 'static {
        let model = self.model.clone();
        move || model()
    }
}

impl fmt::Debug for Scaled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scaled")
            .field("name", &self.name)
            .field("threads", &self.threads)
            .field("first", &self.first)
            .field("second", &self.second)
            .finish_non_exhaustive()
    }
}

/// `reorder_N` on [`Sim`] for any N in 2..=100, split as [`reorder::split`] says (the published
/// split for 3, 4, 5, 10, 20, 50 and 100; N−1 setters and one checker otherwise).
pub fn reorder(n: usize) -> Scaled {
    let (setters, checkers) = reorder::split(n);
    Scaled {
        name: format!("reorder_{n}"),
        threads: n,
        first: setters,
        second: checkers,
        model: Arc::new(move || reorder::run::<Sim>(setters, checkers)),
    }
}

/// `twostage_N` on [`Sim`] for any N in 2..=100, split as [`twostage::split`] says (the
/// published split for 2, 20, 50 and 100; N−1 writers and one reader otherwise).
pub fn twostage(n: usize) -> Scaled {
    let (writers, readers) = twostage::split(n);
    Scaled {
        name: if n == 2 {
            "twostage".to_owned()
        } else {
            format!("twostage_{n}")
        },
        threads: n,
        first: writers,
        second: readers,
        model: Arc::new(move || twostage::run::<Sim>(writers, readers)),
    }
}

/// A C `int` that threads share without a lock: a facade atomic, so that every read and every
/// write is a scheduling point, as each access is in the instrumented C program.
pub(crate) struct Int<R: Runtime>(AtomicU64<R>);

impl<R: Runtime> Int<R> {
    pub(crate) fn new(value: i64) -> Self {
        Int(AtomicU64::new(value as u64))
    }

    /// One read (reported at the caller's line).
    #[track_caller]
    pub(crate) fn get(&self) -> i64 {
        self.0.load(Ordering::SeqCst) as i64
    }

    /// One write (reported at the caller's line).
    #[track_caller]
    pub(crate) fn set(&self, value: i64) {
        self.0.store(value as u64, Ordering::SeqCst)
    }
}

/// Threads spawned by a ported `main`, with their names.
pub(crate) struct Threads<R: Runtime> {
    handles: Vec<(String, JoinHandle<(), R>)>,
}

impl<R: Runtime> Threads<R> {
    pub(crate) fn new() -> Self {
        Threads {
            handles: Vec::new(),
        }
    }

    /// `pthread_create`: spawn `f` as a thread named `name`.
    #[track_caller]
    pub(crate) fn spawn(&mut self, name: impl Into<String>, f: impl FnOnce() + Send + 'static) {
        let name = name.into();
        let handle = thread::Builder::<R>::new().name(name.clone()).spawn(f);
        self.handles.push((name, handle));
    }

    /// `pthread_join` every thread in spawn order. A thread that failed an assertion makes the
    /// main thread panic with its message, as the failed `assert` would have ended the C
    /// process.
    #[track_caller]
    pub(crate) fn join_all(self) {
        for (name, handle) in self.handles {
            if let Err(payload) = handle.join() {
                panic!(
                    "thread `{name}` failed: {}",
                    thread::panic_message(&*payload)
                );
            }
        }
    }
}
