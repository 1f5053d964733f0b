//! `token_ring`: three threads pass a value around a ring; a fourth checks they agree.
//!
//! **Original** (`benchmarks/concurrent-software-benchmarks/token_ring_bad.c`): `x1 = 1`,
//! `x2 = 2`, `x3 = 1`. In one atomic section each (a global mutex standing for ESBMC's
//! `__ESBMC_atomic_begin/end`), `t1` sets `x1 = (x3 + 1) % 4`, `t2` sets `x2 = x1`, `t3` sets
//! `x3 = x2`, each raising its flag; `t4` asserts, if all three flags are up, that
//! `x1 == x2 == x3`.
//!
//! **Bug**: the values agree only if the three writers ran in ring order `t1`, `t2`, `t3` (giving
//! 2, 2, 2). Any other order of the writers followed by `t4` fails the assertion — for example
//! `t2, t1, t3` leaves 2, 1, 1.
//!
//! **Port**: the three values and flags live in the atomic-section mutex. The original's `main`
//! returns without joining (and reuses `id3` for `t4`); here it joins all four, as PERIOD's copy
//! does.

use super::Threads;
use lockstep::sync::{Arc, Mutex, Runtime};

struct Ring {
    x1: i32,
    x2: i32,
    x3: i32,
    flag1: bool,
    flag2: bool,
    flag3: bool,
}

/// `token_ring_bad`.
pub fn bad<R: Runtime>() {
    let ring: Arc<Mutex<Ring, R>, R> = Arc::new(Mutex::new(Ring {
        x1: 1,
        x2: 2,
        x3: 1,
        flag1: false,
        flag2: false,
        flag3: false,
    }));
    let mut threads = Threads::<R>::new();
    let r = ring.clone();
    threads.spawn("t1", move || {
        let mut r = r.lock();
        r.x1 = (r.x3 + 1) % 4;
        r.flag1 = true;
    });
    let r = ring.clone();
    threads.spawn("t2", move || {
        let mut r = r.lock();
        r.x2 = r.x1;
        r.flag2 = true;
    });
    let r = ring.clone();
    threads.spawn("t3", move || {
        let mut r = r.lock();
        r.x3 = r.x2;
        r.flag3 = true;
    });
    threads.spawn("t4", move || {
        let r = ring.lock();
        if r.flag1 && r.flag2 && r.flag3 {
            assert!(
                r.x1 == r.x2 && r.x2 == r.x3,
                "the ring disagrees: x1 = {}, x2 = {}, x3 = {}",
                r.x1,
                r.x2,
                r.x3
            );
        }
    });
    threads.join_all();
}
