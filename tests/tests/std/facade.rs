use lockstep::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use lockstep::sync::channel::{self, RecvTimeoutError, TryRecvError, TrySendError};
use lockstep::sync::thread::{self, panic_message};
use lockstep::sync::time::Instant;
use lockstep::sync::{Arc, Condvar, Mutex, RwLock, Std};
use std::time::Duration;

#[test]
fn join_returns_the_value_or_the_panic() {
    let ok = thread::Builder::<Std>::new().name("ok").spawn(|| 7);
    assert_eq!(ok.join().unwrap(), 7);
    let bad = thread::Builder::<Std>::new()
        .name("bad")
        .spawn(|| -> u32 { panic!("worker died") });
    let payload = bad.join().unwrap_err();
    assert_eq!(panic_message(&*payload), "worker died");
}

#[test]
fn thread_names_reach_the_os_thread() {
    let h = thread::Builder::<Std>::new()
        .name("named-worker")
        .spawn(|| std::thread::current().name().map(str::to_owned));
    assert_eq!(h.join().unwrap().as_deref(), Some("named-worker"));
}

#[test]
fn a_panic_while_locked_does_not_poison() {
    let m: Arc<Mutex<u32>> = Arc::new(Mutex::new(1));
    let m2 = m.clone();
    let h = thread::spawn::<Std, _, _>(move || {
        let _guard = m2.lock();
        panic!("holding the lock");
    });
    assert!(h.join().is_err());
    assert_eq!(*m.lock(), 1);
    assert!(m.try_lock().is_some());
}

#[test]
fn wait_timeout_really_times_out_on_std() {
    let m: Mutex<bool> = Mutex::new(false);
    let cv: Condvar = Condvar::new();
    let start = Instant::<Std>::now();
    let (guard, result) = cv.wait_timeout_while(m.lock(), Duration::from_millis(20), |s| !*s);
    assert!(result.timed_out());
    assert!(!*guard);
    assert!(start.elapsed() >= Duration::from_millis(20));
}

#[test]
fn bounded_channel_blocks_full_and_reports_disconnection() {
    let (tx, rx) = channel::bounded::<u32, Std>(1);
    tx.send(1).unwrap();
    assert!(matches!(tx.try_send(2), Err(TrySendError::Full(2))));
    // A blocked sender is released by a receive.
    let tx2 = tx.clone();
    let h = thread::spawn::<Std, _, _>(move || tx2.send(2));
    assert_eq!(rx.recv(), Ok(1));
    h.join().unwrap().unwrap();
    assert_eq!(rx.recv(), Ok(2));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(
        rx.recv_timeout(Duration::from_millis(5)),
        Err(RecvTimeoutError::Timeout)
    );
    drop(tx);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    assert!(rx.recv().is_err());
}

#[test]
fn send_fails_with_the_value_once_receivers_are_gone() {
    let (tx, rx) = channel::unbounded::<String, Std>();
    let rx2 = rx.clone();
    drop(rx);
    tx.send("still one receiver".into()).unwrap();
    drop(rx2);
    let err = tx.send("nobody".into()).unwrap_err();
    assert_eq!(err.0, "nobody");
}

#[test]
fn a_blocked_sender_is_released_when_the_receiver_leaves() {
    let (tx, rx) = channel::bounded::<u32, Std>(1);
    tx.send(0).unwrap();
    let h = thread::spawn::<Std, _, _>(move || tx.send(1));
    std::thread::sleep(Duration::from_millis(10));
    drop(rx);
    assert!(h.join().unwrap().is_err());
}

#[test]
fn unbounded_channel_stress_delivers_everything_once() {
    let (tx, rx) = channel::unbounded::<u64, Std>();
    let producers: Vec<_> = (0..4u64)
        .map(|p| {
            let tx = tx.clone();
            thread::spawn::<Std, _, _>(move || {
                for i in 0..10_000 {
                    tx.send(p * 1_000_000 + i).unwrap();
                }
            })
        })
        .collect();
    drop(tx);
    let consumers: Vec<_> = (0..3)
        .map(|_| {
            let rx = rx.clone();
            thread::spawn::<Std, _, _>(move || {
                let mut sum = 0u64;
                let mut n = 0u64;
                while let Ok(v) = rx.recv() {
                    sum += v;
                    n += 1;
                }
                (sum, n)
            })
        })
        .collect();
    producers.into_iter().for_each(|p| p.join().unwrap());
    let (sum, n) = consumers
        .into_iter()
        .map(|c| c.join().unwrap())
        .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    let expected: u64 = (0..4u64)
        .map(|p| (0..10_000).map(|i| p * 1_000_000 + i).sum::<u64>())
        .sum();
    assert_eq!((sum, n), (expected, 40_000));
}

#[test]
fn rwlock_atomics_and_arc_behave_like_std() {
    let lock: RwLock<Vec<u32>> = RwLock::new(vec![1]);
    lock.write().push(2);
    assert_eq!(*lock.read(), [1, 2]);
    let flag: AtomicBool = AtomicBool::new(false);
    assert!(!flag.fetch_or(true, Ordering::SeqCst));
    assert!(flag.fetch_and(false, Ordering::SeqCst));
    let n: AtomicUsize = AtomicUsize::new(5);
    assert_eq!(n.fetch_max(9, Ordering::SeqCst), 5);
    assert_eq!(n.fetch_min(2, Ordering::SeqCst), 9);
    assert_eq!(
        n.compare_exchange(2, 3, Ordering::SeqCst, Ordering::SeqCst),
        Ok(2)
    );
    assert_eq!(
        n.compare_exchange(2, 4, Ordering::SeqCst, Ordering::SeqCst),
        Err(3)
    );
    let big: AtomicU64 = AtomicU64::new(u64::MAX);
    assert_eq!(big.fetch_add(1, Ordering::SeqCst), u64::MAX);
    assert_eq!(big.load(Ordering::SeqCst), 0);
    let a: Arc<u32> = Arc::new(1);
    let b = a.clone();
    let a = Arc::try_unwrap(a).unwrap_err();
    drop(b);
    assert_eq!(Arc::try_unwrap(a).ok(), Some(1));
}

#[test]
fn instants_saturate_instead_of_panicking() {
    let now = Instant::<Std>::now();
    let far = now + Duration::MAX;
    assert!(far > now);
    assert_eq!(now.duration_since(far), Duration::ZERO);
}
