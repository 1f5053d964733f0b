//! `lockstep plan JOBS_FILE`: run the barrier scheduler over a jobs file in virtual time.

use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `lockstep plan`.
#[derive(Debug, clap::Args)]
pub(crate) struct PlanArgs {
    /// The jobs file: one `NAME [duration=SECONDS] [priority=INT] [skip] [fail]` per line.
    file: PathBuf,
    /// Jobs running at once.
    #[arg(long, default_value_t = 1)]
    workers: usize,
    /// The barrier path component.
    #[arg(long, default_value = "~")]
    barrier_name: String,
    /// Treat the barrier name as an ordinary path component (a name containing it is an error).
    #[arg(long)]
    no_barriers: bool,
    /// One JSON object per line.
    #[arg(long)]
    json: bool,
}

/// Run `lockstep plan`.
pub(crate) fn plan(args: PlanArgs) -> ExitCode {
    let _ = args;
    eprintln!("error: `lockstep plan` is not available yet (the barrier scheduler is in progress)");
    ExitCode::from(2)
}
