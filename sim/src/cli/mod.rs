//! A reusable `lockstep`-style command line over a [`Registry`] of models: `list`, `check`,
//! `replay`. Build your own checker binary in a few lines:
//!
//! ```no_run
//! use lockstep_sim::cli::{self, Expect, Model, Registry};
//! use lockstep_sim::Sim;
//!
//! fn my_model() {
//!     // code written against lockstep::sync, run on `Sim`
//! }
//!
//! fn main() -> std::process::ExitCode {
//!     let mut registry = Registry::new();
//!     registry.add(
//!         Model::new("mine", "fixed", Expect::Pass, "what it checks")
//!             .sim(|| Box::new(my_model)),
//!     );
//!     cli::main(registry)
//! }
//! ```
//!
//! Every check runs in a child process of the binary itself (loom aborts on deadlock, shuttle
//! prints to stderr, and a crashing model must not take the run down); the parent records each
//! run and failure in the SQLite corpus (`.lockstep/corpus.db` by default) and re-runs known
//! failing tokens first.
//!
//! Exit status: 0 when every verdict meets its model's expectation, 1 when one does not, 2 for
//! bad usage or input (unknown model, malformed token, unusable database, bad shard).

mod check;
mod child;
mod registry;
mod replay;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

pub use check::{CheckArgs, Row, Summary};
pub use registry::{Build, Checker, Expect, Limits, Model, ModelFn, Registry};

/// The commands of the reusable runner; embed them in a larger CLI with
/// `#[command(flatten)]` and run them with [`execute`].
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the models and their variants.
    List {
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Check models (all by default) under the chosen checkers.
    Check(CheckArgs),
    /// Reproduce a failure from its replay token.
    Replay(replay::ReplayArgs),
    /// Internal: run one check in this (child) process and print its result.
    #[command(hide = true)]
    Child(child::ChildArgs),
}

#[derive(Debug, Parser)]
#[command(
    version,
    about = "Check concurrency models under lockstep-sim, loom and shuttle."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Parse the process's arguments and run them against `registry`.
pub fn main(registry: Registry) -> ExitCode {
    die_quietly_on_closed_pipe();
    match Cli::try_parse() {
        Ok(cli) => execute(&registry, cli.command),
        Err(err) => usage_error(err),
    }
}

/// Let a closed stdout (`lockstep list | head`) end the process quietly, as it ends other Unix
/// filters, instead of making `println!` panic. Call it first thing in `main`, before any thread
/// starts; [`main`] does.
pub fn die_quietly_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: `signal` with `SIG_DFL` only restores the default disposition of SIGPIPE (Rust's
    // runtime sets it to "ignore" at start-up); no handler code runs.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Print a clap error and give the exit code it deserves: help and version are printed whole
/// (exit 0); a usage error is one line on stderr (exit 2).
pub fn usage_error(err: clap::Error) -> ExitCode {
    if !err.use_stderr() {
        let _ = err.print();
        return ExitCode::SUCCESS;
    }
    let text = err.render().to_string();
    let line = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("error");
    eprintln!("{line} (see --help)");
    ExitCode::from(2)
}

/// Run one command against `registry`.
pub fn execute(registry: &Registry, command: Command) -> ExitCode {
    match command {
        Command::List { json } => list(registry, json),
        Command::Check(args) => check::check(registry, args),
        Command::Replay(args) => replay::replay(registry, args),
        Command::Child(args) => child::child(registry, args),
    }
}

fn list(registry: &Registry, json: bool) -> ExitCode {
    let checkers_of = |model: &Model| -> Vec<&'static str> {
        Checker::ALL
            .iter()
            .filter(|c| model.build(**c).is_some())
            .map(|c| c.name())
            .collect()
    };
    // Columns fit their longest entry, so rows stay aligned.
    let width = registry
        .models()
        .iter()
        .map(|m| m.name.len())
        .max()
        .unwrap_or(0)
        .max("MODEL".len());
    let checkers_width = registry
        .models()
        .iter()
        .map(|m| checkers_of(m).join(",").len())
        .max()
        .unwrap_or(0)
        .max("CHECKERS".len());
    if !json {
        println!(
            "{:<width$} {:<7} {:<6} {:<checkers_width$} SUMMARY",
            "MODEL", "VARIANT", "EXPECT", "CHECKERS"
        );
    }
    for model in registry.models() {
        let checkers = checkers_of(model);
        if json {
            let line = serde_json::json!({
                "model": model.name,
                "variant": model.variant,
                "expect": model.expect.as_str(),
                "checkers": checkers,
                "summary": model.summary,
            });
            println!("{line}");
        } else {
            println!(
                "{:<width$} {:<7} {:<6} {:<checkers_width$} {}",
                model.name,
                model.variant,
                model.expect.as_str(),
                checkers.join(","),
                model.summary
            );
        }
    }
    ExitCode::SUCCESS
}

/// One line on stderr and exit status 2.
pub(crate) fn bad_input(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}
