//! [`CliError`]: every way a command can refuse its input. Each is one line on stderr and exit
//! status 2 ([`CliError::exit`]); nothing in the runner reports bad input any other way.

use crate::corpus::CorpusError;
use lockstep_sim::{KnobError, TokenError};
use std::process::ExitCode;

/// Bad usage or input, or an environment the command cannot work in.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CliError {
    /// A model name the registry does not have.
    #[error("unknown model `{0}` (see `list`)")]
    UnknownModel(String),
    /// No chosen model has a program for the chosen checkers.
    #[error("no chosen model has a program for the chosen checker(s)")]
    NothingToRun,
    /// A `LOCKSTEP_*` environment variable that cannot be used.
    #[error(transparent)]
    Knob(#[from] KnobError),
    /// A flag's value out of range (beyond what clap checks alone).
    #[error("{0}")]
    Flag(String),
    /// A replay token that is malformed or does not fit.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// A token whose model this binary does not have, or has in another version.
    #[error("{0}")]
    Label(String),
    /// The corpus database cannot be used.
    #[error(transparent)]
    Corpus(#[from] CorpusError),
    /// Results were printed but not all were recorded in the corpus.
    #[error("{unrecorded} of {total} results were not recorded: {cause}")]
    Unrecorded {
        /// How many results were lost.
        unrecorded: usize,
        /// How many there were.
        total: usize,
        /// The first error.
        cause: CorpusError,
    },
    /// Standard output cannot be written (a full disk, a closed file).
    #[error("cannot write the output: {0}")]
    Output(std::io::Error),
    /// An HTML page or its directory cannot be written (`--html`).
    #[error("cannot write HTML to {path}: {cause}")]
    Html {
        /// The file or directory.
        path: String,
        /// Why.
        cause: String,
    },
    /// The internal child command was started with a job it cannot read.
    #[error("bad child job: {0}")]
    Job(String),
}

impl CliError {
    /// Print the error as one line on stderr; exit status 2.
    pub fn exit(&self) -> ExitCode {
        let text = self.to_string();
        let line = text.lines().next().unwrap_or("error");
        say(&format!("error: {}", shorten(line, 400)));
        ExitCode::from(2)
    }
}

/// One line on stderr; an error writing it is ignored (there is nowhere left to report it).
pub(crate) fn say(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// At most `max` characters of `text` (user input echoed in an error stays readable).
pub(crate) fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let kept: String = text.chars().take(max).collect();
    format!("{kept}… ({} characters)", text.chars().count())
}
