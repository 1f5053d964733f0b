//! Replay tokens: one printable string that reproduces an execution exactly.
//!
//! A token holds a format version, the strategy and seed that found the execution (for the
//! reader), the limits that shape it (fault budget, step bound), the *choice stream* (every
//! thread pick among several runnable threads and every option answer, in order) and a
//! fingerprint of the execution's trace (thread, operation, source location of every step).
//! Replaying follows the choices strictly and then compares fingerprints, so a token used on
//! another program, or on a changed version of this one, is refused with a clear error instead
//! of silently running something else.
//!
//! A token may carry a *label* naming its model (`model/variant@version`), which lets a tool
//! find the model to replay and refuse a token recorded for another model or an older version.
//!
//! Text form: `ls1-` followed by URL-safe base64 (no padding) of the varint-encoded fields
//! (deflate-compressed when that is shorter — a livelock's long, repetitive choice stream
//! shrinks a hundredfold) and a 32-bit checksum, so a mistyped token is detected as malformed.

use base64::Engine;

/// Why a token cannot be replayed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// Not a token of this format: bad prefix, bad characters, bad checksum, truncated.
    #[error("malformed replay token: {0}")]
    Malformed(String),
    /// A well-formed token that does not fit the program it was replayed on.
    #[error(
        "the replay token does not match this program (recorded for another model, or an \
         older version of this one): {0}"
    )]
    Mismatch(String),
}

const PREFIX: &str = "ls1-";
/// Format byte: the fields follow as they are.
const PLAIN: u8 = 1;
/// Format byte: the fields follow deflate-compressed.
const DEFLATED: u8 = 2;
/// A compressed token may not expand beyond this (a crafted token must not exhaust memory).
const MAX_PAYLOAD: usize = 64 << 20;

/// The decoded content of a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    /// Names the model the token belongs to (`model/variant@version`), empty if unnamed.
    pub(crate) label: String,
    pub(crate) strategy: StrategyTag,
    pub(crate) seed: u64,
    pub(crate) fault_budget: usize,
    pub(crate) max_steps: usize,
    pub(crate) fingerprint: u32,
    pub(crate) choices: Vec<u32>,
}

/// Which strategy found the execution (informational).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StrategyTag {
    Random = 0,
    Pct = 1,
    Dfs = 2,
    Replay = 3,
}

impl StrategyTag {
    /// The strategy's name, as [`Strategy`](crate::Strategy) names it in reports.
    pub(crate) fn name(self) -> &'static str {
        match self {
            StrategyTag::Random => "random",
            StrategyTag::Pct => "pct",
            StrategyTag::Dfs => "dfs",
            StrategyTag::Replay => "replay",
        }
    }

    fn from_u64(v: u64) -> Option<Self> {
        Some(match v {
            0 => StrategyTag::Random,
            1 => StrategyTag::Pct,
            2 => StrategyTag::Dfs,
            3 => StrategyTag::Replay,
            _ => return None,
        })
    }
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn get_varint(bytes: &mut &[u8]) -> Result<u64, TokenError> {
    let mut v: u64 = 0;
    for shift in (0..64).step_by(7) {
        let (&b, rest) = bytes
            .split_first()
            .ok_or_else(|| TokenError::Malformed("truncated".into()))?;
        *bytes = rest;
        v |= u64::from(b & 0x7F) << shift;
        if b & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err(TokenError::Malformed("a number is too long".into()))
}

/// FNV-1a, 32-bit: the checksum and the trace fingerprint.
pub(crate) fn fnv1a(bytes: impl IntoIterator<Item = u8>, mut hash: u32) -> u32 {
    for b in bytes {
        hash ^= u32::from(b);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}

pub(crate) const FNV_OFFSET: u32 = 0x811C_9DC5;

impl Token {
    pub(crate) fn encode(&self) -> String {
        let mut payload = Vec::with_capacity(16 + self.choices.len());
        for field in [
            self.strategy as u64,
            self.seed,
            self.fault_budget as u64,
            self.max_steps as u64,
            u64::from(self.fingerprint),
            self.choices.len() as u64,
        ] {
            put_varint(&mut payload, field);
        }
        for &c in &self.choices {
            put_varint(&mut payload, u64::from(c));
        }
        put_varint(&mut payload, self.label.len() as u64);
        payload.extend_from_slice(self.label.as_bytes());
        let deflated = miniz_oxide::deflate::compress_to_vec(&payload, 9);
        let mut body = Vec::with_capacity(payload.len() + 5);
        if deflated.len() < payload.len() {
            body.push(DEFLATED);
            body.extend_from_slice(&deflated);
        } else {
            body.push(PLAIN);
            body.extend_from_slice(&payload);
        }
        let checksum = fnv1a(body.iter().copied(), FNV_OFFSET);
        body.extend_from_slice(&checksum.to_le_bytes());
        format!(
            "{PREFIX}{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(body)
        )
    }

    pub(crate) fn decode(text: &str) -> Result<Self, TokenError> {
        let malformed = |why: &str| TokenError::Malformed(why.into());
        let text = text.trim();
        let body = text
            .strip_prefix(PREFIX)
            .ok_or_else(|| malformed("it does not start with `ls1-`"))?;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| malformed("it contains characters outside URL-safe base64"))?;
        if bytes.len() < 4 {
            return Err(malformed("truncated"));
        }
        let (payload, checksum) = bytes.split_at(bytes.len() - 4);
        let expected = u32::from_le_bytes(checksum.try_into().expect("4 bytes"));
        if fnv1a(payload.iter().copied(), FNV_OFFSET) != expected {
            return Err(malformed("checksum mismatch (mistyped or truncated?)"));
        }
        let (&format, rest) = payload
            .split_first()
            .ok_or_else(|| malformed("truncated"))?;
        let inflated;
        let mut rest = match format {
            PLAIN => rest,
            DEFLATED => {
                inflated = miniz_oxide::inflate::decompress_to_vec_with_limit(rest, MAX_PAYLOAD)
                    .map_err(|_| malformed("the compressed body does not inflate"))?;
                &inflated[..]
            }
            other => {
                return Err(TokenError::Malformed(format!(
                    "format {other} is not supported (this lockstep reads formats {PLAIN} and \
                     {DEFLATED})"
                )))
            }
        };
        let strategy = StrategyTag::from_u64(get_varint(&mut rest)?)
            .ok_or_else(|| malformed("unknown strategy"))?;
        let seed = get_varint(&mut rest)?;
        let fault_budget =
            usize::try_from(get_varint(&mut rest)?).map_err(|_| malformed("budget"))?;
        let max_steps = usize::try_from(get_varint(&mut rest)?).map_err(|_| malformed("bound"))?;
        let fingerprint =
            u32::try_from(get_varint(&mut rest)?).map_err(|_| malformed("fingerprint"))?;
        let count = get_varint(&mut rest)?;
        if count > rest.len() as u64 {
            return Err(malformed("truncated choice list"));
        }
        let mut choices = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let c = u32::try_from(get_varint(&mut rest)?).map_err(|_| malformed("choice"))?;
            choices.push(c);
        }
        let label_len = get_varint(&mut rest)?;
        if label_len != rest.len() as u64 {
            return Err(malformed("bad label length"));
        }
        let label = std::str::from_utf8(rest)
            .map_err(|_| malformed("the label is not UTF-8"))?
            .to_owned();
        Ok(Token {
            label,
            strategy,
            seed,
            fault_budget,
            max_steps,
            fingerprint,
            choices,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token() -> Token {
        Token {
            label: "handoff/buggy@1".into(),
            strategy: StrategyTag::Pct,
            seed: 0xfeed_beef_1234,
            fault_budget: 2,
            max_steps: 10_000,
            fingerprint: 0xabcd_ef01,
            choices: vec![0, 1, 2, 300, 1],
        }
    }

    #[test]
    fn tokens_round_trip() {
        let t = token();
        let text = t.encode();
        assert!(text.starts_with("ls1-"));
        assert!(text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c)));
        assert_eq!(Token::decode(&text), Ok(t));
    }

    #[test]
    fn long_repetitive_streams_are_compressed() {
        let mut t = token();
        t.choices = (0..100_000).map(|i| 1 + 2 * (i % 2)).collect();
        let text = t.encode();
        assert!(text.len() < 1_000, "{} characters", text.len());
        assert_eq!(Token::decode(&text), Ok(t));
    }

    #[test]
    fn malformed_tokens_are_refused_with_a_reason() {
        let good = token().encode();
        let mut flipped = good.clone().into_bytes();
        let last = flipped.len() - 3;
        flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
        let flipped = String::from_utf8(flipped).unwrap();
        for bad in [
            "",
            "ls1-",
            "xx-AAAA",
            "ls1-@@@@",
            &good[..good.len() - 2],
            &flipped,
        ] {
            let err = Token::decode(bad).unwrap_err();
            assert!(matches!(err, TokenError::Malformed(_)), "{bad:?}: {err}");
        }
    }
}
