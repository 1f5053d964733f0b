//! `extract`: extract tar archives in parallel into a content-addressed block store, printing
//! each archive's lines in archive order, then verify everything against the index. See
//! `extract --help` and the library docs (`lockstep_extract`).

use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use lockstep::block::{BlockManager, DirStore};
use lockstep::sync::{Arc, Std};
use lockstep_extract::archives::{Archives, DirArchives};
use lockstep_extract::demo::{self, DemoSpec};
use lockstep_extract::index::SqliteIndex;
use lockstep_extract::member::Progress;
use lockstep_extract::run::{block_config, run, run_sequential, Summary};
use std::fs;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const ABOUT: &str = "Extract tar archives in parallel into a content-addressed block store, \
printing each archive's lines in archive order — the same bytes for any number of workers — \
then verify every member against the index.";

const AFTER_HELP: &str = "\
How it works:
  Archives are assigned largest first to the least-loaded worker; each worker extracts its
  archives in archive order. Everything printed for an archive goes through lockstep's ordered
  output monitor, so stdout is byte-identical for any --workers. Members stream through
  lockstep's block manager into the content-addressed store (--out): identical members are
  stored once. The index (--db, SQLite) lists each archive's members, sizes, offsets and MD5
  checksums — built from the archive on first use — and records each member's manifest.
  Then verification runs on lockstep's task tree: archive/<name> (every member has a manifest
  of its size), then the barrier job archive/~/verify (re-reads every member from the store
  and checks its checksum). A progress bar is drawn on stderr when it is a terminal.

Failures:
  A truncated or corrupt archive (unreadable, shorter than its index, a member whose checksum
  differs from the index) fails alone with one line 'error: <archive>: <what>' after whatever
  it printed; the other archives complete and the members extracted before the failure stay
  recorded.

Exit status:
  0  every archive extracted and verified
  1  an archive failed, verification failed, or output could not be written
  2  bad usage or setup (no archives, --out not writable, the index cannot be opened):
     one line on stderr

Examples:
  extract --demo /tmp/demo --workers 4
  extract archives/ --out /srv/blocks --db archives/index.db
  extract --demo /tmp/demo --sequential     # the one-thread baseline: same output";

#[derive(Debug, Parser)]
#[command(name = "extract", version, about = ABOUT, after_help = AFTER_HELP)]
struct Args {
    /// Tar archives, or directories whose *.tar files are taken in name order.
    #[arg(value_name = "ARCHIVE")]
    archives: Vec<PathBuf>,

    /// Write the reproducible demo archives (12 archives, 49 MB) into DIR first; with no
    /// ARCHIVE, extract them. --out defaults to DIR/store and --db to DIR/index.db.
    #[arg(long, value_name = "DIR")]
    demo: Option<PathBuf>,

    /// Worker threads extracting archives, 1–1024 [default: the available parallelism].
    #[arg(long, short = 'w', value_parser = clap::value_parser!(u16).range(1..=1024))]
    workers: Option<u16>,

    /// The content-addressed block store, a directory (created if needed).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,

    /// The index database, SQLite (created if needed; its directory must exist)
    /// [default: index.db beside the first archive].
    #[arg(long, value_name = "PATH")]
    db: Option<PathBuf>,

    /// Block size in bytes, 4096–67108864.
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 20,
          value_parser = clap::value_parser!(u32).range(4096..=(64 << 20)))]
    block_size: u32,

    /// The baseline: the same work on one thread with no monitor, block manager or task tree
    /// (blocks are put straight into the store); prints the same bytes.
    #[arg(long)]
    sequential: bool,
}

/// A setup problem: one line on stderr, exit status 2.
struct Usage(String);

fn main() -> ExitCode {
    let args = Args::parse();
    match start(&args) {
        Ok(summary) => finish(&summary),
        Err(Usage(message)) => {
            eprintln!("extract: {message}");
            ExitCode::from(2)
        }
    }
}

fn finish(summary: &Summary) -> ExitCode {
    match &summary.output_error {
        Some(e) if e.contains("Broken pipe") => return ExitCode::from(1),
        Some(e) => eprintln!("extract: writing the output: {e}"),
        None => {}
    }
    if summary.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Everything `start` needs, resolved from the arguments.
struct Setup {
    archives: DirArchives,
    store: DirStore,
    index: SqliteIndex,
    workers: usize,
}

fn start(args: &Args) -> Result<Summary, Usage> {
    let setup = setup(args)?;
    let bar = progress_bar(&setup.archives);
    let progress: std::sync::Arc<Progress> = {
        let bar = bar.clone();
        std::sync::Arc::new(move |bytes| bar.inc(bytes))
    };
    let block_size = args.block_size as usize;
    let summary = if args.sequential {
        let mut out = io::stdout().lock();
        run_sequential(
            &setup.archives,
            &setup.index,
            &setup.store,
            block_size,
            &mut out,
            &*progress,
        )
    } else {
        let config = block_config(block_size, setup.workers);
        let manager = BlockManager::new(setup.store, config).map_err(|e| Usage(e.to_string()))?;
        let manager: Arc<BlockManager<Std>> = Arc::new(manager);
        let (summary, _stdout) = run(
            Arc::new(setup.archives),
            Arc::new(setup.index),
            manager.clone(),
            io::stdout(),
            setup.workers,
            progress,
        )
        .map_err(Usage)?;
        if let Err(e) = manager.stop() {
            eprintln!("extract: the block store: {e}");
            return Ok(Summary {
                output_error: Some(e.to_string()),
                ..summary
            });
        }
        summary
    };
    bar.finish_and_clear();
    Ok(summary)
}

/// Check the arguments, open the store and (when its path is known) the index — before the demo
/// archives are written, so a setup error costs nothing — then collect the archives.
fn setup(args: &Args) -> Result<Setup, Usage> {
    if args.sequential && args.workers.is_some_and(|w| w != 1) {
        return Err(Usage(
            "--sequential runs on one thread: drop --workers".into(),
        ));
    }
    if args.archives.is_empty() && args.demo.is_none() {
        return Err(Usage(
            "no archives given (try --demo DIR, or --help)".into(),
        ));
    }
    let out = match (&args.out, &args.demo) {
        (Some(out), _) => out.clone(),
        (None, Some(dir)) => dir.join("store"),
        (None, None) => return Err(Usage("--out DIR is required: where the blocks go".into())),
    };
    let store = open_store(&out)?;
    let db = args
        .db
        .clone()
        .or_else(|| args.demo.as_ref().map(|d| d.join("index.db")));
    let mut index = None;
    let mut paths = args.archives.clone();
    if let Some(dir) = &args.demo {
        let cannot = |e: std::io::Error| {
            Usage(format!(
                "cannot write the demo archives to {}: {e}",
                dir.display()
            ))
        };
        fs::create_dir_all(dir).map_err(cannot)?;
        index = db.as_deref().map(open_index).transpose()?;
        demo::write(dir, &DemoSpec::standard()).map_err(cannot)?;
        if paths.is_empty() {
            paths.push(dir.clone());
        }
    }
    let archives = DirArchives::new(&paths).map_err(Usage)?;
    if archives.is_empty() {
        let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        return Err(Usage(format!("no .tar archives in {}", shown.join(", "))));
    }
    let index = match index {
        Some(index) => index,
        None => open_index(&db.unwrap_or_else(|| beside(archives.path(0))))?,
    };
    Ok(Setup {
        store,
        index,
        archives,
        workers: args.workers.map_or_else(default_workers, usize::from),
    })
}

fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(1024))
}

/// `index.db` in the directory of `archive`.
fn beside(archive: &Path) -> PathBuf {
    archive.parent().unwrap_or(Path::new(".")).join("index.db")
}

/// The store, after proving it takes a file: a store that cannot be written is a setup error
/// now, not a failure of every archive later.
fn open_store(out: &Path) -> Result<DirStore, Usage> {
    let unusable =
        |e: &dyn std::fmt::Display| Usage(format!("cannot write to --out {}: {e}", out.display()));
    let store = DirStore::open(out).map_err(|e| unusable(&e))?;
    let probe = out
        .join("tmp")
        .join(format!("probe.{}", std::process::id()));
    fs::File::create(&probe)
        .and_then(|mut f| f.write_all(b"probe"))
        .map_err(|e| unusable(&e))?;
    let _ = fs::remove_file(&probe);
    Ok(store)
}

fn open_index(db: &Path) -> Result<SqliteIndex, Usage> {
    let cannot = |why: String| Usage(format!("cannot open the index {}: {why}", db.display()));
    let dir = db
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !dir.is_dir() {
        return Err(cannot(format!(
            "directory {} does not exist",
            dir.display()
        )));
    }
    SqliteIndex::open(db).map_err(cannot)
}

/// A byte-count bar on stderr when it is a terminal; hidden otherwise.
fn progress_bar(archives: &DirArchives) -> ProgressBar {
    if !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let total: u64 = (0..archives.len()).map(|k| archives.size(k)).sum();
    let bar = ProgressBar::new(total);
    let style = ProgressStyle::with_template(
        "{elapsed:>4} [{wide_bar}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec}",
    );
    if let Ok(style) = style {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}
