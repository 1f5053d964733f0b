//! Replay tokens are user input: decoding any string must return a value or a clear error,
//! never panic, and a decoded schedule must re-encode to a token that decodes to itself.

#![no_main]

use libfuzzer_sys::fuzz_target;
use lockstep::check::shuttle::{decode_schedule, encode_schedule};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(schedule) = decode_schedule(text) {
        let again = encode_schedule(&schedule);
        assert_eq!(decode_schedule(&again).as_ref(), Ok(&schedule));
    }
});
