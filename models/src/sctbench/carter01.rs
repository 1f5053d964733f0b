//! `carter01`: two classes of operations exclude each other through a lock held across two
//! critical sections.
//!
//! **Original** (`benchmarks/concurrent-software-benchmarks/carter01_bad.c`): counters `A` and
//! `B` are guarded by mutex `m`; mutex `l` is held while any operation of a class runs. Thread
//! `t1` (class A) locks `m`, increments `A`, and if it is the first (`A == 1`) locks `l` —
//! *while still holding `m`* — then unlocks `m`; later it locks `m`, decrements `A`, unlocks
//! `l` if it was the last, and unlocks `m`. `t2` does the same for class B. Two more threads,
//! `t3` and `t4`, have empty bodies.
//!
//! **Bug**: a deadlock. If `t1` takes `l` and releases `m`, and `t2` then takes `m` and blocks
//! on `l` while holding `m`, `t1` can never take `m` again to release `l`: `t1` waits for `m`
//! held by `t2`, `t2` waits for `l` held by `t1`.
//!
//! **Port**: `A` and `B` live in `m`; `l` is a `Mutex<()>` whose guard a thread keeps in a local
//! across its two critical sections and drops where the C unlocks it (each class has a single
//! thread, so the thread that locks `l` is always the one that unlocks it). The two empty
//! threads are kept, so the program has the original's four threads.

use super::Threads;
use lockstep::sync::{Arc, Mutex, Runtime};

#[derive(Default)]
struct Counts {
    a: i32,
    b: i32,
}

/// One class's operation: `count` picks `A` or `B`.
fn class_operation<R: Runtime>(
    m: &Mutex<Counts, R>,
    l: &Mutex<(), R>,
    count: fn(&mut Counts) -> &mut i32,
) {
    let mut counts = m.lock();
    *count(&mut counts) += 1;
    let class_lock = (*count(&mut counts) == 1).then(|| l.lock());
    drop(counts);
    // Perform the class's operation.
    let mut counts = m.lock();
    *count(&mut counts) -= 1;
    if *count(&mut counts) == 0 {
        drop(class_lock);
    }
    drop(counts);
}

/// `carter01_bad`.
pub fn bad<R: Runtime>() {
    let m: Arc<Mutex<Counts, R>, R> = Arc::new(Mutex::new(Counts::default()));
    let l: Arc<Mutex<(), R>, R> = Arc::new(Mutex::new(()));
    let mut threads = Threads::<R>::new();
    let (m1, l1) = (m.clone(), l.clone());
    threads.spawn("a1", move || class_operation(&m1, &l1, |c| &mut c.a));
    threads.spawn("b1", move || class_operation(&m, &l, |c| &mut c.b));
    threads.spawn("a2", || {});
    threads.spawn("b2", || {});
    threads.join_all();
}
