//! bzfs's barrier scheduler bugs (bzfs `parallel_tasktree.py`, `_complete_dataset_with_barriers`
//! and `_build_priority_queue`), each as a *buggy* twin — a small port of bzfs's barrier
//! algorithm with the mistake in it, run by a coordinator and a pool of worker threads pulling
//! from one job queue (a `ThreadPoolExecutor`) — and a *fixed* twin: the same jobs on lockstep's
//! real [`TaskTree`](lockstep::tasktree::TaskTree) runner. Both are judged by the same oracle
//! ([`TaskTreeModel::check`]): no job before its ancestor, no barrier job before every job of
//! the barrier's subtree completed without a skip.
//!
//! - [`BzfsBug::RootBarrier`]: top-level names were enqueued directly, so a root-level barrier
//!   (`~/prune`) had no node to park on and its jobs were available at once — fixed in bzfs by a
//!   synthetic root node ("the synthetic root simplifies enqueueing logic").
//! - [`BzfsBug::EarlyBreak`]: a skip must irrevocably clear the barriers of the skipped node and
//!   of *every* ancestor; breaking off the walk at an ancestor whose other subtrees are still
//!   running ("they will deal with it") leaves its barrier to open once they complete — after a
//!   failure deeper down.
//!
//! Both need a particular interleaving: a job pulled by one worker must still be running when
//! the coordinator handles another job's completion. In every non-preemptive schedule a worker
//! runs the job it pulled to completion before the coordinator sees anything (tested).

use crate::tasktree::{Event, Run, TaskTreeModel};
use lockstep::sync::channel::{self, Receiver, Sender};
use lockstep::sync::{thread, Arc, Mutex, Runtime};
use lockstep::tasktree::{Outcome, Report};
use std::collections::{BTreeMap, BTreeSet};

/// One of bzfs's barrier bugs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BzfsBug {
    /// A root-level barrier that did not wait (no synthetic root).
    RootBarrier,
    /// The skip's barrier-clearing walk broke off early.
    EarlyBreak,
}

impl BzfsBug {
    /// Every bug.
    pub const ALL: [BzfsBug; 2] = [BzfsBug::RootBarrier, BzfsBug::EarlyBreak];

    /// The catalogue name.
    pub fn name(self) -> &'static str {
        match self {
            BzfsBug::RootBarrier => "bzfs-root-barrier",
            BzfsBug::EarlyBreak => "bzfs-early-break",
        }
    }

    /// One line, with the upstream reference.
    pub fn summary(self) -> &'static str {
        match self {
            BzfsBug::RootBarrier => {
                "bzfs parallel_tasktree.py (_build_priority_queue): a root-level barrier with no \
                 synthetic root does not wait"
            }
            BzfsBug::EarlyBreak => {
                "bzfs parallel_tasktree.py (barriers_cleared walk): an early break reopens an \
                 ancestor barrier after a skip"
            }
        }
    }

    /// The jobs (`NAME [skip]`, sorted) and workers of the twin.
    pub fn model(self) -> TaskTreeModel {
        match self {
            BzfsBug::RootBarrier => TaskTreeModel::new(&["a", "b", "~/prune"], 2),
            BzfsBug::EarlyBreak => {
                TaskTreeModel::new(&["h/a", "h/a/x skip", "h/b", "h/~/prune"], 2)
            }
        }
    }
}

/// A bzfs barrier bug twin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bzfs {
    /// The bug.
    pub bug: BzfsBug,
    /// `true`: the port with the bug; `false`: lockstep's `TaskTree`.
    pub buggy: bool,
}

impl Bzfs {
    /// Run on `R` and judge the trace; panics when a scheduling rule broke.
    pub fn run<R: Runtime>(self) {
        let model = self.bug.model();
        let run = match self.buggy {
            true => Port::new(self.bug, &model).run::<R>(&model),
            false => model.run::<R>(),
        };
        if let Err(broken) = model.check(&run) {
            panic!("scheduling rule broken: {broken}\ntrace: {:?}", run.trace);
        }
    }

    /// The model for a checker.
    pub fn model<R: Runtime>(self) -> impl Fn() + Send + Sync + 'static {
        move || self.run::<R>()
    }
}

/// A node of the port's tree: a path, its children, and bzfs's mutable attributes.
#[derive(Debug, Default)]
struct Node {
    path: String,
    parent: Option<usize>,
    children: Vec<usize>,
    /// A job (listed name), as opposed to a directory on the way to one.
    job: bool,
    /// Children's subtrees enqueued and not yet complete.
    pending: usize,
    /// The barrier node parked here, waiting for this subtree to complete.
    barrier: Option<usize>,
    /// Barriers of this node and its ancestors irrevocably cleared by a skip.
    cleared: bool,
}

/// bzfs's barrier algorithm on a tree of [`Node`]s, with `bug`.
struct Port {
    bug: BzfsBug,
    nodes: Vec<Node>,
    outcomes: BTreeMap<String, Outcome>,
    /// Jobs available to start, smallest name first.
    available: BTreeSet<String>,
}

const BARRIER: &str = "~";

impl Port {
    fn new(bug: BzfsBug, model: &TaskTreeModel) -> Self {
        let mut port = Port {
            bug,
            nodes: vec![Node::default()], // the (synthetic) root
            outcomes: BTreeMap::new(),
            available: BTreeSet::new(),
        };
        for spec in &model.jobs {
            let mut words = spec.split_whitespace();
            let name = words.next().expect("a name").to_owned();
            let skip = words.any(|w| w == "skip");
            let outcome = Outcome {
                no_skip: !skip,
                ..Outcome::DONE
            };
            port.insert(&name);
            port.outcomes.insert(name, outcome);
        }
        port
    }

    fn insert(&mut self, name: &str) {
        let mut at = 0;
        for (depth, _) in name.split('/').enumerate() {
            let path = name
                .split('/')
                .take(depth + 1)
                .collect::<Vec<_>>()
                .join("/");
            let found = self.nodes[at].children.iter().copied();
            let found = found.clone().find(|&c| self.nodes[c].path == path);
            at = found.unwrap_or_else(|| {
                self.nodes.push(Node {
                    path,
                    parent: Some(at),
                    ..Node::default()
                });
                let id = self.nodes.len() - 1;
                self.nodes[at].children.push(id);
                id
            });
        }
        self.nodes[at].job = true;
    }

    fn is_barrier(&self, node: usize) -> bool {
        self.nodes[node].path.rsplit('/').next() == Some(BARRIER)
    }

    /// `enqueue_children`: jobs become available, directories pass through, a barrier child is
    /// parked. Returns the jobs made available.
    fn enqueue_children(&mut self, node: usize) -> usize {
        let mut n = 0;
        for child in self.nodes[node].children.clone() {
            let k = if self.is_barrier(child) {
                self.nodes[node].barrier = Some(child);
                0
            } else if self.nodes[child].job {
                self.available.insert(self.nodes[child].path.clone());
                1
            } else {
                self.enqueue_children(child)
            };
            self.nodes[node].pending += k.min(1);
            n += k;
        }
        n
    }

    /// The start: bzfs completes a synthetic root; the bug enqueued top-level names directly,
    /// a top-level barrier's jobs included.
    fn start(&mut self) {
        match self.bug {
            BzfsBug::RootBarrier => {
                for child in self.nodes[0].children.clone() {
                    if self.is_barrier(child) {
                        self.enqueue_children(child); // nowhere to park it: available now
                    } else if self.nodes[child].job {
                        self.available.insert(self.nodes[child].path.clone());
                    }
                }
            }
            BzfsBug::EarlyBreak => self.complete(0, true),
        }
    }

    /// `_complete_dataset_with_barriers`.
    fn complete(&mut self, node: usize, no_skip: bool) {
        if no_skip {
            self.enqueue_children(node);
        } else {
            self.clear_barriers(node);
        }
        let mut node = node;
        while self.nodes[node].pending == 0 {
            if let Some(barrier) = self.nodes[node].barrier.take() {
                if !self.nodes[node].cleared {
                    let opened = self.enqueue_children(barrier);
                    self.nodes[node].pending += opened.min(1);
                }
            }
            if self.nodes[node].pending > 0 {
                break; // opening the barrier enqueued jobs: the subtree is not complete
            }
            // Without the synthetic root (the bug), a top-level node has no parent.
            let rootless = self.bug == BzfsBug::RootBarrier;
            let Some(parent) = self.nodes[node].parent.filter(|&p| p != 0 || !rootless) else {
                break;
            };
            node = parent;
            self.nodes[node].pending -= 1;
        }
    }

    /// A skip irrevocably clears the barriers of `node` and all its ancestors. The bug: the
    /// walk stops at an ancestor whose other subtrees are still running.
    fn clear_barriers(&mut self, node: usize) {
        let mut at = Some(node);
        while let Some(n) = at {
            if self.nodes[n].cleared {
                break;
            }
            if self.bug == BzfsBug::EarlyBreak && n != node && self.nodes[n].pending > 1 {
                break; // "the running subtrees will handle it": they open the barrier instead
            }
            self.nodes[n].cleared = true;
            self.nodes[n].barrier = None;
            at = self.nodes[n].parent;
        }
    }

    fn node_of(&self, path: &str) -> usize {
        let found = self.nodes.iter().position(|n| n.path == path);
        found.expect("a job of the tree")
    }

    /// Coordinator on this thread, `workers` threads pulling from one job queue.
    fn coordinate<R: Runtime>(mut self, workers: usize) -> Vec<Event> {
        let trace: Arc<Mutex<Vec<Event>, R>, R> = Arc::new(Mutex::new(Vec::new()));
        let (submit, jobs) = channel::unbounded::<String, R>();
        let (done, completions) = channel::unbounded::<String, R>();
        let pool = start_pool::<R>(workers, jobs, done, trace.clone());
        self.start();
        let mut in_flight = 0;
        loop {
            while in_flight < workers {
                let Some(job) = self.available.pop_first() else {
                    break;
                };
                trace.lock().push(Event::Submit(job.clone()));
                submit.send(job).expect("the pool is alive");
                in_flight += 1;
            }
            if in_flight == 0 {
                break;
            }
            let job = completions.recv().expect("the pool is alive");
            in_flight -= 1;
            let outcome = self.outcomes[&job];
            trace.lock().push(Event::Complete(job.clone(), outcome));
            let node = self.node_of(&job);
            self.complete(node, outcome.no_skip);
        }
        drop(submit);
        pool.into_iter().for_each(|w| w.join().expect("worker"));
        let events = std::mem::take(&mut *trace.lock());
        events
    }
}

impl Port {
    /// Run the model's jobs; no job fails, so the report is the default (not failed).
    fn run<R: Runtime>(self, model: &TaskTreeModel) -> Run {
        let trace = self.coordinate::<R>(model.workers);
        Run {
            trace,
            report: Report::default(),
        }
    }
}

/// The worker pool: each thread takes the next job from the shared queue, runs it (recording
/// its start and end), and reports its completion.
fn start_pool<R: Runtime>(
    workers: usize,
    jobs: Receiver<String, R>,
    done: Sender<String, R>,
    trace: Arc<Mutex<Vec<Event>, R>, R>,
) -> Vec<thread::JoinHandle<(), R>> {
    (0..workers)
        .map(|k| {
            let (jobs, done, trace) = (jobs.clone(), done.clone(), trace.clone());
            thread::Builder::<R>::new()
                .name(format!("bzfs-worker-{k}"))
                .spawn(move || {
                    while let Ok(job) = jobs.recv() {
                        trace.lock().push(Event::Start(job.clone()));
                        trace.lock().push(Event::End(job.clone()));
                        drop(done.send(job));
                    }
                })
        })
        .collect()
}
