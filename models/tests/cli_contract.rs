//! The `lockstep` command's contract (issue 15), one test per defect, through the binary: bad
//! usage or input is exit status 2 and one clear line on stderr — never a panic, an abort or a
//! hang; nothing acknowledged is lost; a result that was not recorded is never reported as
//! success. The numbers are the issue's.
#![cfg(target_os = "linux")]

use lockstep_cli::corpus::Corpus;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// `lockstep` with `args`, in a clean environment: no `LOCKSTEP_*` knob and no
/// `RUST_BACKTRACE` leaks in from the caller's, and a scratch working directory (a regression
/// that runs a check without `--db` writes its default corpus there, not into the source tree).
fn command(args: &[&str]) -> Command {
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli_contract");
    std::fs::create_dir_all(&scratch).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_lockstep"));
    command
        .args(args)
        .current_dir(scratch)
        .env_remove("RUST_BACKTRACE");
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("LOCKSTEP_") {
            command.env_remove(name);
        }
    }
    command
}

fn lockstep(args: &[&str]) -> Output {
    command(args).output().expect("run lockstep")
}

fn lockstep_env(env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut command = command(args);
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("run lockstep")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Exit status 2, exactly one non-empty line on stderr that mentions `what`, and no panic.
#[track_caller]
fn assert_refused(out: &Output, what: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "stderr: {err:?}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "exactly one line: {err:?}");
    assert!(!lines[0].trim().is_empty(), "{err:?}");
    assert!(
        !err.contains("panicked") && !err.to_lowercase().contains("backtrace"),
        "a panic: {err:?}"
    );
    assert!(err.contains(what), "{err:?} should mention {what:?}");
}

/// The `--json` rows (without the summary line) of a run that exited with `code`.
#[track_caller]
fn json_rows(out: &Output, code: i32) -> Vec<serde_json::Value> {
    assert_eq!(out.status.code(), Some(code), "{}", stderr(out));
    stdout(out)
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .filter(|row| row.get("summary").is_none())
        .collect()
}

fn row<'a>(rows: &'a [serde_json::Value], variant: &str) -> &'a serde_json::Value {
    rows.iter()
        .find(|r| r["variant"] == variant)
        .unwrap_or_else(|| panic!("no {variant} row in {rows:?}"))
}

fn db(dir: &tempfile::TempDir, name: &str) -> String {
    dir.path().join(name).to_str().unwrap().to_owned()
}

fn sql(path: &str) -> rusqlite::Connection {
    rusqlite::Connection::open(path).unwrap()
}

fn count(path: &str, table: &str) -> i64 {
    sql(path)
        .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

// ---- #1: settings and the known failures they replay -------------------------------------

#[test]
fn known_failures_found_under_other_limits_are_not_replayed() {
    let dir = tempfile::tempdir().unwrap();
    let p = db(&dir, "p.db");
    // With a 3-step bound every execution is a "livelock", the fixed variant's too.
    let small = lockstep_env(
        &[("LOCKSTEP_MAX_STEPS", "3")],
        &[
            "check",
            "abba",
            "--checker",
            "sim-pct",
            "--json",
            "--db",
            &p,
        ],
    );
    let small = json_rows(&small, 1);
    assert!(row(&small, "fixed")["report"]
        .as_str()
        .unwrap()
        .contains("livelock"));
    // A default run must not inherit those tokens as known failures of the fixed variant.
    let plain = lockstep(&[
        "check",
        "abba",
        "--checker",
        "sim-pct",
        "--json",
        "--db",
        &p,
    ]);
    let plain = json_rows(&plain, 0);
    assert_eq!(row(&plain, "fixed")["verdict"], "passed");
    assert_eq!(row(&plain, "fixed")["schedules"], 1000);
    assert_eq!(row(&plain, "buggy")["verdict"], "bug-found");
    // They stay in the corpus: a run under the small bound still replays them.
    assert_eq!(
        Corpus::open(&p)
            .unwrap()
            .known_failures("abba", "fixed")
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn a_flag_beats_its_variable_which_beats_the_default() {
    let dir = tempfile::tempdir().unwrap();
    let p = db(&dir, "c.db");
    let args = [
        "check",
        "abba",
        "--checker",
        "sim-pct",
        "--json",
        "--db",
        &p,
    ];
    let mut flagged = args.to_vec();
    flagged.extend(["--iterations", "1000"]);
    let out = lockstep_env(&[("LOCKSTEP_ITERATIONS", "1")], &flagged);
    assert_eq!(row(&json_rows(&out, 0), "fixed")["schedules"], 1000);
    let out = lockstep_env(&[("LOCKSTEP_ITERATIONS", "7")], &args);
    assert_eq!(row(&json_rows(&out, 0), "fixed")["schedules"], 7);
}

#[test]
fn bad_knobs_are_refused_naming_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let p = db(&dir, "c.db");
    for (name, value) in [
        ("LOCKSTEP_ITERATIONS", "abc"),
        ("LOCKSTEP_PREEMPTIONS", "x"),
        ("LOCKSTEP_DEPTH", "0"),
    ] {
        let out = lockstep_env(
            &[(name, value)],
            &["check", "abba", "--checker", "sim-pct", "--db", &p],
        );
        assert_refused(&out, name);
    }
    assert!(
        !Path::new(&p).exists(),
        "refused before the corpus is opened"
    );
}

#[test]
fn the_seed_comes_from_the_flag_then_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let seeds = |env: &[(&str, &str)], extra: &[&str], name: &str| -> Vec<u64> {
        let p = db(&dir, name);
        let mut args = vec!["check", "abba", "--checker", "sim-pct", "--db", &p];
        args.extend_from_slice(extra);
        let out = lockstep_env(env, &args);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        Corpus::open(&p)
            .unwrap()
            .recent_runs(10)
            .unwrap()
            .iter()
            .map(|r| r.seed)
            .collect()
    };
    assert_eq!(seeds(&[("LOCKSTEP_SEED", "7")], &[], "a.db"), [7, 7]);
    assert_eq!(
        seeds(&[("LOCKSTEP_SEED", "7")], &["--seed", "9"], "b.db"),
        [9, 9]
    );
    assert_eq!(seeds(&[], &[], "c.db"), [0, 0]);
}

// ---- #2: loom's preemption bound -----------------------------------------------------------

#[test]
fn a_loom_bound_over_255_is_a_usage_error_from_any_source() {
    let dir = tempfile::tempdir().unwrap();
    let p = db(&dir, "c.db");
    let out = lockstep(&[
        "check",
        "abba",
        "--checker",
        "loom",
        "--preemptions",
        "256",
        "--db",
        &p,
    ]);
    assert_refused(&out, "--preemptions");
    let out = lockstep_env(
        &[("LOCKSTEP_PREEMPTIONS", "256")],
        &["check", "abba", "--checker", "loom", "--db", &p],
    );
    assert_refused(&out, "LOCKSTEP_PREEMPTIONS");
    assert!(
        stdout(&out).is_empty(),
        "no bug-found row: {}",
        stdout(&out)
    );
    // sim-dfs takes bounds up to 1000 from the environment.
    let out = lockstep_env(
        &[("LOCKSTEP_PREEMPTIONS", "256")],
        &["check", "abba", "--checker", "sim-dfs", "--db", &p],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn preemptions_none_reaches_loom_as_unbounded() {
    let dir = tempfile::tempdir().unwrap();
    let p = db(&dir, "c.db");
    let schedules = |bound: &str| {
        let out = lockstep(&[
            "check",
            "depth3",
            "--checker",
            "loom",
            "--preemptions",
            bound,
            "--json",
            "--db",
            &p,
        ]);
        row(&json_rows(&out, 0), "fixed")["schedules"]
            .as_u64()
            .unwrap()
    };
    let (bounded, unbounded) = (schedules("2"), schedules("none"));
    assert!(unbounded > bounded, "none: {unbounded}, 2: {bounded}");
}

/// The library refuses the bound itself, through the child protocol the CLI uses
/// (`try_check_in_child` reads the child's `invalid` result line).
#[test]
fn the_loom_adapter_reports_a_bound_over_255_as_invalid_through_a_child() {
    use lockstep::check::{loom, FailureKind};
    let job = serde_json::json!({
        "model": "abba", "variant": "fixed", "checker": "loom", "iterations": 1, "seed": 0,
        "depth": 3, "preemptions": 256, "max_executions": 1, "max_seconds": null,
        "shard": null, "max_steps": null, "fault_budget": 0, "fault_probability": null,
        "shrink": null, "known_on_stdin": false, "parent": std::process::id(),
    });
    let mut child = command(&["child", &job.to_string()]);
    child.stderr(Stdio::null());
    let failure = loom::try_check_in_child(child).expect_err("refused");
    assert_eq!(failure.kind, FailureKind::Invalid, "{failure}");
    assert!(!failure.kind.is_bug());
    assert!(failure.message.contains("255"), "{failure}");
}

// ---- #4, #5: numbers and shards out of range ----------------------------------------------

#[test]
fn numbers_out_of_range_are_usage_errors() {
    for (flag, value) in [
        ("--iterations", "0"),
        ("--depth", "0"),
        ("--max-executions", "0"),
        ("--depth", "18446744073709551615"),
        ("--preemptions", "18446744073709551615"),
        ("--shard", "4294967296/4294967297"),
        ("--shard", "0/18446744073709551615"),
    ] {
        let out = lockstep(&["check", "abba", "--checker", "sim-pct", flag, value]);
        assert_refused(&out, flag);
        assert!(stdout(&out).is_empty());
    }
}

#[test]
fn a_big_valid_shard_runs() {
    let dir = tempfile::tempdir().unwrap();
    let p = db(&dir, "c.db");
    for checker in ["sim-pct", "shuttle-pct"] {
        // Record abba/buggy's failure first: a shard of 2 schedules finds it as a known one.
        let out = lockstep(&["check", "abba", "--checker", checker, "--db", &p]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let out = lockstep(&[
            "check",
            "abba",
            "--checker",
            checker,
            "--shard",
            "3/1000",
            "--iterations",
            "2000",
            "--json",
            "--db",
            &p,
        ]);
        let rows = json_rows(&out, 0);
        assert_eq!(row(&rows, "fixed")["verdict"], "passed", "{checker}");
        assert_eq!(row(&rows, "fixed")["schedules"], 2, "{checker}");
        // A shard with no schedules of its own (5 iterations over 1000 shards) passes with
        // none, on shuttle as on the simulator (shuttle said `error`).
        let out = lockstep(&[
            "check",
            "abba",
            "--checker",
            checker,
            "--shard",
            "999/1000",
            "--iterations",
            "5",
            "--json",
            "--db",
            &p,
        ]);
        let rows = json_rows(&out, 0);
        assert_eq!(row(&rows, "fixed")["verdict"], "passed", "{checker}");
        assert_eq!(row(&rows, "fixed")["schedules"], 0, "{checker}");
    }
}

// ---- #6: replay of shuttle tokens ------------------------------------------------------------

#[test]
fn a_shuttle_replay_prints_the_report_and_nothing_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let p = db(&dir, "c.db");
    for model in ["abba", "atomicity"] {
        let out = lockstep(&[
            "check",
            model,
            "--checker",
            "shuttle-pct",
            "--json",
            "--db",
            &p,
        ]);
        let rows = json_rows(&out, 0);
        let token = row(&rows, "buggy")["replay"].as_str().unwrap().to_owned();
        // RUST_BACKTRACE=1 makes shuttle's panic hook print a backtrace: it must not show.
        let out = lockstep_env(&[("RUST_BACKTRACE", "1")], &["replay", &token]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_eq!(stderr(&out), "", "{model}");
        assert!(stdout(&out).contains("reproduces"), "{}", stdout(&out));
        assert!(
            stdout(&out).contains(&format!("lockstep replay {token}")),
            "{}",
            stdout(&out)
        );

        // Mangled: one character changed in the middle.
        let mut mangled = token.clone().into_bytes();
        let i = mangled.len() / 2;
        mangled[i] = if mangled[i] == b'A' { b'B' } else { b'A' };
        let out = lockstep_env(
            &[("RUST_BACKTRACE", "1")],
            &["replay", std::str::from_utf8(&mangled).unwrap()],
        );
        assert_refused(&out, "malformed");
    }
}

#[test]
fn a_shuttle_token_that_does_not_fit_its_model_is_refused_quietly() {
    // A well-formed token for abba/buggy carrying a schedule of another program.
    let token = lockstep_sim::Token::shuttle(
        lockstep::check::Checker::ShuttlePct,
        "abba/buggy@1",
        "shuttle1:0:e:0*2",
    )
    .unwrap();
    let out = lockstep_env(&[("RUST_BACKTRACE", "1")], &["replay", &token.encode()]);
    assert_refused(&out, "does not match");
}

// ---- #7: output that cannot be written ------------------------------------------------------

#[test]
fn output_to_a_full_device_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let p = db(&dir, "c.db");
    for args in [
        &["list"][..],
        &["list", "--json"],
        &["check", "abba", "--checker", "sim-pct", "--db", &p],
        &[
            "check",
            "abba",
            "--checker",
            "sim-pct",
            "--json",
            "--db",
            &p,
        ],
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = command(args).stdout(full).output().unwrap();
        assert_refused(&out, "No space left on device");
    }
}

// ---- #8: cancelling a run --------------------------------------------------------------------

/// Processes whose command line contains `needle` (this test's own excluded).
fn processes_with(needle: &str) -> Vec<u32> {
    let me = std::process::id();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == me {
            continue;
        }
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) {
            if String::from_utf8_lossy(&cmdline).contains(needle) {
                found.push(pid);
            }
        }
    }
    found
}

/// Whether `pid` is still a process (a zombie is not: it runs nothing).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit_once(") ")
            .is_some_and(|(_, s)| !s.starts_with('Z'))
    })
}

#[test]
fn killing_check_leaves_no_check_running() {
    let dir = tempfile::tempdir().unwrap();
    let p = db(&dir, "c.db");
    for signal in ["TERM", "KILL"] {
        let mut parent = command(&[
            "check",
            "abba",
            "--checker",
            "sim-random",
            "--iterations",
            "100000000",
            "--db",
            &p,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
        let marker = format!("\"parent\":{}", parent.id());
        let start = Instant::now();
        let children = loop {
            let children = processes_with(&marker);
            if !children.is_empty() {
                break children;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "no child started"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(parent.id().to_string())
            .status()
            .unwrap();
        assert!(status.success());
        let _ = parent.wait();
        let start = Instant::now();
        while children.iter().any(|&pid| alive(pid)) {
            assert!(
                start.elapsed() < Duration::from_secs(2),
                "SIG{signal}: children {children:?} still run"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(
            processes_with(&marker).iter().all(|&pid| !alive(pid)),
            "SIG{signal}"
        );
    }
}

/// A child that dies before it has read its known tokens closes the pipe the parent is still
/// writing: the parent must see `EPIPE` and report the crashed check, not die of SIGPIPE (which
/// it leaves at its default for `| head`). The child is stopped as soon as it appears, so the
/// parent is blocked writing 10 MB of tokens into a full pipe when the child is killed.
#[test]
fn a_child_that_dies_before_reading_its_tokens_does_not_kill_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let p = db(&dir, "c.db");
    let out = lockstep(&["check", "abba", "--checker", "sim-random", "--db", &p]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let conn = sql(&p);
    conn.execute_batch("BEGIN").unwrap();
    for i in 0..5000 {
        conn.execute(
            "INSERT INTO failures VALUES ('abba', 'fixed', 'sim-random', ?1, 's', 'r', 2, 2, 1, 1, 1)",
            [format!("ls1-{}{i}", "A".repeat(2000))],
        )
        .unwrap();
    }
    conn.execute_batch("COMMIT").unwrap();
    let parent = command(&[
        "check",
        "abba",
        "--checker",
        "sim-random",
        "--iterations",
        "100000000",
        "--json",
        "--db",
        &p,
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    // The fixed variant's child is the one fed the 5,000 tokens (the buggy one's known failure
    // ends its check at once).
    let marker = "\"variant\":\"fixed\"";
    let parent_marker = format!("\"parent\":{}", parent.id());
    let start = Instant::now();
    let child = loop {
        if let Some(&pid) = processes_with(&parent_marker)
            .iter()
            .find(|&&pid| cmdline(pid).contains(marker))
        {
            break pid;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "no child");
    };
    for signal in ["-STOP", "-KILL"] {
        let status = Command::new("kill")
            .args([signal, &child.to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }
    let out = parent.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "the run ends normally, with an unmet expectation: {:?} {}",
        out.status,
        stderr(&out)
    );
    let rows = json_rows(&out, 1);
    assert_eq!(row(&rows, "fixed")["verdict"], "error");
    assert!(
        row(&rows, "fixed")["report"]
            .as_str()
            .unwrap()
            .contains("crashed"),
        "{rows:?}"
    );
}

/// Threads the OS will not start (a 128 TiB `RUST_MIN_STACK`): a check without known tokens
/// needs none and runs; one with known tokens cannot feed them and says so in its row — never a
/// panic of the run.
#[test]
fn a_check_without_threads_runs_or_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let p = db(&dir, "c.db");
    let huge_stack = ("RUST_MIN_STACK", "140737488355328");
    let args = [
        "check",
        "abba",
        "--checker",
        "sim-pct",
        "--json",
        "--db",
        &p,
    ];
    let out = lockstep_env(&[huge_stack], &args);
    assert_eq!(row(&json_rows(&out, 0), "fixed")["verdict"], "passed");
    assert_eq!(stderr(&out), "");
    // Now abba/buggy has a known failure to feed.
    let out = lockstep_env(&[huge_stack], &args);
    let rows = json_rows(&out, 1);
    assert_eq!(row(&rows, "buggy")["verdict"], "error");
    assert!(
        row(&rows, "buggy")["report"]
            .as_str()
            .unwrap()
            .contains("could not start a thread"),
        "{rows:?}"
    );
    assert_eq!(row(&rows, "fixed")["verdict"], "passed");
    assert_eq!(stderr(&out), "");
}

fn cmdline(pid: u32) -> String {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default()
}

// ---- #9: a locked corpus ----------------------------------------------------------------------

#[test]
fn a_corpus_locked_by_another_process_stops_the_run_within_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let p = db(&dir, "c.db");
    let out = lockstep(&["check", "abba", "--checker", "sim-pct", "--db", &p]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let holder = sql(&p);
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let start = Instant::now();
    // Every model: many results to record, and the first that cannot be ends the run.
    let out = lockstep(&["check", "--checker", "sim-pct", "--json", "--db", &p]);
    let elapsed = start.elapsed();
    assert_refused(&out, "locked");
    assert!(stderr(&out).contains("1 of 1 results were not recorded"));
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
    assert!(stdout(&out).ends_with("{\"summary\":true,\"ok\":false}\n"));
    holder.execute_batch("ROLLBACK").unwrap();
    assert_eq!(count(&p, "runs"), 2, "nothing more was recorded");
}

// ---- #10: many known tokens, unreadable rows --------------------------------------------------

#[test]
fn many_long_known_tokens_do_not_stop_the_check() {
    let dir = tempfile::tempdir().unwrap();
    let p = db(&dir, "c.db");
    let out = lockstep(&["check", "abba", "--checker", "sim-pct", "--db", &p]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let real = Corpus::open(&p)
        .unwrap()
        .known_failures("abba", "buggy")
        .unwrap();
    assert_eq!(real.len(), 1);
    // 5,000 tokens of 2 KB (10 MB: far over a command line's limit), none decodable.
    let conn = sql(&p);
    conn.execute_batch("BEGIN").unwrap();
    for i in 0..5000 {
        conn.execute(
            "INSERT INTO failures VALUES ('abba', 'fixed', 'sim-pct', ?1, 's', 'r', 2, 2, 1, 1, 1)",
            [format!("ls1-{}{i}", "A".repeat(2000))],
        )
        .unwrap();
    }
    conn.execute_batch("COMMIT").unwrap();
    drop(conn);
    let out = lockstep(&[
        "check",
        "abba",
        "--checker",
        "sim-pct",
        "--json",
        "--db",
        &p,
    ]);
    let rows = json_rows(&out, 0);
    assert_eq!(row(&rows, "fixed")["verdict"], "passed");
    assert_eq!(row(&rows, "buggy")["verdict"], "bug-found");
    // Tokens this build cannot decode are skipped, not forgotten (a newer lockstep sharing the
    // corpus may read them); the run is recorded.
    let corpus = Corpus::open(&p).unwrap();
    assert_eq!(corpus.known_failures("abba", "fixed").unwrap().len(), 5000);
    assert_eq!(corpus.known_failures("abba", "buggy").unwrap().len(), 1);
    assert_eq!(count(&p, "runs"), 4);
}

#[test]
fn an_unreadable_failure_row_is_corrupt_and_nothing_is_recorded() {
    for (what, update) in [
        ("times_seen", "UPDATE failures SET times_seen = 'many'"),
        ("checker", "UPDATE failures SET checker = 'sim-bogus'"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let p = db(&dir, "c.db");
        let out = lockstep(&["check", "abba", "--checker", "sim-pct", "--db", &p]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        sql(&p).execute_batch(update).unwrap();
        let out = lockstep(&["check", "abba", "--checker", "sim-pct", "--db", &p]);
        assert_refused(&out, "not a lockstep corpus");
        assert!(stderr(&out).contains(what), "{}", stderr(&out));
        assert_eq!(count(&p, "runs"), 2, "{what}: nothing recorded");
    }
}

/// A known token that no longer fits its model is forgotten in the run's own transaction: when
/// the run cannot be recorded, the token stays.
#[test]
fn stale_tokens_are_forgotten_with_the_run_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let p = db(&dir, "c.db");
    let out = lockstep(&["check", "abba", "--checker", "sim-pct", "--db", &p]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // A well-formed token for abba/fixed, under the default limits, of another program.
    let stale = lockstep_sim::Builder::dfs(None)
        .label("abba/fixed@1")
        .run(|| panic!("fails at once"))
        .unwrap_err()
        .token;
    let insert = |conn: &rusqlite::Connection| {
        conn.execute(
            "INSERT INTO failures VALUES ('abba', 'fixed', 'sim-pct', ?1, 's', 'r', 2, 2, 1, 1, 1)",
            [&stale],
        )
        .unwrap();
    };
    insert(&sql(&p));
    // The fixed variant's run (the one with the stale token) cannot be recorded.
    let trigger = "CREATE TRIGGER refuse BEFORE INSERT ON runs WHEN NEW.variant = 'fixed' \
                   BEGIN SELECT RAISE(ABORT, 'refused (simulated)'); END;";
    sql(&p).execute_batch(trigger).unwrap();
    let out = lockstep(&["check", "abba", "--checker", "sim-pct", "--db", &p]);
    assert_refused(&out, "not recorded");
    let known = |p: &str| {
        Corpus::open(p)
            .unwrap()
            .known_failures("abba", "fixed")
            .unwrap()
    };
    assert_eq!(
        known(&p).len(),
        1,
        "the run was not recorded: the token stays"
    );
    sql(&p).execute_batch("DROP TRIGGER refuse").unwrap();
    let out = lockstep(&[
        "check",
        "abba",
        "--checker",
        "sim-pct",
        "--json",
        "--db",
        &p,
    ]);
    assert_eq!(row(&json_rows(&out, 0), "fixed")["verdict"], "passed");
    assert!(known(&p).is_empty(), "forgotten with the recorded run");
}

// ---- #13: a corpus that cannot take the results -----------------------------------------------

#[test]
fn results_that_cannot_be_recorded_are_not_reported_as_success() {
    let dir = tempfile::tempdir().unwrap();
    let p = db(&dir, "c.db");
    let out = lockstep(&["check", "abba", "--checker", "sim-pct", "--db", &p]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    sql(&p)
        .execute_batch(
            "CREATE TRIGGER full BEFORE INSERT ON runs \
             BEGIN SELECT RAISE(ABORT, 'database or disk is full (simulated)'); END;",
        )
        .unwrap();
    let out = lockstep(&[
        "check",
        "abba",
        "--checker",
        "sim-pct",
        "--json",
        "--db",
        &p,
    ]);
    assert_refused(&out, "1 of 1 results were not recorded");
    assert!(
        stderr(&out).contains("full (simulated)"),
        "{}",
        stderr(&out)
    );
    let text = stdout(&out);
    assert!(
        text.ends_with("{\"summary\":true,\"ok\":false}\n"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 2, "one row, then the summary: {text}");
    assert_eq!(count(&p, "runs"), 2);
    // The table says so too.
    let out = lockstep(&["check", "abba", "--checker", "sim-pct", "--db", &p]);
    assert_refused(&out, "not recorded");
    assert!(stdout(&out).contains("FAILED: a result could not be recorded"));
}

/// A real full file system, where this process may mount one (root with `CAP_SYS_ADMIN`).
#[test]
fn a_full_file_system_is_not_reported_as_success() {
    let dir = tempfile::tempdir().unwrap();
    let mount = dir.path().join("tiny");
    std::fs::create_dir(&mount).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=256k", "tmpfs"])
        .arg(&mount)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("note: cannot mount a tmpfs here; the trigger test stands in for a full disk");
        return;
    }
    struct Unmount(PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        }
    }
    let _unmount = Unmount(mount.clone());
    let p = mount.join("c.db").to_str().unwrap().to_owned();
    let out = lockstep(&["check", "abba", "--checker", "sim-pct", "--db", &p]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Hold the corpus open (its WAL files stay), then fill the file system to the last block:
    // the next check opens and reads the corpus, and meets the full disk when it records.
    let holder = sql(&p);
    let runs: i64 = holder
        .query_row("SELECT count(*) FROM runs", [], |r| r.get(0))
        .unwrap();
    assert_eq!(runs, 2);
    let filled = std::fs::write(mount.join("fill"), vec![0u8; 1 << 20]);
    assert!(filled.is_err(), "the file system is full");
    let out = lockstep(&[
        "check",
        "abba",
        "--checker",
        "sim-pct",
        "--json",
        "--db",
        &p,
    ]);
    assert_refused(&out, "1 of 1 results were not recorded");
    assert!(stderr(&out).contains("full"), "{}", stderr(&out));
    assert!(
        stdout(&out).ends_with("{\"summary\":true,\"ok\":false}\n"),
        "{}",
        stdout(&out)
    );
    drop(holder);
    let _ = std::fs::remove_file(mount.join("fill"));
    assert_eq!(count(&p, "runs"), 2, "nothing half-recorded");
}

// ---- #16, #17 ---------------------------------------------------------------------------------

#[test]
fn a_huge_garbage_token_is_not_echoed_whole() {
    for garbage in [
        format!("ls1-{}", "A".repeat(131_000)),
        "x".repeat(131_000),
        format!("ls1-{}", "@".repeat(131_000)),
    ] {
        let out = lockstep(&["replay", &garbage]);
        assert_refused(&out, "malformed");
        assert!(stderr(&out).len() < 500, "{} bytes", stderr(&out).len());
    }
}

#[test]
fn no_subcommand_is_one_line() {
    assert_refused(&lockstep(&[]), "subcommand");
}

#[test]
fn a_model_named_twice_runs_once() {
    let dir = tempfile::tempdir().unwrap();
    let p = db(&dir, "c.db");
    let out = lockstep(&[
        "check",
        "abba",
        "abba",
        "--checker",
        "sim-pct",
        "--json",
        "--db",
        &p,
    ]);
    let rows = json_rows(&out, 0);
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(count(&p, "runs"), 2);
}
