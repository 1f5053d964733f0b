//! Barrier task scheduler (in progress).
