//! ABBA: thread `ab` takes lock A then B, thread `ba` takes B then A. If each takes its first
//! lock before the other takes its second, both wait forever. The fixed twin takes them in the
//! same order. `after_rounds` first makes both threads do rounds of work on a third lock, so the
//! deadlock sits deep in a long schedule.

use lockstep::sync::{thread, Arc, Mutex, Runtime};

/// The ABBA model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Abba {
    /// `true`: opposite lock orders (the bug).
    pub buggy: bool,
    /// Rounds each thread does on a third lock first.
    pub rounds: usize,
}

impl Abba {
    /// Run once on `R`.
    pub fn run<R: Runtime>(self) {
        let a: Arc<Mutex<u32, R>, R> = Arc::new(Mutex::new(0));
        let b: Arc<Mutex<u32, R>, R> = Arc::new(Mutex::new(0));
        let c: Arc<Mutex<u32, R>, R> = Arc::new(Mutex::new(0));
        let (a2, b2, c2) = (a.clone(), b.clone(), c.clone());
        let buggy = self.buggy;
        let rounds = self.rounds;
        let other = thread::Builder::<R>::new().name("ba").spawn(move || {
            for _ in 0..rounds {
                *c2.lock() += 1;
            }
            if buggy {
                let mut gb = b2.lock();
                let mut ga = a2.lock();
                *ga += 1;
                *gb += 1;
            } else {
                let mut ga = a2.lock();
                let mut gb = b2.lock();
                *ga += 1;
                *gb += 1;
            }
        });
        for _ in 0..rounds {
            *c.lock() += 1;
        }
        {
            let mut ga = a.lock();
            let mut gb = b.lock();
            *ga += 1;
            *gb += 1;
        }
        other.join().expect("thread `ba` panicked");
        assert_eq!(*a.lock(), 2);
    }

    /// The model for a checker.
    pub fn model<R: Runtime>(self) -> impl Fn() + Send + Sync + 'static {
        move || self.run::<R>()
    }
}
