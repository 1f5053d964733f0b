//! Guided runs. [`Guided`] follows a recorded choice stream strictly (replay tokens): every
//! recorded choice must still be possible, else the token does not belong to this program.
//! [`Blocks`] follows a schedule given as blocks of steps per thread, leniently (shrinking).

use super::{Decision, Ended, OptionKind, Pick, Scheduler};
use crate::op::ThreadId;

/// A strategy that follows a choice stream once.
#[derive(Debug)]
pub(crate) struct Guided {
    choices: Vec<u32>,
    position: usize,
    ran: bool,
}

impl Guided {
    pub(crate) fn strict(choices: Vec<u32>) -> Self {
        Self {
            choices,
            position: 0,
            ran: false,
        }
    }

    fn next_choice(&mut self) -> Option<u32> {
        let choice = self.choices.get(self.position).copied();
        self.position += 1;
        choice
    }
}

impl Scheduler for Guided {
    fn next_execution(&mut self) -> bool {
        !std::mem::replace(&mut self.ran, true)
    }

    fn pick_thread(&mut self, decision: &Decision<'_>) -> Pick {
        // The stream records a thread pick only where several threads could run.
        let mut enabled = decision.enabled();
        if let (Some(only), None) = (enabled.next(), enabled.next()) {
            return Pick::Thread(only);
        }
        let fits = |t: u32| {
            decision
                .threads
                .get(t as usize)
                .is_some_and(|view| view.enabled)
        };
        match self.next_choice() {
            Some(t) if fits(t) => Pick::Thread(t as usize),
            Some(t) => Pick::Invalid(format!(
                "at step {} the recorded choice is thread {t}, which cannot run there",
                decision.step + 1
            )),
            None => Pick::Invalid(format!(
                "the recorded schedule ends before step {}",
                decision.step + 1
            )),
        }
    }

    fn pick_option(&mut self, _: OptionKind, n: usize, _: ThreadId) -> Result<usize, String> {
        match self.next_choice() {
            Some(k) if (k as usize) < n => Ok(k as usize),
            Some(k) => Err(format!("the recorded choice {k} is not one of {n} options")),
            None => Err("the recorded schedule ends before a choice".into()),
        }
    }

    fn end_execution(&mut self, _: Ended, _: usize) {}
}

/// Follow a schedule given as blocks `(thread, steps)`: run each block's thread for that many
/// steps (or until it cannot run), skipping a block whose thread cannot run when it starts;
/// after the last block, continue without preemptions. Option choices follow `options` in
/// order while they fit (else the first option). Used by shrinking, where candidate schedules
/// are edits of a failing one that need not fit it exactly.
#[derive(Debug)]
pub(crate) struct Blocks {
    blocks: Vec<(ThreadId, usize)>,
    block: usize,
    taken: usize,
    options: Vec<u32>,
    option: usize,
    ran: bool,
}

impl Blocks {
    pub(crate) fn new(blocks: Vec<(ThreadId, usize)>, options: Vec<u32>) -> Self {
        Self {
            blocks,
            block: 0,
            taken: 0,
            options,
            option: 0,
            ran: false,
        }
    }
}

impl Scheduler for Blocks {
    fn next_execution(&mut self) -> bool {
        !std::mem::replace(&mut self.ran, true)
    }

    fn pick_thread(&mut self, decision: &Decision<'_>) -> Pick {
        while let Some(&(thread, steps)) = self.blocks.get(self.block) {
            let runnable = decision.threads.get(thread).is_some_and(|t| t.enabled);
            if self.taken < steps && runnable {
                self.taken += 1;
                return Pick::Thread(thread);
            }
            self.block += 1;
            self.taken = 0;
        }
        Pick::Thread(decision.non_preemptive())
    }

    fn pick_option(&mut self, _: OptionKind, n: usize, _: ThreadId) -> Result<usize, String> {
        let answer = self.options.get(self.option).copied().unwrap_or(0) as usize;
        self.option += 1;
        Ok(if answer < n { answer } else { 0 })
    }

    fn end_execution(&mut self, _: Ended, _: usize) {}
}
