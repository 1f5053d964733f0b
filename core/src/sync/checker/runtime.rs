//! `checker_runtime!`: the one `impl Runtime` of the checker backends, written once.
//!
//! loom and shuttle both mirror std (`$checker::thread`, `$checker::sync::{Mutex, RwLock,
//! atomic}`), so everything but the condition variable is the same forwarding code: threads,
//! the poison-free mutex behind a [`RelockGuard`](super::RelockGuard), the reader-writer lock,
//! the atomics, `Arc` and the logical clock. Each backend passes only what differs — its name,
//! where its `Arc` comes from, its scheduling switch and its condvar items — so a fix to the
//! shared part reaches both, and the two cannot drift apart.
//!
//! Time: `sleep` is a scheduling point both before and after it moves the logical clock
//! (`switch`), so other threads can observe the sleeper's earlier effects at the earlier time
//! and its later ones after it.

/// `impl Relockable` for the checker's mutex and `impl Runtime for $backend`.
///
/// - `checker`: the crate whose `thread` and `sync` modules mirror std (`loom`, `shuttle`);
/// - `arc`: the crate whose `sync::Arc` the backend uses (`loom`'s own; shuttle uses `std`'s);
/// - `switch`: an expression that is a scheduling point and nothing else;
/// - `condvar`: the items `type Condvar`, `condvar_new`, `condvar_wait` and
///   `condvar_wait_timeout` (the notify functions forward to the condvar's own methods).
macro_rules! checker_runtime {
    (
        backend: $backend:ident,
        name: $name:literal,
        checker: $checker:ident,
        arc: $arc:ident,
        switch: $switch:expr,
        condvar: { $($condvar:item)* } $(,)?
    ) => {
        impl<T> $crate::sync::checker::Relockable for $checker::sync::Mutex<T> {
            type Target = T;
            type Guard<'a>
                = $checker::sync::MutexGuard<'a, T>
            where
                T: 'a;
            fn relock(&self) -> Self::Guard<'_> {
                $crate::sync::poison::unpoisoned(self.lock())
            }
        }

        impl $crate::sync::Runtime for $backend {
            const NAME: &'static str = $name;

            type JoinHandle<T: Send + 'static> = $checker::thread::JoinHandle<T>;

            fn spawn<F, T>(name: Option<String>, f: F) -> Self::JoinHandle<T>
            where
                F: FnOnce() -> T + Send + 'static,
                T: Send + 'static,
            {
                let builder = match name {
                    Some(name) => $checker::thread::Builder::new().name(name),
                    None => $checker::thread::Builder::new(),
                };
                builder.spawn(f).expect(concat!($name, ": spawn thread"))
            }

            fn join<T: Send + 'static>(
                handle: Self::JoinHandle<T>,
            ) -> Result<T, $crate::sync::PanicPayload> {
                handle.join()
            }

            fn yield_now() {
                $checker::thread::yield_now()
            }

            type Mutex<T: Send> = $checker::sync::Mutex<T>;
            type MutexGuard<'a, T: Send + 'a> =
                $crate::sync::checker::RelockGuard<'a, $checker::sync::Mutex<T>>;

            fn mutex_new<T: Send>(value: T) -> Self::Mutex<T> {
                $checker::sync::Mutex::new(value)
            }

            fn mutex_lock<T: Send>(mutex: &Self::Mutex<T>) -> Self::MutexGuard<'_, T> {
                $crate::sync::checker::RelockGuard::lock(mutex)
            }

            fn mutex_try_lock<T: Send>(mutex: &Self::Mutex<T>) -> Option<Self::MutexGuard<'_, T>> {
                $crate::sync::poison::try_unpoisoned(mutex.try_lock())
                    .map(|guard| $crate::sync::checker::RelockGuard::new(mutex, guard))
            }

            fn mutex_into_inner<T: Send>(mutex: Self::Mutex<T>) -> T {
                $crate::sync::poison::unpoisoned(mutex.into_inner())
            }

            $($condvar)*

            fn condvar_notify_one(condvar: &Self::Condvar) {
                condvar.notify_one()
            }

            fn condvar_notify_all(condvar: &Self::Condvar) {
                condvar.notify_all()
            }

            type RwLock<T: Send + Sync> = $checker::sync::RwLock<T>;
            type RwLockReadGuard<'a, T: Send + Sync + 'a> = $checker::sync::RwLockReadGuard<'a, T>;
            type RwLockWriteGuard<'a, T: Send + Sync + 'a> =
                $checker::sync::RwLockWriteGuard<'a, T>;

            fn rwlock_new<T: Send + Sync>(value: T) -> Self::RwLock<T> {
                $checker::sync::RwLock::new(value)
            }

            fn rwlock_read<T: Send + Sync>(lock: &Self::RwLock<T>) -> Self::RwLockReadGuard<'_, T> {
                $crate::sync::poison::unpoisoned(lock.read())
            }

            fn rwlock_write<T: Send + Sync>(
                lock: &Self::RwLock<T>,
            ) -> Self::RwLockWriteGuard<'_, T> {
                $crate::sync::poison::unpoisoned(lock.write())
            }

            fn rwlock_into_inner<T: Send + Sync>(lock: Self::RwLock<T>) -> T {
                $crate::sync::poison::unpoisoned(lock.into_inner())
            }

            type AtomicBool = $checker::sync::atomic::AtomicBool;
            type AtomicUsize = $checker::sync::atomic::AtomicUsize;
            type AtomicU64 = $checker::sync::atomic::AtomicU64;

            type Arc<T: Send + Sync> = $arc::sync::Arc<T>;

            fn arc_new<T: Send + Sync>(value: T) -> Self::Arc<T> {
                $arc::sync::Arc::new(value)
            }

            fn arc_ptr_eq<T: Send + Sync>(a: &Self::Arc<T>, b: &Self::Arc<T>) -> bool {
                $arc::sync::Arc::ptr_eq(a, b)
            }

            fn arc_try_unwrap<T: Send + Sync>(arc: Self::Arc<T>) -> Result<T, Self::Arc<T>> {
                $arc::sync::Arc::try_unwrap(arc)
            }

            type Instant = $crate::sync::time::LogicalInstant;

            fn now() -> Self::Instant {
                $crate::sync::checker::now()
            }

            fn instant_add(instant: Self::Instant, duration: ::std::time::Duration) -> Self::Instant {
                instant.saturating_add(duration)
            }

            fn instant_saturating_sub(
                later: Self::Instant,
                earlier: Self::Instant,
            ) -> ::std::time::Duration {
                later.saturating_duration_since(earlier)
            }

            fn sleep(duration: ::std::time::Duration) {
                $switch;
                let deadline = $crate::sync::checker::now().saturating_add(duration);
                $crate::sync::checker::advance_to(deadline);
                $switch;
            }
        }
    };
}
pub(crate) use checker_runtime;
