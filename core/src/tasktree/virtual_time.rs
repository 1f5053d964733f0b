//! The virtual-time executor behind [`Runner::simulate`](super::Runner::simulate) and
//! `lockstep plan`: a deterministic discrete-event loop over the *same* coordinator and
//! scheduler core the real executors use.
//!
//! A job submitted at virtual time `t` finishes at `t + duration(name)`. Waiting advances the
//! clock to the earliest finish time and collects every job finishing at that instant — they
//! "arrive together" and are handled in name order. Spacing sleeps advance the clock. Times are
//! integer nanoseconds, so equal sums are equal (no float drift) and the output is the same on
//! every run and machine.
//!
//! The clock ends at `u64::MAX` ns (about 584 years). A job that would finish past it is not
//! started: the run stops there (as if terminated) and [`Runner::simulate`] returns
//! [`RunError::ClockOverflow`](super::RunError::ClockOverflow) naming it, instead of a makespan
//! silently stuck at the clock's end.
//!
//! [`Runner::simulate`]: super::Runner::simulate

use super::driver::{Backend, Finished};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Duration;

/// What happened at a point in virtual time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimEventKind {
    /// The job was submitted (and started: a simulated worker is always free for it).
    Start,
    /// The job finished (its completion is handled at this instant).
    Finish,
}

/// One event of a simulated run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimEvent<'a> {
    /// Virtual time since the run began.
    pub at: Duration,
    /// Start or finish.
    pub kind: SimEventKind,
    /// The job's name.
    pub job: &'a str,
}

pub(crate) struct VirtualTime<'e, D, E> {
    now_ns: u64,
    /// Running jobs by (finish time, job); job index order is name order.
    running: BinaryHeap<Reverse<(u64, u32)>>,
    duration: D,
    on_event: &'e mut E,
    names: &'e super::tree::TaskTree,
    /// Latest finish time seen: the makespan.
    makespan_ns: u64,
    /// The first job whose finish time did not fit the clock; the run stops at it.
    overflowed: Option<String>,
}

impl<'e, D, E> VirtualTime<'e, D, E>
where
    D: FnMut(&str) -> Duration,
    E: FnMut(SimEvent<'_>),
{
    pub(crate) fn new(names: &'e super::tree::TaskTree, duration: D, on_event: &'e mut E) -> Self {
        Self {
            now_ns: 0,
            running: BinaryHeap::new(),
            duration,
            on_event,
            names,
            makespan_ns: 0,
            overflowed: None,
        }
    }

    pub(crate) fn makespan(&self) -> Duration {
        Duration::from_nanos(self.makespan_ns)
    }

    /// The job whose finish time overflowed the clock, if one did.
    pub(crate) fn overflowed(&self) -> Option<&str> {
        self.overflowed.as_deref()
    }

    fn collect_until(&mut self, t: u64, out: &mut Vec<(u32, Finished<()>)>) {
        let mut finished: Vec<(u64, u32)> = Vec::new();
        while let Some(&Reverse((at, job))) = self.running.peek() {
            if at > t {
                break;
            }
            self.running.pop();
            finished.push((at, job));
            self.makespan_ns = self.makespan_ns.max(at);
        }
        // The heap pops in (time, name) order: the order the events are reported in.
        for (at, job) in finished {
            (self.on_event)(SimEvent {
                at: Duration::from_nanos(at),
                kind: SimEventKind::Finish,
                job: self.names.name(job as usize),
            });
            out.push((job, Finished::Value(())));
        }
    }
}

impl<D, E> Backend<()> for VirtualTime<'_, D, E>
where
    D: FnMut(&str) -> Duration,
    E: FnMut(SimEvent<'_>),
{
    fn now_ns(&mut self) -> u64 {
        self.now_ns
    }

    fn terminated(&self) -> bool {
        self.overflowed.is_some()
    }

    fn sleep_until(&mut self, ns: u64) {
        self.now_ns = self.now_ns.max(ns);
    }

    fn submit(&mut self, job: u32, name: &str, _submit_count: u64) {
        let d = (self.duration)(name);
        let finish = u64::try_from(d.as_nanos())
            .ok()
            .and_then(|d_ns| self.now_ns.checked_add(d_ns));
        let Some(finish) = finish else {
            self.overflowed.get_or_insert_with(|| name.to_owned());
            return; // not started: `terminated` now ends the run
        };
        self.running.push(Reverse((finish, job)));
        (self.on_event)(SimEvent {
            at: Duration::from_nanos(self.now_ns),
            kind: SimEventKind::Start,
            job: name,
        });
    }

    fn wait(&mut self, poll: bool, out: &mut Vec<(u32, Finished<()>)>) {
        if poll {
            let now = self.now_ns;
            self.collect_until(now, out);
        } else if let Some(&Reverse((at, _))) = self.running.peek() {
            self.now_ns = self.now_ns.max(at);
            let now = self.now_ns;
            self.collect_until(now, out);
        }
    }

    fn cancel(&mut self, job: u32) {
        // A cancelled simulated job stops at once: it finishes now.
        let before = self.running.len();
        self.running.retain(|Reverse((_, j))| *j != job);
        if self.running.len() < before {
            let now = self.now_ns;
            self.running.push(Reverse((now, job)));
        }
    }

    fn finish(&mut self, _in_flight: &[u32]) {
        self.running.clear();
    }
}

#[cfg(test)]
mod tests {
    use crate::tasktree::{Outcome, RunError, Runner, SimEventKind, TaskTree};
    use std::time::Duration;

    /// A chain `j00`, `j00/j01`, ...: each job starts when its parent finishes.
    fn chain(jobs: usize) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for i in 0..jobs {
            let name = match names.last() {
                Some(parent) => format!("{parent}/j{i:02}"),
                None => format!("j{i:02}"),
            };
            names.push(name);
        }
        names
    }

    #[test]
    fn a_finish_past_the_clocks_end_is_an_error_naming_the_job_not_a_saturated_makespan() {
        let names = chain(20);
        let tree = TaskTree::new(&names).unwrap();
        let mut events = Vec::new();
        let err = Runner::new(&tree)
            .max_workers(1)
            .simulate(
                |_| Duration::from_secs(1_000_000_000),
                |_, _| Outcome::DONE,
                |e| events.push((e.at, e.kind)),
            )
            .unwrap_err();
        // u64::MAX ns is 18,446,744,073.7 s: the 19th job would finish past it.
        assert_eq!(
            err,
            RunError::ClockOverflow {
                job: names[18].clone()
            }
        );
        assert_eq!(
            events.len(),
            2 * 18,
            "no event for the job that did not fit"
        );
        assert_eq!(
            events.last(),
            Some(&(Duration::from_secs(18_000_000_000), SimEventKind::Finish))
        );
        // A duration that is itself past the clock's end.
        let tree = TaskTree::new(["a"]).unwrap();
        let err = Runner::new(&tree)
            .simulate(|_| Duration::MAX, |_, _| Outcome::DONE, |_| ())
            .unwrap_err();
        assert!(matches!(err, RunError::ClockOverflow { .. }), "{err:?}");
    }
}
