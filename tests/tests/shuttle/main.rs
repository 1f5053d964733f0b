//! Everything checked by shuttle, in one test binary (shuttle installs a process-wide panic
//! hook, so loom tests live elsewhere).

mod async_components;
mod block;
mod facade;
mod facade_async;
mod handoff;
mod ordered;
mod pct_gap;
mod ported;
mod spinning;
mod tasktree;
