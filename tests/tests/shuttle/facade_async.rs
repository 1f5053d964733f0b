use lockstep::check::shuttle::{self, Config, Strategy};
use lockstep::check::FailureKind;
use lockstep::future::{self, mpsc, Elapsed, Mutex, Notify};
use lockstep::sync::atomic::{AtomicBool, Ordering};
use lockstep::sync::Shuttle;
use std::sync::Arc;
use std::time::Duration;

#[test]
fn async_mutex_excludes_across_await_points() {
    shuttle::check_pct(
        || {
            future::block_on::<Shuttle, _>(async {
                let counter: Arc<Mutex<u32, Shuttle>> = Arc::new(Mutex::new(0));
                let tasks: Vec<_> = (0..3)
                    .map(|_| {
                        let counter = counter.clone();
                        future::spawn::<Shuttle, _>(async move {
                            let mut guard = counter.lock().await;
                            let seen = *guard;
                            future::yield_now::<Shuttle>().await; // others run; they must wait
                            *guard = seen + 1;
                        })
                    })
                    .collect();
                for task in tasks {
                    task.await.unwrap();
                }
                assert_eq!(*counter.lock().await, 3);
            })
        },
        500,
        3,
    );
}

#[test]
fn notify_one_stores_a_permit() {
    shuttle::check_random(
        || {
            future::block_on::<Shuttle, _>(async {
                let notify: Notify<Shuttle> = Notify::new();
                notify.notify_one();
                notify.notified().await; // completes at once: the permit
            })
        },
        20,
    );
}

/// A waiter checks a flag, then waits for `notify_waiters` (which stores no permit).
fn flag_and_notify_waiters(create_before_check: bool) {
    future::block_on::<Shuttle, _>(async move {
        // The flag is the facade's atomic: a std atomic would be invisible to the checker, which
        // could then never schedule the waiter between the check and the wait.
        let state = Arc::new((AtomicBool::<Shuttle>::new(false), Notify::<Shuttle>::new()));
        let setter = state.clone();
        let waiter = future::spawn::<Shuttle, _>(async move {
            let (flag, notify) = &*state;
            if create_before_check {
                // tokio's documented pattern: the future counts as waiting from creation.
                let notified = notify.notified();
                if !flag.load(Ordering::SeqCst) {
                    notified.await;
                }
            } else if !flag.load(Ordering::SeqCst) {
                future::yield_now::<Shuttle>().await; // the window in which the wakeup is lost
                notify.notified().await;
            }
        });
        setter.0.store(true, Ordering::SeqCst);
        setter.1.notify_waiters();
        waiter.await.unwrap();
    })
}

/// Random scheduling, not PCT: shuttle 0.9's PCT gives the first task spawned by the main task
/// the lowest priority and never places a change point at the first decision, so the waiter can
/// never check the flag before the main task sets it — the bug window is unreachable under PCT.
fn random(iterations: usize) -> Strategy {
    Strategy::Random { iterations }
}

#[test]
fn shuttle_finds_a_notification_lost_between_check_and_wait() {
    let failure = shuttle::try_check(&Config::default().seed(3), random(500), || {
        flag_and_notify_waiters(false)
    })
    .expect_err("the lost notify_waiters must be found");
    assert_eq!(failure.kind, FailureKind::Deadlock);
}

#[test]
fn creating_notified_before_the_check_is_correct() {
    let report = shuttle::try_check(&Config::default(), random(500), || {
        flag_and_notify_waiters(true)
    })
    .expect("no schedule loses the notification");
    assert_eq!(report.executions, 500);
}

#[test]
fn async_channel_delivers_in_order_and_closes() {
    shuttle::check_pct(
        || {
            future::block_on::<Shuttle, _>(async {
                let (tx, mut rx) = mpsc::channel::<u32, Shuttle>(1);
                let producer = future::spawn::<Shuttle, _>(async move {
                    for i in 0..4 {
                        tx.send(i).await.unwrap();
                    }
                });
                let mut got = Vec::new();
                while let Some(v) = rx.recv().await {
                    got.push(v);
                }
                assert_eq!(got, [0, 1, 2, 3]);
                producer.await.unwrap();
            })
        },
        500,
        3,
    );
}

#[test]
fn async_timeout_fires_when_nothing_else_can_happen() {
    // Random, not PCT: shuttle's PCT refuses a model whose only choice is the timer.
    shuttle::check_random(
        || {
            future::block_on::<Shuttle, _>(async {
                let notify: Notify<Shuttle> = Notify::new();
                let result =
                    future::timeout::<Shuttle, _>(Duration::from_secs(1), notify.notified()).await;
                assert_eq!(result, Err(Elapsed));
            })
        },
        100,
    );
}
