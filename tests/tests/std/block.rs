//! block under std (in progress).
