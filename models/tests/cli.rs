//! The `lockstep` command as a user and a CI job meet it: the `--json` contract, the table,
//! replay by token, the corpus, sharding, and every kind of bad input (one line, exit 2).

use lockstep_cli::corpus::Corpus;
use std::path::Path;
use std::process::{Command, Output};

fn lockstep(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lockstep"))
        .args(args)
        .output()
        .expect("run lockstep")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

/// A bad input gives exit status 2 and exactly one line on stderr containing `what`.
fn assert_one_line_error(out: &Output, what: &str) {
    assert_eq!(out.status.code(), Some(2), "{}", stderr(out));
    let err = stderr(out);
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err:?}");
    assert!(err.contains(what), "{err:?} should mention {what:?}");
}

const ROW_KEYS: [&str; 9] = [
    "model",
    "variant",
    "checker",
    "expect",
    "verdict",
    "schedules",
    "seconds",
    "replay",
    "report",
];

fn db(dir: &tempfile::TempDir) -> String {
    dir.path().join("corpus.db").to_string_lossy().into_owned()
}

fn check_json(models: &[&str], extra: &[&str], db: &str) -> Vec<serde_json::Value> {
    let mut args = vec!["check"];
    args.extend_from_slice(models);
    args.extend_from_slice(&["--json", "--iterations", "200", "--db", db]);
    args.extend_from_slice(extra);
    let out = lockstep(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn check_json_follows_the_line_schema_and_meets_every_expectation() {
    let dir = tempfile::tempdir().unwrap();
    let out = lockstep(&[
        "check",
        "handoff",
        "abba",
        "--json",
        "--iterations",
        "200",
        "--db",
        &db(&dir),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    let (summary, rows) = lines.split_last().expect("at least the summary");
    assert_eq!(*summary, r#"{"summary":true,"ok":true}"#);
    // Without --checker: the portfolio, loom, shuttle random and PCT; a buggy variant stops at
    // its first failure, the portfolio's.
    assert_eq!(
        rows.len(),
        2 * (1 + 4),
        "2 models x (1 buggy row + 4 fixed rows)"
    );
    for line in rows {
        let positions: Vec<usize> = ROW_KEYS
            .iter()
            .map(|k| {
                line.find(&format!("\"{k}\":"))
                    .unwrap_or_else(|| panic!("{k} in {line}"))
            })
            .collect();
        assert!(
            positions.windows(2).all(|w| w[0] < w[1]),
            "key order: {line}"
        );
        let row: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(row.as_object().unwrap().len(), ROW_KEYS.len(), "{line}");
        let (verdict, checker) = (
            row["verdict"].as_str().unwrap(),
            row["checker"].as_str().unwrap(),
        );
        assert!(!row["report"].as_str().unwrap().contains('\n'), "{line}");
        match row["expect"].as_str().unwrap() {
            "bug" => {
                assert_eq!(verdict, "bug-found", "{line}");
                assert!(row["schedules"].as_u64().unwrap() >= 1);
                // Every checker but loom gives a replay token.
                assert_eq!(row["replay"].is_string(), checker != "loom", "{line}");
            }
            _ => {
                let exhaustive = checker == "sim-dfs" || checker == "loom";
                // The portfolio stops early, exhausted, when its DFS covers everything.
                let either = checker == "sim-portfolio" && verdict == "exhausted";
                assert!(
                    either || verdict == if exhaustive { "exhausted" } else { "passed" },
                    "{line}"
                );
                assert!(row["replay"].is_null(), "{line}");
            }
        }
    }
}

#[test]
fn every_bug_token_replays_its_failure() {
    let dir = tempfile::tempdir().unwrap();
    let mut rows = check_json(&["handoff", "atomicity"], &[], &db(&dir));
    for checker in ["sim-pos", "sim-surw", "sim-delay", "shuttle-pct"] {
        rows.extend(check_json(
            &["handoff", "atomicity"],
            &["--checker", checker],
            &db(&dir),
        ));
    }
    let tokens: Vec<&str> = rows.iter().filter_map(|r| r["replay"].as_str()).collect();
    assert_eq!(tokens.len(), 5 * 2, "{tokens:?}");
    for token in tokens {
        let out = lockstep(&["replay", token]);
        assert_eq!(out.status.code(), Some(0), "{token}: {}", stderr(&out));
        assert!(stdout(&out).contains("reproduces"), "{}", stdout(&out));
    }
}

#[test]
fn runs_and_failures_are_recorded_and_known_failures_rerun_first() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    let first = check_json(&["abba"], &["--checker", "sim-pct"], &path);
    let corpus = Corpus::open(&path).unwrap();
    assert_eq!(
        corpus.recent_runs(10).unwrap().len(),
        2,
        "one run per variant"
    );
    let known = corpus.known_failures("abba", "buggy").unwrap();
    assert_eq!(known.len(), 1);
    assert_eq!(Some(known[0].token.as_str()), first[0]["replay"].as_str());
    drop(corpus);
    let second = check_json(&["abba"], &["--checker", "sim-pct"], &path);
    let report = second[0]["report"].as_str().unwrap();
    assert!(report.starts_with("(known failure)"), "{report}");
    assert_eq!(second[0]["schedules"], 1, "found by its replay, first");
    let corpus = Corpus::open(&path).unwrap();
    assert_eq!(
        corpus.known_failures("abba", "buggy").unwrap()[0].times_seen,
        2
    );
}

#[test]
fn check_prints_a_table_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let out = lockstep(&[
        "check",
        "handoff",
        "--checker",
        "sim-pct",
        "--db",
        &db(&dir),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(text.starts_with("MODEL"), "{text}");
    assert!(text.contains("bug-found"));
    assert!(text.contains("replay: lockstep replay ls1-"));
    assert!(
        text.ends_with("ok: every verdict meets its expectation\n"),
        "{text}"
    );
}

#[test]
fn shards_split_a_run_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    let schedules = |extra: &[&str]| -> u64 {
        let mut args = vec!["--checker", "sim-random"];
        args.extend_from_slice(extra);
        check_json(&["handoff"], &args, &path)
            .iter()
            .filter(|r| r["variant"] == "fixed")
            .map(|r| r["schedules"].as_u64().unwrap())
            .sum()
    };
    let whole = schedules(&[]);
    let parts: u64 = (0..3)
        .map(|i| schedules(&["--shard", &format!("{i}/3")]))
        .sum();
    assert_eq!(parts, whole);
}

#[test]
fn list_names_every_model_variant() {
    let out = lockstep(&["list"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    for model in [
        "handoff",
        "abba",
        "gather",
        "retry",
        "ordered",
        "tasktree",
        "arvados-state-race",
    ] {
        assert!(text.contains(model), "{model} in {text}");
    }
    let json = lockstep(&["list", "--json"]);
    let rows: Vec<serde_json::Value> = stdout(&json)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(rows.iter().any(|r| r["model"] == "retry"
        && r["checkers"]
            == serde_json::json!([
                "sim-random",
                "sim-pct",
                "sim-pos",
                "sim-urw",
                "sim-surw",
                "sim-delay",
                "sim-dfs",
                "sim-portfolio"
            ])));
}

#[test]
fn an_unknown_model_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = lockstep(&["check", "no-such-model", "--db", &db(&dir)]);
    assert_one_line_error(&out, "unknown model `no-such-model`");
}

#[test]
fn bad_arguments_are_usage_errors() {
    assert_one_line_error(&lockstep(&["check", "--shard", "3/2"]), "3/2");
    assert_one_line_error(&lockstep(&["check", "--shard", "x"]), "shard");
    assert_one_line_error(&lockstep(&["check", "--iterations", "lots"]), "lots");
    assert_one_line_error(&lockstep(&["frobnicate"]), "frobnicate");
    assert_eq!(lockstep(&["--help"]).status.code(), Some(0));
}

#[test]
fn malformed_and_foreign_tokens_are_refused() {
    assert_one_line_error(&lockstep(&["replay", "not-a-token"]), "malformed");
    assert_one_line_error(&lockstep(&["replay", "ls1-AAAA"]), "malformed");
    assert_one_line_error(&lockstep(&["replay", "sh1-@@"]), "malformed");
    // A well-formed token recorded for a model this binary does not have, and for an older
    // version of one it has.
    let foreign = |label: &str| {
        lockstep_sim::Builder::dfs(None)
            .label(label)
            .run(|| panic!("fails at once"))
            .unwrap_err()
            .token
    };
    let out = lockstep(&["replay", &foreign("elsewhere/buggy@1")]);
    assert_one_line_error(&out, "does not have");
    let out = lockstep(&["replay", &foreign("handoff/buggy@0")]);
    assert_one_line_error(&out, "version 0");
    // The right label on another program's schedule: the replay does not fit.
    let out = lockstep(&["replay", &foreign("abba/buggy@1")]);
    assert_one_line_error(&out, "does not match");
}

#[test]
fn an_unusable_corpus_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let corrupt = dir.path().join("corrupt.db");
    std::fs::write(&corrupt, b"this is not a database, just some text\n").unwrap();
    let out = lockstep(&["check", "abba", "--db", corrupt.to_str().unwrap()]);
    assert_one_line_error(&out, "not a lockstep corpus");
    // A path whose parent is a file cannot be created.
    let under_a_file = Path::new(corrupt.to_str().unwrap()).join("corpus.db");
    let out = lockstep(&["check", "abba", "--db", under_a_file.to_str().unwrap()]);
    assert_one_line_error(&out, "corpus database");
}

/// The keys of a one-line JSON object, in the order they appear.
fn keys_in_order(line: &str) -> Vec<String> {
    let value: serde_json::Value = serde_json::from_str(line).unwrap();
    let mut keys: Vec<(usize, String)> = value
        .as_object()
        .unwrap()
        .keys()
        .map(|k| (line.find(&format!("\"{k}\":")).unwrap(), k.clone()))
        .collect();
    keys.sort();
    keys.into_iter().map(|(_, k)| k).collect()
}

#[test]
fn plan_prints_the_documented_json_lines_and_refuses_bad_files() {
    let dir = tempfile::tempdir().unwrap();
    let jobs = dir.path().join("jobs.txt");
    std::fs::write(&jobs, "a duration=2\na/b\nb skip\nb/c\n~/prune fail\n").unwrap();
    let jobs = jobs.to_str().unwrap();
    let out = lockstep(&["plan", jobs, "--workers", "2", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        [
            r#"{"t":0.0,"event":"start","job":"a"}"#,
            r#"{"t":0.0,"event":"start","job":"b"}"#,
            r#"{"t":1.0,"event":"finish","job":"b"}"#,
            r#"{"t":2.0,"event":"finish","job":"a"}"#,
            r#"{"t":2.0,"event":"start","job":"a/b"}"#,
            r#"{"t":3.0,"event":"finish","job":"a/b"}"#,
            r#"{"event":"done","failed":false,"makespan":3.0}"#,
        ],
        "b is skipped, so b/c never runs and the root barrier never opens"
    );
    assert_eq!(
        stdout(&lockstep(&["plan", jobs, "--workers", "2", "--json"])),
        text
    );

    std::fs::write(dir.path().join("bad.txt"), "a\nb bogus=1\n").unwrap();
    let bad = dir.path().join("bad.txt");
    assert_one_line_error(&lockstep(&["plan", bad.to_str().unwrap()]), "bad.txt:2");
    std::fs::write(&bad, "b\na\n").unwrap();
    assert_one_line_error(&lockstep(&["plan", bad.to_str().unwrap()]), "bad.txt:2");
    let missing = dir.path().join("missing.txt");
    assert_one_line_error(
        &lockstep(&["plan", missing.to_str().unwrap()]),
        "missing.txt",
    );
}

#[test]
fn bench_prints_one_object_with_the_documented_keys_in_order() {
    let cases: [(&[&str], &[&str]); 3] = [
        (
            &[
                "ordered",
                "--items",
                "2000",
                "--rounds",
                "1",
                "--handoff-samples",
                "20",
            ],
            &[
                "bench",
                "items",
                "workers",
                "seconds",
                "items_per_s",
                "sequential_seconds",
                "ratio",
                "p50_handoff_us",
                "p99_handoff_us",
            ],
        ),
        (
            &[
                "blocks",
                "--mib",
                "2",
                "--write-size",
                "4096",
                "--workers",
                "2",
            ],
            &[
                "bench",
                "mib",
                "write_size",
                "workers",
                "seconds",
                "mib_per_s",
                "bound_mib_per_s",
                "ratio",
                "peak_buffered_bytes",
            ],
        ),
        (
            &["tasktree", "--jobs", "5000", "--workers", "3", "--barriers"],
            &[
                "bench",
                "jobs",
                "workers",
                "seconds",
                "jobs_per_s",
                "bytes_per_job",
            ],
        ),
    ];
    for (args, keys) in cases {
        let mut argv = vec!["bench"];
        argv.extend_from_slice(args);
        argv.push("--json");
        let out = lockstep(&argv);
        assert_eq!(out.status.code(), Some(0), "{argv:?}: {}", stderr(&out));
        let text = stdout(&out);
        assert_eq!(text.lines().count(), 1, "{text}");
        assert_eq!(keys_in_order(text.trim_end()), keys, "{argv:?}");
        let value: serde_json::Value = serde_json::from_str(text.trim_end()).unwrap();
        assert_eq!(value["bench"], args[0]);
        assert!(value["seconds"].as_f64().unwrap() > 0.0);
    }
    assert_one_line_error(&lockstep(&["bench", "blocks", "--mib", "0"]), "--mib");
    assert_one_line_error(
        &lockstep(&["bench", "tasktree", "--workers", "0"]),
        "--workers",
    );
    assert_one_line_error(&lockstep(&["bench", "ordered", "--sink", "tape"]), "--sink");
}

/// A model variant's verdict combines its checkers: the buggy rotation is caught although the
/// first checkers (50 schedules each) miss it, because DFS (bound 3, the model's own) finds it —
/// no row is marked, and nothing runs after the find; the fixed twin runs every checker.
#[test]
fn a_variant_is_caught_when_any_checker_finds_its_bug_and_stops_there() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "check",
        "rotation",
        "--checker",
        "all",
        "--iterations",
        "50",
        "--db",
        &db(&dir),
    ];
    let out = lockstep(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(!text.contains("UNEXPECTED"), "{text}");
    let buggy: Vec<&str> = text.lines().filter(|l| l.contains(" buggy ")).collect();
    let (last, before) = buggy.split_last().unwrap();
    assert!(last.contains("bug-found"), "{text}");
    assert!(before.iter().all(|l| l.contains("passed")), "{text}");
    let fixed = text.lines().filter(|l| l.contains(" fixed ")).count();
    assert_eq!(fixed, 10, "every checker of --checker all: {text}");
}

/// A buggy variant no checker catches fails the run, and each of its rows is marked.
#[test]
fn a_variant_no_checker_catches_fails_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = lockstep(&[
        "check",
        "rotation",
        "--checker",
        "sim-pct",
        "--depth",
        "2",
        "--iterations",
        "20",
        "--db",
        &db(&dir),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let text = stdout(&out);
    let buggy = text.lines().find(|l| l.contains(" buggy ")).unwrap();
    assert!(buggy.ends_with("<-- UNEXPECTED"), "{text}");
    let fixed = text.lines().find(|l| l.contains(" fixed ")).unwrap();
    assert!(!fixed.contains("UNEXPECTED"), "{text}");
}
