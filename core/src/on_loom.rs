//! lockstep's API with the backend fixed to `Loom` (feature `loom`): `on_loom::sync` (the
//! facade's shape), `on_loom::thread` and `on_loom::std::{sync, thread, time}` (std's
//! signatures), for models checked with [`crate::check::loom`].
//!
//! Loom allows at most 5 threads (the main thread included) and aborts the process on a
//! deadlock, which `check::loom` contains in a child process.
//!
//! ```
//! use lockstep::on_loom::std::sync::{Arc, Mutex};
//! use lockstep::on_loom::std::thread;
//!
//! fn model() {
//!     let hits = Arc::new(Mutex::new(0));
//!     let h = {
//!         let hits = hits.clone();
//!         thread::spawn(move || *hits.lock().unwrap() += 1)
//!     };
//!     *hits.lock().unwrap() += 1;
//!     h.join().unwrap();
//!     assert_eq!(*hits.lock().unwrap(), 2);
//! }
//! # let _ = model;
//! ```

crate::__runtime_aliases!(runtime: crate::sync::Loom, name: "lockstep::sync::Loom");
