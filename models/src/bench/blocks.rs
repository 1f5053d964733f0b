//! `lockstep bench blocks` (in progress).

use std::process::ExitCode;

/// Arguments of `lockstep bench blocks`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

/// Run the measurement.
pub fn run(args: Args) -> ExitCode {
    let _ = args;
    eprintln!("error: `lockstep bench blocks` is not available yet");
    ExitCode::from(2)
}
