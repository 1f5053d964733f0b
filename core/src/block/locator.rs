//! Content addresses of stored blocks: Keep-compatible `md5hex+size` locators.
//!
//! Guarantees: a [`Locator`] is computed only from the bytes it names ([`Locator::of`]), prints
//! as Keep prints it (`acbd18db4cc2f85cedef654fccc4a4d8+3`) and parses back to the same value;
//! malformed text is a typed [`LocatorParseError`], never a panic.
//!
//! Why MD5 (RustCrypto's `md-5`): Keep, the store this component is modelled on, names blocks by
//! MD5, so a locator written here is a valid Keep locator. A faster hash (BLAKE3 is several times
//! quicker) would break that; the manager hides the cost by hashing on the upload workers, in
//! parallel with the writer.

use md5::{Digest, Md5};
use std::fmt;
use std::str::FromStr;

/// The address of a stored block: the MD5 of its bytes and its length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Locator {
    hash: [u8; 16],
    size: u64,
}

/// Why a string is not a `hash+size` locator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed block locator {text:?}: {reason}")]
pub struct LocatorParseError {
    /// The text that was parsed.
    pub text: String,
    /// What was wrong with it.
    pub reason: &'static str,
}

impl Locator {
    /// The locator of `data`.
    ///
    /// ```
    /// use lockstep::block::Locator;
    /// let loc = Locator::of(b"foo");
    /// assert_eq!(loc.to_string(), "acbd18db4cc2f85cedef654fccc4a4d8+3");
    /// assert_eq!(loc.to_string().parse::<Locator>(), Ok(loc));
    /// ```
    pub fn of(data: &[u8]) -> Self {
        Locator {
            hash: Md5::digest(data).into(),
            size: data.len() as u64,
        }
    }

    /// The length of the block in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The hash as 32 lowercase hex digits (the file name `DirStore` uses).
    pub fn hash_hex(&self) -> String {
        let mut text = String::with_capacity(32);
        for byte in self.hash {
            text.push(char::from(HEX[usize::from(byte >> 4)]));
            text.push(char::from(HEX[usize::from(byte & 0xf)]));
        }
        text
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

impl fmt::Display for Locator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}+{}", self.hash_hex(), self.size)
    }
}

impl FromStr for Locator {
    type Err = LocatorParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let fail = |reason| LocatorParseError {
            text: text.to_owned(),
            reason,
        };
        let (hex, size) = text.split_once('+').ok_or_else(|| fail("no '+size'"))?;
        if hex.len() != 32 {
            return Err(fail("the hash is not 32 hex digits"));
        }
        let mut hash = [0u8; 16];
        for (byte, pair) in hash.iter_mut().zip(hex.as_bytes().chunks(2)) {
            let digit = |c: u8| match c {
                b'0'..=b'9' => Some(c - b'0'),
                b'a'..=b'f' => Some(c - b'a' + 10),
                _ => None,
            };
            let (hi, lo) = digit(pair[0])
                .zip(digit(pair[1]))
                .ok_or_else(|| fail("the hash is not lowercase hex"))?;
            *byte = hi << 4 | lo;
        }
        if size.is_empty() || !size.bytes().all(|c| c.is_ascii_digit()) {
            return Err(fail("the size is not a decimal number"));
        }
        let size = size.parse().map_err(|_| fail("the size is too large"))?;
        Ok(Locator { hash, size })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_md5_values() {
        assert_eq!(
            Locator::of(b"").to_string(),
            "d41d8cd98f00b204e9800998ecf8427e+0"
        );
        assert_eq!(Locator::of(b"foo").size(), 3);
    }

    #[test]
    fn malformed_text_is_a_typed_error() {
        for bad in [
            "",
            "acbd18db4cc2f85cedef654fccc4a4d8",
            "acbd18db4cc2f85cedef654fccc4a4d+3",
            "ACBD18DB4CC2F85CEDEF654FCCC4A4D8+3",
            "acbd18db4cc2f85cedef654fccc4a4d8+",
            "acbd18db4cc2f85cedef654fccc4a4d8+-3",
            "acbd18db4cc2f85cedef654fccc4a4d8+3+A",
            "acbd18db4cc2f85cedef654fccc4a4d8+99999999999999999999999",
            "zzbd18db4cc2f85cedef654fccc4a4d8+3",
        ] {
            let err = bad.parse::<Locator>().expect_err(bad);
            assert_eq!(err.text, bad);
        }
    }

    proptest::proptest! {
        #[test]
        fn display_parses_back(data in proptest::collection::vec(proptest::num::u8::ANY, 0..64)) {
            let loc = Locator::of(&data);
            proptest::prop_assert_eq!(loc.to_string().parse::<Locator>(), Ok(loc));
        }
    }
}
