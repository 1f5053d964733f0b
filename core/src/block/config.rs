//! Block manager settings, validated once at construction.
//!
//! Guarantees: a [`Config`] that [`Config::validate`] accepts cannot make the manager hang or
//! refuse an ordinary write: there is at least one upload worker and one queue slot, and the
//! buffered-bytes cap holds at least one full block (so a writer filling a block is never told to
//! wait for space that only its own unfinished block occupies). Nor can it exhaust the machine's
//! threads: at most [`MAX_WORKERS`] upload workers. Bad settings are a typed [`ConfigError`].

use std::time::Duration;

/// Keep's block size: 64 MiB.
pub const KEEP_BLOCK_SIZE: usize = 64 << 20;

/// The most upload workers a manager starts (one thread each); more is a
/// [`ConfigError::TooManyWorkers`]. Far above what an upload queue needs, far below what
/// exhausts a machine's threads.
pub const MAX_WORKERS: usize = 1024;

/// What `commit` does with a block whose last upload failed and that is not being retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnError {
    /// Start a new round of upload attempts (Arvados's behaviour after its retryable-error fix).
    #[default]
    Retry,
    /// Return the stored error; the block stays in `Error` until discarded.
    Report,
}

/// How a failed upload is retried: `max_attempts` puts in all, waiting `initial_backoff`,
/// then twice as long each time, never more than `max_backoff` (facade time: virtual under
/// checkers and the simulator).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Puts per round of attempts (at least 1).
    pub max_attempts: u32,
    /// The wait after the first failure.
    pub initial_backoff: Duration,
    /// The longest wait.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(50),
            max_backoff: Duration::from_secs(2),
        }
    }
}

impl RetryPolicy {
    /// The wait after the `failures`-th consecutive failure (1-based).
    ///
    /// ```
    /// use lockstep::block::RetryPolicy;
    /// use std::time::Duration;
    /// let p = RetryPolicy { max_attempts: 9, initial_backoff: Duration::from_millis(10),
    ///                       max_backoff: Duration::from_millis(50) };
    /// let waits: Vec<u64> = (1..=4).map(|n| p.backoff(n).as_millis() as u64).collect();
    /// assert_eq!(waits, [10, 20, 40, 50]);
    /// ```
    pub fn backoff(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(31);
        self.initial_backoff
            .saturating_mul(1 << doublings)
            .min(self.max_backoff)
    }
}

/// Settings of a [`BlockManager`](super::BlockManager).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// Largest block, in bytes (Keep: 64 MiB).
    pub block_size: usize,
    /// Most bytes buffered (in blocks not yet committed) before writers wait; `None` means
    /// `(workers + queue_capacity + 1) × block_size`: every worker and queue slot can hold a full
    /// block while the writer fills the next.
    pub buffer_cap: Option<usize>,
    /// Upload worker threads (Arvados: 2; at most [`MAX_WORKERS`]).
    pub workers: usize,
    /// Slots in the upload queue (Arvados: 2); a commit waits while it is full.
    pub queue_capacity: usize,
    /// Retries of failed uploads.
    pub retry: RetryPolicy,
    /// What committing a failed block does.
    pub on_error: OnError,
    /// Closed files' last blocks smaller than this are packed together into shared blocks
    /// (Arvados: half a block); 0 turns repacking off.
    pub repack_below: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            block_size: KEEP_BLOCK_SIZE,
            buffer_cap: None,
            workers: 2,
            queue_capacity: 2,
            retry: RetryPolicy::default(),
            on_error: OnError::default(),
            repack_below: KEEP_BLOCK_SIZE / 2,
        }
    }
}

/// Settings a manager cannot run with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// `block_size` is 0.
    #[error("block_size must be at least 1 byte")]
    ZeroBlockSize,
    /// `workers` is 0.
    #[error("at least one upload worker is needed")]
    NoWorkers,
    /// `workers` is above [`MAX_WORKERS`].
    #[error("{workers} upload workers asked for; at most {max} are allowed")]
    TooManyWorkers {
        /// The workers asked for.
        workers: usize,
        /// The limit.
        max: usize,
    },
    /// `queue_capacity` is 0.
    #[error("the upload queue needs at least one slot")]
    NoQueue,
    /// `retry.max_attempts` is 0.
    #[error("retry.max_attempts must be at least 1")]
    NoAttempts,
    /// The cap cannot hold one block.
    #[error("buffer_cap {cap} is smaller than block_size {block_size}")]
    CapBelowBlock {
        /// The cap asked for.
        cap: usize,
        /// The block size.
        block_size: usize,
    },
}

impl Config {
    /// Set the block size (and, when `repack_below` was the default half block, keep it half).
    pub fn block_size(mut self, bytes: usize) -> Self {
        if self.repack_below == self.block_size / 2 {
            self.repack_below = bytes / 2;
        }
        self.block_size = bytes;
        self
    }
    /// Set the buffered-bytes cap.
    pub fn buffer_cap(mut self, bytes: usize) -> Self {
        self.buffer_cap = Some(bytes);
        self
    }
    /// Set the number of upload workers.
    pub fn workers(mut self, workers: usize) -> Self {
        self.workers = workers;
        self
    }
    /// Set the upload queue's capacity.
    pub fn queue_capacity(mut self, slots: usize) -> Self {
        self.queue_capacity = slots;
        self
    }
    /// Set the retry policy.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }
    /// Set what committing a failed block does.
    pub fn on_error(mut self, on_error: OnError) -> Self {
        self.on_error = on_error;
        self
    }
    /// Set the repacking threshold (0: off).
    pub fn repack_below(mut self, bytes: usize) -> Self {
        self.repack_below = bytes;
        self
    }

    /// The cap in force.
    pub fn effective_cap(&self) -> usize {
        self.buffer_cap.unwrap_or_else(|| {
            self.block_size.saturating_mul(
                self.workers
                    .saturating_add(self.queue_capacity)
                    .saturating_add(1),
            )
        })
    }

    /// Check the settings.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.block_size == 0 {
            return Err(ConfigError::ZeroBlockSize);
        }
        if self.workers == 0 {
            return Err(ConfigError::NoWorkers);
        }
        if self.workers > MAX_WORKERS {
            return Err(ConfigError::TooManyWorkers {
                workers: self.workers,
                max: MAX_WORKERS,
            });
        }
        if self.queue_capacity == 0 {
            return Err(ConfigError::NoQueue);
        }
        if self.retry.max_attempts == 0 {
            return Err(ConfigError::NoAttempts);
        }
        let cap = self.effective_cap();
        if cap < self.block_size {
            return Err(ConfigError::CapBelowBlock {
                cap,
                block_size: self.block_size,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_arvados_like_and_valid() {
        let c = Config::default();
        assert_eq!(
            (c.block_size, c.workers, c.queue_capacity),
            (64 << 20, 2, 2)
        );
        assert_eq!(c.effective_cap(), 5 * (64 << 20));
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn bad_settings_are_typed_errors() {
        let c = Config::default();
        assert_eq!(
            c.clone().block_size(0).validate(),
            Err(ConfigError::ZeroBlockSize)
        );
        assert_eq!(c.clone().workers(0).validate(), Err(ConfigError::NoWorkers));
        assert_eq!(c.clone().workers(MAX_WORKERS).validate(), Ok(()));
        assert_eq!(
            c.clone().workers(40_000).validate(),
            Err(ConfigError::TooManyWorkers {
                workers: 40_000,
                max: MAX_WORKERS
            })
        );
        assert_eq!(
            c.clone().queue_capacity(0).validate(),
            Err(ConfigError::NoQueue)
        );
        let no_attempts = RetryPolicy {
            max_attempts: 0,
            ..RetryPolicy::default()
        };
        assert_eq!(
            c.clone().retry(no_attempts).validate(),
            Err(ConfigError::NoAttempts)
        );
        assert_eq!(
            c.block_size(100).buffer_cap(99).validate(),
            Err(ConfigError::CapBelowBlock {
                cap: 99,
                block_size: 100
            })
        );
    }

    #[test]
    fn backoff_doubles_and_saturates() {
        let p = RetryPolicy {
            max_attempts: 100,
            initial_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_secs(1),
        };
        assert_eq!(p.backoff(1), Duration::from_millis(1));
        assert_eq!(p.backoff(4), Duration::from_millis(8));
        assert_eq!(p.backoff(99), Duration::from_secs(1));
    }
}
