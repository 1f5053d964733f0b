//! Verification after extraction, as barrier-scheduled jobs on a [`TaskTree`]:
//!
//! - `archive/<name>`, for each archive that extracted: its index record is complete — every
//!   member has a manifest, of the member's size;
//! - `archive/~/verify`, once every one of those passed (the barrier `~`): re-reads every
//!   manifest recorded in the index and counts the blocks they name (distinct blocks show what
//!   content addressing saved);
//! - `archive/~/verify/<name>`, for every archive, after it (children run after their parent):
//!   reads each recorded member back from the store and checks its checksum against the index.
//!   They run in parallel; together they are the re-read of every member.
//!
//! [`verify`] runs the jobs on the task tree's thread pool (runtime `R`);
//! [`verify_sequential`] runs the same jobs in a loop for the baseline. Both return the same
//! [`Verification`]: one line per job in job-name order, whatever order the jobs finished in.

use crate::index::Index;
use lockstep::block::{BlockManager, BlockStore, Locator, Manifest};
use lockstep::sync::{Arc, Runtime};
use lockstep::tasktree::{Outcome, Runner, TaskTree};
use md5::{Digest, Md5};
use std::collections::BTreeSet;

/// The job that re-reads every manifest (its children re-read the members).
const VERIFY: &str = "~/verify";

/// What verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// One line per job, in job-name order.
    pub lines: Vec<String>,
    /// Some check failed or did not run.
    pub failed: bool,
}

/// The jobs, sorted: `archive/<name>` for each extracted archive, then the barrier's.
fn job_names(all: &[String], extracted: &[String]) -> Vec<String> {
    let mut names: Vec<String> = extracted.iter().map(|n| format!("archive/{n}")).collect();
    names.push(format!("archive/{VERIFY}"));
    names.extend(all.iter().map(|n| format!("archive/{VERIFY}/{n}")));
    names.sort_unstable();
    names
}

/// What job `name` does.
fn run_job<I: Index + ?Sized>(
    name: &str,
    all: &[String],
    index: &I,
    store: &dyn BlockStore,
) -> Result<String, String> {
    match name.strip_prefix("archive/") {
        Some(VERIFY) => survey(all, index),
        Some(job) => match job.strip_prefix(VERIFY).and_then(|j| j.strip_prefix('/')) {
            Some(archive) => reread(archive, index, store),
            None => check_archive(job, index),
        },
        None => Err(format!("unknown job {name}")),
    }
}

/// Run the checks as a task tree of at most `workers` jobs at once, on runtime `R`.
pub fn verify<R: Runtime, I: Index>(
    all: Vec<String>,
    extracted: &[String],
    index: Arc<I, R>,
    manager: Arc<BlockManager<R>, R>,
    workers: usize,
) -> Result<Verification, String> {
    let names = job_names(&all, extracted);
    let tree = TaskTree::new(&names).map_err(|e| e.to_string())?;
    let mut results = Vec::new();
    let report = Runner::<R>::with_runtime(&tree)
        .max_workers(workers.max(1))
        .run(
            move |job| run_job(job.name(), &all, &*index, manager.store()),
            |name, result: Result<String, String>, _control| {
                let outcome = if result.is_ok() {
                    Outcome::DONE
                } else {
                    Outcome::FAIL
                };
                results.push((name.to_owned(), result));
                outcome
            },
        )
        .map_err(|e| e.to_string())?;
    Ok(lines(&names, results, report.failed))
}

/// The same jobs, one after another on this thread (the baseline), with the same rules: the
/// barrier's jobs only if every archive check passed, a child only if its parent did.
pub fn verify_sequential<I: Index + ?Sized>(
    all: &[String],
    extracted: &[String],
    index: &I,
    store: &dyn BlockStore,
) -> Verification {
    let names = job_names(all, extracted);
    let barrier = format!("archive/{VERIFY}");
    let (behind, before): (Vec<&String>, Vec<&String>) =
        names.iter().partition(|n| n.starts_with(&barrier));
    let mut results = Vec::new();
    let mut failed = false;
    for name in before.into_iter().chain(behind) {
        if failed && name.starts_with(&barrier) {
            continue; // the barrier (or the parent job) stays closed
        }
        let result = run_job(name, all, index, store);
        failed |= result.is_err();
        results.push((name.clone(), result));
    }
    lines(&names, results, failed)
}

/// The lines in job-name order; a job with no result did not run (its barrier stayed closed).
fn lines(
    names: &[String],
    mut results: Vec<(String, Result<String, String>)>,
    failed: bool,
) -> Verification {
    results.sort_by(|a, b| a.0.cmp(&b.0));
    let mut results = results.into_iter().peekable();
    let mut verification = Verification {
        lines: Vec::with_capacity(names.len()),
        failed,
    };
    for name in names {
        let line = match results.next_if(|(job, _)| job == name) {
            Some((_, Ok(line))) => line,
            Some((_, Err(reason))) => format!("error: {name}: {reason}"),
            None => format!("error: {name}: not run: a check it depends on failed"),
        };
        verification.failed |= line.starts_with("error:");
        verification.lines.push(line);
    }
    verification
}

/// `archive/<name>`: every member has a manifest of its size.
fn check_archive<I: Index + ?Sized>(name: &str, index: &I) -> Result<String, String> {
    let members = index.manifests(name)?;
    let mut blocks = 0;
    for (member, manifest) in &members {
        let manifest = parse(&member.path, manifest.as_deref())?;
        if manifest.len() != member.size {
            return Err(format!(
                "member {}: its manifest holds {} bytes, the member {}",
                member.path,
                manifest.len(),
                member.size
            ));
        }
        blocks += manifest.locators().len();
    }
    Ok(format!(
        "checked {name}: {} members recorded, {blocks} blocks",
        members.len()
    ))
}

fn parse(path: &str, manifest: Option<&str>) -> Result<Manifest, String> {
    let text = manifest.ok_or_else(|| format!("member {path} has no manifest"))?;
    text.parse::<Manifest>()
        .map_err(|e| format!("member {path}: {e}"))
}

/// `archive/~/verify`: every recorded manifest parses; count the blocks they name.
fn survey<I: Index + ?Sized>(all: &[String], index: &I) -> Result<String, String> {
    let (mut members, mut archives, mut references) = (0usize, 0usize, 0usize);
    let mut distinct: BTreeSet<Locator> = BTreeSet::new();
    for archive in all {
        let recorded = index.manifests(archive)?;
        archives += usize::from(recorded.iter().any(|(_, m)| m.is_some()));
        for (member, manifest) in recorded {
            let Some(text) = manifest else { continue };
            let manifest =
                parse(&member.path, Some(&text)).map_err(|e| format!("{archive}: {e}"))?;
            members += 1;
            references += manifest.locators().len();
            distinct.extend(manifest.locators());
        }
    }
    let stored: u64 = distinct.iter().map(Locator::size).sum();
    Ok(format!(
        "verify: {members} members recorded in {archives} archives: {references} blocks, {} \
         distinct ({stored} bytes stored)",
        distinct.len()
    ))
}

/// `archive/~/verify/<name>`: read each recorded member back and compare its checksum.
fn reread<I: Index + ?Sized>(
    archive: &str,
    index: &I,
    store: &dyn BlockStore,
) -> Result<String, String> {
    let (mut members, mut bytes) = (0u64, 0u64);
    for (member, manifest) in index.manifests(archive)? {
        let Some(text) = manifest else { continue };
        let manifest = parse(&member.path, Some(&text))?;
        let content = manifest
            .read(store)
            .map_err(|e| format!("member {}: {e}", member.path))?;
        let md5 = crate::archives::md5_hex(&Md5::digest(&content));
        if md5 != member.md5 {
            return Err(format!(
                "member {}: reads back with md5 {md5}, the index has {}",
                member.path, member.md5
            ));
        }
        members += 1;
        bytes += content.len() as u64;
    }
    Ok(format!(
        "verified {archive}: {members} members ({bytes} bytes) read back, checksums match"
    ))
}
