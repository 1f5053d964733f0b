//! Buffer-block state machine and block manager (in progress).
