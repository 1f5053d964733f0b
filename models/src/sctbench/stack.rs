//! `stack`: a pusher and a popper share an array stack.
//!
//! **Original** (`benchmarks/concurrent-software-benchmarks/stack_bad.c`, twin `stack_ok.c`): a
//! `SIZE = 10` stack with index `top`, and a flag, all under one mutex. `t1` loops 10 times: push
//! its index (asserting no overflow) and set `flag`. `t2` loops 10 times: if `flag` is set, pop
//! and assert the pop did not underflow.
//!
//! **Bug**: `flag` says only that *something was once pushed*, not that the stack is non-empty.
//! Once `t1` has pushed `k` elements, any schedule in which `t2` runs `k + 1` iterations before
//! `t1`'s next push pops an empty stack: two `t2` iterations in a row right after the first push
//! suffice. The `_ok` twin drops the flag and pops only when `top > 0`.
//!
//! **Port**: the stack, `top` and `flag` live in the mutex. `push`/`pop` keep their C return
//! codes (`OVERFLOW = -1`, `UNDERFLOW = -2`); the `printf`s are dropped.

use super::Threads;
use lockstep::sync::{Arc, Mutex, Runtime};

const SIZE: usize = 10;
const OVERFLOW: i32 = -1;
const UNDERFLOW: i32 = -2;

struct Stack {
    top: usize,
    arr: [u32; SIZE],
    flag: bool,
}

impl Stack {
    fn push(&mut self, x: u32) -> i32 {
        if self.top == SIZE {
            return OVERFLOW;
        }
        self.arr[self.top] = x;
        self.top += 1;
        0
    }

    fn pop(&mut self) -> i32 {
        if self.top == 0 {
            return UNDERFLOW;
        }
        self.top -= 1;
        self.arr[self.top] as i32
    }
}

fn stack<R: Runtime>(buggy: bool) {
    let m: Arc<Mutex<Stack, R>, R> = Arc::new(Mutex::new(Stack {
        top: 0,
        arr: [0; SIZE],
        flag: false,
    }));
    let mut threads = Threads::<R>::new();
    let pusher = m.clone();
    threads.spawn("t1", move || {
        for i in 0..SIZE as u32 {
            let mut s = pusher.lock();
            assert_ne!(s.push(i), OVERFLOW, "stack overflow");
            if buggy {
                s.flag = true;
            }
        }
    });
    threads.spawn("t2", move || {
        for _ in 0..SIZE {
            let mut s = m.lock();
            if buggy {
                if s.flag {
                    assert_ne!(s.pop(), UNDERFLOW, "stack underflow");
                }
            } else if s.top > 0 {
                s.pop();
            }
        }
    });
    threads.join_all();
}

/// `stack_bad`: pops whenever something was once pushed.
pub fn bad<R: Runtime>() {
    stack::<R>(true)
}

/// `stack_ok`: pops only a non-empty stack.
pub fn ok<R: Runtime>() {
    stack::<R>(false)
}
