//! Workspace integration tests live in `tests/tests/`.
//!
//! The README's Rust examples are compiled and run as doctests of this crate, so the README
//! cannot drift from the API.

#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
