//! [`Arc`]: a shared pointer that the checkers can see (loom tracks its reference counts and
//! reports leaks).

use super::{Runtime, Std};
use std::fmt;
use std::ops::Deref;

/// A reference-counted pointer on backend `R`. Holds sized values only (loom's `Arc` cannot
/// unsize, so `Arc<dyn Trait>` is not offered); keep trait objects in a `Box` inside it.
///
/// ```
/// use lockstep::sync::Arc;
/// let a: Arc<u32> = Arc::new(5);
/// let b = a.clone();
/// assert!(Arc::ptr_eq(&a, &b));
/// drop(b);
/// assert_eq!(Arc::try_unwrap(a).ok(), Some(5));
/// ```
pub struct Arc<T: Send + Sync, R: Runtime = Std> {
    raw: R::Arc<T>,
}

impl<T: Send + Sync, R: Runtime> Arc<T, R> {
    /// A new `Arc`.
    #[inline]
    pub fn new(value: T) -> Self {
        Self {
            raw: R::arc_new(value),
        }
    }

    /// `true` if both point to the same allocation.
    #[inline]
    pub fn ptr_eq(a: &Self, b: &Self) -> bool {
        R::arc_ptr_eq(&a.raw, &b.raw)
    }

    /// The value, if `arc` is the only strong reference; otherwise `arc` back.
    #[inline]
    pub fn try_unwrap(arc: Self) -> Result<T, Self> {
        R::arc_try_unwrap(arc.raw).map_err(|raw| Self { raw })
    }
}

impl<T: Send + Sync, R: Runtime> Clone for Arc<T, R> {
    #[inline]
    fn clone(&self) -> Self {
        Self {
            raw: self.raw.clone(),
        }
    }
}

impl<T: Send + Sync, R: Runtime> Deref for Arc<T, R> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        &self.raw
    }
}

impl<T: Send + Sync + fmt::Debug, R: Runtime> fmt::Debug for Arc<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
