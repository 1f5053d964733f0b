//! # lockstep-cli
//!
//! A reusable `lockstep`-style command line over a [`Registry`] of models — `list`, `check`,
//! `replay` — and the SQLite [`corpus`] of runs and failures it keeps. The simulator itself
//! (`lockstep-sim`) carries none of this: a test suite depends on the simulator alone, a
//! checking binary on this crate. Build your own checker binary in a few lines:
//!
//! ```no_run
//! use lockstep_cli::{Expect, Model, Registry};
//!
//! fn my_model() {
//!     // code written against lockstep::sync, run on `lockstep_sim::Sim`
//! }
//!
//! fn main() -> std::process::ExitCode {
//!     let mut registry = Registry::new();
//!     registry.add(Model::new("mine", "fixed", Expect::Pass, "what it checks").sim(my_model));
//!     lockstep_cli::main(registry)
//! }
//! ```
//!
//! Every check runs in a child process of the binary itself (loom aborts on deadlock, shuttle
//! prints to stderr, and a crashing model must not take the run down); the parent records each
//! run and failure in the SQLite corpus (`.lockstep/corpus.db` by default) and re-runs known
//! failing tokens first.
//!
//! Exit status: 0 when every verdict meets its model's expectation, 1 when one does not, 2 for
//! bad usage or input (unknown model, malformed token, unusable database, bad shard, a
//! `LOCKSTEP_*` variable that does not parse) — always one line on stderr, never a panic.

#![warn(missing_docs, unreachable_pub)]
mod check;
mod child;
pub mod corpus;
mod error;
mod html;
mod list;
mod outcome;
mod output;
mod registry;
mod replay;
mod verdict;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

pub use check::{CheckArgs, CheckerChoice};
pub use error::CliError;
pub use lockstep::check::Checker;
pub use registry::{Limits, Model, Registry};
pub use verdict::{Expect, Verdict};

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
    about = "Check concurrency models under lockstep-sim, loom and shuttle.",
    subcommand_required = true
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
/// (exit 0); a usage error is one line on stderr (exit 2). clap's own first line for a missing
/// argument or subcommand does not say which (the names follow on later lines), so those are
/// rendered with the names.
pub fn usage_error(err: clap::Error) -> ExitCode {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if !err.use_stderr() {
        let _ = err.print();
        return ExitCode::SUCCESS;
    }
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
    let line = match err.kind() {
        ErrorKind::MissingRequiredArgument => format!(
            "error: missing required argument {} (see --help)",
            names(ContextKind::InvalidArg)
        ),
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            match names(ContextKind::ValidSubcommand) {
                choices if choices.is_empty() => "error: missing subcommand (see --help)".into(),
                choices => format!("error: missing subcommand: one of {choices} (see --help)"),
            }
        }
        _ => {
            let text = err.render().to_string();
            let mut first = text
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("error")
                .to_owned();
            // A long value or name echoed in the line is shortened where it stands, so the line
            // still says which flag it was given to.
            for (_, value) in err.context() {
                let texts: Vec<&str> = match value {
                    ContextValue::String(text) => vec![text.as_str()],
                    ContextValue::Strings(texts) => texts.iter().map(String::as_str).collect(),
                    _ => Vec::new(),
                };
                for text in texts.into_iter().filter(|t| t.chars().count() > 80) {
                    first = first.replace(text, &error::shorten(text, 60));
                }
            }
            format!("{} (see --help)", error::shorten(&first, 400))
        }
    };
    error::say(&line);
    ExitCode::from(2)
}

/// Run one command against `registry`.
pub fn execute(registry: &Registry, command: Command) -> ExitCode {
    match command {
        Command::List { json } => match list::list(registry, json) {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => err.exit(),
        },
        Command::Check(args) => check::check(registry, args),
        Command::Replay(args) => replay::replay(registry, args),
        Command::Child(args) => child::child(registry, args),
    }
}
