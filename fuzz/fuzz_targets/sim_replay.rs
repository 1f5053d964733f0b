//! Replay tokens are user input (`lockstep replay TOKEN`, a pasted repro line), and a token is
//! the one thing a failure report promises reproduces it. This target checks both:
//!
//! - **Real replays.** The fuzzer's bytes are a schedule (`lockstep_sim::fuzz::try_run`) of a
//!   model that fails in some schedules (a lost wakeup when a fault skips the notification, an
//!   assertion on a racy read); every failure's token — shrunk or not, by an input bit — must
//!   replay to the same failure (kind, message, the same token again), and the token with one
//!   character changed must replay to that failure or be refused with a `TokenError`, never
//!   anything else.
//! - **Arbitrary strings.** Inputs with the low bit of the first byte clear are replayed as
//!   text: any string returns an execution or a `TokenError`, never a panic or a hang.

#![no_main]

use libfuzzer_sys::fuzz_target;
use lockstep::sync::atomic::AtomicU64;
use lockstep::sync::{thread, Arc, Condvar, Mutex};
use lockstep_sim::{fault, try_replay, Builder, FailureKind, Replayed, Sim};
use std::sync::atomic::Ordering::SeqCst;

/// A waker hands a flag over through a lock and a condvar, unless a fault makes it skip the
/// notification (then the waiter's untimed wait deadlocks); meanwhile a racy counter is bumped
/// by a load and a store on both sides, and an update lost to the race fails the assertion.
fn model() {
    let pair: Arc<(Mutex<bool, Sim>, Condvar<Sim>, AtomicU64<Sim>), Sim> =
        Arc::new((Mutex::new(false), Condvar::new(), AtomicU64::new(0)));
    let waker = {
        let pair = pair.clone();
        thread::spawn::<Sim, _, _>(move || {
            let n = pair.2.load(SeqCst);
            pair.2.store(n + 1, SeqCst);
            *pair.0.lock() = true;
            if !fault("waker.skip") {
                pair.1.notify_one();
            }
        })
    };
    let n = pair.2.load(SeqCst);
    pair.2.store(n + 1, SeqCst);
    let flag = pair.1.wait_while(pair.0.lock(), |f| !*f);
    drop(flag);
    waker.join().unwrap();
    assert_eq!(pair.2.load(SeqCst), 2, "an update was lost");
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 1 == 0 {
        // Ok (the execution passed or failed) and Err (malformed, mismatch) are both fine.
        let _ = try_replay(&String::from_utf8_lossy(rest), model);
        return;
    }
    let builder = Builder::fuzz(1).fault_budget(1).shrink(mode & 2 != 0);
    let Err(failure) = lockstep_sim::fuzz::try_run(&builder, rest, model) else {
        return;
    };
    assert!(
        matches!(failure.kind, FailureKind::Deadlock | FailureKind::Panic),
        "only the model's own failures: {failure}"
    );
    match try_replay(&failure.token, model) {
        Ok(Replayed::Failed(again)) => {
            assert_eq!(again.kind, failure.kind, "{failure}\n---\n{again}");
            assert_eq!(again.message, failure.message);
            assert_eq!(
                again.token, failure.token,
                "a replay records the same token"
            );
        }
        other => panic!("the token of\n{failure}\ndid not replay it: {other:?}"),
    }
    // One character changed: the same failure, or a clear refusal.
    let at = usize::from(mode >> 2) % failure.token.len();
    let mut forged: Vec<char> = failure.token.chars().collect();
    forged[at] = if forged[at] == 'A' { 'B' } else { 'A' };
    let forged: String = forged.into_iter().collect();
    match try_replay(&forged, model) {
        Ok(Replayed::Failed(again)) => assert_eq!(again.message, failure.message),
        Ok(other) => panic!("a forged token replayed to {other:?}"),
        Err(_) => {}
    }
});
