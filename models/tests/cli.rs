//! The `lockstep` command as a user meets it: exit statuses, the `--json` contract, bad input.

use std::process::{Command, Output};

fn lockstep(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lockstep"))
        .args(args)
        .output()
        .expect("run lockstep")
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

#[test]
fn check_json_follows_the_line_schema_and_meets_every_expectation() {
    let out = lockstep(&["check", "--json", "--iterations", "300"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    let (summary, rows) = lines.split_last().expect("at least the summary");
    assert_eq!(*summary, r#"{"summary":true,"ok":true}"#);
    assert_eq!(rows.len(), 6, "2 variants x 3 checkers");
    for line in rows {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        let keys: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut expected = ROW_KEYS.to_vec();
        expected.sort_unstable();
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, expected, "{line}");
        // Keys appear in the documented order.
        let positions: Vec<usize> = ROW_KEYS
            .iter()
            .map(|k| line.find(&format!("\"{k}\"")).unwrap())
            .collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{line}");
        let verdict = value["verdict"].as_str().unwrap();
        match value["expect"].as_str().unwrap() {
            "bug" => {
                assert_eq!(verdict, "bug-found", "{line}");
                assert!(value["schedules"].as_u64().unwrap() >= 1, "{line}");
                if value["checker"].as_str().unwrap().starts_with("shuttle") {
                    assert!(value["replay"].as_str().unwrap().starts_with("shuttle1:"));
                }
            }
            "pass" => {
                assert!(verdict == "passed" || verdict == "exhausted", "{line}");
                assert!(value["replay"].is_null());
                assert!(value["schedules"].as_u64().unwrap() >= 300, "{line}");
            }
            other => panic!("unexpected expect {other}"),
        }
    }
}

#[test]
fn check_prints_a_table_by_default() {
    let out = lockstep(&[
        "check",
        "handoff",
        "--checker",
        "shuttle-pct",
        "--iterations",
        "200",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.starts_with("MODEL"), "{stdout}");
    assert!(stdout.contains("bug-found"));
    assert!(stdout.contains("ok: every verdict meets its expectation"));
}

#[test]
fn an_unknown_model_is_a_usage_error() {
    let out = lockstep(&["check", "no-such-model"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("unknown model `no-such-model`"), "{stderr}");
}

#[test]
fn bad_arguments_are_usage_errors() {
    assert_eq!(
        lockstep(&["check", "--iterations", "lots"]).status.code(),
        Some(2)
    );
    assert_eq!(lockstep(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(lockstep(&["--help"]).status.code(), Some(0));
}

#[test]
fn list_names_every_model_variant() {
    let out = lockstep(&["list"]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("handoff      fixed"), "{stdout}");
    assert!(stdout.contains("handoff      buggy"), "{stdout}");
}
