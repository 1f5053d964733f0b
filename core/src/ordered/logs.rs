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
//! Limitation: the current item lives in a std thread-local, so routing is for production
//! threads. Under loom and shuttle all modelled threads share OS threads; leave it off there.

use super::shared::Shared;
use crate::sync::{Arc, Runtime};
use std::cell::RefCell;
use std::io::{self, Write};

type RouteFn = Box<dyn FnMut(&[u8]) -> io::Result<usize>>;

struct Route {
    /// Address of the monitor's shared state and the item: identifies the route.
    owner: (usize, usize),
    write: RouteFn,
}

thread_local! {
    static CURRENT: RefCell<Option<Route>> = const { RefCell::new(None) };
}

/// Make `item` of `shared` this thread's current item. Returns whether it was installed.
pub(crate) fn route<W, R>(shared: Arc<Shared<W, R>, R>, item: usize) -> bool
where
    W: Write + Send + 'static,
    R: Runtime,
{
    let owner = (&*shared as *const Shared<W, R> as usize, item);
    let write: RouteFn = Box::new(move |bytes| shared.write(item, bytes));
    CURRENT
        .try_with(|current| *current.borrow_mut() = Some(Route { owner, write }))
        .is_ok()
}

/// Remove the route of `(shared address, item)` if it is still this thread's current one.
pub(crate) fn unroute(shared: usize, item: usize) {
    let _ = CURRENT.try_with(|current| {
        let mut current = current.borrow_mut();
        if current.as_ref().is_some_and(|r| r.owner == (shared, item)) {
            *current = None;
        }
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
/// Limitation: the current item lives in a std thread-local, so routing is for production
/// threads; under loom and shuttle all modelled threads share OS threads — leave it off there.
#[derive(Debug, Clone, Copy, Default)]
pub struct CurrentItemWriter;

impl Write for CurrentItemWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let routed = CURRENT.try_with(|current| {
            current
                .try_borrow_mut()
                .ok()
                .and_then(|mut route| route.as_mut().map(|r| (r.write)(buf)))
        });
        match routed {
            Ok(Some(result)) => result,
            _ => io::stderr().write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        io::stderr().flush()
    }
}
