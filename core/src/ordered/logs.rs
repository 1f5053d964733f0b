//! Routing a worker's log output into its current item.
//!
//! With [`Config::route_logs`](super::Config::route_logs), claiming an item on a thread makes it
//! that thread's *current item* until its writer ends; [`CurrentItemWriter`] writes to the current
//! item of the calling thread (or to stderr when there is none). Give it to your logger:
//!
//! ```
//! # fn demo() {
//! // tracing-subscriber: any `Fn() -> impl Write` is a MakeWriter.
//! // tracing_subscriber::fmt().with_writer(|| lockstep::ordered::CurrentItemWriter).init();
//! // env_logger: .target(env_logger::Target::Pipe(Box::new(lockstep::ordered::CurrentItemWriter)))
//! # }
//! ```
//!
//! The current item lives in a std thread-local, keyed by the backend's
//! [`Runtime::thread_key`](crate::sync::Runtime::thread_key): production threads are OS
//! threads, and lockstep-sim tells its simulated threads apart, so routing is checked there.
//! Limitation: loom and shuttle run their modelled threads on OS threads they share without
//! telling them apart; leave routing off under them.

use super::shared::Shared;
use crate::sync::{Arc, Runtime};
use std::cell::RefCell;
use std::io::{self, Write};

type RouteFn = Box<dyn FnMut(&[u8]) -> io::Result<usize>>;

struct Route {
    /// Address of the monitor's shared state and the item: identifies the route.
    owner: (usize, usize),
    /// The backend thread it belongs to ([`Runtime::thread_key`]), and how to ask which one
    /// runs: several simulated threads share one OS thread, and so this thread-local.
    thread: Option<(u64, u64)>,
    running: fn() -> Option<(u64, u64)>,
    write: RouteFn,
}

thread_local! {
    /// The routes of the backend threads on this OS thread (one, in production).
    static CURRENT: RefCell<Vec<Route>> = const { RefCell::new(Vec::new()) };
}

/// Make `item` of `shared` this thread's current item. Returns whether it was installed.
pub(crate) fn route<W, R>(shared: Arc<Shared<W, R>, R>, item: usize) -> bool
where
    W: Write + Send + 'static,
    R: Runtime,
{
    let owner = (&*shared as *const Shared<W, R> as usize, item);
    let write: RouteFn = Box::new(move |bytes| shared.write(item, bytes));
    let thread = R::thread_key();
    CURRENT
        .try_with(|current| {
            let Ok(mut routes) = current.try_borrow_mut() else {
                return false;
            };
            // A thread has one current item; routes of an earlier run are stale (a checker
            // may abandon an execution's threads without unwinding them, so no guard removed
            // them).
            routes.retain(|r| r.thread != thread && r.thread.map(|t| t.0) == thread.map(|t| t.0));
            routes.push(Route {
                owner,
                thread,
                running: R::thread_key,
                write,
            });
            true
        })
        .unwrap_or(false)
}

/// Remove the route of `(shared address, item)` if it is still installed.
pub(crate) fn unroute(shared: usize, item: usize) {
    let _ = CURRENT.try_with(|current| {
        let removed = current
            .try_borrow_mut()
            .map(|mut routes| routes.retain(|r| r.owner != (shared, item)));
        drop(removed);
    });
}

/// Writes to the calling thread's current item; to stderr when the thread runs no item or
/// routing is off.
///
/// With [`Config::route_logs`](super::Config::route_logs), claiming an item on a thread makes it
/// that thread's current item until its writer ends. Give this writer to your logger:
/// `tracing_subscriber::fmt().with_writer(|| CurrentItemWriter)` (any `Fn() -> impl Write` is a
/// `MakeWriter`), or env_logger's `Target::Pipe(Box::new(CurrentItemWriter))`.
///
/// Limitation: the current item lives in a std thread-local, kept per backend thread where the
/// backend tells its threads apart (production, lockstep-sim); under loom and shuttle all
/// modelled threads share OS threads — leave it off there.
#[derive(Debug, Clone, Copy, Default)]
pub struct CurrentItemWriter;

impl Write for CurrentItemWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // The route is taken out while it writes: the write may switch to another simulated
        // thread of this OS thread, which must find the list free.
        let taken = CURRENT.try_with(|current| {
            let mut routes = current.try_borrow_mut().ok()?;
            let at = routes.iter().position(|r| (r.running)() == r.thread)?;
            Some(routes.swap_remove(at))
        });
        let routed = taken.ok().flatten().map(|mut route| {
            let result = (route.write)(buf);
            let _ = CURRENT.try_with(|current| current.borrow_mut().push(route));
            result
        });
        match routed {
            Some(result) => result,
            _ => io::stderr().write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        io::stderr().flush()
    }
}
