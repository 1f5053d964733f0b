//! The textbook bug of each strategy, as small models for its tests: each is one a random walk
//! is bad at and the strategy is built for.

use crate::Sim;
use lockstep::sync::atomic::{AtomicUsize, Ordering};
use lockstep::sync::{thread, Arc};

type Shared = Arc<AtomicUsize<Sim>, Sim>;

fn shared(value: usize) -> Shared {
    Arc::new(AtomicUsize::new(value))
}

/// Two threads increment a counter by a load and a store: an update is lost when both load
/// before either stores (one preemption, one delay).
pub(crate) fn lost_update() {
    let n = shared(0);
    let n2 = n.clone();
    let other = thread::spawn::<Sim, _, _>(move || {
        let v = n2.load(Ordering::SeqCst);
        n2.store(v + 1, Ordering::SeqCst);
    });
    let v = n.load(Ordering::SeqCst);
    n.store(v + 1, Ordering::SeqCst);
    other.join().unwrap();
    assert_eq!(n.load(Ordering::SeqCst), 2, "an update was lost");
}

/// POS's case: a short thread writes `x` once; a long thread makes `steps` writes of its own
/// object and then writes `x`. It fails when the short thread's write comes last — after every
/// step of the long thread, which a random walk makes exponentially unlikely.
pub(crate) fn late_write(steps: usize) -> impl Fn() + Send + Sync + Clone + 'static {
    move || {
        let x = shared(0);
        let (x1, x2) = (x.clone(), x.clone());
        let short = thread::spawn::<Sim, _, _>(move || x1.store(1, Ordering::SeqCst));
        let long = thread::spawn::<Sim, _, _>(move || {
            let own: AtomicUsize<Sim> = AtomicUsize::new(0);
            for i in 0..steps {
                own.store(i, Ordering::SeqCst);
            }
            x2.store(2, Ordering::SeqCst);
        });
        short.join().unwrap();
        long.join().unwrap();
        assert_eq!(x.load(Ordering::SeqCst), 2, "the short thread wrote last");
    }
}

/// URW's case (shuttle's `uneven_workload`, after Zhao et al.): one thread stores 0 once,
/// another stores 1 `writes` times, each of the long thread's `noise` private steps between
/// them; it fails when the single store comes last.
pub(crate) fn uneven(writes: usize, noise: usize) -> impl Fn() + Send + Sync + Clone + 'static {
    move || {
        let counter = shared(1);
        let (c1, c2) = (counter.clone(), counter.clone());
        let short = thread::spawn::<Sim, _, _>(move || c1.store(0, Ordering::SeqCst));
        let long = thread::spawn::<Sim, _, _>(move || {
            let own: AtomicUsize<Sim> = AtomicUsize::new(0);
            for _ in 0..writes {
                for i in 0..noise {
                    own.store(i, Ordering::SeqCst);
                }
                c2.store(1, Ordering::SeqCst);
            }
        });
        short.join().unwrap();
        long.join().unwrap();
        assert_ne!(
            counter.load(Ordering::SeqCst),
            0,
            "the single store came last"
        );
    }
}

/// PCT's case (issue 13): three threads advance a shared stage by compare-exchange in two
/// rounds; it fails only in strict rotation — three preemptions, a bug of depth 4.
pub(crate) fn rotation() {
    let stage = shared(0);
    let workers: Vec<_> = (0..3)
        .map(|me| {
            let stage = stage.clone();
            thread::spawn::<Sim, _, _>(move || {
                for round in 0..2 {
                    let from = 3 * round + me;
                    let _ =
                        stage.compare_exchange(from, from + 1, Ordering::SeqCst, Ordering::SeqCst);
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    assert!(
        stage.load(Ordering::SeqCst) < 6,
        "the stage went round twice"
    );
}

/// A correct spin handshake: the main thread yields once and then raises a flag; the other
/// thread spins (loading the flag and yielding) until it sees it. Fine in every schedule that
/// keeps giving the main thread a turn.
pub(crate) fn spin_handshake() {
    let flag = shared(0);
    let seen = flag.clone();
    let spinner = thread::spawn::<Sim, _, _>(move || {
        while seen.load(Ordering::SeqCst) == 0 {
            thread::yield_now::<Sim>();
        }
    });
    thread::yield_now::<Sim>();
    flag.store(1, Ordering::SeqCst);
    spinner.join().unwrap();
}

/// Executions until `builder` finds a failure in `model` (unshrunk), if it does.
pub(crate) fn found(
    builder: crate::Builder,
    model: impl Fn() + Send + Sync + 'static,
) -> Option<usize> {
    match builder.shrink(false).run(model) {
        Ok(_) => None,
        Err(failure) => {
            assert_ne!(failure.kind, crate::FailureKind::Invalid, "{failure}");
            Some(failure.executions)
        }
    }
}

/// The median of executions-to-bug over `seeds` (a miss counts as more than any find).
pub(crate) fn median_found(
    seeds: std::ops::Range<u64>,
    builder: impl Fn(u64) -> crate::Builder,
    model: impl Fn() + Send + Sync + Clone + 'static,
) -> usize {
    let mut counts: Vec<usize> = seeds
        .map(|seed| found(builder(seed), model.clone()).unwrap_or(usize::MAX))
        .collect();
    counts.sort_unstable();
    counts[counts.len() / 2]
}
