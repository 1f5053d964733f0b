//! One archive's extraction — the same function for the parallel program and the sequential
//! baseline, so both print the same lines and store the same blocks: look the archive up in the
//! index (scanning it on first use), then stream each member into the block store, check its
//! size and checksum against the index, record its manifest, and print its line.
//!
//! Guarantees: a member's line is written only after its blocks are committed to the store
//! (closing its `BlockFile` waits for them), its checksum matched the index and its manifest is
//! recorded in the index — so whatever is printed as extracted is kept, also when the archive
//! fails later; and a failure is one line naming the archive, the member and the cause.

use crate::archives::{md5_hex, open_tar, scan, Archives, Member, Reader};
use crate::index::{Index, Indexed};
use lockstep::block::{BlockFile, BlockManager, BlockStore, Manifest, Segment};
use lockstep::sync::Runtime;
use md5::{Digest, Md5};
use std::io::{self, Read, Write};

/// Called with the number of member bytes just processed (drives the progress bar).
pub type Progress = dyn Fn(u64) + Send + Sync;

/// Where a member's content goes: blocks, and the manifest that names them.
pub trait MemberStore {
    /// Store all of `content`, hashing it on the way; return its manifest, MD5 (hex) and length.
    fn store(
        &self,
        content: &mut dyn Read,
        progress: &Progress,
    ) -> Result<(Manifest, String, u64), String>;
}

/// Members written through a [`BlockFile`] of a [`BlockManager`]: full blocks upload in the
/// background while the member is still being read.
#[derive(Debug)]
pub struct ManagedStore<'m, R: Runtime>(pub &'m BlockManager<R>);

impl<R: Runtime> MemberStore for ManagedStore<'_, R> {
    fn store(
        &self,
        content: &mut dyn Read,
        progress: &Progress,
    ) -> Result<(Manifest, String, u64), String> {
        let mut file = BlockFile::new(self.0);
        let (md5, len) = copy_hashing(content, |chunk| file.write_all(chunk), progress)?;
        let manifest = file.close().map_err(|e| e.to_string())?;
        Ok((manifest, md5, len))
    }
}

/// Members cut into blocks of `block_size` and put into the store on the calling thread (the
/// sequential baseline): the same blocks, hence the same manifests, as [`ManagedStore`].
#[derive(Debug)]
pub struct DirectStore<'s, S: BlockStore + ?Sized> {
    /// The store.
    pub store: &'s S,
    /// The block size, as the manager's.
    pub block_size: usize,
}

impl<S: BlockStore + ?Sized> MemberStore for DirectStore<'_, S> {
    fn store(
        &self,
        content: &mut dyn Read,
        progress: &Progress,
    ) -> Result<(Manifest, String, u64), String> {
        let mut block = Vec::with_capacity(self.block_size);
        let mut segments = Vec::new();
        let mut put = |block: &mut Vec<u8>| -> io::Result<()> {
            let locator = self.store.put(block).map_err(io::Error::other)?;
            segments.push(Segment {
                locator,
                offset: 0,
                len: block.len() as u64,
            });
            block.clear();
            Ok(())
        };
        let (md5, len) = copy_hashing(
            content,
            |mut chunk| {
                while !chunk.is_empty() {
                    let n = chunk.len().min(self.block_size - block.len());
                    block.extend_from_slice(&chunk[..n]);
                    chunk = &chunk[n..];
                    if block.len() == self.block_size {
                        put(&mut block)?;
                    }
                }
                Ok(())
            },
            progress,
        )?;
        if !block.is_empty() {
            put(&mut block).map_err(|e| e.to_string())?;
        }
        Ok((Manifest::from_segments(segments), md5, len))
    }
}

/// Read `content` to its end in 256 KiB chunks, hashing each and handing it to `write`.
fn copy_hashing(
    content: &mut dyn Read,
    mut write: impl FnMut(&[u8]) -> io::Result<()>,
    progress: &Progress,
) -> Result<(String, u64), String> {
    let mut buf = vec![0u8; 256 << 10];
    let mut hash = Md5::new();
    let mut len = 0u64;
    loop {
        let n = match content.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(format!("reading it: {e}")),
        };
        hash.update(&buf[..n]);
        write(&buf[..n]).map_err(|e| format!("storing it: {e}"))?;
        len += n as u64;
        progress(n as u64);
    }
    Ok((md5_hex(&hash.finalize()), len))
}

/// The archive's index entry: looked up, or built now by scanning the archive (first use).
fn indexed<A: Archives + ?Sized, I: Index + ?Sized>(
    archives: &A,
    index: &I,
    k: usize,
) -> Result<Indexed, String> {
    let name = archives.name(k);
    if let Some(indexed) = index.lookup(name)? {
        return Ok(indexed);
    }
    let members = scan(archives, k).map_err(|e| format!("cannot index it: {e}"))?;
    let indexed = Indexed {
        size: archives.size(k),
        members,
    };
    index.insert(name, &indexed)?;
    Ok(indexed)
}

/// Extract archive `k` into `store`, writing its lines to `out`; its extracted members'
/// manifests are recorded in `index` whatever happens. `Err` is the archive's one-line failure.
pub fn extract_archive<A: Archives + ?Sized, I: Index + ?Sized>(
    archives: &A,
    index: &I,
    k: usize,
    out: &mut dyn Write,
    store: &dyn MemberStore,
    progress: &Progress,
) -> Result<(), String> {
    let name = archives.name(k);
    let fail = |reason: String| format!("{name}: {reason}");
    let indexed = indexed(archives, index, k).map_err(fail)?;
    let bytes: u64 = indexed.members.iter().map(|m| m.size).sum();
    writeln!(
        out,
        "Extracting {name} ({} members, {bytes} bytes)",
        indexed.members.len()
    )
    .map_err(|e| fail(e.to_string()))?;
    index.clear(name).map_err(fail)?;
    let members = Members {
        archives,
        k,
        indexed: &indexed,
        index,
    };
    members.extract(out, store, progress).map_err(|reason| {
        let size = archives.size(k);
        match size == indexed.size {
            true => fail(reason),
            false => fail(format!(
                "{reason} (the archive is {size} bytes; it was {} when indexed)",
                indexed.size
            )),
        }
    })
}

/// One archive's members: where to read them, what the index expects, where to record them.
struct Members<'a, A: ?Sized, I: ?Sized> {
    archives: &'a A,
    k: usize,
    indexed: &'a Indexed,
    index: &'a I,
}

impl<A: Archives + ?Sized, I: Index + ?Sized> Members<'_, A, I> {
    /// Stream each member into `store`, check it against the index, record it and print its
    /// line, in archive order.
    fn extract(
        &self,
        out: &mut dyn Write,
        store: &dyn MemberStore,
        progress: &Progress,
    ) -> Result<(), String> {
        let mut archive = open_tar(self.archives, self.k).map_err(|e| e.to_string())?;
        let mut reader = Reader::new(&mut archive).map_err(|e| e.to_string())?;
        let (mut expected, mut done) = (self.indexed.members.iter(), 0);
        loop {
            let entry = reader.next().map_err(|e| match done {
                0 => format!("unreadable archive: {e}"),
                n => format!("unreadable archive after {n} members: {e}"),
            })?;
            let (mut entry, member) = match (entry, expected.next()) {
                (None, None) => return Ok(()),
                (Some(entry), Some(member)) => (entry, member),
                (None, Some(member)) => return Err(self.ends_before(member, done)),
                (Some(entry), None) => {
                    return Err(format!("member {} is not in the index", entry.path));
                }
            };
            if entry.path != member.path {
                return Err(format!(
                    "member {} is {} in the index",
                    entry.path, member.path
                ));
            }
            let (manifest, md5, len) = store
                .store(&mut entry.content, progress)
                .map_err(|e| format!("member {}: {e}", member.path))?;
            check(member, &md5, len)?;
            let name = self.archives.name(self.k);
            self.index.record(name, member.seq, &manifest.to_string())?;
            let blocks = manifest.locators().len();
            let s = if blocks == 1 { "" } else { "s" };
            writeln!(out, "  {}  {len} bytes, {blocks} block{s}", member.path)
                .map_err(|e| e.to_string())?;
            done += 1;
        }
    }

    fn ends_before(&self, member: &Member, done: usize) -> String {
        format!(
            "the archive ends before member {} ({done} of {} extracted; truncated?)",
            member.path,
            self.indexed.members.len()
        )
    }
}

/// The member's size and checksum match the index.
fn check(member: &Member, md5: &str, len: u64) -> Result<(), String> {
    if len != member.size {
        return Err(format!(
            "member {}: the archive ends {len} bytes into its {} bytes: truncated",
            member.path, member.size
        ));
    }
    if md5 != member.md5 {
        return Err(format!(
            "member {}: checksum mismatch: the index has md5 {}, the archive gives {md5}",
            member.path, member.md5
        ));
    }
    Ok(())
}
