//! Processes: `fork`, a fresh process start (`spawn`), and the lock state a child inherits.
//!
//! Parsl hung because a thread forked while another thread (its logger) held the logging
//! handler's lock: the child got a copy of the lock *held*, and not the thread that would
//! release it, so the child's first log statement waited for ever. This module lets a model do
//! what the OS does, so that the simulator finds that hang and explains it.
//!
//! What a fork models, and why that is enough to be exact about locks:
//! - **The child gets a copy of every lock's state** — every `Mutex`, `RwLock` and `Condvar`
//!   the forking process had made or touched — held or free, and by whom. A lock held by the
//!   forking thread is held by the child's thread (its continuation, which has no guard for it:
//!   release it with [`reinit`], as CPython's at-fork handlers do); a lock held by any other
//!   thread stays held for ever, by a thread that does not exist in the child. A condition
//!   variable's copy has no waiters. Afterwards each process locks, waits and notifies on its
//!   own copy: the two never interfere, as in two address spaces.
//! - **Only the forking thread** continues in the child: the child process starts with one
//!   thread running the closure given to [`fork`]; threads it spawns belong to it.
//! - **The Rust data is whatever the child closure captured.** The simulator cannot copy
//!   arbitrary values, so the child must own copies of the data it uses (move them into the
//!   closure); a lock it shares by reference (an `Arc` clone) gets the copied *lock state*, but
//!   its data is one value. A guard borrows that value only when it is dereferenced, so a lock
//!   used as a lock (a handler lock guarding `()`) is fine; two processes dereferencing
//!   guards of one lock at the same time panic with an explanation instead of aliasing it.
//!   Atomics and async primitives are data too: shared by reference, not copied.
//! - [`spawn`] starts a **fresh process**: no lock state is inherited; every lock it reaches
//!   starts free in it (Python's `spawn` start method re-imports the program and builds new
//!   locks). [`try_fork`] refuses to fork while other threads of the process run (what
//!   Python 3.12 warns about), so a model can show the "fork only when single-threaded" fix.
//!
//! Soundness of the partial-order reduction: a fork records a write of every lock whose state
//! it copies (the child's state depends on it) and of the spawn order (process and thread ids
//! follow it), so DFS orders it against every lock operation of the forking process. The copies
//! have keys of their own (`access::in_process`), so operations of different processes on their
//! own copies commute, as they do in reality. With more than one process, dereferencing a
//! mutex guard also records an access of the shared data, so processes sharing data by
//! reference are still ordered. The differential test `strategy::dpor_primitives` forks in its
//! random programs and compares the optimal search with full enumeration.
//!
//! Why a simulator-only API and not a `Runtime::fork` of the facade: `fork` in a multi-threaded
//! Rust program is unsound in production (the child may only call async-signal-safe functions
//! until it execs), and loom and shuttle have no processes. Models of fork bugs therefore run
//! on the simulator alone, written against the facade's primitives with `Sim` as the runtime.
//!
//! ```
//! use lockstep::sync::{thread, Arc, Mutex};
//! use lockstep_sim::{process, Sim};
//!
//! // The logger may hold the handler lock when main forks: the child then waits for ever.
//! let failure = lockstep_sim::Builder::dfs(None)
//!     .run(|| {
//!         let handler: Arc<Mutex<(), Sim>, Sim> = Arc::new(Mutex::new(()));
//!         let logging = handler.clone();
//!         let logger = thread::Builder::<Sim>::new()
//!             .name("logger")
//!             .spawn(move || drop(logging.lock()));
//!         let inherited = handler.clone();
//!         let child = process::fork(move || drop(inherited.lock()));
//!         child.wait().unwrap();
//!         logger.join().unwrap();
//!     })
//!     .unwrap_err();
//! assert!(failure.to_string().contains("which does not exist in the child"), "{failure}");
//! ```

use crate::access::{self, Role};
use crate::exec::sched::{spawn_thread, thread_object};
use crate::exec::state::{with_exec, ExecState, ProcessId, ProcessRec, Wait};
use crate::exec::{suspend, ObjKind};
use crate::op::{ObjId, Op, OpKind, ThreadId};
use crate::Sim;
use lockstep::sync::PanicPayload;
use std::fmt;
use std::marker::PhantomData;
use std::panic::Location;

/// A child process: wait for it with [`Child::wait`] (`waitpid`).
#[derive(Debug)]
pub struct Child<T> {
    thread: ThreadId,
    process: ProcessId,
    result: PhantomData<fn() -> T>,
}

impl<T: Send + 'static> Child<T> {
    /// The child's process number (0 is the model's own process; children count up in the
    /// order they were started).
    pub fn id(&self) -> usize {
        self.process
    }

    /// Wait until the child's main thread returns; its value, or the payload it panicked with.
    #[track_caller]
    pub fn wait(self) -> Result<T, PanicPayload> {
        let object = thread_object(self.thread);
        suspend(
            Op::new(OpKind::Join, Some(object), Location::caller()),
            Wait::Join(self.thread),
        );
        let result = with_exec(|e| {
            let child = &mut e.threads[self.thread];
            child.joined = true;
            child.result.take()
        });
        match result {
            Some(Ok(value)) => Ok(*value
                .downcast::<T>()
                .expect("a child's result type matches its closure's")),
            Some(Err(payload)) => Err(payload),
            None => Err(Box::new(
                "the child was abandoned when the simulation ended",
            )),
        }
    }
}

/// [`try_fork`] refused: other threads of the process were running.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForkRefused {
    /// The names of the running threads, in creation order.
    pub running: Vec<String>,
}

impl fmt::Display for ForkRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "refusing to fork while other threads run ({}): the child would inherit the locks \
             they hold",
            self.running.join(", ")
        )
    }
}

impl std::error::Error for ForkRefused {}

/// How a process starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Start {
    /// A copy of the running process (its lock state), running one thread.
    Fork,
    /// Only if no other thread of the process runs.
    ForkIfAlone,
    /// A fresh process: nothing inherited.
    Spawn,
}

/// Starts processes with a name for the child's main thread (reports use it).
#[derive(Debug, Clone, Default)]
pub struct Builder {
    name: Option<String>,
}

impl Builder {
    /// A builder whose child's main thread is named `process-N`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Name the child's main thread.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// [`fork`] with this builder's name.
    #[track_caller]
    pub fn fork<F, T>(self, child: F) -> Child<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        self.start(Start::Fork, child, Location::caller())
            .expect("an unconditional fork is never refused")
    }

    /// [`try_fork`] with this builder's name.
    #[track_caller]
    pub fn try_fork<F, T>(self, child: F) -> Result<Child<T>, ForkRefused>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        self.start(Start::ForkIfAlone, child, Location::caller())
    }

    /// [`spawn`] with this builder's name.
    #[track_caller]
    pub fn spawn<F, T>(self, child: F) -> Child<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        self.start(Start::Spawn, child, Location::caller())
            .expect("a process spawn is never refused")
    }

    fn start<F, T>(
        self,
        how: Start,
        child: F,
        at: &'static Location<'static>,
    ) -> Result<Child<T>, ForkRefused>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let kind = match how {
            Start::Spawn => OpKind::SpawnProcess,
            Start::Fork | Start::ForkIfAlone => OpKind::Fork,
        };
        suspend(Op::new(kind, None, at), Wait::None);
        if how == Start::ForkIfAlone {
            let running = with_exec(running_siblings);
            if !running.is_empty() {
                return Err(ForkRefused { running });
            }
        }
        let (forker, parent, process) = with_exec(|e| {
            e.processes.push(ProcessRec::default());
            let process = e.processes.len() - 1;
            (e.current, e.threads[e.current].process, process)
        });
        let name = self.name.unwrap_or_else(|| format!("process-{process}"));
        let thread = spawn_thread(
            Some(name),
            Box::new(move || Box::new(child()) as Box<dyn std::any::Any + Send>),
            at,
        );
        with_exec(|e| {
            e.threads[thread].process = process;
            if how != Start::Spawn {
                copy_lock_state(e, parent, process, forker, thread);
            }
        });
        Ok(Child {
            thread,
            process,
            result: PhantomData,
        })
    }
}

/// Fork the running process: the child gets a copy of every lock's state (held or free, and
/// by whom) and one thread, which runs `child`. See the [module docs](self).
#[track_caller]
pub fn fork<F, T>(child: F) -> Child<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    Builder::new()
        .start(Start::Fork, child, Location::caller())
        .expect("an unconditional fork is never refused")
}

/// Fork only if no other thread of the running process is alive; otherwise refuse, naming the
/// threads that run.
#[track_caller]
pub fn try_fork<F, T>(child: F) -> Result<Child<T>, ForkRefused>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    Builder::new().start(Start::ForkIfAlone, child, Location::caller())
}

/// Start a fresh process running `child`: it inherits no lock state (every lock it reaches
/// starts free in it), like Python's `spawn` start method.
#[track_caller]
pub fn spawn<F, T>(child: F) -> Child<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    Builder::new()
        .start(Start::Spawn, child, Location::caller())
        .expect("a process spawn is never refused")
}

/// In a child process, forget who holds this process's copy of `mutex` (CPython's
/// `_at_fork_reinit`, which its at-fork handlers call on the logging locks in the child).
///
/// # Panics
/// In the model's own process (process 0), which was not forked.
#[track_caller]
pub fn reinit<T: Send>(mutex: &lockstep::sync::Mutex<T, Sim>) {
    let forked = with_exec(|e| e.threads[e.current].process != 0);
    assert!(
        forked,
        "lockstep_sim::process::reinit is for a forked child; the model's own process was not \
         forked"
    );
    mutex.as_raw().reinit_after_fork();
}

/// The number of the process the calling thread belongs to (0: the model's own).
pub fn current() -> usize {
    with_exec(|e| e.threads[e.current].process)
}

/// The other threads of the running thread's process that have not finished; reading each
/// thread's state is recorded (their exits are writes), so the answer is ordered.
fn running_siblings(e: &mut ExecState) -> Vec<String> {
    let (me, process) = (e.current, e.threads[e.current].process);
    let mut running = Vec::new();
    for t in 0..e.threads.len() {
        if t == me || e.threads[t].process != process {
            continue;
        }
        e.record(access::thread_object(t), Role::Read);
        if !matches!(e.threads[t].wait, Wait::Finished) {
            running.push(e.threads[t].display_name(t));
        }
    }
    running
}

/// Give `child` a copy of every lock-state object of `parent`; the forking thread's holds
/// pass to `child_main`. Records a write of every lock copied.
fn copy_lock_state(
    e: &mut ExecState,
    parent: ProcessId,
    child: ProcessId,
    forker: ThreadId,
    child_main: ThreadId,
) {
    let existing = e.objects.len();
    for id in 0..existing {
        let object = &e.objects[id];
        if object.process != parent || !object.kind.has_lock_state() {
            continue;
        }
        let (canonical, kind, key) = (object.canonical, object.kind, object.key);
        let copy = copy_object(e, id as ObjId, child);
        let inherit = |(t, at)| (if t == forker { child_main } else { t }, at);
        let holder = e.objects[id].holder.map(inherit);
        let readers: Vec<_> = e.objects[id].readers.iter().copied().map(inherit).collect();
        let across = |t: &(ThreadId, _)| t.0 != child_main;
        let held_across = holder.iter().chain(&readers).any(across);
        let rec = &mut e.objects[copy as usize];
        rec.holder = holder;
        rec.readers = readers;
        rec.held_across_fork = held_across;
        e.processes[child].copies.insert(canonical, copy);
        if kind != ObjKind::Condvar {
            e.record(key, Role::Write);
        }
    }
}

/// A new record for `process`'s copy of object `of` (free, no waiters).
fn copy_object(e: &mut ExecState, of: ObjId, process: ProcessId) -> ObjId {
    let source = &e.objects[of as usize];
    let (kind, canonical, made_at) = (source.kind, source.canonical, source.made_at);
    let key = access::in_process(e.objects[canonical as usize].key, process);
    let copy = e.new_object(kind, key);
    let rec = &mut e.objects[copy as usize];
    rec.process = process;
    rec.canonical = canonical;
    rec.made_at = made_at;
    copy
}

/// The running process's copy of lock-state object `canonical` (the object itself in the
/// process that made it). A process that reaches a lock it did not inherit — made after its
/// fork by another process, or never touched before it — gets a fresh, free copy.
pub(crate) fn local_object(e: &mut ExecState, canonical: ObjId) -> ObjId {
    let process = e.threads[e.current].process;
    if e.objects[canonical as usize].process == process {
        return canonical;
    }
    if let Some(&copy) = e.processes[process].copies.get(&canonical) {
        return copy;
    }
    let copy = copy_object(e, canonical, process);
    e.processes[process].copies.insert(canonical, copy);
    copy
}

/// Before a guard borrows the data of lock `id`: with several processes, record the access of
/// the (shared) data and return `true` (the caller then refuses to wait for it).
pub(crate) fn record_data_access(id: ObjId) -> bool {
    with_exec(|e| {
        if e.processes.len() <= 1 {
            return false;
        }
        let canonical = e.objects[id as usize].canonical;
        let key = access::data(e.key(canonical));
        e.record(key, Role::Write);
        true
    })
}

/// Two processes hold the data of one lock: explain, as the panic of the thread that tried.
pub(crate) fn data_shared_panic(id: ObjId) -> ! {
    let made = with_exec(|e| {
        let object = &e.objects[id as usize];
        let made = object
            .made_at
            .map(|at| format!(" made at {at}"))
            .unwrap_or_default();
        format!("{}{made}", object.kind.name())
    });
    panic!(
        "the {made} is held in two processes at once: each process has its own lock state, but \
         the Rust data behind the lock is one value shared by reference; give the child its own \
         copy of the data (see lockstep_sim::process)"
    )
}

/// [`reinit`]'s effect on the running process's copy `id`.
pub(crate) fn reinit_object(id: ObjId) {
    with_exec(|e| {
        let object = &mut e.objects[id as usize];
        object.holder = None;
        object.readers.clear();
        object.held_across_fork = false;
    });
}

/// The deadlock report's line for a thread waiting for a lock whose copy was held across a
/// fork by a thread its process does not have; `None` for every other wait.
pub(crate) fn explain_held_across_fork(
    result: &crate::exec::sched::ExecResult,
    waiter: ThreadId,
    lock: ObjId,
    waiting_at: &str,
) -> Option<String> {
    let info = result.objects.get(lock as usize)?;
    if !info.held_across_fork {
        return None;
    }
    let (holder, locked_at) = info.holder.or_else(|| info.readers.first().copied())?;
    let name = |t: ThreadId| result.thread_names.get(t).cloned().unwrap_or_default();
    // Named as the program knows it (the parent's object), not by the child's copy.
    let object = crate::report::object_title(result, info.canonical);
    Some(format!(
        "thread `{}` waits to lock {object} (at {waiting_at}), held across fork by thread `{}` \
         (locked at {locked_at}), which does not exist in the child",
        name(waiter),
        name(holder),
    ))
}
