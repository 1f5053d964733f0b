//! [`Config`]: the knobs of a run (window, fail-fast, timeout, log routing, error line).
//!
//! Every knob has a safe default: a bounded window (64 items, 16 MiB), keep going after a
//! failure, no timeout, no log routing, and the error line `error: item K failed: REASON`.

use super::ledger::Window;
use std::fmt;
use std::time::Duration;

/// Renders the one-line error written in place of a failed item (without the newline).
pub type ErrorLine = fn(item: usize, reason: &str) -> String;

/// How a run behaves. Build with [`Config::default`] and the builder methods.
///
/// ```
/// use lockstep::ordered::Config;
/// use std::time::Duration;
/// let config = Config::default()
///     .window_items(8)
///     .window_bytes(1 << 20)
///     .fail_fast(true)
///     .item_timeout(Duration::from_secs(600));
/// assert_eq!(config.window_items, 8);
/// ```
#[derive(Clone, Copy)]
#[non_exhaustive]
pub struct Config {
    /// Items beyond the head that may run (0: only the head runs, i.e. sequential).
    pub window_items: usize,
    /// Bytes that may be buffered for items that are not the head; a writer that would exceed
    /// it blocks until the head advances (the head itself streams and never blocks).
    pub window_bytes: usize,
    /// Stop at the first failed item: nothing after it is run or written.
    pub fail_fast: bool,
    /// Fail an item that runs longer than this (measured on the runtime's clock).
    pub item_timeout: Option<Duration>,
    /// Route writes to [`CurrentItemWriter`](super::CurrentItemWriter) on a worker thread into
    /// the item that worker is running.
    pub route_logs: bool,
    /// The error line written for a failed item.
    pub error_line: ErrorLine,
}

/// The default error line: `error: item 3 failed: worker panicked: boom`.
pub fn default_error_line(item: usize, reason: &str) -> String {
    format!("error: item {item} failed: {reason}")
}

impl Default for Config {
    fn default() -> Self {
        Self {
            window_items: 64,
            window_bytes: 16 << 20,
            fail_fast: false,
            item_timeout: None,
            route_logs: false,
            error_line: default_error_line,
        }
    }
}

impl Config {
    /// Set how many items beyond the head may run.
    pub fn window_items(mut self, items: usize) -> Self {
        self.window_items = items;
        self
    }
    /// Set how many bytes may be buffered ahead of the head.
    pub fn window_bytes(mut self, bytes: usize) -> Self {
        self.window_bytes = bytes;
        self
    }
    /// Stop at the first failed item.
    pub fn fail_fast(mut self, on: bool) -> Self {
        self.fail_fast = on;
        self
    }
    /// Fail items that run longer than `timeout`.
    pub fn item_timeout(mut self, timeout: Duration) -> Self {
        self.item_timeout = Some(timeout);
        self
    }
    /// Route [`CurrentItemWriter`](super::CurrentItemWriter) output into the current item.
    pub fn route_logs(mut self, on: bool) -> Self {
        self.route_logs = on;
        self
    }
    /// Set the error line written for a failed item.
    pub fn error_line(mut self, render: ErrorLine) -> Self {
        self.error_line = render;
        self
    }

    pub(crate) fn window(&self) -> Window {
        Window {
            items: self.window_items,
            bytes: self.window_bytes,
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("window_items", &self.window_items)
            .field("window_bytes", &self.window_bytes)
            .field("fail_fast", &self.fail_fast)
            .field("item_timeout", &self.item_timeout)
            .field("route_logs", &self.route_logs)
            .finish_non_exhaustive()
    }
}
