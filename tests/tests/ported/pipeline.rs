// A std program, written once: a bounded buffer (one mutex, two condition variables) between a
// producer and consumers, results back over an mpsc channel. It names the standard library's
// concurrency only through `sys`, so the file is the same text on every backend: the including
// module says `use ::std as sys;` (real std threads, tests/tests/std/ported.rs),
// `use lockstep_sim::std as sys;` (the simulator, tests/tests/sim/ported.rs) or
// `use lockstep::on_shuttle::std as sys;` (shuttle, tests/tests/shuttle/ported.rs).
//
// Two bugs can be seeded (`Bug`), each a classic that std threads almost never show and a
// checker finds at once.

use std::collections::VecDeque;
use sys::sync::atomic::{AtomicUsize, Ordering};
use sys::sync::mpsc;
use sys::sync::{Arc, Condvar, Mutex};
use sys::thread;

/// The bug seeded into the program, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bug {
    /// The correct program.
    None,
    /// `take` waits with `if` instead of `while`: a consumer woken for an item that another
    /// consumer took first pops from an empty buffer (a panic).
    IfInsteadOfWhile,
    /// Producers and consumers wait on one condition variable and wake one waiter: the wakeup
    /// can reach a thread of the wrong kind and be lost (a deadlock).
    OneCondvarNotifyOne,
}

/// A FIFO buffer of at most `capacity` items: `put` blocks while it is full, `take` while it
/// is empty.
pub struct BoundedBuffer<T: Send> {
    items: Mutex<VecDeque<T>>,
    capacity: usize,
    not_empty: Condvar,
    not_full: Condvar,
    bug: Bug,
}

impl<T: Send> BoundedBuffer<T> {
    pub fn new(capacity: usize, bug: Bug) -> Self {
        BoundedBuffer {
            items: Mutex::new(VecDeque::with_capacity(capacity)),
            capacity,
            not_empty: Condvar::new(),
            not_full: Condvar::new(),
            bug,
        }
    }

    pub fn put(&self, item: T) {
        let mut items = self
            .room()
            .wait_while(self.items.lock().unwrap(), |items| {
                items.len() == self.capacity
            })
            .unwrap();
        items.push_back(item);
        drop(items);
        self.not_empty.notify_one();
    }

    pub fn take(&self) -> T {
        let mut items = self.items.lock().unwrap();
        if self.bug == Bug::IfInsteadOfWhile {
            if items.is_empty() {
                items = self.not_empty.wait(items).unwrap();
            }
        } else {
            while items.is_empty() {
                items = self.not_empty.wait(items).unwrap();
            }
        }
        let item = items.pop_front().expect("take: woken with an empty buffer");
        drop(items);
        self.room().notify_one();
        item
    }

    /// The condition variable that announces free room.
    fn room(&self) -> &Condvar {
        match self.bug {
            Bug::OneCondvarNotifyOne => &self.not_empty,
            Bug::None | Bug::IfInsteadOfWhile => &self.not_full,
        }
    }
}

/// Squares `1..=items` through a buffer of `capacity`: one producer, `consumers` consumers
/// (each stopped by a `None`), the squares sent back over an mpsc channel. Asserts that every
/// square arrived exactly once and every item was taken once.
pub fn run(bug: Bug, consumers: usize, items: u64, capacity: usize) {
    let buffer = Arc::new(BoundedBuffer::new(capacity, bug));
    let taken = Arc::new(AtomicUsize::new(0));
    let (results, squares) = mpsc::channel();

    let producer = {
        let buffer = buffer.clone();
        thread::Builder::new()
            .name("producer".to_string())
            .spawn(move || {
                for n in 1..=items {
                    buffer.put(Some(n));
                }
                for _ in 0..consumers {
                    buffer.put(None);
                }
            })
            .unwrap()
    };
    let workers: Vec<_> = (0..consumers)
        .map(|i| {
            let (buffer, taken, results) = (buffer.clone(), taken.clone(), results.clone());
            thread::Builder::new()
                .name(format!("consumer-{i}"))
                .spawn(move || {
                    while let Some(n) = buffer.take() {
                        taken.fetch_add(1, Ordering::SeqCst);
                        results.send(n * n).unwrap();
                    }
                })
                .unwrap()
        })
        .collect();
    drop(results);

    let mut squares: Vec<u64> = squares.iter().collect();
    producer.join().unwrap();
    for worker in workers {
        assert!(worker.thread().name().unwrap().starts_with("consumer-"));
        // A consumer's panic is this thread's panic, with the consumer's message.
        if let Err(panic) = worker.join() {
            std::panic::resume_unwind(panic);
        }
    }
    squares.sort_unstable();
    assert_eq!(squares, (1..=items).map(|n| n * n).collect::<Vec<_>>());
    assert_eq!(taken.load(Ordering::SeqCst), items as usize);
}
