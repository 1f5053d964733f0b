//! A file written through buffer blocks: `std::io::Write` on top of the block manager.
//!
//! Guarantees: a write of any size is accepted (split across blocks, never refused for its
//! size); each block is sealed and queued for upload as soon as it is full, so uploading
//! overlaps writing; every byte a write acknowledged is in the file's extents, and
//! [`BlockFile::close`] returns a [`Manifest`] that reads back byte-identical through the store.
//! A write that fails part-way reports how much was taken (the `io::Write` contract).

use super::manager::Extent;
use super::{BlockError, BlockId, BlockManager, Manifest};
use crate::sync::{Runtime, Std};
use std::fmt;
use std::io;

/// A file being written through a [`BlockManager`].
///
/// ```
/// use std::io::Write;
/// use lockstep::block::{BlockFile, BlockManager, Config, MemoryStore};
///
/// let manager = BlockManager::new(MemoryStore::new(), Config::default().block_size(4)).unwrap();
/// let mut file = BlockFile::new(&manager);
/// file.write_all(b"hello, world").unwrap(); // 12 bytes: three 4-byte blocks
/// let manifest = file.close().unwrap();
/// assert_eq!(manifest.locators().len(), 3);
/// assert_eq!(manager.read(&manifest).unwrap(), b"hello, world");
/// ```
pub struct BlockFile<'m, R: Runtime = Std> {
    manager: &'m BlockManager<R>,
    /// The block taking writes, and how full it is.
    current: Option<(BlockId, usize)>,
    extents: Vec<Extent>,
    len: u64,
}

/// A file closed with [`BlockFile::close_deferred`]: its last block may wait to be repacked with
/// other small blocks; [`ClosedFile::manifest`] gives the locators once they exist.
#[derive(Debug, Clone)]
pub struct ClosedFile {
    extents: Vec<Extent>,
    len: u64,
}

impl<'m, R: Runtime> BlockFile<'m, R> {
    /// An empty file.
    pub fn new(manager: &'m BlockManager<R>) -> Self {
        BlockFile {
            manager,
            current: None,
            extents: Vec::new(),
            len: 0,
        }
    }

    /// Bytes written so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// `true` if nothing was written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Append all of `data`, splitting it across blocks. On error, [`BlockFile::len`] tells
    /// how much was taken.
    pub fn append(&mut self, mut data: &[u8]) -> Result<(), BlockError> {
        let block_size = self.manager.config().block_size;
        let mut sealed_under_us = 0;
        while !data.is_empty() {
            let (id, used) = match self.current {
                Some(current) => current,
                None => (self.manager.alloc()?, 0),
            };
            self.current = Some((id, used));
            let n = data.len().min(block_size - used);
            match self.manager.append(id, &data[..n]) {
                Ok(()) => sealed_under_us = 0,
                // `flush`, `commit_all` or another commit sealed the block: write on in a new
                // one (bounded, in case the manager keeps sealing).
                Err(BlockError::NotWritable { .. }) if sealed_under_us < 3 => {
                    sealed_under_us += 1;
                    self.current = None;
                    continue;
                }
                Err(err) => return Err(err),
            }
            self.record(id, used, n);
            data = &data[n..];
            self.current = Some((id, used + n));
            if used + n == block_size {
                self.seal()?; // full: start its upload now, overlapping the next writes
            }
        }
        Ok(())
    }

    fn record(&mut self, block: BlockId, offset: usize, len: usize) {
        self.len += len as u64;
        if let Some(last) = self.extents.last_mut() {
            if last.block == block && last.offset + last.len == offset {
                last.len += len;
                return;
            }
        }
        self.extents.push(Extent { block, offset, len });
    }

    /// Queue the current block's upload; the next write opens a new block. An empty block (a
    /// write into it was refused) is discarded instead.
    fn seal(&mut self) -> Result<(), BlockError> {
        match self.current.take() {
            Some((id, 0)) => self.discard_empty(id),
            Some((id, _)) => self.manager.commit(id, false).map(drop),
            None => Ok(()),
        }
    }

    fn discard_empty(&self, id: BlockId) -> Result<(), BlockError> {
        match self.manager.discard(id) {
            // Sealed under us by a flush: an empty upload, harmless.
            Err(BlockError::InFlight(_)) => Ok(()),
            other => other,
        }
    }

    /// Seal the current block (the next write opens a new one); with `sync`, wait until every
    /// block of the file is committed (Arvados's `ArvadosFile.flush(sync)`; `io::Write::flush`
    /// is `commit(true)`).
    pub fn commit(&mut self, sync: bool) -> Result<(), BlockError> {
        self.seal()?;
        if sync {
            for id in self.blocks() {
                self.manager.commit(id, true)?;
            }
        }
        Ok(())
    }

    fn blocks(&self) -> Vec<BlockId> {
        let mut ids: Vec<BlockId> = self.extents.iter().map(|e| e.block).collect();
        ids.dedup();
        ids
    }

    /// Close the file: commit its blocks, wait, and return its manifest. On error the file's
    /// extents come back in the [`CloseError`], so the manifest can still be had once the store
    /// recovers ([`ClosedFile::manifest`]).
    pub fn close(mut self) -> Result<Manifest, CloseError> {
        let sealed = self.seal();
        let closed = ClosedFile {
            extents: std::mem::take(&mut self.extents),
            len: self.len,
        };
        match sealed.and_then(|()| closed.manifest(self.manager)) {
            Ok(manifest) => Ok(manifest),
            Err(error) => Err(CloseError {
                error,
                file: closed,
            }),
        }
    }

    /// Close the file without waiting: a small last block (below
    /// [`Config::repack_below`](super::Config::repack_below)) is parked to be packed with other
    /// closed files' small blocks by [`BlockManager::commit_all`] (or when they fill a block);
    /// other blocks are queued.
    pub fn close_deferred(mut self) -> Result<ClosedFile, BlockError> {
        match self.current.take() {
            Some((id, 0)) => self.discard_empty(id)?,
            Some((id, used)) if used < self.manager.config().repack_below => {
                self.manager.park(id, used);
            }
            Some((id, _)) => {
                self.manager.commit(id, false)?;
            }
            None => {}
        }
        Ok(ClosedFile {
            extents: std::mem::take(&mut self.extents),
            len: self.len,
        })
    }
}

/// [`BlockFile::close`] failed; the closed file is kept so nothing is lost.
#[derive(Debug, Clone, thiserror::Error)]
#[error("closing a file: {error}")]
pub struct CloseError {
    /// Why.
    #[source]
    pub error: BlockError,
    /// The file, closed; [`ClosedFile::manifest`] retries.
    pub file: ClosedFile,
}

impl From<CloseError> for BlockError {
    fn from(err: CloseError) -> Self {
        err.error
    }
}

impl ClosedFile {
    /// The file's length.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// `true` for an empty file.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The manifest: commits (and if needed repacks) the file's blocks and waits for them.
    pub fn manifest<R: Runtime>(&self, manager: &BlockManager<R>) -> Result<Manifest, BlockError> {
        manager.resolve(&self.extents)
    }
}

impl<R: Runtime> io::Write for BlockFile<'_, R> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let before = self.len;
        match self.append(buf) {
            Ok(()) => Ok(buf.len()),
            Err(_) if self.len > before => Ok((self.len - before) as usize),
            Err(err) => Err(io::Error::other(err)),
        }
    }

    /// Seal the current block and wait until the file's blocks are committed.
    fn flush(&mut self) -> io::Result<()> {
        self.commit(true).map_err(io::Error::other)
    }
}

impl<R: Runtime> fmt::Debug for BlockFile<'_, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockFile")
            .field("len", &self.len)
            .field("current", &self.current)
            .field("extents", &self.extents.len())
            .finish()
    }
}
