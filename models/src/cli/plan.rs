//! `lockstep plan JOBS_FILE`: run the barrier scheduler over a jobs file in virtual time.
//!
//! The file has one job per line, `NAME [duration=SECONDS] [priority=INT] [skip] [fail]`; blank
//! lines and lines starting with `#` are ignored, and so is a UTF-8 byte-order mark at the start
//! of the file. Names must be sorted and unique (the scheduler's own rule); a line that starts
//! with an option (`duration=2`: the name forgotten) is refused rather than taken as a job
//! named `duration=2`. `skip` makes the job's completion return `no_skip = false`, `fail`
//! returns `fail = true`; the default duration is 1 s and the default priority 0 (lower first,
//! ties by name). The real scheduler runs in virtual time ([`Runner::simulate`]), so the output
//! is the same on every run. Bad input — including a plan whose virtual time would run past
//! about 584 years — is a message naming the file and line, exit status 2; so is output that
//! cannot be written (`> /dev/full`).

use super::output;
use lockstep::tasktree::{
    Barriers, Outcome, RunError, Runner, SimEvent, SimEventKind, TaskTree, TreeError, TreeOptions,
};
use serde::Serialize;
use std::fmt;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// Arguments of `lockstep plan`.
#[derive(Debug, clap::Args)]
pub(crate) struct PlanArgs {
    /// The jobs file: one `NAME [duration=SECONDS] [priority=INT] [skip] [fail]` per line.
    file: PathBuf,
    /// Jobs running at once.
    #[arg(long, default_value_t = 1, allow_negative_numbers = true)]
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

/// One job line.
#[derive(Debug, Clone, PartialEq)]
struct JobLine {
    line: usize,
    name: String,
    duration: Duration,
    priority: i64,
    outcome: Outcome,
}

/// A problem with the input, with the 1-based line it is on (if any).
#[derive(Debug, Clone, PartialEq, Eq)]
struct PlanError {
    line: Option<usize>,
    message: String,
}

#[derive(Serialize)]
struct EventJson<'a> {
    t: f64,
    event: &'static str,
    job: &'a str,
}

#[derive(Serialize)]
struct DoneJson {
    event: &'static str,
    failed: bool,
    makespan: f64,
}

/// Lines of output to `out`, keeping the first write error (later lines are dropped): a plan
/// goes on to report bad input even when its output cannot be written.
struct Lines<W: Write> {
    out: W,
    error: Option<io::Error>,
}

impl<W: Write> Lines<W> {
    fn new(out: W) -> Self {
        Lines { out, error: None }
    }

    fn line(&mut self, line: fmt::Arguments<'_>) {
        if self.error.is_none() {
            if let Err(err) = self.out.write_fmt(format_args!("{line}\n")) {
                self.error = Some(err);
            }
        }
    }

    /// Flush; the first error of any write or of the flush.
    fn finish(mut self) -> io::Result<W> {
        match self.error.take() {
            Some(err) => Err(err),
            None => self.out.flush().map(|()| self.out),
        }
    }
}

/// Run `lockstep plan`.
pub(crate) fn plan(args: PlanArgs) -> ExitCode {
    let mut out = Lines::new(BufWriter::new(io::stdout().lock()));
    let result = run(&args, &mut out);
    let written = out.finish();
    match (result, written) {
        (Err(err), _) => {
            let place = match err.line {
                Some(line) => format!("{}:{line}: ", args.file.display()),
                None => format!("{}: ", args.file.display()),
            };
            output::fail(format_args!("{place}{}", err.message))
        }
        (Ok(()), Err(err)) => output::write_failed(&err),
        (Ok(()), Ok(_)) => ExitCode::SUCCESS,
    }
}

/// Plan `args.file`, writing the events to `out`.
fn run(args: &PlanArgs, out: &mut Lines<impl Write>) -> Result<(), PlanError> {
    if args.workers == 0 {
        return Err(PlanError {
            line: None,
            message: "--workers must be at least 1".into(),
        });
    }
    let jobs = read_jobs(&args.file)?;
    let options = TreeOptions {
        barrier_name: args.barrier_name.clone(),
        barriers: if args.no_barriers {
            Barriers::Disabled
        } else {
            Barriers::Auto
        },
    };
    let tree = TaskTree::with_options(jobs.iter().map(|j| j.name.as_str()), &options)
        .map_err(|e| tree_error(&jobs, e))?;
    let find = |name: &str| -> &JobLine {
        let at = jobs
            .binary_search_by(|j| j.name.as_str().cmp(name))
            .expect("the scheduler only names listed jobs");
        &jobs[at]
    };
    let json = args.json;
    // The events are printed once the whole simulation succeeded: a run that ends in an error
    // (a clock overflow) prints the error alone, not half a schedule first.
    let mut events = Vec::new();
    let simulation = Runner::new(&tree)
        .max_workers(args.workers)
        .priority(|name: &str| find(name).priority)
        .simulate(
            |name| find(name).duration,
            |name, _ctl| find(name).outcome,
            |event| events.push((event.at, event.kind, event.job.to_owned())),
        )
        .map_err(|e| PlanError {
            // A clock overflow names its job: point at the job's line.
            line: match &e {
                RunError::ClockOverflow { job } => Some(find(job).line),
                _ => None,
            },
            message: e.to_string(),
        })?;
    for (at, kind, job) in &events {
        write_event(
            out,
            json,
            SimEvent {
                at: *at,
                kind: *kind,
                job,
            },
        );
    }
    let makespan = simulation.makespan.as_secs_f64();
    let failed = simulation.report.failed;
    if json {
        let done = DoneJson {
            event: "done",
            failed,
            makespan,
        };
        out.line(format_args!(
            "{}",
            serde_json::to_string(&done).expect("plain JSON")
        ));
    } else {
        out.line(format_args!("makespan {makespan:.3} s, failed: {failed}"));
    }
    Ok(())
}

fn write_event(out: &mut Lines<impl Write>, json: bool, event: SimEvent<'_>) {
    let t = event.at.as_secs_f64();
    let kind = match event.kind {
        SimEventKind::Start => "start",
        SimEventKind::Finish => "finish",
    };
    if json {
        let line = EventJson {
            t,
            event: kind,
            job: event.job,
        };
        out.line(format_args!(
            "{}",
            serde_json::to_string(&line).expect("plain JSON")
        ));
    } else {
        out.line(format_args!("{t:>12.3}  {kind:<6}  {}", event.job));
    }
}

/// Map a tree error about entry `index` to its line.
fn tree_error(jobs: &[JobLine], err: TreeError) -> PlanError {
    let text = err.to_string();
    // The line replaces the error's "entry N: " (a 0-based input position).
    let text = match err.index() {
        Some(_) => text
            .split_once(": ")
            .map_or(text.clone(), |(_, rest)| rest.to_owned()),
        None => text,
    };
    PlanError {
        line: err.index().map(|i| jobs[i].line),
        message: match err {
            TreeError::NotSorted { .. } | TreeError::Duplicate { .. } => {
                format!("{text} (job names must be sorted and unique)")
            }
            _ => text,
        },
    }
}

/// The largest jobs file `plan` reads (a million jobs take well under this): a larger file, or
/// a device that never ends (`/dev/zero`), is refused instead of exhausting memory.
const MAX_JOBS_FILE_BYTES: u64 = 64 << 20;

fn read_jobs(path: &Path) -> Result<Vec<JobLine>, PlanError> {
    use std::io::Read;
    let err = |message: String| PlanError {
        line: None,
        message,
    };
    let cannot = |e: io::Error| err(format!("cannot read the jobs file: {e}"));
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(MAX_JOBS_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(cannot)?;
    if bytes.len() as u64 > MAX_JOBS_FILE_BYTES {
        return Err(err(format!(
            "the jobs file is larger than {} MiB",
            MAX_JOBS_FILE_BYTES >> 20
        )));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        cannot(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("not UTF-8 (byte {})", e.utf8_error().valid_up_to()),
        ))
    })?;
    parse_jobs(&text)
}

/// Parse a jobs file (a leading UTF-8 byte-order mark is not part of the first name).
fn parse_jobs(text: &str) -> Result<Vec<JobLine>, PlanError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut jobs = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let content = raw.trim();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        jobs.push(parse_line(line, content)?);
    }
    Ok(jobs)
}

fn parse_line(line: usize, content: &str) -> Result<JobLine, PlanError> {
    let err = |message: String| PlanError {
        line: Some(line),
        message,
    };
    let mut words = content.split_whitespace();
    let name = words
        .next()
        .expect("a non-empty line has a word")
        .to_owned();
    if let Some((key @ ("duration" | "priority"), _)) = name.split_once('=') {
        return Err(err(format!(
            "the line starts with the option {key}= instead of a job name \
             (expected NAME [duration=SECONDS] [priority=INT] [skip] [fail])"
        )));
    }
    let mut job = JobLine {
        line,
        name,
        duration: Duration::from_secs(1),
        priority: 0,
        outcome: Outcome::DONE,
    };
    let (mut seen_duration, mut seen_priority) = (false, false);
    for word in words {
        match word.split_once('=') {
            Some(("duration", value)) if !seen_duration => {
                seen_duration = true;
                job.duration = parse_duration(value).ok_or_else(|| {
                    err(format!(
                        "bad duration {value:?}: expected seconds ≥ 0, e.g. duration=1.5"
                    ))
                })?;
            }
            Some(("priority", value)) if !seen_priority => {
                seen_priority = true;
                job.priority = value
                    .parse()
                    .map_err(|_| err(format!("bad priority {value:?}: expected an integer")))?;
            }
            Some((key @ ("duration" | "priority"), _)) => {
                return Err(err(format!("{key} given twice")));
            }
            None if word == "skip" => job.outcome.no_skip = false,
            None if word == "fail" => job.outcome.fail = true,
            _ => {
                return Err(err(format!(
                "unknown option {word:?} (expected duration=SECONDS, priority=INT, skip or fail)"
            )))
            }
        }
    }
    Ok(job)
}

/// Seconds (a non-negative decimal) to a duration, rounded to the nanosecond.
fn parse_duration(value: &str) -> Option<Duration> {
    let secs: f64 = value.parse().ok()?;
    if !secs.is_finite() || !(0.0..=1e9).contains(&secs) {
        return None;
    }
    Some(Duration::from_nanos((secs * 1e9).round() as u64))
}

#[cfg(test)]
mod props;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_option() {
        let jobs = parse_jobs("# a comment\n\na duration=2.5 priority=-3 skip fail\nb\n").unwrap();
        assert_eq!(jobs.len(), 2);
        assert_eq!(jobs[0].line, 3);
        assert_eq!(jobs[0].duration, Duration::from_millis(2500));
        assert_eq!(jobs[0].priority, -3);
        assert_eq!(jobs[0].outcome, Outcome::FAIL);
        assert_eq!(jobs[1].duration, Duration::from_secs(1));
        assert_eq!(jobs[1].outcome, Outcome::DONE);
    }

    #[test]
    fn bad_lines_name_their_line() {
        for (text, needle) in [
            ("a\nb duration=-1\n", "bad duration"),
            ("a\nb duration=x\n", "bad duration"),
            ("a\nb priority=1.5\n", "bad priority"),
            ("a\nb sikp\n", "unknown option"),
            ("a\nb duration=1 duration=2\n", "given twice"),
            ("a\nduration=2\n", "instead of a job name"),
            ("a\npriority=-1 b\n", "instead of a job name"),
        ] {
            let err = parse_jobs(text).unwrap_err();
            assert_eq!(err.line, Some(2), "{text:?}");
            assert!(err.message.contains(needle), "{text:?}: {}", err.message);
        }
    }

    #[test]
    fn a_byte_order_mark_is_not_part_of_the_first_name() {
        let jobs = parse_jobs("\u{feff}a\nb\n").unwrap();
        assert_eq!(jobs[0].name, "a");
        // Only at the start of the file: elsewhere it is a character of a name.
        let jobs = parse_jobs("a\n\u{feff}b\n").unwrap();
        assert_eq!(jobs[1].name, "\u{feff}b");
    }

    #[test]
    fn a_name_with_an_equals_sign_is_still_a_name() {
        let jobs = parse_jobs("a=b duration=2\nretention=7d\n").unwrap();
        assert_eq!(jobs[0].name, "a=b");
        assert_eq!(jobs[1].name, "retention=7d");
    }

    fn plan_text(text: &str, workers: usize, json: bool) -> Result<String, PlanError> {
        let dir = std::env::temp_dir().join(format!("lockstep-plan-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join(format!("jobs-{workers}-{json}-{}.txt", text.len()));
        std::fs::write(&file, text).unwrap();
        let args = PlanArgs {
            file,
            workers,
            barrier_name: "~".into(),
            no_barriers: false,
            json,
        };
        let mut out = Lines::new(Vec::new());
        run(&args, &mut out)?;
        Ok(String::from_utf8(out.finish().unwrap()).unwrap())
    }

    #[test]
    fn json_lines_are_exactly_as_specified() {
        let out = plan_text("a\na/b duration=2\nc duration=0.5 fail\n", 2, true).unwrap();
        assert_eq!(
            out,
            concat!(
                r#"{"t":0.0,"event":"start","job":"a"}"#,
                "\n",
                r#"{"t":0.0,"event":"start","job":"c"}"#,
                "\n",
                r#"{"t":0.5,"event":"finish","job":"c"}"#,
                "\n",
                r#"{"t":1.0,"event":"finish","job":"a"}"#,
                "\n",
                r#"{"t":1.0,"event":"start","job":"a/b"}"#,
                "\n",
                r#"{"t":3.0,"event":"finish","job":"a/b"}"#,
                "\n",
                r#"{"event":"done","failed":true,"makespan":3.0}"#,
                "\n",
            )
        );
    }

    #[test]
    fn human_output_and_determinism() {
        let text = "h\nh/r/a duration=2\nh/r/b duration=3 priority=-1\nh/r/~/prune\n";
        let first = plan_text(text, 2, false).unwrap();
        assert!(
            first.ends_with("makespan 5.000 s, failed: false\n"),
            "{first}"
        );
        assert!(
            first.contains("       4.000  start   h/r/~/prune\n"),
            "{first}"
        );
        for _ in 0..3 {
            assert_eq!(plan_text(text, 2, false).unwrap(), first);
        }
    }

    #[test]
    fn bad_input_names_the_line() {
        let err = plan_text("a\n# x\na\n", 1, false).unwrap_err();
        assert_eq!(err.line, Some(3));
        assert!(
            err.message.starts_with("duplicate job name"),
            "{}",
            err.message
        );
        let err = plan_text("a\n/b\n", 1, false).unwrap_err();
        assert_eq!(err.line, Some(2));
        let err = plan_text("a\n", 0, false).unwrap_err();
        assert_eq!(err.line, None);
    }

    #[test]
    fn tree_errors_map_to_lines() {
        let jobs = parse_jobs("b\n\n# c\na\n").unwrap();
        let err = TaskTree::new(jobs.iter().map(|j| j.name.as_str())).unwrap_err();
        let plan = tree_error(&jobs, err);
        assert_eq!(plan.line, Some(4));
        assert!(plan.message.contains("sorted"), "{}", plan.message);
    }
}
