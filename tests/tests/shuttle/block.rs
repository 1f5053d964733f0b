//! block under shuttle (in progress).
