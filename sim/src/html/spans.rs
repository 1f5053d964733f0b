//! What the timeline draws, computed once from the trace's links: bars (lock holds and condvar
//! waits) with a slot each on their lane, each thread's lifetime, and the per-row arrows and
//! marks (spawn, join, notification).

use crate::report::TraceStep;
use crate::timeline::{ObjectRef, StepOp};

/// What a bar shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BarKind {
    /// A lock held.
    Hold,
    /// A condvar wait.
    Wait,
}

/// A bar on one lane, from one step to another (inclusive).
#[derive(Debug, Clone)]
pub(super) struct Bar {
    pub(super) kind: BarKind,
    pub(super) lane: usize,
    pub(super) from: usize,
    /// `None`: to the end of the execution.
    pub(super) to: Option<usize>,
    pub(super) object: Option<ObjectRef>,
    /// Horizontal position on the lane, 0-based.
    pub(super) slot: usize,
    /// A wait that no notification ended and that is still waiting at the end.
    pub(super) missing_notify: bool,
}

impl Bar {
    pub(super) fn overlaps(&self, from: usize, to: usize) -> bool {
        self.from <= to && self.to.is_none_or(|end| from <= end)
    }
}

/// An arrow between lanes, drawn in one row.
#[derive(Debug, Clone)]
pub(super) struct Arrow {
    pub(super) from: usize,
    pub(super) to: usize,
    /// `spawn`, `join` or `notify`.
    pub(super) class: &'static str,
}

/// A note in a lane's cell of one row (the far end of an arrow).
#[derive(Debug, Clone)]
pub(super) struct Mark {
    pub(super) lane: usize,
    pub(super) class: &'static str,
    pub(super) text: String,
}

/// Everything the rows draw besides the steps themselves.
#[derive(Debug, Default)]
pub(super) struct Drawing {
    pub(super) bars: Vec<Bar>,
    /// For each step (0-based), the bars covering it.
    pub(super) active: Vec<Vec<usize>>,
    /// Most slots any lane uses.
    pub(super) slots: usize,
    /// For each lane: the first and last step it is alive (`None`: never seen / to the end).
    pub(super) alive: Vec<(Option<usize>, Option<usize>)>,
    /// For each step (0-based): its arrows and marks.
    pub(super) arrows: Vec<Vec<Arrow>>,
    pub(super) marks: Vec<Vec<Mark>>,
}

impl Drawing {
    pub(super) fn new(trace: &[TraceStep], lanes: usize) -> Self {
        let mut d = Drawing {
            active: vec![Vec::new(); trace.len()],
            alive: vec![(None, None); lanes],
            arrows: vec![Vec::new(); trace.len()],
            marks: vec![Vec::new(); trace.len()],
            ..Drawing::default()
        };
        d.collect_bars(trace);
        d.assign_slots();
        for (b, bar) in d.bars.iter().enumerate() {
            let end = bar.to.unwrap_or(trace.len());
            for step in bar.from.max(1)..=end.min(trace.len()) {
                d.active[step - 1].push(b);
            }
        }
        d.collect_links(trace);
        d
    }

    pub(super) fn alive(&self, lane: usize, step: usize) -> bool {
        match self.alive.get(lane) {
            Some((Some(first), last)) => *first <= step && last.is_none_or(|l| step <= l),
            _ => false,
        }
    }

    fn collect_bars(&mut self, trace: &[TraceStep]) {
        for s in trace {
            let l = &s.links;
            if l.acquires {
                self.bars.push(Bar {
                    kind: BarKind::Hold,
                    lane: s.thread_id,
                    from: s.index,
                    to: l.released_at,
                    object: s.object,
                    slot: 0,
                    missing_notify: false,
                });
            }
            if s.op == StepOp::Wait {
                self.bars.push(Bar {
                    kind: BarKind::Wait,
                    lane: s.thread_id,
                    from: s.index,
                    to: l.wait_ended_at,
                    object: s.object,
                    slot: 0,
                    missing_notify: l.wait_ended_at.is_none() && l.notified_by.is_none(),
                });
            }
        }
    }

    /// The lowest slot free on the bar's lane (a slot frees after its bar's last step).
    fn assign_slots(&mut self) {
        let mut order: Vec<usize> = (0..self.bars.len()).collect();
        order.sort_by_key(|&b| (self.bars[b].from, b));
        // For each lane, the last step of the bar in each slot.
        let mut lanes: Vec<Vec<Option<usize>>> = Vec::new();
        for b in order {
            let (lane, from, to) = (self.bars[b].lane, self.bars[b].from, self.bars[b].to);
            if lanes.len() <= lane {
                lanes.resize(lane + 1, Vec::new());
            }
            let slots = &mut lanes[lane];
            let free = slots.iter().position(|end| end.is_some_and(|e| e < from));
            let slot = free.unwrap_or(slots.len());
            if slot == slots.len() {
                slots.push(to);
            } else {
                slots[slot] = to;
            }
            self.bars[b].slot = slot;
            self.slots = self.slots.max(slot + 1);
        }
    }

    /// Lifetimes, and the arrows and marks of spawns, joins and notifications.
    fn collect_links(&mut self, trace: &[TraceStep]) {
        for (i, s) in trace.iter().enumerate() {
            let lane = s.thread_id;
            if let Some(alive) = self.alive.get_mut(lane) {
                alive.0.get_or_insert(s.index);
                if s.op == StepOp::Exit {
                    alive.1 = Some(s.index);
                }
            }
            match (s.op, s.links.thread) {
                (StepOp::Spawn, Some(child)) => {
                    if let Some(alive) = self.alive.get_mut(child) {
                        alive.0 = Some(s.index);
                    }
                    self.link(i, lane, child, "spawn", format!("spawned by {}", s.thread));
                }
                (StepOp::Join, Some(child)) => {
                    self.link(i, child, lane, "join", format!("joined by {}", s.thread));
                }
                _ => {}
            }
            for &wait in &s.links.woke {
                // Links come from the trace itself; a hand-edited failure may not hold together.
                let Some(waiter) = trace.get(wait.wrapping_sub(1)).map(|w| w.thread_id) else {
                    continue;
                };
                let text = format!("woken by {} (waiting since step {wait})", s.thread);
                self.link(i, lane, waiter, "notify", text);
            }
            if let (StepOp::Wait, Some(end), true) =
                (s.op, s.links.wait_ended_at, s.links.timed_out)
            {
                if let Some(marks) = self.marks.get_mut(end.wrapping_sub(1)) {
                    marks.push(Mark {
                        lane,
                        class: "timeout",
                        text: format!("timed out (waited since step {})", s.index),
                    });
                }
            }
        }
    }

    /// An arrow in row `i` from lane `from` to lane `to`, with a mark at its far end.
    fn link(&mut self, i: usize, from: usize, to: usize, class: &'static str, text: String) {
        self.arrows[i].push(Arrow { from, to, class });
        let lane = if class == "join" { from } else { to };
        self.marks[i].push(Mark { lane, class, text });
    }
}
