//! Barrier task scheduler: dependency-aware parallel execution of hierarchical jobs
//! (`"pool/a/b"`, `/`-separated), with barriers, priorities, skip/fail and termination — the
//! algorithm of bzfs' `parallel_tasktree`, rebuilt as a pure core with thin executors.
//!
//! ```
//! use lockstep::tasktree::{Outcome, Runner, TaskTree};
//!
//! // Replicate to two hosts in parallel; prune only after both succeeded.
//! let tree = TaskTree::new([
//!     "src",
//!     "src/replicate/hostA",
//!     "src/replicate/hostB",
//!     "src/replicate/~/prune",
//! ])
//! .unwrap();
//! let report = Runner::new(&tree)
//!     .max_workers(4)
//!     .run(
//!         |job| job.name().len(),         // the work, on a worker thread
//!         |_name, _len, _ctl| Outcome::DONE, // on this thread: continue
//!     )
//!     .unwrap();
//! assert!(!report.failed);
//! assert_eq!(report.completed, 4);
//! ```
//!
//! # Semantics
//! - **Input**: sorted, duplicate-free, non-empty names not starting with `/`; otherwise a
//!   [`TreeError`]. Barriers are on when a name has the barrier component (default `~`,
//!   [`TreeOptions`]) or when enabled explicitly; with barriers disabled such a name is an error.
//! - **Availability**: a job becomes available when its nearest ancestor *job* completed; path
//!   components that are not jobs are passed through (children of a missing parent are available
//!   at once).
//! - **Order**: the available job with the smallest `(priority, name)` starts next ([`Priority`],
//!   default name order); at most `max_workers` run at once. The priority function is called
//!   when a job becomes available; jobs unblocked by one completion become available in name
//!   order, so a counter as priority means "queued before unblocked".
//! - **Completion**: the callback runs on the coordinating thread and returns an [`Outcome`]
//!   `(no_skip, fail)`; completions that arrive together are handled in name order.
//!   `no_skip = false` skips the subtree; `fail` only makes the result failed. The callback may
//!   cancel in-flight jobs through [`Control`].
//! - **Barriers**: `X/~/J` starts only after `X` (if a job) and every job in `X`'s non-barrier
//!   subtree — transitively, nested barriers included — completed with `no_skip`. A barrier that
//!   is its node's only child is entered at once (`a/~/~/~/done`). A skip anywhere below `X`
//!   means no barrier at `X` or above ever opens. `~/prune` waits for all roots. A name whose last
//!   component is the barrier is never run. A barrier whose node holds no other job opens when
//!   the node is entered (bzfs never opens it, and opens the barriers above it too early).
//! - **Termination** ([`Termination`]): stops submissions (waking a spacing sleep), cancels
//!   in-flight jobs; the run is failed if any job was available or in flight. Set before the
//!   run, nothing starts.
//! - **Spacing** ([`Runner::spacing`]): a delay after each submission; negative means 0; the
//!   first submission is immediate.
//! - **Result** ([`Report`]): failed = any `fail`, a cancelled job, or terminated with work left.
//!   A panic in a job or callback is a [`RunError::Panicked`], not a hang.
//! - **Executors** ([`Executor`]): a thread pool on the sync facade (std in production,
//!   loom/shuttle when checked), async tasks ([`Runner::run_async`], tokio), inline
//!   ([`Runner::run_inline`]; the default when `max_workers` is 1 or no job has a sibling), and
//!   virtual time ([`Runner::simulate`], behind `lockstep plan`). A tree can be run any number of
//!   times. The pool starts `min(max_workers, jobs)` threads, at most [`MAX_WORKERS`]; a thread
//!   the OS refuses is a [`RunError::Spawn`], not a panic.
//! - **Scale**: O(N log N), iterative throughout (a path a million components deep is fine),
//!   and compact: flat `u32` vectors, no per-job allocation — about 37–40 bytes per job at a
//!   million jobs, names included (bzfs: about 400 in general).
//!
//! # Not checked / limitations
//! - A running *thread* job cannot be stopped from outside: cancellation sets
//!   [`Job::is_cancelled`] and the run waits for the job to return.
//! - The coordinator handles completions one at a time; with no-op jobs it, not the workers, is
//!   the bottleneck.

mod coord;
mod driver;
mod error;
mod inline;
mod runner;
mod sched;
mod signal;
mod threads;
mod tree;
mod virtual_time;

mod async_exec;

pub use async_exec::AsyncJob;
pub use coord::{Control, Outcome, Report};
pub use driver::Job;
pub use error::{RunError, Stage, TreeError};
pub use runner::{Executor, Runner, Simulation, MAX_WORKERS};
pub use sched::{ByName, Priority};
pub use signal::Termination;
pub use tree::{Barriers, TaskTree, TreeOptions, DEFAULT_BARRIER};
pub use virtual_time::{SimEvent, SimEventKind};
