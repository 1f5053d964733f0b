//! Models of the ordered component (in progress).
