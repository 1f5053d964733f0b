//! Replay tokens are user input (`lockstep replay TOKEN`, a pasted repro line). Replaying any
//! string on a model must return the execution or a clear `TokenError`, never panic or hang.
//!
//! Random text rarely gets past a token's base64 and checksum, so half the inputs are turned
//! into well-framed tokens (`ls1-`, a format byte, the fuzzer's bytes as the field stream, a
//! valid checksum): that exercises the field decoder, the inflater and the strict replay of an
//! arbitrary choice stream against a real model (a lock, a condvar, a fault point).

#![no_main]

use base64::Engine;
use libfuzzer_sys::fuzz_target;
use lockstep::sync::{thread, Arc, Condvar, Mutex};
use lockstep_sim::{fault, try_replay, Sim};

/// Two threads hand a flag over through a lock and a condvar; the waker may "fail" by fault.
fn model() {
    let pair: Arc<(Mutex<bool, Sim>, Condvar<Sim>), Sim> =
        Arc::new((Mutex::new(false), Condvar::new()));
    let waker = {
        let pair = pair.clone();
        thread::spawn::<Sim, _, _>(move || {
            if fault("waker.skip") {
                return;
            }
            *pair.0.lock() = true;
            pair.1.notify_one();
        })
    };
    let (flag, _timed_out) =
        pair.1
            .wait_timeout_while(pair.0.lock(), std::time::Duration::from_millis(1), |f| !*f);
    drop(flag);
    waker.join().unwrap();
}

/// FNV-1a, 32-bit: the token format's checksum (see `lockstep-sim/src/token.rs`).
fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811C_9DC5, |h: u32, &b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let token = if mode & 1 == 0 {
        String::from_utf8_lossy(rest).into_owned()
    } else {
        // Format 1 (plain fields) or 2 (deflated fields), then the fuzzer's bytes.
        let mut body = vec![1 + (mode >> 1 & 1)];
        body.extend_from_slice(rest);
        let checksum = fnv1a(&body);
        body.extend_from_slice(&checksum.to_le_bytes());
        format!(
            "ls1-{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(body)
        )
    };
    // Ok (the execution passed or failed) and Err (malformed, mismatch) are both fine.
    let _ = try_replay(&token, model);
});
