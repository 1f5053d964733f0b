//! The production backends (std threads, tokio): stress runs and the feature-unification guard.

mod async_components;
mod block;
mod compat;
mod external_backend;
mod facade;
mod facade_async;
mod feature_guard;
mod handoff;
mod ordered;
mod ported;
mod spawn_failure;
mod tasktree;
