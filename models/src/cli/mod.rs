//! The `lockstep` command: lockstep-cli's reusable runner (`list`, `check`, `replay`) over the
//! built-in catalogue, plus `plan` and `bench`. One file per own subcommand.
//!
//! Exit status: 0 success (for `check`: every verdict meets its model's expectation), 1 when a
//! check's expectation is not met, 2 for bad usage or input.

mod bench;
pub(crate) mod output;
mod plan;

use crate::catalog;
use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Prove concurrent code correct, then ship the same code.
#[derive(Debug, Parser)]
#[command(
    name = "lockstep",
    version,
    about = "Prove concurrent code correct, then ship the same code."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    #[command(flatten)]
    Checks(lockstep_cli::Command),
    /// Simulate a jobs file with the barrier scheduler in virtual time.
    Plan(plan::PlanArgs),
    /// Measure a component on the real std runtime.
    // A missing component is a usage error naming the choices, not the help text on stderr.
    #[command(subcommand, subcommand_required = true, arg_required_else_help = false)]
    Bench(bench::BenchCmd),
}

/// Run the command line; the exit code follows the module docs.
pub fn main() -> ExitCode {
    lockstep_cli::die_quietly_on_closed_pipe();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return lockstep_cli::usage_error(err),
    };
    match cli.command {
        Cmd::Checks(command) => lockstep_cli::execute(&catalog::registry(), command),
        Cmd::Plan(args) => plan::plan(args),
        Cmd::Bench(cmd) => bench::bench(cmd),
    }
}
