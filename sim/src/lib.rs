//! # lockstep-sim
//!
//! The deterministic simulator backend of the lockstep facade (in development; see the project
//! README). Today it only re-exports the facade it will implement.

pub use lockstep::sync::Runtime;
