//! The block manager from async tasks: [`AsyncBlocks`] puts whole files, reads them back,
//! commits and stops — each an `async fn` that never blocks an executor thread.

use super::{BlockError, BlockFile, BlockManager, CommitAllError, Manifest};
use crate::future::{self, AsyncRuntime, JoinError};
use crate::sync::{Arc, Runtime};
use std::fmt;
use std::marker::PhantomData;

/// A [`BlockManager`] shared with async tasks on runtime `A`. Cheap to clone.
///
/// Why the blocking pool and not native async waits: a put is mostly work (hashing and copying
/// the bytes into blocks) and its waits — back-pressure while the buffered bytes are at the cap,
/// a sync commit waiting for its upload — are ended by the manager's own upload threads, never by
/// another task. So each call runs the ordinary blocking code on the runtime's blocking pool
/// ([`spawn_blocking`](crate::future::spawn_blocking)); puts waiting there for space cannot keep
/// the uploads that free the space from running, however many there are.
///
/// ```
/// # #[cfg(feature = "tokio")] {
/// use lockstep::block::{AsyncBlocks, BlockManager, Config, MemoryStore};
/// use lockstep::future::{self, Tokio};
///
/// future::block_on::<Tokio, _>(async {
///     let manager = BlockManager::new(MemoryStore::new(), Config::default()).unwrap();
///     let blocks = AsyncBlocks::<_, Tokio>::new(manager);
///     let put = {
///         let blocks = blocks.clone();
///         future::spawn::<Tokio, _>(async move { blocks.put(b"from a task".to_vec()).await })
///     };
///     let manifest = put.await.unwrap().unwrap(); // committed: the manifest's blocks are stored
///     assert_eq!(blocks.read(manifest).await.unwrap(), b"from a task");
///     blocks.stop().await.unwrap();
/// });
/// # }
/// ```
///
/// Cancellation: dropping a call's future does not stop its blocking part, which runs to the
/// end (a put then stores its blocks, and its manifest is lost with the future).
pub struct AsyncBlocks<R: Runtime, A: AsyncRuntime> {
    manager: Arc<BlockManager<R>, R>,
    runtime: PhantomData<fn() -> A>,
}

/// Run `f` on the blocking pool and return its result.
///
/// # Panics
/// If `f` panicked (the panic goes on), or if the runtime cancelled the blocking task (it is
/// shutting down).
async fn blocking<A: AsyncRuntime, T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    match future::spawn_blocking::<A, _, _>(f).await {
        Ok(value) => value,
        Err(JoinError::Panicked(payload)) => std::panic::resume_unwind(payload),
        Err(JoinError::Cancelled) => panic!("a block manager call was cancelled by its runtime"),
    }
}

impl<R: Runtime, A: AsyncRuntime> AsyncBlocks<R, A> {
    /// Share `manager` with async tasks.
    pub fn new(manager: BlockManager<R>) -> Self {
        Self::from_arc(Arc::new(manager))
    }

    /// Share a manager that other code holds too.
    pub fn from_arc(manager: Arc<BlockManager<R>, R>) -> Self {
        AsyncBlocks {
            manager,
            runtime: PhantomData,
        }
    }

    /// The manager, for its non-blocking calls (`config`, `stats`, `state`).
    pub fn manager(&self) -> &BlockManager<R> {
        &self.manager
    }

    /// Write `data` as a new file through a [`BlockFile`] and close it: the manifest comes back
    /// once every block of it is committed. Errors as `BlockFile::append` and `close`.
    ///
    /// # Panics
    /// If the runtime cancels the blocking task (it is shutting down).
    pub async fn put(&self, data: Vec<u8>) -> Result<Manifest, BlockError> {
        let manager = self.manager.clone();
        blocking::<A, _>(move || {
            let mut file = BlockFile::new(&*manager);
            file.append(&data)?;
            Ok(file.close()?)
        })
        .await
    }

    /// The bytes `manifest` names, read through the store.
    ///
    /// # Panics
    /// If the runtime cancels the blocking task (it is shutting down).
    pub async fn read(&self, manifest: Manifest) -> Result<Vec<u8>, BlockError> {
        let manager = self.manager.clone();
        blocking::<A, _>(move || manager.read(&manifest)).await
    }

    /// [`BlockManager::commit_all`]: commit every block and wait for each outcome.
    ///
    /// # Panics
    /// If the runtime cancels the blocking task (it is shutting down).
    pub async fn commit_all(&self) -> Result<(), CommitAllError> {
        let manager = self.manager.clone();
        blocking::<A, _>(move || manager.commit_all()).await
    }

    /// [`BlockManager::stop`]: commit or report every block, then join the upload workers.
    ///
    /// # Panics
    /// If the runtime cancels the blocking task (it is shutting down).
    pub async fn stop(&self) -> Result<(), CommitAllError> {
        let manager = self.manager.clone();
        blocking::<A, _>(move || manager.stop()).await
    }
}

impl<R: Runtime, A: AsyncRuntime> Clone for AsyncBlocks<R, A> {
    fn clone(&self) -> Self {
        Self::from_arc(self.manager.clone())
    }
}

impl<R: Runtime, A: AsyncRuntime> fmt::Debug for AsyncBlocks<R, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncBlocks")
            .field("runtime", &A::NAME)
            .field("manager", &*self.manager)
            .finish()
    }
}
