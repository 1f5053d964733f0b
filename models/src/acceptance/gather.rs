//! An async lock held across an await in a two-task gather (the zarr store bug, reduced): a
//! store that is not concurrency-safe is guarded by an async mutex; its `get` hands the request
//! to a batching backend that answers once *both* requests of a gather have arrived. The buggy
//! `get` awaits the answer while still holding the store's lock, so the second request can never
//! arrive: both tasks wait forever. The fixed `get` registers the request under the lock and
//! awaits the answer after releasing it.

use lockstep::future::{self, AsyncRuntime, Mutex, Notify};
use std::sync::Arc;

/// The gather model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gather {
    /// `true`: the lock is held across the await (the bug).
    pub buggy: bool,
}

struct Batch<A: AsyncRuntime> {
    /// Requests registered so far.
    store: Mutex<usize, A>,
    /// Signalled when the batch is full.
    full: Notify<A>,
}

const BATCH: usize = 2;

impl Gather {
    async fn get<A: AsyncRuntime>(self, batch: &Batch<A>) {
        // Created before registering, so the completing request's `notify_waiters` reaches it.
        let answered = batch.full.notified();
        let mut registered = batch.store.lock().await;
        *registered += 1;
        if *registered == BATCH {
            batch.full.notify_waiters();
            return;
        }
        if self.buggy {
            answered.await; // still holding `registered`
            drop(registered);
        } else {
            drop(registered);
            answered.await;
        }
    }

    /// Run once on `A` (as the body of a simulated or checked program).
    pub fn run<A: AsyncRuntime>(self) {
        future::block_on::<A, _>(async move {
            let batch: Arc<Batch<A>> = Arc::new(Batch {
                store: Mutex::new(0),
                full: Notify::new(),
            });
            let tasks: Vec<_> = (0..BATCH)
                .map(|i| {
                    let batch = batch.clone();
                    future::spawn_named::<A, _>(&format!("get-{i}"), async move {
                        self.get(&batch).await
                    })
                })
                .collect();
            for task in tasks {
                task.await.expect("a get panicked");
            }
            assert_eq!(*batch.store.lock().await, BATCH);
        })
    }

    /// The model for a checker.
    pub fn model<A: AsyncRuntime>(self) -> impl Fn() + Send + Sync + 'static {
        move || self.run::<A>()
    }
}
