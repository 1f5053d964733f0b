//! The `extract` program end to end: its stdout for the demo set is the same bytes for 1 and 4
//! workers and for the sequential baseline (and is snapshotted); a truncated archive and a
//! corrupt member fail alone with one clear line while the others complete, in order, and stay
//! recorded; setup errors are exit status 2 with one line on stderr.

use rusqlite::Connection;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn extract(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_extract"))
        .args(args)
        .output()
        .expect("the extract binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("UTF-8 output")
}

fn demo(dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["--demo", dir.to_str().unwrap()];
    args.extend_from_slice(extra);
    extract(&args)
}

/// `(offset, size)` of `archive`'s members, from the index the first run built.
fn members(db: &Path, archive: &str) -> Vec<(u64, u64)> {
    let db = Connection::open(db).unwrap();
    let mut query = db
        .prepare("SELECT offset, size FROM members WHERE archive = ?1 ORDER BY seq")
        .unwrap();
    let rows = query.query_map([archive], |row| Ok((row.get(0)?, row.get(1)?)));
    rows.unwrap().collect::<Result<_, _>>().unwrap()
}

/// Members of `archive` with a manifest recorded.
fn recorded(db: &Path, archive: &str) -> u64 {
    let db = Connection::open(db).unwrap();
    db.query_row(
        "SELECT COUNT(*) FROM members WHERE archive = ?1 AND manifest IS NOT NULL",
        [archive],
        |row| row.get(0),
    )
    .unwrap()
}

/// The archives' header lines, in the order printed.
fn extracting(out: &str) -> Vec<&str> {
    out.lines()
        .filter_map(|l| l.strip_prefix("Extracting "))
        .map(|l| l.split(' ').next().unwrap())
        .collect()
}

fn all_archives() -> Vec<String> {
    (0..12).map(|k| format!("{k:06}.tar")).collect()
}

#[test]
fn demo_stdout_is_the_same_bytes_for_1_and_4_workers_and_the_baseline() {
    let tmp = tempfile::tempdir().unwrap();
    let one = demo(&tmp.path().join("one"), &["--workers", "1"]);
    let four = demo(&tmp.path().join("four"), &["--workers", "4"]);
    let sequential = demo(&tmp.path().join("seq"), &["--sequential"]);
    for run in [&one, &four, &sequential] {
        assert!(run.status.success(), "{}", stderr(run));
        assert_eq!(
            stderr(run),
            "",
            "no progress bar when stderr is not a terminal"
        );
    }
    assert_eq!(stdout(&one), stdout(&four));
    assert_eq!(stdout(&one), stdout(&sequential));
    // A second run over the same index and store prints the same again.
    let again = demo(&tmp.path().join("four"), &["--workers", "4"]);
    assert_eq!(stdout(&again), stdout(&four));
    insta::assert_snapshot!("demo_stdout", stdout(&four));
}

/// Run the demo once (building the index), damage `archive` with `damage`, and run again.
fn damaged_run(
    archive: &str,
    damage: impl FnOnce(&Path, &[(u64, u64)]),
) -> (Output, PathBuf, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().to_path_buf();
    let first = demo(&tmp, &["--workers", "2"]);
    assert!(first.status.success(), "{}", stderr(&first));
    let db = tmp.join("index.db");
    damage(&tmp.join(archive), &members(&db, archive));
    // Extract the damaged archives (no --demo: it would rewrite them), with 4 workers.
    let (tmp_s, db_s) = (tmp.to_str().unwrap(), db.to_str().unwrap());
    let out = tmp.join("store");
    let run = extract(&[
        tmp_s,
        "--workers",
        "4",
        "--out",
        out.to_str().unwrap(),
        "--db",
        db_s,
    ]);
    let baseline = extract(&[
        tmp_s,
        "--sequential",
        "--out",
        out.to_str().unwrap(),
        "--db",
        db_s,
    ]);
    assert_eq!(
        stdout(&run),
        stdout(&baseline),
        "the failure is printed the same way"
    );
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    (run, db, dir)
}

/// Every archive's lines are there, in order; `failed` has one error line, right after its own
/// lines; the others are recorded completely.
fn assert_fails_alone(run: &Output, db: &Path, failed: &str, reason: &str) {
    let out = stdout(run);
    assert_eq!(extracting(&out), all_archives(), "{out}");
    let errors: Vec<&str> = out.lines().filter(|l| l.starts_with("error: ")).collect();
    assert_eq!(errors.len(), 1, "{out}");
    assert!(
        errors[0].starts_with(&format!("error: {failed}: ")),
        "{out}"
    );
    assert!(errors[0].contains(reason), "{out}");
    let next = out
        .lines()
        .skip_while(|l| !l.starts_with("error: "))
        .nth(1)
        .unwrap();
    assert!(
        next.starts_with("Extracting ") || next.starts_with("extracted "),
        "{out}"
    );
    assert!(
        out.contains(&format!("extracted 11 of 12 archives; failed: {failed}\n")),
        "{out}"
    );
    assert!(
        out.contains("\nverified "),
        "the other archives are verified: {out}"
    );
    for archive in all_archives().iter().filter(|a| *a != failed) {
        assert_eq!(
            recorded(db, archive),
            members(db, archive).len() as u64,
            "{archive}"
        );
        assert!(out.contains(&format!("checked {archive}: ")), "{out}");
    }
}

#[test]
fn a_truncated_archive_fails_alone_and_the_rest_is_kept() {
    let (run, db, _dir) = damaged_run("000003.tar", |path, members| {
        let (offset, size) = members[1];
        let file = fs::OpenOptions::new().write(true).open(path).unwrap();
        file.set_len(offset + size / 2).unwrap();
    });
    assert_fails_alone(&run, &db, "000003.tar", "truncated");
    // The member before the cut was extracted and stays recorded.
    assert_eq!(recorded(&db, "000003.tar"), 1);
    assert!(
        stdout(&run).contains("it was"),
        "names the size the index recorded"
    );
}

#[test]
fn a_corrupt_member_fails_its_archive_alone() {
    let (run, db, _dir) = damaged_run("000005.tar", |path, members| {
        let mut bytes = fs::read(path).unwrap();
        let (offset, size) = members[2];
        bytes[(offset + size / 2) as usize] ^= 0xff;
        fs::write(path, bytes).unwrap();
    });
    assert_fails_alone(&run, &db, "000005.tar", "checksum mismatch");
    assert_eq!(
        recorded(&db, "000005.tar"),
        2,
        "the members before it stay recorded"
    );
}

/// Exit status 2, nothing on stdout, and exactly one line on stderr, starting with `start`.
fn assert_setup_error(output: &Output, start: &str) {
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(stdout(output), "");
    let err = stderr(output);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with(start), "{err}");
}

#[test]
fn an_unwritable_out_is_exit_2_with_one_line() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("a-file");
    fs::write(&file, "not a directory").unwrap();
    let out = file.join("store");
    let dir = tmp.path().join("demo");
    let run = demo(&dir, &["--out", out.to_str().unwrap()]);
    assert_setup_error(&run, "extract: cannot write to --out ");
}

#[test]
fn a_missing_db_directory_is_exit_2_with_one_line() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("missing").join("index.db");
    let dir = tmp.path().join("demo");
    let run = demo(&dir, &["--db", db.to_str().unwrap()]);
    assert_setup_error(&run, "extract: cannot open the index ");
    assert!(stderr(&run).contains("does not exist"));
}

#[test]
fn bad_usage_is_exit_2_with_one_line() {
    assert_setup_error(&extract(&[]), "extract: no archives given");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_str().unwrap();
    assert_setup_error(
        &extract(&[dir, "--out", dir]),
        "extract: no .tar archives in ",
    );
    let run = extract(&["--demo", dir, "--sequential", "--workers", "4"]);
    assert_setup_error(&run, "extract: --sequential runs on one thread");
    assert_eq!(extract(&["--workers", "0"]).status.code(), Some(2));
}

#[test]
fn an_archive_unreadable_at_first_use_fails_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let demo_dir = dir.join("demo");
    assert!(demo(&demo_dir, &["--workers", "2"]).status.success());
    // A fresh copy with a fresh index: the broken archive cannot be indexed.
    let copy = dir.join("copy");
    fs::create_dir(&copy).unwrap();
    for name in all_archives() {
        fs::copy(demo_dir.join(&name), copy.join(&name)).unwrap();
    }
    fs::write(copy.join("000007.tar"), b"this is not a tar archive").unwrap();
    let out = dir.join("store");
    let run = extract(&[copy.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(1));
    let text = stdout(&run);
    assert!(
        text.contains("error: 000007.tar: cannot index it: "),
        "{text}"
    );
    assert!(
        text.contains("extracted 11 of 12 archives; failed: 000007.tar"),
        "{text}"
    );
}

#[test]
fn help_documents_the_program() {
    let help = stdout(&extract(&["--help"]));
    for needle in [
        "--demo",
        "--workers",
        "--out",
        "--db",
        "--sequential",
        "--block-size",
        "largest first",
        "byte-identical",
        "archive/~/verify",
        "Exit status",
        "stderr",
    ] {
        assert!(help.contains(needle), "--help lacks {needle:?}:\n{help}");
    }
}

#[test]
fn a_block_corrupted_in_the_store_fails_verification() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo");
    assert!(demo(&dir, &["--workers", "2"]).status.success());
    // Damage one stored block in place (same size: the store does not rewrite it).
    let store = dir.join("store");
    let block = fs::read_dir(&store)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && !p.ends_with("tmp"))
        .flat_map(|d| fs::read_dir(d).unwrap().map(|e| e.unwrap().path()))
        .next()
        .unwrap();
    let mut bytes = fs::read(&block).unwrap();
    bytes[0] ^= 1;
    fs::write(&block, bytes).unwrap();
    let run = demo(&dir, &["--workers", "4"]);
    assert_eq!(run.status.code(), Some(1));
    let out = stdout(&run);
    assert!(out.contains("extracted 12 of 12 archives\n"), "{out}");
    let errors: Vec<&str> = out.lines().filter(|l| l.starts_with("error: ")).collect();
    // One archive's re-read fails (two if the block is the shared member's).
    assert!((1..=2).contains(&errors.len()), "{out}");
    for error in errors {
        assert!(error.starts_with("error: archive/~/verify/"), "{out}");
        assert!(error.contains("is corrupt"), "{out}");
    }
}
