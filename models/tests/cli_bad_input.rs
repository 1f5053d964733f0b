//! `lockstep plan` and `lockstep bench` under hostile input (issue 15): every bad flag, file,
//! environment or output is exit status 2 and exactly one line on stderr — never a panic, an
//! abort, a hang, garbage with exit 0, or a silent success.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The command with `args`, without `RUST_BACKTRACE` (so a panic would say so on stderr).
fn command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lockstep"));
    command.args(args).env_remove("RUST_BACKTRACE");
    command
}

fn lockstep(args: &[&str]) -> Output {
    command(args).output().expect("run lockstep")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Exit status 2, exactly one non-empty line on stderr, which mentions `what`, and no panic.
#[track_caller]
fn assert_refused(out: &Output, what: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "stderr: {err:?}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "exactly one line: {err:?}");
    assert!(!lines[0].trim().is_empty(), "{err:?}");
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "a panic: {err:?}"
    );
    assert!(err.contains(what), "{err:?} should mention {what:?}");
}

fn jobs_file(dir: &tempfile::TempDir, name: &str, text: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn path(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn bench_numbers_out_of_their_range_are_usage_errors() {
    for (args, flag) in [
        (
            &["ordered", "--handoff-samples", "9223372036854775808"][..],
            "--handoff-samples",
        ),
        (&["blocks", "--mib", "17592186044415"], "--mib"),
        (&["blocks", "--mib", "17592186044416"], "--mib"),
        (&["blocks", "--mib", "0"], "--mib"),
        (&["tasktree", "--jobs", "18446744073709551615"], "--jobs"),
        (&["tasktree", "--jobs", "5000000000"], "--jobs"),
        (&["ordered", "--line-bytes", "0"], "--line-bytes"),
        (&["ordered", "--line-bytes", "14"], "--line-bytes"),
        (&["ordered", "--items", "0"], "--items"),
        (&["ordered", "--workers", "100000"], "--workers"),
        (&["blocks", "--workers", "40000"], "--workers"),
        (&["blocks", "--write-size", "0"], "--write-size"),
        (&["tasktree", "--workers", "5000"], "--workers"),
        (&["ordered", "--rounds", "18446744073709551616"], "--rounds"),
    ] {
        let mut argv = vec!["bench"];
        argv.extend_from_slice(args);
        assert_refused(&lockstep(&argv), flag);
    }
}

#[cfg(target_os = "linux")]
#[test]
fn bench_sizes_beyond_the_machines_memory_are_refused_before_allocating() {
    // 1 TiB to write: the source and the store's copy need 2 TiB.
    assert_refused(
        &lockstep(&["bench", "blocks", "--mib", "1048576"]),
        "MiB of memory",
    );
    assert_refused(
        &lockstep(&[
            "bench",
            "ordered",
            "--items",
            "100000000",
            "--line-bytes",
            "65536",
            "--sink",
            "memory",
        ]),
        "MiB of memory",
    );
}

#[test]
fn bench_ordered_without_a_temp_directory_is_an_error() {
    let out = command(&[
        "bench",
        "ordered",
        "--items",
        "10",
        "--rounds",
        "1",
        "--handoff-samples",
        "3",
    ])
    .env("TMPDIR", "/nonexistent/lockstep")
    .output()
    .unwrap();
    assert_refused(&out, "cannot create the bench output file");
}

#[test]
fn bench_line_bytes_are_what_the_report_says() {
    let out = lockstep(&[
        "bench",
        "ordered",
        "--items",
        "3",
        "--rounds",
        "1",
        "--handoff-samples",
        "3",
        "--sink",
        "memory",
        "--line-bytes",
        "15",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("15 B lines"));
}

/// Threads the OS will not start: a 128 TiB stack (`RUST_MIN_STACK`) cannot be mapped.
#[cfg(target_os = "linux")]
#[test]
fn bench_without_threads_is_an_error_not_a_panic() {
    for (args, what) in [
        (
            &[
                "ordered",
                "--items",
                "10",
                "--rounds",
                "1",
                "--handoff-samples",
                "3",
                "--sink",
                "memory",
            ][..],
            "could not start a worker thread",
        ),
        (
            &["blocks", "--mib", "1", "--rounds", "1"],
            "could not start upload worker",
        ),
        (
            &["tasktree", "--jobs", "100", "--workers", "2"],
            "could not start worker thread",
        ),
    ] {
        let mut argv = vec!["bench"];
        argv.extend_from_slice(args);
        let out = command(&argv)
            .env("RUST_MIN_STACK", (1u64 << 47).to_string())
            .output()
            .unwrap();
        assert_refused(&out, what);
    }
}

#[test]
fn plan_reports_virtual_time_overflow_naming_the_job() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    let mut name = String::new();
    for i in 0..20 {
        name = if name.is_empty() {
            format!("j{i:02}")
        } else {
            format!("{name}/j{i:02}")
        };
        text.push_str(&format!("{name} duration=1000000000\n"));
    }
    let file = jobs_file(&dir, "chain.txt", text.as_bytes());
    let out = lockstep(&["plan", path(&file)]);
    assert_refused(&out, "chain.txt:19: virtual time overflows");
    assert!(
        stderr(&out).contains("/j18\""),
        "names the job: {}",
        stderr(&out)
    );
    // The error alone: no half-printed schedule before it.
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
}

#[test]
fn plan_refuses_a_line_without_a_name_and_ignores_a_byte_order_mark() {
    let dir = tempfile::tempdir().unwrap();
    let file = jobs_file(&dir, "noname.txt", b"a\nduration=2\n");
    assert_refused(&lockstep(&["plan", path(&file)]), "noname.txt:2:");
    let file = jobs_file(&dir, "priority.txt", b"priority=1 a\n");
    assert_refused(&lockstep(&["plan", path(&file)]), "priority.txt:1:");

    let file = jobs_file(&dir, "bom.txt", "\u{feff}a\nb\n".as_bytes());
    let out = lockstep(&["plan", path(&file), "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with(r#"{"t":0.0,"event":"start","job":"a"}"#),
        "{text}"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn output_that_cannot_be_written_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = jobs_file(&dir, "ok.txt", b"a\nb\n");
    for args in [
        &["plan", path(&file)][..],
        &["bench", "tasktree", "--jobs", "10"],
        &["bench", "blocks", "--mib", "1", "--rounds", "1"],
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = command(args).stdout(full).output().unwrap();
        assert_refused(&out, "No space left on device");
    }
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for i in 0..20_000 {
        text.push_str(&format!("job{i:06}\n"));
    }
    let file = jobs_file(&dir, "many.txt", text.as_bytes());
    let mut child = command(&["plan", path(&file), "--workers", "4"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader goes away at once
    let out = child.wait_with_output().unwrap();
    assert_eq!(stderr(&out), "", "{:?}", out.status);
}

#[test]
fn a_missing_subcommand_or_argument_is_named() {
    assert_refused(&lockstep(&["bench"]), "one of ordered, blocks, tasktree");
    assert_refused(&lockstep(&["plan"]), "<FILE>");
    let help = lockstep(&["bench", "--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&help.stdout).contains("Usage: lockstep bench <COMMAND>"));
    let help = lockstep(&["plan", "--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&help.stdout).contains("Usage: lockstep plan [OPTIONS] <FILE>"));
}

#[cfg(target_os = "linux")]
#[test]
fn an_error_that_cannot_be_reported_still_exits_2_without_a_panic() {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = command(&["bench", "blocks", "--mib", "1048576"])
        .stderr(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "101 would be a panic");
}
