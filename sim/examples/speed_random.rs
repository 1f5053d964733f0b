use lockstep::sync::{thread, Arc, Mutex};
use lockstep_sim::{Builder, Sim};
fn increments() {
    let n: Arc<Mutex<u32, Sim>, Sim> = Arc::new(Mutex::new(0));
    let hs: Vec<_> = (0..3).map(|_| { let n = n.clone(); thread::spawn::<Sim, _, _>(move || { for _ in 0..2 { *n.lock() += 1; } }) }).collect();
    for h in hs { h.join().unwrap(); }
}
fn main() { Builder::random(20_000).check(increments); }
