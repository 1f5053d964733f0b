//! `--html`: failure pages. `replay TOKEN --html FILE` writes the replayed execution's timeline
//! (`lockstep_sim::Failure::to_html`, or the timeline of the schedule run to completion when it
//! now passes); `check --html DIR` writes one page per failure row into `DIR`, named
//! `MODEL.VARIANT.CHECKER.html`.
//!
//! Guarantees: `DIR` is created if needed and must be writable before any check runs (else the
//! command refuses it: exit 2, one line); a lockstep-sim failure's page is the replay of its
//! token in a child process of this binary (`replay TOKEN --html FILE`), so a model that
//! crashes cannot take the run down; loom and shuttle failures carry no step record, so their
//! page is the text report and the replay line. Pages are self-contained HTML with every piece
//! of program text escaped.

use crate::error::CliError;
use crate::outcome::{Outcome, Row};
use crate::verdict::Verdict;
use lockstep::check::Backend;
use lockstep_sim::Token;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Write `html` to `path`.
pub(crate) fn write(path: &Path, html: &str) -> Result<(), CliError> {
    std::fs::write(path, html).map_err(|err| CliError::Html {
        path: path.display().to_string(),
        cause: err.to_string(),
    })
}

/// `text` with `&`, `<`, `>`, `"` and `'` escaped.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// A page for a failure without a simulator step record (loom, shuttle): its report and its
/// replay line.
pub(crate) fn text_page(title: &str, report: &str, replay: Option<&str>) -> String {
    let replay = replay
        .map(|line| {
            format!(
                "<h2>Replay</h2>\n<pre class=\"replay-line\">{}</pre>\n",
                escape(line)
            )
        })
        .unwrap_or_default();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>lockstep: {title}</title>\n<style>\nbody {{ font: 13px/1.4 system-ui, sans-serif; \
         margin: 12px 18px; }}\npre {{ background: #f3f3f3; border: 1px solid #e0e0e0; \
         padding: 6px 8px; white-space: pre-wrap; word-break: break-all; }}\n</style>\n</head>\n\
         <body>\n<h1 class=\"headline\">{title}</h1>\n<p class=\"note\">This checker records \
         no step-by-step execution, so there is no timeline: the report is below. A \
         lockstep-sim failure's page draws its schedule.</p>\n<pre class=\"report\">{}</pre>\n\
         {replay}</body>\n</html>\n",
        escape(report),
        title = escape(title),
    )
}

/// The directory `check --html` writes its pages into.
#[derive(Debug)]
pub(crate) struct PageDir {
    dir: PathBuf,
}

impl PageDir {
    /// Create `dir` if needed and make sure a page can be written into it.
    pub(crate) fn open(dir: &Path) -> Result<Self, CliError> {
        let refuse = |cause: String| CliError::Html {
            path: dir.display().to_string(),
            cause,
        };
        std::fs::create_dir_all(dir).map_err(|err| refuse(err.to_string()))?;
        let probe = dir.join(".lockstep-html-probe");
        std::fs::write(&probe, b"").map_err(|err| refuse(format!("not writable: {err}")))?;
        let _ = std::fs::remove_file(&probe);
        Ok(PageDir {
            dir: dir.to_owned(),
        })
    }

    /// Write the page of a failure row; `Ok(None)` for a row that is not a failure.
    pub(crate) fn write_row(
        &self,
        row: &Row,
        outcome: &Outcome,
    ) -> Result<Option<PathBuf>, CliError> {
        if row.verdict != Verdict::BugFound {
            return Ok(None);
        }
        let path = self
            .dir
            .join(file_name(&row.model, &row.variant, row.checker.name()));
        let sim_token = outcome
            .token
            .as_deref()
            .filter(|t| Token::decode(t).is_ok_and(|t| t.backend() == Backend::Sim));
        if let Some(token) = sim_token {
            match replay_page(token, &path) {
                Ok(()) => return Ok(Some(path)),
                Err(why) => {
                    let report = format!("{}\n\n(no timeline: {why})", outcome.report);
                    write(&path, &text_page(&row.report, &report, Some(token)))?;
                    return Ok(Some(path));
                }
            }
        }
        let replay = outcome
            .token
            .as_ref()
            .map(|t| format!("{} replay {t}", crate::check::program_name()));
        write(
            &path,
            &text_page(&row.report, &outcome.report, replay.as_deref()),
        )?;
        Ok(Some(path))
    }
}

/// `MODEL.VARIANT.CHECKER.html`, every character outside `[A-Za-z0-9_-]` replaced by `_`.
pub(crate) fn file_name(model: &str, variant: &str, checker: &str) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    format!(
        "{}.{}.{}.html",
        clean(model),
        clean(variant),
        clean(checker)
    )
}

/// Replay `token` in a child process of this binary, which writes its page to `path`.
fn replay_page(token: &str, path: &Path) -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|err| err.to_string())?;
    let status = Command::new(exe)
        .arg("replay")
        .arg(token)
        .arg("--html")
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|err| format!("could not run the replay: {err}"))?;
    // 0: the failure reproduced, 1: the execution passes now; the page is written either way.
    match status.code() {
        Some(0 | 1) if path.is_file() => Ok(()),
        _ => Err(format!("the replay ended with {status}")),
    }
}
