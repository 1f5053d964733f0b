//! tasktree under loom (in progress).
