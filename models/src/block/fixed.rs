//! The fixed twins of the Arvados bugs: the same workload on lockstep's real [`BlockManager`]
//! (and [`BlockFile`]), whose guarantees are what each bug violated.

use super::{join_all, small_manager};
use lockstep::block::{
    BlockFile, BlockManager, BlockState, BlockStore, Config, Fault, FaultStore, MemoryStore,
    OnError,
};
use lockstep::sync::{thread, Arc, Mutex, Runtime};
use std::io::Write;
use std::time::Duration;

/// Two commits of a block in `Error` race: it is re-armed once (one retry upload in all).
pub(crate) fn state_race<R: Runtime>() {
    let (store, manager) = small_manager::<R>(1, OnError::Retry);
    store.script([Fault::Fail]);
    let id = manager.alloc().unwrap();
    manager.append(id, b"ab").unwrap();
    assert!(manager.commit(id, true).is_err(), "the first put fails");
    let committers: Vec<_> = (0..2)
        .map(|k| {
            let manager = manager.clone();
            thread::Builder::<R>::new()
                .name(format!("commit-{k}"))
                .spawn(move || manager.commit(id, false))
        })
        .collect();
    for raced in join_all(committers) {
        assert!(raced.is_ok(), "{raced:?}");
    }
    assert!(manager.commit(id, true).unwrap().is_some());
    assert_eq!(
        store.puts(),
        2,
        "the failed block was re-armed exactly once"
    );
    manager.stop().expect("all committed");
}

/// A handler thread (holding its inode lock, as unlink() does) commits two blocks through a
/// full one-slot queue while the upload worker needs the manager's own lock to finish each
/// upload: the manager never waits for queue space while holding that lock.
pub(crate) fn notify_queue<R: Runtime>() {
    let (_, manager) = small_manager::<R>(1, OnError::Retry);
    let inode: Arc<Mutex<u32, R>, R> = Arc::new(Mutex::new(0));
    let ids: Vec<_> = (0..3u8)
        .map(|i| {
            let id = manager.alloc().unwrap();
            manager.append(id, &[i]).unwrap();
            id
        })
        .collect();
    manager.commit(ids[0], false).unwrap(); // the queue fills
    let handler = {
        let (manager, inode, ids) = (manager.clone(), inode.clone(), ids.clone());
        thread::Builder::<R>::new()
            .name("fuse-handler")
            .spawn(move || {
                let mut held = inode.lock();
                for &id in &ids[1..] {
                    manager.commit(id, false).unwrap(); // may wait for queue space
                }
                *held += 1;
            })
    };
    join_all(vec![handler]);
    manager.flush(true).expect("every block committed");
    assert_eq!(*inode.lock(), 1);
    manager.stop().expect("all committed");
}

/// An asynchronous commit, then a synchronous one of the same (now `Pending`) block.
pub(crate) fn pending_sync_commit<R: Runtime>() {
    let (store, manager) = small_manager::<R>(1, OnError::Retry);
    let id = manager.alloc().unwrap();
    manager.append(id, b"x").unwrap();
    assert!(manager.commit(id, false).is_ok());
    let locator = manager
        .commit(id, true)
        .unwrap()
        .expect("a sync commit waits");
    assert_eq!(manager.state(id).unwrap(), BlockState::Committed);
    assert_eq!(store.get(&locator).unwrap(), b"x");
    manager.stop().expect("all committed");
}

/// The first put panics: the worker survives it, the block is failed and reported, and
/// waiting for every block returns.
pub(crate) fn upload_thread_death<R: Runtime>() {
    let (store, manager) = small_manager::<R>(1, OnError::Report);
    store.script([Fault::Panic]);
    let ids: Vec<_> = (0..2u8)
        .map(|i| {
            let id = manager.alloc().unwrap();
            manager.append(id, &[i]).unwrap();
            manager.commit(id, false).unwrap();
            id
        })
        .collect();
    let err = manager
        .flush(true)
        .expect_err("the panicked put is reported");
    assert_eq!(err.failures.len(), 1, "{err}");
    assert!(err.to_string().contains("panicked"), "{err}");
    let committed = ids
        .iter()
        .filter(|&&id| manager.state(id).unwrap() == BlockState::Committed)
        .count();
    assert_eq!(committed, 1, "the other block is stored");
    assert!(
        manager.stop().is_err(),
        "stop reports the failed block again"
    );
}

/// Two upload workers; the file's first block is committed asynchronously, then `flush(true)`
/// must not return `Ok` while any block is uncommitted.
pub(crate) fn flush_waits_for_every_block<R: Runtime>() {
    let store: Arc<FaultStore<MemoryStore<R>, R>, R> =
        Arc::new(FaultStore::with_runtime(MemoryStore::with_runtime()));
    let config = Config::default().block_size(4).workers(2).repack_below(0);
    let manager = BlockManager::<R>::with_runtime(store, config).expect("valid config");
    let ids: Vec<_> = (0..2u8)
        .map(|i| {
            let id = manager.alloc().unwrap();
            manager.append(id, &[i]).unwrap();
            id
        })
        .collect();
    manager.commit(ids[0], false).unwrap();
    manager.flush(true).expect("every block committed");
    for id in ids {
        assert_eq!(manager.state(id).unwrap(), BlockState::Committed);
    }
    manager.stop().expect("all committed");
}

/// Upload workers start with the manager, not lazily under its lock: a commit on another
/// thread and a read on this one, in any order.
pub(crate) fn workers_start_with_the_manager<R: Runtime>() {
    let (_, manager) = small_manager::<R>(1, OnError::Retry);
    let ids: Vec<_> = (0..2u8)
        .map(|i| {
            let id = manager.alloc().unwrap();
            manager.append(id, &[i]).unwrap();
            id
        })
        .collect();
    let committer = {
        let manager = manager.clone();
        let id = ids[0];
        thread::Builder::<R>::new()
            .name("commit")
            .spawn(move || manager.commit(id, true))
    };
    assert_eq!(manager.contents(ids[1]).unwrap(), [1]); // block_prefetch's read
    assert!(join_all(vec![committer]).remove(0).unwrap().is_some());
    manager.stop().expect("all committed");
}

/// Two small files closed without waiting; one thread repacks their blocks into one while this
/// one reads a file back through its (old) block ids: the manager follows the relocation.
pub(crate) fn repack_keeps_references<R: Runtime>() {
    let config = Config::default()
        .block_size(8)
        .workers(1)
        .queue_capacity(1)
        .repack_below(4);
    let manager: Arc<BlockManager<R>, R> = Arc::new(
        BlockManager::with_runtime(MemoryStore::<R>::with_runtime(), config).expect("valid"),
    );
    let closed: Vec<_> = [b"aa", b"bb"]
        .iter()
        .map(|bytes| {
            let mut file = BlockFile::new(&*manager);
            file.write_all(*bytes).unwrap();
            file.close_deferred().unwrap()
        })
        .collect();
    let repacker = {
        let manager = manager.clone();
        thread::Builder::<R>::new()
            .name("repack")
            .spawn(move || manager.repack_small_blocks(true))
    };
    let manifest = closed[1]
        .manifest(&*manager)
        .expect("committed, repacked or not");
    assert_eq!(manager.read(&manifest).unwrap(), b"bb");
    join_all(vec![repacker]);
    let manifest = closed[0].manifest(&*manager).expect("committed");
    assert_eq!(manager.read(&manifest).unwrap(), b"aa");
    manager.stop().expect("all committed");
}

/// `stop` while a commit on another thread is mid-upload to a slow store: stop waits for it
/// (with no lock held) and the block is committed.
pub(crate) fn stop_during_upload<R: Runtime>() {
    let store: Arc<FaultStore<MemoryStore<R>, R>, R> = Arc::new(
        FaultStore::with_runtime(MemoryStore::with_runtime())
            .with_latency(Duration::from_millis(1)),
    );
    let config = Config::default().block_size(4).workers(1).repack_below(0);
    let manager: Arc<BlockManager<R>, R> =
        Arc::new(BlockManager::with_runtime(store.clone(), config).expect("valid config"));
    let id = manager.alloc().unwrap();
    manager.append(id, b"x").unwrap();
    let committer = {
        let manager = manager.clone();
        thread::Builder::<R>::new()
            .name("commit")
            .spawn(move || manager.commit(id, false))
    };
    let stopped = manager.stop();
    assert!(join_all(vec![committer]).remove(0).is_ok());
    assert!(stopped.is_ok(), "{stopped:?}");
    assert_eq!(manager.state(id).unwrap(), BlockState::Committed);
    let locator = manager.locator(id).unwrap().expect("committed");
    assert!(store.get(&locator).is_ok());
}
