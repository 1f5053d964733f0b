//! Typed errors: bad input to a tree ([`TreeError`]) and runs that could not finish
//! ([`RunError`]). Nothing here is a panic: a panicking job or callback becomes a `RunError`.

use std::fmt;

/// Why a list of job names was rejected. `index` is the entry's 0-based position in the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TreeError {
    /// A name is the empty string.
    #[error("entry {index}: empty job name")]
    EmptyName {
        /// Position in the input.
        index: usize,
    },
    /// A name starts with `/`.
    #[error("entry {index}: job name {name:?} starts with '/'")]
    LeadingSlash {
        /// Position in the input.
        index: usize,
        /// The name.
        name: String,
    },
    /// A name sorts before the one above it.
    #[error("entry {index}: job name {name:?} is out of order (it sorts before {previous:?})")]
    NotSorted {
        /// Position in the input.
        index: usize,
        /// The name.
        name: String,
        /// The entry before it.
        previous: String,
    },
    /// A name repeats the one above it.
    #[error("entry {index}: duplicate job name {name:?}")]
    Duplicate {
        /// Position in the input.
        index: usize,
        /// The name.
        name: String,
    },
    /// The barrier name is empty or contains `/`.
    #[error("invalid barrier name {name:?}: it must be non-empty and must not contain '/'")]
    InvalidBarrierName {
        /// The rejected barrier name.
        name: String,
    },
    /// A name contains the barrier component while barriers are disabled.
    #[error(
        "entry {index}: job name {name:?} contains the barrier component {barrier:?} \
         but barriers are disabled"
    )]
    BarrierDisabled {
        /// Position in the input.
        index: usize,
        /// The name.
        name: String,
        /// The barrier component.
        barrier: String,
    },
    /// More jobs, nodes or name bytes than the compact layout addresses (u32 indices).
    #[error("the job list is too large: at most {max} jobs and 4 GiB of names")]
    TooLarge {
        /// The largest supported number of jobs or nodes.
        max: usize,
    },
}

impl TreeError {
    /// The 0-based input position the error is about, if it is about one entry.
    pub fn index(&self) -> Option<usize> {
        match self {
            TreeError::EmptyName { index }
            | TreeError::LeadingSlash { index, .. }
            | TreeError::NotSorted { index, .. }
            | TreeError::Duplicate { index, .. }
            | TreeError::BarrierDisabled { index, .. } => Some(*index),
            TreeError::InvalidBarrierName { .. } | TreeError::TooLarge { .. } => None,
        }
    }
}

/// Which user-supplied function panicked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Stage {
    /// The job itself (on a worker, or inline).
    Job,
    /// The completion callback (on the coordinating thread).
    Completion,
    /// The priority function.
    Priority,
    /// The spacing function.
    Spacing,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stage::Job => "job",
            Stage::Completion => "completion callback",
            Stage::Priority => "priority function",
            Stage::Spacing => "spacing function",
        })
    }
}

/// Why a run did not produce a [`Report`](super::Report).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// `max_workers` was zero.
    #[error("max_workers must be at least 1")]
    NoWorkers,
    /// The thread pool was asked for more than [`MAX_WORKERS`](super::MAX_WORKERS) workers.
    #[error("max_workers {workers} is above the thread pool's limit of {max}")]
    TooManyWorkers {
        /// The `max_workers` asked for.
        workers: usize,
        /// The limit.
        max: usize,
    },
    /// Virtual time ([`Runner::simulate`](super::Runner::simulate)) would run past its end
    /// (`u64::MAX` ns, about 584 years) when this job finishes; the run stopped before it.
    #[error("virtual time overflows (past about 584 years) when job {job:?} would finish")]
    ClockOverflow {
        /// The job whose finish time does not fit.
        job: String,
    },
    /// The OS refused to start a worker thread. The threads already started were stopped
    /// and joined; no job was run.
    #[error("could not start worker thread {worker} of {workers}: {reason}")]
    Spawn {
        /// The 0-based worker that could not start.
        worker: usize,
        /// The workers asked for.
        workers: usize,
        /// The OS's reason.
        reason: String,
    },

    /// A job or a callback panicked. The run stopped submitting, cancelled the jobs in flight
    /// and waited for them before returning this.
    #[error("{stage} panicked while handling job {job:?}: {message}")]
    Panicked {
        /// Which function panicked.
        stage: Stage,
        /// The job it was called for.
        job: String,
        /// The panic message.
        message: String,
    },
}
