//! Ordered output monitor: items `0..n` run on parallel workers; everything an item writes
//! reaches one sink **contiguously and in item order**, while workers run ahead.
//!
//! From zstash, whose monitor polled a shared counter every 10 ms, deadlocked when a worker
//! waited for its turn twice or an item printed nothing, and hung when a worker died holding the
//! turn. Here:
//!
//! - **The head streams.** The lowest unfinished item's bytes go straight to the sink; later
//!   items are buffered and released the moment every earlier item is complete, by the thread
//!   that completed the last of them (no hand-off thread, no wake-up needed when the next item's
//!   output is already buffered).
//! - **No polling.** Every wait is on the facade's condvar and is notified by a state change.
//! - **Bounded memory.** A window of items (claims) and bytes (buffers) ahead of the head; a
//!   writer that would exceed it blocks until the head advances. The head's owner never waits
//!   for another item, so this cannot deadlock.
//! - **Failures are output too.** A writer dropped without [`ItemWriter::finish`] (a panic, an
//!   early return), [`ItemWriter::fail`], a dead worker's unstarted items, an item over its
//!   [timeout](Config::item_timeout): each gets a one-line error in its place (after whatever it
//!   wrote) and the run moves on — or stops, with [`Config::fail_fast`]. [`OrderedMonitor::wait`]
//!   returns a [`Report`] even if every worker panicked.
//! - **Whatever the sink does.** A sink that returns an error or panics — also while buffered
//!   output is being released, outside any worker — cannot hang the run: the panic is caught,
//!   the sink is not called again, and every item whose output did not (all) reach the sink is
//!   reported failed with the sink's error. (zstash-style monitors hang here: the releaser dies
//!   holding the turn.)
//! - **From async tasks.** [`OrderedMonitor::async_writers`] hands out an [`AsyncItemWriter`]
//!   per item: waiting for the item's turn or for window space is a waker, not a blocked
//!   thread, and the sink writes run on the runtime's blocking pool
//!   ([`OrderedMonitor::wait_async`] ends the run).
//! - **Assignment.** Dynamic (lowest unclaimed item), static (your lists), or
//!   [`assign_by_size`] (greedy least-loaded, largest first). [`OrderedMonitor::run`] starts no
//!   more threads than there are items, refuses more than [`MAX_WORKERS`], and returns
//!   [`OrderedError::Spawn`] — not a panic — when the OS starts none of them.
//!
//! The design is a pure state machine, the ledger (which item is the head, what is buffered, what
//! may be released, window accounting), driven by proptest, inside a thin shell of one mutex, one
//! condvar and a sink mutex — generic over the facade's [`Runtime`](crate::sync::Runtime), so
//! loom and shuttle check the code that ships.
//!
//! ```
//! use lockstep::ordered::{assert_items_in_order, Assignment, Config, OrderedMonitor};
//! use std::io::Write;
//!
//! let sizes = [30, 10, 20, 5];
//! let monitor = OrderedMonitor::new(sizes.len(), Vec::new(), Config::default().window_items(2));
//! let (report, out) = monitor
//!     .run(Assignment::by_size(&sizes, 2), |item, out| {
//!         writeln!(out, "Opening archive {item:06}.tar")?;
//!         writeln!(out, "Extracting dir/file{item}")
//!     })
//!     .unwrap();
//! assert!(report.is_success());
//! let out = String::from_utf8(out).unwrap();
//! assert_items_in_order(&out, |line| line.split(|c: char| !c.is_ascii_digit()).find(|s| !s.is_empty())?.parse().ok());
//! ```
//!
//! # Limitations
//! - A writer leaked with `mem::forget`, or a worker stuck forever inside an item, holds the head
//!   until the item timeout (if any) fails it. A sink that blocks for ever blocks the run.
//! - Log routing ([`CurrentItemWriter`]) uses a std thread-local: production threads only.

mod assign;
mod async_writer;
mod check;
mod config;
mod ledger;
mod logs;
mod monitor;
mod report;
mod shared;

pub use assign::{assign_by_size, Assignment, MAX_WORKERS};
pub use async_writer::{AsyncItemWriter, AsyncWriters};
pub use check::{assert_items_in_order, check_items_in_order, ItemsInOrder, OrderViolation};
pub use config::{default_error_line, Config, ErrorLine};
pub use ledger::{ItemError, OrderedError};
pub use logs::CurrentItemWriter;
pub use monitor::{ItemWriter, OrderedMonitor, Worker};
pub use report::{ItemFailure, Report};

#[cfg(test)]
mod tests;
