//! The per-backend alias modules, written once.
//!
//! [`__runtime_aliases!`](crate::__runtime_aliases) expands, where it is invoked, to three
//! modules whose items have the backend fixed, so user code names no backend and calls no
//! turbofish:
//! - `sync`: the facade's shape (`lock()` returns the guard) — `Mutex<T>`, `Condvar`,
//!   `RwLock<T>`, `Arc<T>`, `atomic`, `channel`, `time`;
//! - `thread`: the facade's `spawn(f)`, `Builder`, `JoinHandle<T>`, `yield_now`, `sleep`;
//! - `std::{sync, thread, time}`: the std-compatible flavour ([`crate::compat`]), std's
//!   signatures (`lock()` returns a `LockResult`).
//!
//! It is invoked for `Std` ([`crate::on_std`]), `Loom` (`crate::on_loom`), `Shuttle`
//! (`crate::on_shuttle`) and, from lockstep-sim's root, for `Sim` — one definition, so the four
//! sets cannot drift apart. Types are aliases (`type Mutex<T> = sync::Mutex<T, Sim>`); a
//! generic *function's* parameter cannot be fixed by an alias, so functions are one-line
//! `#[inline]` forwards, `#[track_caller]` where the facade's are, so that checker reports
//! keep pointing at the user's code.

/// Expands to the `sync`, `thread` and `std` alias modules for one backend (see
/// `core/src/aliases.rs`). Not a public API: exported for lockstep-sim.
///
/// `runtime` must be a path that resolves from any module (`crate::Sim`, `$crate::sync::Std`);
/// `name` is how users spell the backend, for the docs. The generated code spells std as
/// `::std`, because the invoking module gains a child module named `std`.
#[doc(hidden)]
#[macro_export]
macro_rules! __runtime_aliases {
    (runtime: $rt:ty, name: $name:literal $(,)?) => {
        #[doc = concat!(
            "The facade's (`lockstep::sync`) types with the backend fixed to `", $name,
            "`: `lock()` returns the guard.\n\n",
            "`Mutex<T>` here is `lockstep::sync::Mutex<T, ", $name, ">`, and so on; see the ",
            "facade's items for their docs. For std's signatures (`lock()` returning a ",
            "`LockResult`) use the sibling module `std::sync`."
        )]
        pub mod sync {
            /// The facade's mutex on this backend (`lock()` returns the guard; never poisons).
            pub type Mutex<T> = $crate::sync::Mutex<T, $rt>;
            /// Holds a [`Mutex`] locked until dropped.
            pub type MutexGuard<'a, T> = $crate::sync::MutexGuard<'a, T, $rt>;
            /// The facade's condition variable on this backend.
            pub type Condvar = $crate::sync::Condvar<$rt>;
            /// The facade's reader-writer lock on this backend.
            pub type RwLock<T> = $crate::sync::RwLock<T, $rt>;
            /// Shared access to an [`RwLock`].
            pub type RwLockReadGuard<'a, T> = $crate::sync::RwLockReadGuard<'a, T, $rt>;
            /// Exclusive access to an [`RwLock`].
            pub type RwLockWriteGuard<'a, T> = $crate::sync::RwLockWriteGuard<'a, T, $rt>;
            /// The facade's reference-counted pointer on this backend.
            pub type Arc<T> = $crate::sync::Arc<T, $rt>;
            // Whether a timed wait timed out.
            pub use $crate::sync::WaitTimeoutResult;

            /// Atomics on this backend, with std's names and orderings.
            pub mod atomic {
                /// An atomic `bool` on this backend.
                pub type AtomicBool = $crate::sync::atomic::AtomicBool<$rt>;
                /// An atomic `usize` on this backend.
                pub type AtomicUsize = $crate::sync::atomic::AtomicUsize<$rt>;
                /// An atomic `u64` on this backend.
                pub type AtomicU64 = $crate::sync::atomic::AtomicU64<$rt>;
                // std's memory orderings.
                pub use ::std::sync::atomic::Ordering;
            }

            /// The facade's bounded and unbounded multi-producer multi-consumer channels on
            /// this backend.
            pub mod channel {
                /// The sending half; clone it for more producers.
                pub type Sender<T> = $crate::sync::channel::Sender<T, $rt>;
                /// The receiving half; clone it for more consumers.
                pub type Receiver<T> = $crate::sync::channel::Receiver<T, $rt>;
                // The facade channel's errors.
                pub use $crate::sync::channel::{
                    RecvError, RecvTimeoutError, SendError, TryRecvError, TrySendError,
                };

                /// A channel holding at most `capacity` values (at least 1); `send` blocks
                /// while it is full.
                #[inline]
                pub fn bounded<T: Send>(capacity: usize) -> (Sender<T>, Receiver<T>) {
                    $crate::sync::channel::bounded::<T, $rt>(capacity)
                }

                /// A channel without a capacity limit; `send` never blocks.
                #[inline]
                pub fn unbounded<T: Send>() -> (Sender<T>, Receiver<T>) {
                    $crate::sync::channel::unbounded::<T, $rt>()
                }
            }

            /// The backend's clock.
            pub mod time {
                /// A point on this backend's monotonic clock (`Instant::now()`).
                pub type Instant = $crate::sync::time::Instant<$rt>;
            }
        }

        #[doc = concat!(
            "The facade's threads with the backend fixed to `", $name, "`: `spawn(f)` needs no ",
            "turbofish. For std's signatures (`Builder::spawn` returning an `io::Result`) use ",
            "the sibling module `std::thread`."
        )]
        pub mod thread {
            /// Configures a thread (a name) before spawning it on this backend.
            pub type Builder = $crate::sync::thread::Builder<$rt>;
            /// An owned permission to join a thread of this backend.
            pub type JoinHandle<T> = $crate::sync::thread::JoinHandle<T, $rt>;
            // The message of a panic payload, if it is a string.
            pub use $crate::sync::thread::panic_message;

            /// Spawn an unnamed thread on this backend.
            #[inline]
            #[track_caller]
            pub fn spawn<F, T>(f: F) -> JoinHandle<T>
            where
                F: FnOnce() -> T + Send + 'static,
                T: Send + 'static,
            {
                $crate::sync::thread::spawn::<$rt, F, T>(f)
            }

            /// Offer the scheduler a chance to run another thread.
            #[inline]
            #[track_caller]
            pub fn yield_now() {
                $crate::sync::thread::yield_now::<$rt>()
            }

            /// Let at least `duration` pass on this backend's clock.
            #[inline]
            #[track_caller]
            pub fn sleep(duration: ::std::time::Duration) {
                $crate::sync::thread::sleep::<$rt>(duration)
            }
        }

        #[doc = concat!(
            "std's API on `", $name, "`: `std::sync`, `std::thread` and `std::time` with std's ",
            "signatures (`lock().unwrap()`, `wait_while(..).unwrap()`, `thread::spawn(f)`, ",
            "`join().unwrap()`), so a std program moves here by changing its `use` lines.\n\n",
            "These are the `lockstep::compat` types with the backend fixed; what differs from ",
            "std (no poisoning, `WaitTimeoutResult`, thread names, the facade's `Arc`) is listed ",
            "in the `lockstep::compat` module docs."
        )]
        pub mod std {
            /// `std::sync` on this backend: std's signatures, no poisoning.
            pub mod sync {
                /// A mutex with std's signatures (`lock()` returns `Ok(guard)`).
                pub type Mutex<T> = $crate::compat::sync::Mutex<T, $rt>;
                /// Holds a [`Mutex`] locked until dropped (the facade's guard).
                pub type MutexGuard<'a, T> = $crate::sync::MutexGuard<'a, T, $rt>;
                /// A condition variable with std's signatures (every wait returns `Ok`).
                pub type Condvar = $crate::compat::sync::Condvar<$rt>;
                /// A reader-writer lock with std's signatures.
                pub type RwLock<T> = $crate::compat::sync::RwLock<T, $rt>;
                /// Shared access to an [`RwLock`].
                pub type RwLockReadGuard<'a, T> = $crate::sync::RwLockReadGuard<'a, T, $rt>;
                /// Exclusive access to an [`RwLock`].
                pub type RwLockWriteGuard<'a, T> = $crate::sync::RwLockWriteGuard<'a, T, $rt>;
                /// The facade's reference-counted pointer on this backend.
                pub type Arc<T> = $crate::sync::Arc<T, $rt>;
                /// std's reusable barrier, written on the facade.
                pub type Barrier = $crate::compat::sync::Barrier<$rt>;
                // Results and errors with std's names; the `Err` side never occurs.
                pub use $crate::compat::sync::{
                    BarrierWaitResult, LockResult, PoisonError, TryLockError, TryLockResult,
                    WaitTimeoutResult,
                };
                // Atomics on this backend (the same types as the facade-shaped module's).
                pub use super::super::sync::atomic;

                /// `std::sync::mpsc` on this backend, with std's error types.
                pub mod mpsc {
                    /// The sending half of a [`channel`]; `send` never blocks.
                    pub type Sender<T> = $crate::compat::sync::mpsc::Sender<T, $rt>;
                    /// The sending half of a [`sync_channel`]; `send` blocks while it is full.
                    pub type SyncSender<T> = $crate::compat::sync::mpsc::SyncSender<T, $rt>;
                    /// The receiving half of a channel.
                    pub type Receiver<T> = $crate::compat::sync::mpsc::Receiver<T, $rt>;
                    /// Blocking iterator over a [`Receiver`].
                    pub type Iter<'a, T> = $crate::compat::sync::mpsc::Iter<'a, T, $rt>;
                    /// Non-blocking iterator over a [`Receiver`].
                    pub type TryIter<'a, T> = $crate::compat::sync::mpsc::TryIter<'a, T, $rt>;
                    /// Owning blocking iterator over a [`Receiver`].
                    pub type IntoIter<T> = $crate::compat::sync::mpsc::IntoIter<T, $rt>;
                    // std's channel errors.
                    pub use $crate::compat::sync::mpsc::{
                        RecvError, RecvTimeoutError, SendError, TryRecvError, TrySendError,
                    };

                    /// An unbounded channel, as `std::sync::mpsc::channel`.
                    #[inline]
                    #[track_caller]
                    pub fn channel<T: Send>() -> (Sender<T>, Receiver<T>) {
                        $crate::compat::sync::mpsc::channel::<T, $rt>()
                    }

                    /// A channel of at most `bound` values, as `std::sync::mpsc::sync_channel`.
                    ///
                    /// # Panics
                    /// If `bound` is zero (rendezvous channels are not offered).
                    #[inline]
                    #[track_caller]
                    pub fn sync_channel<T: Send>(bound: usize) -> (SyncSender<T>, Receiver<T>) {
                        $crate::compat::sync::mpsc::sync_channel::<T, $rt>(bound)
                    }
                }
            }

            /// `std::thread` on this backend: `spawn(f)`, `Builder`, `JoinHandle::join`
            /// returning a `thread::Result`, `sleep`, `yield_now`.
            pub mod thread {
                /// Configures a thread (name, stack size) before spawning it.
                pub type Builder = $crate::compat::thread::Builder<$rt>;
                /// An owned permission to join a thread.
                pub type JoinHandle<T> = $crate::compat::thread::JoinHandle<T, $rt>;
                // A spawned thread's name, and `std::thread::Result`.
                pub use $crate::compat::thread::{Result, Thread};

                /// Spawn an unnamed thread, as `std::thread::spawn`.
                #[inline]
                #[track_caller]
                pub fn spawn<F, T>(f: F) -> JoinHandle<T>
                where
                    F: FnOnce() -> T + Send + 'static,
                    T: Send + 'static,
                {
                    $crate::compat::thread::spawn::<$rt, F, T>(f)
                }

                /// Let at least `dur` pass on this backend's clock.
                #[inline]
                #[track_caller]
                pub fn sleep(dur: ::std::time::Duration) {
                    $crate::compat::thread::sleep::<$rt>(dur)
                }

                /// Offer the scheduler a chance to run another thread.
                #[inline]
                #[track_caller]
                pub fn yield_now() {
                    $crate::compat::thread::yield_now::<$rt>()
                }
            }

            /// `std::time` on this backend: its clock's `Instant`, std's `Duration`.
            pub mod time {
                /// A point on this backend's monotonic clock (`Instant::now()`).
                pub type Instant = $crate::sync::time::Instant<$rt>;
                // std's `Duration`.
                pub use ::std::time::Duration;
            }
        }
    };
}
