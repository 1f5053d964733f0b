//! `replay TOKEN`: reproduce a failure from the token a `check` row printed. The token is
//! decoded once; it names its model (and the model's version) and the checker whose schedule it
//! carries, so no other argument is needed.
//!
//! Exit status: 0 when the failure reproduces (the report is printed), 1 when the execution
//! now passes, 2 for a malformed token or one that belongs to another model or version, or an
//! HTML file that cannot be written.
//!
//! `--html FILE` also writes the replayed execution as one self-contained HTML page: for a
//! lockstep-sim token its timeline (the failure's, or the schedule's when it now passes), for
//! a shuttle token the report and the replay line.

use crate::error::{shorten, CliError};
use crate::html;
use crate::output::Out;
use crate::registry::{Model, Registry};
use lockstep::check::{shuttle, Backend};
use lockstep_sim::{Replayed, Token, TokenError};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `replay`.
#[derive(Debug, Clone, clap::Args)]
pub struct ReplayArgs {
    /// The token from a `check` row (`ls1-...`).
    token: String,
    /// Also write the replayed execution as an HTML timeline to this file.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
}

pub(crate) fn replay(registry: &Registry, args: ReplayArgs) -> ExitCode {
    match run(registry, &args.token, args.html.as_deref()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(err) => err.exit(),
    }
}

/// `Ok(true)` when the failure reproduces.
fn run(registry: &Registry, text: &str, html: Option<&Path>) -> Result<bool, CliError> {
    let token = Token::decode(text).map_err(|err| match err {
        TokenError::Malformed(why) => CliError::Token(TokenError::Malformed(format!(
            "{why} (in {})",
            shorten(text, 40)
        ))),
        other => CliError::Token(other),
    })?;
    let label = token.label();
    if label.is_empty() {
        return Err(CliError::Label(
            "the token names no model (it was made outside a registry); replay it with \
             lockstep_sim::replay(token, model) in the model's own test"
                .into(),
        ));
    }
    let model = registry.by_label(label).map_err(CliError::Label)?;
    let mut out = Out::stdout();
    let failed = match token.backend() {
        Backend::Sim => replay_sim(model, &token, &mut out, html)?,
        Backend::Shuttle => replay_shuttle(model, &token, &mut out, html)?,
        other => {
            return Err(CliError::Label(format!(
                "{label}: {other:?} tokens cannot be replayed"
            )))
        }
    };
    if failed {
        out.line(format_args!("\nthe failure of {label} reproduces"))?;
    } else {
        out.line(format_args!(
            "the execution of {label} runs to completion without failing now"
        ))?;
    }
    if let Some(path) = html {
        out.line(format_args!("timeline written to {}", path.display()))?;
    }
    Ok(failed)
}

fn program(model: &Model, backend: Backend) -> Result<lockstep_sim::ModelFn, CliError> {
    model
        .program(backend)
        .map(|build| build())
        .ok_or_else(|| CliError::Label(format!("{} has no {backend:?} program", model.label())))
}

fn replay_sim(
    model: &Model,
    token: &Token,
    out: &mut Out,
    html: Option<&Path>,
) -> Result<bool, CliError> {
    let program = program(model, Backend::Sim)?;
    match lockstep_sim::try_replay_token(token, program.clone())? {
        Replayed::Failed(failure) => {
            out.line(format_args!("{failure}"))?;
            if let Some(path) = html {
                html::write(path, &failure.to_html())?;
            }
            Ok(true)
        }
        _ => {
            if let Some(path) = html {
                html::write(path, &lockstep_sim::replay_html_token(token, program)?)?;
            }
            Ok(false)
        }
    }
}

fn replay_shuttle(
    model: &Model,
    token: &Token,
    out: &mut Out,
    html: Option<&Path>,
) -> Result<bool, CliError> {
    let program = program(model, Backend::Shuttle)?;
    let schedule = token.shuttle_schedule().unwrap_or_default().to_owned();
    // Shuttle prints to stderr as it fails (its panic hook, "test panicked in task ..."), and
    // the report below says it all: stderr stays for this command's own one-line errors.
    let quiet = QuietStderr::start();
    let result = shuttle::try_check(
        &shuttle::Config::default(),
        shuttle::Strategy::Replay { schedule },
        move || program(),
    );
    drop(quiet);
    match result {
        Err(failure) if !failure.kind.is_bug() => {
            Err(CliError::Token(TokenError::Mismatch(failure.message)))
        }
        Err(mut failure) => {
            failure.replay = None;
            // Named by the checker that recorded the schedule, as the row of the check was.
            failure.checker = token.checker().name();
            out.line(format_args!(
                "{failure}\nreproduce: lockstep replay {token}"
            ))?;
            if let Some(path) = html {
                let line = format!("lockstep replay {token}");
                let page = html::text_page(&failure.message, &failure.to_string(), Some(&line));
                html::write(path, &page)?;
            }
            Ok(true)
        }
        Ok(_) => {
            if let Some(path) = html {
                let text = "the execution runs to completion without failing now";
                let line = format!("lockstep replay {token}");
                html::write(path, &html::text_page(text, text, Some(&line)))?;
            }
            Ok(false)
        }
    }
}

/// While it lives, whatever is written to stderr (file descriptor 2) goes to `/dev/null`;
/// dropping it restores stderr. Unix only (elsewhere stderr stays as it is).
struct QuietStderr {
    #[cfg(unix)]
    saved: Option<std::os::fd::OwnedFd>,
}

impl QuietStderr {
    fn start() -> Self {
        #[cfg(unix)]
        {
            QuietStderr {
                saved: Self::redirect(),
            }
        }
        #[cfg(not(unix))]
        QuietStderr {}
    }

    /// Point descriptor 2 at `/dev/null`; the saved original, or `None` if that failed.
    #[cfg(unix)]
    fn redirect() -> Option<std::os::fd::OwnedFd> {
        use std::io::Write;
        use std::os::fd::{AsRawFd, FromRawFd};
        let null = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/null")
            .ok()?;
        let _ = std::io::stderr().flush();
        // SAFETY: `dup` and `dup2` only duplicate descriptors; the one `dup` returns is owned
        // by nobody else, so `OwnedFd` may own it.
        unsafe {
            let saved = libc::dup(libc::STDERR_FILENO);
            if saved < 0 {
                return None;
            }
            let saved = std::os::fd::OwnedFd::from_raw_fd(saved);
            if libc::dup2(null.as_raw_fd(), libc::STDERR_FILENO) < 0 {
                return None;
            }
            Some(saved)
        }
    }
}

impl Drop for QuietStderr {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(saved) = self.saved.take() {
            use std::os::fd::AsRawFd;
            // SAFETY: `dup2` only duplicates the saved descriptor back onto descriptor 2.
            unsafe {
                libc::dup2(saved.as_raw_fd(), libc::STDERR_FILENO);
            }
        }
    }
}
