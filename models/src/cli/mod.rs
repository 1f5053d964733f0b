//! The `lockstep` command. One file per subcommand; this file parses the command line and
//! dispatches.
//!
//! Exit status: 0 success (for `check`: every verdict meets its model's expectation), 1 when a
//! check's expectation is not met, 2 for bad usage or input.

mod bench;
mod check;
mod plan;

use crate::catalog;
use clap::{Parser, Subcommand};
use std::process::ExitCode;

pub use check::{Row, Summary};

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
    /// List the built-in models and their variants.
    List,
    /// Check models (all by default) under the chosen checkers.
    Check(check::CheckArgs),
    /// Simulate a jobs file with the barrier scheduler in virtual time.
    Plan(plan::PlanArgs),
    /// Measure a component on the real std runtime.
    #[command(subcommand)]
    Bench(bench::BenchCmd),
    /// Internal: run one check in this (child) process and print its result.
    #[command(hide = true)]
    Child(check::ChildArgs),
}

/// Run the command line; the exit code follows the module docs.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() { 2 } else { 0 });
        }
    };
    match cli.command {
        Cmd::List => list(),
        Cmd::Check(args) => check::check(args),
        Cmd::Plan(args) => plan::plan(args),
        Cmd::Bench(cmd) => bench::bench(cmd),
        Cmd::Child(args) => check::child(args),
    }
}

fn list() -> ExitCode {
    println!("{:<12} {:<7} {:<6} SUMMARY", "MODEL", "VARIANT", "EXPECT");
    for e in catalog::entries() {
        println!(
            "{:<12} {:<7} {:<6} {}",
            e.model,
            e.variant,
            e.expect.as_str(),
            e.summary
        );
    }
    ExitCode::SUCCESS
}
