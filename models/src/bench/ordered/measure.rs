//! Measurements of the ordered output monitor against baselines, shared by
//! `lockstep bench ordered` and the criterion bench (`models/benches/ordered.rs`), so both
//! report the same quantities.
//!
//! - **Hand-off latency**: worker A owns item 2k, worker B item 2k+1. B has its item's line
//!   ready (buffered, or waiting for its turn) before A finishes 2k; we time from the instant
//!   before A's finish/advance to the instant the sink receives B's line. Three monitors:
//!   ours; a zstash-style turn counter polled every 10 ms; a turn counter waited on with a
//!   condvar ("wait for my turn"). Each item is exactly one sink write, so write `i` is item `i`.
//! - **Throughput**: `items` one-line items over `workers` workers (dynamic assignment) against
//!   one thread writing the same bytes to the same kind of sink.
//!
//! Every measurement returns a `Result`: a thread that cannot start, an output file that cannot
//! be created or written (no temp directory, a full disk) is an error message, not a panic.

#![allow(dead_code)] // each includer uses a different subset

use lockstep::ordered::{Assignment, Config, OrderedMonitor};
use std::fs::File;
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::{mpsc, Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// A sink that timestamps every write call.
#[derive(Debug, Clone, Default)]
pub struct StampSink(Arc<Mutex<Vec<Instant>>>);

impl Write for StampSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let now = Instant::now();
        self.0.lock().unwrap().push(now);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl StampSink {
    fn stamps(&self) -> Vec<Instant> {
        self.0.lock().unwrap().clone()
    }
}

fn line(item: usize) -> Vec<u8> {
    format!("item {item:08}\n").into_bytes()
}

/// Latencies from "A finished item 2k" to "item 2k+1 at the sink", for `samples` pairs.
fn latencies(finished: &[Instant], sink: &[Instant]) -> Vec<Duration> {
    finished
        .iter()
        .enumerate()
        .map(|(k, &t0)| sink[2 * k + 1].saturating_duration_since(t0))
        .collect()
}

/// A thread for a measurement, or why it could not start.
fn spawn<T: Send + 'static>(
    name: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<thread::JoinHandle<T>, String> {
    thread::Builder::new()
        .name(name.to_owned())
        .spawn(f)
        .map_err(|e| format!("cannot start a measurement thread: {e}"))
}

/// Hand-off latency of [`OrderedMonitor`]: `samples` pairs of items on two workers.
pub fn handoff_monitor(samples: usize) -> Result<Vec<Duration>, String> {
    let sink = StampSink::default();
    let items = samples.checked_mul(2).ok_or("too many hand-off samples")?;
    let monitor = OrderedMonitor::new(items, sink.clone(), Config::default().window_items(1));
    let mut a = monitor
        .static_worker((0..items).step_by(2).collect())
        .unwrap();
    let mut b = monitor
        .static_worker((1..items).step_by(2).collect())
        .unwrap();
    let (ready_tx, ready_rx) = mpsc::channel::<()>();
    let worker_b = spawn("handoff-b", move || {
        // The sink never fails; if worker A could not start, nobody listens and that is fine.
        while let Some(mut out) = b.next_item() {
            let _ = out.write_all(&line(out.item()));
            let _ = ready_tx.send(());
            let _ = out.finish();
        }
    });
    let worker_a = spawn("handoff-a", move || {
        let mut finished = Vec::with_capacity(samples);
        while let Some(mut out) = a.next_item() {
            let _ = out.write_all(&line(out.item()));
            if ready_rx.recv().is_err() {
                break; // worker B could not start: the run is reported failed
            }
            finished.push(Instant::now()); // item 2k+1's line is buffered
            let _ = out.finish();
        }
        finished
    });
    // If a thread could not start, dropping the other's worker lets the monitor finish.
    let (worker_a, worker_b) = (worker_a?, worker_b?);
    let finished = worker_a.join().map_err(|_| "a hand-off worker panicked")?;
    worker_b.join().map_err(|_| "a hand-off worker panicked")?;
    let (report, _) = monitor.wait();
    if !report.is_success() {
        return Err(format!("the hand-off run failed: {report:?}"));
    }
    Ok(latencies(&finished, &sink.stamps()))
}

/// A zstash-style turn counter: workers wait until `turn == item`, print, advance.
struct TurnCounter {
    turn: Mutex<usize>,
    changed: Condvar,
    sink: Mutex<StampSink>,
}

/// How a baseline worker waits for its turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TurnWait {
    /// Check the counter, sleep this long, repeat (zstash's `PrintMonitor`).
    Poll(Duration),
    /// Wait on a condvar until it is my turn.
    Condvar,
}

impl TurnCounter {
    fn wait_turn(&self, item: usize, how: TurnWait) {
        match how {
            TurnWait::Poll(period) => loop {
                if *self.turn.lock().unwrap() == item {
                    return;
                }
                thread::sleep(period);
            },
            TurnWait::Condvar => {
                let _turn = self
                    .changed
                    .wait_while(self.turn.lock().unwrap(), |t| *t != item)
                    .unwrap();
            }
        }
    }
    fn advance(&self, item: usize) {
        *self.turn.lock().unwrap() = item + 1;
        self.changed.notify_all();
    }
}

/// Hand-off latency of a baseline turn counter.
pub fn handoff_baseline(samples: usize, how: TurnWait) -> Vec<Duration> {
    let sink = StampSink::default();
    let counter = Arc::new(TurnCounter {
        turn: Mutex::new(0),
        changed: Condvar::new(),
        sink: Mutex::new(sink.clone()),
    });
    let (ready_tx, ready_rx) = mpsc::channel::<()>();
    let b = counter.clone();
    let worker_b = thread::spawn(move || {
        for k in 0..samples {
            let item = 2 * k + 1;
            let out = line(item); // the item's work
            ready_tx.send(()).unwrap();
            b.wait_turn(item, how);
            b.sink.lock().unwrap().write_all(&out).unwrap();
            b.advance(item);
        }
    });
    let a = counter.clone();
    let worker_a = thread::spawn(move || {
        let mut finished = Vec::with_capacity(samples);
        for k in 0..samples {
            let item = 2 * k;
            let out = line(item);
            a.wait_turn(item, how);
            a.sink.lock().unwrap().write_all(&out).unwrap();
            ready_rx.recv().unwrap();
            finished.push(Instant::now());
            a.advance(item);
        }
        finished
    });
    let finished = worker_a.join().unwrap();
    worker_b.join().unwrap();
    latencies(&finished, &sink.stamps())
}

/// The `q`-quantile (0..=1) of `samples`, in microseconds.
pub fn quantile_us(samples: &[Duration], q: f64) -> f64 {
    let mut sorted: Vec<Duration> = samples.to_vec();
    sorted.sort_unstable();
    if sorted.is_empty() {
        return f64::NAN;
    }
    let index = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[index].as_secs_f64() * 1e6
}

/// Where the throughput case writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SinkKind {
    /// An unbuffered file in the temp directory: one `write` system call per write, like a
    /// line-buffered stdout (what zstash prints to).
    File,
    /// A `Vec<u8>` in memory: no I/O at all, so only the monitor's own overhead shows.
    Memory,
}

/// A sink of kind `kind`; for `File`, also the path to remove afterwards.
fn open_sink(
    kind: SinkKind,
    tag: &str,
) -> Result<(Box<dyn Write + Send>, Option<PathBuf>), String> {
    match kind {
        SinkKind::Memory => Ok((Box::new(Vec::with_capacity(1 << 20)), None)),
        SinkKind::File => {
            let path = std::env::temp_dir()
                .join(format!("lockstep-ordered-{}-{tag}.out", std::process::id()));
            let file = File::create(&path).map_err(|e| {
                format!(
                    "cannot create the bench output file {}: {e}",
                    path.display()
                )
            })?;
            Ok((Box::new(file), Some(path)))
        }
    }
}

/// The shortest line [`item_line`] makes for items below 10⁸: `item NNNNNNNN ` and `\n`.
pub const MIN_LINE_BYTES: usize = 15;

/// The bytes of item `item`'s one line, `line_bytes` long (at least the item number and `\n`:
/// [`MIN_LINE_BYTES`] for items below 10⁸).
pub fn item_line(item: usize, line_bytes: usize) -> Vec<u8> {
    let mut line = format!("item {item:08} ").into_bytes();
    line.resize(line_bytes.max(line.len() + 1) - 1, b'x');
    line.push(b'\n');
    line
}

/// Seconds for `items` one-line items over `workers` workers through the monitor.
pub fn throughput_monitor(
    items: usize,
    workers: usize,
    line_bytes: usize,
    sink: SinkKind,
) -> Result<f64, String> {
    let (out, path) = open_sink(sink, "monitor")?;
    let start = Instant::now();
    let monitor = OrderedMonitor::new(items, out, Config::default());
    let result = monitor.run(Assignment::dynamic(workers), move |item, out| {
        out.write_all(&item_line(item, line_bytes))
    });
    let seconds = start.elapsed().as_secs_f64();
    if let Some(path) = path {
        let _ = std::fs::remove_file(path);
    }
    let (report, out) = result.map_err(|e| e.to_string())?;
    drop(out);
    match (&report.sink_error, report.failed.first()) {
        (Some(error), _) => Err(format!("cannot write the bench output: {error}")),
        (None, Some(failure)) => Err(format!("item {} failed: {}", failure.item, failure.reason)),
        (None, None) => Ok(seconds),
    }
}

/// Seconds for one thread writing the same lines to the same kind of sink.
pub fn throughput_sequential(
    items: usize,
    line_bytes: usize,
    sink: SinkKind,
) -> Result<f64, String> {
    let (mut out, path) = open_sink(sink, "sequential")?;
    let start = Instant::now();
    let written = (0..items)
        .try_for_each(|item| out.write_all(&item_line(item, line_bytes)))
        .and_then(|()| out.flush());
    drop(out);
    let seconds = start.elapsed().as_secs_f64();
    if let Some(path) = path {
        let _ = std::fs::remove_file(path);
    }
    written.map_err(|e| format!("cannot write the bench output: {e}"))?;
    Ok(seconds)
}
