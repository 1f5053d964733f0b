//! Zero-cost check: the same programs written once against the facade (run with `Std`) and
//! written directly on std, measured side by side in one run; the goal is facade/direct ≤ 1.05.
//!
//! `cargo bench -p lockstep-core --bench facade`
//!
//! Criterion reports each variant. Because contended locks on a shared 2-core machine are
//! bimodal (the OS decides whether the threads truly overlap) and criterion measures one
//! variant's samples after the other's, the ratio is computed separately: the two variants are
//! run *interleaved* (A B B A ...) for many rounds and the medians of the rounds are compared.

use criterion::{criterion_group, BenchmarkId, Criterion};
use lockstep::sync::{thread, Arc, Condvar, Mutex, Runtime, Std};
use std::time::{Duration, Instant};

const THREADS: usize = 2;

/// Uncontended lock/unlock through the facade.
fn uncontended_facade<R: Runtime>(iters: u64) -> Duration {
    let counter: Mutex<u64, R> = Mutex::new(0);
    let start = Instant::now();
    for _ in 0..iters {
        *std::hint::black_box(&counter).lock() += 1;
    }
    let elapsed = start.elapsed();
    assert_eq!(counter.into_inner(), iters);
    elapsed
}

/// The same loop directly on std.
fn uncontended_std(iters: u64) -> Duration {
    let counter = std::sync::Mutex::new(0u64);
    let start = Instant::now();
    for _ in 0..iters {
        *std::hint::black_box(&counter).lock().unwrap() += 1;
    }
    let elapsed = start.elapsed();
    assert_eq!(counter.into_inner().unwrap(), iters);
    elapsed
}

/// Contended counter through the facade: `THREADS` threads each add `iters` times.
fn counter_facade<R: Runtime>(iters: u64) -> Duration {
    let counter: Arc<Mutex<u64, R>, R> = Arc::new(Mutex::new(0));
    let start = Instant::now();
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let counter = counter.clone();
            thread::spawn::<R, _, _>(move || {
                for _ in 0..iters {
                    *counter.lock() += 1;
                }
            })
        })
        .collect();
    handles.into_iter().for_each(|h| h.join().unwrap());
    let elapsed = start.elapsed();
    assert_eq!(*counter.lock(), iters * THREADS as u64);
    elapsed
}

/// The same counter written directly on std.
fn counter_std(iters: u64) -> Duration {
    let counter = std::sync::Arc::new(std::sync::Mutex::new(0u64));
    let start = Instant::now();
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let counter = counter.clone();
            std::thread::spawn(move || {
                for _ in 0..iters {
                    *counter.lock().unwrap() += 1;
                }
            })
        })
        .collect();
    handles.into_iter().for_each(|h| h.join().unwrap());
    let elapsed = start.elapsed();
    assert_eq!(*counter.lock().unwrap(), iters * THREADS as u64);
    elapsed
}

/// Condvar ping-pong through the facade: two threads hand a turn back and forth `iters` times.
fn ping_pong_facade<R: Runtime>(iters: u64) -> Duration {
    let shared: Arc<(Mutex<u64, R>, Condvar<R>), R> = Arc::new((Mutex::new(0), Condvar::new()));
    let start = Instant::now();
    let other = shared.clone();
    let pong = thread::spawn::<R, _, _>(move || {
        let (turn, cv) = &*other;
        for i in 0..iters {
            let mut t = cv.wait_while(turn.lock(), |t| *t != 2 * i + 1);
            *t += 1;
            drop(t);
            cv.notify_one();
        }
    });
    let (turn, cv) = &*shared;
    for i in 0..iters {
        let mut t = cv.wait_while(turn.lock(), |t| *t != 2 * i);
        *t += 1;
        drop(t);
        cv.notify_one();
    }
    pong.join().unwrap();
    start.elapsed()
}

/// The same ping-pong written directly on std.
fn ping_pong_std(iters: u64) -> Duration {
    let shared = std::sync::Arc::new((std::sync::Mutex::new(0u64), std::sync::Condvar::new()));
    let start = Instant::now();
    let other = shared.clone();
    let pong = std::thread::spawn(move || {
        let (turn, cv) = &*other;
        for i in 0..iters {
            let mut t = cv
                .wait_while(turn.lock().unwrap(), |t| *t != 2 * i + 1)
                .unwrap();
            *t += 1;
            drop(t);
            cv.notify_one();
        }
    });
    let (turn, cv) = &*shared;
    for i in 0..iters {
        let mut t = cv
            .wait_while(turn.lock().unwrap(), |t| *t != 2 * i)
            .unwrap();
        *t += 1;
        drop(t);
        cv.notify_one();
    }
    pong.join().unwrap();
    start.elapsed()
}

type Case = (&'static str, fn(u64) -> Duration, fn(u64) -> Duration, u64);

const CASES: [Case; 3] = [
    (
        "mutex_uncontended",
        uncontended_facade::<Std>,
        uncontended_std,
        100_000,
    ),
    ("mutex_counter", counter_facade::<Std>, counter_std, 20_000),
    (
        "condvar_ping_pong",
        ping_pong_facade::<Std>,
        ping_pong_std,
        1_000,
    ),
];

fn benches(c: &mut Criterion) {
    for (name, facade, direct, _) in CASES {
        let mut group = c.benchmark_group(name);
        group.bench_function(BenchmarkId::new("direct", "std"), |b| b.iter_custom(direct));
        group.bench_function(BenchmarkId::new("facade", "std"), |b| b.iter_custom(facade));
        group.finish();
    }
}

criterion_group! {
    name = facade;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = benches
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// Run the two variants interleaved (A B B A ...) and compare them round by round: each facade
/// round is divided by the direct round beside it, and the median of those ratios is reported
/// with the median per-op times. Pairing cancels the machine's slow drift.
fn interleaved_ratio(
    facade: fn(u64) -> Duration,
    direct: fn(u64) -> Duration,
    iters: u64,
) -> (f64, f64, f64) {
    const ROUNDS: usize = 101;
    let per_op = |f: fn(u64) -> Duration| f(iters).as_nanos() as f64 / iters as f64;
    let (mut a, mut b, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let (fa, di) = if round % 2 == 0 {
            let fa = per_op(facade);
            (fa, per_op(direct))
        } else {
            let di = per_op(direct);
            (per_op(facade), di)
        };
        a.push(fa);
        b.push(di);
        ratios.push(fa / di);
    }
    (median(a), median(b), median(ratios))
}

fn main() {
    facade();
    Criterion::default().configure_from_args().final_summary();
    println!("\nzero-cost ratios, 101 interleaved rounds (median of paired facade/direct; goal <= 1.05):");
    for (name, facade, direct, iters) in CASES {
        let (f, d, ratio) = interleaved_ratio(facade, direct, iters);
        println!("  {name:<18} facade {f:>9.1} ns/op  direct {d:>9.1} ns/op  ratio {ratio:.3}");
    }
}
