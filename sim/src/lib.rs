//! # lockstep-sim
//!
//! A deterministic simulator for code written against the lockstep facade. It runs the very
//! code that ships — components generic over `lockstep::sync::Runtime` — on [`Sim`], whose every
//! operation is a scheduling point of a controlled scheduler:
//!
//! - **Strategies**: random walk ([`check_random`]), PCT ([`check_pct`]) and exhaustive DFS with
//!   dynamic partial-order reduction and an optional preemption bound ([`check_dfs`]).
//!   The same configuration and seed give the same executions, bit for bit.
//! - **Replay tokens**: a failure carries one printable string; [`replay`] (or
//!   `lockstep replay TOKEN`) reproduces the execution exactly, and refuses a token recorded for
//!   another program.
//! - **Shrinking**: failing schedules are minimised (fewer preemptions, then fewer steps, then
//!   fewer faults) before they are reported.
//! - **Reports that explain**: the failing schedule as numbered steps with thread names, objects
//!   and source locations; for a deadlock, who holds which lock (acquired where), who waits for
//!   what, and the wait-for cycle. Failures are ordinary results or test panics — the process is
//!   never aborted.
//! - **Virtual time**: `sleep` and timeouts advance a simulated clock (discrete-event: when every
//!   thread waits, the clock jumps to the next deadline), so timeouts really fire, in
//!   microseconds of wall time.
//! - **Faults**: named [`fault`] points whose firing the strategy explores like an interleaving.
//! - **Output oracle**: [`Builder::run_same_output`] requires every schedule to write the same
//!   bytes.
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

// A `Failure` is a full report (trace, deadlock explanation, token) returned once per run: its
// size is irrelevant, and boxing it would only make the API clumsier.
#![allow(clippy::result_large_err, clippy::large_enum_variant)]

pub mod cli;
mod clock;
pub mod corpus;
mod exec;
mod fault;
mod future;
mod op;
mod output;
mod report;
mod rng;
mod rt;
mod runner;
mod shrink;
mod strategy;
mod token;

pub use fault::fault;
pub use future::{SimPoint, SimTask};
pub use output::Output;
pub use report::TraceStep;
pub use rt::{
    Sim, SimAtomicBool, SimAtomicU64, SimAtomicUsize, SimCondvar, SimJoinHandle, SimMutex,
    SimMutexGuard, SimReadGuard, SimRwLock, SimWriteGuard,
};
pub use runner::{
    check_dfs, check_pct, check_random, env, replay, token_label, try_replay, Builder, Config,
    Failure, FailureKind, Replayed, Report, Shrunk, Strategy,
};
pub use token::TokenError;
