//! Component measurements behind `lockstep bench`: each runs on the real std runtime, measures
//! against a baseline in the same run and reports one JSON object.

pub mod blocks;
pub mod ordered;
pub mod tasktree;
