//! Ordered output monitor (in progress; see issue "Ordered output monitor").
