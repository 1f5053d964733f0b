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
use lockstep::check::{Backend, Checker};

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

/// A decoded replay token: the model it belongs to and the schedule that reproduces the
/// execution. Decode a token once with [`Token::decode`];
/// [`try_replay_token`](crate::try_replay_token) replays it on the simulator, and a checker of
/// another backend reads [`Token::shuttle_schedule`].
///
/// ```
/// use lockstep_sim::Token;
/// use lockstep::check::Checker;
/// let token = Token::shuttle(Checker::ShuttlePct, "mine/buggy@1", "shuttle1:AAEC").unwrap();
/// let text = token.to_string();
/// assert!(text.starts_with("ls1-"));
/// assert_eq!(Token::decode(&text).unwrap(), token);
/// assert_eq!(token.label(), "mine/buggy@1");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Names the model the token belongs to (`model/variant@version`), empty if unnamed.
    pub(crate) label: String,
    /// The checker whose schedule the token carries (its backend decides the body's form).
    pub(crate) checker: Checker,
    pub(crate) body: Body,
}

/// What a token replays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Body {
    /// A lockstep-sim execution.
    Sim(SimSchedule),
    /// A schedule in another checker's own text form (shuttle's `shuttle1:` string).
    Foreign(String),
}

/// A lockstep-sim execution: the limits that shape it, the choice stream and the trace's
/// fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SimSchedule {
    pub(crate) seed: u64,
    pub(crate) fault_budget: usize,
    pub(crate) max_steps: usize,
    pub(crate) fingerprint: u32,
    pub(crate) choices: Vec<u32>,
}

/// Tag of a token written by lockstep 0.1 for an execution found by a replay (read as DFS).
const LEGACY_REPLAY: u64 = 3;

impl Token {
    /// A token carrying a schedule that shuttle `checker` recorded (`shuttle1:…`, from
    /// `lockstep::check::shuttle`) for the model labelled `label`, in the same checksummed
    /// container as simulator tokens. `None` if `checker` is not a shuttle checker.
    pub fn shuttle(
        checker: Checker,
        label: impl Into<String>,
        schedule: impl Into<String>,
    ) -> Option<Token> {
        (checker.backend() == Backend::Shuttle).then(|| Token {
            label: label.into(),
            checker,
            body: Body::Foreign(schedule.into()),
        })
    }

    /// The label of the model the token was recorded for (`model/variant@version`); empty when
    /// it was recorded outside a registry.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The checker that found the execution.
    pub fn checker(&self) -> Checker {
        self.checker
    }

    /// The backend that can replay the token.
    pub fn backend(&self) -> Backend {
        match self.body {
            Body::Sim(_) => Backend::Sim,
            Body::Foreign(_) => self.checker.backend(),
        }
    }

    /// The shuttle schedule the token carries, if it is a shuttle token.
    pub fn shuttle_schedule(&self) -> Option<&str> {
        match &self.body {
            Body::Foreign(schedule) if self.checker.backend() == Backend::Shuttle => Some(schedule),
            _ => None,
        }
    }

    /// The step bound and fault budget a simulator token was recorded with (`None` for other
    /// backends): a replay runs with exactly these limits.
    pub fn limits(&self) -> Option<(usize, usize)> {
        match &self.body {
            Body::Sim(s) => Some((s.max_steps, s.fault_budget)),
            Body::Foreign(_) => None,
        }
    }

    pub(crate) fn sim(&self) -> Option<&SimSchedule> {
        match &self.body {
            Body::Sim(schedule) => Some(schedule),
            Body::Foreign(_) => None,
        }
    }
}

impl std::fmt::Display for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.encode())
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
    /// The token's text form: `ls1-` and URL-safe base64 of the (maybe deflated) fields and a
    /// checksum.
    pub fn encode(&self) -> String {
        let payload = self.payload();
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

    /// The fields: the checker's code, then the body (simulator: seed, limits, fingerprint and
    /// choices; foreign: the schedule text), then the label.
    fn payload(&self) -> Vec<u8> {
        let mut payload = Vec::with_capacity(16);
        put_varint(&mut payload, u64::from(self.checker.code()));
        match &self.body {
            Body::Sim(s) => {
                payload.reserve(s.choices.len());
                for field in [
                    s.seed,
                    s.fault_budget as u64,
                    s.max_steps as u64,
                    u64::from(s.fingerprint),
                    s.choices.len() as u64,
                ] {
                    put_varint(&mut payload, field);
                }
                for &c in &s.choices {
                    put_varint(&mut payload, u64::from(c));
                }
            }
            Body::Foreign(text) => put_bytes(&mut payload, text.as_bytes()),
        }
        put_bytes(&mut payload, self.label.as_bytes());
        payload
    }

    /// Decode a token's text form; every malformed input is a [`TokenError::Malformed`] with
    /// the reason, never a panic.
    pub fn decode(text: &str) -> Result<Self, TokenError> {
        let payload = unwrap_container(text)?;
        let mut rest = &payload[..];
        let code = get_varint(&mut rest)?;
        let checker = match code {
            LEGACY_REPLAY => Checker::SimDfs,
            code => Checker::from_code(code).ok_or_else(|| malformed("unknown checker"))?,
        };
        let body = match checker.backend() {
            Backend::Sim => Body::Sim(decode_sim(&mut rest)?),
            _ => Body::Foreign(get_string(&mut rest, "schedule")?),
        };
        let label = get_string(&mut rest, "label")?;
        if !rest.is_empty() {
            return Err(malformed("trailing bytes"));
        }
        Ok(Token {
            label,
            checker,
            body,
        })
    }
}

fn malformed(why: &str) -> TokenError {
    TokenError::Malformed(why.into())
}

/// Check the prefix, base64, checksum and format byte; returns the (inflated) fields.
fn unwrap_container(text: &str) -> Result<Vec<u8>, TokenError> {
    let text = text.trim();
    let body = text.strip_prefix(PREFIX).ok_or_else(|| {
        let start: String = text.chars().take(12).collect();
        TokenError::Malformed(format!("{start:?}… does not start with `{PREFIX}`"))
    })?;
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
    match format {
        PLAIN => Ok(rest.to_vec()),
        DEFLATED => miniz_oxide::inflate::decompress_to_vec_with_limit(rest, MAX_PAYLOAD)
            .map_err(|_| malformed("the compressed body does not inflate")),
        other => Err(TokenError::Malformed(format!(
            "format {other} is not supported (this lockstep reads formats {PLAIN} and {DEFLATED})"
        ))),
    }
}

fn decode_sim(rest: &mut &[u8]) -> Result<SimSchedule, TokenError> {
    let seed = get_varint(rest)?;
    let fault_budget = usize::try_from(get_varint(rest)?).map_err(|_| malformed("budget"))?;
    let max_steps = usize::try_from(get_varint(rest)?).map_err(|_| malformed("bound"))?;
    let fingerprint = u32::try_from(get_varint(rest)?).map_err(|_| malformed("fingerprint"))?;
    let count = get_varint(rest)?;
    if count > rest.len() as u64 {
        return Err(malformed("truncated choice list"));
    }
    let mut choices = Vec::with_capacity(count as usize);
    for _ in 0..count {
        choices.push(u32::try_from(get_varint(rest)?).map_err(|_| malformed("choice"))?);
    }
    Ok(SimSchedule {
        seed,
        fault_budget,
        max_steps,
        fingerprint,
        choices,
    })
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn get_string(rest: &mut &[u8], what: &str) -> Result<String, TokenError> {
    let len = get_varint(rest)?;
    if len > rest.len() as u64 {
        return Err(TokenError::Malformed(format!("truncated {what}")));
    }
    let (bytes, tail) = rest.split_at(len as usize);
    *rest = tail;
    std::str::from_utf8(bytes)
        .map(str::to_owned)
        .map_err(|_| TokenError::Malformed(format!("the {what} is not UTF-8")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token() -> Token {
        Token {
            label: "handoff/buggy@1".into(),
            checker: Checker::SimPct,
            body: Body::Sim(SimSchedule {
                seed: 0xfeed_beef_1234,
                fault_budget: 2,
                max_steps: 10_000,
                fingerprint: 0xabcd_ef01,
                choices: vec![0, 1, 2, 300, 1],
            }),
        }
    }

    #[test]
    fn no_checker_takes_the_legacy_code() {
        assert!(Checker::ALL
            .iter()
            .all(|c| u64::from(c.code()) != LEGACY_REPLAY));
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
        if let Body::Sim(s) = &mut t.body {
            s.choices = (0..100_000).map(|i| 1 + 2 * (i % 2)).collect();
        }
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

    #[test]
    fn shuttle_schedules_share_the_container() {
        assert_eq!(Token::shuttle(Checker::SimPct, "x/y@1", "s"), None);
        let t = Token::shuttle(Checker::ShuttlePct, "abba/buggy@1", "shuttle1:AQID").unwrap();
        let text = t.encode();
        assert!(text.starts_with("ls1-"));
        let back = Token::decode(&text).unwrap();
        assert_eq!(back.shuttle_schedule(), Some("shuttle1:AQID"));
        assert_eq!(back.checker(), Checker::ShuttlePct);
        assert_eq!(back.backend(), Backend::Shuttle);
        assert_eq!(back.limits(), None);
        // A flipped character is caught by the checksum, as for simulator tokens.
        let mut bytes = text.into_bytes();
        let i = bytes.len() / 2;
        bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
        let err = Token::decode(&String::from_utf8(bytes).unwrap()).unwrap_err();
        assert!(matches!(err, TokenError::Malformed(_)), "{err}");
    }
}
