//! The run/failure corpus: round trips, ordering, and every way a database file can be bad
//! (corrupt, foreign, newer, read-only, locked), plus concurrent writers.
//!
//! Read-only tests: these tests usually run as root, for whom permission bits do not stop a
//! write. [`make_unwritable`] therefore first tries the permission bits, checks with a real
//! write whether they bite, and if not (root) sets the immutable attribute (`chattr +i`), which
//! stops root too, and checks again. Only when neither makes the path unwritable does a test
//! assert the behaviour that then applies — the corpus works — and it says so on stderr.

use lockstep_cli::{Checker, Verdict};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use lockstep_cli::corpus::{
    Corpus, CorpusError, FailureRecord, KnownFailure, Options, RunRecord, SCHEMA_VERSION,
};

fn run(model: &str, variant: &str, checker: &str, seed: u64, started: i64) -> RunRecord {
    RunRecord {
        model: model.into(),
        variant: variant.into(),
        checker: checker.parse().unwrap(),
        seed,
        shard: None,
        schedules: 1000,
        verdict: Verdict::BugFound,
        seconds: 1.5,
        started_at_unix: started,
        lockstep_version: "0.1.0".into(),
    }
}

fn failure(run: &RunRecord, token: &str) -> FailureRecord {
    FailureRecord {
        model: run.model.clone(),
        variant: run.variant.clone(),
        checker: run.checker,
        token: token.into(),
        summary: format!("deadlock ({token})"),
        report: format!("full report of {token}\nline 2\n"),
    }
}

fn tokens(known: &[KnownFailure]) -> Vec<&str> {
    known.iter().map(|k| k.token.as_str()).collect()
}

fn fresh() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("corpus.db");
    (dir, path)
}

#[test]
fn runs_and_failures_round_trip_and_survive_reopening() {
    let (_dir, path) = fresh();
    let mut corpus = Corpus::open(&path).unwrap();
    assert_eq!(corpus.path(), path);
    let mut a = run("handoff", "buggy", "sim-pct", u64::MAX, 100);
    a.shard = Some((2, 3));
    a.schedules = u64::MAX - 1;
    let b = RunRecord {
        verdict: Verdict::Passed,
        seconds: 0.0,
        ..run("handoff", "fixed", "loom", 0, 200)
    };
    let fa = failure(&a, "tok-a");
    corpus.record(&a, std::slice::from_ref(&fa), 1000).unwrap();
    corpus.record(&b, &[], 1001).unwrap();
    drop(corpus);

    let corpus = Corpus::open(&path).unwrap();
    assert_eq!(corpus.recent_runs(10).unwrap(), vec![b, a]);
    let known = corpus.known_failures("handoff", "buggy").unwrap();
    assert_eq!(
        known,
        vec![KnownFailure {
            model: "handoff".into(),
            variant: "buggy".into(),
            checker: Checker::SimPct,
            token: "tok-a".into(),
            summary: fa.summary.clone(),
            first_seen_unix: 1000,
            last_seen_unix: 1000,
            times_seen: 1,
        }]
    );
    assert_eq!(
        corpus
            .failure_report("handoff", "buggy", Checker::SimPct, "tok-a")
            .unwrap(),
        Some(fa.report)
    );
    assert!(corpus
        .known_failures("handoff", "fixed")
        .unwrap()
        .is_empty());
}

#[test]
fn a_repeated_failure_updates_last_seen_and_times_seen_and_keeps_first_seen() {
    let (_dir, path) = fresh();
    let mut corpus = Corpus::open(&path).unwrap();
    let r = run("m", "buggy", "sim-dfs", 1, 10);
    corpus.record(&r, &[failure(&r, "t")], 100).unwrap();
    let mut again = failure(&r, "t");
    again.summary = "deadlock, newer wording".into();
    again.report = "newer report".into();
    corpus.record(&r, &[again], 300).unwrap();
    // A late-arriving record with an older time neither lowers last_seen nor raises first_seen.
    corpus.record(&r, &[failure(&r, "t")], 200).unwrap();

    let known = corpus.known_failures("m", "buggy").unwrap();
    assert_eq!(known.len(), 1);
    assert_eq!(
        (
            known[0].first_seen_unix,
            known[0].last_seen_unix,
            known[0].times_seen
        ),
        (100, 300, 3)
    );
    assert_eq!(
        known[0].summary, "deadlock (t)",
        "the latest sighting's summary"
    );
    assert_eq!(corpus.recent_runs(10).unwrap().len(), 3);
}

#[test]
fn failures_come_most_recently_seen_first_and_runs_newest_first() {
    let (_dir, path) = fresh();
    let mut corpus = Corpus::open(&path).unwrap();
    let r = run("m", "buggy", "sim-random", 1, 50);
    let other_checker = run("m", "buggy", "shuttle-pct", 2, 40);
    let other_variant = run("m", "fixed", "sim-random", 3, 60);
    corpus.record(&r, &[failure(&r, "old")], 100).unwrap();
    corpus
        .record(&other_checker, &[failure(&other_checker, "mid")], 200)
        .unwrap();
    // Same second: the later recording first, then by token.
    corpus
        .record(&r, &[failure(&r, "z-new"), failure(&r, "a-new")], 300)
        .unwrap();
    corpus
        .record(&other_variant, &[failure(&other_variant, "elsewhere")], 400)
        .unwrap();
    assert_eq!(
        tokens(&corpus.known_failures("m", "buggy").unwrap()),
        ["a-new", "z-new", "mid", "old"]
    );
    // Seeing "old" again makes it the most recent.
    corpus.record(&r, &[failure(&r, "old")], 500).unwrap();
    assert_eq!(
        tokens(&corpus.known_failures("m", "buggy").unwrap()),
        ["old", "a-new", "z-new", "mid"]
    );

    // Runs by start time (not recording order), newest first, limited.
    let seeds = |runs: Vec<RunRecord>| runs.iter().map(|r| r.seed).collect::<Vec<_>>();
    assert_eq!(seeds(corpus.recent_runs(10).unwrap()), [3, 1, 1, 1, 2]);
    assert_eq!(seeds(corpus.recent_runs(2).unwrap()), [3, 1]);
    assert!(corpus.recent_runs(0).unwrap().is_empty());
}

#[test]
fn forget_removes_one_failure_and_says_whether_it_existed() {
    let (_dir, path) = fresh();
    let mut corpus = Corpus::open(&path).unwrap();
    let r = run("m", "buggy", "sim-pct", 1, 1);
    corpus
        .record(&r, &[failure(&r, "keep"), failure(&r, "drop")], 10)
        .unwrap();
    assert!(corpus
        .forget("m", "buggy", Checker::SimPct, "drop")
        .unwrap());
    assert!(!corpus
        .forget("m", "buggy", Checker::SimPct, "drop")
        .unwrap());
    assert!(!corpus.forget("m", "buggy", Checker::Loom, "keep").unwrap());
    assert_eq!(
        tokens(&corpus.known_failures("m", "buggy").unwrap()),
        ["keep"]
    );
}

#[test]
fn record_and_forget_is_one_transaction() {
    let (_dir, path) = fresh();
    let mut corpus = Corpus::open(&path).unwrap();
    let r = run("m", "buggy", "sim-pct", 1, 1);
    corpus
        .record(&r, &[failure(&r, "old"), failure(&r, "kept")], 10)
        .unwrap();
    // A record that is refused forgets nothing.
    let bad = RunRecord {
        seconds: f64::NAN,
        ..r.clone()
    };
    let err = corpus
        .record_and_forget(&bad, &[], &["old".into()], 11)
        .unwrap_err();
    assert!(matches!(err, CorpusError::Invalid { .. }), "{err}");
    assert_eq!(corpus.known_failures("m", "buggy").unwrap().len(), 2);
    // One that is recorded forgets the stale tokens of its own model, variant and checker only,
    // and a token found again in the same run is kept.
    let other = run("m", "buggy", "sim-dfs", 1, 1);
    corpus
        .record(&other, &[failure(&other, "old")], 12)
        .unwrap();
    corpus
        .record_and_forget(
            &r,
            &[failure(&r, "new")],
            &["old".into(), "new".into(), "absent".into()],
            13,
        )
        .unwrap();
    let known = corpus.known_failures("m", "buggy").unwrap();
    let mut left: Vec<(Checker, &str)> = known
        .iter()
        .map(|k| (k.checker, k.token.as_str()))
        .collect();
    left.sort();
    assert_eq!(
        left,
        [
            (Checker::SimPct, "kept"),
            (Checker::SimPct, "new"),
            (Checker::SimDfs, "old")
        ]
    );
    assert_eq!(corpus.recent_runs(10).unwrap().len(), 3);
}

#[test]
fn invalid_records_are_refused_and_nothing_is_written() {
    let (_dir, path) = fresh();
    let mut corpus = Corpus::open(&path).unwrap();
    let good = run("m", "buggy", "sim-pct", 1, 1);
    let bad_runs = [
        RunRecord {
            shard: Some((3, 2)),
            ..good.clone()
        },
        RunRecord {
            seconds: f64::NAN,
            ..good.clone()
        },
        RunRecord {
            model: String::new(),
            ..good.clone()
        },
    ];
    for bad in &bad_runs {
        let err = corpus.record(bad, &[], 1).unwrap_err();
        assert!(matches!(err, CorpusError::Invalid { .. }), "{bad:?}: {err}");
    }
    let mut two_lines = failure(&good, "t");
    two_lines.summary = "one\ntwo".into();
    let mut other_model = failure(&good, "t");
    other_model.model = "n".into();
    for bad in [two_lines, other_model] {
        // The run is valid; the failure is not, so the run is not recorded either.
        let err = corpus.record(&good, &[bad], 1).unwrap_err();
        assert!(matches!(err, CorpusError::Invalid { .. }), "{err}");
    }
    assert!(corpus.recent_runs(10).unwrap().is_empty());
}

#[test]
fn open_creates_missing_parent_directories() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a/b/corpus.db");
    let mut corpus = Corpus::open(&path).unwrap();
    corpus
        .record(&run("m", "v", "sim-pct", 1, 1), &[], 1)
        .unwrap();
    assert!(path.is_file());
}

/// Opening `path` fails with `Corrupt`, and the file is left byte for byte as it was.
fn assert_corrupt_and_untouched(path: &Path) {
    let before = fs::read(path).unwrap();
    let err = Corpus::open(path).unwrap_err();
    eprintln!("{err}");
    assert!(matches!(err, CorpusError::Corrupt { .. }), "{err:?}");
    assert!(err.to_string().contains("not a lockstep corpus"), "{err}");
    assert_eq!(fs::read(path).unwrap(), before, "the file was modified");
}

#[test]
fn a_file_of_random_bytes_is_corrupt() {
    let (_dir, path) = fresh();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let bytes: Vec<u8> = (0..8192)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    fs::write(&path, bytes).unwrap();
    assert_corrupt_and_untouched(&path);
}

#[test]
fn a_text_file_is_corrupt() {
    let (_dir, path) = fresh();
    fs::write(&path, "model,verdict\nhandoff,passed\n").unwrap();
    assert_corrupt_and_untouched(&path);
}

#[test]
fn another_applications_sqlite_database_is_corrupt() {
    let (_dir, path) = fresh();
    let other = rusqlite::Connection::open(&path).unwrap();
    other
        .execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('hi');")
        .unwrap();
    drop(other);
    assert_corrupt_and_untouched(&path);
}

#[test]
fn a_zero_length_file_is_an_empty_corpus() {
    let (_dir, path) = fresh();
    fs::write(&path, b"").unwrap();
    let mut corpus = Corpus::open(&path).unwrap();
    assert!(corpus.recent_runs(10).unwrap().is_empty());
    corpus
        .record(&run("m", "v", "sim-pct", 1, 1), &[], 1)
        .unwrap();
    assert_eq!(corpus.recent_runs(10).unwrap().len(), 1);
}

#[test]
fn a_damaged_corpus_gives_corrupt_not_a_panic() {
    let (_dir, path) = fresh();
    let mut corpus = Corpus::open(&path).unwrap();
    for i in 0..200 {
        let r = run("m", "buggy", "sim-pct", i, 1);
        corpus
            .record(
                &r,
                &[failure(&r, &format!("token-{i:04}-{}", "x".repeat(40)))],
                1,
            )
            .unwrap();
    }
    drop(corpus); // the last connection checkpoints the WAL into the file
    let mut bytes = fs::read(&path).unwrap();
    let page = usize::from(u16::from_be_bytes([bytes[16], bytes[17]]));
    assert!(bytes.len() > 4 * page, "the corpus spans several pages");
    // Keep page 1 (header and schema), overwrite every other page with garbage.
    for (i, b) in bytes.iter_mut().enumerate().skip(page) {
        *b = (i * 131 % 251) as u8;
    }
    fs::write(&path, bytes).unwrap();

    let err = match Corpus::open(&path) {
        Err(err) => err,
        Ok(corpus) => corpus
            .known_failures("m", "buggy")
            .and_then(|_| corpus.recent_runs(1000))
            .unwrap_err(),
    };
    eprintln!("{err}");
    assert!(matches!(err, CorpusError::Corrupt { .. }), "{err:?}");
}

#[test]
fn a_newer_schema_version_is_refused_and_left_alone() {
    let (_dir, path) = fresh();
    let mut corpus = Corpus::open(&path).unwrap();
    corpus
        .record(&run("m", "v", "sim-pct", 1, 1), &[], 1)
        .unwrap();
    drop(corpus);
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    drop(raw);
    let before = fs::read(&path).unwrap();

    let err = Corpus::open(&path).unwrap_err();
    match &err {
        CorpusError::Version {
            found, supported, ..
        } => assert_eq!((*found, *supported), (SCHEMA_VERSION + 1, SCHEMA_VERSION)),
        other => panic!("expected Version, got {other:?}"),
    }
    let newer = format!("has schema version {}", SCHEMA_VERSION + 1);
    assert!(err.to_string().contains(&newer), "{err}");
    assert_eq!(fs::read(&path).unwrap(), before);
}

// ---- read-only ----

/// Undoes what [`make_unwritable`] did, on drop.
struct Unwritable {
    path: PathBuf,
    how: &'static str,
    mode: u32,
}

impl Drop for Unwritable {
    fn drop(&mut self) {
        if self.how == "chattr +i" {
            let _ = Command::new("chattr").arg("-i").arg(&self.path).status();
        }
        let _ = fs::set_permissions(&self.path, fs::Permissions::from_mode(self.mode));
    }
}

/// Whether this process can write `path` (a file: open it for writing; a directory: create a
/// file in it).
fn writable(path: &Path) -> bool {
    if path.is_dir() {
        let probe = path.join(".probe");
        let ok = fs::File::create(&probe).is_ok();
        let _ = fs::remove_file(probe);
        ok
    } else {
        fs::OpenOptions::new().write(true).open(path).is_ok()
    }
}

/// Make `path` unwritable for this process: permission bits, else (root) the immutable
/// attribute. `None` when neither works here; the path is then left as it was, but read-only
/// by mode.
fn make_unwritable(path: &Path) -> Option<Unwritable> {
    let mode = fs::metadata(path).unwrap().permissions().mode();
    let read_only = if path.is_dir() { 0o555 } else { 0o444 };
    fs::set_permissions(path, fs::Permissions::from_mode(read_only)).unwrap();
    let mut guard = Unwritable {
        path: path.to_path_buf(),
        how: "chmod",
        mode,
    };
    if !writable(path) {
        return Some(guard);
    }
    let immutable = Command::new("chattr")
        .arg("+i")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success());
    if immutable {
        guard.how = "chattr +i";
        if !writable(path) {
            return Some(guard);
        }
    }
    drop(guard);
    fs::set_permissions(path, fs::Permissions::from_mode(read_only)).unwrap();
    None
}

fn assert_read_only_at_open_or_record(path: &Path) {
    let r = run("m", "v", "sim-pct", 1, 1);
    let err = match Corpus::open(path) {
        Err(err) => err,
        Ok(mut corpus) => corpus.record(&r, &[], 1).unwrap_err(),
    };
    eprintln!("{err}");
    assert!(matches!(err, CorpusError::ReadOnly { .. }), "{err:?}");
}

fn assert_writes_go_through(path: &Path, why: &str) {
    eprintln!(
        "note: {why}: permission bits do not stop this process (root) and chattr +i is not \
         available here; asserting the behaviour that applies: the corpus records normally"
    );
    let mut corpus = Corpus::open(path).unwrap();
    let r = run("m", "v", "sim-pct", 7, 1);
    corpus.record(&r, &[], 1).unwrap();
    assert!(corpus.recent_runs(100).unwrap().contains(&r));
}

#[test]
fn a_read_only_file_is_read_only() {
    let (_dir, path) = fresh();
    let mut corpus = Corpus::open(&path).unwrap();
    corpus
        .record(&run("m", "v", "sim-pct", 1, 1), &[], 1)
        .unwrap();
    drop(corpus);
    match make_unwritable(&path) {
        Some(guard) => {
            eprintln!("read-only by {}", guard.how);
            assert_read_only_at_open_or_record(&path);
        }
        None => assert_writes_go_through(&path, "a 0o444 file"),
    }
}

#[test]
fn a_new_file_in_a_read_only_directory_is_read_only() {
    let dir = tempfile::tempdir().unwrap();
    let ro_dir = dir.path().join("ro");
    fs::create_dir(&ro_dir).unwrap();
    let path = ro_dir.join("corpus.db");
    match make_unwritable(&ro_dir) {
        Some(guard) => {
            eprintln!("read-only by {}", guard.how);
            assert_read_only_at_open_or_record(&path);
            assert!(!path.exists());
        }
        None => assert_writes_go_through(&path, "a 0o555 directory"),
    }
}

#[test]
fn an_existing_corpus_in_a_read_only_directory_is_read_only() {
    // A closed WAL corpus is one file; opening it must create `-wal` and `-shm` beside it.
    let dir = tempfile::tempdir().unwrap();
    let ro_dir = dir.path().join("ro");
    fs::create_dir(&ro_dir).unwrap();
    let path = ro_dir.join("corpus.db");
    let mut corpus = Corpus::open(&path).unwrap();
    corpus
        .record(&run("m", "v", "sim-pct", 1, 1), &[], 1)
        .unwrap();
    drop(corpus);
    match make_unwritable(&ro_dir) {
        Some(guard) => {
            eprintln!("read-only by {}", guard.how);
            assert_read_only_at_open_or_record(&path);
        }
        None => assert_writes_go_through(&path, "a 0o555 directory"),
    }
}

// ---- locking and concurrency ----

#[test]
fn a_lock_held_past_the_busy_timeout_is_locked_and_the_retry_records() {
    let (_dir, path) = fresh();
    let timeout = Duration::from_millis(200);
    let mut corpus = Corpus::open_with(&path, Options::default().busy_timeout(timeout)).unwrap();
    let r = run("m", "buggy", "sim-pct", 42, 1);
    let f = failure(&r, "t");

    let holder = rusqlite::Connection::open(&path).unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let started = Instant::now();
    let err = corpus.record(&r, std::slice::from_ref(&f), 10).unwrap_err();
    assert!(
        matches!(err, CorpusError::Locked { waited_ms: 200, .. }),
        "{err:?}"
    );
    assert!(
        started.elapsed() >= timeout / 2,
        "the busy timeout was waited"
    );
    // WAL: readers do not wait for the writer, and see nothing of the refused record.
    assert!(corpus.recent_runs(10).unwrap().is_empty());
    holder.execute_batch("COMMIT").unwrap();

    corpus.record(&r, &[f], 10).unwrap();
    assert_eq!(corpus.recent_runs(10).unwrap(), vec![r]);
    let known = corpus.known_failures("m", "buggy").unwrap();
    assert_eq!(known[0].times_seen, 1, "the refused attempt left no trace");
}

#[test]
fn two_threads_recording_fifty_runs_each_lose_nothing() {
    let (_dir, path) = fresh();
    let start = Arc::new(Barrier::new(2));
    let writers: Vec<_> = (0..2u64)
        .map(|t| {
            let (path, start) = (path.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait(); // both create the same new file at once
                let mut corpus = Corpus::open(&path).unwrap();
                for i in 0..50 {
                    let r = run("m", "buggy", "sim-random", t * 1000 + i, i as i64);
                    let shared = failure(&r, "seen-by-both");
                    let own = failure(&r, &format!("thread-{t}-run-{i}"));
                    corpus.record(&r, &[shared, own], i as i64).unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    let corpus = Corpus::open(&path).unwrap();
    let mut seeds: Vec<u64> = corpus
        .recent_runs(1000)
        .unwrap()
        .iter()
        .map(|r| r.seed)
        .collect();
    seeds.sort_unstable();
    let expected: Vec<u64> = (0..2)
        .flat_map(|t| (0..50).map(move |i| t * 1000 + i))
        .collect();
    assert_eq!(seeds, expected);
    let known = corpus.known_failures("m", "buggy").unwrap();
    assert_eq!(known.len(), 101);
    let shared = known.iter().find(|k| k.token == "seen-by-both").unwrap();
    assert_eq!(shared.times_seen, 100);
}

/// Throughput of `record` (one run + one failure per call, each its own durable transaction).
/// `cargo test --release -p lockstep-sim --test corpus -- --ignored --nocapture throughput`
#[test]
#[ignore = "measurement, not a test: run explicitly"]
fn throughput() {
    let (_dir, path) = fresh();
    let mut corpus = Corpus::open(&path).unwrap();
    let n = 2000;
    let started = Instant::now();
    for i in 0..n {
        let r = run("m", "buggy", "sim-pct", i, i as i64);
        corpus
            .record(&r, &[failure(&r, &format!("t{}", i % 50))], i as i64)
            .unwrap();
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{n} records in {secs:.3} s: {:.0} records/s ({:.3} ms each)",
        n as f64 / secs,
        secs * 1000.0 / n as f64
    );
    let started = Instant::now();
    for _ in 0..1000 {
        assert_eq!(corpus.known_failures("m", "buggy").unwrap().len(), 50);
    }
    println!(
        "known_failures (50 rows): {:.1} µs per call",
        started.elapsed().as_secs_f64() * 1e6 / 1000.0
    );
}

#[test]
fn a_stored_verdict_or_checker_that_is_not_ours_is_corrupt() {
    let (_dir, path) = fresh();
    let mut corpus = Corpus::open(&path).unwrap();
    let r = run("m", "buggy", "sim-pct", 1, 1);
    corpus.record(&r, &[failure(&r, "t")], 1).unwrap();
    drop(corpus);
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute("UPDATE runs SET verdict = 'maybe'", [])
        .unwrap();
    conn.execute("UPDATE failures SET checker = 'sim-nothing'", [])
        .unwrap();
    drop(conn);
    let corpus = Corpus::open(&path).unwrap();
    let err = corpus.recent_runs(10).unwrap_err();
    assert!(matches!(err, CorpusError::Corrupt { .. }), "{err}");
    let err = corpus.known_failures("m", "buggy").unwrap_err();
    assert!(matches!(err, CorpusError::Corrupt { .. }), "{err}");
}

/// A version-1 file (before the fuzz corpus) is migrated in place when opened: its runs and
/// failures are kept, the fuzz corpus table appears, the version becomes current.
#[test]
fn a_version_1_file_is_migrated_keeping_its_records() {
    let (_dir, path) = fresh();
    let mut corpus = Corpus::open(&path).unwrap();
    let r = run("m", "v", "sim-pct", 1, 1);
    corpus.record(&r, &[failure(&r, "t1")], 1).unwrap();
    drop(corpus);
    // Make it exactly what version 1 wrote: the same tables without the fuzz corpus.
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute_batch("DROP TABLE fuzz_corpus; PRAGMA user_version = 1;")
        .unwrap();
    drop(raw);

    let mut corpus = Corpus::open(&path).unwrap();
    assert_eq!(tokens(&corpus.known_failures("m", "v").unwrap()), ["t1"]);
    assert_eq!(corpus.recent_runs(10).unwrap().len(), 1);
    assert_eq!(
        corpus
            .add_fuzz_entries("m", "v", 1, &[vec![1, 2]], 5)
            .unwrap(),
        1
    );
    drop(corpus);
    let version: i64 = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
}

/// Fuzz corpus entries persist per model, variant and model version, in the order added, each
/// once.
#[test]
fn fuzz_entries_persist_per_model_version_once_each() {
    let (_dir, path) = fresh();
    let mut corpus = Corpus::open(&path).unwrap();
    let entries = vec![vec![1, 0, 0, 0], vec![1, 5, 0, 0], vec![1, 0, 0, 0]];
    assert_eq!(
        corpus.add_fuzz_entries("m", "v", 1, &entries, 10).unwrap(),
        2
    );
    assert_eq!(
        corpus
            .add_fuzz_entries("m", "v", 1, &entries[..1], 11)
            .unwrap(),
        0
    );
    assert_eq!(
        corpus
            .add_fuzz_entries("m", "v", 2, &entries[1..2], 11)
            .unwrap(),
        1
    );
    drop(corpus);
    let corpus = Corpus::open(&path).unwrap();
    assert_eq!(
        corpus.fuzz_entries("m", "v", 1).unwrap(),
        [vec![1, 0, 0, 0], vec![1, 5, 0, 0]]
    );
    assert_eq!(
        corpus.fuzz_entries("m", "v", 2).unwrap(),
        [vec![1, 5, 0, 0]]
    );
    assert!(corpus.fuzz_entries("m", "other", 1).unwrap().is_empty());
}
