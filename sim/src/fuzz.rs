//! The cargo-fuzz / libFuzzer entry: run a model once with every scheduling and fault choice
//! drawn from the fuzzer's bytes, so that libFuzzer's coverage guidance and corpus drive the
//! interleavings.
//!
//! ```ignore
//! // fuzz/fuzz_targets/my_model.rs
//! #![no_main]
//! libfuzzer_sys::fuzz_target!(|data: &[u8]| lockstep_sim::fuzz::run(data, my_model));
//! ```
//!
//! Guarantees:
//! - **Total**: any byte string is a valid schedule. At a decision with `k ≥ 2` runnable
//!   threads one byte `b` picks the `b mod k`-th of them, counting the thread that ran last (if
//!   it can go on and did not yield; after a yield, the next runnable thread round robin) as
//!   the 0th — so byte 0 never preempts; a choice with `n` options (which
//!   waiter a `notify_one` wakes, whether a fault fires) takes `b mod n`. When the bytes run out
//!   every further choice is 0: the schedule ends without preemptions and without faults,
//!   deterministically. Decisions with one runnable thread consume nothing.
//! - **Deterministic**: the same bytes and the same program give the same execution.
//! - **A failure is a panic** with the usual report (shrunk, unless shrinking is off) and its
//!   replay token (checker `sim-fuzz`), which [`crate::replay`] and `lockstep replay` reproduce;
//!   [`try_run`] returns it instead. Nothing else panics: a correct model returns normally
//!   for every input.
//!
//! Limits (fault budget, step bound, shrinking, label) come from the [`Builder`] given to
//! [`run_with`]/[`try_run`] and the `LOCKSTEP_*` environment, as for any run; its strategy and
//! iteration count are ignored (one execution per input).

use crate::config::Strategy;
use crate::exec::sched::Outcome;
use crate::failure::Failure;
use crate::op::ThreadId;
use crate::session::Session;
use crate::strategy::{Decision, Ended, OptionKind, Pick, Scheduler};
use crate::Builder;
use std::panic::Location;
use std::sync::Arc;

/// Run `model` once on the schedule `data` encodes; panic with the report and token if it
/// fails. The default limits (`Builder::fuzz(1)` and the environment).
#[track_caller]
pub fn run<F: Fn() + Send + Sync + 'static>(data: &[u8], model: F) {
    run_with(&Builder::fuzz(1), data, model);
}

/// [`run`] with the limits of `builder` (fault budget, step bound, shrinking, label).
#[track_caller]
pub fn run_with<F: Fn() + Send + Sync + 'static>(builder: &Builder, data: &[u8], model: F) {
    if let Err(failure) = try_run(builder, data, model) {
        panic!("{failure}");
    }
}

/// Run `model` once on the schedule `data` encodes and return its failure, if it fails (or
/// the settings cannot run: an `Invalid` failure).
#[track_caller]
pub fn try_run<F: Fn() + Send + Sync + 'static>(
    builder: &Builder,
    data: &[u8],
    model: F,
) -> Result<(), Failure> {
    let mut config = builder.resolved()?;
    config.strategy = Strategy::Fuzz { iterations: 1 };
    let session = Session::new(&config, Arc::new(model), Location::caller());
    let result = session.execute(&mut Bytes::new(data));
    match result.outcome {
        Outcome::Ok { .. } | Outcome::Pruned => Ok(()),
        _ => Err(session.failure_of(result, 1)),
    }
}

/// The 0th choice: the thread that ran last, unless it yielded or slept (then the next
/// runnable thread after it, round robin, so that spinning threads take turns), else the lowest
/// runnable id.
fn default_thread(decision: &Decision<'_>) -> ThreadId {
    use crate::op::OpKind;
    let gave_way = matches!(decision.last_op, Some(OpKind::Yield | OpKind::Sleep));
    match decision.last {
        Some(last) if gave_way => {
            let n = decision.threads.len();
            (1..=n)
                .map(|k| (last + k) % n)
                .find(|&t| decision.threads[t].enabled)
                .unwrap_or_else(|| decision.non_preemptive())
        }
        _ => decision.non_preemptive(),
    }
}

/// The strategy that reads its choices from bytes.
struct Bytes<'a> {
    data: &'a [u8],
    at: usize,
    ran: bool,
}

impl<'a> Bytes<'a> {
    fn new(data: &'a [u8]) -> Self {
        Bytes {
            data,
            at: 0,
            ran: false,
        }
    }

    /// The next byte, or 0 once they ran out.
    fn next_byte(&mut self) -> usize {
        let byte = self.data.get(self.at).copied().unwrap_or(0);
        self.at = self.at.saturating_add(1);
        usize::from(byte)
    }
}

impl Scheduler for Bytes<'_> {
    fn next_execution(&mut self) -> bool {
        !std::mem::replace(&mut self.ran, true)
    }

    fn pick_thread(&mut self, decision: &Decision<'_>) -> Pick {
        let first = default_thread(decision);
        let mut order: Vec<ThreadId> = vec![first];
        order.extend(decision.enabled().filter(|&t| t != first));
        if order.len() == 1 {
            return Pick::Thread(first);
        }
        let index = self.next_byte() % order.len();
        Pick::Thread(order[index])
    }

    fn pick_option(&mut self, _: OptionKind, n: usize, _: ThreadId) -> Result<usize, String> {
        Ok(self.next_byte() % n)
    }

    fn end_execution(&mut self, _: Ended, _: usize) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;
    use crate::strategy::textbook::{lost_update, spin_handshake};
    use crate::{FailureKind, Replayed};

    /// Random byte strings of every length: a correct model never fails; a buggy one fails
    /// only with its bug, and every failure's token replays it.
    #[test]
    fn any_bytes_are_a_schedule() {
        let mut rng = Rng::new(11);
        let quick = Builder::fuzz(1).shrink(false);
        let mut failures = 0;
        for len in 0..300 {
            let data: Vec<u8> = (0..len % 64).map(|_| rng.next_u64() as u8).collect();
            assert!(try_run(&quick, &data, spin_handshake).is_ok());
            match try_run(&quick, &data, lost_update) {
                Ok(()) => {}
                Err(failure) => {
                    assert_eq!(failure.kind, FailureKind::Panic, "{failure}");
                    assert_eq!(failure.checker, lockstep::check::Checker::SimFuzz);
                    match crate::try_replay(&failure.token, lost_update) {
                        Ok(Replayed::Failed(again)) => {
                            assert_eq!(again.message, failure.message);
                            assert_eq!(again.token, failure.token);
                        }
                        other => panic!("{other:?}"),
                    }
                    failures += 1;
                }
            }
        }
        assert!(failures > 0, "no byte string found the lost update");
        assert!(
            try_run(&quick, &[], lost_update).is_ok(),
            "no bytes: no preemption"
        );
    }

    /// `run` panics with the report, which names the token to replay.
    #[test]
    fn a_failure_panics_with_the_report() {
        let found = (0..=255u8).find_map(|b| {
            let data = [b, b.wrapping_mul(7), 1, 2, 3];
            std::panic::catch_unwind(|| run(&data, lost_update)).err()
        });
        let payload = found.expect("some two-byte schedule loses the update");
        let text = lockstep::sync::thread::panic_message(&*payload).to_owned();
        assert!(text.contains("ls1-"), "{text}");
    }
}
