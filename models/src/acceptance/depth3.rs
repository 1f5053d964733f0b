//! A bug of depth 3 (three ordering constraints, the measure PCT's guarantee is stated in):
//! `writer` publishes `x` and then `y`; `relay` copies "x is set" into `z`; `reader` fails if it
//! sees `z` set but `y` not yet set. The failing order needs
//! `writer: x=1` < `relay: read x`, `relay: z=1` < `reader: read z`, and
//! `reader: read y` < `writer: y=1`. The fixed twin publishes `y` before `x`, so `z` set implies
//! `y` set.

use lockstep::sync::atomic::{AtomicBool, Ordering};
use lockstep::sync::{thread, Arc, Runtime};

/// The depth-3 model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Depth3 {
    /// `true`: `x` is published before `y` (the bug).
    pub buggy: bool,
}

struct Flags<R: Runtime> {
    x: AtomicBool<R>,
    y: AtomicBool<R>,
    z: AtomicBool<R>,
}

impl Depth3 {
    /// Run once on `R`.
    pub fn run<R: Runtime>(self) {
        let flags: Arc<Flags<R>, R> = Arc::new(Flags {
            x: AtomicBool::new(false),
            y: AtomicBool::new(false),
            z: AtomicBool::new(false),
        });
        let (f1, f2) = (flags.clone(), flags.clone());
        let buggy = self.buggy;
        let writer = thread::Builder::<R>::new().name("writer").spawn(move || {
            if buggy {
                f1.x.store(true, Ordering::SeqCst);
                f1.y.store(true, Ordering::SeqCst);
            } else {
                f1.y.store(true, Ordering::SeqCst);
                f1.x.store(true, Ordering::SeqCst);
            }
        });
        let relay = thread::Builder::<R>::new().name("relay").spawn(move || {
            if f2.x.load(Ordering::SeqCst) {
                f2.z.store(true, Ordering::SeqCst);
            }
        });
        // The reader is the main thread.
        if flags.z.load(Ordering::SeqCst) {
            assert!(
                flags.y.load(Ordering::SeqCst),
                "z is set (x was seen) but y is not: published out of order"
            );
        }
        writer.join().expect("writer panicked");
        relay.join().expect("relay panicked");
    }

    /// The model for a checker.
    pub fn model<R: Runtime>(self) -> impl Fn() + Send + Sync + 'static {
        move || self.run::<R>()
    }
}
