//! The block manager on std threads: Arvados's BlockManager tests in our own words (append, dup,
//! get, commit, commit of a pending block, commit with a failing store), every `commit` case,
//! retries, back-pressure, repacking, stop, the stores, and a proptest state machine against a
//! reference model in which every acknowledged byte must read back.

use lockstep::block::{
    BlockError, BlockFile, BlockId, BlockManager, BlockState, BlockStore, Config, DirStore, Fault,
    FaultStore, Locator, MemoryStore, OnError, RetryPolicy, StoreError,
};
use lockstep::sync::Arc;
use std::io::Write;
use std::time::Duration;

type Store = Arc<FaultStore<MemoryStore>>;

fn fast_retry(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(4),
    }
}

fn small_config() -> Config {
    Config::default()
        .block_size(16)
        .buffer_cap(64)
        .retry(fast_retry(3))
}

fn setup(config: Config) -> (Store, BlockManager) {
    let store: Store = Arc::new(FaultStore::new(MemoryStore::new()));
    let manager = BlockManager::new(store.clone(), config).expect("valid config");
    (store, manager)
}

fn block_with(manager: &BlockManager, data: &[u8]) -> BlockId {
    let id = manager.alloc().unwrap();
    manager.append(id, data).unwrap();
    id
}

// ----- Arvados's BlockManager tests, in our words ------------------------------------------------

#[test]
fn append_accumulates_in_a_writable_block() {
    let (_, manager) = setup(small_config());
    let id = block_with(&manager, b"foo");
    assert_eq!(manager.state(id).unwrap(), BlockState::Writable);
    assert_eq!(manager.contents(id).unwrap(), b"foo");
    manager.append(id, b"bar").unwrap();
    assert_eq!(manager.contents(id).unwrap(), b"foobar");
    assert_eq!(manager.stats().buffered_bytes, 6);
}

#[test]
fn dup_copies_a_block_and_the_copy_is_independent() {
    let (_, manager) = setup(small_config());
    let original = block_with(&manager, b"foo");
    manager.commit(original, true).unwrap();
    let copy = manager.dup(original).unwrap();
    assert_ne!(copy, original);
    assert_eq!(manager.state(copy).unwrap(), BlockState::Writable);
    manager.append(copy, b"bar").unwrap();
    assert_eq!(manager.contents(copy).unwrap(), b"foobar");
    assert_eq!(manager.contents(original).unwrap(), b"foo");
}

#[test]
fn get_finds_blocks_by_id_and_refuses_unknown_ones() {
    let (_, manager) = setup(small_config());
    let id = block_with(&manager, b"foo");
    assert_eq!(manager.contents(id).unwrap(), b"foo");
    let locator = manager.commit(id, true).unwrap().unwrap();
    assert_eq!(manager.locator(id).unwrap(), Some(locator));
    assert_eq!(
        manager.contents(id).unwrap(),
        b"foo",
        "read back from the store"
    );
    let gone = block_with(&manager, b"bar");
    manager.discard(gone).unwrap();
    assert_eq!(manager.state(gone).unwrap(), BlockState::Deleted);
    assert!(matches!(
        manager.append(gone, b"x"),
        Err(BlockError::NotWritable {
            state: BlockState::Deleted,
            ..
        })
    ));
}

#[test]
fn commit_all_uploads_every_block() {
    let (store, manager) = setup(small_config());
    let a = block_with(&manager, b"foo");
    let b = block_with(&manager, b"bar");
    manager.commit_all().unwrap();
    for (id, data) in [(a, &b"foo"[..]), (b, b"bar")] {
        assert_eq!(manager.state(id).unwrap(), BlockState::Committed);
        assert_eq!(store.get(&Locator::of(data)).unwrap(), data);
    }
    assert_eq!(manager.stats().buffered_bytes, 0);
}

#[test]
fn sync_commit_of_a_pending_block_waits_for_the_upload() {
    // The Arvados bug: a sync commit of a block already PENDING returned at once.
    let (store, manager) = setup(small_config());
    store.script([Fault::Slow(Duration::from_millis(100))]);
    let id = block_with(&manager, b"slow");
    assert_eq!(manager.commit(id, false).unwrap(), None);
    assert_eq!(manager.state(id).unwrap(), BlockState::Pending);
    let locator = manager.commit(id, true).unwrap();
    assert_eq!(manager.state(id).unwrap(), BlockState::Committed);
    assert_eq!(locator, Some(Locator::of(b"slow")));
    assert_eq!(store.puts(), 1, "the second commit joined the first upload");
}

#[test]
fn commit_all_with_a_failing_store_reports_every_failed_block_in_one_error() {
    let (store, manager) = setup(small_config().retry(fast_retry(2)));
    let a = block_with(&manager, b"foo");
    let b = block_with(&manager, b"bar");
    store.fail_next(4); // both attempts of both blocks
    let err = manager
        .commit_all()
        .expect_err("the store failed every put");
    let failed: Vec<BlockId> = err.failures.iter().map(|(id, _)| *id).collect();
    assert_eq!(failed, vec![a, b]);
    for (_, failure) in &err.failures {
        assert!(matches!(
            failure,
            BlockError::CommitFailed {
                source: StoreError::Injected(_),
                ..
            }
        ));
    }
    let text = err.to_string();
    assert!(text.starts_with("2 block(s) failed to commit"), "{text}");
    assert!(
        text.contains(&a.to_string()) && text.contains(&b.to_string()),
        "{text}"
    );
    assert_eq!(manager.state(a).unwrap(), BlockState::Error);
    // The store recovers; commit_all retries the failed blocks (OnError::Retry).
    manager.commit_all().unwrap();
    assert_eq!(manager.state(b).unwrap(), BlockState::Committed);
}

// ----- every commit case -------------------------------------------------------------------------

#[test]
fn commit_of_a_writable_block_async_returns_and_uploads_in_the_background() {
    let (_, manager) = setup(small_config());
    let id = block_with(&manager, b"abc");
    assert_eq!(manager.commit(id, false).unwrap(), None);
    assert_eq!(manager.commit(id, true).unwrap(), Some(Locator::of(b"abc")));
}

#[test]
fn commit_of_a_committed_block_returns_its_locator_without_uploading() {
    let (store, manager) = setup(small_config());
    let id = block_with(&manager, b"abc");
    let first = manager.commit(id, true).unwrap();
    assert_eq!(manager.commit(id, false).unwrap(), first);
    assert_eq!(manager.commit(id, true).unwrap(), first);
    assert_eq!(store.puts(), 1);
}

#[test]
fn commit_of_a_failed_block_returns_the_stored_error_under_report() {
    let config = small_config()
        .retry(fast_retry(1))
        .on_error(OnError::Report);
    let (store, manager) = setup(config);
    store.fail_next(1);
    let id = block_with(&manager, b"abc");
    let first = manager.commit(id, true).unwrap_err();
    assert!(matches!(first, BlockError::CommitFailed { id: failed, .. } if failed == id));
    assert_eq!(manager.commit(id, false).unwrap_err(), first);
    assert_eq!(manager.commit(id, true).unwrap_err(), first);
    assert_eq!(store.puts(), 1, "Report never retries");
}

#[test]
fn commit_of_a_failed_block_retries_under_retry() {
    let (store, manager) = setup(small_config().retry(fast_retry(1)));
    store.fail_next(1);
    let id = block_with(&manager, b"abc");
    assert!(manager.commit(id, true).is_err());
    assert_eq!(manager.state(id).unwrap(), BlockState::Error);
    assert_eq!(manager.commit(id, true).unwrap(), Some(Locator::of(b"abc")));
    assert_eq!(store.puts(), 2);
}

#[test]
fn commit_of_a_deleted_block_is_an_illegal_transition() {
    let (_, manager) = setup(small_config());
    let id = block_with(&manager, b"abc");
    manager.discard(id).unwrap();
    let err = manager.commit(id, true).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("{id}: illegal block state transition Deleted -> Pending")
    );
    assert_eq!(manager.stats().buffered_bytes, 0, "discard freed the bytes");
}

#[test]
fn commit_of_an_unknown_block_is_an_error() {
    // Ids are per manager: block 1 of another manager is unknown to one with a single block.
    let (_, other) = setup(small_config());
    let _ = other.alloc().unwrap();
    let foreign = other.alloc().unwrap();
    let (_, manager) = setup(small_config());
    let _ = manager.alloc().unwrap();
    assert_eq!(
        manager.commit(foreign, true),
        Err(BlockError::UnknownBlock(foreign))
    );
}

// ----- retries, torn and panicking uploads -------------------------------------------------------

#[test]
fn failed_puts_are_retried_with_backoff_until_they_succeed() {
    let (store, manager) = setup(small_config().retry(fast_retry(3)));
    store.fail_next(2);
    let id = block_with(&manager, b"retry me");
    assert_eq!(
        manager.commit(id, true).unwrap(),
        Some(Locator::of(b"retry me"))
    );
    assert_eq!(store.puts(), 3);
}

#[test]
fn a_torn_upload_is_caught_and_retried() {
    let (store, manager) = setup(small_config());
    store.script([Fault::Partial(2)]);
    let id = block_with(&manager, b"complete");
    assert_eq!(
        manager.commit(id, true).unwrap(),
        Some(Locator::of(b"complete"))
    );
    assert_eq!(store.puts(), 2);
}

#[test]
fn a_panicking_store_is_reported_and_the_worker_survives() {
    let config = small_config().workers(1).retry(fast_retry(1));
    let (store, manager) = setup(config);
    store.script([Fault::Panic]);
    let id = block_with(&manager, b"boom");
    let err = manager.commit(id, true).unwrap_err();
    assert!(
        matches!(&err, BlockError::CommitFailed { source: StoreError::Panicked(m), .. } if m.contains("scripted panic")),
        "{err}"
    );
    // The only worker is still serving the queue.
    let next = block_with(&manager, b"next");
    assert!(manager.commit(next, true).unwrap().is_some());
}

// ----- back-pressure -----------------------------------------------------------------------------

#[test]
fn writers_wait_for_space_and_buffered_bytes_never_exceed_the_cap() {
    let config = small_config().buffer_cap(32).workers(1);
    let (store, manager) = setup(config);
    let store = store.clone();
    store.script(std::iter::repeat_n(
        Fault::Slow(Duration::from_millis(2)),
        20,
    ));
    let mut file = BlockFile::new(&manager);
    let data: Vec<u8> = (0..=255).cycle().take(300).collect();
    for chunk in data.chunks(7) {
        file.write_all(chunk).unwrap();
        assert!(manager.stats().buffered_bytes <= 32);
    }
    let manifest = file.close().unwrap();
    assert_eq!(manager.read(&manifest).unwrap(), data);
    let stats = manager.stats();
    assert!(stats.peak_buffered_bytes <= 32, "{stats:?}");
    assert!(
        stats.peak_buffered_bytes >= 16,
        "the cap was actually used: {stats:?}"
    );
}

#[test]
fn with_failed_blocks_holding_the_cap_an_append_is_refused_not_left_waiting() {
    let config = small_config()
        .buffer_cap(16)
        .retry(fast_retry(1))
        .on_error(OnError::Report);
    let (store, manager) = setup(config);
    store.fail_next(1);
    let stuck = block_with(&manager, &[7; 16]);
    assert!(manager.commit(stuck, true).is_err());
    let next = manager.alloc().unwrap();
    assert!(matches!(
        manager.append(next, b"x"),
        Err(BlockError::BufferFull {
            buffered: 16,
            requested: 1,
            cap: 16
        })
    ));
    // Discarding the failed block frees its space.
    manager.discard(stuck).unwrap();
    manager.append(next, b"x").unwrap();
}

// ----- BlockFile -------------------------------------------------------------------------------------

#[test]
fn a_write_larger_than_a_block_is_split_never_refused() {
    let (_, manager) = setup(small_config());
    let data: Vec<u8> = (0..100u8).collect();
    let mut file = BlockFile::new(&manager);
    assert_eq!(file.write(&data).unwrap(), 100);
    let manifest = file.close().unwrap();
    assert_eq!(manifest.locators().len(), 7); // 6 × 16 + 4
    assert_eq!(manifest.len(), 100);
    assert_eq!(manager.read(&manifest).unwrap(), data);
}

#[test]
fn an_empty_file_has_an_empty_manifest() {
    let (_, manager) = setup(small_config());
    let manifest = BlockFile::new(&manager).close().unwrap();
    assert!(manifest.is_empty());
    assert_eq!(manager.read(&manifest).unwrap(), b"");
}

#[test]
fn flush_seals_the_block_and_later_writes_go_to_a_new_one() {
    let (_, manager) = setup(small_config());
    let mut file = BlockFile::new(&manager);
    file.write_all(b"first").unwrap();
    file.flush().unwrap();
    file.write_all(b"second").unwrap();
    manager.flush(true).unwrap(); // seals the file's current block under it
    file.write_all(b"third").unwrap();
    let manifest = file.close().unwrap();
    assert_eq!(manifest.locators().len(), 3);
    assert_eq!(manager.read(&manifest).unwrap(), b"firstsecondthird");
}

#[test]
fn files_written_concurrently_read_back_byte_identical() {
    let (_, manager) = setup(small_config().buffer_cap(48));
    let manifests: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4u8)
            .map(|t| {
                let manager = &manager;
                s.spawn(move || {
                    let data: Vec<u8> = (0..200u8).map(|i| i.wrapping_mul(t + 1)).collect();
                    let mut file = BlockFile::new(manager);
                    for chunk in data.chunks(usize::from(t) + 3) {
                        file.write_all(chunk).unwrap();
                    }
                    (data, file.close().unwrap())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (data, manifest) in manifests {
        assert_eq!(manager.read(&manifest).unwrap(), data);
    }
    assert!(manager.stats().peak_buffered_bytes <= 48);
}

// ----- repacking -----------------------------------------------------------------------------------

#[test]
fn small_blocks_of_closed_files_are_repacked_into_one_block() {
    let config = small_config().block_size(64).buffer_cap(256);
    let (store, manager) = setup(config);
    let contents: Vec<Vec<u8>> = (0..5u8)
        .map(|i| vec![b'a' + i; 5 + usize::from(i)])
        .collect();
    let closed: Vec<_> = contents
        .iter()
        .map(|data| {
            let mut file = BlockFile::new(&manager);
            file.write_all(data).unwrap();
            file.close_deferred().unwrap()
        })
        .collect();
    assert_eq!(store.puts(), 0, "small last blocks wait to be packed");
    manager.commit_all().unwrap();
    assert_eq!(store.puts(), 1, "five small files, one packed block");
    let mut locators = Vec::new();
    for (data, file) in contents.iter().zip(&closed) {
        let manifest = file.manifest(&manager).unwrap();
        assert_eq!(&manager.read(&manifest).unwrap(), data);
        locators.extend(manifest.locators());
    }
    locators.dedup();
    assert_eq!(locators.len(), 1);
    assert_eq!(manager.stats().buffered_bytes, 0);
}

#[test]
fn parked_blocks_are_repacked_once_they_fill_a_block() {
    let config = small_config().block_size(16).buffer_cap(64);
    let (store, manager) = setup(config);
    let mut closed = Vec::new();
    for i in 0..3u8 {
        let mut file = BlockFile::new(&manager);
        file.write_all(&[i; 7]).unwrap(); // 7 < 8 = repack threshold
        closed.push(file.close_deferred().unwrap());
    }
    // 21 parked bytes >= 16: repacked into a full-ish block and a remainder, without commit_all.
    for (i, file) in closed.iter().enumerate() {
        assert_eq!(
            manager.read(&file.manifest(&manager).unwrap()).unwrap(),
            vec![i as u8; 7]
        );
    }
    assert!(store.puts() <= 2);
}

// ----- stop and drop ---------------------------------------------------------------------------------

#[test]
fn stop_commits_every_block_then_refuses_new_work() {
    let (store, manager) = setup(small_config());
    let a = block_with(&manager, b"written");
    let b = block_with(&manager, b"not by hand");
    manager.stop().unwrap();
    for id in [a, b] {
        assert_eq!(manager.state(id).unwrap(), BlockState::Committed);
    }
    assert_eq!(store.inner().len(), 2);
    assert_eq!(manager.alloc(), Err(BlockError::Stopped));
    assert_eq!(manager.append(a, b"x"), Err(BlockError::Stopped));
    manager.stop().unwrap(); // idempotent
}

#[test]
fn stop_with_a_failing_store_reports_every_block_and_does_not_hang() {
    let (store, manager) = setup(small_config().retry(fast_retry(2)));
    store.fail_next(6); // both attempts of each of the three blocks
    let ids: Vec<_> = (0..3u8).map(|i| block_with(&manager, &[i; 4])).collect();
    let err = manager.stop().unwrap_err();
    let failed: Vec<_> = err.failures.iter().map(|(id, _)| *id).collect();
    assert_eq!(failed, ids);
    // Nothing was lost: once the store recovers, each failed block still commits.
    for id in ids {
        assert!(manager.commit(id, true).unwrap().is_some());
    }
}

#[test]
fn commit_after_stop_uploads_on_the_callers_thread() {
    let (store, manager) = setup(small_config().retry(fast_retry(1)));
    store.fail_next(1);
    let id = block_with(&manager, b"late");
    assert!(manager.stop().is_err());
    assert_eq!(manager.state(id).unwrap(), BlockState::Error);
    assert_eq!(
        manager.commit(id, false).unwrap(),
        None,
        "async: uploaded inline"
    );
    assert_eq!(manager.state(id).unwrap(), BlockState::Committed);
}

#[test]
fn dropping_the_manager_commits_what_it_holds() {
    let store: Arc<MemoryStore> = Arc::new(MemoryStore::new());
    {
        let manager = BlockManager::new(store.clone(), small_config()).unwrap();
        block_with(&manager, b"kept on drop");
    }
    assert!(store.contains(&Locator::of(b"kept on drop")));
}

#[test]
fn stop_racing_commits_loses_nothing_and_never_hangs() {
    for round in 0..200 {
        let (store, manager) = setup(small_config().workers(2).queue_capacity(1));
        let ids: Vec<_> = (0..4u8)
            .map(|i| block_with(&manager, &[i, round as u8]))
            .collect();
        std::thread::scope(|s| {
            for &id in &ids {
                let manager = &manager;
                s.spawn(move || {
                    let _ = manager.commit(id, id.index() % 2 == 0);
                });
            }
            s.spawn(|| manager.stop().unwrap());
        });
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(
                manager.state(*id).unwrap(),
                BlockState::Committed,
                "round {round}"
            );
            assert!(store
                .inner()
                .contains(&Locator::of(&[i as u8, round as u8])));
        }
    }
}

#[test]
fn concurrent_commits_of_a_failed_block_upload_it_once() {
    // Arvados's `state()` then `set_state()` race: two commits of an ERROR block both retried.
    for _ in 0..200 {
        let (store, manager) = setup(small_config().retry(fast_retry(1)));
        store.fail_next(1);
        let id = block_with(&manager, b"once");
        assert!(manager.commit(id, true).is_err());
        let puts_before = store.puts();
        std::thread::scope(|s| {
            for sync in [true, true, false] {
                let manager = &manager;
                s.spawn(move || manager.commit(id, sync).unwrap());
            }
        });
        manager.commit(id, true).unwrap();
        assert_eq!(
            store.puts() - puts_before,
            1,
            "one retry, not one per committer"
        );
    }
}

// ----- DirStore ----------------------------------------------------------------------------------------

#[test]
fn dir_store_is_content_addressed_and_leaves_no_temporary_files() {
    let dir = tempfile::tempdir().unwrap();
    let store = DirStore::open(dir.path()).unwrap().with_fsync(true);
    let loc = store.put(b"hello").unwrap();
    assert_eq!(loc, Locator::of(b"hello"));
    assert_eq!(store.put(b"hello").unwrap(), loc, "dedup");
    assert_eq!(store.get(&loc).unwrap(), b"hello");
    let path = store.path_of(&loc);
    assert!(path.starts_with(dir.path().join(&loc.hash_hex()[..3])));
    assert_eq!(
        std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
        0
    );
    let missing = Locator::of(b"missing");
    assert_eq!(store.get(&missing), Err(StoreError::NotFound(missing)));
}

#[test]
fn dir_store_detects_a_corrupted_block() {
    let dir = tempfile::tempdir().unwrap();
    let store = DirStore::open(dir.path()).unwrap();
    let loc = store.put(b"precious").unwrap();
    std::fs::write(store.path_of(&loc), b"tampered").unwrap();
    assert!(matches!(store.get(&loc), Err(StoreError::Corrupt { .. })));
    // Same size, so `put` keeps the file; a wrong-size leftover would be rewritten.
    std::fs::write(store.path_of(&loc), b"short").unwrap();
    assert_eq!(store.put(b"precious").unwrap(), loc);
    assert_eq!(store.get(&loc).unwrap(), b"precious");
}

#[test]
fn dir_store_write_failure_is_a_typed_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let store = DirStore::open(dir.path()).unwrap();
    // A file where the block's directory should be.
    let loc = Locator::of(b"blocked");
    std::fs::write(dir.path().join(&loc.hash_hex()[..3]), b"not a dir").unwrap();
    assert!(matches!(store.put(b"blocked"), Err(StoreError::Io { .. })));
    assert_eq!(
        std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
        0
    );
}

#[test]
fn a_file_through_the_manager_into_a_dir_store_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let store = DirStore::open(dir.path()).unwrap();
    let manager = BlockManager::new(store, Config::default().block_size(1000)).unwrap();
    let data: Vec<u8> = (0..10_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let mut file = BlockFile::new(&manager);
    file.write_all(&data).unwrap();
    let manifest = file.close().unwrap();
    assert_eq!(manifest.locators().len(), 10);
    assert_eq!(manager.read(&manifest).unwrap(), data);
    manager.stop().unwrap();
}

#[test]
fn bad_config_is_refused_with_a_typed_error() {
    let err = BlockManager::new(MemoryStore::new(), Config::default().workers(0)).unwrap_err();
    assert_eq!(err.to_string(), "at least one upload worker is needed");
}

// ----- proptest state machine: every acknowledged byte reads back --------------------------------

mod state_machine {
    use super::*;
    use lockstep::block::ClosedFile;
    use proptest::prelude::*;
    use proptest_state_machine::{prop_state_machine, ReferenceStateMachine, StateMachineTest};

    const FILES: usize = 2;
    const BLOCK: usize = 8;
    const CAP: usize = 32;
    /// Bounded recovery: the scripted faults are finite, so a few rounds of `commit_all` (which
    /// retries failed blocks) always get through.
    const RECOVERY_ROUNDS: usize = 50;

    /// A store fault the test scripts.
    #[derive(Debug, Clone, Copy)]
    pub enum Injected {
        Fail,
        Torn,
        Slow,
    }

    #[derive(Debug, Clone)]
    pub enum Op {
        Write { file: usize, data: Vec<u8> },
        Commit { file: usize, sync: bool },
        Close { file: usize },
        CloseDeferred { file: usize },
        Flush { sync: bool },
        CommitAll,
        Repack,
        Faults(Vec<Injected>),
    }

    /// The reference: what each open file holds, what the file closed last held, and what each
    /// deferred-closed file held.
    #[derive(Debug, Clone, Default)]
    pub struct Reference {
        open: [Vec<u8>; FILES],
        last_closed: Vec<u8>,
        closed: Vec<Vec<u8>>,
    }

    impl ReferenceStateMachine for Reference {
        type State = Reference;
        type Transition = Op;

        fn init_state() -> BoxedStrategy<Reference> {
            Just(Reference::default()).boxed()
        }

        fn transitions(_: &Reference) -> BoxedStrategy<Op> {
            let file = 0..FILES;
            let fault = prop_oneof![
                Just(Injected::Fail),
                Just(Injected::Torn),
                Just(Injected::Slow)
            ];
            prop_oneof![
                6 => (file.clone(), proptest::collection::vec(any::<u8>(), 0..20))
                    .prop_map(|(file, data)| Op::Write { file, data }),
                2 => (file.clone(), any::<bool>()).prop_map(|(file, sync)| Op::Commit { file, sync }),
                1 => file.clone().prop_map(|file| Op::Close { file }),
                1 => file.prop_map(|file| Op::CloseDeferred { file }),
                1 => any::<bool>().prop_map(|sync| Op::Flush { sync }),
                1 => Just(Op::CommitAll),
                1 => Just(Op::Repack),
                1 => proptest::collection::vec(fault, 1..3).prop_map(Op::Faults),
            ]
            .boxed()
        }

        fn apply(mut state: Reference, op: &Op) -> Reference {
            match op {
                Op::Write { file, data } => state.open[*file].extend_from_slice(data),
                Op::Close { file } => state.last_closed = std::mem::take(&mut state.open[*file]),
                Op::CloseDeferred { file } => {
                    let bytes = std::mem::take(&mut state.open[*file]);
                    state.closed.push(bytes);
                }
                _ => {}
            }
            state
        }
    }

    pub struct System {
        manager: &'static BlockManager,
        store: Store,
        open: [Option<BlockFile<'static>>; FILES],
        /// Deferred-closed files and the bytes the reference says they hold.
        closed: Vec<(ClosedFile, Vec<u8>)>,
    }

    impl System {
        fn file(&mut self, i: usize) -> &mut BlockFile<'static> {
            let manager = self.manager;
            self.open[i].get_or_insert_with(|| BlockFile::new(manager))
        }

        /// Retry `commit_all` until the injected faults are used up.
        fn recover(&self) {
            for _ in 0..RECOVERY_ROUNDS {
                if self.manager.commit_all().is_ok() {
                    return;
                }
            }
            panic!("commit_all never recovered");
        }
    }

    pub struct BlocksTest;

    impl StateMachineTest for BlocksTest {
        type SystemUnderTest = System;
        type Reference = Reference;

        fn init_test(_: &Reference) -> System {
            let store: Store = Arc::new(FaultStore::new(MemoryStore::new()));
            let config = Config::default()
                .block_size(BLOCK)
                .buffer_cap(CAP)
                .retry(RetryPolicy {
                    max_attempts: 2,
                    initial_backoff: Duration::ZERO,
                    max_backoff: Duration::ZERO,
                });
            // Leaked so open files can borrow it across transitions; stopped in teardown.
            let manager = Box::leak(Box::new(BlockManager::new(store.clone(), config).unwrap()));
            System {
                manager,
                store,
                open: [None, None],
                closed: Vec::new(),
            }
        }

        fn apply(mut sut: System, reference: &Reference, op: Op) -> System {
            match op {
                Op::Write { file, data } => {
                    let mut rest = &data[..];
                    for _ in 0..RECOVERY_ROUNDS {
                        let before = sut.file(file).len();
                        let result = sut.file(file).append(rest);
                        let taken = (sut.file(file).len() - before) as usize;
                        rest = &rest[taken..];
                        match result {
                            Ok(()) => break,
                            // Failed blocks hold the cap: retry them, then write on.
                            Err(BlockError::BufferFull { .. }) => sut.recover(),
                            Err(err) => panic!("write refused: {err}"),
                        }
                    }
                    assert!(rest.is_empty(), "the write never got through");
                }
                Op::Commit { file, sync } => {
                    if sut.file(file).commit(sync).is_err() {
                        sut.recover();
                    }
                }
                Op::Close { file } => {
                    let closing = sut.open[file]
                        .take()
                        .unwrap_or_else(|| BlockFile::new(sut.manager));
                    let manifest = match closing.close() {
                        Ok(manifest) => manifest,
                        Err(err) => {
                            sut.recover();
                            err.file.manifest(sut.manager).expect("after recovery")
                        }
                    };
                    assert_eq!(sut.manager.read(&manifest).unwrap(), reference.last_closed);
                }
                Op::CloseDeferred { file } => {
                    let closing = sut.open[file]
                        .take()
                        .unwrap_or_else(|| BlockFile::new(sut.manager));
                    // Only queues uploads (never waits for them), so injected faults cannot fail it.
                    let closed = closing.close_deferred();
                    let expected = reference.closed.last().expect("just closed").clone();
                    sut.closed.push((closed.expect("close_deferred"), expected));
                }
                Op::Flush { sync } => {
                    if sut.manager.flush(sync).is_err() {
                        sut.recover();
                    }
                }
                Op::CommitAll => {
                    if sut.manager.commit_all().is_err() {
                        sut.recover();
                    }
                }
                Op::Repack => sut.manager.repack_small_blocks(false),
                Op::Faults(faults) => sut.store.script(faults.into_iter().map(|f| match f {
                    Injected::Fail => Fault::Fail,
                    Injected::Torn => Fault::Partial(1),
                    Injected::Slow => Fault::Slow(Duration::from_micros(200)),
                })),
            }
            sut
        }

        fn check_invariants(sut: &System, reference: &Reference) {
            let stats = sut.manager.stats();
            assert!(stats.peak_buffered_bytes <= CAP, "{stats:?}");
            for (file, expected) in sut.open.iter().zip(&reference.open) {
                let len = file.as_ref().map_or(0, BlockFile::len);
                assert_eq!(len, expected.len() as u64);
            }
            assert_eq!(sut.closed.len(), reference.closed.len());
        }

        fn teardown(mut sut: System) {
            // Every deferred file reads back; then everything commits and the manager stops.
            sut.recover();
            for (file, expected) in std::mem::take(&mut sut.closed) {
                let manifest = file
                    .manifest(sut.manager)
                    .expect("committed after recovery");
                assert_eq!(sut.manager.read(&manifest).unwrap(), expected);
            }
            drop(sut.open);
            sut.manager.stop().expect("nothing left to fail");
            assert_eq!(sut.manager.stats().buffered_bytes, 0);
        }
    }

    prop_state_machine! {
        #![proptest_config(ProptestConfig {
            cases: 64,
            failure_persistence: None,
            .. ProptestConfig::default()
        })]
        #[test]
        fn every_acknowledged_byte_reads_back(sequential 1..40 => BlocksTest);
    }
}
