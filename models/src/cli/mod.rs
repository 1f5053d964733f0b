//! The `lockstep` command: lockstep-sim's reusable runner (`list`, `check`, `replay`) over the
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
    Checks(lockstep_sim::cli::Command),
    /// Simulate a jobs file with the barrier scheduler in virtual time.
    Plan(plan::PlanArgs),
    /// Measure a component on the real std runtime.
    // A missing component is a usage error naming the choices, not the help text on stderr.
    #[command(subcommand, subcommand_required = true, arg_required_else_help = false)]
    Bench(bench::BenchCmd),
}

/// A usage error as one line, exit status 2 (help and version: printed whole, exit 0). clap's
/// own first line for a missing argument or subcommand does not say which (the names follow on
/// later lines), so those are rendered here with the names; the rest as lockstep-sim renders
/// them.
fn usage_error(err: clap::Error) -> ExitCode {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let names = |kind| match err.get(kind) {
        Some(ContextValue::Strings(names)) => names
            .iter()
            .filter(|name| *name != "help")
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", "),
        Some(ContextValue::String(name)) => name.clone(),
        _ => String::new(),
    };
    match err.kind() {
        ErrorKind::MissingRequiredArgument => output::fail(format_args!(
            "missing required argument {} (see --help)",
            names(ContextKind::InvalidArg)
        )),
        ErrorKind::MissingSubcommand => output::fail(format_args!(
            "missing subcommand: one of {} (see --help)",
            names(ContextKind::ValidSubcommand)
        )),
        _ => lockstep_sim::cli::usage_error(err),
    }
}

/// Run the command line; the exit code follows the module docs.
pub fn main() -> ExitCode {
    lockstep_sim::cli::die_quietly_on_closed_pipe();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return usage_error(err),
    };
    match cli.command {
        Cmd::Checks(command) => lockstep_sim::cli::execute(&catalog::registry(), command),
        Cmd::Plan(args) => plan::plan(args),
        Cmd::Bench(cmd) => bench::bench(cmd),
    }
}
