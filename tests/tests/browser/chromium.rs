//! Loading a page in headless Chromium: the DOM it rendered (`--dump-dom`) and every console
//! message it logged (`--enable-logging=stderr`: lines with `:CONSOLE`, which is where Chromium
//! reports `console.*` calls and uncaught exceptions).
//!
//! Chromium is found as `$LOCKSTEP_CHROMIUM`, or `chromium`, `chromium-browser` or
//! `google-chrome` on the `PATH`; without one the browser tests print why and pass as skipped
//! (`.ci/run` installs Debian's `chromium`). Loads run one at a time (the machines are small),
//! each with a fresh profile directory and every network feature off.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One load at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// How long one load may take.
const TIMEOUT: Duration = Duration::from_secs(120);

/// The Chromium binary, if there is one.
pub fn find() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("LOCKSTEP_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

/// The Chromium binary, or `None` after printing why the test is skipped.
pub fn or_skip(test: &str) -> Option<PathBuf> {
    let found = find();
    if found.is_none() {
        eprintln!(
            "SKIPPED {test}: no Chromium (set LOCKSTEP_CHROMIUM, or install Debian's `chromium`)"
        );
    }
    found
}

/// What a page rendered and logged.
#[derive(Debug)]
pub struct Loaded {
    /// The serialized DOM after loading.
    pub dom: String,
    /// Console messages (each a Chromium log line).
    pub console: Vec<String>,
}

/// The command line of one load (printed by the tests, for reproducing by hand).
pub fn command(chromium: &Path, profile: &Path, page: &Path) -> Command {
    let mut command = Command::new(chromium);
    command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()));
    command
}

/// Load `page` in headless Chromium.
pub fn load(chromium: &Path, page: &Path) -> Loaded {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let profile = tempfile::tempdir().expect("a temporary profile directory");
    let mut command = command(chromium, profile.path(), page);
    eprintln!("running {command:?}");
    let out = tempfile::tempdir().expect("a temporary directory");
    let (stdout, stderr) = (out.path().join("dom"), out.path().join("log"));
    let mut child = command
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout).expect("a file"))
        .stderr(std::fs::File::create(&stderr).expect("a file"))
        .spawn()
        .expect("Chromium starts");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for Chromium") {
            break status;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "Chromium took more than {TIMEOUT:?} to load {}",
                page.display()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let dom = std::fs::read_to_string(&stdout).expect("the DOM");
    let log = std::fs::read_to_string(&stderr).unwrap_or_default();
    assert!(
        status.success() && dom.contains("</html>"),
        "Chromium failed ({status}) on {}:\n{log}",
        page.display()
    );
    let console = log
        .lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught"))
        .map(str::to_owned)
        .collect();
    eprintln!("loaded {} in {:?}", page.display(), start.elapsed());
    Loaded { dom, console }
}
