//! `deadlock01`: two threads take two locks in opposite orders.
//!
//! **Original** (`benchmarks/concurrent-software-benchmarks/deadlock01_bad.c`): `thread1` locks
//! `a` then `b` and increments `counter`; `thread2` locks `b` then `a` and decrements it.
//!
//! **Bug**: a deadlock (ABBA). If each thread takes its first lock before the other takes its
//! second, each waits forever for the lock the other holds.
//!
//! **Port**: `counter`, only touched with both locks held, lives in `a`; `b` is a `Mutex<()>`.

use super::Threads;
use lockstep::sync::{Arc, Mutex, Runtime};

/// `deadlock01_bad`.
pub fn bad<R: Runtime>() {
    let a: Arc<Mutex<i32, R>, R> = Arc::new(Mutex::new(1));
    let b: Arc<Mutex<(), R>, R> = Arc::new(Mutex::new(()));
    let mut threads = Threads::<R>::new();
    let (a1, b1) = (a.clone(), b.clone());
    threads.spawn("thread1", move || {
        let mut counter = a1.lock();
        let _b = b1.lock();
        *counter += 1;
    });
    threads.spawn("thread2", move || {
        let _b = b.lock();
        let mut counter = a.lock();
        *counter -= 1;
    });
    threads.join_all();
}
