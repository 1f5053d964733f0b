//! The std-compatible flavour on `Std`: std's signatures and result types (checked by naming
//! them), no poisoning, zero cost (the wrappers are the size of std's types), std's behaviour
//! where it matters in production (thread names, stack size, channel errors), and the
//! `lockstep::on_std` aliases being exactly the generic types with `Std` filled in.

use lockstep::compat;
use lockstep::on_std::std::sync::mpsc::{self, RecvTimeoutError, TryRecvError, TrySendError};
use lockstep::on_std::std::sync::{
    Arc, Barrier, Condvar, LockResult, Mutex, MutexGuard, RwLock, TryLockError, TryLockResult,
    WaitTimeoutResult,
};
use lockstep::on_std::std::thread;
use lockstep::sync::Std;
use std::any::TypeId;
use std::mem::size_of;
use std::time::Duration;

fn same<A: 'static, B: 'static>() -> bool {
    TypeId::of::<A>() == TypeId::of::<B>()
}

#[test]
fn the_wrappers_cost_nothing_in_size() {
    assert_eq!(size_of::<Mutex<u64>>(), size_of::<std::sync::Mutex<u64>>());
    assert_eq!(size_of::<Condvar>(), size_of::<std::sync::Condvar>());
    assert_eq!(
        size_of::<RwLock<u64>>(),
        size_of::<std::sync::RwLock<u64>>()
    );
    assert_eq!(
        size_of::<MutexGuard<'static, u64>>(),
        size_of::<std::sync::MutexGuard<'static, u64>>()
    );
}

#[test]
fn the_on_std_aliases_are_the_generic_types_on_std() {
    assert!(same::<Mutex<u8>, compat::sync::Mutex<u8, Std>>());
    assert!(same::<Condvar, compat::sync::Condvar<Std>>());
    assert!(same::<
        thread::JoinHandle<u8>,
        compat::thread::JoinHandle<u8, Std>,
    >());
    assert!(same::<Arc<u8>, lockstep::sync::Arc<u8, Std>>());
    assert!(same::<
        lockstep::on_std::sync::Mutex<u8>,
        lockstep::sync::Mutex<u8, Std>,
    >());
    assert!(same::<
        lockstep::on_std::thread::JoinHandle<u8>,
        lockstep::sync::thread::JoinHandle<u8, Std>,
    >());
}

#[test]
fn locks_have_std_result_types_and_never_poison() {
    let m = Arc::new(Mutex::new(1));
    let m2 = m.clone();
    let died = thread::spawn(move || {
        let _guard: LockResult<MutexGuard<'_, u32>> = m2.lock();
        panic!("holding the lock");
    });
    assert!(died.join().is_err());
    assert!(!m.is_poisoned());
    let guard: LockResult<MutexGuard<'_, u32>> = m.lock();
    assert_eq!(*guard.unwrap(), 1);

    let held = m.lock().unwrap();
    let busy: TryLockResult<MutexGuard<'_, u32>> = m.try_lock();
    assert!(matches!(busy, Err(TryLockError::WouldBlock)));
    drop(busy);
    drop(held);
    *m.try_lock().unwrap() += 1;

    let mut owned = Arc::try_unwrap(m).ok().unwrap();
    *owned.get_mut().unwrap() += 1;
    assert_eq!(owned.into_inner().unwrap(), 3);

    let mut lock = RwLock::new(vec![1]);
    assert_eq!(lock.read().unwrap().len(), 1);
    lock.write().unwrap().push(2);
    lock.get_mut().unwrap().push(3);
    assert!(!lock.is_poisoned());
    assert_eq!(lock.into_inner().unwrap(), [1, 2, 3]);
}

#[test]
fn condvar_waits_have_std_result_types() {
    let pair = Arc::new((Mutex::new(false), Condvar::new()));
    let (lock, cvar) = &*pair;
    let waited: LockResult<(MutexGuard<'_, bool>, WaitTimeoutResult)> =
        cvar.wait_timeout(lock.lock().unwrap(), Duration::from_millis(1));
    assert!(waited.unwrap().1.timed_out());
    let (guard, result) = cvar
        .wait_timeout_while(lock.lock().unwrap(), Duration::from_millis(1), |set| !*set)
        .unwrap();
    assert!(result.timed_out() && !*guard);
    drop(guard);

    let setter = {
        let pair = pair.clone();
        thread::spawn(move || {
            *pair.0.lock().unwrap() = true;
            pair.1.notify_all();
        })
    };
    let mut set = lock.lock().unwrap();
    while !*set {
        set = cvar.wait(set).unwrap();
    }
    drop(set);
    setter.join().unwrap();
}

#[test]
fn builder_threads_are_std_threads_with_name_and_stack() {
    let h = thread::Builder::new()
        .name("compat-worker".into())
        .stack_size(64 << 20)
        .spawn(|| {
            // Recursion that needs more than the default 2 MiB of a spawned std thread.
            fn depth(n: u32, pad: [u8; 1024]) -> u32 {
                if n == 0 {
                    pad[0] as u32
                } else {
                    depth(n - 1, std::hint::black_box(pad)) + 1
                }
            }
            let name = std::thread::current().name().map(str::to_owned);
            (name, depth(4000, [0; 1024]))
        })
        .unwrap();
    assert_eq!(h.thread().name(), Some("compat-worker"));
    assert_eq!(h.join().unwrap(), (Some("compat-worker".to_owned()), 4000));
    let r: thread::Result<u8> = thread::spawn(|| -> u8 { panic!("boom") }).join();
    assert!(r.is_err());
    thread::yield_now();
    thread::sleep(Duration::from_millis(1));
}

#[test]
fn channels_return_std_errors() {
    let (tx, rx) = mpsc::channel();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(
        rx.recv_timeout(Duration::from_millis(1)),
        Err(RecvTimeoutError::Timeout)
    );
    for i in 0..3 {
        tx.clone().send(i).unwrap();
    }
    assert_eq!(rx.try_iter().collect::<Vec<_>>(), [0, 1, 2]);
    drop(tx);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    assert_eq!(rx.recv(), Err(std::sync::mpsc::RecvError));

    let (tx, rx) = mpsc::sync_channel(1);
    tx.try_send(1).unwrap();
    assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
    let consumer = thread::spawn(move || rx.into_iter().sum::<u32>());
    tx.send(3).unwrap(); // blocks until the consumer makes room
    drop(tx);
    assert_eq!(consumer.join().unwrap(), 4);

    let (tx, rx) = mpsc::channel::<u32>();
    drop(rx);
    assert_eq!(tx.send(5), Err(std::sync::mpsc::SendError(5)));
}

#[test]
#[should_panic(expected = "rendezvous channels are not offered")]
fn a_rendezvous_channel_is_refused() {
    let _ = mpsc::sync_channel::<u32>(0);
}

#[test]
fn a_barrier_has_one_leader_per_round() {
    let barrier = Arc::new(Barrier::new(3));
    let waiters: Vec<_> = (0..3)
        .map(|_| {
            let barrier = barrier.clone();
            thread::spawn(move || (0..50).filter(|_| barrier.wait().is_leader()).count())
        })
        .collect();
    let leaders: usize = waiters.into_iter().map(|w| w.join().unwrap()).sum();
    assert_eq!(leaders, 50);
    assert!(Barrier::new(0).wait().is_leader());
}
