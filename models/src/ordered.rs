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
        let (out, report) = self.run_into::<Vec<u8>, R>(Vec::new());
        (String::from_utf8(out).expect("utf-8 output"), report)
    }

    /// Run on backend `R` writing to `sink` (for example lockstep-sim's `Output`, whose writes
    /// the same-output oracle compares across schedules); return the sink and the report.
    pub fn run_into<W: Write + Send + 'static, R: Runtime>(&self, sink: W) -> (W, Report) {
        let sizes: Vec<u64> = Self::FILES.iter().map(|&f| f as u64).collect();
        let config = Config::default().window_items(2).window_bytes(256);
        let monitor = OrderedMonitor::<W, R>::with_runtime(Self::FILES.len(), sink, config);
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
        (out, report)
    }

    /// The archive a line belongs to (for `assert_items_in_order`).
    pub fn tar_of_line(line: &str) -> Option<usize> {
        let at = line.find(".tar")?;
        line.get(at.checked_sub(6)?..at)?.parse().ok()
    }
}

/// The monitor's shipped options under the checkers: fail-fast and log routing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderedOption {
    /// [`Config::fail_fast`]: item 2 of 5 fails; nothing after it is written, and its error
    /// line is the last output, whatever the workers had run ahead.
    FailFast,
    /// [`Config::route_logs`]: each item logs through
    /// [`CurrentItemWriter`](lockstep::ordered::CurrentItemWriter) (as a worker's logger would)
    /// and writes through its writer; both land in the item, in item order. Needs a backend
    /// that tells its threads apart ([`Runtime::thread_key`]): production and lockstep-sim.
    LogRouting,
}

impl OrderedOption {
    /// Every option.
    pub const ALL: [OrderedOption; 2] = [OrderedOption::FailFast, OrderedOption::LogRouting];

    /// The catalogue name.
    pub fn name(self) -> &'static str {
        match self {
            OrderedOption::FailFast => "ordered-fail-fast",
            OrderedOption::LogRouting => "ordered-log-routing",
        }
    }

    /// One line for the catalogue.
    pub fn summary(self) -> &'static str {
        match self {
            OrderedOption::FailFast => "OrderedMonitor fail_fast: nothing after the first failure",
            OrderedOption::LogRouting => {
                "OrderedMonitor route_logs: CurrentItemWriter lands in the worker's item"
            }
        }
    }

    /// The only correct output.
    pub fn expected(self) -> String {
        match self {
            OrderedOption::FailFast => {
                "item 0\nitem 1\nerror: item 2 failed: corrupt member\n".to_owned()
            }
            OrderedOption::LogRouting => (0..4)
                .map(|item| format!("log: item {item}\nitem {item}\n"))
                .collect(),
        }
    }

    /// Run on backend `R`; the output and the report.
    pub fn run<R: Runtime>(self) -> (String, Report) {
        let (items, config) = match self {
            OrderedOption::FailFast => (5, Config::default().fail_fast(true).window_items(2)),
            OrderedOption::LogRouting => (4, Config::default().route_logs(true)),
        };
        let monitor = OrderedMonitor::<Vec<u8>, R>::with_runtime(items, Vec::new(), config);
        let (report, out) = monitor
            .run(Assignment::dynamic(2), move |item, out| {
                if self == OrderedOption::LogRouting {
                    let mut log = lockstep::ordered::CurrentItemWriter;
                    writeln!(log, "log: item {item}").map_err(|e| e.to_string())?;
                }
                if self == OrderedOption::FailFast && item == 2 {
                    return Err("corrupt member".to_owned());
                }
                writeln!(out, "item {item}").map_err(|e| e.to_string())
            })
            .expect("dynamic assignment cannot be refused");
        (String::from_utf8(out).expect("utf-8 output"), report)
    }

    /// A model for a checker: the output must be [`Self::expected`].
    pub fn model<R: Runtime>(self) -> impl Fn() + Send + Sync + 'static {
        move || {
            let (out, report) = self.run::<R>();
            assert_eq!(out, self.expected(), "{self:?}");
            let failed: Vec<usize> = report.failed.iter().map(|f| f.item).collect();
            match self {
                OrderedOption::FailFast => {
                    assert_eq!(failed, [2], "{report:?}");
                    assert!(report.completed >= 2, "{report:?}");
                }
                OrderedOption::LogRouting => assert!(report.is_success(), "{report:?}"),
            }
        }
    }
}
