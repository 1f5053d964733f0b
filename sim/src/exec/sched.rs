//! The scheduler loop of one execution.
//!
//! Time is discrete-event: when no thread can run, the clock jumps to the earliest deadline
//! (sleep, timed wait, async timer) and the timers due fire; a `yield_now` moves it by one
//! microsecond so that busy-waiting threads also let time pass. Nothing reads the wall clock.
//!
//! A strategy that replays a prefix of a path it followed before (the exhaustive search: most of
//! its steps) picks those steps from the mask of runnable threads alone — the threads' views
//! (and its copy of the last step's accesses) are built only for the decisions it makes afresh.

use super::coroutine::{self, SimYielder};
use super::state::{with_exec, ExecState, PanicRec, StepRec, Wait, EXEC};
use super::suspend;
use crate::access::{self, Access};
use crate::op::{ObjId, Op, OpKind, ThreadId};
use crate::strategy::{Decision, Ended, OptionKind, Pick, Scheduler, ThreadView};
use lockstep::sync::PanicPayload;
use std::any::Any;
use std::cell::{Cell, RefCell};
use std::panic::{AssertUnwindSafe, Location};
use std::sync::Arc;

/// A model: the body of the main simulated thread of every execution. Shared, because a run
/// executes it many times (and a tool may run it under several checkers).
pub type ModelFn = Arc<dyn Fn() + Send + Sync + 'static>;

/// Limits of one execution.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ExecConfig {
    /// Collect names and objects even for passing executions (an oracle may reject them).
    pub(crate) always_detail: bool,
    pub(crate) max_steps: usize,
    pub(crate) fault_budget: usize,
    pub(crate) stack_size: usize,
}

/// A thread blocked when the execution ended, for the deadlock report.
#[derive(Debug, Clone)]
pub(crate) struct Blocked {
    pub(crate) thread: ThreadId,
    pub(crate) wait: Wait,
    pub(crate) at: &'static Location<'static>,
}

/// What a shared object was, for reports.
#[derive(Debug, Clone)]
pub(crate) struct ObjInfo {
    pub(crate) kind: super::ObjKind,
    pub(crate) holder: Option<(ThreadId, &'static Location<'static>)>,
    pub(crate) readers: Vec<(ThreadId, &'static Location<'static>)>,
    /// Where it was made (objects made outside the execution have no site).
    pub(crate) made_at: Option<&'static Location<'static>>,
    /// A process's copy held by a thread the process does not have (see `crate::process`).
    pub(crate) held_across_fork: bool,
    /// The object as the program names it (itself unless this is a process's copy).
    pub(crate) canonical: ObjId,
}

/// A caught panic.
#[derive(Debug, Clone)]
pub(crate) struct PanicInfo {
    pub(crate) thread: ThreadId,
    pub(crate) message: String,
    pub(crate) location: Option<String>,
}

/// How one execution ended.
#[derive(Debug, Clone)]
pub(crate) enum Outcome {
    /// Every thread finished (or the main thread finished and the rest are blocked forever:
    /// `abandoned` of them, as when a process exits).
    Ok { abandoned: usize },
    /// The main thread panicked, or another thread panicked and was never joined.
    Panic(PanicInfo),
    /// No thread can run and no timer is pending.
    Deadlock { blocked: Vec<Blocked> },
    /// More steps than the bound: a livelock or an unbounded loop.
    Livelock,
    /// The strategy pruned this execution (already covered).
    Pruned,
    /// The strategy could not follow the program (replay mismatch).
    Invalid(String),
}

/// Everything an execution leaves behind.
#[derive(Debug, Clone)]
pub(crate) struct ExecResult {
    pub(crate) outcome: Outcome,
    pub(crate) trace: Vec<StepRec>,
    /// Names and objects, for reports: collected only when the execution failed.
    pub(crate) thread_names: Vec<String>,
    pub(crate) objects: Vec<ObjInfo>,
    /// The recorded choice stream (thread picks with ≥ 2 candidates, options with ≥ 2 values).
    pub(crate) choices: Vec<u32>,
    pub(crate) faults: Vec<(usize, &'static str)>,
    /// Condvar waiters woken by a notification: (the notifying step, 1-based; the waiter).
    pub(crate) wakes: Vec<(usize, ThreadId)>,
    pub(crate) preemptions: usize,
    /// Every panic caught in the execution, in order (collected only when it failed).
    pub(crate) panics: Vec<PanicInfo>,
    /// The coverage points (`sometimes!`) reached: name, and whether the condition held.
    pub(crate) coverage: Vec<(&'static str, bool)>,
}

thread_local! {
    /// Set while a simulated thread runs: its panics are caught and reported, not printed.
    static IN_SIM_THREAD: Cell<bool> = const { Cell::new(false) };
    /// The location of the last panic in a simulated thread.
    static LAST_PANIC_AT: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Install (once per process) a panic hook that silences panics of simulated threads and keeps
/// their location for the report; every other panic goes to the previous hook.
fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if IN_SIM_THREAD.with(Cell::get) {
                let at = info.location().map(|l| l.to_string());
                LAST_PANIC_AT.with(|p| *p.borrow_mut() = at);
            } else {
                previous(info);
            }
        }));
    });
}

/// The body of a simulated thread: register the yielder, run `f` catching a panic, take the
/// exit step, publish the result.
pub(crate) fn thread_body(
    thread: ThreadId,
    f: Box<dyn FnOnce() -> Box<dyn Any + Send>>,
) -> Box<dyn FnOnce(&SimYielder)> {
    Box::new(move |yielder: &SimYielder| {
        with_exec(|e| e.threads[thread].yielder = yielder as *const SimYielder as usize);
        let result: Result<Box<dyn Any + Send>, PanicPayload> =
            std::panic::catch_unwind(AssertUnwindSafe(f));
        if let Err(payload) = &result {
            // Publish the panic at once: a panicking main thread ends the execution now.
            let at = LAST_PANIC_AT.with(|p| p.borrow_mut().take());
            let message = lockstep::sync::thread::panic_message(&**payload).to_owned();
            with_exec(|e| {
                e.panics.push(PanicRec {
                    thread,
                    message,
                    at,
                })
            });
        }
        let (object, at) = with_exec(|e| (e.threads[thread].object, e.threads[thread].spawned_at));
        suspend(Op::new(OpKind::Exit, Some(object), at), Wait::None);
        let joiners = with_exec(|e| {
            let rec = &mut e.threads[thread];
            rec.result = Some(result);
            rec.wait = Wait::Finished;
            std::mem::take(&mut rec.join_wakers)
        });
        joiners.into_iter().for_each(std::task::Waker::wake);
    })
}

/// Run one execution of `model` under `strategy`.
pub(crate) fn run_execution(
    strategy: &mut dyn Scheduler,
    model: &ModelFn,
    config: ExecConfig,
    generation: u64,
    model_at: &'static Location<'static>,
) -> ExecResult {
    install_panic_hook();
    EXEC.with(|c| {
        let mut state = c.borrow_mut();
        assert!(
            !state.active,
            "lockstep-sim: a simulation cannot run inside another simulation"
        );
        state.begin(generation, config.fault_budget, config.stack_size);
    });
    let main = with_exec(|e| e.new_thread(None, model_at));
    let model = model.clone();
    let body = thread_body(
        main,
        Box::new(move || {
            model();
            Box::new(()) as Box<dyn Any + Send>
        }),
    );
    let main_coroutine = coroutine::spawn_coroutine(config.stack_size, body);
    with_exec(|e| e.coroutines[main] = Some(main_coroutine));

    let (views, accesses, steps) = with_exec(|e| {
        let views = std::mem::take(&mut e.spare_views);
        (
            views,
            std::mem::take(&mut e.spare_accesses),
            e.trace.capacity(),
        )
    });
    let mut run = Run {
        strategy,
        config,
        views,
        // At most one choice per step (the trace has room for the last execution's steps).
        choices: Vec::with_capacity(steps),
        last: None,
        last_op: None,
        preemptions: 0,
        accesses,
        clock_jumped: false,
    };
    let outcome = run.drive();
    with_exec(|e| {
        e.spare_views = std::mem::take(&mut run.views);
        e.spare_accesses = std::mem::take(&mut run.accesses);
    });
    let ended = match outcome {
        Outcome::Ok { .. } => Ended::Completed,
        Outcome::Pruned => Ended::Pruned,
        _ => Ended::Failed,
    };
    let result = finish(outcome, run.choices, run.preemptions, config.always_detail);
    run.strategy.observe(&result);
    run.strategy.end_execution(ended, result.trace.len());
    result
}

struct Run<'s> {
    strategy: &'s mut dyn Scheduler,
    config: ExecConfig,
    views: Vec<ThreadView>,
    choices: Vec<u32>,
    last: Option<ThreadId>,
    /// The kind of operation the previous step ran.
    last_op: Option<OpKind>,
    preemptions: usize,
    /// The previous step's accesses, copied out of the execution state for the strategy.
    accesses: Vec<Access>,
    clock_jumped: bool,
}

impl Run<'_> {
    fn drive(&mut self) -> Outcome {
        loop {
            if self.strategy.replaying() {
                match self.replayed_step() {
                    Some(Ok(())) => continue,
                    Some(Err(outcome)) => return outcome,
                    None => {}
                }
            }
            let (enabled, step) = match self.refresh_views() {
                Ok(counts) => counts,
                Err(panicked) => return panicked,
            };
            if enabled == 0 {
                match self.idle() {
                    Some(outcome) => {
                        let step = with_exec(|e| e.trace.len());
                        let last = self.strategy.final_state(&Decision {
                            threads: &self.views,
                            last: self.last,
                            last_op: self.last_op,
                            step,
                            accesses: &self.accesses,
                            clock_jumped: self.clock_jumped,
                        });
                        return match last {
                            Ok(()) => outcome,
                            Err(message) => Outcome::Invalid(message),
                        };
                    }
                    None => continue,
                }
            }
            if step >= self.config.max_steps {
                return Outcome::Livelock;
            }
            let decision = Decision {
                threads: &self.views,
                last: self.last,
                last_op: self.last_op,
                step,
                accesses: &self.accesses,
                clock_jumped: self.clock_jumped,
            };
            let pick = self.strategy.pick_thread(&decision);
            let runnable =
                matches!(pick, Pick::Thread(t) if self.views.get(t).is_some_and(|v| v.enabled));
            if let Err(outcome) = self.run_pick(pick, runnable, enabled, step) {
                return outcome;
            }
        }
    }

    /// A step of a prefix the strategy replays: it picks from the mask of runnable threads
    /// alone, without the threads' views or the last step's accesses (it analysed the prefix
    /// when it first ran). `None` when it cannot be taken that way (nothing may run, or more
    /// threads than a mask holds): the full decision handles it.
    fn replayed_step(&mut self) -> Option<Result<(), Outcome>> {
        let state = with_exec(|e| {
            if let Some(p) = e.panics.iter().find(|p| p.thread == 0) {
                return Err(Outcome::Panic(panic_info(p)));
            }
            e.fire_timers();
            let threads = e.threads.len();
            let mask = (0..threads.min(64))
                .filter(|&t| e.enabled(t))
                .fold(0u64, |mask, t| mask | 1 << t);
            Ok((mask, threads, e.trace.len()))
        });
        let (mask, threads, step) = match state {
            Ok(state) => state,
            Err(outcome) => return Some(Err(outcome)),
        };
        if mask == 0 || threads > 64 {
            return None;
        }
        if step >= self.config.max_steps {
            return Some(Err(Outcome::Livelock));
        }
        let pick = self.strategy.replay(mask, threads);
        let runnable = matches!(pick, Pick::Thread(t) if t < 64 && mask & 1 << t != 0);
        let enabled = mask.count_ones() as usize;
        Some(self.run_pick(pick, runnable, enabled, step))
    }

    /// Take the step of the thread the strategy picked (`runnable`: it can run) among the
    /// `enabled` that can.
    fn run_pick(
        &mut self,
        pick: Pick,
        runnable: bool,
        enabled: usize,
        step: usize,
    ) -> Result<(), Outcome> {
        let thread = match pick {
            Pick::Thread(t) if runnable => t,
            Pick::Thread(t) => {
                return Err(Outcome::Invalid(format!(
                    "step {}: thread {t} was chosen but cannot run",
                    step + 1
                )))
            }
            Pick::Prune => return Err(Outcome::Pruned),
            Pick::Invalid(message) => return Err(Outcome::Invalid(message)),
        };
        if enabled > 1 {
            self.choices.push(thread as u32);
        }
        self.take_step(thread, step).map_err(Outcome::Invalid)
    }

    /// Rebuild the strategy's view of every thread (and its copy of the last step's accesses,
    /// timers that fired included); returns how many may run and the steps taken so far — or
    /// the end of the execution if the main thread panicked. One visit to the execution state
    /// per step: this runs before every decision but those of a replayed prefix.
    fn refresh_views(&mut self) -> Result<(usize, usize), Outcome> {
        with_exec(|e| {
            // A panic ends the execution if it is the main thread's.
            if let Some(p) = e.panics.iter().find(|p| p.thread == 0) {
                return Err(Outcome::Panic(panic_info(p)));
            }
            e.fire_timers();
            self.accesses.clear();
            self.accesses.extend_from_slice(&e.accesses);
            self.clock_jumped = e.clock_jumped;
            self.views.clear();
            let mut enabled = 0;
            for id in 0..e.threads.len() {
                let can_run = e.enabled(id);
                enabled += usize::from(can_run);
                let wait = e.threads[id].wait;
                let wait_key = match wait {
                    Wait::Mutex(m) | Wait::Read(m) | Wait::Write(m) => Some(e.key(m)),
                    Wait::Condvar { mutex, .. } => Some(e.key(mutex)),
                    _ => None,
                };
                let next = e.threads[id].next;
                self.views.push(ThreadView {
                    enabled: can_run,
                    finished: matches!(wait, Wait::Finished),
                    next,
                    wait,
                    wait_key,
                    key: next.object.map(|o| e.key(o)),
                });
            }
            Ok((enabled, e.trace.len()))
        })
    }

    /// Nobody can run: advance the clock to the next deadline, or end the execution.
    fn idle(&mut self) -> Option<Outcome> {
        with_exec(|e| {
            if let Some(deadline) = e.next_deadline() {
                // A jump, not the last step's doing: what the timers do then is ordered after
                // everything before the jump anyway, so it is not added to the step's accesses.
                let step_accesses = e.accesses.len();
                e.now = e.now.max(deadline);
                e.fire_timers();
                e.accesses.truncate(step_accesses);
                e.clock_jumped = true;
                return None;
            }
            let main_done = matches!(e.threads[0].wait, Wait::Finished);
            if main_done {
                let abandoned = e
                    .threads
                    .iter()
                    .filter(|t| !matches!(t.wait, Wait::Finished))
                    .count();
                let unjoined = e.panics.iter().find(|p| !e.threads[p.thread].joined);
                return Some(match unjoined {
                    Some(panic) => Outcome::Panic(panic_info(panic)),
                    None => Outcome::Ok { abandoned },
                });
            }
            let blocked = (0..e.threads.len())
                .filter(|&t| !matches!(e.threads[t].wait, Wait::Finished))
                .map(|t| Blocked {
                    thread: t,
                    wait: e.threads[t].wait,
                    at: e.threads[t].blocked_at,
                })
                .collect();
            Some(Outcome::Deadlock { blocked })
        })
    }

    /// Resolve the choice `thread`'s operation needs, record the step, run the thread.
    fn take_step(&mut self, thread: ThreadId, step: usize) -> Result<(), String> {
        let last = self.last;
        let (op, options, preemption) = with_exec(|e| {
            // Leaving a thread that could go on is a preemption (unless it yields or sleeps).
            let preemption = last.is_some_and(|last| {
                last != thread
                    && e.enabled(last)
                    && !matches!(e.threads[last].next.kind, OpKind::Yield | OpKind::Sleep)
            });
            (e.threads[thread].next, options_for(e, thread), preemption)
        });
        let mut option_index = None;
        // Waking a waiter other than the longest waiting deviates from the default schedule
        // like a preemption does, and is counted as one (as the bounded search counts it).
        let mut other_waiter = false;
        let answer = match options {
            Some((_, 1)) => Some(0),
            Some((kind, n)) => {
                let answer = self.strategy.pick_option(kind, n, thread)?;
                if answer >= n {
                    return Err(format!("step {}: option {answer} of {n}", step + 1));
                }
                option_index = Some(self.choices.len() as u32);
                self.choices.push(answer as u32);
                other_waiter = kind == OptionKind::NotifyTarget && answer != 0;
                Some(answer)
            }
            None => None,
        };
        self.preemptions += usize::from(preemption) + usize::from(other_waiter);
        let coroutine = with_exec(|e| {
            e.current = thread;
            e.threads[thread].answer = answer;
            let now = e.now;
            let until = match e.threads[thread].wait {
                Wait::Sleep(deadline) => Some(deadline),
                _ => None,
            };
            let mut accesses = std::mem::take(&mut e.accesses);
            accesses.clear();
            let objects = &e.objects;
            access::of_op(
                &mut accesses,
                &op,
                |id| objects[id as usize].key,
                thread,
                until,
                now,
            );
            e.accesses = accesses;
            e.clock_jumped = false;
            e.trace.push(StepRec {
                thread,
                op,
                now,
                answer,
                preemption,
                other_waiter,
                option_index,
            });
            e.coroutines[thread].take()
        });
        let mut coroutine = coroutine.expect("a runnable thread has a coroutine");
        IN_SIM_THREAD.with(|f| f.set(true));
        let finished = coroutine::resume(&mut coroutine);
        IN_SIM_THREAD.with(|f| f.set(false));
        if finished {
            coroutine::recycle(coroutine);
        } else {
            with_exec(|e| e.coroutines[thread] = Some(coroutine));
        }
        self.last = Some(thread);
        self.last_op = Some(op.kind);
        Ok(())
    }
}

/// The choice an operation needs before it runs: a `notify_one` with waiters, a fault point
/// with budget left.
fn options_for(e: &ExecState, thread: ThreadId) -> Option<(OptionKind, usize)> {
    let op = e.threads[thread].next;
    match op.kind {
        OpKind::NotifyOne => {
            let waiters = e.objects[op.object? as usize].waiters.len();
            (waiters > 0).then_some((OptionKind::NotifyTarget, waiters))
        }
        OpKind::Fault if e.fault_budget > 0 => Some((OptionKind::Fault, 2)),
        OpKind::Fault => Some((OptionKind::Fault, 1)),
        _ => None,
    }
}

/// Take `v`'s contents, leaving an empty vector with room for as many.
fn take_sized<T>(v: &mut Vec<T>) -> Vec<T> {
    let room = Vec::with_capacity(v.len());
    std::mem::replace(v, room)
}

fn panic_info(panic: &PanicRec) -> PanicInfo {
    PanicInfo {
        thread: panic.thread,
        message: panic.message.clone(),
        location: panic.at.clone(),
    }
}

/// End the execution: collect what reports need, then dispose of the state. After a clean end
/// the threads' results are dropped with the simulation still installed (their destructors may
/// use sim primitives, which then take effect at once); otherwise the remaining coroutines are
/// abandoned and the state is leaked (see `coroutine::abandon`).
fn finish(
    outcome: Outcome,
    choices: Vec<u32>,
    preemptions: usize,
    always_detail: bool,
) -> ExecResult {
    let detailed = always_detail || !matches!(outcome, Outcome::Ok { .. } | Outcome::Pruned);
    let result = with_exec(|e| ExecResult {
        outcome,
        // The next execution's trace is likely as long: one allocation instead of regrowing.
        trace: take_sized(&mut e.trace),
        thread_names: if detailed {
            let threads = e.threads.iter().enumerate();
            threads.map(|(id, t)| t.display_name(id)).collect()
        } else {
            Vec::new()
        },
        objects: if detailed {
            e.objects
                .iter()
                .map(|o| ObjInfo {
                    kind: o.kind,
                    holder: o.holder,
                    readers: o.readers.clone(),
                    made_at: o.made_at,
                    held_across_fork: o.held_across_fork,
                    canonical: o.canonical,
                })
                .collect()
        } else {
            Vec::new()
        },
        choices,
        faults: std::mem::take(&mut e.faults),
        wakes: take_sized(&mut e.wakes),
        preemptions,
        panics: if detailed {
            e.panics.iter().map(panic_info).collect()
        } else {
            Vec::new()
        },
        coverage: std::mem::take(&mut e.coverage),
    });
    let clean = with_exec(|e| {
        e.tearing_down = true;
        e.coroutines.iter().all(Option::is_none)
    });
    // Dispose of the threads' results and coroutines outside the state's borrow: destructors
    // may use sim primitives (which take effect at once while tearing down).
    let (results, coroutines) = with_exec(|e| {
        let results: Vec<_> = e.threads.drain(..).map(|t| t.result).collect();
        (results, std::mem::take(&mut e.coroutines))
    });
    if clean {
        drop(results);
    } else {
        // Abandoned threads may hold std locks inside sim objects that these results reach:
        // dropping could block. Leak them (see `coroutine::abandon`).
        std::mem::forget(results);
        for coroutine in coroutines.into_iter().flatten() {
            coroutine::abandon(coroutine);
        }
    }
    with_exec(|e| e.active = false);
    result
}

/// Register a new simulated thread running `f` (called from the spawning thread).
pub(crate) fn spawn_thread(
    name: Option<String>,
    f: Box<dyn FnOnce() -> Box<dyn Any + Send>>,
    at: &'static Location<'static>,
) -> ThreadId {
    let (thread, stack_size) = with_exec(|e| {
        let thread = e.new_thread(name, at);
        e.record(
            crate::access::thread_object(thread),
            crate::access::Role::Create,
        );
        (thread, e.stack_size)
    });
    let coroutine = coroutine::spawn_coroutine(stack_size, thread_body(thread, f));
    with_exec(|e| e.coroutines[thread] = Some(coroutine));
    thread
}

/// The object a thread is known by (spawn, exit and join operate on it).
pub(crate) fn thread_object(thread: ThreadId) -> ObjId {
    with_exec(|e| e.threads[thread].object)
}
