//! tasktree under std (in progress).
