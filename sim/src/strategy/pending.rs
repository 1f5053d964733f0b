//! What a thread's *pending* step will access, as far as its next operation says before it runs
//! ([`access::of_op`]): the static part of its access set. Accesses that depend on what happens
//! (which waiter a notification wakes, whether a `try_lock` succeeds) are known only once the
//! step ran, in the next [`Decision::accesses`](super::Decision::accesses).
//!
//! Strategies that reason about races before they happen (POS, SURW) compare these with what
//! the last step did, using [`access::dependent`].

use super::ThreadView;
use crate::access::{self, Access};
use crate::op::ThreadId;
use std::time::Duration;

/// Replace `out` with the static accesses of `thread`'s next operation (`view`).
pub(crate) fn accesses(out: &mut Vec<Access>, view: &ThreadView, thread: ThreadId) {
    out.clear();
    let key = view.key.unwrap_or(access::ANY);
    // The clock's values only matter for reversing races, not for whether two steps conflict.
    access::of_op(out, &view.next, |_| key, thread, None, Duration::ZERO);
}

/// Does `thread`'s next step conflict with a step that accessed `done`? (`scratch` is reused
/// for the pending accesses.)
pub(crate) fn races(
    scratch: &mut Vec<Access>,
    view: &ThreadView,
    thread: ThreadId,
    done: &[Access],
) -> bool {
    accesses(scratch, view, thread);
    access::dependent(scratch, done)
}
