use lockstep::future::{self, mpsc, Elapsed, JoinError, Mutex, Notify, Tokio};
use lockstep::sync::channel::TrySendError;
use std::sync::Arc;
use std::time::Duration;

#[tokio::test]
async fn tokio_mutex_notify_and_channel_through_the_facade() {
    let shared: Arc<(Mutex<Vec<u32>>, Notify)> = Arc::new((Mutex::new(Vec::new()), Notify::new()));
    let (tx, mut rx) = mpsc::channel::<u32, Tokio>(1);
    let s = shared.clone();
    let consumer = future::spawn::<Tokio, _>(async move {
        while let Some(v) = rx.recv().await {
            s.0.lock().await.push(v);
        }
        s.1.notify_one();
    });
    tx.send(1).await.unwrap();
    assert!(matches!(
        tx.try_send(2),
        Ok(()) | Err(TrySendError::Full(2))
    ));
    drop(tx);
    shared.1.notified().await;
    consumer.await.unwrap();
    let got = shared.0.lock().await.clone();
    assert!(got == [1] || got == [1, 2], "{got:?}");
}

#[tokio::test(start_paused = true)]
async fn tokio_timeout_and_sleep_use_tokio_time() {
    let never: Notify = Notify::new();
    let r = future::timeout::<Tokio, _>(Duration::from_secs(60), never.notified()).await;
    assert_eq!(r, Err(Elapsed));
    future::sleep::<Tokio>(Duration::from_secs(3600)).await; // paused clock: instant
    assert_eq!(
        future::timeout::<Tokio, _>(Duration::from_secs(1), async { 5 }).await,
        Ok(5)
    );
}

#[tokio::test]
async fn tokio_join_errors_are_mapped() {
    let panicked = future::spawn::<Tokio, _>(async { panic!("task blew up") });
    match panicked.await {
        Err(JoinError::Panicked(p)) => {
            assert_eq!(lockstep::sync::thread::panic_message(&*p), "task blew up")
        }
        other => panic!("expected a panic, got {other:?}"),
    }
    let endless = future::spawn::<Tokio, _>(std::future::pending::<()>());
    endless.abort();
    assert!(matches!(endless.await, Err(JoinError::Cancelled)));
}

#[test]
fn block_on_runs_a_future_to_completion() {
    assert_eq!(future::block_on::<Tokio, _>(async { 40 + 2 }), 42);
}
