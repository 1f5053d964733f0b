//! `lockstep bench ordered` (in progress).

use std::process::ExitCode;

/// Arguments of `lockstep bench ordered`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

/// Run the measurement.
pub fn run(args: Args) -> ExitCode {
    let _ = args;
    eprintln!("error: `lockstep bench ordered` is not available yet");
    ExitCode::from(2)
}
