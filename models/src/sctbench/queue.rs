//! `queue`: a producer and a consumer share a bounded FIFO and a log of what was stored.
//!
//! **Original** (`benchmarks/concurrent-software-benchmarks/queue_bad.c`, twin `queue_ok.c`):
//! a `SIZE = 20` array queue (`head`, `tail`, `amount`), a log `stored_elements`, and flags
//! `enqueue_flag` (initially true) / `dequeue_flag` that make the threads alternate; all of it
//! is touched under one mutex. `t1` first enqueues 0 and logs it in `stored_elements[0]`, then
//! loops `SIZE - 1` times: if `enqueue_flag`, it enqueues the next value, logs it at
//! `stored_elements[i + 1]` and flips the flags. `t2` loops `SIZE` times: if `dequeue_flag`, it
//! dequeues, asserts the value equals `stored_elements[i]` (its own loop index `i`), and flips
//! the flags back.
//!
//! **Bug**: as in `circular_buffer`, the consumer indexes the log with its own loop counter,
//! which drifts from the number of values dequeued whenever an iteration finds its flag unset
//! (`t2` taking the lock before `t1` has enqueued anything is enough): the next dequeue is
//! compared with the wrong log entry. The `_ok` twin (`SIZE = 40`) has `t1` enqueue all values in
//! one critical section and `t2` dequeue all of them in one, checking each against the log, so
//! the indices cannot drift.
//!
//! **Port**: the queue, the log and the flags live in the mutex; `main`'s initial assertion that
//! the queue is empty is kept. The `printf`s of `empty`/`full` are dropped.

use super::Threads;
use lockstep::sync::{Arc, Mutex, Runtime};

const EMPTY: i32 = -1;

struct Queue<const SIZE: usize> {
    element: [i32; SIZE],
    head: usize,
    tail: usize,
    amount: usize,
    stored_elements: [i32; SIZE],
    enqueue_flag: bool,
    dequeue_flag: bool,
}

impl<const SIZE: usize> Queue<SIZE> {
    fn new() -> Self {
        Queue {
            element: [0; SIZE],
            head: 0,
            tail: 0,
            amount: 0,
            stored_elements: [0; SIZE],
            enqueue_flag: true,
            dequeue_flag: false,
        }
    }

    fn empty(&self) -> i32 {
        if self.head == self.tail {
            EMPTY
        } else {
            0
        }
    }

    fn enqueue(&mut self, x: i32) -> i32 {
        self.element[self.tail] = x;
        self.amount += 1;
        if self.tail == SIZE {
            self.tail = 1;
        } else {
            self.tail += 1;
        }
        0
    }

    fn dequeue(&mut self) -> i32 {
        let x = self.element[self.head];
        self.amount -= 1;
        if self.head == SIZE {
            self.head = 1;
        } else {
            self.head += 1;
        }
        x
    }
}

/// `queue_bad`.
pub fn bad<R: Runtime>() {
    const SIZE: usize = 20;
    let queue = Queue::<SIZE>::new();
    assert_eq!(queue.empty(), EMPTY);
    let m: Arc<Mutex<Queue<SIZE>, R>, R> = Arc::new(Mutex::new(queue));
    let mut threads = Threads::<R>::new();
    let producer = m.clone();
    threads.spawn("t1", move || {
        let mut value = 0;
        {
            let mut q = producer.lock();
            assert_eq!(q.enqueue(value), 0);
            q.stored_elements[0] = value;
            assert_ne!(q.empty(), EMPTY);
        }
        for i in 0..SIZE - 1 {
            let mut q = producer.lock();
            if q.enqueue_flag {
                value += 1;
                q.enqueue(value);
                q.stored_elements[i + 1] = value;
                q.enqueue_flag = false;
                q.dequeue_flag = true;
            }
        }
    });
    threads.spawn("t2", move || {
        for i in 0..SIZE {
            let mut q = m.lock();
            if q.dequeue_flag {
                let x = q.dequeue();
                assert_eq!(x, q.stored_elements[i], "dequeued != stored_elements[{i}]");
                q.dequeue_flag = false;
                q.enqueue_flag = true;
            }
        }
    });
    threads.join_all();
}

/// `queue_ok`.
pub fn ok<R: Runtime>() {
    const SIZE: usize = 40;
    let queue = Queue::<SIZE>::new();
    assert_eq!(queue.empty(), EMPTY);
    let m: Arc<Mutex<Queue<SIZE>, R>, R> = Arc::new(Mutex::new(queue));
    let mut threads = Threads::<R>::new();
    let producer = m.clone();
    threads.spawn("t1", move || {
        let mut value = 0;
        let mut q = producer.lock();
        if q.enqueue_flag {
            for i in 0..SIZE {
                value += 1;
                q.enqueue(value);
                q.stored_elements[i] = value;
            }
            q.enqueue_flag = false;
            q.dequeue_flag = true;
        }
    });
    threads.spawn("t2", move || {
        let mut q = m.lock();
        if q.dequeue_flag {
            for i in 0..SIZE {
                if q.empty() != EMPTY {
                    let x = q.dequeue();
                    assert_eq!(x, q.stored_elements[i], "dequeued != stored_elements[{i}]");
                }
            }
            q.dequeue_flag = false;
            q.enqueue_flag = true;
        }
    });
    threads.join_all();
}
