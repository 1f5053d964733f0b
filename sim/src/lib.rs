//! # lockstep-sim
//!
//! A deterministic simulator for code written against the lockstep facade. It runs the very
//! code that ships — components generic over `lockstep::sync::Runtime` — on [`Sim`], whose every
//! operation is a scheduling point of a controlled scheduler:
//!
//! - **Strategies**: random walk ([`check_random`]), PCT ([`check_pct`]), exhaustive DFS with
//!   dynamic partial-order reduction and an optional preemption bound ([`check_dfs`]), partial
//!   order sampling ([`Builder::pos`]), (selectively) uniform random walk ([`Builder::urw`],
//!   [`Builder::surw`]), delay-bounded search ([`Builder::delay`]), greybox schedule fuzzing
//!   with reads-from feedback and a persistent corpus ([`Builder::fuzz`], [`FuzzCorpus`],
//!   [`sometimes!`]), and the default portfolio of all of them interleaved
//!   ([`Builder::portfolio`]). The same configuration and seed give the
//!   same executions, bit for bit.
//! - **libFuzzer**: [`fuzz::run`] runs one execution with every choice drawn from a byte string
//!   — a cargo-fuzz target in one line.
//! - **Replay tokens**: a failure carries one printable string; [`replay`] (or
//!   `lockstep replay TOKEN`) reproduces the execution exactly, and refuses a token recorded for
//!   another program.
//! - **Shrinking**: failing schedules are minimised — to the fewest preemptions any schedule
//!   failing the same way needs, then fewer steps, then fewer faults — before they are reported.
//! - **Reports that explain**: the failing schedule as numbered steps with thread names, objects
//!   and source locations; for a deadlock, who holds which lock (acquired where), who waits for
//!   what, and the wait-for cycle. Failures are ordinary results or test panics — the process is
//!   never aborted. The same, as data ([`TraceStep::links`], [`Failure::blocked`],
//!   [`Failure::cycle`]) and as a self-contained HTML timeline ([`Failure::to_html`],
//!   [`replay_html`]).
//! - **Virtual time**: `sleep` and timeouts advance a simulated clock (discrete-event: when every
//!   thread waits, the clock jumps to the next deadline), so timeouts really fire, in
//!   microseconds of wall time.
//! - **Faults**: named [`fault`] points whose firing the strategy explores like an interleaving.
//! - **Output oracle**: [`Builder::run_same_output`] requires every schedule to write the same
//!   bytes.
//! - **Processes**: [`process::fork`] gives a child a copy of every lock's state and one thread
//!   (the bug behind Parsl's hangs: a lock held across fork by a thread the child does not
//!   have), [`process::spawn`] starts a fresh one.
//! - **std's API**: [`std::sync`], [`std::thread`] and [`std::time`] have std's signatures
//!   (`lock().unwrap()`, `thread::spawn(f)`, `join().unwrap()`), so a std program moves here by
//!   its `use` lines; [`sync`] and [`thread`] are the facade's shape with `Sim` fixed
//!   (`Mutex<T>`, `thread::spawn(f)` without a turbofish).
//!
//! ```should_panic
//! use lockstep::sync::{thread, Arc, Condvar, Mutex};
//! use lockstep_sim::Sim;
//!
//! // Two threads wait for their turn; the turn is announced with notify_one: a lost wakeup.
//! lockstep_sim::check_dfs(|| {
//!     let turn: Arc<(Mutex<usize, Sim>, Condvar<Sim>), Sim> =
//!         Arc::new((Mutex::new(0), Condvar::new()));
//!     let workers: Vec<_> = (1..=2)
//!         .map(|me| {
//!             let turn = turn.clone();
//!             thread::spawn::<Sim, _, _>(move || {
//!                 let mut t = turn.1.wait_while(turn.0.lock(), |t| *t != me);
//!                 *t += 1;
//!                 drop(t);
//!                 turn.1.notify_one();
//!             })
//!         })
//!         .collect();
//!     *turn.0.lock() = 1;
//!     turn.1.notify_one();
//!     for w in workers {
//!         w.join().unwrap();
//!     }
//! }, None);
//! ```
//!
//! ## Limitations
//! - Memory is sequentially consistent: weak-memory reorderings of atomics are loom's domain.
//! - Only operations through the facade are seen; a `std` lock or atomic used directly is
//!   invisible (its interleavings are not explored) and can make a model non-deterministic,
//!   which DFS reports.
//! - Simulated threads share the OS thread's thread-locals.
//! - DFS tracks at most 64 threads per execution.

#![warn(missing_docs, unreachable_pub)]
// A `Failure` is a full report (trace, deadlock explanation, token) returned once per run: its
// size is irrelevant, and boxing it would only make the API clumsier.
#![allow(clippy::result_large_err, clippy::large_enum_variant)]

mod access;
mod builder;
mod config;
mod corpus;
mod entry;
mod exec;
mod failure;
mod fault;
mod feedback;
pub mod fuzz;
mod html;
mod op;
mod output;
mod parallel;
pub mod process;
pub mod progress;
mod report;
mod rng;
mod rt;
mod session;
mod shrink;
mod strategy;
mod timeline;
mod token;

/// The `Sim` backend's primitive types, for code that names them (most code uses the facade's
/// wrappers, `lockstep::sync::Mutex<T, Sim>` and friends, and never needs these).
pub mod backend {
    pub use crate::rt::{
        SimAtomicBool, SimAtomicU64, SimAtomicUsize, SimCondvar, SimJoinHandle, SimMutex,
        SimMutexGuard, SimPoint, SimReadGuard, SimRwLock, SimTask, SimWriteGuard,
    };
}

// `lockstep_sim::{sync, thread, std}`: lockstep's API with the backend fixed to `Sim`, in the
// facade's shape (`sync`, `thread`) and in std's (`std::{sync, thread, time}`), generated by the
// one macro that writes every backend's set. The root module now has a child named `std`, so
// code in this file must spell the standard library `::std`.
lockstep::__runtime_aliases!(runtime: crate::Sim, name: "lockstep_sim::Sim");

pub use builder::Builder;
pub use config::{env, Config, KnobError, Knobs, Strategy};
pub use corpus::{FuzzCorpus, MalformedEntry};
pub use entry::{
    check_dfs, check_pct, check_random, replay, replay_html, replay_html_token, try_replay,
    try_replay_token, Replayed,
};
pub use exec::sched::ModelFn;
pub use failure::{Failure, FailureKind, Shrunk, ThreadPanic};
pub use fault::fault;
pub use output::Output;
pub use report::TraceStep;
pub use rt::Sim;
pub use session::{Reached, Report};
pub use timeline::{BlockedThread, ObjectKind, ObjectRef, StepLinks, StepOp, Waiting};
pub use token::{Token, TokenError};

/// Record a coverage point on the simulator: `lockstep_sim::sometimes!(condition, "name")` —
/// "this condition should hold in some execution". Never fails, never changes the schedule;
/// the schedule fuzzer ([`Builder::fuzz`]) keeps the schedules that reach a point, or make its
/// condition true, for the first time. Outside a simulation it does nothing.
///
/// This form is for code that only runs on the simulator (a test model). Code generic over the
/// runtime — a component that ships — writes `lockstep::sometimes!(R, condition, "name")`,
/// which is the same call on `Sim` and an empty inlined call on `Std`, loom and shuttle.
///
/// The run's [`Report::sometimes`] says how often each point was reached and its condition
/// held — a point that never held is a behaviour the run did not reach:
///
/// ```
/// use lockstep::sync::{atomic::AtomicU64, thread, Arc};
/// use lockstep_sim::Sim;
/// use std::sync::atomic::Ordering::SeqCst;
///
/// let report = lockstep_sim::Builder::fuzz(200).check(|| {
///     let x: Arc<AtomicU64<Sim>, Sim> = Arc::new(AtomicU64::new(0));
///     let y = x.clone();
///     let t = thread::spawn::<Sim, _, _>(move || y.store(1, SeqCst));
///     lockstep_sim::sometimes!(x.load(SeqCst) == 1, "saw the store");
///     t.join().unwrap();
/// });
/// let seen = report.sometimes["saw the store"];
/// assert_eq!(seen.executions, 200);
/// assert!(0 < seen.held && seen.held < 200, "{seen:?}");
/// ```
#[macro_export]
macro_rules! sometimes {
    ($condition:expr, $name:expr $(,)?) => {
        <$crate::Sim as $crate::__private::Runtime>::sometimes($condition, $name)
    };
}

/// What the exported macros name; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use lockstep::sync::Runtime;
}

/// The crate README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
