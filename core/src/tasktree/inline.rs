//! The synchronous executor: each job runs on the calling thread the moment it is submitted.
//! The default when `max_workers` is 1 or no two jobs could run at once. Needs no `Send`, no
//! `'static`: the job function may borrow anything.

use super::driver::{run_job, Backend, Finished, Job};
use super::signal::{self, Termination};
use crate::sync::time::Instant;
use crate::sync::Runtime;

pub(crate) struct Inline<'a, F, T, R: Runtime> {
    job: &'a mut F,
    done: Vec<(u32, Finished<T>)>,
    signal: Option<Termination<R>>,
    start: Instant<R>,
}

impl<'a, F: FnMut(&Job<'_>) -> T, T, R: Runtime> Inline<'a, F, T, R> {
    pub(crate) fn new(job: &'a mut F, signal: Option<Termination<R>>) -> Self {
        Self {
            job,
            done: Vec::new(),
            signal,
            start: Instant::now(),
        }
    }
}

impl<F: FnMut(&Job<'_>) -> T, T, R: Runtime> Backend<T> for Inline<'_, F, T, R> {
    fn now_ns(&mut self) -> u64 {
        self.start.elapsed().as_nanos() as u64
    }

    fn terminated(&self) -> bool {
        self.signal.as_ref().is_some_and(Termination::is_terminated)
    }

    fn sleep_until(&mut self, ns: u64) {
        signal::sleep_until(self.signal.as_ref(), signal::at(self.start, ns));
    }

    fn submit(&mut self, job: u32, name: &str, submit_count: u64) {
        let signal = self.signal.as_ref();
        let cancelled = || signal.is_some_and(Termination::is_terminated);
        let f = &mut *self.job;
        let finished = run_job(|| f(&Job::new(name, submit_count, &cancelled)));
        self.done.push((job, finished));
    }

    fn wait(&mut self, _poll: bool, out: &mut Vec<(u32, Finished<T>)>) {
        out.append(&mut self.done);
    }

    fn cancel(&mut self, _job: u32) {
        // Every submitted job has already run to completion.
    }

    fn finish(&mut self, _in_flight: &[u32]) {
        self.done.clear();
    }
}
