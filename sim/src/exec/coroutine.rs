//! Simulated threads are stackful coroutines (corosensei) on the simulating OS thread, with
//! stacks pooled across executions: creating a thread costs a pool pop, a switch tens of
//! nanoseconds.
//!
//! A thread's coroutine registers its `Yielder` in the execution state when it first runs; a
//! facade operation suspends through it (see [`super::suspend`]). Coroutines left suspended when
//! an execution ends (abandoned threads, or everyone after a failure) are *reset* rather than
//! unwound: their destructors do not run, their memory is leaked, and their stack is freed (not
//! reused). Unwinding them instead would run user destructors in a half-dead execution (locks
//! held by other abandoned threads, joins that can never finish).

use corosensei::stack::DefaultStack;
use corosensei::{Coroutine, CoroutineResult, Yielder};
use std::cell::RefCell;

/// A simulated thread's coroutine.
pub(crate) type SimCoroutine = Coroutine<(), (), (), DefaultStack>;

/// The yielder type whose address a thread registers.
pub(crate) type SimYielder = Yielder<(), ()>;

thread_local! {
    /// Reusable stacks, with the size they were made with.
    static POOL: RefCell<Vec<DefaultStack>> = const { RefCell::new(Vec::new()) };
    static POOL_STACK_SIZE: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Most stacks kept for reuse.
const POOL_MAX: usize = 64;

/// A coroutine that runs `body` on a pooled stack of `stack_size` bytes (at least).
pub(crate) fn spawn_coroutine(
    stack_size: usize,
    body: Box<dyn FnOnce(&SimYielder)>,
) -> SimCoroutine {
    let stack = POOL_STACK_SIZE.with(|size| {
        if size.get() != stack_size {
            // A run with another stack size: drop the old pool.
            POOL.with(|p| p.borrow_mut().clear());
            size.set(stack_size);
        }
        POOL.with(|p| p.borrow_mut().pop())
    });
    let stack = match stack {
        Some(stack) => stack,
        None => DefaultStack::new(stack_size).unwrap_or_else(|err| {
            panic!("lockstep-sim: cannot map a {stack_size}-byte stack: {err}")
        }),
    };
    Coroutine::with_stack(stack, move |yielder: &SimYielder, ()| body(yielder))
}

/// Resume a coroutine until it suspends (`false`) or returns (`true`).
pub(crate) fn resume(coroutine: &mut SimCoroutine) -> bool {
    matches!(coroutine.resume(()), CoroutineResult::Return(()))
}

/// A finished coroutine gives its stack back to the pool.
pub(crate) fn recycle(coroutine: SimCoroutine) {
    debug_assert!(coroutine.done());
    let stack = coroutine.into_stack();
    POOL.with(|p| {
        let mut pool = p.borrow_mut();
        if pool.len() < POOL_MAX {
            pool.push(stack);
        }
    });
}

/// Abandon a suspended coroutine: mark it finished without unwinding, then free its stack.
pub(crate) fn abandon(mut coroutine: SimCoroutine) {
    if !coroutine.done() {
        // SAFETY: `force_reset` is a longjmp out of the coroutine: objects on its stack are
        // leaked, not dropped. That is sound for what can live there: simulated threads are
        // `'static` closures, so nothing outside borrows their stack, and no lockstep or sim
        // primitive keeps a pointer into a thread's stack (waiters and wakers are reference
        // counted). The stack is freed below rather than reused, so a stray pointer into it
        // would fault instead of reading another thread's data.
        unsafe { coroutine.force_reset() };
    }
    drop(coroutine);
}
