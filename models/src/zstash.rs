//! zstash's parallel extraction bugs (E3SM-Project/zstash PR #402 "Add Python 3.14 support",
//! its follow-ups #425/#428 and commit dd320bc), each as a *buggy* twin — the mechanism as
//! zstash wrote it, a turn counter and queues on the facade's primitives — and a *fixed* twin:
//! the same workload on lockstep's real [`OrderedMonitor`].
//!
//! The workload: three tars over two workers, statically assigned (worker 0: tars 0 and 2,
//! worker 1: tar 1), each tar printing `Opening archive 00000k.tar` and one line per file; the
//! output must come out in tar order, complete, with every failure reported.
//!
//! Which schedules fail, and why (the tests in `tests/tests/sim/seeds.rs` check each claim):
//! - **Needs a particular interleaving** — every non-preemptive schedule passes:
//!   [`ZstashBug::DoubleWaitTimeout`], [`ZstashBug::RacyFailureDrain`],
//!   [`ZstashBug::SpuriouslyEmptyQueue`].
//! - **Fails on every schedule** (the real bug did too): [`ZstashBug::DrainBeforeDone`] (the
//!   head tar's worker always holds the turn at its last non-blocking print),
//!   [`ZstashBug::EmptyTar`], [`ZstashBug::DeadWorker`].
//! - **Time, not order** (a latency property in virtual time): [`ZstashBug::TimedWaitSpin`],
//!   [`ZstashBug::PollingMonitor`] — correct output, too slow.

use lockstep::ordered::{Config, OrderedMonitor, Report};
use lockstep::sync::atomic::{AtomicBool, AtomicUsize};
use lockstep::sync::channel::{self, Receiver, Sender};
use lockstep::sync::time::Instant;
use lockstep::sync::{thread, Arc, Condvar, Mutex, Runtime};
use std::collections::VecDeque;
use std::io::Write;
use std::time::Duration;

/// One of zstash's parallel-extraction bugs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZstashBug {
    /// dd320bc: a non-blocking print drains a tar's queue before its done flag is set; the
    /// turn never advances past it.
    DrainBeforeDone,
    /// #402: the turn is waited for twice per tar with a 180 s timeout; the second wait, after
    /// the main process advanced the turn, times out and the tar is skipped — and the stall
    /// makes the next waits time out too.
    DoubleWaitTimeout,
    /// #402 review / #425: `while any(p.is_alive()): while not q.empty(): q.get()` loses the
    /// failures a worker puts just before it exits.
    RacyFailureDrain,
    /// #402: the main process takes an empty output queue plus a done flag as "this tar printed
    /// everything", but the queue was only empty when it looked.
    SpuriouslyEmptyQueue,
    /// The `wait(0.001)` of the non-blocking `wait_turn` returns on its timeout like on a
    /// notification and loops: the print meant to give up after 1 ms spins until its turn.
    TimedWaitSpin,
    /// #402's `PrintMonitor`: `wait_turn` polls the counter every 10 ms (correct, slow).
    PollingMonitor,
    /// The turn advances only after printing; a tar that printed nothing is never released.
    EmptyTar,
    /// A worker dies holding the turn; the others wait for ever (the main loop spins).
    DeadWorker,
}

impl ZstashBug {
    /// Every bug, in a stable order.
    pub const ALL: [ZstashBug; 8] = [
        ZstashBug::DrainBeforeDone,
        ZstashBug::DoubleWaitTimeout,
        ZstashBug::RacyFailureDrain,
        ZstashBug::SpuriouslyEmptyQueue,
        ZstashBug::TimedWaitSpin,
        ZstashBug::PollingMonitor,
        ZstashBug::EmptyTar,
        ZstashBug::DeadWorker,
    ];

    /// The catalogue name (`zstash-...`).
    pub fn name(self) -> &'static str {
        match self {
            ZstashBug::DrainBeforeDone => "zstash-drain-before-done",
            ZstashBug::DoubleWaitTimeout => "zstash-wait-turn-twice",
            ZstashBug::RacyFailureDrain => "zstash-racy-failure-drain",
            ZstashBug::SpuriouslyEmptyQueue => "zstash-spuriously-empty-queue",
            ZstashBug::TimedWaitSpin => "zstash-timed-wait-spin",
            ZstashBug::PollingMonitor => "zstash-polling-monitor",
            ZstashBug::EmptyTar => "zstash-empty-tar",
            ZstashBug::DeadWorker => "zstash-dead-worker",
        }
    }

    /// What zstash did wrong, with the upstream reference (the catalogue's summary).
    pub fn summary(self) -> &'static str {
        match self {
            ZstashBug::DrainBeforeDone => {
                "zstash dd320bc: a non-blocking print drains the queue before the done flag; \
                 the turn never advances"
            }
            ZstashBug::DoubleWaitTimeout => {
                "zstash #402: wait_turn twice per tar; the 2nd wait times out after the advance \
                 and tars are skipped"
            }
            ZstashBug::RacyFailureDrain => {
                "zstash #402/#425: the is_alive()/empty() main loop loses failures put just \
                 before a worker exits"
            }
            ZstashBug::SpuriouslyEmptyQueue => {
                "zstash #402: an empty output queue plus a done flag taken as 'tar printed \
                 everything'; a line is lost"
            }
            ZstashBug::TimedWaitSpin => {
                "zstash PR #402 era: a timed wait taken for a notification; the non-blocking \
                 print spins until its turn"
            }
            ZstashBug::PollingMonitor => {
                "zstash #402: wait_turn polls every 10 ms; a hand-off waits for the next poll \
                 (latency)"
            }
            ZstashBug::EmptyTar => {
                "zstash parallel.py: the turn advances only after printing; a silent tar is \
                 never released"
            }
            ZstashBug::DeadWorker => {
                "zstash #402 review: a worker dies holding the turn; the others wait for ever"
            }
        }
    }

    /// Whether the buggy twin fails only on schedules with a preemption (every non-preemptive
    /// schedule passes), as the real bug needed a particular interleaving.
    pub fn needs_interleaving(self) -> bool {
        matches!(
            self,
            ZstashBug::DoubleWaitTimeout
                | ZstashBug::RacyFailureDrain
                | ZstashBug::SpuriouslyEmptyQueue
        )
    }

    /// Whether the twins need a clock that moves (timeouts, sleeps): loom's does not.
    pub fn needs_time(self) -> bool {
        matches!(
            self,
            ZstashBug::DoubleWaitTimeout | ZstashBug::TimedWaitSpin | ZstashBug::PollingMonitor
        )
    }

    /// Whether extraction takes time (file I/O in virtual time): the bugs about latency.
    pub fn has_io(self) -> bool {
        matches!(self, ZstashBug::TimedWaitSpin | ZstashBug::PollingMonitor)
    }

    /// Whether the buggy twin's main loop polls (sleeps in a loop): loom's clock does not move.
    pub fn spins(self) -> bool {
        matches!(
            self,
            ZstashBug::RacyFailureDrain | ZstashBug::SpuriouslyEmptyQueue
        )
    }

    /// How a checker sees the buggy twin fail: `true` for a deadlock, `false` for a panic.
    pub fn buggy_deadlocks(self) -> bool {
        matches!(
            self,
            ZstashBug::DrainBeforeDone | ZstashBug::EmptyTar | ZstashBug::DeadWorker
        )
    }
}

/// Buggy (zstash's mechanism) or fixed (the same workload on [`OrderedMonitor`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// zstash's mechanism.
    Buggy,
    /// [`OrderedMonitor`].
    Fixed,
}

/// A zstash-like extraction showing one bug.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Zstash {
    /// Which bug the workload provokes.
    pub bug: ZstashBug,
    /// Buggy or fixed.
    pub variant: Variant,
}

const TARS: usize = 3;
const LISTS: [&[usize]; 2] = [&[0, 2], &[1]];
/// Extraction I/O per file, for the bugs about time.
const FILE_IO: Duration = Duration::from_millis(1);

/// What the run produced: the output, the failures reported, the longest a non-blocking print
/// took, and when the last line was printed (for the bugs about latency).
#[derive(Debug, Default)]
struct Outcome {
    output: String,
    failures: Vec<usize>,
    slowest_print: Duration,
    finished_at: Duration,
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
        // The bugs about time: the head tar takes longer (three files) than the others.
        let files = if self.bug.has_io() && tar == 0 { 3 } else { 1 };
        let mut lines = vec![format!("Opening archive {tar:06}.tar\n")];
        lines.extend((0..files).map(|f| format!("Extracting dir/file{tar}_{f}\n")));
        match (self.bug, tar) {
            (ZstashBug::EmptyTar, 1) => (Vec::new(), false),
            (ZstashBug::DeadWorker, 1) => (lines[..1].to_vec(), true),
            _ => (lines, false),
        }
    }

    /// The tar whose extraction fails (reported, its output still printed).
    fn failing(&self) -> Option<usize> {
        (self.bug == ZstashBug::RacyFailureDrain).then_some(1)
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

    /// Run on backend `R` and check the properties; panics (or hangs, which a checker
    /// reports) when the bug strikes.
    pub fn run<R: Runtime>(&self) {
        let outcome = match self.variant {
            Variant::Buggy => buggy::run::<R>(self),
            Variant::Fixed => self.run_monitor::<R>(),
        };
        assert_eq!(outcome.output, self.expected(), "{self:?}");
        let failing: Vec<usize> = self.failing().into_iter().collect();
        assert_eq!(outcome.failures, failing, "failures reported: {self:?}");
        // Latency is a property in virtual time: only the latency twins are judged by it (on
        // std threads a loaded machine can stall any print past 1 ms of wall-clock time).
        if self.bug.has_io() {
            assert!(
                outcome.slowest_print <= FILE_IO,
                "a non-blocking print took {:?} (its timeout is 1 ms): {self:?}",
                outcome.slowest_print
            );
            assert!(
                outcome.finished_at <= self.extraction_time(),
                "the output was complete at {:?}, the extraction at {:?}: a hand-off waited \
                 ({self:?})",
                outcome.finished_at,
                self.extraction_time()
            );
        }
    }

    /// When the busiest worker's extraction ends: the earliest the output can be complete.
    fn extraction_time(&self) -> Duration {
        let lines = |list: &[usize]| list.iter().map(|&t| self.lines(t).0.len()).sum::<usize>();
        let busiest = LISTS.iter().map(|list| lines(list)).max().unwrap_or(0);
        FILE_IO * busiest as u32
    }

    /// A model for a checker.
    pub fn model<R: Runtime>(self) -> impl Fn() + Send + Sync + 'static {
        move || self.run::<R>()
    }

    /// The same workload on [`OrderedMonitor`]: each worker writes its tars' lines into their
    /// item writers; the monitor orders them. A failing member fails its tar (reported); a
    /// dying worker drops its writer (the monitor fails the tar and moves on).
    fn run_monitor<R: Runtime>(&self) -> Outcome {
        let sink = TimedSink::<R>::default();
        let monitor =
            OrderedMonitor::<TimedSink<R>, R>::with_runtime(TARS, sink, Config::default());
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
                        let mut slowest = Duration::ZERO;
                        while let Some(mut out) = worker.next_item() {
                            let (lines, dies) = this.lines(out.item());
                            for line in &lines {
                                this.file_io::<R>();
                                let start = Instant::<R>::now();
                                out.write_all(line.as_bytes()).expect("item output");
                                slowest = slowest.max(start.elapsed());
                            }
                            if dies {
                                return slowest; // the writer's drop guard fails the item
                            }
                            match this.failing() == Some(out.item()) {
                                true => out.fail("checksum mismatch"),
                                false => drop(out.finish()),
                            }
                        }
                        slowest
                    })
            })
            .collect();
        let (report, sink) = monitor.wait();
        let slowest_print = handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .max()
            .unwrap_or_default();
        self.monitor_outcome(report, sink, slowest_print)
    }

    fn monitor_outcome<R: Runtime>(
        &self,
        report: Report,
        sink: TimedSink<R>,
        slowest_print: Duration,
    ) -> Outcome {
        let mut failures: Vec<usize> = report.failed.iter().map(|f| f.item).collect();
        if self.bug == ZstashBug::DeadWorker {
            failures.retain(|&tar| tar != 1); // the death itself is reported, as it should be
        }
        let finished_at = sink.finished_at();
        let mut output = String::from_utf8(sink.bytes).expect("utf-8 output");
        if let Some(tar) = self.failing() {
            let line = format!("error: item {tar} failed: checksum mismatch\n");
            output = output.replace(&line, ""); // the failure is in `failures`
        }
        Outcome {
            output,
            failures,
            slowest_print,
            finished_at,
        }
    }

    /// A file's extraction I/O (only the bugs about latency have any).
    fn file_io<R: Runtime>(&self) {
        if self.bug.has_io() {
            thread::sleep::<R>(FILE_IO);
        }
    }
}

/// A sink that records when its last line was written (virtual time since it was made).
struct TimedSink<R: Runtime> {
    bytes: Vec<u8>,
    made: Instant<R>,
    last: Option<Instant<R>>,
}

impl<R: Runtime> Default for TimedSink<R> {
    fn default() -> Self {
        TimedSink {
            bytes: Vec::new(),
            made: Instant::now(),
            last: None,
        }
    }
}

impl<R: Runtime> TimedSink<R> {
    fn finished_at(&self) -> Duration {
        self.last
            .map_or(Duration::ZERO, |t| t.duration_since(self.made))
    }
}

impl<R: Runtime> Write for TimedSink<R> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.last = Some(Instant::<R>::now());
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

mod buggy;

/// zstash's `PrintMonitor`: the tar whose turn it is to print, and a condition to wait on.
struct Turn<R: Runtime> {
    current: Mutex<usize, R>,
    changed: Condvar<R>,
}

impl<R: Runtime> Turn<R> {
    fn new() -> Self {
        Turn {
            current: Mutex::new(0),
            changed: Condvar::new(),
        }
    }

    fn is(&self, tar: usize) -> bool {
        *self.current.lock() == tar
    }

    fn wait(&self, tar: usize) {
        drop(self.changed.wait_while(self.current.lock(), |c| *c != tar));
    }

    /// Wait for `tar`'s turn at most `timeout`; whether it came.
    fn wait_timeout(&self, tar: usize, timeout: Duration) -> bool {
        let guard = self.current.lock();
        let (guard, _) = self
            .changed
            .wait_timeout_while(guard, timeout, |c| *c != tar);
        *guard == tar
    }

    fn advance(&self, from: usize) {
        let mut current = self.current.lock();
        if *current == from {
            *current = from + 1;
        }
        drop(current);
        self.changed.notify_all();
    }
}

/// The printed output, shared by the workers (zstash's stdout).
type Stdout<R> = Arc<Mutex<String, R>, R>;

/// A worker's output on its way to the main process (a multiprocessing queue).
type OutputQueue<R> = (Sender<(usize, String), R>, Receiver<(usize, String), R>);

fn output_queue<R: Runtime>() -> OutputQueue<R> {
    channel::unbounded::<(usize, String), R>()
}

/// Per-tar "done enqueuing" flags, shared with the main process (manager values).
fn done_flags<R: Runtime>() -> Arc<Vec<AtomicBool<R>>, R> {
    Arc::new((0..TARS).map(|_| AtomicBool::new(false)).collect())
}

/// Workers still alive (`p.is_alive()`).
fn alive<R: Runtime>(workers: usize) -> Arc<AtomicUsize<R>, R> {
    Arc::new(AtomicUsize::new(workers))
}

/// A worker's local print queue (zstash's `PrintQueue`): lines tagged with their tar.
type PrintQueue = VecDeque<(usize, String)>;
