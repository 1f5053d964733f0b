//! Async primitives for checker backends, written once: a FIFO mutex, a tokio-style notify, a
//! fair counting semaphore and a bounded MPSC channel, driven by wakers.
//!
//! A checker runs one task at a time and only switches at its own scheduling points, so these
//! keep their state under plain `std` locks (never contended) and call
//! [`SchedulingPoint::point`] before each operation that other tasks can observe — that is where
//! the checker may run someone else first. Waiting is by `Poll::Pending` + waker, which the
//! checker's executor turns into "blocked until woken". The shuttle backend uses them; so does
//! `lockstep_sim`.

mod mpsc;
mod mutex;
mod notify;
mod semaphore;

pub use mpsc::{channel, Receiver, Sender};
pub use mutex::{Mutex, MutexGuard};
pub use notify::Notify;
pub use semaphore::{Semaphore, SemaphorePermit};

/// A checker's scheduling point: a call that lets the checker switch to another task.
pub trait SchedulingPoint: Send + Sync + 'static {
    /// Give the checker a chance to run another task before the caller continues. `object` is
    /// the address of the primitive about to be touched, so a checker that tracks dependencies
    /// (lockstep-sim's DPOR) knows which operations conflict; others may ignore it.
    fn point(object: usize);
}

/// The address of a primitive, as [`SchedulingPoint::point`] takes it.
pub(crate) fn addr<T>(object: &T) -> usize {
    object as *const T as usize
}

/// Lock a never-contended std mutex, ignoring poison (a panicking task must not wedge others).
pub(crate) use crate::sync::poison::lock;

/// The mutex, notify, semaphore and channel items of an
/// [`AsyncRuntime`](crate::future::AsyncRuntime) impl
/// whose primitives are these checked ones, with scheduling point `$point`: every checker
/// backend (shuttle's here, lockstep-sim's `Sim`) forwards them the same way, so they are
/// written once. Expand it inside `impl AsyncRuntime for ...`. Not a stable API.
#[doc(hidden)]
#[macro_export]
macro_rules! checked_async_primitives {
    ($point:ty) => {
        type Mutex<T: Send> = $crate::future::checked::Mutex<T, $point>;
        type MutexGuard<'a, T: Send + 'a> = $crate::future::checked::MutexGuard<'a, T, $point>;

        fn mutex_new<T: Send>(value: T) -> Self::Mutex<T> {
            $crate::future::checked::Mutex::new(value)
        }

        fn mutex_lock<'a, T: Send + 'a>(
            mutex: &'a Self::Mutex<T>,
        ) -> impl ::std::future::Future<Output = Self::MutexGuard<'a, T>> + Send {
            mutex.lock()
        }

        fn mutex_try_lock<'a, T: Send + 'a>(
            mutex: &'a Self::Mutex<T>,
        ) -> Option<Self::MutexGuard<'a, T>> {
            mutex.try_lock()
        }

        type Notify = $crate::future::checked::Notify<$point>;

        fn notify_new() -> Self::Notify {
            $crate::future::checked::Notify::new()
        }

        fn notify_one(notify: &Self::Notify) {
            notify.notify_one()
        }

        fn notify_waiters(notify: &Self::Notify) {
            notify.notify_waiters()
        }

        fn notified(notify: &Self::Notify) -> impl ::std::future::Future<Output = ()> + Send + '_ {
            notify.notified()
        }

        type Semaphore = $crate::future::checked::Semaphore<$point>;
        type SemaphorePermit<'a> = $crate::future::checked::SemaphorePermit<'a, $point>;

        fn semaphore_new(permits: usize) -> Self::Semaphore {
            $crate::future::checked::Semaphore::new(permits)
        }

        fn semaphore_acquire(
            semaphore: &Self::Semaphore,
        ) -> impl ::std::future::Future<Output = Self::SemaphorePermit<'_>> + Send + '_ {
            semaphore.acquire()
        }

        fn semaphore_try_acquire(semaphore: &Self::Semaphore) -> Option<Self::SemaphorePermit<'_>> {
            semaphore.try_acquire()
        }

        fn semaphore_available_permits(semaphore: &Self::Semaphore) -> usize {
            semaphore.available_permits()
        }

        fn semaphore_add_permits(semaphore: &Self::Semaphore, n: usize) {
            semaphore.add_permits(n)
        }

        type Sender<T: Send> = $crate::future::checked::Sender<T, $point>;
        type Receiver<T: Send> = $crate::future::checked::Receiver<T, $point>;

        fn channel<T: Send>(capacity: usize) -> (Self::Sender<T>, Self::Receiver<T>) {
            $crate::future::checked::channel(capacity)
        }

        fn send<T: Send>(
            sender: &Self::Sender<T>,
            value: T,
        ) -> impl ::std::future::Future<Output = Result<(), $crate::sync::channel::SendError<T>>>
               + Send
               + '_ {
            sender.send(value)
        }

        fn try_send<T: Send>(
            sender: &Self::Sender<T>,
            value: T,
        ) -> Result<(), $crate::sync::channel::TrySendError<T>> {
            sender.try_send(value)
        }

        fn recv<T: Send>(
            receiver: &mut Self::Receiver<T>,
        ) -> impl ::std::future::Future<Output = Option<T>> + Send + '_ {
            receiver.recv()
        }

        fn try_recv<T: Send>(
            receiver: &mut Self::Receiver<T>,
        ) -> Result<T, $crate::sync::channel::TryRecvError> {
            receiver.try_recv()
        }
    };
}

#[cfg(test)]
mod tests {
    //! Semantics of the checked primitives, polled by hand (no checker: the scheduling point is a
    //! no-op), including the cancellation paths a checker rarely reaches.
    use super::{channel, Mutex, Notify, SchedulingPoint, Semaphore};
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    struct NoPoint;
    impl SchedulingPoint for NoPoint {
        fn point(_object: usize) {}
    }

    fn poll<F: Future>(future: std::pin::Pin<&mut F>) -> Poll<F::Output> {
        future.poll(&mut Context::from_waker(Waker::noop()))
    }

    #[test]
    fn mutex_hands_over_in_fifo_order() {
        let m: Mutex<Vec<u32>, NoPoint> = Mutex::new(Vec::new());
        let first = m.try_lock().expect("free");
        let mut a = pin!(m.lock());
        let mut b = pin!(m.lock());
        assert!(poll(a.as_mut()).is_pending());
        assert!(poll(b.as_mut()).is_pending());
        assert!(m.try_lock().is_none());
        drop(first);
        assert!(poll(b.as_mut()).is_pending(), "b queued after a");
        let Poll::Ready(mut ga) = poll(a.as_mut()) else {
            panic!("a must get the lock")
        };
        ga.push(1);
        drop(ga);
        let Poll::Ready(gb) = poll(b.as_mut()) else {
            panic!("b must get the lock")
        };
        assert_eq!(*gb, [1]);
    }

    #[test]
    fn a_cancelled_lock_that_was_granted_passes_the_lock_on() {
        let m: Mutex<u32, NoPoint> = Mutex::new(0);
        let held = m.try_lock().unwrap();
        let mut a = Box::pin(m.lock());
        let mut b = pin!(m.lock());
        assert!(poll(a.as_mut()).is_pending());
        assert!(poll(b.as_mut()).is_pending());
        drop(held); // granted to `a`...
        drop(a); // ...which is cancelled before it sees it
        assert!(poll(b.as_mut()).is_ready(), "the lock must reach b");
    }

    #[test]
    fn notify_one_stores_at_most_one_permit() {
        let n: Notify<NoPoint> = Notify::new();
        n.notify_one();
        n.notify_one();
        assert!(poll(pin!(n.notified())).is_ready());
        assert!(poll(pin!(n.notified())).is_pending());
    }

    #[test]
    fn notify_waiters_wakes_futures_created_before_it_and_stores_nothing() {
        let n: Notify<NoPoint> = Notify::new();
        let mut created = pin!(n.notified()); // not yet polled
        n.notify_waiters();
        assert!(poll(created.as_mut()).is_ready());
        assert!(poll(pin!(n.notified())).is_pending(), "no permit stored");
    }

    #[test]
    fn a_cancelled_waiter_forwards_its_notify_one() {
        let n: Notify<NoPoint> = Notify::new();
        let mut a = Box::pin(n.notified());
        let mut b = pin!(n.notified());
        assert!(poll(a.as_mut()).is_pending());
        assert!(poll(b.as_mut()).is_pending());
        n.notify_one(); // delivered to a
        drop(a);
        assert!(poll(b.as_mut()).is_ready(), "forwarded to b");
    }

    #[test]
    fn semaphore_serves_waiters_first_come_first_served() {
        let s: Semaphore<NoPoint> = Semaphore::new(1);
        let held = s.try_acquire().expect("one permit");
        assert!(s.try_acquire().is_none());
        let mut a = pin!(s.acquire());
        let mut b = pin!(s.acquire());
        assert!(poll(a.as_mut()).is_pending());
        assert!(poll(b.as_mut()).is_pending());
        drop(held); // goes to `a`, not to a later try_acquire
        assert!(
            s.try_acquire().is_none(),
            "the permit was handed to the first waiter"
        );
        assert!(poll(b.as_mut()).is_pending(), "b queued after a");
        let Poll::Ready(permit) = poll(a.as_mut()) else {
            panic!("a must get the permit")
        };
        drop(permit);
        let Poll::Ready(permit) = poll(b.as_mut()) else {
            panic!("b must get the permit a returned")
        };
        assert_eq!(s.available_permits(), 0, "b holds it");
        drop(permit);
        assert_eq!(s.available_permits(), 1, "returned when nobody waits");
    }

    #[test]
    fn a_cancelled_acquire_that_was_granted_passes_the_permit_on() {
        let s: Semaphore<NoPoint> = Semaphore::new(0);
        let mut a = Box::pin(s.acquire());
        let mut b = pin!(s.acquire());
        assert!(poll(a.as_mut()).is_pending());
        assert!(poll(b.as_mut()).is_pending());
        s.add_permits(1); // granted to `a`...
        drop(a); // ...which is cancelled before it sees it
        let Poll::Ready(permit) = poll(b.as_mut()) else {
            panic!("the permit must reach b")
        };
        s.add_permits(2);
        assert_eq!(s.available_permits(), 2, "b still holds one");
        drop(permit);
        assert_eq!(s.available_permits(), 3, "none lost, none made up");
    }

    #[test]
    fn channel_applies_capacity_and_reports_closure() {
        let (tx, mut rx) = channel::<u32, NoPoint>(1);
        assert!(poll(pin!(tx.send(1))).is_ready());
        {
            let mut blocked = pin!(tx.send(2));
            assert!(poll(blocked.as_mut()).is_pending(), "full");
            assert_eq!(poll(pin!(rx.recv())), Poll::Ready(Some(1)));
            assert!(matches!(poll(blocked.as_mut()), Poll::Ready(Ok(()))));
        }
        drop(tx);
        assert_eq!(poll(pin!(rx.recv())), Poll::Ready(Some(2)));
        assert_eq!(poll(pin!(rx.recv())), Poll::Ready(None));
        let (tx, rx) = channel::<u32, NoPoint>(1);
        drop(rx);
        assert!(matches!(poll(pin!(tx.send(9))), Poll::Ready(Err(e)) if e.0 == 9));
    }
}
