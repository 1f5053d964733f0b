//! # lockstep-models
//!
//! The model catalogue: harnesses of lockstep's components and models of real concurrency bugs,
//! each with a buggy and a fixed variant, written once against the facade so that loom, shuttle
//! and lockstep-sim all check the same code. Also home of the `lockstep` command.

#![warn(missing_docs, unreachable_pub)]
pub mod acceptance;
pub mod bench;
pub mod block;
pub mod bzfs;
pub mod catalog;
pub mod cli;
pub mod handoff;
pub mod ordered;
pub mod parsl;
pub mod sctbench;
pub mod tasktree;
pub mod zarr;
pub mod zstash;
