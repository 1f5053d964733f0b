//! `wronglock_N`: two groups of threads update one counter under two different locks.
//!
//! **Original** (`benchmarks/concurrent-software-benchmarks/wronglock_bad.c`, preprocessed with
//! other defaults as `wronglock_3_bad.c`): `volatile int dataValue`, mutexes `dataLock` and
//! `thisLock`. `iNum1` `funcA` threads, under `dataLock`, read `x = dataValue`, increment
//! `dataValue`, and fail an assertion if `dataValue != x + 1`. `iNum2` `funcB` threads increment
//! `dataValue` under `thisLock` — the wrong lock. `main` creates the `funcA` threads first.
//!
//! **Bug**: `funcA`'s lock does not exclude `funcB`. A `funcB` increment (its read or write) that
//! lands between `funcA`'s read of `x` and its re-read of `dataValue` makes the check fail (or a
//! lost update makes `dataValue` differ from `x + 1`).
//!
//! **Published instances**: `wronglock` is the file's default, 1 `funcA` + 7 `funcB` (8
//! threads); `wronglock_3` is 1 + 3 (4 threads). N counts the `funcB` threads.
//!
//! **Port**: `dataValue` is a facade atomic; each C `dataValue++` stays a separate read and
//! write (two scheduling points), as in the instrumented C. The locks are `Mutex<()>`.

use super::{Int, Threads};
use lockstep::sync::{Arc, Mutex, Runtime};

struct Shared<R: Runtime> {
    data_value: Int<R>,
    data_lock: Mutex<(), R>,
    this_lock: Mutex<(), R>,
}

/// `wronglock` with `num1` `funcA` threads and `num2` `funcB` threads.
pub fn run<R: Runtime>(num1: usize, num2: usize) {
    let shared: Arc<Shared<R>, R> = Arc::new(Shared {
        data_value: Int::new(0),
        data_lock: Mutex::new(()),
        this_lock: Mutex::new(()),
    });
    let mut threads = Threads::<R>::new();
    for i in 0..num1 {
        let s = shared.clone();
        threads.spawn(format!("funcA-{i}"), move || {
            let _l = s.data_lock.lock();
            let x = s.data_value.get();
            s.data_value.set(s.data_value.get() + 1);
            assert!(
                s.data_value.get() == x + 1,
                "Bug Found! dataValue changed under funcA's lock"
            );
        });
    }
    for i in 0..num2 {
        let s = shared.clone();
        threads.spawn(format!("funcB-{i}"), move || {
            let _l = s.this_lock.lock();
            s.data_value.set(s.data_value.get() + 1);
        });
    }
    threads.join_all();
}

/// `wronglock_n`: one `funcA` thread and `n` `funcB` threads (`n = 7`: `wronglock`, `n = 3`:
/// `wronglock_3`). Panics unless `1 <= n <= 100`.
pub fn wronglock<R: Runtime>(n: usize) {
    assert!(
        (1..=100).contains(&n),
        "wronglock_N needs 1 <= N <= 100, got {n}"
    );
    run::<R>(1, n)
}
