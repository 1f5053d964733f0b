//! The simulator's acceptance models: small programs with a known concurrency bug, each with a
//! fixed twin, written once against the facade. The checkers must find every bug (with a replay
//! token and a readable report) and pass every fixed twin.
//!
//! | model | bug | fixed twin |
//! |---|---|---|
//! | [`abba`] | two threads take two locks in opposite orders | same order |
//! | [`abba`] (`after_rounds`) | the same, after 5 rounds on a third lock | same order |
//! | [`atomicity`] | check-then-act on an atomic (`load` then `fetch_add`) | `compare_exchange` loop |
//! | [`depth3`] | a flag protocol that fails only under 3 ordering constraints | publish in order |
//! | [`rotation`] | three threads advance a shared stage by compare-exchange in two rounds (3 preemptions) | one lock around both claims |
//! | [`timeout_progress`] | a wait that nobody ends | a timed wait (needs a clock that fires) |
//! | [`retry`] | a client retries a failing store once | retries until it succeeds |
//! | [`gather`] | an async lock held across an await in a two-task gather | release before awaiting |
//!
//! The lost wakeup (notify_one with three waiters) is [`crate::handoff`].

pub mod abba;
pub mod atomicity;
pub mod depth3;
pub mod gather;
pub mod retry;
pub mod rotation;
pub mod timeout_progress;
