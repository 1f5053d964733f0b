//! A progress line for long runs: executions so far, executions per second, and the share of
//! the (estimated) total — on stderr, only where a person can see it.
//!
//! Shown when stderr is a terminal and the run has taken more than a second (so `cargo test`
//! output and CI logs stay clean), at most four times a second, erased when the run ends.
//! `LOCKSTEP_PROGRESS=0` turns it off, `=1` forces it on, and `=lines` prints one
//! machine-readable line per update (`lockstep-progress EXECUTIONS RATE ESTIMATE`) — what
//! `lockstep check` reads from its child checks to update its own progress bar.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// The variable that controls the progress line (`0`, `1`, `lines`).
pub const PROGRESS: &str = "LOCKSTEP_PROGRESS";
/// The prefix of a machine-readable progress line.
pub const LINE_PREFIX: &str = "lockstep-progress ";

const FIRST_AFTER: Duration = Duration::from_secs(1);
const EVERY: Duration = Duration::from_millis(250);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Off,
    Terminal,
    Lines,
}

/// The progress reporter of one run.
#[derive(Debug)]
pub(crate) struct Progress {
    mode: Mode,
    name: &'static str,
    started: Instant,
    next: Instant,
    shown: bool,
}

impl Progress {
    pub(crate) fn new(name: &'static str) -> Self {
        let mode = match std::env::var(PROGRESS).as_deref() {
            Ok("0") => Mode::Off,
            Ok("lines") => Mode::Lines,
            Ok("1") => Mode::Terminal,
            _ if std::io::stderr().is_terminal() => Mode::Terminal,
            _ => Mode::Off,
        };
        let started = Instant::now();
        Progress {
            mode,
            name,
            started,
            next: started + FIRST_AFTER,
            shown: false,
        }
    }

    /// Note that `executions` have run; `estimate` gives the estimated total, if known (asked
    /// only when a line is shown: it may walk the whole search path).
    pub(crate) fn update(&mut self, executions: usize, estimate: impl FnOnce() -> Option<f64>) {
        if self.mode == Mode::Off {
            return;
        }
        let now = Instant::now();
        if now < self.next {
            return;
        }
        self.next = now + EVERY;
        let seconds = now.duration_since(self.started).as_secs_f64().max(1e-9);
        let rate = executions as f64 / seconds;
        let estimate = estimate();
        let mut err = std::io::stderr().lock();
        let _ = match self.mode {
            Mode::Lines => writeln!(
                err,
                "{LINE_PREFIX}{executions} {rate:.0} {}",
                estimate.map_or(-1.0, |e| e.round())
            ),
            _ => {
                self.shown = true;
                write!(
                    err,
                    "\r\x1b[Klockstep-sim {}: {}",
                    self.name,
                    describe(executions, rate, estimate)
                )
            }
        };
        let _ = err.flush();
    }

    /// Erase the line (the run is over).
    pub(crate) fn finish(&mut self) {
        if self.shown {
            let _ = write!(std::io::stderr(), "\r\x1b[K");
            self.shown = false;
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

/// `12345 executions, 4321/s, ~40% of an estimated 30000`.
pub fn describe(executions: usize, rate: f64, estimate: Option<f64>) -> String {
    let mut text = format!("{executions} executions, {rate:.0}/s");
    if let Some(total) = estimate.filter(|t| *t >= executions as f64 && *t > 0.0) {
        let share = 100.0 * executions as f64 / total;
        text.push_str(&format!(", ~{share:.0}% of an estimated {total:.0}"));
    }
    text
}

/// Parse a machine-readable progress line: `(executions, rate, estimate)`.
pub fn parse_line(line: &str) -> Option<(u64, f64, Option<f64>)> {
    let mut fields = line.strip_prefix(LINE_PREFIX)?.split_whitespace();
    let executions = fields.next()?.parse().ok()?;
    let rate = fields.next()?.parse().ok()?;
    let estimate: f64 = fields.next()?.parse().ok()?;
    Some((executions, rate, (estimate >= 0.0).then_some(estimate)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip_and_the_description_reads() {
        assert_eq!(
            parse_line("lockstep-progress 12 3.5 40"),
            Some((12, 3.5, Some(40.0)))
        );
        assert_eq!(
            parse_line("lockstep-progress 12 3 -1"),
            Some((12, 3.0, None))
        );
        assert_eq!(parse_line("thread panicked"), None);
        assert_eq!(
            describe(10, 5.0, Some(40.0)),
            "10 executions, 5/s, ~25% of an estimated 40"
        );
        assert_eq!(describe(10, 5.0, None), "10 executions, 5/s");
    }
}
