//! A file's manifest: the ranges of stored blocks that make up its bytes, in order.
//!
//! Guarantees: reading a manifest through the store that holds its blocks gives exactly the
//! file's bytes; a range outside its block is a [`StoreError::Corrupt`], never a panic or
//! short data. Adjacent ranges of one block are merged, so a file written in small pieces still
//! has one range per block.

use super::{BlockStore, Locator, StoreError};
use std::fmt;

/// `len` bytes at `offset` of the block named by `locator`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// The stored block.
    pub locator: Locator,
    /// Where the range starts in the block.
    pub offset: u64,
    /// How many bytes.
    pub len: u64,
}

/// The segments of one file, in file order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Manifest {
    segments: Vec<Segment>,
}

impl Manifest {
    /// A manifest of these segments (merged where adjacent).
    pub fn from_segments(segments: impl IntoIterator<Item = Segment>) -> Self {
        let mut manifest = Manifest::default();
        for segment in segments {
            manifest.push(segment);
        }
        manifest
    }

    /// Append a segment, merging it into the last one when it continues it.
    pub(crate) fn push(&mut self, segment: Segment) {
        if segment.len == 0 {
            return;
        }
        if let Some(last) = self.segments.last_mut() {
            if last.locator == segment.locator && last.offset + last.len == segment.offset {
                last.len += segment.len;
                return;
            }
        }
        self.segments.push(segment);
    }

    /// The segments, in file order.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// The file's length.
    pub fn len(&self) -> u64 {
        self.segments.iter().map(|s| s.len).sum()
    }

    /// `true` for an empty file.
    pub fn is_empty(&self) -> bool {
        self.segments.is_empty()
    }

    /// The distinct blocks the file uses, in first-use order.
    pub fn locators(&self) -> Vec<Locator> {
        let mut seen = Vec::new();
        for segment in &self.segments {
            if !seen.contains(&segment.locator) {
                seen.push(segment.locator);
            }
        }
        seen
    }

    /// The file's bytes, read through `store`.
    pub fn read(&self, store: &dyn BlockStore) -> Result<Vec<u8>, StoreError> {
        let mut out = Vec::with_capacity(usize::try_from(self.len()).unwrap_or(0));
        let mut cached: Option<(Locator, Vec<u8>)> = None;
        for segment in &self.segments {
            if cached.as_ref().is_none_or(|(l, _)| *l != segment.locator) {
                cached = Some((segment.locator, store.get(&segment.locator)?));
            }
            let (_, block) = cached.as_ref().expect("just filled");
            let range = segment
                .offset
                .checked_add(segment.len)
                .filter(|&end| end <= block.len() as u64)
                .map(|end| (segment.offset as usize, end as usize));
            let Some((start, end)) = range else {
                return Err(StoreError::Corrupt {
                    locator: segment.locator,
                    reason: format!(
                        "range {}:{} is outside the block",
                        segment.offset, segment.len
                    ),
                });
            };
            out.extend_from_slice(&block[start..end]);
        }
        Ok(out)
    }
}

impl fmt::Display for Manifest {
    /// One `locator offset:len` per segment, space separated.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.segments.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{} {}:{}", s.locator, s.offset, s.len)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::block::MemoryStore;

    #[test]
    fn merges_adjacent_ranges_and_reads_back() {
        let store = MemoryStore::new();
        let a = store.put(b"hello world").unwrap();
        let b = store.put(b"!").unwrap();
        let manifest = Manifest::from_segments([
            Segment {
                locator: a,
                offset: 0,
                len: 5,
            },
            Segment {
                locator: a,
                offset: 5,
                len: 6,
            },
            Segment {
                locator: b,
                offset: 0,
                len: 1,
            },
            Segment {
                locator: a,
                offset: 0,
                len: 0,
            },
        ]);
        assert_eq!(manifest.segments().len(), 2);
        assert_eq!(manifest.len(), 12);
        assert_eq!(manifest.read(&store).unwrap(), b"hello world!");
        assert_eq!(manifest.locators(), vec![a, b]);
    }

    #[test]
    fn a_range_outside_its_block_is_corrupt_not_a_panic() {
        let store = MemoryStore::new();
        let a = store.put(b"abc").unwrap();
        let manifest = Manifest::from_segments([Segment {
            locator: a,
            offset: 2,
            len: 5,
        }]);
        assert!(matches!(
            manifest.read(&store),
            Err(StoreError::Corrupt { .. })
        ));
        let huge = Manifest::from_segments([Segment {
            locator: a,
            offset: u64::MAX - 1,
            len: 1,
        }]);
        assert!(matches!(huge.read(&store), Err(StoreError::Corrupt { .. })));
    }
}
