//! The block component's shipped paths under the checkers: what `BlockFile` and
//! `BlockManager` do in production — writes split across blocks, repacking of small files,
//! back-pressure on buffered bytes, a store that panics, a store that fails — each as a
//! fixed-only model whose every run must keep the component's guarantees (nothing acknowledged
//! is lost; a failure is reported, never dropped; nothing hangs).

use super::join_all;
use lockstep::block::{
    BlockError, BlockFile, BlockManager, CommitAllError, Config, Fault, FaultStore, MemoryStore,
    OnError, RetryPolicy,
};
use lockstep::sync::{thread, Arc, Runtime};
use std::io::Write;
use std::time::Duration;

/// One shipped path of the block component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockPath {
    /// Two writers' files: a write split across blocks, small files closed without waiting
    /// and repacked into one block; every file reads back byte-identical.
    FileRepack,
    /// A buffer cap of one block: a second writer waits until an upload frees space (or is
    /// refused with `BufferFull` when none is in flight); everything is stored.
    BackPressure,
    /// The store panics on a put: the worker survives, the block is failed and reported, a
    /// retry stores it.
    PanickingStore,
    /// The store fails wherever the simulator's fault budget makes `block.store.put` fail
    /// (lockstep-sim only): retries store the file or the failure is reported; nothing hangs.
    InjectedStoreFaults,
}

impl BlockPath {
    /// Every path, in a stable order.
    pub const ALL: [BlockPath; 4] = [
        BlockPath::FileRepack,
        BlockPath::BackPressure,
        BlockPath::PanickingStore,
        BlockPath::InjectedStoreFaults,
    ];

    /// The catalogue's model name.
    pub fn name(self) -> &'static str {
        match self {
            BlockPath::FileRepack => "blocks-file-repack",
            BlockPath::BackPressure => "blocks-back-pressure",
            BlockPath::PanickingStore => "blocks-panicking-store",
            BlockPath::InjectedStoreFaults => "blocks-store-faults",
        }
    }

    /// One line for the catalogue.
    pub fn summary(self) -> &'static str {
        match self {
            BlockPath::FileRepack => {
                "BlockFile: two writers, a write split across blocks, small files repacked"
            }
            BlockPath::BackPressure => "BlockManager: buffer_cap of one block, two writers wait",
            BlockPath::PanickingStore => "BlockManager: a put panics; reported, then retried",
            BlockPath::InjectedStoreFaults => {
                "BlockFile over a store the simulator fails (fault point block.store.put)"
            }
        }
    }

    /// The preemption bound within which DFS (and loom) explore it exhaustively: 2, but 1 for
    /// back-pressure (two writers and a worker contending for one block's space: over 20,000
    /// schedules with 2 preemptions).
    pub fn preemption_bound(self) -> usize {
        match self {
            BlockPath::BackPressure => 1,
            _ => 2,
        }
    }

    /// Run on backend `R`.
    pub fn run<R: Runtime>(self) {
        match self {
            BlockPath::FileRepack => file_repack::<R>(),
            BlockPath::BackPressure => back_pressure::<R>(),
            BlockPath::PanickingStore => panicking_store::<R>(),
            BlockPath::InjectedStoreFaults => injected_store_faults::<R>(),
        }
    }

    /// A model for a checker.
    pub fn model<R: Runtime>(self) -> impl Fn() + Send + Sync + 'static {
        move || self.run::<R>()
    }
}

type Store<R> = Arc<FaultStore<MemoryStore<R>, R>, R>;

fn manager<R: Runtime>(config: Config) -> (Store<R>, Arc<BlockManager<R>, R>) {
    let store: Store<R> = Arc::new(FaultStore::with_runtime(MemoryStore::with_runtime()));
    let manager = BlockManager::with_runtime(store.clone(), config).expect("valid config");
    (store, Arc::new(manager))
}

fn file_repack<R: Runtime>() {
    let config = Config::default()
        .block_size(4)
        .workers(1)
        .queue_capacity(1)
        .repack_below(3);
    let (_, manager) = manager::<R>(config);
    let small = {
        let manager = manager.clone();
        thread::Builder::<R>::new()
            .name("small-writer")
            .spawn(move || {
                let mut file = BlockFile::new(&*manager);
                file.write_all(b"xy").unwrap();
                file.close_deferred().unwrap() // parked for repacking
            })
    };
    let mut big = BlockFile::new(&*manager);
    big.write_all(b"split!").unwrap(); // 4 + 2 bytes: a full block, then a small one
    let big = big.close_deferred().unwrap();
    let small = join_all(vec![small]).remove(0);
    manager.commit_all().expect("stored"); // repacks the small last blocks together
    for (closed, bytes) in [(big, &b"split!"[..]), (small, &b"xy"[..])] {
        let manifest = closed.manifest(&*manager).expect("committed");
        assert_eq!(manager.read(&manifest).unwrap(), bytes);
    }
    manager.stop().expect("all committed");
}

fn back_pressure<R: Runtime>() {
    let config = Config::default()
        .block_size(2)
        .buffer_cap(2)
        .workers(1)
        .queue_capacity(1)
        .repack_below(0);
    let (store, manager) = manager::<R>(config);
    let writers: Vec<_> = (0..2u8)
        .map(|k| {
            let manager = manager.clone();
            thread::Builder::<R>::new()
                .name(format!("writer-{k}"))
                .spawn(move || {
                    let mut file = BlockFile::new(&*manager);
                    match file.write_all(&[k, k]) {
                        Ok(()) => Some(file.close().expect("stored")),
                        Err(err) => {
                            let refused = err.to_string().contains("buffer");
                            assert!(refused, "only BufferFull may refuse a write: {err}");
                            None
                        }
                    }
                })
        })
        .collect();
    let stored = join_all(writers);
    assert!(
        stored.iter().any(Option::is_some),
        "one writer always gets the space"
    );
    for (k, manifest) in stored.iter().enumerate() {
        if let Some(manifest) = manifest {
            assert_eq!(manager.read(manifest).unwrap(), [k as u8, k as u8]);
        }
    }
    assert!(manager.stats().peak_buffered_bytes <= 2, "the cap held");
    assert_eq!(store.puts(), stored.iter().flatten().count());
    manager.stop().expect("all committed");
}

fn panicking_store<R: Runtime>() {
    let config = Config::default()
        .block_size(4)
        .workers(1)
        .repack_below(0)
        .on_error(OnError::Retry);
    let (store, manager) = manager::<R>(config);
    store.script([Fault::Panic]);
    let writer = {
        let manager = manager.clone();
        thread::Builder::<R>::new().name("writer").spawn(move || {
            let mut file = BlockFile::new(&*manager);
            file.write_all(b"data").unwrap();
            file.close()
        })
    };
    let closed = match join_all(vec![writer]).remove(0) {
        Ok(manifest) => manifest, // a retry round already stored it
        Err(err) => {
            assert!(err.to_string().contains("panicked"), "{err}");
            err.file.manifest(&*manager).expect("the retry stores it")
        }
    };
    assert_eq!(manager.read(&closed).unwrap(), b"data");
    manager.stop().expect("all committed");
}

fn injected_store_faults<R: Runtime>() {
    let config = Config::default()
        .block_size(4)
        .workers(1)
        .queue_capacity(1)
        .repack_below(0)
        .retry(RetryPolicy {
            max_attempts: 2,
            initial_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(1),
        });
    let (_, manager) = manager::<R>(config);
    let mut file = BlockFile::new(&*manager);
    file.write_all(b"abcdef").unwrap();
    match file.close() {
        Ok(manifest) => assert_eq!(manager.read(&manifest).unwrap(), b"abcdef"),
        Err(err) => {
            // Every attempt failed (the budget allowed it): reported, never lost silently.
            assert!(
                matches!(err.error, BlockError::CommitFailed { .. }),
                "{err}"
            );
        }
    }
    match manager.stop() {
        Ok(()) => {}
        Err(CommitAllError { failures, .. }) => assert!(!failures.is_empty()),
    }
}
