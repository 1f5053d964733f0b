//! block under loom (in progress).
