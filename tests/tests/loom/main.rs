//! Everything checked by loom, in one test binary (never beside shuttle tests: shuttle's
//! process-wide panic hook would mislabel loom's panics). Each check runs in a child process
//! so that loom's abort on deadlock becomes an ordinary result.
//!
//! Default runs are bounded (preemption bounds, sizes) to fit CI; set
//! `LOCKSTEP_LOOM_PREEMPTIONS` to explore deeper in the tests that use the default config.

mod block;
mod facade;
mod handoff;
mod ordered;
mod ported;
mod tasktree;
