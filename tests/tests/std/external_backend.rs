//! A backend defined outside `lockstep`: proof that the `Runtime` trait is implementable by
//! another crate (as lockstep-sim does) without changing `lockstep`. `Counting` delegates to
//! `Std` and counts lock acquisitions (through `lockstep_tests::forwarding_runtime!`), then
//! runs the hand-off model.

use lockstep::sync::{Runtime, Std};
use lockstep_models::handoff::Handoff;
use std::sync::atomic::{AtomicUsize, Ordering};

static LOCKS: AtomicUsize = AtomicUsize::new(0);

struct Counting;

// Written out by the macro: every item forwards to `Std`, `mutex_lock` counts first.
lockstep_tests::forwarding_runtime!(Counting => Std {
    name: "counting",
    spins: 0,
    before_lock: || LOCKS.fetch_add(1, Ordering::Relaxed),
});

#[test]
fn a_backend_from_another_crate_runs_unchanged_component_code() {
    let handoff = Handoff::fixed(3, 5);
    assert_eq!(handoff.run::<Counting>(), handoff.expected_order());
    // Every turn takes the lock at least once, plus the final read of the log.
    assert!(LOCKS.load(Ordering::Relaxed) > 15);
    // The channel, written once on the facade, runs on it too.
    let (tx, rx) = lockstep::sync::channel::bounded::<u32, Counting>(1);
    tx.send(4).unwrap();
    assert_eq!(rx.recv(), Ok(4));
}

#[test]
fn spinning_before_blocking_is_off_unless_a_backend_opts_in() {
    use lockstep::sync::spin_until;
    let mut checks = 0;
    assert!(!spin_until::<Counting>(|| {
        checks += 1;
        true
    }));
    assert_eq!(checks, 0, "a backend that does not opt in never spins");
    let mut checks = 0;
    assert!(!spin_until::<Std>(|| {
        checks += 1;
        false
    }));
    assert_eq!(checks, Std::SPINS_BEFORE_BLOCKING);
    let mut checks = 0;
    assert!(spin_until::<Std>(|| {
        checks += 1;
        checks == 3
    }));
    assert_eq!(checks, 3, "stops at the first check that holds");
}
