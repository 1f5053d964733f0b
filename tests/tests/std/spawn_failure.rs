//! Threads the OS will not start (issue 15, defect 12): every component that starts threads
//! returns a typed error, or carries on with the threads it got — never a panic, an abort or a
//! hang. `NoThreads` is `Std` whose `try_spawn` fails once the calling thread's budget of
//! spawns is used up (each component spawns from the thread that calls it).

use lockstep::block::{BlockManager, Config as BlockConfig, MemoryStore, StartError};
use lockstep::ordered::{Assignment, Config, OrderedError, OrderedMonitor, MAX_WORKERS};
use lockstep::sync::Std;
use lockstep::tasktree::{Executor, Outcome, RunError, Runner, TaskTree};
use std::cell::Cell;
use std::io::{self, Write};

thread_local! {
    /// Spawns this thread may still make; `None`: unlimited.
    static BUDGET: Cell<Option<usize>> = const { Cell::new(None) };
    /// Spawns this thread attempted since its budget was last set.
    static ATTEMPTS: Cell<usize> = const { Cell::new(0) };
}

fn spend() -> io::Result<()> {
    ATTEMPTS.with(|attempts| attempts.set(attempts.get() + 1));
    BUDGET.with(|budget| match budget.get() {
        Some(0) => Err(io::Error::from(io::ErrorKind::WouldBlock)),
        Some(n) => {
            budget.set(Some(n - 1));
            Ok(())
        }
        None => Ok(()),
    })
}

/// Allow `spawns` more spawns from this thread.
fn budget(spawns: usize) {
    BUDGET.with(|budget| budget.set(Some(spawns)));
    ATTEMPTS.with(|attempts| attempts.set(0));
}

fn attempts() -> usize {
    ATTEMPTS.with(Cell::get)
}

struct NoThreads;

lockstep_tests::forwarding_runtime!(NoThreads => Std {
    name: "no-threads",
    spins: 0,
    before_lock: || (),
    before_spawn: spend,
});

#[test]
fn ordered_run_without_any_thread_is_a_typed_error_and_runs_nothing() {
    budget(0);
    let monitor =
        OrderedMonitor::<Vec<u8>, NoThreads>::with_runtime(10, Vec::new(), Config::default());
    let err = monitor
        .run(Assignment::dynamic(3), |_, _| -> io::Result<()> {
            panic!("no item may run")
        })
        .unwrap_err();
    assert!(matches!(err, OrderedError::Spawn { .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("could not start a worker thread"),
        "{err}"
    );
}

#[test]
fn ordered_run_carries_on_with_the_threads_it_got() {
    budget(1);
    let monitor =
        OrderedMonitor::<Vec<u8>, NoThreads>::with_runtime(10, Vec::new(), Config::default());
    let (report, out) = monitor
        .run(Assignment::dynamic(3), |item, out| {
            writeln!(out, "item {item}")
        })
        .unwrap();
    assert!(report.is_success(), "{report:?}");
    assert_eq!(String::from_utf8(out).unwrap().lines().count(), 10);

    // A static list whose thread could not start: its items fail and say why.
    budget(1);
    let monitor =
        OrderedMonitor::<Vec<u8>, NoThreads>::with_runtime(4, Vec::new(), Config::default());
    let lists = Assignment::Static(vec![vec![0, 2], vec![1, 3]]);
    let (report, _) = monitor
        .run(lists, |item, out| writeln!(out, "item {item}"))
        .unwrap();
    let failed: Vec<(usize, &str)> = report
        .failed
        .iter()
        .map(|f| (f.item, f.reason.as_str()))
        .collect();
    let reason = "not started: its worker thread could not be started";
    assert_eq!(failed, [(1, reason), (3, reason)]);
}

#[test]
fn ordered_run_starts_no_more_threads_than_items_and_refuses_too_many_workers() {
    budget(2);
    let monitor =
        OrderedMonitor::<Vec<u8>, NoThreads>::with_runtime(2, Vec::new(), Config::default());
    let (report, _) = monitor
        .run(Assignment::dynamic(1000), |item, out| {
            writeln!(out, "item {item}")
        })
        .unwrap();
    assert!(report.is_success(), "{report:?}");
    assert_eq!(attempts(), 2, "two items need two threads, not 1000");

    let monitor = OrderedMonitor::new(2, Vec::new(), Config::default());
    let err = monitor
        .run(Assignment::dynamic(40_000), |item, out| {
            writeln!(out, "item {item}")
        })
        .unwrap_err();
    assert_eq!(
        err,
        OrderedError::TooManyWorkers {
            workers: 40_000,
            max: MAX_WORKERS
        }
    );
}

#[test]
fn block_manager_refuses_to_start_without_its_workers_and_leaves_no_thread() {
    budget(1);
    let config = BlockConfig::default().workers(3);
    let err = BlockManager::<NoThreads>::with_runtime(MemoryStore::new(), config).unwrap_err();
    assert!(
        matches!(
            err,
            StartError::Spawn {
                worker: 1,
                workers: 3,
                ..
            }
        ),
        "{err:?}"
    );
    let err =
        BlockManager::new(MemoryStore::new(), BlockConfig::default().workers(40_000)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "40000 upload workers asked for; at most 1024 are allowed"
    );
}

#[test]
fn tasktree_pool_refuses_to_start_without_its_workers_and_refuses_too_many() {
    let tree = TaskTree::new(["a", "b", "c", "d"]).unwrap();
    budget(2);
    let err = Runner::<NoThreads>::with_runtime(&tree)
        .max_workers(4)
        .executor(Executor::Threads)
        .run(
            |_| -> () { panic!("no job may run") },
            |_, (), _| Outcome::DONE,
        )
        .unwrap_err();
    assert!(
        matches!(
            err,
            RunError::Spawn {
                worker: 2,
                workers: 4,
                ..
            }
        ),
        "{err:?}"
    );
    let err = Runner::new(&tree)
        .max_workers(40_000)
        .run(|_| (), |_, (), _| Outcome::DONE)
        .unwrap_err();
    assert!(
        matches!(
            err,
            RunError::TooManyWorkers {
                workers: 40_000,
                ..
            }
        ),
        "{err:?}"
    );
}
