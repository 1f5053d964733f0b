//! The virtual-time executor behind [`Runner::simulate`](super::Runner::simulate) and
//! `lockstep plan`: a deterministic discrete-event loop over the *same* coordinator and
//! scheduler core the real executors use.
//!
//! A job submitted at virtual time `t` finishes at `t + duration(name)`. Waiting advances the
//! clock to the earliest finish time and collects every job finishing at that instant — they
//! "arrive together" and are handled in name order. Spacing sleeps advance the clock. Times are
//! integer nanoseconds, so equal sums are equal (no float drift) and the output is the same on
//! every run and machine.

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
        }
    }

    pub(crate) fn makespan(&self) -> Duration {
        Duration::from_nanos(self.makespan_ns)
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
        false
    }

    fn sleep_until(&mut self, ns: u64) {
        self.now_ns = self.now_ns.max(ns);
    }

    fn submit(&mut self, job: u32, name: &str, _submit_count: u64) {
        let d = (self.duration)(name);
        let d_ns = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        self.running
            .push(Reverse((self.now_ns.saturating_add(d_ns), job)));
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
