//! zarr's metadata read over a store that is not concurrency-safe (zarr-developers/zarr-python
//! issue #3196, PR #3207 "Preventing Deadlocks When Reading Metadata Concurrently via
//! asyncio.gather").
//!
//! `get_array_metadata` read `.zarray`, `.zgroup` and `.zattrs` with `asyncio.gather`. Over a
//! synchronous filesystem such as fsspec's SFTP one, each read is a blocking call that must be
//! the only request in flight on the connection; gathered, the second request arrives while the
//! first is outstanding and the read hangs. The PR's tests model such a filesystem as one that
//! raises on a concurrent request — as this store does: it panics with "concurrent requests".
//!
//! The model: three tasks (or one, in order) ask an async store for the three keys; the store
//! runs each read as a blocking call off the executor ([`future::spawn_blocking`]), and the
//! read takes a network round trip (1 ms of the runtime's clock).
//!
//! - **Buggy**: `gather` — one task per key, all in flight at once.
//! - **Fixed** (the PR's fix for stores that are not concurrency-safe): a sequential
//!   `get_many` that awaits each read in request order.
//! - **Fixed, semaphore**: still gathered, but every read first takes a permit of a
//!   [`Semaphore`] of 1, so the store sees one request at a time.

use lockstep::future::{self, AsyncRuntime, JoinError, Semaphore};
use lockstep::sync::atomic::AtomicBool;
use lockstep::sync::{thread, Runtime};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

/// How `get_many` issues its reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZarrGetMany {
    /// `asyncio.gather` over the store (the bug).
    Gather,
    /// Await each read in request order.
    Sequential,
    /// Gather, each read holding a permit of a semaphore of 1.
    SemaphoreOfOne,
}

impl ZarrGetMany {
    /// Every variant, the bug first.
    pub const ALL: [ZarrGetMany; 3] = [
        ZarrGetMany::Gather,
        ZarrGetMany::Sequential,
        ZarrGetMany::SemaphoreOfOne,
    ];

    /// The catalogue's variant name (`buggy`, then the fixes: `fixed` is the sequential one).
    pub fn variant(self) -> &'static str {
        match self {
            ZarrGetMany::Gather => "buggy",
            ZarrGetMany::Sequential => "fixed",
            ZarrGetMany::SemaphoreOfOne => "sem-1",
        }
    }

    /// One line for the catalogue.
    pub fn summary(self) -> &'static str {
        match self {
            ZarrGetMany::Gather => {
                "zarr (#3196, PR #3207): asyncio.gather of metadata reads over a store that is \
                 not concurrency-safe"
            }
            ZarrGetMany::Sequential => "sequential get_many, in request order (PR #3207)",
            ZarrGetMany::SemaphoreOfOne => "gather, each read holding a permit of a semaphore of 1",
        }
    }
}

/// A synchronous filesystem (SFTP-like): one request at a time, or it fails.
struct SyncFs<R: Runtime> {
    in_flight: AtomicBool<R>,
}

impl<R: Runtime> SyncFs<R> {
    /// A blocking read of `key` (the connection's one request).
    fn cat_file(&self, key: &'static str) -> Option<String> {
        if self.in_flight.swap(true, Ordering::SeqCst) {
            panic!("concurrent requests: `{key}` arrived while another request was outstanding");
        }
        thread::sleep::<R>(Duration::from_millis(1)); // the network round trip
        let value = (key != ".zgroup").then(|| format!("contents of {key}"));
        self.in_flight.store(false, Ordering::SeqCst);
        value
    }
}

/// The async store over [`SyncFs`]; reads run as blocking calls.
struct Store<A: AsyncRuntime + Runtime> {
    fs: Arc<SyncFs<A>>,
    one_at_a_time: Option<Semaphore<A>>,
}

impl<A: AsyncRuntime + Runtime> Store<A> {
    async fn get(&self, key: &'static str) -> Option<String> {
        let _permit = match &self.one_at_a_time {
            Some(semaphore) => Some(semaphore.acquire().await),
            None => None,
        };
        let fs = self.fs.clone();
        value(future::spawn_blocking::<A, _, _>(move || fs.cat_file(key)).await)
    }
}

/// A task's value; its panic goes on unwinding here (so the report shows the original message).
fn value<T>(joined: Result<T, JoinError>) -> T {
    match joined {
        Ok(value) => value,
        Err(JoinError::Panicked(payload)) => std::panic::resume_unwind(payload),
        Err(JoinError::Cancelled) => panic!("a read was cancelled"),
    }
}

/// zarr's metadata read with one `get_many` strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Zarr {
    /// How the reads are issued.
    pub get_many: ZarrGetMany,
}

/// The three metadata documents of a zarr v2 array, in request order.
const KEYS: [&str; 3] = [".zarray", ".zgroup", ".zattrs"];

impl Zarr {
    /// Run once on `A` (a checker's runtime); panics with "concurrent requests" on the bug.
    pub fn run<A: AsyncRuntime + Runtime>(self) {
        future::block_on::<A, _>(async move {
            let store: Arc<Store<A>> = Arc::new(Store {
                fs: Arc::new(SyncFs {
                    in_flight: AtomicBool::new(false),
                }),
                one_at_a_time: (self.get_many == ZarrGetMany::SemaphoreOfOne)
                    .then(|| Semaphore::new(1)),
            });
            let values = match self.get_many {
                ZarrGetMany::Sequential => {
                    let mut values = Vec::new();
                    for key in KEYS {
                        values.push(store.get(key).await);
                    }
                    values
                }
                ZarrGetMany::Gather | ZarrGetMany::SemaphoreOfOne => {
                    let tasks: Vec<_> = KEYS
                        .iter()
                        .map(|&key| {
                            let store = store.clone();
                            future::spawn_named::<A, _>(key, async move { store.get(key).await })
                        })
                        .collect();
                    let mut values = Vec::new();
                    for task in tasks {
                        values.push(value(task.await));
                    }
                    values
                }
            };
            assert_eq!(
                values,
                [
                    Some("contents of .zarray".to_owned()),
                    None,
                    Some("contents of .zattrs".to_owned())
                ]
            );
        })
    }

    /// The model for a checker.
    pub fn model<A: AsyncRuntime + Runtime>(self) -> impl Fn() + Send + Sync + 'static {
        move || self.run::<A>()
    }
}
