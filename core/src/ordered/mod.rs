//! Ordered output monitor (in progress).
mod ledger;
pub use ledger::ItemFailure;
