//! `lockstep fuzz` (issue 14), through the binary: it finds every buggy twin of the handoff,
//! depth3 and abba models and passes their fixed twins; `--json` rows are `check --json` rows
//! with `"checker":"sim-fuzz"` and one more key, `"corpus"`; the fuzz corpus persists in the
//! database and grows across runs; a fuzz failure's token replays; bad input is exit status 2
//! with one line on stderr.
#![cfg(target_os = "linux")]

use std::path::Path;
use std::process::{Command, Output};

/// `lockstep` with `args` and extra environment, in a clean environment and a scratch
/// directory.
fn lockstep_env(env: &[(&str, &str)], args: &[&str]) -> Output {
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli_fuzz");
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
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("run lockstep")
}

fn lockstep(args: &[&str]) -> Output {
    lockstep_env(&[], args)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The `--json` lines of a run that exited with `code`: the rows, then the summary.
#[track_caller]
fn json_lines(out: &Output, code: i32) -> (Vec<serde_json::Value>, serde_json::Value) {
    assert_eq!(out.status.code(), Some(code), "{}", stderr(out));
    let mut lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let summary = lines.pop().expect("a summary line");
    assert_eq!(summary["summary"], true);
    (lines, summary)
}

fn db(dir: &tempfile::TempDir) -> String {
    dir.path().join("corpus.db").to_string_lossy().into_owned()
}

/// The corpus size of `model` `variant` in a run's rows.
fn corpus_of(rows: &[serde_json::Value], model: &str, variant: &str) -> u64 {
    rows.iter()
        .find(|r| r["model"] == model && r["variant"] == variant)
        .unwrap_or_else(|| panic!("no {model} {variant} row"))["corpus"]
        .as_u64()
        .unwrap()
}

/// The command, with a shorter budget: every buggy twin is found, every fixed twin
/// passes, and each row is exactly a `check --json` row plus `corpus`.
#[test]
fn fuzz_finds_every_buggy_twin_and_passes_the_fixed_ones() {
    let dir = tempfile::tempdir().unwrap();
    let out = lockstep(&[
        "fuzz",
        "handoff",
        "depth3",
        "abba",
        "--seconds",
        "3",
        "--json",
        "--db",
        &db(&dir),
    ]);
    let (rows, summary) = json_lines(&out, 0);
    assert_eq!(summary["ok"], true);
    assert_eq!(rows.len(), 6, "{rows:?}");
    let keys = [
        "model",
        "variant",
        "checker",
        "expect",
        "verdict",
        "schedules",
        "seconds",
        "replay",
        "report",
        "corpus",
    ];
    for row in &rows {
        let got: Vec<&str> = row
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        let mut want = keys.to_vec();
        want.sort_unstable();
        let mut sorted = got.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, want, "{row}");
        assert_eq!(row["checker"], "sim-fuzz");
        match row["variant"].as_str().unwrap() {
            "buggy" => {
                assert_eq!(row["verdict"], "bug-found", "{row}");
                assert!(row["replay"].as_str().unwrap().starts_with("ls1-"));
            }
            _ => {
                assert_eq!(row["verdict"], "passed", "{row}");
                assert!(row["corpus"].as_u64().unwrap() >= 1, "{row}");
            }
        }
    }
    // The key order is check's, with corpus last.
    let line = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap()
        .to_owned();
    let positions: Vec<usize> = keys
        .iter()
        .map(|k| line.find(&format!("\"{k}\":")).unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{line}");
}

/// The corpus persists in the database: a second run starts from what the first left (a
/// first run capped at a few executions leaves little) and ends with at least as much, and more
/// here.
#[test]
fn the_corpus_persists_and_grows_across_runs() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    let first = lockstep_env(
        &[("LOCKSTEP_ITERATIONS", "2")],
        &["fuzz", "handoff", "--seconds", "2", "--json", "--db", &path],
    );
    let (rows, _) = json_lines(&first, 0);
    let before = corpus_of(&rows, "handoff", "fixed");
    assert!(before >= 1);
    let second = lockstep(&[
        "fuzz",
        "handoff",
        "--seconds",
        "2",
        "--seed",
        "1",
        "--json",
        "--db",
        &path,
    ]);
    let (rows, _) = json_lines(&second, 0);
    let after = corpus_of(&rows, "handoff", "fixed");
    assert!(after > before, "{before} -> {after}");
    let stored: i64 = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row(
            "SELECT count(*) FROM fuzz_corpus WHERE model = 'handoff' AND variant = 'fixed'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored as u64, after);
}

/// A fuzz failure's token replays it with `lockstep replay`.
#[test]
fn a_fuzz_failure_replays() {
    let dir = tempfile::tempdir().unwrap();
    let out = lockstep(&[
        "fuzz",
        "depth3",
        "--seconds",
        "2",
        "--json",
        "--db",
        &db(&dir),
    ]);
    let (rows, _) = json_lines(&out, 0);
    let buggy = rows.iter().find(|r| r["variant"] == "buggy").unwrap();
    let token = buggy["replay"].as_str().unwrap();
    let replay = lockstep(&["replay", token]);
    let text = String::from_utf8_lossy(&replay.stdout);
    assert_eq!(replay.status.code(), Some(0), "{}", stderr(&replay));
    assert!(text.contains("sim-fuzz"), "{text}");
    assert!(text.contains("published out of order"), "{text}");
}

/// Bad input: one line on stderr, exit status 2.
#[test]
fn bad_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["fuzz", "no-such-model", "--seconds", "1"],
        vec!["fuzz", "handoff", "--seconds", "0"],
        vec!["fuzz", "handoff", "--seconds", "-3"],
        vec!["fuzz", "handoff", "--shard", "3/3"],
    ] {
        let mut args = args.clone();
        let path = db(&dir);
        args.extend(["--db", &path]);
        let out = lockstep(&args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let not_a_db = dir.path().join("text");
    std::fs::write(&not_a_db, "not a database at all, just some text.").unwrap();
    let out = lockstep(&[
        "fuzz",
        "abba",
        "--seconds",
        "1",
        "--db",
        &not_a_db.to_string_lossy(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}
