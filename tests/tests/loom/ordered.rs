//! ordered under loom (in progress).
