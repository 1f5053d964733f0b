//! lockstep's API with the backend fixed to [`Std`](crate::sync::Std), the production backend:
//! `on_std::sync` (the facade's shape), `on_std::thread` and `on_std::std::{sync, thread, time}`
//! (std's signatures).
//!
//! Named `on_std`, not `std`: `use lockstep::std::sync::Mutex` would differ from
//! `use std::sync::Mutex` by one word and mean something else (no poisoning), and inside a
//! crate a module named `std` makes `std::` paths ambiguous. The facade types already default to
//! `Std`, so the module matters mostly for functions (`thread::spawn(f)` without a turbofish)
//! and for keeping one `use` prefix per backend: `lockstep::on_std`, `lockstep::on_loom`,
//! `lockstep::on_shuttle`, and the simulator's `lockstep_sim`.
//!
//! ```
//! use lockstep::on_std::std::sync::{Arc, Mutex};
//! use lockstep::on_std::std::thread;
//!
//! let total = Arc::new(Mutex::new(0));
//! let workers: Vec<_> = (1..=3)
//!     .map(|n| {
//!         let total = total.clone();
//!         thread::spawn(move || *total.lock().unwrap() += n)
//!     })
//!     .collect();
//! for worker in workers {
//!     worker.join().unwrap();
//! }
//! assert_eq!(*total.lock().unwrap(), 6);
//! ```

crate::__runtime_aliases!(runtime: crate::sync::Std, name: "lockstep::sync::Std");
