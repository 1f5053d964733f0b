//! `twostage_N`: a two-stage update under two locks, observed between the stages.
//!
//! **Original** (`benchmarks/concurrent-software-benchmarks/twostage_bad.c`, preprocessed as
//! `twostage_100_bad.c`; PERIOD added `twostage_20` and `twostage_50`): `data1Value` and
//! `data2Value`, each with its own mutex. `funcA` threads set `data1Value = 1` under
//! `data1Lock`, release it, then under `data2Lock` set `data2Value = data1Value + 1` (reading
//! `data1Value` without its lock). `funcB` threads, under `data1Lock`, return if `data1Value` is
//! 0, else read it into `t1`; release; read `data2Value` into `t2` under `data2Lock`; and fail an
//! assertion unless `t2 == t1 + 1`. `main` creates all `funcA` threads, then all `funcB` ones.
//!
//! **Bug**: the two stages are separate critical sections. A reader that runs after some writer's
//! first stage (`data1Value == 1`) and before every writer's second stage reads `t1 = 1`,
//! `t2 = 0` and fails: the writer must be preempted between its two critical sections.
//!
//! **Published instances** (writers + readers = N): `twostage` 1 + 1 (the file's defaults),
//! `twostage_20` 10 + 10, `twostage_50` 40 + 10 (PERIOD), `twostage_100` 99 + 1.
//!
//! **Port**: both values are facade atomics, since `data1Value` is also read outside its lock;
//! the locks are `Mutex<()>`, taken where the C takes them.

use super::{Int, Threads};
use lockstep::sync::{Arc, Mutex, Runtime};

/// The published instances: (N, writers, readers).
pub const PUBLISHED: [(usize, usize, usize); 4] =
    [(2, 1, 1), (20, 10, 10), (50, 40, 10), (100, 99, 1)];

/// (writers, readers) of `twostage_n`: the published split, else `n - 1` writers and one
/// reader. Panics unless `2 <= n <= 100`.
pub fn split(n: usize) -> (usize, usize) {
    assert!(
        (2..=100).contains(&n),
        "twostage_N needs 2 <= N <= 100, got {n}"
    );
    PUBLISHED
        .iter()
        .find(|p| p.0 == n)
        .map_or((n - 1, 1), |p| (p.1, p.2))
}

struct Shared<R: Runtime> {
    data1_value: Int<R>,
    data2_value: Int<R>,
    data1_lock: Mutex<(), R>,
    data2_lock: Mutex<(), R>,
}

impl<R: Runtime> Shared<R> {
    fn func_a(&self) {
        {
            let _l = self.data1_lock.lock();
            self.data1_value.set(1);
        }
        let _l = self.data2_lock.lock();
        self.data2_value.set(self.data1_value.get() + 1);
    }

    fn func_b(&self) {
        let t1 = {
            let _l = self.data1_lock.lock();
            if self.data1_value.get() == 0 {
                return;
            }
            self.data1_value.get()
        };
        let t2 = {
            let _l = self.data2_lock.lock();
            self.data2_value.get()
        };
        assert!(t2 == t1 + 1, "Bug found! t1 = {t1}, t2 = {t2}");
    }
}

/// `twostage` with `writers` `funcA` threads and `readers` `funcB` threads.
pub fn run<R: Runtime>(writers: usize, readers: usize) {
    let shared: Arc<Shared<R>, R> = Arc::new(Shared {
        data1_value: Int::new(0),
        data2_value: Int::new(0),
        data1_lock: Mutex::new(()),
        data2_lock: Mutex::new(()),
    });
    let mut threads = Threads::<R>::new();
    for i in 0..writers {
        let s = shared.clone();
        threads.spawn(format!("funcA-{i}"), move || s.func_a());
    }
    for i in 0..readers {
        let s = shared.clone();
        threads.spawn(format!("funcB-{i}"), move || s.func_b());
    }
    threads.join_all();
}

/// `twostage_n`, split as [`split`] says.
pub fn twostage<R: Runtime>(n: usize) {
    let (writers, readers) = split(n);
    run::<R>(writers, readers)
}
