//! A fault-dependent bug: a client stores a value in a store whose `put` can fail (fault point
//! `store.put`, explored by lockstep-sim). The buggy client retries once and then drops the value
//! silently — the loss shows only when `put` fails twice in a row. The fixed client retries with
//! backoff until the store accepts. No interleaving matters here: only faults do.

use lockstep::sync::{thread, Arc, Mutex, Runtime};
use std::time::Duration;

/// The retrying-client model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    /// `true`: one retry, then give up silently (the bug).
    pub buggy: bool,
}

/// A store whose `put` fails when the runtime's fault point `store.put` fires.
struct Store<R: Runtime> {
    values: Mutex<Vec<u32>, R>,
}

impl<R: Runtime> Store<R> {
    fn put(&self, value: u32) -> Result<(), &'static str> {
        if R::fault("store.put") {
            return Err("store unavailable");
        }
        self.values.lock().push(value);
        Ok(())
    }
}

impl Retry {
    fn save<R: Runtime>(self, store: &Store<R>, value: u32) {
        let attempts = if self.buggy { 2 } else { usize::MAX };
        let mut backoff = Duration::from_millis(10);
        for _ in 0..attempts {
            if store.put(value).is_ok() {
                return;
            }
            thread::sleep::<R>(backoff);
            backoff = (backoff * 2).min(Duration::from_secs(1));
        }
    }

    /// Run once on `R`.
    pub fn run<R: Runtime>(self) {
        let store: Arc<Store<R>, R> = Arc::new(Store {
            values: Mutex::new(Vec::new()),
        });
        let s2 = store.clone();
        let client = thread::Builder::<R>::new()
            .name("client")
            .spawn(move || self.save(&s2, 7));
        client.join().expect("client panicked");
        assert_eq!(*store.values.lock(), [7], "an acknowledged save was lost");
    }

    /// The model for a checker.
    pub fn model<R: Runtime>(self) -> impl Fn() + Send + Sync + 'static {
        move || self.run::<R>()
    }
}
