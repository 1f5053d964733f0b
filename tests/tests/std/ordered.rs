//! The ordered output monitor on std threads: proptest against the sequential output, the
//! zstash-like snapshot with 1–4 workers, the zstash bug models' fixed twins, the window bound.

use lockstep::ordered::{assert_items_in_order, Assignment, Config, OrderedMonitor};
use lockstep::sync::Std;
use lockstep_models::ordered::{OrderedRun, PanicAt, ZstashLike};
use lockstep_models::zstash::{Zstash, ZstashBug};
use proptest::prelude::*;
use std::io::Write;
use std::time::Duration;

/// Sequential output of `outputs` (item k writes `outputs[k]` in `chunks` pieces).
fn sequential(outputs: &[Vec<u8>]) -> Vec<u8> {
    outputs.concat()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn parallel_output_is_byte_identical_to_sequential(
        outputs in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 0..24),
        workers in 1usize..5,
        window_items in 0usize..6,
        window_bytes in 1usize..600,
        static_assignment in any::<bool>(),
        delays_us in prop::collection::vec(0u64..300, 24),
        chunk in 1usize..64,
    ) {
        let n = outputs.len();
        let config = Config::default().window_items(window_items).window_bytes(window_bytes);
        let monitor = OrderedMonitor::new(n, Vec::new(), config);
        let assignment = if static_assignment {
            let sizes: Vec<u64> = outputs.iter().map(|o| o.len() as u64).collect();
            Assignment::by_size(&sizes, workers)
        } else {
            Assignment::dynamic(workers)
        };
        let data = outputs.clone();
        let (report, out) = monitor
            .run(assignment, move |item, out| {
                for (i, piece) in data[item].chunks(chunk).enumerate() {
                    if i == 1 {
                        std::thread::sleep(Duration::from_micros(delays_us[item % 24]));
                    }
                    out.write_all(piece)?;
                }
                Ok::<_, std::io::Error>(())
            })
            .unwrap();
        prop_assert_eq!(out, sequential(&outputs));
        prop_assert!(report.is_success());
        prop_assert!(report.peak_buffered_bytes <= window_bytes);
    }
}

#[test]
fn zstash_like_output_is_the_snapshot_for_1_to_4_workers() {
    for workers in 1..=4 {
        for _ in 0..25 {
            let (out, report) = ZstashLike { workers }.run::<Std>();
            assert_items_in_order(&out, ZstashLike::tar_of_line);
            assert_eq!(report.failed.len(), 1, "archive 3 fails");
            insta::with_settings!({
                snapshot_path => "../snapshots",
                prepend_module_to_snapshot => false,
            }, {
                insta::assert_snapshot!("ordered_zstash_like", out);
            });
        }
    }
}

#[test]
fn peak_buffered_bytes_never_exceed_the_window() {
    for window in [1usize, 7, 64, 1000] {
        let monitor = OrderedMonitor::new(
            200,
            Vec::new(),
            Config::default().window_items(16).window_bytes(window),
        );
        let (report, out) = monitor
            .run(Assignment::dynamic(4), |item, out| {
                for line in 0..5 {
                    writeln!(out, "item {item:03} line {line}")?;
                }
                Ok::<_, std::io::Error>(())
            })
            .unwrap();
        assert!(
            report.peak_buffered_bytes <= window,
            "peak {} > window {window}",
            report.peak_buffered_bytes
        );
        let out = String::from_utf8(out).unwrap();
        assert_items_in_order(&out, |l| l.get(5..8)?.parse().ok());
        assert_eq!(out.lines().count(), 1000);
    }
}

#[test]
fn harness_with_a_panicking_worker_matches_its_expected_output_under_stress() {
    for iteration in 0..300 {
        let run = OrderedRun::new(3, 6, 2).lines(2).panicking(PanicAt {
            item: iteration % 6,
            after_lines: iteration % 3,
        });
        let (_, out) = run.run::<Std>();
        assert_eq!(out, run.expected(), "iteration {iteration}");
    }
}

#[test]
fn zstash_fixed_twins_produce_the_correct_output() {
    // The latency twins measure virtual time; on std threads their sleeps are real.
    for bug in ZstashBug::ALL.into_iter().filter(|bug| !bug.has_io()) {
        let model = Zstash::fixed(bug);
        for _ in 0..200 {
            model.run::<Std>(); // asserts the output, the failures reported
        }
    }
}
