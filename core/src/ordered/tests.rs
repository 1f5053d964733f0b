//! Behaviour of the monitor on std threads: one test per promise in the module docs.

use super::*;
use crate::sync::Std;
use std::io::{self, Write};
use std::sync::{mpsc, Arc as StdArc, Mutex as StdMutex};
use std::time::Duration;

/// A sink the test can look into while the run is going on.
#[derive(Clone, Default)]
struct Probe(StdArc<StdMutex<Vec<u8>>>);

impl Probe {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

impl Write for Probe {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn lines(items: usize, per_item: usize) -> String {
    let mut s = String::new();
    for i in 0..items {
        for j in 0..per_item {
            s.push_str(&format!("item {i} line {j}\n"));
        }
    }
    s
}

fn text(out: Vec<u8>) -> String {
    String::from_utf8(out).unwrap()
}

#[test]
fn dynamic_run_writes_in_item_order() {
    for workers in 1..=4 {
        let monitor = OrderedMonitor::new(20, Vec::new(), Config::default().window_items(3));
        let (report, out) = monitor
            .run(Assignment::dynamic(workers), |item, out| {
                for j in 0..3 {
                    writeln!(out, "item {item} line {j}")?;
                    if (item + j) % 3 == 0 {
                        std::thread::yield_now();
                    }
                }
                Ok::<_, io::Error>(())
            })
            .unwrap();
        assert_eq!(text(out), lines(20, 3), "workers = {workers}");
        assert!(report.is_success(), "{report:?}");
        assert_eq!(report.completed, 20);
        assert_eq!(report.bytes_written as usize, lines(20, 3).len());
    }
}

#[test]
fn static_and_by_size_assignment_keep_the_order() {
    let sizes = [5u64, 50, 1, 30, 7, 7, 0];
    for assignment in [
        Assignment::by_size(&sizes, 3),
        Assignment::Static(vec![vec![0, 2, 4, 6], vec![1, 3, 5]]),
    ] {
        let monitor = OrderedMonitor::new(sizes.len(), Vec::new(), Config::default());
        let (report, out) = monitor
            .run(assignment.clone(), |item, out| {
                writeln!(out, "item {item} line 0")
            })
            .unwrap();
        assert_eq!(text(out), lines(sizes.len(), 1), "{assignment:?}");
        assert!(report.is_success());
    }
}

#[test]
fn bad_static_lists_are_typed_errors() {
    let monitor = OrderedMonitor::new(3, Vec::new(), Config::default());
    let err = monitor
        .run(Assignment::Static(vec![vec![0, 1], vec![1, 2]]), |_, _| {
            Ok::<_, io::Error>(())
        })
        .unwrap_err();
    assert_eq!(err, OrderedError::AlreadyAssigned { item: 1 });
    let monitor = OrderedMonitor::new(3, Vec::new(), Config::default());
    assert_eq!(
        monitor.static_worker(vec![0, 3]).unwrap_err(),
        OrderedError::OutOfRange { item: 3, items: 3 }
    );
}

#[test]
fn items_that_print_nothing_still_release_the_order() {
    let monitor = OrderedMonitor::new(9, Vec::new(), Config::default().window_items(1));
    let (report, out) = monitor
        .run(Assignment::dynamic(3), |item, out| {
            if item % 3 == 2 {
                writeln!(out, "item {item}")?;
            }
            Ok::<_, io::Error>(())
        })
        .unwrap();
    assert_eq!(text(out), "item 2\nitem 5\nitem 8\n");
    assert_eq!(report.completed, 9);
}

#[test]
fn a_panicking_worker_leaves_an_error_line_and_the_run_goes_on() {
    let monitor = OrderedMonitor::new(6, Vec::new(), Config::default());
    let (report, out) = monitor
        .run(Assignment::dynamic(2), |item, out| {
            write!(out, "item {item} partial")?;
            if item == 2 {
                panic!("boom at {item}");
            }
            writeln!(out)
        })
        .unwrap();
    let out = text(out);
    assert!(
        out.contains(
            "item 2 partial\nerror: item 2 failed: worker panicked: boom at 2\nitem 3 partial\n"
        ),
        "{out}"
    );
    assert_eq!(report.failed.len(), 1);
    assert_eq!(report.failed[0].item, 2);
    assert_eq!(report.completed, 5, "the other worker ran the rest");
}

#[test]
fn a_dead_static_worker_fails_its_unstarted_items() {
    let monitor = OrderedMonitor::new(4, Vec::new(), Config::default());
    let (report, out) = monitor
        .run(
            Assignment::Static(vec![vec![0, 2], vec![1, 3]]),
            |item, out| {
                if item == 1 {
                    panic!("dead");
                }
                writeln!(out, "item {item}")
            },
        )
        .unwrap();
    assert_eq!(
        text(out),
        "item 0\nerror: item 1 failed: worker panicked: dead\nitem 2\n\
         error: item 3 failed: not started: its worker exited before reaching it\n"
    );
    assert_eq!(report.failed.len(), 2);
}

#[test]
fn wait_returns_even_if_every_worker_panicked() {
    let monitor = OrderedMonitor::new(5, Vec::new(), Config::default());
    let (report, out) = monitor
        .run(Assignment::dynamic(2), |_, _| -> io::Result<()> {
            panic!("all die")
        })
        .unwrap();
    assert_eq!(report.completed, 0);
    assert_eq!(report.failed.len(), 5);
    let out = text(out);
    assert_eq!(out.lines().count(), 5, "{out}");
    assert!(out.ends_with("error: item 4 failed: not started: no worker was left to run it\n"));
}

#[test]
fn a_dropped_writer_fails_its_item() {
    let monitor: OrderedMonitor<Vec<u8>> = OrderedMonitor::new(2, Vec::new(), Config::default());
    let mut worker = monitor.worker().unwrap();
    {
        let mut item = worker.next_item().unwrap();
        write!(item, "half").unwrap();
        // returned early: no finish()
    }
    let mut item = worker.next_item().unwrap();
    writeln!(item, "whole").unwrap();
    item.finish().unwrap();
    drop(worker);
    let (report, out) = monitor.wait();
    assert_eq!(
        text(out),
        "half\nerror: item 0 failed: its writer was dropped before finish() (the worker panicked or returned early)\nwhole\n"
    );
    assert_eq!((report.completed, report.failed.len()), (1, 1));
}

#[test]
fn fail_fast_stops_after_the_first_failure() {
    let monitor = OrderedMonitor::new(10, Vec::new(), Config::default().fail_fast(true));
    let (report, out) = monitor
        .run(Assignment::dynamic(3), |item, out| {
            writeln!(out, "item {item}")?;
            if item == 4 {
                return Err(io::Error::other("bad archive"));
            }
            Ok(())
        })
        .unwrap();
    assert_eq!(
        text(out),
        "item 0\nitem 1\nitem 2\nitem 3\nitem 4\nerror: item 4 failed: bad archive\n"
    );
    assert_eq!(report.completed, 4);
    assert_eq!(report.skipped, 5);
    assert_eq!(report.failed.len(), 1);
}

#[test]
fn a_full_byte_window_blocks_a_later_item_until_the_head_advances() {
    let probe = Probe::default();
    let monitor = StdArc::new(OrderedMonitor::new(
        2,
        probe.clone(),
        Config::default().window_bytes(8),
    ));
    let mut a = monitor.worker().unwrap();
    let mut b = monitor.worker().unwrap();
    let mut head = a.next_item().unwrap();
    let later = std::thread::spawn(move || {
        let mut item = b.next_item().unwrap();
        // 17 bytes against a window of 8: buffers 8, then blocks until it is the head.
        item.write_all(b"0123456789abcdef\n").unwrap();
        item.finish().unwrap();
    });
    while !format!("{monitor:?}").contains("buffered: 8") {
        std::thread::yield_now();
    }
    assert_eq!(probe.text(), "", "item 1 is held back while item 0 runs");
    writeln!(head, "head").unwrap();
    head.finish().unwrap();
    later.join().unwrap();
    drop(a);
    let monitor = StdArc::try_unwrap(monitor).unwrap();
    let (report, _) = monitor.wait();
    assert_eq!(probe.text(), "head\n0123456789abcdef\n");
    assert_eq!(
        report.peak_buffered_bytes, 8,
        "the window filled, and no further"
    );
}

#[test]
fn many_items_through_a_small_byte_window_stay_in_order_and_within_it() {
    let window = 64;
    let monitor = OrderedMonitor::new(
        40,
        Vec::new(),
        Config::default().window_items(8).window_bytes(window),
    );
    let (report, out) = monitor
        .run(Assignment::dynamic(4), |item, out| {
            for j in 0..10 {
                writeln!(out, "item {item} line {j}")?;
            }
            Ok::<_, io::Error>(())
        })
        .unwrap();
    assert_eq!(text(out), lines(40, 10));
    assert!(report.peak_buffered_bytes <= window, "{report:?}");
}

#[test]
fn the_head_streams_straight_to_the_sink_and_later_output_is_released_at_once() {
    let probe = Probe::default();
    let monitor = OrderedMonitor::new(2, probe.clone(), Config::default());
    let mut w0 = monitor.worker().unwrap();
    let mut w1 = monitor.worker().unwrap();
    let mut head = w0.next_item().unwrap();
    let mut next = w1.next_item().unwrap();
    writeln!(head, "head line").unwrap();
    assert_eq!(
        probe.text(),
        "head line\n",
        "the head's bytes are at the sink at once"
    );
    writeln!(next, "next line").unwrap();
    assert_eq!(probe.text(), "head line\n", "item 1 is buffered");
    head.finish().unwrap();
    assert_eq!(
        probe.text(),
        "head line\nnext line\n",
        "released the moment item 0 completed, while item 1 still runs"
    );
    writeln!(next, "now streaming").unwrap();
    assert_eq!(probe.text(), "head line\nnext line\nnow streaming\n");
    next.finish().unwrap();
    drop((w0, w1));
    let (report, _) = monitor.wait();
    assert!(report.is_success());
}

#[test]
fn an_item_over_its_timeout_fails_and_the_run_moves_on() {
    let (release, hold) = mpsc::channel::<()>();
    let hold = StdMutex::new(hold);
    let monitor = OrderedMonitor::new(
        3,
        Vec::new(),
        Config::default().item_timeout(Duration::from_millis(50)),
    );
    let (report, out) = monitor
        .run(Assignment::dynamic(2), move |item, out| {
            writeln!(out, "item {item}")?;
            if item == 0 {
                // Stuck well past the timeout (bounded so the thread ends).
                let _ = hold.lock().unwrap().recv_timeout(Duration::from_secs(5));
            }
            Ok::<_, io::Error>(())
        })
        .unwrap();
    drop(release);
    assert_eq!(
        text(out),
        "item 0\nerror: item 0 failed: timed out after 50ms\nitem 1\nitem 2\n"
    );
    assert_eq!(report.failed[0].reason, "timed out after 50ms");
}

#[test]
fn worker_logs_are_routed_into_the_current_item() {
    let monitor = OrderedMonitor::new(4, Vec::new(), Config::default().route_logs(true));
    let (report, out) = monitor
        .run(Assignment::dynamic(2), |item, out| {
            writeln!(out, "item {item} start")?;
            // What a logger configured with CurrentItemWriter would do.
            writeln!(CurrentItemWriter, "log from item {item}")?;
            writeln!(out, "item {item} end")
        })
        .unwrap();
    let expected: String = (0..4)
        .map(|i| format!("item {i} start\nlog from item {i}\nitem {i} end\n"))
        .collect();
    assert_eq!(text(out), expected);
    assert!(report.is_success());
}

#[test]
fn no_workers_means_every_item_fails_and_wait_returns() {
    let monitor: OrderedMonitor<Vec<u8>, Std> =
        OrderedMonitor::with_runtime(2, Vec::new(), Config::default());
    let (report, _) = monitor.wait();
    assert_eq!(report.failed.len(), 2);
}

mod sink;
