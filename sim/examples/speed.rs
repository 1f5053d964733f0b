use lockstep::sync::{thread, Arc, Mutex};
use lockstep_sim::{Builder, Sim};
use std::time::Instant;

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
}

fn main() {
    for (name, b) in [
        ("random", Builder::random(100_000)),
        ("pct", Builder::pct(100_000, 3)),
    ] {
        let t = Instant::now();
        let r = b.check(increments);
        let s = t.elapsed().as_secs_f64();
        println!(
            "{name}: {} executions in {s:.3}s = {:.0}/s",
            r.executions,
            r.executions as f64 / s
        );
    }
    let t = Instant::now();
    let r = Builder::dfs(None).check(increments);
    println!("dfs: {:?} in {:.3}s", r, t.elapsed().as_secs_f64());
}
