//! tasktree under shuttle (in progress).
