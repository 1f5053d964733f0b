//! `--html` of the `lockstep` command: `replay TOKEN --html FILE` writes the failure's timeline,
//! `check --html DIR` one page per failure row, and a directory or file that cannot be written
//! is refused (exit 2, one line).

use std::process::{Command, Output};

fn lockstep(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lockstep"))
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("run lockstep")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[track_caller]
fn assert_refused(out: &Output, what: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "stderr: {err:?}");
    assert_eq!(err.lines().count(), 1, "exactly one line: {err:?}");
    assert!(!err.contains("panicked"), "{err:?}");
    assert!(err.contains(what), "{err:?} should mention {what:?}");
}

/// The `--json` rows of `check abba` under `checker`, with pages written into `pages`.
fn check_abba(checker: &str, db: &str, pages: &str) -> (Output, Vec<serde_json::Value>) {
    let out = lockstep(&[
        "check",
        "abba",
        "--checker",
        checker,
        "--json",
        "--db",
        db,
        "--html",
        pages,
    ]);
    let rows = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .filter(|v: &serde_json::Value| v.get("model").is_some())
        .collect();
    (out, rows)
}

#[test]
fn check_writes_one_page_per_failure_row_and_replay_writes_the_timeline() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("corpus.db");
    let pages = dir.path().join("pages/nested");
    // A variant stops at its first failure, so each checker runs on its own: the simulator's
    // rows and loom's, into the same directory.
    let mut rows = Vec::new();
    for checker in ["sim-dfs", "loom"] {
        let (out, more) = check_abba(checker, db.to_str().unwrap(), pages.to_str().unwrap());
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        rows.extend(more);
    }
    let bugs: Vec<&serde_json::Value> = rows
        .iter()
        .filter(|r| r["verdict"] == "bug-found")
        .collect();
    assert_eq!(bugs.len(), 2, "{rows:?}");
    let mut written: Vec<String> = std::fs::read_dir(&pages)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    let mut expected: Vec<String> = bugs
        .iter()
        .map(|r| format!("abba.buggy.{}.html", r["checker"].as_str().unwrap()))
        .collect();
    expected.sort();
    assert_eq!(
        written, expected,
        "one page per failure row, none for the others"
    );
    // A simulator row's page is its timeline: two lanes and the cycle.
    let sim = std::fs::read_to_string(pages.join("abba.buggy.sim-dfs.html")).unwrap();
    assert_eq!(sim.matches("class=\"lane-head\"").count(), 2);
    assert_eq!(sim.matches("class=\"edge cycle\"").count(), 2);
    // A loom row's page is its report (loom keeps no step record).
    let loom = std::fs::read_to_string(pages.join("abba.buggy.loom.html")).unwrap();
    assert!(loom.contains("class=\"report\"") && !loom.contains("lane-head"));

    // `replay --html` writes the same timeline for the row's token.
    let token = bugs
        .iter()
        .find(|r| r["checker"] == "sim-dfs")
        .and_then(|r| r["replay"].as_str())
        .expect("a sim-dfs token");
    let file = dir.path().join("replayed.html");
    let out = lockstep(&["replay", token, "--html", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("timeline written to"),
        "{}",
        stdout(&out)
    );
    let replayed = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        replayed, sim,
        "the page of the row is the page of its replay"
    );
}

#[test]
fn an_unwritable_html_directory_is_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"not a directory").unwrap();
    let db = dir.path().join("corpus.db");
    for bad in [file.clone(), file.join("below-a-file")] {
        let (out, rows) = check_abba("sim-dfs", db.to_str().unwrap(), bad.to_str().unwrap());
        assert_refused(&out, "cannot write HTML");
        assert!(rows.is_empty(), "nothing ran: {rows:?}");
    }
}

#[test]
fn replay_refuses_an_html_file_it_cannot_write() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("corpus.db");
    let pages = dir.path().join("pages");
    let (_, rows) = check_abba("sim-dfs", db.to_str().unwrap(), pages.to_str().unwrap());
    let token = rows[0]["replay"].as_str().expect("a token");
    let missing = dir.path().join("no/such/dir/page.html");
    let out = lockstep(&["replay", token, "--html", missing.to_str().unwrap()]);
    assert_refused(&out, "cannot write HTML");
}
