//! Property tests of replay-token decoding: `Token::decode` is user input's first stop (`lockstep
//! replay TOKEN`, a corpus row), so it must never panic — on arbitrary strings, on valid tokens
//! with characters changed, and on payloads altered *behind* a recomputed checksum (which is
//! what reaches the field parser: varints, lengths, the deflate stream). Valid tokens round-trip.

use base64::Engine;
use lockstep::check::Checker;
use lockstep::sync::{thread, Arc, Mutex};
use lockstep_sim::{Builder, Sim, Token, TokenError};
use proptest::prelude::*;
use std::sync::OnceLock;

/// Two threads with a lost update: failing executions of various lengths.
fn lost_update() {
    let n: Arc<Mutex<u32, Sim>, Sim> = Arc::new(Mutex::new(0));
    let hs: Vec<_> = (0..2)
        .map(|_| {
            let n = n.clone();
            thread::spawn::<Sim, _, _>(move || {
                for _ in 0..3 {
                    let v = *n.lock();
                    *n.lock() = v + 1;
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    assert_eq!(*n.lock(), 6);
}

/// Real simulator tokens (plain and, for long choice streams, deflated), and shuttle ones.
fn samples() -> &'static [String] {
    static SAMPLES: OnceLock<Vec<String>> = OnceLock::new();
    SAMPLES.get_or_init(|| {
        let mut tokens: Vec<String> = (0..4)
            .map(|seed| {
                Builder::random(1000)
                    .seed(seed)
                    .shrink(seed % 2 == 0)
                    .label(format!("props/buggy@{seed}"))
                    .run(lost_update)
                    .expect_err("the lost update is found")
                    .token
            })
            .collect();
        tokens.push(
            Token::shuttle(
                Checker::ShuttlePct,
                "abba/buggy@1",
                "shuttle1:0:e:0*3.1*2.0",
            )
            .unwrap()
            .encode(),
        );
        tokens
    })
}

/// FNV-1a, 32-bit: the token container's checksum.
fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811C_9DC5, |hash, &b| {
        (hash ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// The container around `payload` (format byte first), with a correct checksum.
fn container(payload: &[u8]) -> String {
    let mut body = payload.to_vec();
    body.extend_from_slice(&fnv1a(payload).to_le_bytes());
    format!(
        "ls1-{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(body)
    )
}

/// The payload (format byte first, checksum removed) of a valid token.
fn payload(token: &str) -> Vec<u8> {
    let mut bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token.strip_prefix("ls1-").unwrap())
        .unwrap();
    bytes.truncate(bytes.len() - 4);
    bytes
}

/// Decoding `text` returns (never panics); a token it accepts re-encodes to one that decodes
/// to the same token.
fn decodes_safely(text: &str) -> Result<(), TestCaseError> {
    match Token::decode(text) {
        Ok(token) => {
            let again = Token::decode(&token.encode());
            prop_assert_eq!(again.as_ref(), Ok(&token));
        }
        Err(TokenError::Malformed(why)) => prop_assert!(!why.is_empty()),
        Err(other) => prop_assert!(false, "decode gave {other:?}"),
    }
    Ok(())
}

#[derive(Debug, Clone)]
enum Edit {
    Replace(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    Truncate(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Replace(i, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Insert(i, b)),
        any::<usize>().prop_map(Edit::Delete),
        any::<usize>().prop_map(Edit::Truncate),
    ]
}

fn apply(bytes: &mut Vec<u8>, edits: &[Edit]) {
    for edit in edits {
        let len = bytes.len();
        match *edit {
            Edit::Replace(i, b) if len > 0 => bytes[i % len] = b,
            Edit::Insert(i, b) => bytes.insert(i % (len + 1), b),
            Edit::Delete(i) if len > 0 => {
                bytes.remove(i % len);
            }
            Edit::Truncate(i) => bytes.truncate(i % (len + 1)),
            _ => {}
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_strings_never_panic(text in ".{0,300}") {
        decodes_safely(&text)?;
        decodes_safely(&format!("ls1-{text}"))?;
    }

    #[test]
    fn arbitrary_base64_never_panics(text in "[A-Za-z0-9_-]{0,400}") {
        decodes_safely(&format!("ls1-{text}"))?;
    }

    #[test]
    fn valid_tokens_round_trip(index in 0usize..5) {
        let text = &samples()[index];
        let token = Token::decode(text).unwrap();
        prop_assert_eq!(&token.encode(), text);
        prop_assert_eq!(Token::decode(&token.to_string()), Ok(token));
    }

    #[test]
    fn shuttle_tokens_round_trip(
        checker in prop::sample::select(vec![
            Checker::ShuttleRandom, Checker::ShuttlePct, Checker::ShuttleDfs,
        ]),
        label in ".{0,80}",
        schedule in ".{0,300}",
    ) {
        let token = Token::shuttle(checker, label.clone(), schedule.clone()).unwrap();
        let back = Token::decode(&token.encode()).unwrap();
        prop_assert_eq!(back.label(), label.as_str());
        prop_assert_eq!(back.shuttle_schedule(), Some(schedule.as_str()));
        prop_assert_eq!(back.checker(), checker);
        prop_assert_eq!(back, token);
    }

    #[test]
    fn edited_token_text_never_panics(
        index in 0usize..5,
        edits in prop::collection::vec(edit(), 1..6),
    ) {
        let mut bytes = samples()[index].clone().into_bytes();
        apply(&mut bytes, &edits);
        decodes_safely(&String::from_utf8_lossy(&bytes))?;
    }

    /// Changes behind a correct checksum reach the field parser itself.
    #[test]
    fn edited_payloads_never_panic(
        index in 0usize..5,
        edits in prop::collection::vec(edit(), 1..6),
    ) {
        let mut bytes = payload(&samples()[index]);
        apply(&mut bytes, &edits);
        decodes_safely(&container(&bytes))?;
    }

    /// Arbitrary fields, plain or deflated, behind a correct checksum.
    #[test]
    fn arbitrary_payloads_never_panic(
        deflate in any::<bool>(),
        fields in prop::collection::vec(any::<u8>(), 0..200),
    ) {
        let mut payload = vec![if deflate { 2 } else { 1 }];
        if deflate {
            payload.extend(miniz_oxide::deflate::compress_to_vec(&fields, 6));
        } else {
            payload.extend(&fields);
        }
        decodes_safely(&container(&payload))?;
    }
}

/// A deflated payload that inflates past the 64 MiB limit is refused, not inflated.
#[test]
fn a_deflate_bomb_is_refused() {
    let mut fields = vec![0u8; 80 << 20];
    fields[0] = 1; // the checker code
    let mut payload = vec![2];
    payload.extend(miniz_oxide::deflate::compress_to_vec(&fields, 6));
    let err = Token::decode(&container(&payload)).unwrap_err();
    assert!(matches!(err, TokenError::Malformed(_)), "{err}");
}

#[test]
fn the_samples_cover_both_container_formats() {
    let formats: std::collections::BTreeSet<u8> = samples().iter().map(|t| payload(t)[0]).collect();
    assert_eq!(formats, [1, 2].into(), "plain (1) and deflated (2)");
}
