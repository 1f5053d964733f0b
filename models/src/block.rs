//! Models of the block component (in progress).
