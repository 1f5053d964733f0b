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

mod access;
mod builder;
mod config;
mod entry;
mod exec;
mod failure;
mod fault;
mod op;
mod output;
mod report;
mod rng;
mod rt;
mod session;
mod shrink;
mod strategy;
mod token;

/// The `Sim` backend's primitive types, for code that names them (most code uses the facade's
/// wrappers, `lockstep::sync::Mutex<T, Sim>` and friends, and never needs these).
pub mod backend {
    pub use crate::rt::{
        SimAtomicBool, SimAtomicU64, SimAtomicUsize, SimCondvar, SimJoinHandle, SimMutex,
        SimMutexGuard, SimPoint, SimReadGuard, SimRwLock, SimTask, SimWriteGuard,
    };
}

pub use builder::Builder;
pub use config::{env, Config, KnobError, Knobs, Strategy};
pub use entry::{
    check_dfs, check_pct, check_random, replay, try_replay, try_replay_token, Replayed,
};
pub use exec::sched::ModelFn;
pub use failure::{Failure, FailureKind, Shrunk};
pub use fault::fault;
pub use output::Output;
pub use report::TraceStep;
pub use rt::Sim;
pub use session::Report;
pub use token::{Token, TokenError};
