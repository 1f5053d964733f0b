use lockstep::sync::{thread, Arc, Condvar, Mutex, Runtime};
use lockstep_sim::{Builder, Sim};
use std::collections::VecDeque;
use std::time::Instant;

struct Queue<R: Runtime> {
    state: Mutex<(VecDeque<u32>, bool), R>,
    not_empty: Condvar<R>,
    not_full: Condvar<R>,
}

fn queue<R: Runtime>() {
    let q: Arc<Queue<R>, R> = Arc::new(Queue {
        state: Mutex::new((VecDeque::new(), false)),
        not_empty: Condvar::new(),
        not_full: Condvar::new(),
    });
    let consumers: Vec<_> = (0..2)
        .map(|_| {
            let q = q.clone();
            thread::spawn::<R, _, _>(move || {
                let mut got = 0;
                loop {
                    let mut s = q.state.lock();
                    while s.0.is_empty() && !s.1 {
                        s = q.not_empty.wait(s);
                    }
                    match s.0.pop_front() {
                        Some(_) => {
                            got += 1;
                            drop(s);
                            q.not_full.notify_one();
                        }
                        None => return got,
                    }
                }
            })
        })
        .collect();
    for v in 0..3 {
        let mut s = q.state.lock();
        while s.0.len() == 1 {
            s = q.not_full.wait(s);
        }
        s.0.push_back(v);
        drop(s);
        q.not_empty.notify_one();
    }
    q.state.lock().1 = true;
    q.not_empty.notify_all();
    let total: u32 = consumers.into_iter().map(|c| c.join().unwrap()).sum();
    assert_eq!(total, 3);
}

fn counter<R: Runtime>() {
    let n: Arc<Mutex<u32, R>, R> = Arc::new(Mutex::new(0));
    let hs: Vec<_> = (0..3)
        .map(|_| {
            let n = n.clone();
            thread::spawn::<R, _, _>(move || {
                for _ in 0..2 {
                    *n.lock() += 1;
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
}

fn main() {
    let which = std::env::args().nth(1).unwrap_or_default();
    for (name, f, bound) in [
        ("counter", counter::<Sim> as fn(), None),
        ("queue", queue::<Sim>, None),
        ("counter b2", counter::<Sim>, Some(2)),
        ("queue b2", queue::<Sim>, Some(2)),
    ] {
        if !which.is_empty() && which != name {
            continue;
        }
        let t = Instant::now();
        let r = Builder::dfs(bound).max_executions(3_000_000).run(f);
        match r {
            Ok(r) => println!(
                "{name}: {} executions, exhausted {}, redundant {}, blocked {}, {:.3} s",
                r.executions,
                r.exhausted,
                r.redundant,
                r.blocked,
                t.elapsed().as_secs_f64()
            ),
            Err(e) => println!("{name}: {}", e),
        }
    }
}
