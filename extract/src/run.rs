//! The program's concurrent core, generic over the sync runtime `R` (std threads in the
//! program, `lockstep_sim::Sim` in its tests), and the sequential baseline it is measured
//! against.
//!
//! [`run`]: archives are assigned largest first to the least-loaded of `workers` workers
//! ([`Assignment::by_size`]); each worker extracts its archives in archive order; everything an
//! archive prints goes through an [`OrderedMonitor`], so the output is the same bytes for any
//! number of workers; members stream into blocks through a shared [`BlockManager`]; then the
//! verification jobs run on a task tree ([`crate::verify`]), and a summary follows.
//! [`run_sequential`] does the same work on the calling thread — no monitor, no upload workers,
//! no task tree — and prints the same bytes.
//!
//! Failure handling: an archive that cannot be read, is truncated or has a member whose
//! checksum does not match the index fails alone, as one `error: <archive>: ...` line after
//! whatever it printed; the other archives complete; the members extracted before the failure
//! stay recorded; [`Summary::success`] is then `false`.

use crate::archives::Archives;
use crate::index::Index;
use crate::member::{extract_archive, DirectStore, ManagedStore, Progress};
use crate::verify::{verify, verify_sequential, Verification};
use lockstep::block::{self, BlockManager, BlockStore};
use lockstep::ordered::{self, Assignment, OrderedMonitor};
use lockstep::sync::{Arc, Runtime};
use std::io::Write;

/// What a run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Archives in the run.
    pub archives: usize,
    /// The archives that failed, in archive order.
    pub failed: Vec<String>,
    /// The verification's lines and result.
    pub verification: Verification,
    /// The output could not all be written (the first error).
    pub output_error: Option<String>,
}

impl Summary {
    /// Every archive extracted, verification passed, and every line was written.
    pub fn success(&self) -> bool {
        self.failed.is_empty() && !self.verification.failed && self.output_error.is_none()
    }
}

/// The block manager settings `run` uses: blocks of `block_size` bytes, two upload workers, and
/// a buffer cap that holds a partly written block for each of `workers` writers plus one for
/// each upload slot (so a writer is never refused for lack of space).
pub fn block_config(block_size: usize, workers: usize) -> block::Config {
    let config = block::Config::default()
        .block_size(block_size)
        .workers(2)
        .queue_capacity(2)
        .repack_below(0);
    let slots = workers + config.workers + config.queue_capacity + 1;
    config.buffer_cap(slots.saturating_mul(block_size))
}

/// The line written in place of a failed archive (`reason` names the archive).
fn error_line(_archive: usize, reason: &str) -> String {
    format!("error: {reason}")
}

fn names<A: Archives + ?Sized>(archives: &A) -> Vec<String> {
    (0..archives.len())
        .map(|k| archives.name(k).to_owned())
        .collect()
}

/// Extract every archive with `workers` workers into `manager`'s store, writing the ordered
/// output to `out`; then verify and write the summary. `Err` only if nothing could be run
/// (e.g. no worker thread could be started).
pub fn run<R, A, I, W>(
    archives: Arc<A, R>,
    index: Arc<I, R>,
    manager: Arc<BlockManager<R>, R>,
    out: W,
    workers: usize,
    progress: std::sync::Arc<Progress>,
) -> Result<(Summary, W), String>
where
    R: Runtime,
    A: Archives,
    I: Index,
    W: Write + Send + 'static,
{
    let sizes: Vec<u64> = (0..archives.len()).map(|k| archives.size(k)).collect();
    let config = ordered::Config::default().error_line(error_line);
    let monitor = OrderedMonitor::<W, R>::with_runtime(archives.len(), out, config);
    let work = {
        let (archives, index, manager) = (archives.clone(), index.clone(), manager.clone());
        move |k: usize, out: &mut ordered::ItemWriter<'_, W, R>| {
            let store = ManagedStore(&*manager);
            extract_archive(&*archives, &*index, k, out, &store, &*progress)
        }
    };
    let (report, mut out) = monitor
        .run(Assignment::by_size(&sizes, workers), work)
        .map_err(|e| e.to_string())?;
    let all = names(&*archives);
    let failed: Vec<String> = report.failed.iter().map(|f| all[f.item].clone()).collect();
    let extracted: Vec<String> = all
        .iter()
        .filter(|n| !failed.contains(n))
        .cloned()
        .collect();
    let verification = verify(all, &extracted, index, manager, workers)?;
    let mut summary = Summary {
        archives: archives.len(),
        failed,
        verification,
        output_error: report.sink_error,
    };
    write_summary(&mut out, &mut summary);
    Ok((summary, out))
}

/// The baseline: the same work and the same output on the calling thread, putting blocks
/// straight into `store`.
pub fn run_sequential<A, I, W>(
    archives: &A,
    index: &I,
    store: &dyn BlockStore,
    block_size: usize,
    out: &mut W,
    progress: &Progress,
) -> Summary
where
    A: Archives + ?Sized,
    I: Index + ?Sized,
    W: Write,
{
    let direct = DirectStore { store, block_size };
    let mut failed = Vec::new();
    let mut output_error = None;
    for k in 0..archives.len() {
        let mut written = match extract_archive(archives, index, k, out, &direct, progress) {
            Ok(()) => Ok(()),
            Err(reason) => {
                failed.push(archives.name(k).to_owned());
                writeln!(out, "{}", error_line(k, &reason))
            }
        };
        written = written.and_then(|()| out.flush());
        if let Err(e) = written {
            output_error.get_or_insert(e.to_string());
        }
    }
    let all = names(archives);
    let extracted: Vec<String> = all
        .iter()
        .filter(|n| !failed.contains(n))
        .cloned()
        .collect();
    let mut summary = Summary {
        archives: archives.len(),
        failed,
        verification: verify_sequential(&all, &extracted, index, store),
        output_error,
    };
    write_summary(out, &mut summary);
    summary
}

/// The lines after the archives: how many extracted, then the verification's lines.
fn write_summary<W: Write + ?Sized>(out: &mut W, summary: &mut Summary) {
    let extracted = summary.archives - summary.failed.len();
    let mut text = format!("extracted {extracted} of {} archives", summary.archives);
    if !summary.failed.is_empty() {
        text.push_str(&format!("; failed: {}", summary.failed.join(", ")));
    }
    text.push('\n');
    for line in &summary.verification.lines {
        text.push_str(line);
        text.push('\n');
    }
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        summary.output_error.get_or_insert(e.to_string());
    }
}
