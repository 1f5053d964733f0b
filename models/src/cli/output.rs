//! How `plan` and `bench` end: results to stdout, written and flushed with every error checked,
//! so that a full disk or a bad descriptor (`> /dev/full`) is exit status 2 and one line on
//! stderr — never a silent success, nor `println!`'s panic. A closed pipe still ends quietly:
//! SIGPIPE is restored at start-up, and an `EPIPE` seen anyway is a quiet success.

use std::fmt::Display;
use std::io::{self, Write};
use std::process::ExitCode;

/// Write `text` to stdout and flush it; the exit code to end with.
pub(crate) fn print(text: &str) -> ExitCode {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => write_failed(&err),
    }
}

/// The end of a run whose output could not be written.
pub(crate) fn write_failed(err: &io::Error) -> ExitCode {
    if err.kind() == io::ErrorKind::BrokenPipe {
        return ExitCode::SUCCESS;
    }
    fail(format_args!("cannot write the output: {err}"))
}

/// Exit status 2 with `error: MESSAGE` as one line on stderr (an error writing it is ignored:
/// there is nowhere left to report it).
pub(crate) fn fail(message: impl Display) -> ExitCode {
    let line = shorten(&message.to_string().replace(['\n', '\r'], " "));
    let _ = writeln!(io::stderr(), "error: {line}");
    ExitCode::from(2)
}

/// At most [`MAX_ERROR_CHARS`] characters of an error line: input echoed in it (a name, a value,
/// a path) stays readable however long it is.
fn shorten(line: &str) -> String {
    let count = line.chars().count();
    if count <= MAX_ERROR_CHARS {
        return line.to_owned();
    }
    let kept: String = line.chars().take(MAX_ERROR_CHARS).collect();
    format!("{kept}… ({count} characters)")
}

/// The longest error line, in characters.
const MAX_ERROR_CHARS: usize = 400;
