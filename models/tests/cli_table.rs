//! Every subcommand of `lockstep` (`list`, `check`, `replay`, `plan`, `bench ordered|blocks|
//! tasktree`, the hidden `child`) and every flag, under bad input: numbers that do not parse or
//! are out of range, unknown flags, values, models and checkers, empty and huge strings,
//! arguments that are not UTF-8, bad `LOCKSTEP_*` knobs, missing files, directories instead of
//! files, unreadable files and databases, output that cannot be written. Each must end with
//! exit status 2 and exactly one non-empty line on stderr — no panic, no backtrace, no abort,
//! no hang, no garbage with exit 0 (issue 15).
//!
//! Most inputs fail while the arguments are parsed, so the whole table takes about a second;
//! one temporary directory (also the working directory of every run) holds the files.
#![cfg(target_os = "linux")]

use lockstep::check::Checker;
use std::collections::HashSet;
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

/// One bad input.
#[derive(Debug, Clone)]
struct Case {
    args: Vec<OsString>,
    env: Vec<(String, OsString)>,
    /// Standard output goes to `/dev/full`.
    full: bool,
    /// Text the error line must contain.
    what: String,
}

impl Case {
    fn env(mut self, name: &str, value: impl Into<OsString>) -> Self {
        self.env.push((name.to_owned(), value.into()));
        self
    }

    fn full(mut self) -> Self {
        self.full = true;
        self
    }

    /// What makes two cases the same input.
    fn key(&self) -> (Vec<OsString>, Vec<(String, OsString)>, bool) {
        (self.args.clone(), self.env.clone(), self.full)
    }
}

/// A case from UTF-8 arguments.
fn case(args: &[&str], what: &str) -> Case {
    Case {
        args: args.iter().map(OsString::from).collect(),
        env: Vec::new(),
        full: false,
        what: what.to_owned(),
    }
}

/// A case from arguments given as bytes (any of them may be invalid UTF-8).
fn raw(args: &[&[u8]], what: &str) -> Case {
    Case {
        args: args
            .iter()
            .map(|a| OsStr::from_bytes(a).to_owned())
            .collect(),
        env: Vec::new(),
        full: false,
        what: what.to_owned(),
    }
}

/// `check abba --checker sim-pct` with a bad `LOCKSTEP_*` knob.
fn knob(name: &str, value: impl Into<OsString>) -> Case {
    case(&["check", "abba", "--checker", "sim-pct"], name).env(name, value)
}

/// A flag of `prefix` with each bad value; the error names the flag.
fn flag_values(prefix: &[&str], flag: &str, values: &[&str]) -> Vec<Case> {
    values
        .iter()
        .map(|value| {
            let mut args = prefix.to_vec();
            args.extend([flag, value]);
            case(&args, flag)
        })
        .collect()
}

/// A child job with `field` replaced, for the test process as the parent.
fn job(field: &str, value: serde_json::Value) -> String {
    let mut job = serde_json::json!({
        "model": "abba", "variant": "fixed", "checker": "sim-pct", "iterations": 10,
        "seed": 0, "depth": 3, "preemptions": 2, "max_executions": 10, "max_seconds": null,
        "shard": null, "max_steps": null, "fault_budget": 0, "fault_probability": null,
        "shrink": null, "known_on_stdin": false, "parent": std::process::id(),
    });
    job[field] = value;
    job.to_string()
}

fn sim_token(label: &str) -> String {
    lockstep_sim::Builder::dfs(None)
        .label(label)
        .run(|| panic!("fails at once"))
        .unwrap_err()
        .token
}

fn shuttle_token(label: &str, schedule: &str) -> String {
    lockstep_sim::Token::shuttle(Checker::ShuttlePct, label, schedule)
        .unwrap()
        .encode()
}

/// One character of `token` changed, in the middle.
fn mangle(token: &str) -> String {
    let mut bytes = token.as_bytes().to_vec();
    let i = bytes.len() / 2;
    bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap()
}

/// Tokens that reproduce their failure (so `replay` gets as far as writing the report).
fn reproducing_tokens(dir: &Path) -> Vec<String> {
    ["sim-pct", "shuttle-pct"]
        .iter()
        .map(|checker| {
            let out = Command::new(env!("CARGO_BIN_EXE_lockstep"))
                .args(["check", "abba", "--json", "--checker", checker, "--db"])
                .arg(dir.join("tokens.db"))
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(0));
            let first: serde_json::Value =
                serde_json::from_slice(out.stdout.split(|&b| b == b'\n').next().unwrap()).unwrap();
            first["replay"].as_str().unwrap().to_owned()
        })
        .collect()
}

/// The files the cases refer to (by relative path: every run starts in `dir`).
fn prepare(dir: &Path) {
    let write = |name: &str, bytes: &[u8]| std::fs::write(dir.join(name), bytes).unwrap();
    std::fs::create_dir(dir.join("a-directory")).unwrap();
    write("text.db", b"this is not a database, just some text\n");
    write("jobs.txt", b"a\nb\n");
    write("bad-option.txt", b"a\nb bogus=1\n");
    write("unsorted.txt", b"b\na\n");
    write("duplicate.txt", b"a\na\n");
    write("no-name.txt", b"a\nduration=2\n");
    write("huge-duration.txt", b"a duration=1e300\n");
    write("not-utf8.txt", b"a\n\xff\xfe\n");
    let long = format!("a\nb {}=1\n", "x".repeat(200_000));
    write("long-line.txt", long.as_bytes());
    let newer = rusqlite::Connection::open(dir.join("newer.db")).unwrap();
    newer
        .execute_batch(
            "PRAGMA application_id = 1280004931; PRAGMA user_version = 99;
             CREATE TABLE future (x);",
        )
        .unwrap();
    std::os::unix::fs::symlink("loop-b", dir.join("loop-a")).unwrap();
    std::os::unix::fs::symlink("loop-a", dir.join("loop-b")).unwrap();
    let made = Command::new("mkfifo")
        .arg(dir.join("fifo"))
        .status()
        .unwrap();
    assert!(made.success(), "mkfifo");
    let foreign = rusqlite::Connection::open(dir.join("foreign.db")).unwrap();
    foreign
        .execute_batch("CREATE TABLE people (name TEXT);")
        .unwrap();
}

fn table() -> Vec<Case> {
    let huge = "a".repeat(100_000);
    let mut cases = vec![
        // ---- the command itself
        case(&[], "subcommand"),
        case(&["frobnicate"], "frobnicate"),
        case(&["--frobnicate"], "--frobnicate"),
        case(&["-x"], "-x"),
        case(&[""], "unrecognized subcommand"),
        case(&["help", "frobnicate"], "frobnicate"),
        raw(&[b"\xff"], "unrecognized subcommand"),
        case(&[&huge], "unrecognized subcommand"),
        // ---- list
        case(&["list", "extra"], "extra"),
        case(&["list", "--json=yes"], "--json"),
        case(&["list", "--json", "--json"], "--json"),
        case(&["list", "--frobnicate"], "--frobnicate"),
        raw(&[b"list", b"\xff"], "unexpected argument"),
        case(&["list"], "No space left on device").full(),
        case(&["list", "--json"], "No space left on device").full(),
        // ---- check: arguments
        case(&["check", "--checker"], "--checker"),
        case(&["check", "--iterations"], "--iterations"),
        case(&["check", "--preemptions"], "--preemptions"),
        case(&["check", "--preemptions", "--json"], "--preemptions"),
        case(&["check", "--frobnicate"], "--frobnicate"),
        case(&["check", "--json=yes"], "--json"),
        case(&["check", "no-such-model"], "unknown model `no-such-model`"),
        case(&["check", ""], "unknown model ``"),
        case(&["check", "abba/buggy"], "unknown model"),
        case(&["check", &huge], "unknown model"),
        raw(&[b"check", b"abba\xff"], "UTF-8"),
        case(&["check", "retry", "--checker", "loom"], "no chosen model"),
        case(
            &["check", "abba", "--checker", "sim-pct"],
            "No space left on device",
        )
        .full(),
        case(
            &["check", "abba", "--checker", "sim-pct", "--json"],
            "No space left on device",
        )
        .full(),
        raw(&[b"check", b"--checker", b"\xff"], "UTF-8"),
        raw(&[b"check", b"--seed", b"1\xff"], "UTF-8"),
        raw(&[b"check", b"--shard", b"0/\xff"], "UTF-8"),
        // ---- check: corpus databases that cannot be used
        case(&["check", "abba", "--db", "a-directory"], "Is a directory"),
        case(&["check", "abba", "--db", "/dev/null"], "corpus database"),
        case(&["check", "abba", "--db", "/dev/full"], "corpus database"),
        case(&["check", "abba", "--db", "/dev/zero"], "corpus database"),
        case(
            &["check", "abba", "--db", "text.db"],
            "not a lockstep corpus",
        ),
        case(
            &["check", "abba", "--db", "text.db/c.db"],
            "corpus database",
        ),
        case(&["check", "abba", "--db", "newer.db"], "schema version 99"),
        case(
            &["check", "abba", "--db", "foreign.db"],
            "another application",
        ),
        case(
            &["check", "abba", "--db", "/proc/self/status"],
            "corpus database",
        ),
        case(&["check", "abba", "--db", ""], "--db"),
        case(&["check", "abba", "--db", "fifo"], "corpus database"),
        case(&["check", "abba", "--db", "loop-a"], "symbolic links"),
        case(
            &["check", "abba", "--db", "/proc/nothing/c.db"],
            "cannot create",
        ),
        case(&["check", "abba", "--db"], "--db"),
        // ---- replay
        case(&["replay"], "<TOKEN>"),
        case(&["replay", ""], "malformed"),
        case(&["replay", "x"], "malformed"),
        case(&["replay", "ls1-"], "malformed"),
        case(&["replay", "ls1-AAAA"], "malformed"),
        case(&["replay", "ls1-@@@@"], "malformed"),
        case(&["replay", "sh1-@@"], "malformed"),
        case(
            &["replay", &format!("ls1-{}", "A".repeat(131_000))],
            "malformed",
        ),
        case(&["replay", &"z".repeat(131_000)], "malformed"),
        raw(&[b"replay", b"ls1-\xff"], "UTF-8"),
        case(&["replay", "--frobnicate"], "--frobnicate"),
        case(&["replay", &sim_token("abba/buggy@1"), "extra"], "extra"),
        case(
            &["replay", &sim_token("elsewhere/buggy@1")],
            "does not have",
        ),
        case(&["replay", &sim_token("abba/buggy@0")], "version 0"),
        case(&["replay", &sim_token("abba/buggy@1")], "does not match"),
        case(&["replay", &sim_token("")], "names no model"),
        case(&["replay", &sim_token("nolabel")], "name/variant@version"),
        case(&["replay", &sim_token("abba/buggy@x")], "bad version"),
        case(
            &["replay", &sim_token("abba/buggy@99999999999")],
            "bad version",
        ),
        case(
            &["replay", &mangle(&sim_token("abba/buggy@1"))],
            "malformed",
        ),
        case(
            &["replay", &{
                let t = sim_token("abba/buggy@1");
                t[..t.len() - 3].to_owned()
            }],
            "malformed",
        ),
        case(
            &[
                "replay",
                &mangle(&shuttle_token("abba/buggy@1", "shuttle1:0:e:0*2")),
            ],
            "malformed",
        ),
        case(
            &["replay", &shuttle_token("abba/buggy@1", "shuttle1:0:e:0*2")],
            "does not match",
        ),
        case(
            &["replay", &shuttle_token("abba/buggy@1", "garbage")],
            "does not match",
        ),
        case(
            &["replay", &shuttle_token("retry/buggy@1", "shuttle1:0:e:0")],
            "has no Shuttle program",
        ),
        // ---- plan
        case(&["plan"], "<FILE>"),
        case(&["plan", ""], "<FILE>"),
        case(&["plan", "missing.txt"], "missing.txt"),
        case(&["plan", "a-directory"], "Is a directory"),
        case(&["plan", "loop-a"], "symbolic links"),
        case(&["plan", "/dev/zero"], "larger than 64 MiB"),
        case(&["plan", "/proc/self/mem"], "cannot read the jobs file"),
        case(&["plan", "not-utf8.txt"], "not UTF-8"),
        raw(&[b"plan", b"missing-\xff.txt"], "cannot read the jobs file"),
        case(&["plan", "bad-option.txt"], "bad-option.txt:2"),
        case(&["plan", "unsorted.txt"], "unsorted.txt:2"),
        case(&["plan", "duplicate.txt"], "duplicate.txt:2"),
        case(&["plan", "no-name.txt"], "no-name.txt:2"),
        case(&["plan", "huge-duration.txt"], "huge-duration.txt:1"),
        case(&["plan", "long-line.txt"], "long-line.txt:2"),
        case(&["plan", "jobs.txt", "extra"], "extra"),
        case(&["plan", "jobs.txt", "--frobnicate"], "--frobnicate"),
        case(&["plan", "jobs.txt", "--json=1"], "--json"),
        case(&["plan", "jobs.txt", "--barrier-name", ""], "barrier name"),
        case(
            &["plan", "jobs.txt", "--barrier-name", "a/b"],
            "barrier name",
        ),
        case(
            &["plan", "jobs.txt", "--barrier-name", &format!("{huge}/")],
            "barrier name",
        ),
        raw(&[b"plan", b"jobs.txt", b"--barrier-name", b"\xff"], "UTF-8"),
        case(&["plan", "jobs.txt"], "No space left on device").full(),
        // ---- bench
        case(&["bench"], "one of ordered, blocks, tasktree"),
        case(&["bench", "frobnicate"], "frobnicate"),
        case(&["bench", ""], "unrecognized subcommand"),
        case(&["bench", "ordered", "--frobnicate"], "--frobnicate"),
        case(&["bench", "blocks", "--frobnicate"], "--frobnicate"),
        case(&["bench", "tasktree", "--frobnicate"], "--frobnicate"),
        case(&["bench", "tasktree", "extra"], "extra"),
        case(&["bench", "tasktree", "--barriers=yes"], "--barriers"),
        case(&["bench", "ordered", "--json=1"], "--json"),
        case(
            &["bench", "tasktree", "--jobs", "10", "--workers", "1"],
            "No space left on device",
        )
        .full(),
        raw(&[b"bench", b"ordered", b"--items", b"\xff"], "UTF-8"),
        raw(&[b"bench", b"ordered", b"--sink", b"\xff"], "UTF-8"),
        // ---- the hidden child command
        case(&["child"], "<JOB>"),
        case(&["child", ""], "bad child job"),
        case(&["child", "garbage"], "bad child job"),
        case(&["child", "{}"], "bad child job"),
        case(&["child", "null"], "bad child job"),
        case(&["child", "[]"], "bad child job"),
        case(&["child", &huge], "bad child job"),
        raw(&[b"child", b"{\xff}"], "UTF-8"),
        case(&["child", &job("parent", 1.into()), "extra"], "extra"),
        case(&["child", &job("parent", 1.into())], "parent"),
        case(&["child", &job("iterations", "x".into())], "bad child job"),
        case(&["child", &job("iterations", (-1).into())], "bad child job"),
        case(&["child", &job("iterations", 0.into())], "iterations"),
        case(&["child", &job("depth", 0.into())], "depth"),
        case(&["child", &job("depth", 1001.into())], "depth"),
        case(
            &["child", &job("max_executions", 0.into())],
            "max_executions",
        ),
        case(
            &["child", &job("shard", serde_json::json!([0, 0]))],
            "shard",
        ),
        case(
            &["child", &job("shard", serde_json::json!([5, 2]))],
            "shard",
        ),
        case(
            &["child", &job("max_seconds", (-1.0).into())],
            "max_seconds",
        ),
        case(
            &["child", &job("fault_probability", 2.0.into())],
            "fault_probability",
        ),
        case(&["child", &job("model", "nothing".into())], "no model"),
        case(
            &["child", &job("checker", "sim-nothing".into())],
            "unknown checker",
        ),
        case(
            &["child", &{
                let mut j: serde_json::Value =
                    serde_json::from_str(&job("model", "retry".into())).unwrap();
                j["checker"] = "loom".into();
                j.to_string()
            }],
            "has no loom program",
        ),
        // ---- LOCKSTEP_* knobs
        knob("LOCKSTEP_ITERATIONS", "abc"),
        knob("LOCKSTEP_ITERATIONS", "0"),
        knob("LOCKSTEP_ITERATIONS", "-1"),
        knob("LOCKSTEP_ITERATIONS", "1e3"),
        knob("LOCKSTEP_ITERATIONS", OsStr::from_bytes(b"1\xff")),
        knob("LOCKSTEP_SEED", "-1"),
        knob("LOCKSTEP_SEED", ""),
        knob("LOCKSTEP_SEED", "18446744073709551616"),
        knob("LOCKSTEP_DEPTH", "0"),
        knob("LOCKSTEP_DEPTH", "1001"),
        knob("LOCKSTEP_PREEMPTIONS", "x"),
        knob("LOCKSTEP_PREEMPTIONS", "1001"),
        knob("LOCKSTEP_MAX_STEPS", "0"),
        knob("LOCKSTEP_MAX_STEPS", "4294967297"),
        knob("LOCKSTEP_FAULT_BUDGET", "many"),
        knob("LOCKSTEP_FAULT_PROBABILITY", "2"),
        knob("LOCKSTEP_FAULT_PROBABILITY", "NaN"),
        knob("LOCKSTEP_SHRINK", "maybe"),
        knob("LOCKSTEP_MAX_DURATION", "0"),
        knob("LOCKSTEP_MAX_DURATION", "soon"),
        knob("LOCKSTEP_MAX_DURATION", huge.as_str()),
        case(
            &["check", "abba", "--checker", "loom"],
            "LOCKSTEP_PREEMPTIONS",
        )
        .env("LOCKSTEP_PREEMPTIONS", "256"),
    ];

    // ---- check: every flag's bad values
    let check = ["check", "abba"];
    cases.extend(flag_values(
        &check,
        "--checker",
        &["bogus", "", "SIM-PCT", "sim-pct,loom", "all,loom", &huge],
    ));
    cases.extend(flag_values(
        &check,
        "--iterations",
        &[
            "",
            "0",
            "-1",
            "abc",
            "1e3",
            "1000000000001",
            "18446744073709551616",
            " 5",
            "0x10",
        ],
    ));
    cases.extend(flag_values(
        &check,
        "--seed",
        &["", "-1", "abc", "18446744073709551616", "1.5"],
    ));
    cases.extend(flag_values(
        &check,
        "--depth",
        &["", "0", "1001", "18446744073709551615", "abc"],
    ));
    cases.extend(flag_values(
        &check,
        "--preemptions",
        &["", "256", "18446744073709551615", "-1", "nope", "none,2"],
    ));
    cases.extend(flag_values(
        &check,
        "--max-executions",
        &["", "0", "-1", "abc", "1000000000001"],
    ));
    cases.extend(flag_values(
        &check,
        "--max-seconds",
        &["", "0", "-1", "nan", "inf", "1e10", "abc"],
    ));
    cases.extend(flag_values(
        &check,
        "--shard",
        &[
            "",
            "3/2",
            "x",
            "1/0",
            "0/0",
            "4294967296/4294967297",
            "0/18446744073709551615",
            "0/1048577",
            "/",
            "1/",
            "/2",
            "-1/2",
            "a/b",
            "1/2/3",
        ],
    ));

    // ---- plan and bench: every number flag's bad values
    let plan = ["plan", "jobs.txt"];
    cases.extend(flag_values(
        &plan,
        "--workers",
        &["", "abc", "-1", "18446744073709551616"],
    ));
    cases.push(case(&["plan", "jobs.txt", "--workers", "0"], "--workers"));
    for (bench, flag, values) in [
        ("ordered", "--items", &["0", "abc", "100000001"][..]),
        ("ordered", "--workers", &["0", "1025"]),
        ("ordered", "--line-bytes", &["14", "65537"]),
        ("ordered", "--sink", &["tape", ""]),
        ("ordered", "--rounds", &["0", "1001"]),
        ("ordered", "--handoff-samples", &["0", "10000001"]),
        ("blocks", "--mib", &["0", "-1", "1048577"]),
        ("blocks", "--write-size", &["0", "67108865"]),
        ("blocks", "--workers", &["0", "1025"]),
        ("blocks", "--rounds", &["0", "1001"]),
        ("tasktree", "--jobs", &["0", "abc", "100000001"]),
        ("tasktree", "--workers", &["0", "1025"]),
    ] {
        cases.extend(flag_values(&["bench", bench], flag, values));
    }
    cases
}

/// Makes a file immutable (`chattr +i`: even root cannot write it) while it lives.
struct Immutable(std::path::PathBuf);

impl Immutable {
    /// `None` where `chattr` is missing or the file system does not support it.
    fn new(path: std::path::PathBuf) -> Option<Immutable> {
        let set = Command::new("chattr")
            .arg("+i")
            .arg(&path)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        let guard = Immutable(path);
        let writable = std::fs::OpenOptions::new()
            .write(true)
            .open(&guard.0)
            .is_ok();
        (set && !writable).then_some(guard)
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = Command::new("chattr").arg("-i").arg(&self.0).status();
    }
}

#[test]
fn every_bad_input_is_exit_2_and_one_line() {
    let dir = tempfile::tempdir().unwrap();
    prepare(dir.path());
    let mut cases = table();
    for token in reproducing_tokens(dir.path()) {
        cases.push(case(&["replay", &token], "No space left on device").full());
    }
    // A corpus no one may write (where the file system lets even root be refused).
    let corpus = dir.path().join("immutable.db");
    drop(lockstep_cli::corpus::Corpus::open(&corpus).unwrap());
    let _immutable = Immutable::new(corpus);
    if _immutable.is_some() {
        cases.push(case(
            &["check", "abba", "--db", "immutable.db"],
            "read-only",
        ));
    } else {
        eprintln!("note: chattr +i is not available here: no read-only corpus case");
    }
    let cases = cases;
    let distinct: HashSet<_> = cases.iter().map(Case::key).collect();
    assert_eq!(
        distinct.len(),
        cases.len(),
        "every case is a distinct input"
    );
    assert!(cases.len() >= 100, "{} cases", cases.len());

    let start = Instant::now();
    let mut failures = Vec::new();
    for case in &cases {
        let mut command = Command::new(env!("CARGO_BIN_EXE_lockstep"));
        command
            .args(&case.args)
            .current_dir(dir.path())
            .env_remove("RUST_BACKTRACE")
            .stdin(Stdio::null());
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("LOCKSTEP_") {
                command.env_remove(name);
            }
        }
        for (name, value) in &case.env {
            command.env(name, value);
        }
        if case.full {
            command.stdout(
                std::fs::OpenOptions::new()
                    .write(true)
                    .open("/dev/full")
                    .unwrap(),
            );
        }
        let out = command.output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        let lines: Vec<&str> = err.lines().collect();
        let problems: Vec<String> = [
            (out.status.code() != Some(2)).then(|| format!("exit {:?}", out.status)),
            (lines.len() != 1).then(|| format!("{} stderr lines", lines.len())),
            lines
                .first()
                .filter(|l| l.trim().is_empty())
                .map(|_| "an empty line".to_owned()),
            (err.contains("panicked") || err.to_lowercase().contains("backtrace"))
                .then(|| "a panic".to_owned()),
            lines
                .iter()
                .find(|l| l.chars().count() > 600)
                .map(|l| format!("a line of {} characters", l.chars().count())),
            (!err.contains(&case.what)).then(|| format!("no mention of {:?}", case.what)),
            (!case.full && !out.stdout.is_empty()).then(|| {
                format!(
                    "stdout: {:?}",
                    String::from_utf8_lossy(&out.stdout[..out.stdout.len().min(200)])
                )
            }),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !problems.is_empty() {
            let args: Vec<String> = case
                .args
                .iter()
                .map(|a| {
                    let a = a.to_string_lossy();
                    if a.chars().count() > 60 {
                        format!("{}…", a.chars().take(60).collect::<String>())
                    } else {
                        a.into_owned()
                    }
                })
                .collect();
            let shown: String = err.chars().take(300).collect();
            failures.push(format!(
                "{args:?} env {:?}: {} — stderr {shown:?}",
                case.env
                    .iter()
                    .map(|(k, v)| format!(
                        "{k}={}",
                        v.to_string_lossy().chars().take(20).collect::<String>()
                    ))
                    .collect::<Vec<_>>(),
                problems.join(", ")
            ));
        }
    }
    eprintln!(
        "{} distinct bad inputs in {:.2?}",
        cases.len(),
        start.elapsed()
    );
    assert!(
        failures.is_empty(),
        "{} of {} cases:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
