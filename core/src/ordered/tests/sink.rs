//! A sink that panics or returns errors: the run still ends with a report, and every item whose
//! output did not reach the sink is reported failed (issue 15, defect 3).

use super::super::*;
use std::io::{self, Write};
use std::sync::mpsc;
use std::time::Duration;

/// How the sink misbehaves; writes are counted from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    PanicAt(usize),
    PanicAlways,
    ErrAt(usize),
    ErrAlways,
}

/// Keeps what it accepted; misbehaves on the write `fault` names.
#[derive(Debug)]
struct Flaky {
    accepted: Vec<u8>,
    writes: usize,
    fault: Fault,
}

impl Write for Flaky {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writes += 1;
        let n = self.writes;
        match self.fault {
            Fault::PanicAt(k) if k == n => panic!("sink broke on write {n}"),
            Fault::PanicAlways => panic!("sink broke on write {n}"),
            Fault::ErrAt(k) if k == n => Err(io::Error::other(format!("disk full on write {n}"))),
            Fault::ErrAlways => Err(io::Error::other(format!("disk full on write {n}"))),
            _ => {
                self.accepted.extend_from_slice(buf);
                Ok(buf.len())
            }
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

const ITEMS: usize = 8;

/// 8 items on 3 workers; item 0 is slow, so the others buffer and are written by a release.
/// Each item is one write call. `None` if the run did not end within 20 s.
fn run_with(fault: Fault) -> Option<(Report, Flaky)> {
    let (done, result) = mpsc::channel();
    std::thread::spawn(move || {
        let sink = Flaky {
            accepted: Vec::new(),
            writes: 0,
            fault,
        };
        let monitor = OrderedMonitor::new(ITEMS, sink, Config::default());
        let outcome = monitor.run(Assignment::dynamic(3), |item, out| {
            if item == 0 {
                std::thread::sleep(Duration::from_millis(50));
            }
            out.write_all(format!("item {item}\n").as_bytes())
        });
        let _ = done.send(outcome.expect("dynamic assignment"));
    });
    result.recv_timeout(Duration::from_secs(20)).ok()
}

/// Every item is accounted for; an item reported completed has its line at the sink; an item
/// whose line is missing is reported failed with a reason that says why.
fn check_report(fault: Fault, report: &Report, sink: &Flaky) {
    let text = String::from_utf8_lossy(&sink.accepted).into_owned();
    assert_eq!(
        report.completed + report.failed.len() + report.skipped,
        ITEMS,
        "{fault:?}: {report:?}"
    );
    assert!(report.sink_error.is_some(), "{fault:?}: {report:?}");
    assert!(!report.is_success(), "{fault:?}");
    for item in 0..ITEMS {
        let written = text.contains(&format!("item {item}\n"));
        let failure = report.failed.iter().find(|f| f.item == item);
        match failure {
            None => assert!(
                written,
                "{fault:?}: item {item} completed but lost: {report:?}"
            ),
            Some(f) if !written => assert!(
                f.reason.contains("sink") || f.reason.contains("disk full"),
                "{fault:?}: item {item}: unclear reason {:?}",
                f.reason
            ),
            Some(_) => {}
        }
    }
    let items: Vec<usize> = report.failed.iter().map(|f| f.item).collect();
    assert!(
        items.windows(2).all(|w| w[0] < w[1]),
        "{fault:?}: {items:?}"
    );
}

#[test]
fn a_sink_that_panics_or_fails_never_hangs_the_run_and_lost_output_is_a_failure() {
    for fault in [
        Fault::PanicAt(1),
        Fault::PanicAt(2),
        Fault::PanicAt(4),
        Fault::PanicAt(6),
        Fault::PanicAlways,
        Fault::ErrAt(1),
        Fault::ErrAt(4),
        Fault::ErrAlways,
    ] {
        let Some((report, sink)) = run_with(fault) else {
            panic!("{fault:?}: the run did not return within 20 s");
        };
        check_report(fault, &report, &sink);
    }
}

#[test]
fn a_panicking_sink_is_not_written_again_and_every_later_item_fails() {
    let (report, sink) = run_with(Fault::PanicAt(4)).expect("the run returns");
    assert_eq!(sink.writes, 4, "no write after the panic");
    let failed: Vec<usize> = report.failed.iter().map(|f| f.item).collect();
    assert_eq!(failed, [3, 4, 5, 6, 7], "{report:?}");
    assert!(
        report.failed[0].reason.starts_with(
            "its output could not be written: the sink panicked: sink broke on write 4"
        ),
        "{report:?}"
    );
}
