//! `circular_buffer`: a producer and a consumer hand values through a log buffer, taking turns
//! through two flags.
//!
//! **Original** (`benchmarks/concurrent-software-benchmarks/circular_buffer_bad.c`, twin
//! `circular_buffer_ok.c`): a 10-slot circular buffer with indices `first` (next to remove) and
//! `next` (next to insert). Flags `send` (initially true) and `receive` alternate the two
//! threads. Both loop `N = 7` times, each iteration one critical section on the one mutex: `t1`,
//! if `send`, inserts its loop index `i` and flips the flags; `t2`, if `receive`, removes an
//! element, asserts it equals **its own** loop index `i`, and flips the flags back.
//!
//! **Bug**: the two loop counters only stay in step if every iteration of each thread finds its
//! flag set. As soon as one iteration of `t2` finds `receive` false (for instance `t2` takes the
//! lock before `t1` ever inserted), `t2`'s index runs ahead of the value it removes, and the
//! next removal fails the assertion; symmetrically when `t1` wastes an iteration. Everything is
//! under the lock: this is an ordering bug, not a data race. The `_ok` twin remembers the last
//! inserted value and compares the removed element with that (and asserts each insertion
//! succeeded), which holds in every schedule.
//!
//! **Port**: the buffer, its indices and size, the flags (and the twin's `value`) live in the
//! mutex. `first`/`next` are unsigned as in C; the buffer holds C `char`s (values 0..7).

use super::Threads;
use lockstep::sync::{Arc, Mutex, Runtime};

const BUFFER_MAX: usize = 10;
const N: usize = 7;
const ERROR: i32 = -1;

struct Log {
    buffer: [u8; BUFFER_MAX],
    first: u32,
    next: u32,
    buffer_size: i32,
    send: bool,
    receive: bool,
    /// The `_ok` twin's last inserted value.
    value: i32,
}

impl Log {
    fn new(max: i32) -> Self {
        Log {
            buffer: [0; BUFFER_MAX],
            first: 0,
            next: 0,
            buffer_size: max,
            send: true,
            receive: false,
            value: 0,
        }
    }

    fn remove(&mut self) -> i32 {
        if self.next > 0 && (self.first as i32) < self.buffer_size {
            self.first += 1;
            i32::from(self.buffer[self.first as usize - 1])
        } else {
            ERROR
        }
    }

    fn insert(&mut self, b: i32) -> i32 {
        if (self.next as i32) < self.buffer_size && self.buffer_size > 0 {
            self.buffer[self.next as usize] = b as u8;
            self.next = (self.next + 1) % self.buffer_size as u32;
            assert!((self.next as i32) < self.buffer_size);
            b
        } else {
            ERROR
        }
    }
}

fn circular_buffer<R: Runtime>(buggy: bool) {
    let m: Arc<Mutex<Log, R>, R> = Arc::new(Mutex::new(Log::new(BUFFER_MAX as i32)));
    let mut threads = Threads::<R>::new();
    let producer = m.clone();
    threads.spawn("t1", move || {
        for i in 0..N as i32 {
            let mut log = producer.lock();
            if log.send {
                if buggy {
                    log.insert(i);
                } else {
                    assert_eq!(log.insert(i), i, "insertion failed");
                    log.value = i;
                }
                log.send = false;
                log.receive = true;
            }
        }
    });
    threads.spawn("t2", move || {
        for i in 0..N as i32 {
            let mut log = m.lock();
            if log.receive {
                let removed = log.remove();
                if buggy {
                    assert_eq!(removed, i, "removed element != t2's loop index");
                } else {
                    assert_eq!(removed, log.value, "removed element != last inserted");
                }
                log.receive = false;
                log.send = true;
            }
        }
    });
    threads.join_all();
}

/// `circular_buffer_bad`: the consumer compares with its own loop index.
pub fn bad<R: Runtime>() {
    circular_buffer::<R>(true)
}

/// `circular_buffer_ok`: the consumer compares with the last inserted value.
pub fn ok<R: Runtime>() {
    circular_buffer::<R>(false)
}
