//! Where the tar archives come from — files on disk ([`DirArchives`]) or bytes in memory
//! ([`MemArchives`], for tests and the simulator) — and how one is read: [`scan`] lists its
//! members with their checksums (building the index on first use), [`Reader`] walks them for
//! extraction.
//!
//! Guarantees: only regular files are members (directories, links and other entries are
//! skipped, as zstash's extraction of a data archive does); a member's checksum is the MD5 of
//! its content; a truncated or corrupt archive is an `Err` naming the archive and what was
//! wrong, never a panic and never a silently shorter member list *during a scan* (a header
//! cut off at a 512-byte boundary looks like the end of the archive to a tar reader, so
//! extraction compares the member count with the index).

use md5::{Digest, Md5};
use std::fmt::Write as _;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// One member of an archive, as the index records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Its position among the archive's members, from 0.
    pub seq: u32,
    /// Its path inside the archive.
    pub path: String,
    /// Its size in bytes.
    pub size: u64,
    /// Where its content starts in the archive, in bytes.
    pub offset: u64,
    /// The MD5 of its content, as 32 lowercase hex digits.
    pub md5: String,
}

/// A set of archives, in extraction order (item `k` of the ordered output is archive `k`).
pub trait Archives: Send + Sync + 'static {
    /// How many archives.
    fn len(&self) -> usize;
    /// `true` if there are none.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Archive `k`'s name (its file name), unique in the set.
    fn name(&self, k: usize) -> &str;
    /// Archive `k`'s size in bytes (what the largest-first assignment weighs).
    fn size(&self, k: usize) -> u64;
    /// Read archive `k` from its start.
    fn open(&self, k: usize) -> io::Result<Stream<'_>>;
}

/// Archives that are files: each argument is a `.tar` file or a directory whose `*.tar` files
/// are taken in name order.
#[derive(Debug, Clone)]
pub struct DirArchives {
    files: Vec<(String, PathBuf, u64)>,
}

impl DirArchives {
    /// Collect the archives named by `paths`. Errors (one line each): a path that does not
    /// exist, a directory that cannot be read, two archives with the same file name.
    pub fn new(paths: &[PathBuf]) -> Result<Self, String> {
        let mut files = Vec::new();
        for path in paths {
            let meta = fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
            if meta.is_dir() {
                files.extend(tars_in(path)?);
            } else {
                files.push(file_entry(path, meta.len())?);
            }
        }
        let mut names: Vec<&str> = files.iter().map(|(name, ..)| name.as_str()).collect();
        names.sort_unstable();
        if let Some(pair) = names.windows(2).find(|pair| pair[0] == pair[1]) {
            return Err(format!("two archives are named {}", pair[0]));
        }
        Ok(DirArchives { files })
    }

    /// The file of archive `k`.
    pub fn path(&self, k: usize) -> &Path {
        &self.files[k].1
    }
}

fn tars_in(dir: &Path) -> Result<Vec<(String, PathBuf, u64)>, String> {
    let read = |e: io::Error| format!("{}: {e}", dir.display());
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).map_err(read)? {
        let path = entry.map_err(read)?.path();
        let meta = fs::metadata(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        if meta.is_file() && path.extension().is_some_and(|ext| ext == "tar") {
            found.push(file_entry(&path, meta.len())?);
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(found)
}

fn file_entry(path: &Path, size: u64) -> Result<(String, PathBuf, u64), String> {
    let name = path
        .file_name()
        .and_then(|name| name.to_str())
        .ok_or_else(|| format!("{}: not a UTF-8 file name", path.display()))?;
    Ok((name.to_owned(), path.to_path_buf(), size))
}

impl Archives for DirArchives {
    fn len(&self) -> usize {
        self.files.len()
    }
    fn name(&self, k: usize) -> &str {
        &self.files[k].0
    }
    fn size(&self, k: usize) -> u64 {
        self.files[k].2
    }
    fn open(&self, k: usize) -> io::Result<Stream<'_>> {
        let file = fs::File::open(&self.files[k].1)?;
        Ok(Box::new(io::BufReader::with_capacity(256 << 10, file)))
    }
}

/// Archives held in memory: `(name, tar bytes)`.
#[derive(Debug, Clone, Default)]
pub struct MemArchives {
    archives: Vec<(String, Vec<u8>)>,
}

impl MemArchives {
    /// These archives, in this order.
    pub fn new(archives: Vec<(String, Vec<u8>)>) -> Self {
        MemArchives { archives }
    }

    /// Archive `k`'s bytes, to damage in a test.
    pub fn bytes_mut(&mut self, k: usize) -> &mut Vec<u8> {
        &mut self.archives[k].1
    }
}

impl Archives for MemArchives {
    fn len(&self) -> usize {
        self.archives.len()
    }
    fn name(&self, k: usize) -> &str {
        &self.archives[k].0
    }
    fn size(&self, k: usize) -> u64 {
        self.archives[k].1.len() as u64
    }
    fn open(&self, k: usize) -> io::Result<Stream<'_>> {
        Ok(Box::new(&self.archives[k].1[..]))
    }
}

/// An MD5 digest as 32 lowercase hex digits.
pub fn md5_hex(digest: &[u8]) -> String {
    digest
        .iter()
        .fold(String::with_capacity(32), |mut text, byte| {
            let _ = write!(text, "{byte:02x}");
            text
        })
}

/// An opened archive stream (see [`Archives::open`]).
pub type Stream<'r> = Box<dyn Read + Send + 'r>;

/// One member as [`Reader`] hands it out: its header facts and a reader of its content.
pub struct Entry<'a, 'r> {
    /// Its path in the archive.
    pub path: String,
    /// Its size according to its header.
    pub size: u64,
    /// Where its content starts in the archive.
    pub offset: u64,
    /// Its content.
    pub content: tar::Entry<'a, Stream<'r>>,
}

/// Walks the regular-file members of one archive, in archive order.
pub struct Reader<'a, 'r> {
    entries: tar::Entries<'a, Stream<'r>>,
}

impl<'a, 'r> Reader<'a, 'r> {
    /// Start reading `archive` (opened by [`open_tar`]).
    pub fn new(archive: &'a mut tar::Archive<Stream<'r>>) -> io::Result<Self> {
        Ok(Reader {
            entries: archive.entries()?,
        })
    }

    /// The next regular-file member; `Ok(None)` at the archive's end.
    #[allow(clippy::should_implement_trait)] // fallible: `Ok(None)` ends, `Err` is a bad archive
    pub fn next(&mut self) -> io::Result<Option<Entry<'a, 'r>>> {
        for entry in self.entries.by_ref() {
            let entry = entry?;
            if !entry.header().entry_type().is_file() {
                continue;
            }
            let path = entry.path()?.to_string_lossy().into_owned();
            return Ok(Some(Entry {
                size: entry.size(),
                offset: entry.raw_file_position(),
                path,
                content: entry,
            }));
        }
        Ok(None)
    }
}

impl std::fmt::Debug for Entry<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entry")
            .field("path", &self.path)
            .field("size", &self.size)
            .field("offset", &self.offset)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Reader<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reader").finish_non_exhaustive()
    }
}

/// Open archive `k` for [`Reader::new`].
pub fn open_tar<A: Archives + ?Sized>(
    archives: &A,
    k: usize,
) -> io::Result<tar::Archive<Stream<'_>>> {
    Ok(tar::Archive::new(archives.open(k)?))
}

/// List archive `k`'s members with their sizes, offsets and checksums (reads it all).
pub fn scan<A: Archives + ?Sized>(archives: &A, k: usize) -> Result<Vec<Member>, String> {
    let mut archive = open_tar(archives, k).map_err(|e| e.to_string())?;
    let mut reader = Reader::new(&mut archive).map_err(|e| e.to_string())?;
    let mut members = Vec::new();
    let mut buf = vec![0u8; 64 << 10];
    while let Some(mut entry) = reader.next().map_err(|e| e.to_string())? {
        let mut hash = Md5::new();
        let mut read = 0u64;
        loop {
            let n = entry
                .content
                .read(&mut buf)
                .map_err(|e| format!("member {}: {e}", entry.path))?;
            if n == 0 {
                break;
            }
            hash.update(&buf[..n]);
            read += n as u64;
        }
        if read != entry.size {
            return Err(format!(
                "member {}: the archive ends {} bytes into its {} bytes: truncated",
                entry.path, read, entry.size
            ));
        }
        let seq = u32::try_from(members.len()).map_err(|_| "more than 2^32 members")?;
        members.push(Member {
            seq,
            path: entry.path,
            size: entry.size,
            offset: entry.offset,
            md5: md5_hex(&hash.finalize()),
        });
    }
    Ok(members)
}
