//! A file's manifest: the ranges of stored blocks that make up its bytes, in order.
//!
//! Guarantees: reading a manifest through the store that holds its blocks gives exactly the
//! file's bytes; a range outside its block is a [`StoreError::Corrupt`], never a panic, an
//! abort or short data — whatever the segment values (the range is checked against the block
//! before anything is allocated for it, and all offset arithmetic is checked). Adjacent ranges
//! of one block are merged, so a file written in small pieces still has one range per block.
//! The text form ([`Display`](fmt::Display)) parses back to the same manifest; malformed text is
//! a typed [`ManifestParseError`].

use super::{BlockStore, Locator, StoreError};
use std::fmt;
use std::str::FromStr;

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

impl Segment {
    /// The range as `start..end` indices into a block of `block_len` bytes, if it lies inside.
    fn range_in(&self, block_len: usize) -> Option<(usize, usize)> {
        let end = self.offset.checked_add(self.len)?;
        if end > u64::try_from(block_len).ok()? {
            return None;
        }
        Some((
            usize::try_from(self.offset).ok()?,
            usize::try_from(end).ok()?,
        ))
    }
}

/// The segments of one file, in file order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Manifest {
    segments: Vec<Segment>,
}

impl Manifest {
    /// A manifest of these segments (merged where adjacent). Any values are accepted; a range
    /// outside its block is reported by [`Manifest::read`].
    pub fn from_segments(segments: impl IntoIterator<Item = Segment>) -> Self {
        let mut manifest = Manifest::default();
        for segment in segments {
            manifest.push(segment);
        }
        manifest
    }

    /// Append a segment, merging it into the last one when it continues it (and the merged
    /// length fits a `u64`).
    pub(crate) fn push(&mut self, segment: Segment) {
        if segment.len == 0 {
            return;
        }
        if let Some(last) = self.segments.last_mut() {
            let continues = last.locator == segment.locator
                && last.offset.checked_add(last.len) == Some(segment.offset);
            if let Some(len) = last.len.checked_add(segment.len).filter(|_| continues) {
                last.len = len;
                return;
            }
        }
        self.segments.push(segment);
    }

    /// The segments, in file order.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// The file's length, saturating at `u64::MAX` (only a corrupt manifest gets there: its
    /// [`read`](Self::read) fails).
    pub fn len(&self) -> u64 {
        self.segments
            .iter()
            .fold(0u64, |sum, s| sum.saturating_add(s.len))
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

    /// The file's bytes, read through `store`. Memory grows only by ranges checked against
    /// blocks actually read, so a corrupt manifest cannot make it allocate more than the file.
    pub fn read(&self, store: &dyn BlockStore) -> Result<Vec<u8>, StoreError> {
        let mut out = Vec::new();
        let mut cached: Option<(Locator, Vec<u8>)> = None;
        for segment in &self.segments {
            if cached.as_ref().is_none_or(|(l, _)| *l != segment.locator) {
                cached = Some((segment.locator, store.get(&segment.locator)?));
            }
            let (_, block) = cached.as_ref().expect("just filled");
            let Some((start, end)) = segment.range_in(block.len()) else {
                return Err(StoreError::Corrupt {
                    locator: segment.locator,
                    reason: format!(
                        "range {}:{} is outside the block ({} bytes)",
                        segment.offset,
                        segment.len,
                        block.len()
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

/// Why a text is not a manifest (`locator offset:len ...`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed manifest: segment {segment}: {reason}")]
pub struct ManifestParseError {
    /// The 0-based segment the problem is in.
    pub segment: usize,
    /// What is wrong with it.
    pub reason: String,
}

impl FromStr for Manifest {
    type Err = ManifestParseError;

    /// The inverse of `Display`: whitespace-separated `locator offset:len` pairs. A range must
    /// lie inside its block (the locator carries the block's size).
    ///
    /// ```
    /// use lockstep::block::{Locator, Manifest};
    /// let text = format!("{} 1:2", Locator::of(b"abc"));
    /// let manifest: Manifest = text.parse().unwrap();
    /// assert_eq!(manifest.len(), 2);
    /// assert_eq!(manifest.to_string(), text);
    /// assert!(format!("{} 2:2", Locator::of(b"abc")).parse::<Manifest>().is_err());
    /// ```
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut words = text.split_whitespace();
        let mut manifest = Manifest::default();
        let mut segment = 0;
        while let Some(locator) = words.next() {
            let fail = |reason: String| ManifestParseError { segment, reason };
            let locator: Locator = locator.parse().map_err(|e| fail(format!("{e}")))?;
            let range = words
                .next()
                .ok_or_else(|| fail("a locator without its offset:len".into()))?;
            let (offset, len) = range
                .split_once(':')
                .and_then(|(o, l)| Some((parse_u64(o)?, parse_u64(l)?)))
                .ok_or_else(|| fail(format!("{range:?} is not offset:len in decimal")))?;
            if offset
                .checked_add(len)
                .is_none_or(|end| end > locator.size())
            {
                return Err(fail(format!(
                    "range {offset}:{len} is outside the block ({} bytes)",
                    locator.size()
                )));
            }
            manifest.push(Segment {
                locator,
                offset,
                len,
            });
            segment += 1;
        }
        Ok(manifest)
    }
}

/// A `u64` in plain decimal digits (no sign, no spaces).
fn parse_u64(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::block::MemoryStore;
    use proptest::prelude::*;

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

    fn segment(locator: Locator, offset: u64, len: u64) -> Segment {
        Segment {
            locator,
            offset,
            len,
        }
    }

    #[test]
    fn huge_and_overflowing_segments_are_corrupt_not_an_abort_or_a_panic() {
        let store = MemoryStore::new();
        let a = store.put(b"abc").unwrap();
        let b = store.put(b"de").unwrap();
        for (offset, len) in [
            (0, 1 << 40),
            (0, u64::MAX),
            (1, u64::MAX),
            (u64::MAX, u64::MAX),
        ] {
            let manifest = Manifest::from_segments([segment(a, offset, len)]);
            assert!(
                matches!(manifest.read(&store), Err(StoreError::Corrupt { .. })),
                "{offset}:{len}"
            );
        }
        // Lengths that add up past u64::MAX, merged or not.
        let manifest = Manifest::from_segments([segment(a, 0, u64::MAX), segment(b, 0, 5)]);
        assert_eq!(manifest.len(), u64::MAX, "saturates");
        assert!(matches!(
            manifest.read(&store),
            Err(StoreError::Corrupt { .. })
        ));
        let manifest = Manifest::from_segments([segment(a, 0, u64::MAX), segment(a, u64::MAX, 1)]);
        assert_eq!(manifest.segments().len(), 2, "a merge would overflow");
        let manifest = Manifest::from_segments([segment(a, u64::MAX, 5), segment(a, 3, 1)]);
        assert_eq!(manifest.segments().len(), 2);
        assert!(matches!(
            manifest.read(&store),
            Err(StoreError::Corrupt { .. })
        ));
    }

    /// Offsets and lengths near every edge: small, huge, around `u64::MAX`, 1 TiB.
    fn value() -> impl Strategy<Value = u64> {
        prop_oneof![
            0..8u64,
            any::<u64>(),
            (u64::MAX - 8)..=u64::MAX,
            Just(1u64 << 40),
        ]
    }

    /// Text made of manifest-like words: locators (good and bad), ranges, and anything.
    fn manifest_text() -> impl Strategy<Value = String> {
        let word = prop_oneof![
            Just(Locator::of(b"abc").to_string()),
            Just(Locator::of(b"").to_string()),
            "[0-9a-f]{30,34}\\+[0-9]{0,21}",
            (value(), value()).prop_map(|(o, l)| format!("{o}:{l}")),
            "[0-9]{0,22}:[0-9:+-]{0,22}",
            "\\PC{0,12}",
        ];
        proptest::collection::vec((word, "[ \t\n]{1,2}"), 0..8)
            .prop_map(|words| words.into_iter().map(|(w, sep)| w + &sep).collect())
    }

    const BLOCKS: [&[u8]; 3] = [b"hello world", b"de", b""];

    proptest! {
        #[test]
        fn any_text_parses_to_a_manifest_that_round_trips_or_is_a_typed_error(
            text in manifest_text()
        ) {
            match text.parse::<Manifest>() {
                Ok(manifest) => {
                    let again = manifest.to_string().parse::<Manifest>();
                    prop_assert_eq!(again, Ok(manifest));
                }
                Err(err) => prop_assert!(!err.reason.is_empty()),
            }
        }

        #[test]
        fn any_segments_read_back_exactly_or_are_corrupt(
            raw in proptest::collection::vec((0..BLOCKS.len(), value(), value()), 0..6)
        ) {
            let store = MemoryStore::new();
            let locators: Vec<Locator> = BLOCKS.iter().map(|b| store.put(b).unwrap()).collect();
            let segments: Vec<Segment> = raw
                .iter()
                .map(|&(block, offset, len)| segment(locators[block], offset, len))
                .collect();
            let manifest = Manifest::from_segments(segments.iter().copied());
            let _ = manifest.len();
            // Empty ranges are dropped (they hold no bytes), wherever they point.
            let raw: Vec<_> = raw.into_iter().filter(|&(_, _, len)| len > 0).collect();
            let valid = raw.iter().all(|&(block, offset, len)| {
                offset.checked_add(len).is_some_and(|end| end <= BLOCKS[block].len() as u64)
            });
            match manifest.read(&store) {
                Ok(bytes) => {
                    prop_assert!(valid, "{:?} read back", raw);
                    let expected: Vec<u8> = raw
                        .iter()
                        .flat_map(|&(block, offset, len)| {
                            BLOCKS[block][offset as usize..(offset + len) as usize].to_vec()
                        })
                        .collect();
                    prop_assert_eq!(manifest.len(), bytes.len() as u64);
                    prop_assert_eq!(bytes, expected);
                    let parsed = manifest.to_string().parse::<Manifest>();
                    prop_assert_eq!(parsed, Ok(manifest));
                }
                Err(StoreError::Corrupt { .. }) => prop_assert!(!valid, "{:?} refused", raw),
                Err(other) => prop_assert!(false, "unexpected error {}", other),
            }
        }
    }
}
