//! `extract`: zstash's job — extract many tar archives in parallel, with output in archive
//! order — done with lockstep's three components:
//!
//! - [`OrderedMonitor`](lockstep::ordered::OrderedMonitor): every line printed for an archive
//!   goes through it, so stdout is the same bytes for any number of workers (archives are
//!   assigned largest first to the least-loaded worker; each worker runs its archives in order);
//! - [`BlockManager`](lockstep::block::BlockManager) / [`BlockFile`](lockstep::block::BlockFile)
//!   into a content-addressed [`DirStore`](lockstep::block::DirStore): members stream into
//!   blocks that upload in the background; identical members are stored once; each member's
//!   manifest is recorded in the [`index`];
//! - [`TaskTree`](lockstep::tasktree::TaskTree): after extraction, `archive/<name>` checks and
//!   then the barrier job `archive/~/verify`, which re-reads every member and checks its
//!   checksum.
//!
//! The concurrent core ([`run::run`]) is generic over the sync runtime: the program runs it on
//! std threads, and the tests run the very same function under lockstep-sim's PCT and random
//! schedules, with archives, store and index in memory.

#![warn(missing_docs, unreachable_pub)]

pub mod archives;
pub mod demo;
pub mod index;
pub mod member;
pub mod run;
pub mod verify;
