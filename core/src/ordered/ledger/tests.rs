//! The ledger driven directly: unit tests of each rule, and a proptest that simulates workers
//! (including the releaser's I/O as a separate step) under random schedules and checks the
//! output equals the sequential output, the window holds, and no schedule deadlocks.

use super::*;
use proptest::prelude::*;

fn window(items: usize, bytes: usize) -> Window {
    Window { items, bytes }
}

fn render(batch: Batch, out: &mut Vec<u8>) -> usize {
    let bytes = batch.bytes;
    for chunk in batch.chunks {
        match chunk {
            Chunk::Bytes { bytes, .. } => out.extend_from_slice(&bytes),
            Chunk::Error { item, reason } => {
                out.extend_from_slice(format!("<E{item}:{reason}>").as_bytes())
            }
        }
    }
    bytes
}

#[test]
fn head_streams_and_later_items_buffer() {
    let mut l: Ledger<u32> = Ledger::new(2, window(4, 100), false);
    assert_eq!(l.claim_next(0), Claim::Item(0));
    assert_eq!(l.claim_next(0), Claim::Item(1));
    assert_eq!(l.sink(), SinkState::Streaming(0));
    assert_eq!(l.write(0, b"a"), WriteTo::Sink);
    assert_eq!(l.write(1, b"bb"), WriteTo::Buffered(2));
    assert_eq!(l.buffered(), 2);
    l.complete(1, Ok(())).unwrap();
    assert!(l.start_release().is_none(), "item 1 is not the head");
    l.complete(0, Ok(())).unwrap();
    let mut out = Vec::new();
    let batch = l.start_release().expect("head complete");
    let n = render(batch, &mut out);
    assert_eq!(out, b"bb");
    assert!(l.end_release(n).is_none());
    assert!(l.is_finished());
    assert_eq!(l.completed(), 2);
    assert_eq!(l.buffered(), 0);
}

#[test]
fn an_empty_item_still_releases_the_order() {
    let mut l: Ledger<u32> = Ledger::new(3, window(4, 100), false);
    for i in 0..3 {
        assert_eq!(l.claim_next(0), Claim::Item(i));
    }
    l.write(2, b"z");
    l.complete(2, Ok(())).unwrap();
    l.complete(1, Ok(())).unwrap(); // printed nothing
    l.complete(0, Ok(())).unwrap(); // printed nothing
    let mut out = Vec::new();
    let n = render(l.start_release().unwrap(), &mut out);
    assert!(l.end_release(n).is_none());
    assert_eq!(out, b"z");
    assert!(l.is_finished());
}

#[test]
fn claims_wait_beyond_the_item_window_but_the_head_never_does() {
    let mut l: Ledger<u32> = Ledger::new(4, window(1, 100), false);
    assert_eq!(l.claim_next(0), Claim::Item(0));
    assert_eq!(l.claim_next(0), Claim::Item(1));
    assert_eq!(l.claim_next(0), Claim::Wait);
    l.complete(0, Ok(())).unwrap();
    let batch = l.start_release().unwrap();
    assert!(l.end_release(batch.bytes).is_none());
    assert_eq!(
        l.sink(),
        SinkState::Streaming(1),
        "the running head streams"
    );
    assert_eq!(l.claim_next(0), Claim::Item(2));
}

#[test]
fn a_full_byte_window_makes_later_items_wait_and_takes_what_fits() {
    let mut l: Ledger<u32> = Ledger::new(3, window(4, 3), false);
    for i in 0..3 {
        l.claim_next(0);
        let _ = i;
    }
    assert_eq!(l.write(1, b"abcd"), WriteTo::Buffered(3));
    assert_eq!(l.write(2, b"x"), WriteTo::Wait);
    assert_eq!(
        l.write(0, b"head"),
        WriteTo::Sink,
        "the head is never told to wait"
    );
    assert_eq!(l.peak_buffered(), 3);
}

#[test]
fn a_failed_head_releases_its_output_then_its_error_and_moves_on() {
    let mut l: Ledger<u32> = Ledger::new(2, window(4, 100), false);
    l.claim_next(0);
    l.claim_next(0);
    l.write(1, b"one");
    l.complete(1, Ok(())).unwrap();
    l.complete(0, Err("boom".into())).unwrap();
    let mut out = Vec::new();
    let n = render(l.start_release().unwrap(), &mut out);
    assert!(l.end_release(n).is_none());
    assert_eq!(out, b"<E0:boom>one");
    assert_eq!(
        l.failures(),
        [ItemFailure {
            item: 0,
            reason: "boom".into()
        }]
    );
}

#[test]
fn fail_fast_stops_after_the_first_failed_item() {
    let mut l: Ledger<u32> = Ledger::new(4, window(4, 100), true);
    for _ in 0..3 {
        l.claim_next(0);
    }
    l.write(2, b"late");
    l.complete(1, Err("bad".into())).unwrap();
    assert_eq!(l.buffered(), 0, "output after the stop is dropped at once");
    assert_eq!(l.claim_next(0), Claim::Exhausted);
    assert_eq!(
        l.write(2, b"more"),
        WriteTo::Rejected(ItemError::Stopped { at: 1 })
    );
    assert_eq!(l.complete(2, Ok(())), Err(ItemError::Stopped { at: 1 }));
    l.write(0, b"zero");
    l.complete(0, Ok(())).unwrap();
    let mut out = Vec::new();
    let n = render(l.start_release().unwrap(), &mut out);
    assert!(l.end_release(n).is_none());
    assert_eq!(out, b"<E1:bad>");
    assert!(l.is_finished());
    assert_eq!((l.completed(), l.failures().len(), l.skipped()), (1, 1, 2));
}

#[test]
fn static_lists_are_validated() {
    let mut l: Ledger<u32> = Ledger::new(4, window(4, 100), false);
    assert_eq!(
        l.reserve(&[1, 9]),
        Err(OrderedError::OutOfRange { item: 9, items: 4 })
    );
    assert_eq!(
        l.reserve(&[2, 1]),
        Err(OrderedError::NotIncreasing { before: 2, item: 1 })
    );
    l.reserve(&[1, 3]).unwrap();
    assert_eq!(
        l.reserve(&[3]),
        Err(OrderedError::AlreadyAssigned { item: 3 })
    );
    // Dynamic claims skip reserved items.
    assert_eq!(l.claim_next(0), Claim::Item(0));
    assert_eq!(l.claim_next(0), Claim::Item(2));
    assert_eq!(l.claim(1, 0), Ok(Claim::Item(1)));
    assert_eq!(
        l.claim(1, 0),
        Err(OrderedError::Transition {
            item: 1,
            from: "running",
            to: "running"
        })
    );
}

#[test]
fn a_dead_static_worker_fails_its_remaining_items_and_orphans_fail_on_close() {
    let mut l: Ledger<u32> = Ledger::new(3, window(4, 100), false);
    l.register_worker().unwrap();
    l.reserve(&[0, 2]).unwrap();
    l.worker_exited(&[0, 2], "worker died");
    l.close(); // item 1: nobody left
    let mut out = Vec::new();
    let n = render(l.start_release().unwrap(), &mut out);
    assert!(l.end_release(n).is_none());
    assert_eq!(
        out,
        b"<E0:worker died><E1:not started: no worker was left to run it><E2:worker died>"
            .as_slice()
    );
    assert!(l.is_finished());
    assert_eq!(l.register_worker(), Err(OrderedError::Closed));
}

#[test]
fn an_expired_streaming_head_hands_over_to_the_releaser() {
    let mut l: Ledger<u32> = Ledger::new(2, window(4, 100), false);
    l.claim_next(7);
    assert_eq!(l.running_head(), Some((0, 7)));
    assert!(l.expire(0, "timed out".into()));
    assert!(!l.expire(0, "again".into()));
    assert_eq!(
        l.write(0, b"x"),
        WriteTo::Rejected(ItemError::Failed("timed out".into()))
    );
    let batch = l.start_release().unwrap();
    assert_eq!(
        batch.chunks,
        [Chunk::Error {
            item: 0,
            reason: "timed out".into()
        }]
    );
    assert_eq!(
        l.complete(0, Ok(())),
        Err(ItemError::Failed("the item was already released".into()))
    );
}

// ----- simulation ---------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct Item {
    chunks: Vec<Vec<u8>>,
    /// Fail instead of writing chunk `j`.
    fail_at: Option<usize>,
}

#[derive(Debug)]
enum Sim {
    Idle,
    Running {
        item: usize,
        chunk: usize,
        offset: usize,
    },
    Releasing(Batch),
    Gone,
}

struct Worker {
    queue: Option<VecDeque<usize>>,
    state: Sim,
}

fn sequential(items: &[Item], fail_fast: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let upto = item.fail_at.unwrap_or(item.chunks.len());
        for c in &item.chunks[..upto.min(item.chunks.len())] {
            out.extend_from_slice(c);
        }
        if item.fail_at.is_some() {
            out.extend_from_slice(format!("<E{i}:boom>").as_bytes());
            if fail_fast {
                break;
            }
        }
    }
    out
}

/// One step of worker `w`; returns whether anything changed.
fn step(l: &mut Ledger<u32>, w: &mut Worker, items: &[Item], sink: &mut Vec<u8>) -> bool {
    let state = std::mem::replace(&mut w.state, Sim::Gone);
    let (next, progressed) = match state {
        Sim::Gone => (Sim::Gone, false),
        Sim::Idle => step_idle(l, w),
        Sim::Running {
            item,
            chunk,
            offset,
        } => step_running(l, &items[item], item, chunk, offset, sink),
        Sim::Releasing(batch) => {
            let n = render(batch, sink);
            (release_next(l.end_release(n)), true)
        }
    };
    w.state = next;
    progressed
}

/// An idle worker claims its next item (dynamic, or the front of its static queue).
fn step_idle(l: &mut Ledger<u32>, w: &mut Worker) -> (Sim, bool) {
    let claim = match &mut w.queue {
        None => l.claim_next(0),
        Some(q) => match q.front() {
            None => Claim::Exhausted,
            Some(&item) => l.claim(item, 0).expect("static claim"),
        },
    };
    match claim {
        Claim::Item(item) => {
            if let Some(q) = &mut w.queue {
                q.pop_front();
            }
            (running(item, 0, 0), true)
        }
        Claim::Wait => (Sim::Idle, false),
        Claim::Exhausted => {
            let rest: Vec<usize> = w.queue.iter().flatten().copied().collect();
            l.worker_exited(&rest, "worker exited");
            (Sim::Gone, true)
        }
    }
}

/// A running worker writes (the rest of) its next chunk, or finishes its item.
fn step_running(
    l: &mut Ledger<u32>,
    spec: &Item,
    item: usize,
    chunk: usize,
    offset: usize,
    sink: &mut Vec<u8>,
) -> (Sim, bool) {
    if spec.fail_at == Some(chunk) {
        return finish(l, item, Err("boom".to_owned()));
    }
    if chunk >= spec.chunks.len() {
        return finish(l, item, Ok(()));
    }
    let bytes = &spec.chunks[chunk][offset..];
    match l.write(item, bytes) {
        WriteTo::Sink => {
            sink.extend_from_slice(bytes);
            (running(item, chunk + 1, 0), true)
        }
        WriteTo::Buffered(n) if n == bytes.len() => (running(item, chunk + 1, 0), true),
        WriteTo::Buffered(n) => (running(item, chunk, offset + n), true),
        WriteTo::Wait => (running(item, chunk, offset), false),
        // The worker gives up on the item (its writer is dropped).
        WriteTo::Rejected(_) => finish(l, item, Err("rejected".into())),
    }
}

/// Complete `item` with `outcome` and try to become the releaser.
fn finish(l: &mut Ledger<u32>, item: usize, outcome: Result<(), String>) -> (Sim, bool) {
    let _ = l.complete(item, outcome);
    (release_next(l.start_release()), true)
}

/// Keep releasing while there is a batch; idle otherwise.
fn release_next(batch: Option<Batch>) -> Sim {
    match batch {
        Some(batch) => Sim::Releasing(batch),
        None => Sim::Idle,
    }
}

fn running(item: usize, chunk: usize, offset: usize) -> Sim {
    Sim::Running {
        item,
        chunk,
        offset,
    }
}

fn item_strategy() -> impl Strategy<Value = Item> {
    (
        prop::collection::vec(prop::collection::vec(any::<u8>(), 0..6), 0..4),
        prop::option::weighted(0.15, 0usize..4),
    )
        .prop_map(|(chunks, fail_at)| Item {
            fail_at: fail_at.filter(|&j| j <= chunks.len()),
            chunks,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_schedule_gives_the_sequential_output(
        items in prop::collection::vec(item_strategy(), 0..10),
        workers in 1usize..4,
        window_items in 0usize..4,
        window_bytes in 0usize..12,
        fail_fast in any::<bool>(),
        static_of in prop::option::of(prop::collection::vec(0usize..4, 10)),
        schedule in prop::collection::vec(any::<u8>(), 0..200),
    ) {
        let n = items.len();
        let mut l: Ledger<u32> = Ledger::new(n, window(window_items, window_bytes), fail_fast);
        let mut ws: Vec<Worker> = (0..workers)
            .map(|_| Worker { queue: None, state: Sim::Idle })
            .collect();
        if let Some(owner) = &static_of {
            for (k, w) in ws.iter_mut().enumerate() {
                let list: Vec<usize> = (0..n).filter(|&i| owner[i] % workers == k).collect();
                l.reserve(&list).unwrap();
                w.queue = Some(list.into());
            }
        }
        for _ in &ws {
            l.register_worker().unwrap();
        }
        l.close();
        let mut sink = Vec::new();
        let mut picks = schedule.into_iter();
        let mut stuck = 0;
        let mut blocked = std::collections::BTreeSet::new();
        loop {
            let live: Vec<usize> = (0..workers).filter(|&k| !matches!(ws[k].state, Sim::Gone)).collect();
            if live.is_empty() {
                break;
            }
            let k = match picks.next() {
                Some(p) => live[p as usize % live.len()],
                None => live[stuck % live.len()],
            };
            if step(&mut l, &mut ws[k], &items, &mut sink) {
                blocked.clear();
                stuck = 0;
            } else {
                blocked.insert(k);
                stuck += 1;
                prop_assert!(
                    !live.iter().all(|w| blocked.contains(w)),
                    "deadlock: no live worker can move"
                );
            }
            prop_assert!(l.buffered() <= window_bytes, "window exceeded");
        }
        prop_assert!(l.is_finished());
        prop_assert_eq!(&sink, &sequential(&items, fail_fast));
        prop_assert_eq!(l.completed() + l.failures().len() + l.skipped(), n);
        prop_assert!(l.peak_buffered() <= window_bytes);
    }
}
