//! `lockstep bench <component>`: measure a component on the real std runtime and print one
//! JSON object (with `--json`) or a readable line. Each component's measurement lives in
//! [`crate::bench`]; this file only wires the subcommands.

use clap::Subcommand;
use std::process::ExitCode;

/// The components `lockstep bench` can measure.
#[derive(Debug, Subcommand)]
pub(crate) enum BenchCmd {
    /// Ordered output monitor: throughput and hand-off latency.
    Ordered(crate::bench::ordered::Args),
    /// Buffer blocks: write throughput through `BlockFile` into `MemoryStore`.
    Blocks(crate::bench::blocks::Args),
    /// Barrier scheduler: jobs per second and bytes per job.
    Tasktree(crate::bench::tasktree::Args),
}

/// Run one bench subcommand.
pub(crate) fn bench(cmd: BenchCmd) -> ExitCode {
    match cmd {
        BenchCmd::Ordered(args) => crate::bench::ordered::run(args),
        BenchCmd::Blocks(args) => crate::bench::blocks::run(args),
        BenchCmd::Tasktree(args) => crate::bench::tasktree::run(args),
    }
}
