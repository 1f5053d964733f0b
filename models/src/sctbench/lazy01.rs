//! `lazy01`: a checker that must not run last.
//!
//! **Original** (`benchmarks/concurrent-software-benchmarks/lazy01_bad.c`, twin `lazy01_ok.c`):
//! three threads take one mutex once each: `thread1` adds 1 to `data`, `thread2` adds 2, and
//! `thread3` fails an assertion if `data >= 3`.
//!
//! **Bug**: `data` reaches 3 only after both adders ran, so the assertion fails in exactly the
//! schedules where `thread3` takes the lock **last**. The `_ok` twin comments the assertion out
//! (and creates `thread3` first).
//!
//! **Port**: `data` lives in the mutex. The `_ok` twin's original asserts nothing at all, which
//! would make it a twin no port could fail; this port adds, after the joins, the check that
//! holds in every interleaving — `data == 3`, both additions happened, none was lost — so the
//! twin at least tests that the three critical sections exclude each other. Creation orders are
//! the originals' (bad: 1, 2, 3; ok: 3, 1, 2; PERIOD's copy of the bad one uses 3, 2, 1).

use super::Threads;
use lockstep::sync::{Arc, Mutex, Runtime};

fn spawn_adder<R: Runtime>(
    threads: &mut Threads<R>,
    name: &str,
    data: &Arc<Mutex<i32, R>, R>,
    add: i32,
) {
    let data = data.clone();
    threads.spawn(name, move || *data.lock() += add);
}

/// `lazy01_bad`.
pub fn bad<R: Runtime>() {
    let data: Arc<Mutex<i32, R>, R> = Arc::new(Mutex::new(0));
    let mut threads = Threads::<R>::new();
    spawn_adder(&mut threads, "thread1", &data, 1);
    spawn_adder(&mut threads, "thread2", &data, 2);
    let check = data.clone();
    threads.spawn("thread3", move || {
        let data = check.lock();
        assert!(*data < 3, "thread3 ran after both adders: data = {}", *data);
    });
    threads.join_all();
}

/// `lazy01_ok` (plus the post-join check described above).
pub fn ok<R: Runtime>() {
    let data: Arc<Mutex<i32, R>, R> = Arc::new(Mutex::new(0));
    let mut threads = Threads::<R>::new();
    let check = data.clone();
    threads.spawn("thread3", move || {
        // The original's `if (data >= 3) { /* assert(0); */ }`: a read under the lock.
        drop(check.lock());
    });
    spawn_adder(&mut threads, "thread1", &data, 1);
    spawn_adder(&mut threads, "thread2", &data, 2);
    threads.join_all();
    assert_eq!(*data.lock(), 3, "an addition was lost");
}
