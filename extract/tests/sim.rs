//! `extract`'s concurrent core — the very function the program runs on std threads — under
//! lockstep-sim's PCT and random schedules, over in-memory archives, store and index: every
//! schedule must print the sequential baseline's bytes, also when archives fail, and must end
//! (no deadlock, no livelock) with every block committed and every check run.

use lockstep::block::{BlockManager, MemoryStore};
use lockstep::sync::{Arc, Runtime};
use lockstep_extract::archives::{scan, Archives, MemArchives};
use lockstep_extract::demo::{self, DemoSpec};
use lockstep_extract::index::{Index, Indexed, MemIndex};
use lockstep_extract::run::{block_config, run, run_sequential};
use lockstep_sim::{Builder, Sim};

/// Small blocks, so members span several and uploads overlap writes.
const BLOCK: usize = 64;

/// The tiny demo set, and its index built from the pristine archives.
fn tiny() -> (MemArchives, Vec<(String, Indexed)>) {
    let archives = MemArchives::new(demo::archives(&DemoSpec::tiny()));
    let indexed = (0..archives.len())
        .map(|k| {
            let members = scan(&archives, k).expect("the demo archives are sound");
            let size = archives.size(k);
            (archives.name(k).to_owned(), Indexed { size, members })
        })
        .collect();
    (archives, indexed)
}

/// Archive 1 cut in the middle of its second member, and one byte of archive 2's first member
/// changed (its index entry still has the old checksum).
fn damaged(mut archives: MemArchives, indexed: &[(String, Indexed)]) -> MemArchives {
    let cut = &indexed[1].1.members[1];
    let len = (cut.offset + cut.size / 2) as usize;
    archives.bytes_mut(1).truncate(len);
    let flip = &indexed[2].1.members[0];
    archives.bytes_mut(2)[flip.offset as usize + 3] ^= 0x5a;
    archives
}

fn index_of<R: Runtime>(indexed: &[(String, Indexed)], prebuilt: bool) -> MemIndex<R> {
    let index = MemIndex::new();
    if prebuilt {
        for (name, entry) in indexed {
            index.insert(name, entry).unwrap();
        }
    }
    index
}

/// The baseline on this thread: output and success.
fn baseline(archives: &MemArchives, index: &MemIndex<lockstep::sync::Std>) -> (String, bool) {
    let store = MemoryStore::new();
    let mut out = Vec::new();
    let summary = run_sequential(archives, index, &store, BLOCK, &mut out, &|_| {});
    (String::from_utf8(out).unwrap(), summary.success())
}

/// The concurrent core on runtime `R` with `workers` workers: output and success.
fn concurrent<R: Runtime>(
    archives: MemArchives,
    index: MemIndex<R>,
    workers: usize,
) -> (String, bool) {
    let store = MemoryStore::<R>::with_runtime();
    let manager = BlockManager::<R>::with_runtime(store, block_config(BLOCK, workers)).unwrap();
    let manager = Arc::new(manager);
    let progress = std::sync::Arc::new(|_: u64| {});
    let (summary, out) = run::<R, _, _, _>(
        Arc::new(archives),
        Arc::new(index),
        manager.clone(),
        Vec::new(),
        workers,
        progress,
    )
    .unwrap();
    manager.stop().unwrap();
    (String::from_utf8(out).unwrap(), summary.success())
}

/// Every schedule of `builder` prints `expected` and succeeds as the baseline did.
fn check(builder: Builder, archives: MemArchives, indexed: Vec<(String, Indexed)>, prebuilt: bool) {
    let (expected, ok) = baseline(&archives, &index_of(&indexed, prebuilt));
    let report = builder.run(move || {
        let index = index_of::<Sim>(&indexed, prebuilt);
        let (out, success) = concurrent::<Sim>(archives.clone(), index, 3);
        assert_eq!(out, expected);
        assert_eq!(success, ok);
    });
    let report = report.unwrap_or_else(|failure| panic!("{failure}"));
    // Not vacuous: every execution ran the whole program (hundreds of scheduling points), and
    // no thread was left blocked behind the main thread.
    eprintln!("{report:?}");
    assert!(report.executions >= 100, "{report:?}");
    assert!(report.longest_execution > 300, "{report:?}");
    assert_eq!(report.abandoned_threads, 0, "{report:?}");
}

#[test]
fn every_pct_schedule_prints_the_baseline_bytes() {
    let (archives, indexed) = tiny();
    // The index is built by the workers themselves (first use), concurrently.
    check(Builder::pct(200, 3), archives, indexed, false);
}

#[test]
fn every_random_schedule_prints_the_baseline_bytes() {
    let (archives, indexed) = tiny();
    check(Builder::random(200), archives, indexed, true);
}

#[test]
fn failing_archives_fail_alone_on_every_schedule() {
    let (archives, indexed) = tiny();
    let archives = damaged(archives, &indexed);
    let (expected, ok) = baseline(&archives, &index_of(&indexed, true));
    assert!(!ok);
    assert!(expected.contains("error: 000001.tar: "), "{expected}");
    assert!(
        expected.contains("error: 000002.tar: member "),
        "{expected}"
    );
    assert!(expected.contains("checksum mismatch"), "{expected}");
    assert!(expected.contains("extracted 2 of 4 archives; failed: 000001.tar, 000002.tar"));
    check(
        Builder::pct(200, 3),
        archives.clone(),
        indexed.clone(),
        true,
    );
    check(Builder::random(100), archives, indexed, true);
}

#[test]
fn the_concurrent_core_on_std_threads_prints_the_baseline_bytes() {
    let (archives, indexed) = tiny();
    let (expected, ok) = baseline(&archives, &index_of(&indexed, false));
    assert!(ok, "{expected}");
    for workers in [1, 2, 4, 8] {
        for _ in 0..20 {
            let index = index_of(&indexed, false);
            let out = concurrent::<lockstep::sync::Std>(archives.clone(), index, workers);
            assert_eq!(out, (expected.clone(), true), "{workers} workers");
        }
    }
}
