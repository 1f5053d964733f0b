//! Verification after extraction, as barrier-scheduled jobs: `archive/<name>` for each archive
//! that extracted (its index record is complete: a manifest for every member, of the member's
//! size), then `archive/~/verify`, which starts only once every one of them passed and re-reads
//! every recorded manifest from the store, checking each member's checksum against the index.
//!
//! [`verify`] runs the jobs on a [`TaskTree`] (thread pool on runtime `R`);
//! [`verify_sequential`] runs the same checks in a loop for the baseline. Both return the same
//! [`Verification`]: its lines are in job-name order, whatever order the jobs finished in.

use crate::index::Index;
use lockstep::block::{BlockManager, BlockStore, Locator, Manifest};
use lockstep::sync::{Arc, Runtime};
use lockstep::tasktree::{Outcome, Runner, TaskTree};
use md5::{Digest, Md5};
use std::collections::BTreeSet;

/// The name of the job that re-reads everything.
const VERIFY: &str = "~/verify";

/// What verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// One line per job, in job-name order (`archive/~/verify` last).
    pub lines: Vec<String>,
    /// Some check failed or did not run.
    pub failed: bool,
}

/// The jobs: `archive/<name>` for each extracted archive, then the barrier job.
fn job_names(extracted: &[String]) -> Vec<String> {
    let mut names: Vec<String> = extracted.iter().map(|n| format!("archive/{n}")).collect();
    names.push(format!("archive/{VERIFY}"));
    names.sort_unstable();
    names
}

/// Run the checks for the `extracted` archives (and the final re-read over `all` archives) as
/// a task tree of at most `workers` jobs at once, on runtime `R`.
pub fn verify<R: Runtime, I: Index>(
    all: Vec<String>,
    extracted: &[String],
    index: Arc<I, R>,
    manager: Arc<BlockManager<R>, R>,
    workers: usize,
) -> Result<Verification, String> {
    let names = job_names(extracted);
    let tree = TaskTree::new(&names).map_err(|e| e.to_string())?;
    let mut results = Vec::new();
    let report = Runner::<R>::with_runtime(&tree)
        .max_workers(workers.max(1))
        .run(
            move |job| match job.name().strip_prefix("archive/") {
                Some(VERIFY) => reread_all(&all, &*index, manager.store()),
                Some(name) => check_archive(name, &*index),
                None => Err(format!("unknown job {}", job.name())),
            },
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

/// The same checks, one after another on this thread (the baseline).
pub fn verify_sequential<I: Index + ?Sized>(
    all: &[String],
    extracted: &[String],
    index: &I,
    store: &dyn BlockStore,
) -> Verification {
    let names = job_names(extracted);
    let mut results = Vec::new();
    let mut failed = false;
    for name in &names {
        let result = match name.strip_prefix("archive/") {
            Some(VERIFY) if failed => continue, // the barrier stays closed
            Some(VERIFY) => reread_all(all, index, store),
            Some(archive) => check_archive(archive, index),
            None => unreachable!("every job name starts with archive/"),
        };
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
            None => format!("error: {name}: not run, an archive check failed"),
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

/// `archive/~/verify`: read every recorded member back and compare its checksum.
fn reread_all<I: Index + ?Sized>(
    all: &[String],
    index: &I,
    store: &dyn BlockStore,
) -> Result<String, String> {
    let (mut members, mut bytes, mut references) = (0u64, 0u64, 0usize);
    let mut distinct: BTreeSet<Locator> = BTreeSet::new();
    for archive in all {
        for (member, manifest) in index.manifests(archive)? {
            let Some(text) = manifest else { continue };
            let manifest = parse(&member.path, Some(&text))?;
            let content = manifest
                .read(store)
                .map_err(|e| format!("{archive}: member {}: {e}", member.path))?;
            let md5 = crate::archives::md5_hex(&Md5::digest(&content));
            if md5 != member.md5 {
                return Err(format!(
                    "{archive}: member {}: reads back with md5 {md5}, the index has {}",
                    member.path, member.md5
                ));
            }
            members += 1;
            bytes += content.len() as u64;
            references += manifest.locators().len();
            distinct.extend(manifest.locators());
        }
    }
    let stored: u64 = distinct.iter().map(Locator::size).sum();
    Ok(format!(
        "verified {members} members ({bytes} bytes) against the index: {references} blocks, \
         {} distinct ({stored} bytes stored)",
        distinct.len()
    ))
}
