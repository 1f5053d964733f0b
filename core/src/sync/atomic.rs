//! Atomics with std's names and orderings, on any backend.
//!
//! ```
//! use lockstep::sync::atomic::{AtomicUsize, Ordering};
//! let hits: AtomicUsize = AtomicUsize::new(0);
//! hits.fetch_add(2, Ordering::Relaxed);
//! assert_eq!(hits.load(Ordering::Relaxed), 2);
//! ```

use super::runtime::{RawAtomic, RawAtomicBool, RawAtomicInt};
use super::{Runtime, Std};
use std::fmt;
pub use std::sync::atomic::Ordering;

macro_rules! atomic_wrapper {
    ($(#[$doc:meta])* $name:ident, $value:ty, $raw:ident) => {
        $(#[$doc])*
        pub struct $name<R: Runtime = Std> {
            raw: R::$raw,
        }

        impl<R: Runtime> $name<R> {
            /// A new atomic holding `value`.
            #[inline]
            #[track_caller]
            pub fn new(value: $value) -> Self {
                Self { raw: <R::$raw as RawAtomic>::new(value) }
            }
            /// Load the value.
            #[inline]
            #[track_caller]
            pub fn load(&self, order: Ordering) -> $value {
                self.raw.load(order)
            }
            /// Store a value.
            #[inline]
            #[track_caller]
            pub fn store(&self, value: $value, order: Ordering) {
                self.raw.store(value, order)
            }
            /// Store a value, returning the previous one.
            #[inline]
            #[track_caller]
            pub fn swap(&self, value: $value, order: Ordering) -> $value {
                self.raw.swap(value, order)
            }
            /// Store `new` if the value is `current`: `Ok(previous)` or `Err(actual)`.
            #[inline]
            #[track_caller]
            pub fn compare_exchange(
                &self,
                current: $value,
                new: $value,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$value, $value> {
                self.raw.compare_exchange(current, new, success, failure)
            }
        }

        impl<R: Runtime> Default for $name<R> {
            #[track_caller]
            fn default() -> Self {
                Self::new(<$value>::default())
            }
        }

        impl<R: Runtime> fmt::Debug for $name<R> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_tuple(stringify!($name)).field(&self.raw.load(Ordering::Relaxed)).finish()
            }
        }
    };
}

macro_rules! atomic_int_ops {
    ($name:ident, $value:ty) => {
        impl<R: Runtime> $name<R> {
            /// Add (wrapping), returning the previous value.
            #[inline]
            #[track_caller]
            pub fn fetch_add(&self, value: $value, order: Ordering) -> $value {
                self.raw.fetch_add(value, order)
            }
            /// Subtract (wrapping), returning the previous value.
            #[inline]
            #[track_caller]
            pub fn fetch_sub(&self, value: $value, order: Ordering) -> $value {
                self.raw.fetch_sub(value, order)
            }
            /// Store the maximum, returning the previous value.
            #[inline]
            #[track_caller]
            pub fn fetch_max(&self, value: $value, order: Ordering) -> $value {
                self.raw.fetch_max(value, order)
            }
            /// Store the minimum, returning the previous value.
            #[inline]
            #[track_caller]
            pub fn fetch_min(&self, value: $value, order: Ordering) -> $value {
                self.raw.fetch_min(value, order)
            }
        }
    };
}

atomic_wrapper!(
    /// An atomic `bool` on backend `R`.
    AtomicBool, bool, AtomicBool
);
atomic_wrapper!(
    /// An atomic `usize` on backend `R`.
    AtomicUsize, usize, AtomicUsize
);
atomic_wrapper!(
    /// An atomic `u64` on backend `R`.
    AtomicU64, u64, AtomicU64
);
atomic_int_ops!(AtomicUsize, usize);
atomic_int_ops!(AtomicU64, u64);

impl<R: Runtime> AtomicBool<R> {
    /// Logical or, returning the previous value.
    #[inline]
    #[track_caller]
    pub fn fetch_or(&self, value: bool, order: Ordering) -> bool {
        self.raw.fetch_or(value, order)
    }
    /// Logical and, returning the previous value.
    #[inline]
    #[track_caller]
    pub fn fetch_and(&self, value: bool, order: Ordering) -> bool {
        self.raw.fetch_and(value, order)
    }
}
