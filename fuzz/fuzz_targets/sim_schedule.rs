//! A template for fuzzing the schedules of your own concurrent code with libFuzzer: every
//! scheduling and fault choice of one simulated execution is drawn from the fuzzer's bytes
//! (`lockstep_sim::fuzz::run`), so libFuzzer's coverage guidance and corpus drive the
//! interleavings. Any byte string is a valid schedule; a failure panics with the simulator's
//! report and a replay token (`lockstep replay TOKEN`, or `lockstep_sim::replay`).
//!
//! The model here is lockstep's own ordered output monitor (the component that fixes zstash's
//! print ordering): three workers take five items dynamically, each writes two lines, at most
//! two items run ahead of the head; the output must be the sequential output in every schedule.
//! Copy this file, put your model in `model`, and add a `[[bin]]` to `fuzz/Cargo.toml`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use lockstep::ordered::{Assignment, Config, OrderedMonitor};
use lockstep_sim::Sim;
use std::io::Write;

const ITEMS: usize = 5;
const LINES: usize = 2;

fn model() {
    let config = Config::default().window_items(2);
    let monitor = OrderedMonitor::<Vec<u8>, Sim>::with_runtime(ITEMS, Vec::new(), config);
    let (report, out) = monitor
        .run(Assignment::dynamic(3), |item, out| {
            for line in 0..LINES {
                writeln!(out, "item {item} line {line}")?;
            }
            Ok::<_, std::io::Error>(())
        })
        .expect("dynamic assignment is always accepted");
    let expected: String = (0..ITEMS)
        .flat_map(|item| (0..LINES).map(move |line| format!("item {item} line {line}\n")))
        .collect();
    assert_eq!(
        String::from_utf8_lossy(&out),
        expected,
        "output out of order"
    );
    assert_eq!(report.completed, ITEMS);
}

fuzz_target!(|data: &[u8]| lockstep_sim::fuzz::run(data, model));
