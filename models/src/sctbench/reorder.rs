//! `reorder_N`: setters write two variables in order; checkers expect to see both writes or
//! neither.
//!
//! **Original** (`benchmarks/concurrent-software-benchmarks/reorder_bad.c.skip`, instantiated as
//! the preprocessed `reorder_{3,4,5,10,20}_bad.c`; PERIOD added `reorder_50` and `reorder_100`):
//! globals `a = 0`, `b = 0`, no locks. `iSet` setter threads each write `a = 1` then `b = -1`;
//! `iCheck` checker threads each evaluate `(a == 0 && b == 0) || (a == 1 && b == -1)` and fail an
//! assertion if it is false. `main` creates all setters, then all checkers, and joins them.
//!
//! **Bug**: a checker that reads in the window after the first `a = 1` and before the first
//! `b = -1` sees `a == 1, b == 0` and fails. Every setter that completes closes the window for
//! good (both values then stay written), so the window is only open while *no* setter has
//! written `b` yet: the checker must run between some setter's two writes and before every
//! other setter's second write — harder for schedulers that let many setters run to completion.
//!
//! **Published instances** (setters + checkers = N): `reorder_3` 2 + 1, `reorder_4` 3 + 1,
//! `reorder_5` 4 + 1, `reorder_10` 9 + 1, `reorder_20` 10 + 10, `reorder_50` 40 + 10 (PERIOD),
//! `reorder_100` 99 + 1 (PERIOD).
//!
//! **Port**: `a` and `b` are facade atomics (signed values in a `u64`); the checker's condition
//! is evaluated with the C's short-circuit order, one read per atomic load (up to four reads).

use super::{Int, Threads};
use lockstep::sync::{Arc, Runtime};

/// The published instances: (N, setters, checkers).
pub const PUBLISHED: [(usize, usize, usize); 7] = [
    (3, 2, 1),
    (4, 3, 1),
    (5, 4, 1),
    (10, 9, 1),
    (20, 10, 10),
    (50, 40, 10),
    (100, 99, 1),
];

/// (setters, checkers) of `reorder_n`: the published split, else `n - 1` setters and one
/// checker. Panics unless `2 <= n <= 100`.
pub fn split(n: usize) -> (usize, usize) {
    assert!(
        (2..=100).contains(&n),
        "reorder_N needs 2 <= N <= 100, got {n}"
    );
    PUBLISHED
        .iter()
        .find(|p| p.0 == n)
        .map_or((n - 1, 1), |p| (p.1, p.2))
}

struct Shared<R: Runtime> {
    a: Int<R>,
    b: Int<R>,
}

/// `reorder` with `setters` setter threads and `checkers` checker threads.
pub fn run<R: Runtime>(setters: usize, checkers: usize) {
    let shared: Arc<Shared<R>, R> = Arc::new(Shared {
        a: Int::new(0),
        b: Int::new(0),
    });
    let mut threads = Threads::<R>::new();
    for i in 0..setters {
        let s = shared.clone();
        threads.spawn(format!("set-{i}"), move || {
            s.a.set(1);
            s.b.set(-1);
        });
    }
    for i in 0..checkers {
        let s = shared.clone();
        threads.spawn(format!("check-{i}"), move || {
            let consistent =
                (s.a.get() == 0 && s.b.get() == 0) || (s.a.get() == 1 && s.b.get() == -1);
            assert!(consistent, "a checker saw a = 1 before b = -1");
        });
    }
    threads.join_all();
}

/// `reorder_n`, split as [`split`] says.
pub fn reorder<R: Runtime>(n: usize) {
    let (setters, checkers) = split(n);
    run::<R>(setters, checkers)
}
