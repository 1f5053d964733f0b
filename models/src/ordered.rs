//! Models of the ordered output monitor, written once against the facade.
//!
//! - [`OrderedRun`]: the component's own harness — `workers` threads run `items` items through
//!   [`OrderedMonitor`]; the output must equal the sequential output, even when a worker panics
//!   part-way through an item.
//! - [`Zstash`]: zstash's `PrintMonitor` bugs, each as a *buggy* twin (a turn counter on one
//!   `Mutex` + `Condvar`, as zstash wrote it) and a *fixed* twin (the same workload on
//!   [`OrderedMonitor`]):
//!   - [`ZstashBug::WaitTurnTwice`]: a worker waits for its turn before extracting a tar and
//!     again before printing it — after it has already advanced the turn: deadlock;
//!   - [`ZstashBug::EmptyItemNeverReleased`]: the turn advances only when the head printed
//!     something, so a tar with no output is never released: deadlock;
//!   - [`ZstashBug::DeadWorkerHoldsTurn`]: a worker dies holding the turn; everyone else waits
//!     forever (zstash's main loop spun meanwhile): deadlock.
//!
//! The third zstash monitor problem — polling the counter every 10 ms — is correct, only slow;
//! it is measured, not modelled: see `lockstep bench ordered` and `models/benches/ordered.rs`.

use lockstep::ordered::{Assignment, Config, OrderedMonitor, Report};
use lockstep::sync::{thread, Arc, Condvar, Mutex, Runtime};
use std::io::Write;

/// Where a worker panics, if it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PanicAt {
    /// The item whose worker panics.
    pub item: usize,
    /// Lines of that item written before the panic.
    pub after_lines: usize,
}

/// The monitor's harness: dynamic assignment, `lines` lines per item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderedRun {
    /// Worker threads.
    pub workers: usize,
    /// Items.
    pub items: usize,
    /// Lines each item writes.
    pub lines: usize,
    /// Items that may run ahead of the head.
    pub window_items: usize,
    /// Bytes that may be buffered ahead of the head.
    pub window_bytes: usize,
    /// A worker panics here (caught by [`OrderedMonitor::run`], which fails the item).
    pub panic_at: Option<PanicAt>,
}

impl OrderedRun {
    /// `workers` × `items`, one line each, window of `window_items` items and 1 KiB.
    pub fn new(workers: usize, items: usize, window_items: usize) -> Self {
        Self {
            workers,
            items,
            lines: 1,
            window_items,
            window_bytes: 1024,
            panic_at: None,
        }
    }

    /// The same run with a panic at `panic_at`.
    pub fn panicking(mut self, panic_at: PanicAt) -> Self {
        self.panic_at = Some(panic_at);
        self
    }

    /// Lines per item.
    pub fn lines(mut self, lines: usize) -> Self {
        self.lines = lines;
        self
    }

    fn line(item: usize, line: usize) -> String {
        format!("item {item} line {line}\n")
    }

    /// The only correct output: every item's lines in order, and in place of the rest of a
    /// panicking item, its error line.
    pub fn expected(&self) -> String {
        let mut out = String::new();
        for item in 0..self.items {
            match self.panic_at {
                Some(p) if p.item == item => {
                    for line in 0..p.after_lines.min(self.lines) {
                        out.push_str(&Self::line(item, line));
                    }
                    out.push_str(&format!(
                        "error: item {item} failed: worker panicked: injected panic in item {item}\n"
                    ));
                }
                _ => (0..self.lines).for_each(|line| out.push_str(&Self::line(item, line))),
            }
        }
        out
    }

    /// Run on backend `R`; return the report and the output.
    pub fn run<R: Runtime>(&self) -> (Report, String) {
        let config = Config::default()
            .window_items(self.window_items)
            .window_bytes(self.window_bytes);
        let monitor = OrderedMonitor::<Vec<u8>, R>::with_runtime(self.items, Vec::new(), config);
        let this = *self;
        let (report, out) = monitor
            .run(Assignment::dynamic(self.workers), move |item, out| {
                for line in 0..this.lines {
                    if this.panic_at
                        == Some(PanicAt {
                            item,
                            after_lines: line,
                        })
                    {
                        panic!("injected panic in item {item}");
                    }
                    out.write_all(Self::line(item, line).as_bytes())?;
                }
                if matches!(this.panic_at, Some(p) if p.item == item && p.after_lines >= this.lines)
                {
                    panic!("injected panic in item {item}");
                }
                Ok::<_, std::io::Error>(())
            })
            .expect("dynamic assignment cannot be refused");
        (report, String::from_utf8(out).expect("utf-8 output"))
    }

    /// A model for a checker: run on `R`; the output must equal [`Self::expected`] and the
    /// window must hold.
    pub fn model<R: Runtime>(self) -> impl Fn() + Send + Sync + 'static {
        move || {
            let (report, out) = self.run::<R>();
            assert_eq!(
                out,
                self.expected(),
                "output differs from the sequential output"
            );
            assert!(report.peak_buffered_bytes <= self.window_bytes);
            let failed = usize::from(self.panic_at.is_some());
            assert_eq!(report.failed.len(), failed, "{report:?}");
            assert_eq!(report.completed, self.items - failed);
        }
    }
}

/// One of zstash's `PrintMonitor` bugs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZstashBug {
    /// Waiting for the turn again after having advanced it.
    WaitTurnTwice,
    /// The turn advances only after printing something; an empty tar is never released.
    EmptyItemNeverReleased,
    /// A worker dies holding the turn.
    DeadWorkerHoldsTurn,
}

/// Buggy (zstash's turn counter) or fixed (the same workload on [`OrderedMonitor`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// zstash's turn counter.
    Buggy,
    /// [`OrderedMonitor`].
    Fixed,
}

/// A zstash-like extraction: 3 tars over 2 workers, statically assigned (worker 0: tars 0 and
/// 2, worker 1: tar 1), each printing `Opening archive 00000k.tar` and `Extracting dir/filek`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Zstash {
    /// Which bug the workload provokes.
    pub bug: ZstashBug,
    /// Buggy or fixed.
    pub variant: Variant,
}

const TARS: usize = 3;
const LISTS: [&[usize]; 2] = [&[0, 2], &[1]];

struct TurnCounter<R: Runtime> {
    current: Mutex<usize, R>,
    changed: Condvar<R>,
    out: Mutex<String, R>,
}

impl<R: Runtime> TurnCounter<R> {
    fn wait_turn(&self, tar: usize) {
        drop(self.changed.wait_while(self.current.lock(), |c| *c != tar));
    }
    fn advance(&self, tar: usize) {
        *self.current.lock() = tar + 1;
        self.changed.notify_all();
    }
    fn print(&self, lines: &[String]) {
        let mut out = self.out.lock();
        lines.iter().for_each(|l| out.push_str(l));
    }
}

impl Zstash {
    /// The buggy twin.
    pub fn buggy(bug: ZstashBug) -> Self {
        Self {
            bug,
            variant: Variant::Buggy,
        }
    }

    /// The fixed twin.
    pub fn fixed(bug: ZstashBug) -> Self {
        Self {
            bug,
            variant: Variant::Fixed,
        }
    }

    /// What tar `tar` prints, and whether its worker dies after the first line.
    fn lines(&self, tar: usize) -> (Vec<String>, bool) {
        match (self.bug, tar) {
            (ZstashBug::EmptyItemNeverReleased, 1) => (Vec::new(), false),
            (ZstashBug::DeadWorkerHoldsTurn, 1) => {
                (vec![format!("Opening archive {tar:06}.tar\n")], true)
            }
            _ => (
                vec![
                    format!("Opening archive {tar:06}.tar\n"),
                    format!("Extracting dir/file{tar}\n"),
                ],
                false,
            ),
        }
    }

    /// The correct output.
    pub fn expected(&self) -> String {
        let mut out = String::new();
        for tar in 0..TARS {
            let (lines, dies) = self.lines(tar);
            lines.iter().for_each(|l| out.push_str(l));
            if dies {
                out.push_str(&format!(
                    "error: item {tar} failed: its writer was dropped before finish() \
                     (the worker panicked or returned early)\n"
                ));
            }
        }
        out
    }

    /// Run on backend `R` and return the output.
    pub fn run<R: Runtime>(&self) -> String {
        match self.variant {
            Variant::Buggy => self.run_turn_counter::<R>(),
            Variant::Fixed => self.run_monitor::<R>(),
        }
    }

    fn run_turn_counter<R: Runtime>(&self) -> String {
        let turn: Arc<TurnCounter<R>, R> = Arc::new(TurnCounter {
            current: Mutex::new(0),
            changed: Condvar::new(),
            out: Mutex::new(String::new()),
        });
        let this = *self;
        let handles: Vec<_> = LISTS
            .iter()
            .enumerate()
            .map(|(k, list)| {
                let turn = turn.clone();
                thread::Builder::<R>::new()
                    .name(format!("zstash-worker-{k}"))
                    .spawn(move || {
                        for &tar in *list {
                            let (lines, dies) = this.lines(tar);
                            match this.bug {
                                ZstashBug::WaitTurnTwice => {
                                    turn.wait_turn(tar); // before extracting
                                    turn.print(&lines);
                                    turn.advance(tar);
                                    turn.wait_turn(tar); // again, before "print_all_contents"
                                }
                                ZstashBug::EmptyItemNeverReleased => {
                                    if !lines.is_empty() {
                                        turn.wait_turn(tar);
                                        turn.print(&lines);
                                        turn.advance(tar);
                                    }
                                }
                                ZstashBug::DeadWorkerHoldsTurn => {
                                    turn.wait_turn(tar);
                                    turn.print(&lines);
                                    if dies {
                                        return; // the worker process died: no advance, no report
                                    }
                                    turn.advance(tar);
                                }
                            }
                        }
                    })
            })
            .collect();
        for handle in handles {
            let _ = handle.join();
        }
        let out = turn.out.lock().clone();
        out
    }

    fn run_monitor<R: Runtime>(&self) -> String {
        let monitor =
            OrderedMonitor::<Vec<u8>, R>::with_runtime(TARS, Vec::new(), Config::default());
        let workers: Vec<_> = LISTS
            .iter()
            .map(|list| monitor.static_worker(list.to_vec()).expect("valid lists"))
            .collect();
        let this = *self;
        let handles: Vec<_> = workers
            .into_iter()
            .enumerate()
            .map(|(k, mut worker)| {
                thread::Builder::<R>::new()
                    .name(format!("zstash-worker-{k}"))
                    .spawn(move || {
                        while let Some(mut out) = worker.next_item() {
                            let (lines, dies) = this.lines(out.item());
                            for line in &lines {
                                out.write_all(line.as_bytes()).expect("item output");
                            }
                            if dies {
                                return; // dies: the writer's drop guard fails the item
                            }
                            let _ = out.finish();
                        }
                    })
            })
            .collect();
        let (_, out) = monitor.wait();
        for handle in handles {
            let _ = handle.join();
        }
        String::from_utf8(out).expect("utf-8 output")
    }

    /// A model for a checker: run on `R`; the output must be the correct one.
    pub fn model<R: Runtime>(self) -> impl Fn() + Send + Sync + 'static {
        move || assert_eq!(self.run::<R>(), self.expected(), "{self:?}")
    }
}

/// The zstash-like workload of the snapshot test: 5 archives of different sizes extracted by
/// `workers` workers, statically assigned by size (largest first, least loaded); archive 3 has a
/// corrupt member and fails part-way; archive 4 is empty and prints nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZstashLike {
    /// Worker threads.
    pub workers: usize,
}

impl ZstashLike {
    /// Files in each archive.
    pub const FILES: [usize; 5] = [3, 5, 2, 4, 0];

    /// Run on backend `R`; return the output and the report.
    pub fn run<R: Runtime>(&self) -> (String, Report) {
        let sizes: Vec<u64> = Self::FILES.iter().map(|&f| f as u64).collect();
        let config = Config::default().window_items(2).window_bytes(256);
        let monitor =
            OrderedMonitor::<Vec<u8>, R>::with_runtime(Self::FILES.len(), Vec::new(), config);
        let (report, out) = monitor
            .run(Assignment::by_size(&sizes, self.workers), |tar, out| {
                let files = Self::FILES[tar];
                if files == 0 {
                    return Ok(());
                }
                writeln!(out, "Opening archive {tar:06}.tar").map_err(|e| e.to_string())?;
                let first = Self::FILES[..tar].iter().sum::<usize>();
                for file in first..first + files {
                    if tar == 3 && file == first + 2 {
                        return Err(format!(
                            "{tar:06}.tar: checksum mismatch for dir/file{file}"
                        ));
                    }
                    writeln!(out, "Extracting dir/file{file}").map_err(|e| e.to_string())?;
                }
                writeln!(out, "Closed archive {tar:06}.tar").map_err(|e| e.to_string())
            })
            .expect("by_size lists are valid");
        (String::from_utf8(out).expect("utf-8 output"), report)
    }

    /// The archive a line belongs to (for `assert_items_in_order`).
    pub fn tar_of_line(line: &str) -> Option<usize> {
        let at = line.find(".tar")?;
        line.get(at.checked_sub(6)?..at)?.parse().ok()
    }
}
