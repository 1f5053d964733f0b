//! The state of one execution: threads, shared objects, the virtual clock and the trace.
//!
//! It lives in an OS-thread-local (`EXEC`) because every simulated thread is a coroutine on the
//! OS thread that runs the simulation: facade operations reach it without any argument. The
//! scheduler and the running coroutine take turns borrowing it; no borrow is held across a
//! switch.

use crate::access::{self, Access, Key, Role};
use crate::op::{ObjId, Op, OpKind, ThreadId};
use lockstep::sync::PanicPayload;
use std::any::Any;
use std::cell::RefCell;
use std::panic::Location;
use std::time::Duration;

/// Why a thread cannot run right now.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Wait {
    /// Runnable.
    None,
    /// Until the mutex is free.
    Mutex(ObjId),
    /// Until no writer holds the lock.
    Read(ObjId),
    /// Until nobody holds the lock.
    Write(ObjId),
    /// Until notified or timed out, then until the mutex is free.
    Condvar {
        condvar: ObjId,
        mutex: ObjId,
        deadline: Option<Duration>,
        notified: bool,
        timed_out: bool,
    },
    /// Until the thread has exited.
    Join(ThreadId),
    /// Until the clock reaches the deadline.
    Sleep(Duration),
    /// An async task: until woken.
    Park,
    /// The thread has exited.
    Finished,
}

/// What kind of shared object an [`ObjId`] names (for reports).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ObjKind {
    Mutex,
    Condvar,
    RwLock,
    Atomic,
    Thread,
    Async,
}

impl ObjKind {
    /// Whether each process has its own copy of the object's state (locks and condition
    /// variables do; atomics and async primitives are data, shared by reference).
    pub(crate) fn has_lock_state(self) -> bool {
        matches!(self, ObjKind::Mutex | ObjKind::Condvar | ObjKind::RwLock)
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            ObjKind::Mutex => "mutex",
            ObjKind::Condvar => "condvar",
            ObjKind::RwLock => "rwlock",
            ObjKind::Atomic => "atomic",
            ObjKind::Thread => "thread",
            ObjKind::Async => "async primitive",
        }
    }
}

/// A shared object's simulation state.
#[derive(Debug)]
pub(crate) struct ObjRec {
    pub(crate) kind: ObjKind,
    /// Its name for the partial-order reduction, the same in every execution.
    pub(crate) key: Key,
    /// Mutex / write-lock holder, and where it was acquired.
    pub(crate) holder: Option<(ThreadId, &'static Location<'static>)>,
    /// Read-lock holders.
    pub(crate) readers: Vec<(ThreadId, &'static Location<'static>)>,
    /// Threads waiting on a condvar (not yet notified).
    pub(crate) waiters: Vec<ThreadId>,
    /// The process whose copy of the object this record is (see [`crate::process`]).
    pub(crate) process: ProcessId,
    /// The object as its slot names it in every process (itself unless this is a copy).
    pub(crate) canonical: ObjId,
    /// Where it was made, if it was made inside the execution (for reports).
    pub(crate) made_at: Option<&'static Location<'static>>,
    /// A copy made by a fork while a thread the child does not have held it.
    pub(crate) held_across_fork: bool,
}

/// Index of a simulated process in its execution (0: the model's own).
pub(crate) type ProcessId = usize;

/// A simulated process: its copies of the lock state of objects it did not make.
#[derive(Debug, Default)]
pub(crate) struct ProcessRec {
    /// Canonical object -> this process's copy.
    pub(crate) copies: std::collections::HashMap<ObjId, ObjId>,
}

/// A simulated thread.
pub(crate) struct ThreadRec {
    /// `None`: unnamed (reported as `thread-<id>`).
    pub(crate) name: Option<String>,
    pub(crate) object: ObjId,
    pub(crate) wait: Wait,
    /// The visible operation it performs when next scheduled.
    pub(crate) next: Op,
    /// Where it waits (for reports): the location of the blocking call.
    pub(crate) blocked_at: &'static Location<'static>,
    /// The answer to the choice its next operation needs (notify target, fault).
    pub(crate) answer: Option<usize>,
    /// Its result once finished.
    pub(crate) result: Option<Result<Box<dyn Any + Send>, PanicPayload>>,
    pub(crate) joined: bool,
    /// Async tasks: a wakeup arrived while it was not parked.
    pub(crate) woken: bool,
    /// `*const Yielder` of its coroutine, set when it first runs.
    pub(crate) yielder: usize,
    /// The fault point its next operation reaches.
    pub(crate) fault_point: &'static str,
    /// Where it was spawned (its start and exit are reported there).
    pub(crate) spawned_at: &'static Location<'static>,
    /// Async join handles waiting for it to finish.
    pub(crate) join_wakers: Vec<std::task::Waker>,
    /// An async task asked to stop.
    pub(crate) aborted: bool,
    /// The process it belongs to.
    pub(crate) process: ProcessId,
}

/// A panic caught in a simulated thread.
#[derive(Debug, Clone)]
pub(crate) struct PanicRec {
    pub(crate) thread: ThreadId,
    pub(crate) message: String,
    pub(crate) at: Option<String>,
}

/// One step of the trace.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StepRec {
    pub(crate) thread: ThreadId,
    pub(crate) op: Op,
    pub(crate) now: Duration,
    /// The choice made for this step's operation, if it needed one.
    pub(crate) answer: Option<usize>,
    /// Another enabled thread could have run instead of continuing the previous one.
    pub(crate) preemption: bool,
    /// A `notify_one` woke a waiter other than the longest waiting (counted as a preemption,
    /// but not a switch: block edits do not look at it).
    pub(crate) other_waiter: bool,
    /// Where this step's option answer sits in the choice stream (if there was a choice).
    pub(crate) option_index: Option<u32>,
}

/// An async timer: wake `thread` when the clock reaches `deadline`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timer {
    pub(crate) deadline: Duration,
    pub(crate) thread: ThreadId,
}

/// Everything about the running execution.
pub(crate) struct ExecState {
    pub(crate) active: bool,
    pub(crate) generation: u64,
    pub(crate) threads: Vec<ThreadRec>,
    pub(crate) objects: Vec<ObjRec>,
    pub(crate) now: Duration,
    pub(crate) current: ThreadId,
    pub(crate) timers: Vec<Timer>,
    pub(crate) trace: Vec<StepRec>,
    /// Faults that fired: (step, point).
    pub(crate) faults: Vec<(usize, &'static str)>,
    /// Condvar waiters woken by a notification: (the notifying step, 1-based; the waiter). For
    /// reports only (the timeline's notify arrows).
    pub(crate) wakes: Vec<(usize, ThreadId)>,
    pub(crate) fault_budget: usize,
    /// Panics caught so far, in order.
    pub(crate) panics: Vec<PanicRec>,
    /// The execution is over: operations take effect at once, nothing suspends.
    pub(crate) tearing_down: bool,
    /// Stack size for new threads.
    pub(crate) stack_size: usize,
    /// Coroutines, indexed by thread; `None` while running or once finished.
    pub(crate) coroutines: Vec<Option<super::coroutine::SimCoroutine>>,
    /// Async primitives (known by address) registered in this execution.
    pub(crate) async_objects: std::collections::BTreeMap<usize, ObjId>,
    /// What the running step has accessed so far (its operation's own accesses, then what the
    /// primitives record as the thread runs on): the partial-order reduction's input.
    pub(crate) accesses: Vec<Access>,
    /// The clock jumped (every thread was waiting) since the last step.
    pub(crate) clock_jumped: bool,
    /// A timed condvar wait began in this execution: [`ExecState::fire_timers`] looks for
    /// waits that timed out only then (it runs before every step).
    pub(crate) timed_waits: bool,
    /// Objects each thread has made so far (their names, see [`access::made`]).
    pub(crate) made: Vec<u32>,
    /// Objects registered by address so far.
    pub(crate) registered: u64,
    /// Coverage points reached (`sometimes!`): the point's name and whether its condition
    /// held, in order.
    pub(crate) coverage: Vec<(&'static str, bool)>,
    /// The processes of the execution (at least the model's own, process 0).
    pub(crate) processes: Vec<ProcessRec>,
    /// The executor's buffers (its thread views and copy of the last step's accesses), kept
    /// here between executions so that they are not grown again every time.
    pub(crate) spare_views: Vec<crate::strategy::ThreadView>,
    pub(crate) spare_accesses: Vec<Access>,
}

thread_local! {
    /// The execution state of this OS thread; reset in place for every execution, so its
    /// buffers are reused. `active` says whether an execution is running.
    pub(crate) static EXEC: RefCell<ExecState> = const { RefCell::new(ExecState::idle()) };
}

/// Run `f` on the current execution's state.
///
/// # Panics
/// If no simulation runs on this OS thread (a `Sim` primitive used outside `check_*`), or if
/// called re-entrantly.
#[track_caller]
pub(crate) fn with_exec<R>(f: impl FnOnce(&mut ExecState) -> R) -> R {
    EXEC.with(|cell| {
        let mut state = cell.borrow_mut();
        assert!(
            state.active,
            "a lockstep-sim primitive was used outside a simulation: run the model with \
             lockstep_sim::check_random / check_pct / check_dfs or a Builder"
        );
        f(&mut state)
    })
}

/// Whether a simulation runs on this OS thread (and its state is not borrowed right now).
pub(crate) fn active() -> bool {
    EXEC.with(|cell| cell.try_borrow().is_ok_and(|e| e.active && !e.tearing_down))
}

impl ExecState {
    const fn idle() -> Self {
        Self {
            active: false,
            generation: 0,
            threads: Vec::new(),
            objects: Vec::new(),
            now: Duration::ZERO,
            current: 0,
            timers: Vec::new(),
            trace: Vec::new(),
            faults: Vec::new(),
            wakes: Vec::new(),
            fault_budget: 0,
            panics: Vec::new(),
            tearing_down: false,
            stack_size: 0,
            coroutines: Vec::new(),
            async_objects: std::collections::BTreeMap::new(),
            accesses: Vec::new(),
            clock_jumped: false,
            timed_waits: false,
            made: Vec::new(),
            registered: 0,
            coverage: Vec::new(),
            processes: Vec::new(),
            spare_views: Vec::new(),
            spare_accesses: Vec::new(),
        }
    }

    /// Start a new execution in place (keeping the buffers' capacity).
    pub(crate) fn begin(&mut self, generation: u64, fault_budget: usize, stack_size: usize) {
        debug_assert!(self.threads.is_empty() && self.coroutines.is_empty());
        self.active = true;
        self.generation = generation;
        self.objects.clear();
        self.now = Duration::ZERO;
        self.current = 0;
        self.timers.clear();
        self.trace.clear();
        self.faults.clear();
        self.wakes.clear();
        self.fault_budget = fault_budget;
        self.panics.clear();
        self.tearing_down = false;
        self.stack_size = stack_size;
        self.async_objects.clear();
        self.accesses.clear();
        self.clock_jumped = false;
        self.timed_waits = false;
        self.made.clear();
        self.registered = 0;
        self.coverage.clear();
        self.processes.clear();
        self.processes.push(ProcessRec::default());
    }

    /// The key of object `id`.
    pub(crate) fn key(&self, id: ObjId) -> Key {
        self.objects[id as usize].key
    }

    /// A new object made by the running thread (named by it and its count of objects made).
    pub(crate) fn made_object(&mut self, kind: ObjKind, at: &'static Location<'static>) -> ObjId {
        let thread = self.current;
        if self.made.len() <= thread {
            self.made.resize(thread + 1, 0);
        }
        self.made[thread] += 1;
        let key = access::made(thread, self.made[thread]);
        let id = self.new_object(kind, key);
        self.objects[id as usize].made_at = Some(at);
        id
    }

    /// A new object known only by address, registered on first use (registrations are
    /// ordered, so the count names it in every equivalent execution).
    pub(crate) fn registered_object(&mut self, kind: ObjKind) -> ObjId {
        self.registered += 1;
        self.record(access::REGISTRY, Role::Write);
        let key = access::registered(self.registered);
        self.new_object(kind, key)
    }

    /// Record that the running step accessed `key` as `role`.
    pub(crate) fn record(&mut self, key: Key, role: Role) {
        if !self.tearing_down {
            self.accesses.push(Access::new(key, role));
        }
    }

    /// Record that the running step read the clock (inside an operation: a
    /// [`OpKind::ReadClock`](crate::op::OpKind::ReadClock) step, a timed wait's deadline).
    pub(crate) fn read_clock(&mut self) -> Duration {
        self.record(access::CLOCK, Role::ReadClock { until: None });
        self.now
    }

    /// Set `thread`'s async wake-up flag, recording the wake-up.
    pub(crate) fn wake_task(&mut self, thread: ThreadId) {
        let redundant = self.threads[thread].woken;
        self.threads[thread].woken = true;
        self.record(access::wake(thread), Role::Wake { redundant });
    }

    /// A new object named `key`.
    pub(crate) fn new_object(&mut self, kind: ObjKind, key: Key) -> ObjId {
        let id = ObjId::try_from(self.objects.len()).expect("fewer than 2^32 objects");
        let process = self.threads.get(self.current).map_or(0, |t| t.process);
        self.objects.push(ObjRec {
            kind,
            key,
            holder: None,
            readers: Vec::new(),
            waiters: Vec::new(),
            process,
            canonical: id,
            made_at: None,
            held_across_fork: false,
        });
        id
    }

    pub(crate) fn new_thread(
        &mut self,
        name: Option<String>,
        at: &'static Location<'static>,
    ) -> ThreadId {
        let id = self.threads.len();
        let process = self.threads.get(self.current).map_or(0, |t| t.process);
        let object = self.new_object(ObjKind::Thread, access::thread_object(id));
        self.objects[object as usize].made_at = Some(at);
        self.threads.push(ThreadRec {
            name,
            object,
            wait: Wait::None,
            next: Op::new(OpKind::Start, Some(object), at),
            blocked_at: at,
            answer: None,
            result: None,
            joined: false,
            woken: false,
            yielder: 0,
            fault_point: "",
            spawned_at: at,
            join_wakers: Vec::new(),
            aborted: false,
            process,
        });
        self.coroutines.push(None);
        id
    }

    /// Can `thread` take its next step now?
    #[inline]
    pub(crate) fn enabled(&self, thread: ThreadId) -> bool {
        let free = |m: ObjId| self.objects[m as usize].holder.is_none();
        match self.threads[thread].wait {
            Wait::None => true,
            Wait::Mutex(m) => free(m),
            Wait::Read(l) => free(l),
            Wait::Write(l) => free(l) && self.objects[l as usize].readers.is_empty(),
            Wait::Condvar {
                mutex,
                notified,
                timed_out,
                ..
            } => (notified || timed_out) && free(mutex),
            Wait::Join(other) => matches!(self.threads[other].wait, Wait::Finished),
            Wait::Sleep(deadline) => self.now >= deadline,
            Wait::Park => self.threads[thread].woken,
            Wait::Finished => false,
        }
    }

    /// The earliest pending deadline (sleep, timed wait, async timer), if any.
    pub(crate) fn next_deadline(&self) -> Option<Duration> {
        let waits = self.threads.iter().filter_map(|t| match t.wait {
            Wait::Sleep(d) => Some(d),
            Wait::Condvar {
                deadline: Some(d),
                notified: false,
                timed_out: false,
                ..
            } => Some(d),
            _ => None,
        });
        waits.chain(self.timers.iter().map(|t| t.deadline)).min()
    }

    /// Fire every timer whose deadline has passed: timed waits time out, async timers wake.
    /// The effects are recorded as the last step's accesses: it moved the clock (a jump of an
    /// idle clock is recorded as a jump instead).
    pub(crate) fn fire_timers(&mut self) {
        let now = self.now;
        let scanned = if self.timed_waits {
            self.threads.len()
        } else {
            0
        };
        for id in 0..scanned {
            if let Wait::Condvar {
                condvar,
                deadline: Some(d),
                notified: false,
                ref mut timed_out,
                ..
            } = self.threads[id].wait
            {
                if d <= now && !*timed_out {
                    *timed_out = true;
                    self.objects[condvar as usize].waiters.retain(|&w| w != id);
                    let key = self.key(condvar);
                    self.record(key, Role::Write);
                    self.record(access::wake(id), Role::Wake { redundant: false });
                }
            }
        }
        if !self.timers.is_empty() {
            let mut fired = Vec::new();
            self.timers.retain(|t| {
                let due = t.deadline <= now;
                if due {
                    fired.push(t.thread);
                }
                !due
            });
            for thread in fired {
                self.wake_task(thread);
            }
        }
    }
}

impl ThreadRec {
    /// The name reports use.
    pub(crate) fn display_name(&self, id: ThreadId) -> String {
        match &self.name {
            Some(name) => name.clone(),
            None if id == 0 => "main".to_owned(),
            None => format!("thread-{id}"),
        }
    }
}
