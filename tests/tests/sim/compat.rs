//! The per-backend aliases on the simulator: `lockstep_sim::{sync, thread}` (the facade's shape,
//! no turbofish) and `lockstep_sim::std::{sync, thread, time}` (std's signatures) — virtual time
//! through std's names, the barrier explored exhaustively, no poisoning.

use lockstep_sim::{Builder, FailureKind};

/// The crate docs' lost wakeup, written with the `Sim`-fixed facade aliases.
fn turns(notify_all: bool) {
    use lockstep_sim::sync::{Arc, Condvar, Mutex};
    use lockstep_sim::thread;

    let turn = Arc::new((Mutex::new(0), Condvar::new()));
    let announce = move |cv: &Condvar| {
        if notify_all {
            cv.notify_all()
        } else {
            cv.notify_one()
        }
    };
    let workers: Vec<_> = (1..=2)
        .map(|me| {
            let turn = turn.clone();
            thread::spawn(move || {
                let mut t = turn.1.wait_while(turn.0.lock(), |t| *t != me);
                *t += 1;
                drop(t);
                announce(&turn.1);
            })
        })
        .collect();
    *turn.0.lock() = 1;
    announce(&turn.1);
    for w in workers {
        w.join().unwrap();
    }
}

#[test]
fn the_facade_aliases_need_no_backend_name() {
    let failure = Builder::dfs(None).run(|| turns(false)).unwrap_err();
    assert_eq!(failure.kind, FailureKind::Deadlock, "{failure}");
    // `#[track_caller]` through the generated forwards: the user's lines, not lockstep's.
    let report = failure.to_string();
    assert!(report.contains("tests/tests/sim/compat.rs"), "{report}");
    assert!(!report.contains("core/src/"), "{report}");
    let report = lockstep_sim::check_dfs(|| turns(true), None);
    assert!(report.exhausted);
}

#[test]
fn std_timeouts_and_sleeps_run_in_virtual_time() {
    use lockstep_sim::std::sync::mpsc::{self, RecvTimeoutError};
    use lockstep_sim::std::sync::{Condvar, Mutex};
    use lockstep_sim::std::thread;
    use lockstep_sim::std::time::{Duration, Instant};

    let wall = std::time::Instant::now();
    lockstep_sim::check_random(
        || {
            let start = Instant::now();
            let (tx, rx) = mpsc::channel::<u32>();
            let late = thread::spawn(move || {
                thread::sleep(Duration::from_secs(60));
                tx.send(1).unwrap();
            });
            assert_eq!(
                rx.recv_timeout(Duration::from_secs(30)),
                Err(RecvTimeoutError::Timeout)
            );
            assert!(start.elapsed() >= Duration::from_secs(30));
            assert_eq!(rx.recv(), Ok(1));
            assert!(start.elapsed() >= Duration::from_secs(60));
            late.join().unwrap();

            let lock = Mutex::new(());
            let cvar = Condvar::new();
            let (_guard, result) = cvar
                .wait_timeout(lock.lock().unwrap(), Duration::from_secs(3600))
                .unwrap();
            assert!(result.timed_out());
        },
        20,
    );
    // Twenty virtual hours took no wall-clock hour.
    assert!(wall.elapsed() < Duration::from_secs(60));
}

#[test]
fn the_barrier_has_one_leader_per_round_in_every_interleaving() {
    use lockstep_sim::std::sync::{Arc, Barrier};
    use lockstep_sim::std::thread;

    let report = lockstep_sim::check_dfs(
        || {
            let barrier = Arc::new(Barrier::new(3));
            let others: Vec<_> = (0..2)
                .map(|_| {
                    let barrier = barrier.clone();
                    thread::spawn(move || (0..2).filter(|_| barrier.wait().is_leader()).count())
                })
                .collect();
            let mine = (0..2).filter(|_| barrier.wait().is_leader()).count();
            let leaders: usize =
                mine + others.into_iter().map(|h| h.join().unwrap()).sum::<usize>();
            assert_eq!(leaders, 2);
        },
        Some(2),
    );
    assert!(report.exhausted);
}

#[test]
fn a_panic_holding_a_std_lock_does_not_poison_it_on_the_simulator() {
    use lockstep_sim::std::sync::{Arc, Mutex};
    use lockstep_sim::std::thread;

    lockstep_sim::check_dfs(
        || {
            let m = Arc::new(Mutex::new(vec![1]));
            let m2 = m.clone();
            let died = thread::Builder::new()
                .name("dies-holding".into())
                .stack_size(1 << 30) // ignored by the simulator
                .spawn(move || {
                    m2.lock().unwrap().push(2);
                    let _held = m2.lock().unwrap();
                    panic!("holding the lock");
                })
                .unwrap();
            assert_eq!(died.thread().name(), Some("dies-holding"));
            assert!(died.join().is_err());
            assert!(!m.is_poisoned());
            let mut m = Arc::try_unwrap(m).ok().unwrap();
            m.get_mut().unwrap().push(3);
            assert_eq!(m.into_inner().unwrap(), [1, 2, 3]);
        },
        None,
    );
}

/// The README's before/after program, with the main thread's `notify_all` turned into
/// `notify_one`: the README says the simulator then reports the lost wakeup.
fn readme_turns(main_notifies_all: bool) {
    use lockstep_sim::std::sync::{Arc, Condvar, Mutex};
    use lockstep_sim::std::thread;

    let turn = Arc::new((Mutex::new(0), Condvar::new()));
    let workers: Vec<_> = (1..=2)
        .map(|me| {
            let turn = Arc::clone(&turn);
            thread::spawn(move || {
                let (lock, cvar) = &*turn;
                let mut t = cvar.wait_while(lock.lock().unwrap(), |t| *t != me).unwrap();
                *t += 1;
                cvar.notify_all();
            })
        })
        .collect();
    *turn.0.lock().unwrap() = 1;
    if main_notifies_all {
        turn.1.notify_all();
    } else {
        turn.1.notify_one();
    }
    for worker in workers {
        worker.join().unwrap();
    }
}

#[test]
fn the_readme_program_with_notify_one_is_a_lost_wakeup() {
    assert!(lockstep_sim::check_dfs(|| readme_turns(true), None).exhausted);
    let failure = Builder::dfs(None)
        .run(|| readme_turns(false))
        .expect_err("the lost wakeup must be found");
    assert_eq!(failure.kind, FailureKind::Deadlock, "{failure}");
    let report = failure.to_string();
    assert!(report.contains("tests/tests/sim/compat.rs"), "{report}");
    assert!(!report.contains("core/src/"), "{report}");
}
