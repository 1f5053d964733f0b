//! `lockstep bench tasktree` (in progress).

use std::process::ExitCode;

/// Arguments of `lockstep bench tasktree`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

/// Run the measurement.
pub fn run(args: Args) -> ExitCode {
    let _ = args;
    eprintln!("error: `lockstep bench tasktree` is not available yet");
    ExitCode::from(2)
}
