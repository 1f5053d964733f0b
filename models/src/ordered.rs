//! Models of the ordered output monitor, written once against the facade.
//!
//! - [`OrderedRun`]: the component's own harness — `workers` threads run `items` items through
//!   [`OrderedMonitor`]; the output must equal the sequential output, even when a worker panics
//!   part-way through an item.
//! - [`ZstashLike`]: the zstash-like workload of the snapshot tests.
//!
//! zstash's own bugs, each with a buggy twin and a fixed twin on [`OrderedMonitor`], are in
//! [`crate::zstash`].

use lockstep::ordered::{Assignment, Config, OrderedMonitor, Report};
use lockstep::sync::Runtime;
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
