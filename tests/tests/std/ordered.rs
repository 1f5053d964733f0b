//! ordered under std (in progress).
