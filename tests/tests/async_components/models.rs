//! The async entry points of the components, as programs written once over a sync runtime `R`
//! and an async runtime `A`: included by the std (tokio), shuttle and simulator test binaries.
//! Each program asserts its own outcome, so every checked schedule is a test.

use lockstep::block::{AsyncBlocks, BlockManager, Config as BlockConfig, MemoryStore};
use lockstep::future::{self, AsyncRuntime};
use lockstep::ordered::{Config, OrderedMonitor};
use lockstep::sync::Runtime;
use std::io::Write;

/// What `ordered_tasks(items, ..)` must print: two lines per item, item 1's second line
/// replaced by its error when `drop_item_1` is set.
pub fn expected_ordered(items: usize, drop_item_1: bool) -> String {
    let mut out = String::new();
    for item in 0..items {
        out.push_str(&format!("item {item} line 1\n"));
        if drop_item_1 && item == 1 {
            out.push_str(
                "error: item 1 failed: its async writer was dropped before finish() \
                 (the task was cancelled or returned early)\n",
            );
        } else {
            out.push_str(&format!("item {item} line 2\n"));
        }
    }
    out
}

/// A window so small that tasks wait for their turn and for byte space.
pub fn tight_window() -> Config {
    Config::default().window_items(1).window_bytes(16)
}

/// One task per item, spawned last item first: each writes a line, sends it, lets others run,
/// writes another and finishes — or, for item 1 with `drop_item_1`, returns without finishing.
/// Returns what reached the sink; asserts the report agrees.
pub fn ordered_tasks<R: Runtime, A: AsyncRuntime>(
    items: usize,
    config: Config,
    drop_item_1: bool,
) -> String {
    future::block_on::<A, _>(async move {
        let monitor = OrderedMonitor::<Vec<u8>, R>::with_runtime(items, Vec::new(), config);
        let writers = monitor.async_writers::<A>();
        let mut tasks = Vec::new();
        for item in (0..items).rev() {
            let mut out = writers.item(item).expect("each item is reserved once");
            tasks.push(future::spawn::<A, _>(async move {
                writeln!(out, "item {item} line 1").unwrap();
                out.send().await.expect("the item runs");
                future::yield_now::<A>().await;
                if drop_item_1 && item == 1 {
                    return; // the writer is dropped unfinished
                }
                writeln!(out, "item {item} line 2").unwrap();
                out.finish().await.expect("the item completes");
            }));
        }
        let (report, out) = monitor.wait_async::<A>().await;
        for task in tasks {
            task.await.expect("no task panics");
        }
        assert_eq!(report.completed, items - usize::from(drop_item_1));
        String::from_utf8(out).unwrap()
    })
}

/// `files` tasks each put a file of a few small blocks through one manager (one upload
/// worker, a cap of one block per writer plus the upload slots: writers wait for space), read
/// it back, and the manager stops with nothing lost.
pub fn block_puts<R: Runtime, A: AsyncRuntime>(files: usize) {
    future::block_on::<A, _>(async move {
        let block_size = 8;
        let config = BlockConfig::default()
            .block_size(block_size)
            .workers(1)
            .queue_capacity(1)
            .buffer_cap((files + 3) * block_size);
        let store = MemoryStore::<R>::with_runtime();
        let manager = BlockManager::<R>::with_runtime(store, config).unwrap();
        let blocks = AsyncBlocks::<R, A>::new(manager);
        let tasks: Vec<_> = (0..files)
            .map(|i| {
                let blocks = blocks.clone();
                future::spawn::<A, _>(async move {
                    let data: Vec<u8> = (0..20 + i).map(|b| (b * 7 + i) as u8).collect();
                    let manifest = blocks.put(data.clone()).await.expect("the put commits");
                    assert_eq!(blocks.read(manifest).await.unwrap(), data);
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("no task panics");
        }
        blocks.stop().await.expect("nothing is left uncommitted");
        assert_eq!(blocks.manager().stats().buffered_bytes, 0);
    })
}
