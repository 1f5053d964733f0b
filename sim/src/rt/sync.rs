//! The simulator's mutex, condvar, reader-writer lock and atomics.
//!
//! Each holds its data in a std primitive (never contended: only one simulated thread runs at a
//! time) and its *simulation* state — who holds it, who waits — in the execution's object table
//! under a lazily registered id, which is what the scheduler, DPOR and the deadlock report read.
//! Atomics are sequentially consistent (weak-memory behaviour is loom's job).

use crate::access::{self, Role};
use crate::exec::state::{with_exec, Wait};
use crate::exec::{object_id, register_made, step, suspend, ObjKind};
use crate::op::{ObjId, Op, OpKind};
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Where the current thread is (for holder records).
#[track_caller]
fn here() -> &'static Location<'static> {
    Location::caller()
}

/// A mutex of the `Sim` backend.
#[derive(Debug)]
pub struct SimMutex<T> {
    id: AtomicU64,
    data: std::sync::Mutex<T>,
}

/// Holds a [`SimMutex`].
///
/// The data is borrowed from the mutex at the guard's first dereference, not when the lock is
/// taken: a guard used only as a lock (`let _held = m.lock()`) never touches the data, so a
/// forked child may take its copy of a lock whose data another process's guard holds (see
/// [`crate::process`]).
#[derive(Debug)]
pub struct SimMutexGuard<'a, T> {
    mutex: &'a SimMutex<T>,
    id: ObjId,
    /// Where the lock was taken (a guard's drop has no caller location of its own).
    taken_at: &'static Location<'static>,
    data: std::cell::OnceCell<std::sync::MutexGuard<'a, T>>,
}

impl<T> SimMutex<T> {
    #[track_caller]
    pub(crate) fn new(value: T) -> Self {
        Self {
            id: register_made(ObjKind::Mutex),
            data: std::sync::Mutex::new(value),
        }
    }

    fn id(&self) -> ObjId {
        object_id(&self.id, ObjKind::Mutex)
    }

    /// Borrow the data for a guard of lock `id` (the running process's copy). With several
    /// processes the data is one value shared by reference, so using it is recorded as an
    /// access of its own, and two processes holding it at once is refused with a panic (it
    /// would be two `&mut` to one value).
    fn data(&self, id: ObjId) -> std::sync::MutexGuard<'_, T> {
        if !crate::process::record_data_access(id) {
            return self
                .data
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        match self.data.try_lock() {
            Ok(data) => data,
            Err(std::sync::TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => crate::process::data_shared_panic(id),
        }
    }

    /// Forget who holds this process's copy of the lock (see [`crate::process::reinit`]).
    #[track_caller]
    pub(crate) fn reinit_after_fork(&self) {
        let id = self.id();
        step(OpKind::Reinit, Some(id));
        crate::process::reinit_object(id);
    }

    #[track_caller]
    pub(crate) fn lock(&self) -> SimMutexGuard<'_, T> {
        let id = self.id();
        let at = here();
        suspend(Op::new(OpKind::Lock, Some(id), at), Wait::Mutex(id));
        self.acquired(id, at)
    }

    fn acquired(&self, id: ObjId, at: &'static Location<'static>) -> SimMutexGuard<'_, T> {
        with_exec(|e| e.objects[id as usize].holder = Some((e.current, at)));
        SimMutexGuard {
            mutex: self,
            id,
            taken_at: at,
            data: std::cell::OnceCell::new(),
        }
    }

    #[track_caller]
    pub(crate) fn try_lock(&self) -> Option<SimMutexGuard<'_, T>> {
        let id = self.id();
        step(OpKind::TryLock, Some(id));
        let free = with_exec(|e| {
            let free = e.objects[id as usize].holder.is_none();
            let role = if free {
                Role::Acquire {
                    shared: false,
                    blocking: false,
                }
            } else {
                Role::Read
            };
            let key = e.key(id);
            e.record(key, role);
            free
        });
        free.then(|| self.acquired(id, here()))
    }

    pub(crate) fn into_inner(self) -> T {
        self.data
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl<T> Deref for SimMutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.data.get_or_init(|| self.mutex.data(self.id))
    }
}

impl<T> DerefMut for SimMutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        let _ = self.data.get_or_init(|| self.mutex.data(self.id));
        self.data.get_mut().expect("initialised above")
    }
}

impl<T> Drop for SimMutexGuard<'_, T> {
    fn drop(&mut self) {
        // Release the data first: nobody else can take it before the simulated unlock below.
        release_data(&mut self.data, self.id);
        release(OpKind::Unlock, self.id, self.taken_at);
        with_exec(|e| e.objects[self.id as usize].holder = None);
    }
}

/// Give back the data a mutex guard borrowed, if it did; with several processes that is an
/// access of the shared data too (a process borrowing it later is ordered after this).
fn release_data<T>(data: &mut std::cell::OnceCell<std::sync::MutexGuard<'_, T>>, id: ObjId) {
    if let Some(borrowed) = data.take() {
        drop(borrowed);
        if !std::thread::panicking() {
            crate::process::record_data_access(id);
        }
    }
}

/// The release step of a guard, reported at the place the guard was taken.
fn release(kind: OpKind, id: ObjId, taken_at: &'static Location<'static>) {
    suspend(Op::new(kind, Some(id), taken_at), Wait::None);
}

/// A condition variable of the `Sim` backend.
#[derive(Debug)]
pub struct SimCondvar {
    id: AtomicU64,
}

impl SimCondvar {
    #[track_caller]
    pub(crate) fn new() -> Self {
        Self {
            id: register_made(ObjKind::Condvar),
        }
    }

    fn id(&self) -> ObjId {
        object_id(&self.id, ObjKind::Condvar)
    }

    /// Release the guard's mutex, wait for a notification (or the timeout), re-take the mutex.
    /// Returns whether it timed out.
    #[track_caller]
    pub(crate) fn wait<'a, T>(
        &self,
        guard: &mut SimMutexGuard<'a, T>,
        timeout: Option<Duration>,
    ) -> bool {
        let condvar = self.id();
        let mutex = guard.id;
        let at = here();
        suspend(Op::new(OpKind::Wait, Some(condvar), at), Wait::None);
        release_data(&mut guard.data, mutex);
        let deadline = with_exec(|e| {
            let current = e.current;
            e.objects[mutex as usize].holder = None;
            let key = e.key(mutex);
            e.record(key, Role::Release { shared: false });
            e.objects[condvar as usize].waiters.push(current);
            timeout.map(|t| e.read_clock().saturating_add(t))
        });
        suspend(
            Op::new(OpKind::Reacquire, Some(mutex), at),
            Wait::Condvar {
                condvar,
                mutex,
                deadline,
                notified: false,
                timed_out: false,
            },
        );
        let timed_out = with_exec(|e| {
            let current = e.current;
            // Torn down while waiting: leave the wait list quietly (a spurious wakeup).
            e.objects[condvar as usize]
                .waiters
                .retain(|&w| w != current);
            e.objects[mutex as usize].holder = Some((current, at));
            matches!(
                e.threads[current].wait,
                Wait::Condvar {
                    timed_out: true,
                    notified: false,
                    ..
                }
            )
        });
        // The data is borrowed again at the guard's next dereference.
        timed_out
    }

    #[track_caller]
    pub(crate) fn notify_one(&self) {
        let id = self.id();
        let chosen = step(OpKind::NotifyOne, Some(id));
        with_exec(|e| {
            record_notify(e, id);
            let waiters = &mut e.objects[id as usize].waiters;
            if waiters.is_empty() {
                return;
            }
            let waiter = waiters.remove(chosen.unwrap_or(0).min(waiters.len() - 1));
            notify(e, waiter);
        });
    }

    #[track_caller]
    pub(crate) fn notify_all(&self) {
        let id = self.id();
        step(OpKind::NotifyAll, Some(id));
        with_exec(|e| {
            record_notify(e, id);
            for waiter in std::mem::take(&mut e.objects[id as usize].waiters) {
                notify(e, waiter);
            }
        });
    }
}

/// A notification changes the condvar only when someone waits on it: with nobody waiting it
/// only reads it (two such notifications commute).
fn record_notify(e: &mut crate::exec::state::ExecState, id: ObjId) {
    let role = if e.objects[id as usize].waiters.is_empty() {
        Role::Read
    } else {
        Role::Write
    };
    let key = e.key(id);
    e.record(key, role);
}

/// Mark `waiter` notified (it was taken off the condvar's wait list) and record the wake-up.
fn notify(e: &mut crate::exec::state::ExecState, waiter: crate::op::ThreadId) {
    if let Wait::Condvar { notified, .. } = &mut e.threads[waiter].wait {
        *notified = true;
    }
    // The notification runs inside the notifier's last recorded step (also while it unwinds
    // from a panic, when operations are no steps of their own).
    if !e.tearing_down {
        let step = e.trace.len();
        e.wakes.push((step, waiter));
    }
    e.record(access::wake(waiter), Role::Wake { redundant: false });
}

/// A reader-writer lock of the `Sim` backend.
#[derive(Debug)]
pub struct SimRwLock<T> {
    id: AtomicU64,
    data: std::sync::RwLock<T>,
}

/// Shared access to a [`SimRwLock`].
#[derive(Debug)]
pub struct SimReadGuard<'a, T> {
    id: ObjId,
    taken_at: &'static Location<'static>,
    data: Option<std::sync::RwLockReadGuard<'a, T>>,
}

/// Exclusive access to a [`SimRwLock`].
#[derive(Debug)]
pub struct SimWriteGuard<'a, T> {
    id: ObjId,
    taken_at: &'static Location<'static>,
    data: Option<std::sync::RwLockWriteGuard<'a, T>>,
}

impl<T> SimRwLock<T> {
    #[track_caller]
    pub(crate) fn new(value: T) -> Self {
        Self {
            id: register_made(ObjKind::RwLock),
            data: std::sync::RwLock::new(value),
        }
    }

    fn id(&self) -> ObjId {
        object_id(&self.id, ObjKind::RwLock)
    }

    #[track_caller]
    pub(crate) fn read(&self) -> SimReadGuard<'_, T> {
        let id = self.id();
        let at = here();
        suspend(Op::new(OpKind::ReadLock, Some(id), at), Wait::Read(id));
        with_exec(|e| {
            let current = e.current;
            e.objects[id as usize].readers.push((current, at));
        });
        let data = if crate::process::record_data_access(id) {
            match self.data.try_read() {
                Ok(data) => data,
                Err(std::sync::TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
                Err(std::sync::TryLockError::WouldBlock) => crate::process::data_shared_panic(id),
            }
        } else {
            self.data
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        SimReadGuard {
            id,
            taken_at: at,
            data: Some(data),
        }
    }

    #[track_caller]
    pub(crate) fn write(&self) -> SimWriteGuard<'_, T> {
        let id = self.id();
        let at = here();
        suspend(Op::new(OpKind::WriteLock, Some(id), at), Wait::Write(id));
        with_exec(|e| e.objects[id as usize].holder = Some((e.current, at)));
        let data = if crate::process::record_data_access(id) {
            match self.data.try_write() {
                Ok(data) => data,
                Err(std::sync::TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
                Err(std::sync::TryLockError::WouldBlock) => crate::process::data_shared_panic(id),
            }
        } else {
            self.data
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        SimWriteGuard {
            id,
            taken_at: at,
            data: Some(data),
        }
    }

    pub(crate) fn into_inner(self) -> T {
        self.data
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl<T> Deref for SimReadGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.data.as_deref().expect("the guard holds the data")
    }
}

impl<T> Drop for SimReadGuard<'_, T> {
    fn drop(&mut self) {
        drop(self.data.take());
        release(OpKind::ReadUnlock, self.id, self.taken_at);
        with_exec(|e| {
            let current = e.current;
            let readers = &mut e.objects[self.id as usize].readers;
            if let Some(i) = readers.iter().position(|(t, _)| *t == current) {
                readers.swap_remove(i);
            }
        });
    }
}

impl<T> Deref for SimWriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.data.as_deref().expect("the guard holds the data")
    }
}

impl<T> DerefMut for SimWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.data.as_deref_mut().expect("the guard holds the data")
    }
}

impl<T> Drop for SimWriteGuard<'_, T> {
    fn drop(&mut self) {
        drop(self.data.take());
        release(OpKind::WriteUnlock, self.id, self.taken_at);
        with_exec(|e| e.objects[self.id as usize].holder = None);
    }
}

macro_rules! sim_atomic {
    ($(#[$doc:meta])* $name:ident, $std:ty, $value:ty) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name {
            id: AtomicU64,
            value: $std,
        }

        impl $name {
            fn id(&self) -> ObjId {
                object_id(&self.id, ObjKind::Atomic)
            }

            #[track_caller]
            fn op<R>(&self, kind: OpKind, f: impl FnOnce(&$std) -> R) -> R {
                step(kind, Some(self.id()));
                f(&self.value)
            }
        }

        impl lockstep::sync::RawAtomic for $name {
            type Value = $value;

            #[track_caller]
            fn new(value: $value) -> Self {
                Self {
                    id: register_made(ObjKind::Atomic),
                    value: <$std>::new(value),
                }
            }

            #[track_caller]
            fn load(&self, _: Ordering) -> $value {
                self.op(OpKind::AtomicLoad, |v| v.load(Ordering::SeqCst))
            }

            #[track_caller]
            fn store(&self, value: $value, _: Ordering) {
                self.op(OpKind::AtomicStore, |v| v.store(value, Ordering::SeqCst))
            }

            #[track_caller]
            fn swap(&self, value: $value, _: Ordering) -> $value {
                self.op(OpKind::AtomicRmw, |v| v.swap(value, Ordering::SeqCst))
            }

            #[track_caller]
            fn compare_exchange(
                &self,
                current: $value,
                new: $value,
                _: Ordering,
                _: Ordering,
            ) -> Result<$value, $value> {
                self.op(OpKind::AtomicRmw, |v| {
                    v.compare_exchange(current, new, Ordering::SeqCst, Ordering::SeqCst)
                })
            }
        }
    };
}

sim_atomic!(
    /// An atomic `bool` of the `Sim` backend (sequentially consistent).
    SimAtomicBool,
    std::sync::atomic::AtomicBool,
    bool
);
sim_atomic!(
    /// An atomic `usize` of the `Sim` backend (sequentially consistent).
    SimAtomicUsize,
    std::sync::atomic::AtomicUsize,
    usize
);
sim_atomic!(
    /// An atomic `u64` of the `Sim` backend (sequentially consistent).
    SimAtomicU64,
    std::sync::atomic::AtomicU64,
    u64
);

macro_rules! sim_atomic_int {
    ($name:ident) => {
        impl lockstep::sync::RawAtomicInt for $name {
            #[track_caller]
            fn fetch_add(&self, value: Self::Value, _: Ordering) -> Self::Value {
                self.op(OpKind::AtomicRmw, |v| v.fetch_add(value, Ordering::SeqCst))
            }
            #[track_caller]
            fn fetch_sub(&self, value: Self::Value, _: Ordering) -> Self::Value {
                self.op(OpKind::AtomicRmw, |v| v.fetch_sub(value, Ordering::SeqCst))
            }
            #[track_caller]
            fn fetch_max(&self, value: Self::Value, _: Ordering) -> Self::Value {
                self.op(OpKind::AtomicRmw, |v| v.fetch_max(value, Ordering::SeqCst))
            }
            #[track_caller]
            fn fetch_min(&self, value: Self::Value, _: Ordering) -> Self::Value {
                self.op(OpKind::AtomicRmw, |v| v.fetch_min(value, Ordering::SeqCst))
            }
        }
    };
}

sim_atomic_int!(SimAtomicUsize);
sim_atomic_int!(SimAtomicU64);

impl lockstep::sync::RawAtomicBool for SimAtomicBool {
    #[track_caller]
    fn fetch_or(&self, value: bool, _: Ordering) -> bool {
        self.op(OpKind::AtomicRmw, |v| v.fetch_or(value, Ordering::SeqCst))
    }
    #[track_caller]
    fn fetch_and(&self, value: bool, _: Ordering) -> bool {
        self.op(OpKind::AtomicRmw, |v| v.fetch_and(value, Ordering::SeqCst))
    }
}
