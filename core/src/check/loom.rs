//! Run a model exhaustively under loom, with loom's process abort on deadlock contained.
//!
//! Loom explores every interleaving of a model (with dynamic partial-order reduction), optionally
//! bounded by a number of preemptions. When it finds a deadlock it panics from inside its
//! scheduler and then again while unwinding, which **aborts the process** — `catch_unwind` cannot
//! stop it. This adapter therefore re-runs the calling `#[test]` in a child process (the same
//! test binary, filtered to exactly that test) and turns the child's exit into an ordinary result:
//!
//! - exit 0 → [`Report`] with the number of executions;
//! - abort with loom's `deadlock; threads = [...]` message → [`FailureKind::Deadlock`];
//! - test failure → [`FailureKind::Panic`] with the panic message.
//!
//! ```no_run
//! use lockstep::check::loom;
//! use lockstep::sync::{Arc, Loom, Mutex, thread};
//!
//! #[test]
//! fn two_increments() {
//!     let report = loom::check(&loom::Config::default().preemption_bound(2), || {
//!         let n: Arc<Mutex<u32, Loom>, Loom> = Arc::new(Mutex::new(0));
//!         let n2 = n.clone();
//!         let h = thread::spawn::<Loom, _, _>(move || *n2.lock() += 1);
//!         *n.lock() += 1;
//!         h.join().unwrap();
//!         assert_eq!(*n.lock(), 2);
//!     });
//!     assert!(report.executions > 1);
//! }
//! ```
//!
//! # Limitations
//! - Containment needs the test harness: the child is found by the test thread's name, which
//!   libtest (and nextest) set to the test's path. Called from any other thread (a `main`, the
//!   CLI), the check runs in-process and a deadlock aborts that process; run it in a process of
//!   its own (the `lockstep` CLI does). [`Containment::InProcess`] forces in-process runs.
//! - A test that calls `check` several times re-runs the earlier checks in each child (they
//!   are deterministic); the child stops right after the check it was started for.
//! - Loom allows at most 5 threads per execution (the main thread included); under
//!   [`Timeouts::Explore`] each timed wait takes one more.
//! - Loom's preemption bound is at most [`MAX_PREEMPTION_BOUND`] (255); a larger one is refused
//!   as [`FailureKind::Invalid`] before loom runs.

use super::{Failure, FailureKind, Report};
use crate::sync::thread::panic_message;
use crate::sync::Timeouts;
use std::cell::Cell;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Environment variable naming the check (by its index in the test) a child process runs.
pub(crate) const CHILD_ENV: &str = "LOCKSTEP_LOOM_CHILD";
/// Environment variable carrying the results of the test's earlier checks into a child, so the
/// child returns them without running those checks again.
const PRIOR_ENV: &str = "LOCKSTEP_LOOM_PRIOR";
/// Environment variable: default preemption bound when [`Config::preemption_bound`] is not set.
pub const PREEMPTIONS_ENV: &str = "LOCKSTEP_LOOM_PREEMPTIONS";
/// The largest preemption bound loom takes (it stores the bound in a `u8` and panics on a
/// larger one); [`try_check`] refuses a larger bound with [`FailureKind::Invalid`].
pub const MAX_PREEMPTION_BOUND: usize = u8::MAX as usize;
/// A child's result line on stdout.
const RESULT_MARKER: &str = "lockstep-loom-result ";
/// Executions started so far, printed by a child when loom panics (before its abort).
const EXECUTIONS_MARKER: &str = "lockstep-loom-executions=";

/// Where a loom check runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Containment {
    /// In a child process when called from a test thread, else in-process (the default).
    #[default]
    ChildProcess,
    /// Always in this process (a deadlock aborts it).
    InProcess,
}

/// Loom settings. Every field has a builder method; the preemption bound can also come from
/// [`PREEMPTIONS_ENV`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// Most preemptions per execution (`None`: unbounded, loom's default; exhaustive).
    pub preemption_bound: Option<usize>,
    /// Stop after this many executions (`None`: explore everything within the bound).
    pub max_permutations: Option<usize>,
    /// Whether timed waits may time out (default: never, as in loom).
    pub timeouts: Timeouts,
    /// Where to run.
    pub containment: Containment,
    /// A [`PREEMPTIONS_ENV`] value that did not parse: the check refuses to run with it
    /// (unless [`preemption_bound`](Self::preemption_bound) overrides it).
    env_error: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        let (preemption_bound, env_error) =
            match super::env_knob(PREEMPTIONS_ENV, "a number of preemptions") {
                Ok(bound) => (bound, None),
                Err(why) => (None, Some(why)),
            };
        Self {
            preemption_bound,
            env_error,
            max_permutations: None,
            timeouts: Timeouts::Never,
            containment: Containment::ChildProcess,
        }
    }
}

impl Config {
    /// Bound the preemptions per execution.
    pub fn preemption_bound(mut self, bound: usize) -> Self {
        self.preemption_bound = Some(bound);
        self.env_error = None;
        self
    }
    /// Stop after `n` executions.
    pub fn max_permutations(mut self, n: usize) -> Self {
        self.max_permutations = Some(n);
        self
    }
    /// Set the timeout policy.
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }
    /// Set where the check runs.
    pub fn containment(mut self, containment: Containment) -> Self {
        self.containment = containment;
        self
    }
}

/// Run `model` under loom; panic with a readable report if loom finds a bug.
#[track_caller]
pub fn check<F>(config: &Config, model: F) -> Report
where
    F: Fn() + Send + Sync + 'static,
{
    match try_check(config, model) {
        Ok(report) => report,
        Err(failure) => panic!("{failure}"),
    }
}

/// Run `model` under loom with the default [`Config`].
#[track_caller]
pub fn model<F>(model: F) -> Report
where
    F: Fn() + Send + Sync + 'static,
{
    check(&Config::default(), model)
}

thread_local! {
    /// How many checks this test thread has started (to address one of several in a child).
    static CHECKS_STARTED: Cell<usize> = const { Cell::new(0) };
    /// Encoded results of the checks this test thread has completed.
    static PRIOR_RESULTS: std::cell::RefCell<Vec<String>> =
        const { std::cell::RefCell::new(Vec::new()) };
    /// Executions started by the running check (loom runs them all on this OS thread).
    static EXECUTIONS: Cell<usize> = const { Cell::new(0) };
}

/// In a child: on loom's deadlock panic (which runs the panic hook before loom aborts the
/// process), tell the parent how many executions had started.
fn report_executions_on_panic() {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            use std::io::Write;
            println!("\n{EXECUTIONS_MARKER}{}", EXECUTIONS.with(Cell::get));
            let _ = std::io::stdout().flush();
            previous(info);
        }));
    });
}

/// Run `model` under loom and return what it found.
pub fn try_check<F>(config: &Config, model: F) -> Result<Report, Failure>
where
    F: Fn() + Send + Sync + 'static,
{
    let index = CHECKS_STARTED.with(|c| c.replace(c.get() + 1));
    if let Ok(target) = std::env::var(CHILD_ENV) {
        // We are the child: earlier checks were run by the parent (their results came along);
        // run the addressed one, report it and exit before the rest of the test runs.
        let target: usize = target.parse().unwrap_or(0);
        if index < target {
            return prior_result(index);
        }
        report_executions_on_panic();
        let result = run_in_process(config, model);
        if index == target {
            report_to_parent(&result);
        }
        return result;
    }
    let test_name = std::thread::current()
        .name()
        .filter(|name| *name != "main")
        .map(str::to_owned);
    let result = match (validate(config), config.containment, test_name) {
        (Err(invalid), _, _) => Err(invalid),
        (Ok(()), Containment::ChildProcess, Some(test)) => run_in_child(&test, index),
        (Ok(()), _, _) => run_in_process(config, model),
    };
    PRIOR_RESULTS.with(|p| p.borrow_mut().push(encode_result(&result)));
    result
}

/// In a child: the parent's result of check `index` of this test.
fn prior_result(index: usize) -> Result<Report, Failure> {
    let prior = std::env::var(PRIOR_ENV).unwrap_or_default();
    prior
        .lines()
        .nth(index)
        .and_then(decode_result)
        .unwrap_or_else(|| Err(child_error(format!("no result for earlier check #{index}"))))
}

/// Why loom cannot run with `config`, as a [`FailureKind::Invalid`] failure: never loom's own
/// panic reported as a bug of the model.
fn validate(config: &Config) -> Result<(), Failure> {
    if let Some(why) = &config.env_error {
        return Err(Failure {
            checker: "loom",
            kind: FailureKind::Invalid,
            message: why.clone(),
            replay: None,
            executions: 0,
        });
    }
    match config.preemption_bound {
        Some(bound) if bound > MAX_PREEMPTION_BOUND => Err(Failure {
            checker: "loom",
            kind: FailureKind::Invalid,
            message: format!(
                "preemption bound {bound} is over loom's limit of {MAX_PREEMPTION_BOUND} \
                 (use no bound for an exhaustive search)"
            ),
            replay: None,
            executions: 0,
        }),
        _ => Ok(()),
    }
}

fn run_in_process<F>(config: &Config, model: F) -> Result<Report, Failure>
where
    F: Fn() + Send + Sync + 'static,
{
    validate(config)?;
    let executions = Arc::new(AtomicUsize::new(0));
    let counter = executions.clone();
    let timeouts = config.timeouts;
    EXECUTIONS.with(|c| c.set(0));
    let mut builder = ::loom::model::Builder::new();
    builder.preemption_bound = config.preemption_bound;
    builder.max_permutations = config.max_permutations;
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        builder.check(move || {
            let n = counter.fetch_add(1, Ordering::Relaxed) + 1;
            EXECUTIONS.with(|c| c.set(n));
            crate::sync::checker::begin_execution(timeouts);
            model();
        })
    }));
    match outcome {
        Ok(()) => Ok(Report {
            checker: "loom",
            executions: executions.load(Ordering::Relaxed),
        }),
        Err(payload) => {
            let message = panic_message(&*payload).to_owned();
            Err(Failure {
                checker: "loom",
                kind: classify(&message),
                message,
                replay: None,
                executions: executions.load(Ordering::Relaxed),
            })
        }
    }
}

/// Loom's deadlock panic starts with "deadlock"; anything else is a failed assertion or panic.
fn classify(message: &str) -> FailureKind {
    if message.starts_with("deadlock") {
        FailureKind::Deadlock
    } else {
        FailureKind::Panic
    }
}

fn run_in_child(test: &str, index: usize) -> Result<Report, Failure> {
    let exe = std::env::current_exe().map_err(|err| child_error(format!("current_exe: {err}")))?;
    let mut command = Command::new(exe);
    command.args([
        test,
        "--exact",
        "--nocapture",
        "--test-threads=1",
        "--include-ignored",
    ]);
    let prior = PRIOR_RESULTS.with(|p| p.borrow().join("\n"));
    command.env(PRIOR_ENV, prior);
    run_contained(command, index)
}

/// Run a loom check in a child process, for programs that are not tests (the `lockstep` CLI
/// re-runs itself this way). `command` must start a program whose first loom check is the one
/// wanted and that reaches it through [`try_check`] or [`check`]; the child reports its result
/// and exits right after it. A deadlock (loom's abort) comes back as [`FailureKind::Deadlock`].
pub fn try_check_in_child(command: Command) -> Result<Report, Failure> {
    run_contained(command, 0)
}

fn run_contained(mut command: Command, index: usize) -> Result<Report, Failure> {
    let program = format!("{:?}", command.get_program());
    let output = command
        .env(CHILD_ENV, index.to_string())
        .env("RUST_BACKTRACE", "0")
        .output()
        .map_err(|err| child_error(format!("could not start {program}: {err}")))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let executions = stdout
        .lines()
        .filter_map(|l| l.strip_prefix(EXECUTIONS_MARKER))
        .filter_map(|n| n.trim().parse().ok())
        .next_back()
        .unwrap_or(0);
    if let Some(result) = stdout
        .lines()
        .find_map(|l| l.strip_prefix(RESULT_MARKER))
        .and_then(decode_result)
    {
        return result;
    }
    if output.status.success() {
        return Err(child_error(format!(
            "the child {program} exited without reaching loom check #{index} \
             (for a test: is its name unique?)\n{stdout}"
        )));
    }
    if let Some(line) = stderr
        .lines()
        .find(|l| l.starts_with("deadlock; threads ="))
    {
        return Err(Failure {
            checker: "loom",
            kind: FailureKind::Deadlock,
            message: format!("no thread can make progress ({line})"),
            replay: None,
            executions,
        });
    }
    Err(Failure {
        checker: "loom",
        kind: FailureKind::Panic,
        message: first_panic_message(&stderr)
            .unwrap_or_else(|| format!("child exited with {}:\n{stderr}", output.status)),
        replay: None,
        executions,
    })
}

/// In a child: hand the addressed check's result to the parent on stdout and exit at once, so
/// the rest of the test (which may assert on the result) does not run twice.
fn report_to_parent(result: &Result<Report, Failure>) -> ! {
    use std::io::Write;
    println!("\n{RESULT_MARKER}{}", encode_result(result));
    let _ = std::io::stdout().flush();
    std::process::exit(0)
}

/// One line: `ok <executions>`, or `deadlock|panic|invalid <executions> <escaped message>`.
fn encode_result(result: &Result<Report, Failure>) -> String {
    match result {
        Ok(report) => format!("ok {}", report.executions),
        Err(failure) => {
            let kind = match failure.kind {
                FailureKind::Deadlock => "deadlock",
                FailureKind::Invalid => "invalid",
                _ => "panic",
            };
            let message = escape_line(&failure.message);
            format!("{kind} {} {message}", failure.executions)
        }
    }
}

fn decode_result(line: &str) -> Option<Result<Report, Failure>> {
    let mut parts = line.trim_end_matches('\r').splitn(3, ' ');
    let kind = parts.next()?;
    let executions = parts.next()?.parse().ok()?;
    let kind = match kind {
        "ok" => {
            return Some(Ok(Report {
                checker: "loom",
                executions,
            }))
        }
        "deadlock" => FailureKind::Deadlock,
        "panic" => FailureKind::Panic,
        "invalid" => FailureKind::Invalid,
        _ => return None,
    };
    Some(Err(Failure {
        checker: "loom",
        kind,
        message: unescape_line(parts.next().unwrap_or("")),
        replay: None,
        executions,
    }))
}

fn escape_line(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\n', "\\n")
}

fn unescape_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// The message of the first panic a child printed (`thread '..' panicked at file:line:` then the
/// message lines until a `note:` or an empty line).
fn first_panic_message(stderr: &str) -> Option<String> {
    let mut lines = stderr.lines().skip_while(|l| !l.contains("panicked at"));
    lines.next()?;
    let message: Vec<&str> = lines
        .take_while(|l| {
            !l.is_empty() && !l.starts_with("note:") && !l.starts_with("stack backtrace")
        })
        .collect();
    (!message.is_empty()).then(|| message.join("\n"))
}

fn child_error(message: String) -> Failure {
    Failure {
        checker: "loom",
        kind: FailureKind::Panic,
        message: format!("could not run the loom check in a child process: {message}"),
        replay: None,
        executions: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::{decode_result, encode_result, escape_line, first_panic_message, unescape_line};
    use crate::check::{Failure, FailureKind, Report};

    #[test]
    fn results_round_trip_through_their_line_form() {
        let ok: Result<Report, Failure> = Ok(Report {
            checker: "loom",
            executions: 12,
        });
        let failed: Result<Report, Failure> = Err(Failure {
            checker: "loom",
            kind: FailureKind::Deadlock,
            message: "deadlock; threads = [..]\nsecond line".into(),
            replay: None,
            executions: 3,
        });
        let invalid: Result<Report, Failure> = Err(Failure {
            checker: "loom",
            kind: FailureKind::Invalid,
            message: "preemption bound 256 is over loom's limit of 255".into(),
            replay: None,
            executions: 0,
        });
        for result in [ok, failed, invalid] {
            assert_eq!(decode_result(&encode_result(&result)), Some(result));
        }
        assert_eq!(decode_result("garbage"), None);
    }

    #[test]
    fn escaping_round_trips_multiline_messages() {
        for text in ["plain", "two\nlines", "back\\slash\\n", "", "\\"] {
            let escaped = escape_line(text);
            assert!(!escaped.contains('\n'));
            assert_eq!(unescape_line(&escaped), text);
        }
    }

    #[test]
    fn extracts_the_first_panic_message() {
        let stderr = "running 1 test\n\nthread 'x' panicked at src/a.rs:3:5:\nassertion failed\nleft: 1\nnote: run with RUST_BACKTRACE\n";
        assert_eq!(
            first_panic_message(stderr).as_deref(),
            Some("assertion failed\nleft: 1")
        );
        assert_eq!(first_panic_message("no panic here"), None);
    }
}
