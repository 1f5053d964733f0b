//! Full enumeration without any reduction: every runnable thread at every decision, every
//! outcome of every choice. Exponential, so only for tiny programs — it is the reference the
//! reduced searches are checked against (`dpor_check`, `dpor_primitives`).

use super::{Decision, Ended, OptionKind, Pick, Scheduler};
use crate::op::ThreadId;

/// The enumerating strategy.
#[derive(Debug, Default)]
pub(crate) struct Exhaustive {
    /// Per decision on the path: (how many choices, the one taken).
    stack: Vec<(usize, usize)>,
    position: usize,
    started: bool,
    done: bool,
}

impl Exhaustive {
    fn choose(&mut self, n: usize) -> Result<usize, String> {
        if self.position < self.stack.len() {
            let (count, current) = self.stack[self.position];
            if count != n {
                return Err("the program did not repeat itself".into());
            }
            self.position += 1;
            return Ok(current);
        }
        self.stack.push((n, 0));
        self.position += 1;
        Ok(0)
    }
}

impl Scheduler for Exhaustive {
    fn next_execution(&mut self) -> bool {
        if self.done {
            return false;
        }
        if self.started {
            while let Some((count, current)) = self.stack.last_mut() {
                *current += 1;
                if current < count {
                    break;
                }
                self.stack.pop();
            }
            if self.stack.is_empty() {
                self.done = true;
                return false;
            }
        }
        self.started = true;
        self.position = 0;
        true
    }

    fn pick_thread(&mut self, decision: &Decision<'_>) -> Pick {
        let enabled: Vec<ThreadId> = decision.enabled().collect();
        match self.choose(enabled.len()) {
            Ok(i) => Pick::Thread(enabled[i]),
            Err(message) => Pick::Invalid(message),
        }
    }

    fn pick_option(&mut self, _: OptionKind, n: usize, _: ThreadId) -> Result<usize, String> {
        self.choose(n)
    }

    fn end_execution(&mut self, _: Ended, _: usize) {}

    fn exhausted(&self) -> bool {
        self.done
    }
}
