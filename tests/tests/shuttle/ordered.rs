//! ordered under shuttle (in progress).
