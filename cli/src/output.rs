//! [`Out`]: standard output for results, where a write that fails (a full disk, a closed file)
//! is an error the command reports — exit 2, one line — instead of a panic or a silent exit 0.
//! A closed pipe (`lockstep list | head`) still ends the process quietly: see
//! [`die_quietly_on_closed_pipe`](crate::die_quietly_on_closed_pipe).

use crate::error::CliError;
use std::fmt;
use std::io::{self, Write};

/// Line-oriented standard output, flushed after every line (rows appear as checks finish).
pub(crate) struct Out {
    out: io::Stdout,
}

impl Out {
    pub(crate) fn stdout() -> Self {
        Out { out: io::stdout() }
    }

    /// Write one line and flush it.
    pub(crate) fn line(&mut self, line: fmt::Arguments<'_>) -> Result<(), CliError> {
        let mut out = self.out.lock();
        writeln!(out, "{line}")
            .and_then(|()| out.flush())
            .map_err(CliError::Output)
    }
}
