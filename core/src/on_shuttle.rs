//! lockstep's API with the backend fixed to `Shuttle` (feature `shuttle`): `on_shuttle::sync`
//! (the facade's shape), `on_shuttle::thread` and `on_shuttle::std::{sync, thread, time}`
//! (std's signatures), for models checked with [`crate::check::shuttle`].
//!
//! ```
//! use lockstep::on_shuttle::std::sync::{Arc, Mutex};
//! use lockstep::on_shuttle::std::thread;
//!
//! lockstep::check::shuttle::check_pct(
//!     || {
//!         let hits = Arc::new(Mutex::new(0));
//!         let h = {
//!             let hits = hits.clone();
//!             thread::spawn(move || *hits.lock().unwrap() += 1)
//!         };
//!         *hits.lock().unwrap() += 1;
//!         h.join().unwrap();
//!         assert_eq!(*hits.lock().unwrap(), 2);
//!     },
//!     100,
//!     3,
//! );
//! ```

crate::__runtime_aliases!(runtime: crate::sync::Shuttle, name: "lockstep::sync::Shuttle");
