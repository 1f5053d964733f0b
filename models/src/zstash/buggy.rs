//! The buggy twins: zstash's mechanisms, one function each, on the facade's primitives.

use super::{
    alive, done_flags, output_queue, Outcome, PrintQueue, Stdout, TimedSink, Turn, Zstash,
    ZstashBug, LISTS, TARS,
};
use lockstep::sync::time::Instant;
use lockstep::sync::{thread, Arc, Mutex, Runtime};
use std::sync::atomic::Ordering;
use std::time::Duration;

/// zstash's `wait_turn` timeout (#402).
const TURN_TIMEOUT: Duration = Duration::from_secs(180);
/// The non-blocking print's wait (`wait(0.001)`).
const NON_BLOCKING: Duration = Duration::from_millis(1);
/// #402's polling interval (`wait_turn`, the failure loop).
const POLL: Duration = Duration::from_millis(10);
/// #402's main output loop polls every 0.1 s.
const MAIN_POLL: Duration = Duration::from_millis(100);

pub(super) fn run<R: Runtime>(z: &Zstash) -> Outcome {
    match z.bug {
        ZstashBug::DrainBeforeDone => print_monitor::<R>(z, true),
        ZstashBug::EmptyTar => print_monitor::<R>(z, false),
        ZstashBug::DoubleWaitTimeout => double_wait::<R>(z),
        ZstashBug::RacyFailureDrain => racy_failure_drain::<R>(z),
        ZstashBug::SpuriouslyEmptyQueue => spuriously_empty::<R>(z),
        ZstashBug::TimedWaitSpin => timed_wait_spin::<R>(z),
        ZstashBug::PollingMonitor => polling::<R>(z),
        ZstashBug::DeadWorker => dead_worker::<R>(z),
    }
}

/// Start one thread per worker list running `work(list)`.
fn start<R: Runtime, T: Send + 'static>(
    work: impl Fn(&'static [usize]) -> T + Send + Sync + Clone + 'static,
) -> Vec<thread::JoinHandle<T, R>> {
    LISTS
        .iter()
        .enumerate()
        .map(|(k, &list)| {
            let work = work.clone();
            thread::Builder::<R>::new()
                .name(format!("zstash-worker-{k}"))
                .spawn(move || work(list))
        })
        .collect()
}

fn join<R: Runtime, T: Send + 'static>(handles: Vec<thread::JoinHandle<T, R>>) -> Vec<T> {
    handles
        .into_iter()
        .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
        .collect()
}

/// Start one thread per worker list running `work(list)`; join them all.
fn workers<R: Runtime, T: Send + 'static>(
    work: impl Fn(&'static [usize]) -> T + Send + Sync + Clone + 'static,
) -> Vec<T> {
    join(start::<R, T>(work))
}

fn stdout<R: Runtime>() -> Stdout<R> {
    Arc::new(Mutex::new(String::new()))
}

fn output_of<R: Runtime>(stdout: &Stdout<R>) -> String {
    let out = stdout.lock().clone();
    out
}

/// `ExtractWorker.print_all_contents` as of dd320bc^: print the queue's lines tar by tar, each
/// when its turn comes; advance the turn for a tar whose output was done being enqueued. The
/// non-blocking form (`print_contents`) gives up when it is not the front tar's turn.
fn print_all_contents<R: Runtime>(
    turn: &Turn<R>,
    stdout: &Stdout<R>,
    queue: &mut PrintQueue,
    done: &[bool],
    blocking: bool,
) {
    while let Some(&(tar, _)) = queue.front() {
        if blocking {
            turn.wait(tar);
        } else if !turn.is(tar) {
            return; // NotYourTurnError
        }
        while queue.front().is_some_and(|(t, _)| *t == tar) {
            let (_, line) = queue.pop_front().expect("non-empty");
            stdout.lock().push_str(&line);
        }
        if done[tar] {
            turn.advance(tar);
        }
    }
}

/// dd320bc^'s worker: per tar, enqueue its lines, try a non-blocking print (if
/// `nonblocking`), mark it done (the "Closing archive" debug line a spawned worker drops is
/// missing); at the end, print everything left, blocking.
fn print_monitor<R: Runtime>(z: &Zstash, nonblocking: bool) -> Outcome {
    let turn: Arc<Turn<R>, R> = Arc::new(Turn::new());
    let out = stdout::<R>();
    let (this, shared, printed) = (*z, turn.clone(), out.clone());
    workers::<R, _>(move |list| {
        let mut queue = PrintQueue::new();
        let mut done = [false; TARS];
        for &tar in list {
            queue.extend(this.lines(tar).0.into_iter().map(|line| (tar, line)));
            if nonblocking {
                print_all_contents(&shared, &printed, &mut queue, &done, false);
            }
            done[tar] = true;
        }
        print_all_contents(&shared, &printed, &mut queue, &done, true);
    });
    Outcome {
        output: output_of(&out),
        ..Outcome::default()
    }
}

/// #402's intermediate flow: wait for the turn, extract, hand the output to the main process
/// (which prints it and advances the turn), then wait for the turn *again*; every wait gives up
/// after 180 s and the tar is skipped (reported as failed).
fn double_wait<R: Runtime>(z: &Zstash) -> Outcome {
    let turn: Arc<Turn<R>, R> = Arc::new(Turn::new());
    let (tx, rx) = output_queue::<R>();
    let failed: Arc<Mutex<Vec<usize>, R>, R> = Arc::new(Mutex::new(Vec::new()));
    let (this, shared, skipped) = (*z, turn.clone(), failed.clone());
    let main_turn = turn.clone();
    let printer = thread::Builder::<R>::new()
        .name("zstash-main")
        .spawn(move || {
            let mut output = String::new();
            let mut ahead: Vec<(usize, String)> = Vec::new();
            for tar in 0..TARS {
                while !ahead.iter().any(|(t, _)| *t == tar) {
                    match rx.recv_timeout(TURN_TIMEOUT) {
                        Ok(received) => ahead.push(received),
                        Err(_) => break, // no output for this tar: skip it
                    }
                }
                if let Some(at) = ahead.iter().position(|(t, _)| *t == tar) {
                    output.push_str(&ahead.remove(at).1);
                }
                main_turn.advance(tar);
            }
            output
        });
    workers::<R, _>(move |list| {
        for &tar in list {
            if !shared.wait_timeout(tar, TURN_TIMEOUT) {
                skipped.lock().push(tar);
                continue;
            }
            let text: String = this.lines(tar).0.concat();
            tx.send((tar, text)).expect("the main process is alive");
            if !shared.wait_timeout(tar, TURN_TIMEOUT) {
                skipped.lock().push(tar); // done_dequeuing's wait_turn: "not our turn"
            }
        }
    });
    let output = printer.join().expect("the main process");
    let mut failures = failed.lock().clone();
    failures.sort_unstable();
    Outcome {
        output,
        failures,
        ..Outcome::default()
    }
}

/// Workers print in turn order (as the monitor ensures) and put their failures on a queue
/// just before they exit; the main process drains it with zstash's loop:
/// `while any(p.is_alive()): while not q.empty(): failures.append(q.get())`, pausing (#425's
/// `time.sleep(0.01)`) before each drain. A worker that puts its failure after the drain and
/// exits before the next `is_alive()` check loses it: nothing drains the queue after the loop.
fn racy_failure_drain<R: Runtime>(z: &Zstash) -> Outcome {
    let turn: Arc<Turn<R>, R> = Arc::new(Turn::new());
    let out = stdout::<R>();
    let (failure_tx, failure_rx) = lockstep::sync::channel::unbounded::<usize, R>();
    let running = alive::<R>(LISTS.len());
    let handles: Vec<_> = LISTS
        .iter()
        .enumerate()
        .map(|(k, &list)| {
            let (this, turn, out) = (*z, turn.clone(), out.clone());
            let (failure_queue, running) = (failure_tx.clone(), running.clone());
            thread::Builder::<R>::new()
                .name(format!("zstash-worker-{k}"))
                .spawn(move || {
                    let failures = extract_in_turn(&this, list, &turn, &out);
                    for failure in failures {
                        let _ = failure_queue.send(failure);
                    }
                    running.fetch_sub(1, Ordering::SeqCst); // the process exits
                })
        })
        .collect();
    drop(failure_tx);
    let mut failures = Vec::new();
    while running.load(Ordering::SeqCst) > 0 {
        thread::sleep::<R>(POLL);
        while let Ok(failure) = failure_rx.try_recv() {
            failures.push(failure);
        }
    }
    for handle in handles {
        handle.join().expect("worker");
    }
    Outcome {
        output: output_of(&out),
        failures,
        ..Outcome::default()
    }
}

/// Print `list`'s tars, each in its turn; the failing tar's failure is returned.
fn extract_in_turn<R: Runtime>(
    z: &Zstash,
    list: &[usize],
    turn: &Turn<R>,
    out: &Stdout<R>,
) -> Vec<usize> {
    let mut failures = Vec::new();
    for &tar in list {
        turn.wait(tar);
        out.lock().push_str(&z.lines(tar).0.concat());
        if z.failing() == Some(tar) {
            failures.push(tar);
        }
        turn.advance(tar);
    }
    failures
}

/// Workers put each output line on the main process's queue, then set the tar's done flag; the
/// main process prints the head tar's lines as they come and moves on when the queue is empty
/// and the head tar is done — an empty queue it saw *before* it read the flag.
fn spuriously_empty<R: Runtime>(z: &Zstash) -> Outcome {
    let (tx, rx) = output_queue::<R>();
    let done = done_flags::<R>();
    let (this, flags) = (*z, done.clone());
    let handles = start::<R, _>(move |list| {
        for &tar in list {
            for line in this.lines(tar).0 {
                tx.send((tar, line)).expect("the main process is alive");
            }
            flags[tar].store(true, Ordering::SeqCst);
        }
    });
    let mut output = String::new();
    let mut ahead: Vec<(usize, String)> = Vec::new();
    let mut head = 0;
    while head < TARS {
        if let Ok((tar, line)) = rx.try_recv() {
            match tar == head {
                true => output.push_str(&line),
                false => ahead.push((tar, line)),
            }
            continue;
        }
        if done[head].load(Ordering::SeqCst) {
            head += 1; // "the queue is empty and the tar is done: it printed everything"
            for (_, line) in ahead.iter().filter(|(t, _)| *t == head) {
                output.push_str(line);
            }
            ahead.retain(|(t, _)| *t != head);
        } else {
            thread::sleep::<R>(MAIN_POLL); // #402's main loop polls
        }
    }
    join(handles);
    Outcome {
        output,
        ..Outcome::default()
    }
}

/// After each file, the non-blocking print waits for the turn with `wait(0.001)` — and treats
/// the timeout like a notification: it checks again and waits again, until its turn.
fn timed_wait_spin<R: Runtime>(z: &Zstash) -> Outcome {
    let turn: Arc<Turn<R>, R> = Arc::new(Turn::new());
    let out = stdout::<R>();
    let (this, shared, printed) = (*z, turn.clone(), out.clone());
    let slowest = workers::<R, _>(move |list| {
        let mut slowest = Duration::ZERO;
        for &tar in list {
            let lines = this.lines(tar).0;
            for _ in &lines {
                this.file_io::<R>();
            }
            let start = Instant::<R>::now();
            while !shared.is(tar) {
                // Meant: give up after 1 ms. `wait(0.001)` returning on its timeout is taken
                // for a notification, so the loop goes on.
                let _ = shared.wait_timeout(tar, NON_BLOCKING);
            }
            slowest = slowest.max(start.elapsed());
            printed.lock().push_str(&lines.concat());
            shared.advance(tar);
        }
        slowest
    });
    Outcome {
        output: output_of(&out),
        slowest_print: slowest.into_iter().max().unwrap_or_default(),
        ..Outcome::default()
    }
}

/// #402's `PrintMonitor.wait_turn`: `while current != mine: time.sleep(0.01)`.
fn polling<R: Runtime>(z: &Zstash) -> Outcome {
    let turn: Arc<Turn<R>, R> = Arc::new(Turn::new());
    let sink: Arc<Mutex<TimedSink<R>, R>, R> = Arc::new(Mutex::new(TimedSink::default()));
    let (this, shared, printed) = (*z, turn.clone(), sink.clone());
    workers::<R, _>(move |list| {
        for &tar in list {
            let lines = this.lines(tar).0;
            for _ in &lines {
                this.file_io::<R>();
            }
            while !shared.is(tar) {
                thread::sleep::<R>(POLL);
            }
            let mut sink = printed.lock();
            lines
                .iter()
                .for_each(|l| drop(std::io::Write::write(&mut *sink, l.as_bytes())));
            drop(sink);
            shared.advance(tar);
        }
    });
    let sink = sink.lock();
    Outcome {
        output: String::from_utf8(sink.bytes.clone()).expect("utf-8"),
        finished_at: sink.finished_at(),
        ..Outcome::default()
    }
}

/// A worker dies after its first line of tar 1, holding the turn: no advance, no report.
fn dead_worker<R: Runtime>(z: &Zstash) -> Outcome {
    let turn: Arc<Turn<R>, R> = Arc::new(Turn::new());
    let out = stdout::<R>();
    let (this, shared, printed) = (*z, turn.clone(), out.clone());
    workers::<R, _>(move |list| {
        for &tar in list {
            let (lines, dies) = this.lines(tar);
            shared.wait(tar);
            printed.lock().push_str(&lines.concat());
            if dies {
                return; // the worker process died: no advance, no report
            }
            shared.advance(tar);
        }
    });
    Outcome {
        output: output_of(&out),
        ..Outcome::default()
    }
}
