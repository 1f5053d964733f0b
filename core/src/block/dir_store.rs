//! A store of content-addressed files under one directory (a Keep volume's layout).
//!
//! Guarantees: a block is visible under its final name only once it is complete — it is written
//! to a temporary file under `tmp/` and then renamed, and rename is atomic on POSIX file
//! systems, so a crash or a failed write never leaves a torn block under a locator. With
//! [`DirStore::with_fsync`] the file is synced before the rename and the directory after it, so
//! an acknowledged `put` survives power loss. `get` checks the size and the MD5 of what it reads:
//! a corrupted file is a [`StoreError::Corrupt`], never wrong bytes.
//!
//! Layout: `<root>/<first 3 hex digits>/<32 hex digits>` (as Keep's `keepstore` does), temporary
//! files in `<root>/tmp/`.

use super::{BlockStore, Locator, StoreError};
use crate::sync::atomic::AtomicU64;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

/// Content-addressed files under a directory.
///
/// ```
/// use lockstep::block::{BlockStore, DirStore};
/// let dir = std::env::temp_dir().join(format!("lockstep-doc-dirstore-{}", std::process::id()));
/// let store = DirStore::open(&dir).unwrap();
/// let loc = store.put(b"foo").unwrap();
/// assert!(dir.join("acb").join("acbd18db4cc2f85cedef654fccc4a4d8").exists());
/// assert_eq!(store.get(&loc).unwrap(), b"foo");
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
#[derive(Debug)]
pub struct DirStore {
    root: PathBuf,
    fsync: bool,
    /// Makes temporary names unique within this process (the pid makes them unique across).
    next_temp: AtomicU64,
}

impl DirStore {
    /// Use (and create if needed) `root`; no fsync.
    pub fn open(root: impl AsRef<Path>) -> Result<Self, StoreError> {
        let root = root.as_ref().to_path_buf();
        let tmp = root.join("tmp");
        fs::create_dir_all(&tmp).map_err(|e| StoreError::io("create directory", &tmp, &e))?;
        Ok(DirStore {
            root,
            fsync: false,
            next_temp: AtomicU64::new(0),
        })
    }

    /// Sync each block file before its rename and its directory after it.
    pub fn with_fsync(mut self, fsync: bool) -> Self {
        self.fsync = fsync;
        self
    }

    /// The directory holding the blocks.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the block named by `locator` lives.
    pub fn path_of(&self, locator: &Locator) -> PathBuf {
        let hex = locator.hash_hex();
        self.root.join(&hex[..3]).join(hex)
    }

    fn write_new(&self, data: &[u8], temp: &Path, path: &Path) -> Result<(), StoreError> {
        let dir = path.parent().unwrap_or(&self.root);
        fs::create_dir_all(dir).map_err(|e| StoreError::io("create directory", dir, &e))?;
        let mut file = fs::File::create(temp).map_err(|e| StoreError::io("create", temp, &e))?;
        file.write_all(data)
            .map_err(|e| StoreError::io("write", temp, &e))?;
        if self.fsync {
            file.sync_all()
                .map_err(|e| StoreError::io("fsync", temp, &e))?;
        }
        drop(file);
        fs::rename(temp, path).map_err(|e| StoreError::io("rename", temp, &e))?;
        if self.fsync {
            fs::File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(|e| StoreError::io("fsync directory", dir, &e))?;
        }
        Ok(())
    }
}

impl BlockStore for DirStore {
    fn put(&self, data: &[u8]) -> Result<Locator, StoreError> {
        let locator = Locator::of(data);
        let path = self.path_of(&locator);
        // Already stored (content addressing makes identical blocks one file). A file of the
        // wrong size is a leftover corruption: overwrite it.
        if fs::metadata(&path).is_ok_and(|m| m.len() == locator.size()) {
            return Ok(locator);
        }
        let n = self.next_temp.fetch_add(1, Ordering::Relaxed);
        let temp = self.root.join("tmp").join(format!(
            "{}.{}.{n}.tmp",
            locator.hash_hex(),
            std::process::id()
        ));
        let written = self.write_new(data, &temp, &path);
        if written.is_err() {
            let _ = fs::remove_file(&temp); // best effort: the error below is what matters
        }
        written.map(|()| locator)
    }

    fn get(&self, locator: &Locator) -> Result<Vec<u8>, StoreError> {
        let path = self.path_of(locator);
        let data = fs::read(&path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => StoreError::NotFound(*locator),
            _ => StoreError::io("read", &path, &e),
        })?;
        let actual = Locator::of(&data);
        if actual != *locator {
            return Err(StoreError::Corrupt {
                locator: *locator,
                reason: format!("the file holds {actual}"),
            });
        }
        Ok(data)
    }
}
