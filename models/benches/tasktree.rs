//! Barrier scheduler: throughput and memory per job, side by side with a baseline.
//!
//! `cargo bench -p lockstep-models --bench tasktree`
//!
//! The tree is the one `lockstep bench tasktree` uses: the first N nodes, breadth first, of a
//! fan-out-10 tree (with barriers: every node's last child is the barrier job `X/~/9`). No-op
//! jobs. Three parts:
//!
//! 1. **Memory** (one run per configuration, 1,000,000 jobs): a counting global allocator
//!    reports the bytes the tree holds after it is built, and the peak bytes allocated while it
//!    is built and run (tree + per-run state + executor), each per job. The caller's list of
//!    names is allocated before the counter is reset and is not counted.
//! 2. **Ratio against a baseline**: the same algorithm (bzfs' "simple" scheduler, no barriers)
//!    with bzfs' data layout ported to Rust — a nested map per node, a `String` per queued job,
//!    a name set for "is this a job" — run interleaved with lockstep's inline executor (A B B A
//!    ...); the ratio of the medians isolates what the compact layout buys. bzfs itself (Python)
//!    is compared by `tests/bzfs_differential/bench.sh`.
//! 3. **Criterion** timings of build + run at 100,000 jobs: inline and thread pool (8 workers),
//!    with and without barriers.

use criterion::{criterion_group, BenchmarkId, Criterion};
use lockstep::tasktree::{Executor, Outcome, Runner, TaskTree};
use lockstep_models::bench::tasktree::bench_names;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Counts live heap bytes and their peak (bench binary only).
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `alloc`'s contract; forwarded as is.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as above.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                let grow = new_size - layout.size();
                let now = LIVE.fetch_add(grow, Ordering::Relaxed) + grow;
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Reset the peak to the current live bytes; returns the live bytes.
fn reset_peak() -> usize {
    let live = LIVE.load(Ordering::Relaxed);
    PEAK.store(live, Ordering::Relaxed);
    live
}

fn run_lockstep(names: &[String], workers: usize) -> u64 {
    let tree = TaskTree::new(names).expect("valid names");
    let executor = if workers == 1 {
        Executor::Inline
    } else {
        Executor::Threads
    };
    let report = Runner::new(&tree)
        .max_workers(workers)
        .executor(executor)
        .run(|_| (), |_, (), _| Outcome::DONE)
        .expect("no panics");
    report.completed
}

// ----- the baseline: bzfs' simple algorithm and data layout, in Rust ----------------------------

#[derive(Default)]
struct NaiveNode {
    children: BTreeMap<String, NaiveNode>,
}

/// A queued job: ordered by name only (bzfs' `_TreeNode` compares `(priority, dataset)`).
struct Queued<'a>(String, &'a NaiveNode);

impl PartialEq for Queued<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl Eq for Queued<'_> {}
impl PartialOrd for Queued<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Queued<'_> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.cmp(&other.0)
    }
}

/// bzfs' `_simple_enqueue_children`: queue the jobs below `node`, passing through non-jobs.
fn enqueue<'a>(
    heap: &mut BinaryHeap<Reverse<Queued<'a>>>,
    jobs: &HashSet<&str>,
    name: &str,
    node: &'a NaiveNode,
) {
    let mut stack = vec![(name.to_owned(), node)];
    while let Some((prefix, node)) = stack.pop() {
        for (component, child) in node.children.iter().rev() {
            let full = if prefix.is_empty() {
                component.clone()
            } else {
                format!("{prefix}/{component}")
            };
            if jobs.contains(full.as_str()) {
                heap.push(Reverse(Queued(full, child)));
            } else {
                stack.push((full, child));
            }
        }
    }
}

/// bzfs' simple scheduler with one worker, on nested maps and `String`s.
fn run_naive(names: &[String]) -> u64 {
    let mut root = NaiveNode::default();
    for name in names {
        let mut node = &mut root;
        for component in name.split('/') {
            node = node.children.entry(component.to_owned()).or_default();
        }
    }
    let jobs: HashSet<&str> = names.iter().map(String::as_str).collect();
    let mut heap: BinaryHeap<Reverse<Queued<'_>>> = BinaryHeap::new();
    enqueue(&mut heap, &jobs, "", &root);
    let mut completed = 0;
    while let Some(Reverse(Queued(name, node))) = heap.pop() {
        std::hint::black_box(&name); // the no-op job
        completed += 1;
        enqueue(&mut heap, &jobs, &name, node);
    }
    completed
}

// ----- 1. memory --------------------------------------------------------------------------------

fn memory_report() {
    const JOBS: usize = 1_000_000;
    println!("\nmemory per job at {JOBS} jobs (counting allocator):");
    for barriers in [false, true] {
        let live = LIVE.load(Ordering::Relaxed);
        let names = bench_names(JOBS, barriers);
        let names_bytes = LIVE.load(Ordering::Relaxed) - live;
        println!(
            "  barriers={barriers:<5} the caller's Vec<String> of names: {:.1} B/job (not counted below)",
            names_bytes as f64 / JOBS as f64
        );
        for workers in [1, 8] {
            let before = reset_peak();
            let tree = TaskTree::new(&names).expect("valid names");
            let retained = LIVE.load(Ordering::Relaxed) - before;
            let executor = if workers == 1 {
                Executor::Inline
            } else {
                Executor::Threads
            };
            Runner::new(&tree)
                .max_workers(workers)
                .executor(executor)
                .run(|_| (), |_, (), _| Outcome::DONE)
                .expect("no panics");
            let peak = PEAK.load(Ordering::Relaxed) - before;
            drop(tree);
            println!(
                "  barriers={barriers:<5} workers={workers}: tree {:.1} B/job, peak while building and running {:.1} B/job",
                retained as f64 / JOBS as f64,
                peak as f64 / JOBS as f64
            );
        }
    }
    let names = bench_names(JOBS, false);
    let before = reset_peak();
    run_naive(&names);
    let peak = PEAK.load(Ordering::Relaxed) - before;
    println!(
        "  baseline (bzfs layout in Rust), workers=1: peak {:.1} B/job",
        peak as f64 / JOBS as f64
    );
}

// ----- 2. interleaved ratio ---------------------------------------------------------------------

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ratio_report() {
    const JOBS: usize = 200_000;
    const ROUNDS: usize = 15;
    let names = bench_names(JOBS, false);
    let (mut ours, mut base) = (Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let mut measure_ours = || {
            let t = Instant::now();
            assert_eq!(run_lockstep(&names, 1), JOBS as u64);
            ours.push(t.elapsed());
        };
        let mut measure_base = || {
            let t = Instant::now();
            assert_eq!(run_naive(&names), JOBS as u64);
            base.push(t.elapsed());
        };
        if round % 2 == 0 {
            measure_ours();
            measure_base();
        } else {
            measure_base();
            measure_ours();
        }
    }
    let (o, b) = (median(ours), median(base));
    println!(
        "\nbuild + run {JOBS} jobs, 1 worker, medians of {ROUNDS} interleaved rounds: lockstep {:.1} ms, \
         baseline (bzfs layout in Rust) {:.1} ms, baseline/lockstep = {:.2}",
        o.as_secs_f64() * 1e3,
        b.as_secs_f64() * 1e3,
        b.as_secs_f64() / o.as_secs_f64()
    );
}

// ----- 3. criterion -----------------------------------------------------------------------------

fn bench(c: &mut Criterion) {
    const JOBS: usize = 100_000;
    let mut group = c.benchmark_group("tasktree_100k");
    group.sample_size(10);
    for barriers in [false, true] {
        let live = LIVE.load(Ordering::Relaxed);
        let names = bench_names(JOBS, barriers);
        let names_bytes = LIVE.load(Ordering::Relaxed) - live;
        println!(
            "  barriers={barriers:<5} the caller's Vec<String> of names: {:.1} B/job (not counted below)",
            names_bytes as f64 / JOBS as f64
        );
        for workers in [1, 8] {
            let id = format!("barriers={barriers}/workers={workers}");
            group.bench_with_input(BenchmarkId::new("build_and_run", id), &names, |b, names| {
                b.iter(|| assert_eq!(run_lockstep(names, workers), JOBS as u64))
            });
        }
    }
    let names = bench_names(JOBS, false);
    group.bench_function("baseline_bzfs_layout/workers=1", |b| {
        b.iter(|| assert_eq!(run_naive(&names), JOBS as u64))
    });
    group.finish();
}

criterion_group!(benches, bench);

fn main() {
    memory_report();
    ratio_report();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
