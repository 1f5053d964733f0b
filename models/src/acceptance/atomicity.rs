//! Atomicity violation: two threads each take a ticket if fewer than `limit` were taken, by
//! checking (`load`) and then acting (`fetch_add`) — two atomic operations, not one. Both can see
//! the same count and both take a ticket: more tickets than the limit. The fixed twin takes a
//! ticket with a `compare_exchange` loop.

use lockstep::sync::atomic::{AtomicUsize, Ordering};
use lockstep::sync::{thread, Arc, Runtime};

/// The ticket model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tickets {
    /// `true`: check-then-act (the bug).
    pub buggy: bool,
}

const LIMIT: usize = 1;

impl Tickets {
    fn take<R: Runtime>(self, taken: &AtomicUsize<R>) -> bool {
        if self.buggy {
            if taken.load(Ordering::SeqCst) < LIMIT {
                taken.fetch_add(1, Ordering::SeqCst);
                return true;
            }
            return false;
        }
        let mut current = taken.load(Ordering::SeqCst);
        while current < LIMIT {
            match taken.compare_exchange(current, current + 1, Ordering::SeqCst, Ordering::SeqCst) {
                Ok(_) => return true,
                Err(actual) => current = actual,
            }
        }
        false
    }

    /// Run once on `R`.
    pub fn run<R: Runtime>(self) {
        let taken: Arc<AtomicUsize<R>, R> = Arc::new(AtomicUsize::new(0));
        let t2 = taken.clone();
        let other = thread::spawn::<R, _, _>(move || self.take(&t2));
        let mine = self.take(&taken);
        let theirs = other.join().expect("the other thread panicked");
        let granted = usize::from(mine) + usize::from(theirs);
        assert!(
            granted <= LIMIT,
            "{granted} tickets granted with a limit of {LIMIT}"
        );
        assert_eq!(taken.load(Ordering::SeqCst), granted);
    }

    /// The model for a checker.
    pub fn model<R: Runtime>(self) -> impl Fn() + Send + Sync + 'static {
        move || self.run::<R>()
    }
}
