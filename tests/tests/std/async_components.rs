//! The components' async entry points on tokio: the shared programs on a multi-thread runtime,
//! many tasks in a scrambled order, a runtime with a single blocking thread (no blocking step
//! waits for another item, so one thread is enough), an aborted task, and proof that a slow
//! sink or a slow store does not stall a current-thread runtime.

#[path = "../async_components/models.rs"]
mod models;

use lockstep::block::{AsyncBlocks, BlockManager, Config as BlockConfig, FaultStore, MemoryStore};
use lockstep::future::{self, Tokio};
use lockstep::ordered::{Config, OrderedMonitor};
use lockstep::sync::Std;
use models::*;
use std::io::{self, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

#[test]
fn the_shared_programs_pass_on_tokio() {
    for _ in 0..50 {
        assert_eq!(
            ordered_tasks::<Std, Tokio>(6, tight_window(), false),
            expected_ordered(6, false)
        );
        assert_eq!(
            ordered_tasks::<Std, Tokio>(4, tight_window(), true),
            expected_ordered(4, true)
        );
        block_puts::<Std, Tokio>(8);
    }
}

/// 400 items, tasks spawned in a scrambled order on 4 executor threads, each sending its
/// output in three pieces: the output is the sequential text every time.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_tasks_in_scrambled_order_print_in_item_order() {
    let items = 400;
    let expected: String = (0..items)
        .map(|i| format!("{i}: a\n{i}: b\n{i}: c\n"))
        .collect();
    for round in 0..5 {
        let config = Config::default().window_items(8).window_bytes(64);
        let monitor = OrderedMonitor::new(items, Vec::new(), config);
        let writers = monitor.async_writers::<Tokio>();
        let mut tasks = Vec::new();
        for k in 0..items {
            let item = (k * 263 + round * 17) % items; // a permutation: 263 is prime to 400
            let mut out = writers.item(item).unwrap();
            tasks.push(tokio::spawn(async move {
                for part in ["a", "b", "c"] {
                    writeln!(out, "{item}: {part}").unwrap();
                    out.send().await.unwrap();
                    tokio::task::yield_now().await;
                }
                out.finish().await.unwrap();
            }));
        }
        let (report, out) = monitor.wait_async::<Tokio>().await;
        for task in tasks {
            task.await.unwrap();
        }
        assert!(report.is_success(), "{report:?}");
        assert!(report.peak_buffered_bytes <= 64);
        assert_eq!(String::from_utf8(out).unwrap(), expected);
    }
}

/// A runtime with one blocking thread: every blocking step is short and never waits for
/// another item, so 200 tasks waiting for their turn cannot starve the head.
#[test]
fn one_blocking_thread_is_enough() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let output = runtime.block_on(async {
        tokio::time::timeout(Duration::from_secs(60), async {
            let items = 200;
            let monitor = OrderedMonitor::new(items, Vec::new(), Config::default().window_items(4));
            let writers = monitor.async_writers::<Tokio>();
            for item in (0..items).rev() {
                let mut out = writers.item(item).unwrap();
                tokio::spawn(async move {
                    writeln!(out, "{item}").unwrap();
                    out.finish().await.unwrap();
                });
            }
            monitor.wait_async::<Tokio>().await
        })
        .await
        .expect("no deadlock with a single blocking thread")
    });
    let expected: String = (0..200).map(|i| format!("{i}\n")).collect();
    assert_eq!(String::from_utf8(output.1).unwrap(), expected);
}

/// A task aborted while it waits for its turn fails its item; the run goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_aborted_task_fails_its_item() {
    let monitor = OrderedMonitor::new(3, Vec::new(), Config::default().window_items(0));
    let writers = monitor.async_writers::<Tokio>();
    let (mut first, mut second, mut third) = (
        writers.item(0).unwrap(),
        writers.item(1).unwrap(),
        writers.item(2).unwrap(),
    );
    writeln!(second, "never printed").unwrap();
    let waiting = tokio::spawn(async move { second.finish().await });
    writeln!(first, "zero").unwrap();
    first.send().await.unwrap();
    waiting.abort(); // item 1 waits for item 0: it is aborted at that await
    assert!(waiting.await.unwrap_err().is_cancelled());
    first.finish().await.unwrap();
    writeln!(third, "two").unwrap();
    third.finish().await.unwrap();
    let (report, out) = monitor.wait_async::<Tokio>().await;
    assert_eq!(report.failed.len(), 1);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "zero\nerror: item 1 failed: not started: its async writer was dropped\ntwo\n"
    );
}

/// Counts ticks of a task that wakes every millisecond while `work` runs on a current-thread
/// runtime: if `work` blocked the runtime's only thread, nothing would tick.
fn ticks_during<F: std::future::Future>(work: F) -> (usize, F::Output) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let ticks = Arc::new(AtomicUsize::new(0));
        let ticker = {
            let ticks = ticks.clone();
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                    ticks.fetch_add(1, Ordering::Relaxed);
                }
            })
        };
        tokio::task::yield_now().await;
        let output = work.await;
        ticker.abort();
        (ticks.load(Ordering::Relaxed), output)
    })
}

/// A sink that takes 20 ms per write (a slow terminal, a full pipe).
struct SlowSink(Vec<u8>);

impl Write for SlowSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        std::thread::sleep(Duration::from_millis(20));
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_slow_sink_does_not_stall_the_runtime() {
    let (ticks, out) = ticks_during(async {
        let monitor = OrderedMonitor::new(5, SlowSink(Vec::new()), Config::default());
        let writers = monitor.async_writers::<Tokio>();
        for item in 0..5 {
            let mut out = writers.item(item).unwrap();
            writeln!(out, "{item}").unwrap();
            out.finish().await.unwrap(); // 20 ms in the sink, on the blocking pool
        }
        monitor.wait_async::<Tokio>().await.1 .0
    });
    assert_eq!(out, b"0\n1\n2\n3\n4\n");
    assert!(
        ticks >= 20,
        "the runtime ticked {ticks} times in about 100 ms of sink writes"
    );
}

#[test]
fn a_slow_store_does_not_stall_the_runtime() {
    let (ticks, ()) = ticks_during(async {
        let store = FaultStore::new(MemoryStore::new()).with_latency(Duration::from_millis(25));
        let config = BlockConfig::default().block_size(4).workers(1);
        let blocks = AsyncBlocks::<Std, Tokio>::new(BlockManager::new(store, config).unwrap());
        let manifest = blocks.put(b"four blocks of 4".to_vec()).await.unwrap(); // 100 ms
        assert_eq!(blocks.read(manifest).await.unwrap(), b"four blocks of 4");
        blocks.stop().await.unwrap();
    });
    assert!(
        ticks >= 25,
        "the runtime ticked {ticks} times in about 100 ms of uploads"
    );
}

#[test]
fn future_spawn_blocking_runs_off_the_runtime_thread() {
    let runtime_thread = std::thread::current().id();
    let other = future::block_on::<Tokio, _>(async {
        future::spawn_blocking::<Tokio, _, _>(|| std::thread::current().id())
            .await
            .unwrap()
    });
    assert_ne!(other, runtime_thread);
}
