//! Models of the tasktree component (in progress).
