use lockstep::sync::{thread, Arc, Condvar, Mutex};
use lockstep_sim::{Builder, FailureKind, Sim};

fn increments() {
    let n: Arc<Mutex<u32, Sim>, Sim> = Arc::new(Mutex::new(0));
    let hs: Vec<_> = (0..3)
        .map(|_| {
            let n = n.clone();
            thread::spawn::<Sim, _, _>(move || {
                for _ in 0..2 {
                    *n.lock() += 1;
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    assert_eq!(*n.lock(), 6);
}

#[test]
fn random_runs_increments() {
    let r = Builder::random(200).check(increments);
    assert_eq!(r.executions, 200);
}

#[test]
fn dfs_exhausts_increments() {
    let r = Builder::dfs(None).check(increments);
    eprintln!("{r:?}");
    assert!(r.exhausted);
}

#[test]
fn abba_deadlock_is_found() {
    let f = Builder::dfs(None)
        .run(|| {
            let a: Arc<Mutex<u32, Sim>, Sim> = Arc::new(Mutex::new(0));
            let b: Arc<Mutex<u32, Sim>, Sim> = Arc::new(Mutex::new(0));
            let (a2, b2) = (a.clone(), b.clone());
            let h = thread::Builder::<Sim>::new().name("ba").spawn(move || {
                let _gb = b2.lock();
                let _ga = a2.lock();
            });
            {
                let _ga = a.lock();
                let _gb = b.lock();
            }
            h.join().unwrap();
        })
        .unwrap_err();
    eprintln!("{f}");
    assert_eq!(f.kind, FailureKind::Deadlock);
}

#[test]
fn lost_wakeup_found_by_pct() {
    let f = Builder::pct(1000, 3)
        .run(|| {
            let turn: Arc<(Mutex<usize, Sim>, Condvar<Sim>), Sim> =
                Arc::new((Mutex::new(0), Condvar::new()));
            let hs: Vec<_> = (0..3)
                .map(|me| {
                    let turn = turn.clone();
                    thread::Builder::<Sim>::new()
                        .name(format!("w{me}"))
                        .spawn(move || {
                            for _ in 0..2 {
                                let mut t = turn.1.wait_while(turn.0.lock(), |t| *t % 3 != me);
                                *t += 1;
                                drop(t);
                                turn.1.notify_one();
                            }
                        })
                })
                .collect();
            for h in hs {
                h.join().unwrap();
            }
        })
        .unwrap_err();
    eprintln!("{f}");
    assert_eq!(f.kind, FailureKind::Deadlock);
}
