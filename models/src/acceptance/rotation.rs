//! A bug that needs three preemptions (PCT depth 4): three threads advance a shared stage by
//! compare-exchange in two rounds.
//!
//! Worker `i` (0, 1, 2) makes one claim per round, without waiting for its turn: in round `r`
//! it moves the stage from `3r + i` to `3r + i + 1` by `compare_exchange`, and gives up the
//! claim if the stage is elsewhere. The program assumes the stage can never go all the way round
//! twice (6): the claims are tries, and a worker's two claims are meant to be one pass. It can —
//! when the workers run in strict rotation `w0 w1 w2 w0 w1 w2`, which switches away from every
//! worker right after its first claim while its second is pending: three preemptions, four
//! ordering constraints. Preemption-bounded search needs a bound of 3 and PCT a depth of 4 to
//! reach it; a random walk meets it by luck.
//!
//! The fixed twin makes each worker's two claims under one lock, as one pass: a second-round
//! claim then needs the other workers' first-round claims to fall between a worker's own two,
//! which the lock excludes, so the stage stops at 3.
//!
//! This is the "three threads advancing a shared stage by compare-exchange in two rounds" of
//! issue 13, on which lockstep's PCT depth 4 needed a median of 8,381 schedules and shuttle's
//! 227 (see `docs/strategies.md`).

use lockstep::sync::atomic::{AtomicUsize, Ordering};
use lockstep::sync::{thread, Arc, Mutex, Runtime};

/// The rotation model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rotation {
    /// `true`: the claims are separate (the bug); `false`: one lock around both.
    pub buggy: bool,
}

/// Workers, and rounds per worker.
const WORKERS: usize = 3;
const ROUNDS: usize = 2;

struct Stage<R: Runtime> {
    stage: AtomicUsize<R>,
    pass: Mutex<(), R>,
}

impl Rotation {
    fn worker<R: Runtime>(self, shared: &Stage<R>, me: usize) {
        let _pass = (!self.buggy).then(|| shared.pass.lock());
        for round in 0..ROUNDS {
            let from = WORKERS * round + me;
            // A try: a claim out of turn is given up.
            let _ =
                shared
                    .stage
                    .compare_exchange(from, from + 1, Ordering::SeqCst, Ordering::SeqCst);
        }
    }

    /// Run once on `R`.
    pub fn run<R: Runtime>(self) {
        let shared: Arc<Stage<R>, R> = Arc::new(Stage {
            stage: AtomicUsize::new(0),
            pass: Mutex::new(()),
        });
        let workers: Vec<_> = (0..WORKERS)
            .map(|me| {
                let shared = shared.clone();
                thread::Builder::<R>::new()
                    .name(format!("worker-{me}"))
                    .spawn(move || self.worker(&shared, me))
            })
            .collect();
        for worker in workers {
            worker.join().expect("a worker panicked");
        }
        let stage = shared.stage.load(Ordering::SeqCst);
        assert!(
            stage < WORKERS * ROUNDS,
            "the stage went round twice ({stage}): the workers ran in strict rotation"
        );
    }

    /// The model for a checker.
    pub fn model<R: Runtime>(self) -> impl Fn() + Send + Sync + 'static {
        move || self.run::<R>()
    }
}
