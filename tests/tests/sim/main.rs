//! lockstep-sim: the acceptance models (each bug found, each fixed twin passes) and the
//! framework's own guarantees (replay, determinism, shrinking, reports, virtual time).

mod acceptance;
mod async_components;
mod compat;
mod components;
mod framework;
mod optimal;
mod ported;
mod process;
mod seeds;
mod strategies;
mod timeline;
