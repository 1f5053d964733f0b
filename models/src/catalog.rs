//! The built-in models, as a [`Registry`] for the `lockstep` command: the simulator's
//! acceptance models, the real-bug models of the seed systems (zstash, Arvados, bzfs, zarr,
//! Parsl; each named by its origin, its summary citing the upstream issue, commit or file) and
//! the components' own harnesses, each buildable for every backend it applies to.
//!
//! Which checkers apply: loom has no async backend and no clock that fires, shuttle has no fault
//! injection, so models that need those are checked by lockstep-sim (and shuttle where it can).

use crate::acceptance::{
    abba::Abba, atomicity::Tickets, depth3::Depth3, gather::Gather, retry::Retry,
    rotation::Rotation, timeout_progress::Supervisor,
};
use crate::block::{Arvados, ArvadosBug, BlockPath, ManagerRace};
use crate::bzfs::{Bzfs, BzfsBug};
use crate::handoff::Handoff;
use crate::ordered::{OrderedOption, OrderedRun, PanicAt};
use crate::parsl::{Parsl, ParslStart};
use crate::tasktree::TaskTreeModel;
use crate::zarr::{Zarr, ZarrGetMany};
use crate::zstash::{Zstash, ZstashBug};
use lockstep::sync::{Loom, Shuttle};
use lockstep_cli::{Expect, Model, Registry};
use lockstep_sim::Sim;

/// A model program (a closure the registry shares between checks).
macro_rules! program {
    ($e:expr) => {
        $e
    };
}

/// Both variants of a model that has the same program on every backend it applies to.
macro_rules! pair {
    ($registry:expr, $name:expr, $buggy:expr, $fixed:expr, $what_buggy:expr, $what_fixed:expr,
     [$($backend:ident),*]) => {{
        let buggy = $buggy;
        let fixed = $fixed;
        $registry.add(
            Model::new($name, "buggy", Expect::Bug, $what_buggy)
                $(.$backend(program!(buggy.model::<backend_type!($backend)>())))*,
        );
        $registry.add(
            Model::new($name, "fixed", Expect::Pass, $what_fixed)
                $(.$backend(program!(fixed.model::<backend_type!($backend)>())))*,
        );
    }};
}

macro_rules! backend_type {
    (sim) => {
        Sim
    };
    (loom) => {
        Loom
    };
    (shuttle) => {
        Shuttle
    };
}

/// Every built-in model, in a stable order.
pub fn registry() -> Registry {
    let mut r = Registry::new();
    acceptance(&mut r);
    rotation(&mut r);
    zstash(&mut r);
    arvados(&mut r);
    bzfs(&mut r);
    zarr(&mut r);
    parsl(&mut r);
    components(&mut r);
    r
}

fn acceptance(r: &mut Registry) {
    r.add(
        Model::new(
            "handoff",
            "buggy",
            Expect::Bug,
            "3 threads take turns through one Mutex+Condvar; notify_one loses a wakeup",
        )
        .sim(program!(Handoff::buggy(3, 2).model::<Sim>()))
        .loom(program!(Handoff::buggy(3, 1).model::<Loom>()))
        .shuttle(program!(Handoff::buggy(3, 2).model::<Shuttle>())),
    );
    r.add(
        Model::new("handoff", "fixed", Expect::Pass, "the same with notify_all")
            .sim(program!(Handoff::fixed(3, 2).model::<Sim>()))
            .loom(program!(Handoff::fixed(3, 1).model::<Loom>()))
            .shuttle(program!(Handoff::fixed(3, 2).model::<Shuttle>())),
    );
    pair!(
        r,
        "abba",
        Abba {
            buggy: true,
            rounds: 0
        },
        Abba {
            buggy: false,
            rounds: 0
        },
        "two threads take two locks in opposite orders",
        "same order",
        [sim, loom, shuttle]
    );
    pair!(
        r,
        "abba-after-rounds",
        Abba {
            buggy: true,
            rounds: 5
        },
        Abba {
            buggy: false,
            rounds: 5
        },
        "the ABBA deadlock after 5 rounds on a third lock",
        "same order",
        [sim, loom, shuttle]
    );
    pair!(
        r,
        "atomicity",
        Tickets { buggy: true },
        Tickets { buggy: false },
        "check-then-act on an atomic grants too many tickets",
        "compare_exchange loop",
        [sim, loom, shuttle]
    );
    pair!(
        r,
        "depth3",
        Depth3 { buggy: true },
        Depth3 { buggy: false },
        "a publication bug that needs 3 ordering constraints",
        "publish in order",
        [sim, loom, shuttle]
    );
    // Progress needs a timeout that fires: virtual time (sim) or shuttle's modelled timers;
    // loom's timed waits never time out, so loom does not apply.
    pair!(
        r,
        "timeout-progress",
        Supervisor { buggy: true },
        Supervisor { buggy: false },
        "a supervisor waits for a signal nobody sends",
        "a timed wait gives up",
        [sim, shuttle]
    );
    // Fails only when `store.put` fails twice: faults are injected by lockstep-sim only.
    let buggy = Retry { buggy: true };
    let fixed = Retry { buggy: false };
    r.add(
        Model::new(
            "retry",
            "buggy",
            Expect::Bug,
            "one retry, then an acknowledged save is lost (needs two store faults)",
        )
        .sim(program!(buggy.model::<Sim>()))
        .fault_budget(2),
    );
    r.add(
        Model::new(
            "retry",
            "fixed",
            Expect::Pass,
            "retries with backoff until the store accepts",
        )
        .sim(program!(fixed.model::<Sim>()))
        .fault_budget(3),
    );
    // Async: lockstep-sim's and shuttle's executors (loom has no async backend here).
    pair!(
        r,
        "gather",
        Gather { buggy: true },
        Gather { buggy: false },
        "an async lock held across an await in a two-task gather",
        "release before awaiting",
        [sim, shuttle]
    );
}

/// The bug that needs three preemptions (PCT depth 4): the bounded searches get a bound of 3.
fn rotation(r: &mut Registry) {
    for (variant, expect, buggy, what) in [
        (
            "buggy",
            Expect::Bug,
            true,
            "three threads advance a shared stage by compare-exchange in two rounds; it goes \
             round twice only in strict rotation (3 preemptions)",
        ),
        (
            "fixed",
            Expect::Pass,
            false,
            "each thread's two claims under one lock",
        ),
    ] {
        let model = Rotation { buggy };
        r.add(
            Model::new("rotation", variant, expect, what)
                .sim(program!(model.model::<Sim>()))
                .loom(program!(model.model::<Loom>()))
                .shuttle(program!(model.model::<Shuttle>()))
                .preemptions(3),
        );
    }
}

/// zstash: loom checks the twins that need neither a clock that moves (timeouts, I/O time)
/// nor a polling main loop; shuttle all but the latency twins (its logical clock adds up every
/// thread's sleeps, so it has no makespan); lockstep-sim all of them.
fn zstash(r: &mut Registry) {
    for bug in ZstashBug::ALL {
        let loom = !bug.needs_time() && !bug.spins();
        let shuttle = !bug.has_io();
        for (variant, expect, twin, what) in [
            ("buggy", Expect::Bug, Zstash::buggy(bug), bug.summary()),
            (
                "fixed",
                Expect::Pass,
                Zstash::fixed(bug),
                "the same workload on lockstep's OrderedMonitor",
            ),
        ] {
            let mut model = Model::new(bug.name(), variant, expect, what)
                .version(2)
                .sim(program!(twin.model::<Sim>()));
            if shuttle {
                model = model.shuttle(program!(twin.model::<Shuttle>()));
            }
            if loom {
                model = model.loom(program!(twin.model::<Loom>()));
            }
            r.add(model);
        }
    }
}

/// Arvados: every twin on every checker (the fixed twins run the real BlockManager).
fn arvados(r: &mut Registry) {
    for bug in ArvadosBug::ALL {
        let name = format!("arvados-{}", bug.name());
        let (buggy, fixed) = (Arvados::buggy(bug), Arvados::fixed(bug));
        r.add(
            Model::new(name.clone(), "buggy", Expect::Bug, bug.summary())
                .version(2)
                .sim(program!(buggy.model::<Sim>()))
                .loom(program!(buggy.model::<Loom>()))
                .shuttle(program!(buggy.model::<Shuttle>()))
                .preemptions(bug.preemption_bound()),
        );
        r.add(
            Model::new(
                name,
                "fixed",
                Expect::Pass,
                "the same workload on lockstep's BlockManager / BlockFile",
            )
            .version(2)
            .iterations(if bug == ArvadosBug::UploadThreadDeath {
                300
            } else {
                1000
            })
            .sim(program!(fixed.model::<Sim>()))
            .loom(program!(fixed.model::<Loom>()))
            .shuttle(program!(fixed.model::<Shuttle>()))
            .preemptions(bug.preemption_bound()),
        );
    }
}

/// bzfs: the buggy twin is a port of bzfs's barrier algorithm, the fixed twin lockstep's
/// TaskTree on its thread pool; both judged by the same oracle.
fn bzfs(r: &mut Registry) {
    for bug in BzfsBug::ALL {
        for (variant, expect, buggy, what) in [
            ("buggy", Expect::Bug, true, bug.summary()),
            (
                "fixed",
                Expect::Pass,
                false,
                "the same jobs on lockstep's TaskTree (thread pool)",
            ),
        ] {
            let twin = Bzfs { bug, buggy };
            r.add(
                Model::new(bug.name(), variant, expect, what)
                    .sim(program!(twin.model::<Sim>()))
                    .loom(program!(twin.model::<Loom>()))
                    .shuttle(program!(twin.model::<Shuttle>()))
                    .preemptions(2),
            );
        }
    }
}

/// zarr: async, so lockstep-sim's and shuttle's executors (loom has no async backend here).
fn zarr(r: &mut Registry) {
    for get_many in ZarrGetMany::ALL {
        let expect = match get_many {
            ZarrGetMany::Gather => Expect::Bug,
            _ => Expect::Pass,
        };
        let zarr = Zarr { get_many };
        r.add(
            Model::new(
                "zarr-gather-metadata",
                get_many.variant(),
                expect,
                get_many.summary(),
            )
            .sim(program!(zarr.model::<Sim>()))
            .shuttle(program!(zarr.model::<Shuttle>())),
        );
    }
}

/// Parsl: processes exist only on lockstep-sim.
fn parsl(r: &mut Registry) {
    for start in ParslStart::ALL {
        let expect = match start {
            ParslStart::Fork => Expect::Bug,
            _ => Expect::Pass,
        };
        r.add(
            Model::new(
                "parsl-fork-logging-lock",
                start.variant(),
                expect,
                start.summary(),
            )
            .sim(program!(Parsl { start }.model())),
        );
    }
}

fn components(r: &mut Registry) {
    r.add(
        Model::new(
            "ordered",
            "fixed",
            Expect::Pass,
            "OrderedMonitor: output in item order, a worker panics mid-item",
        )
        .sim(program!(OrderedRun::new(3, 6, 2)
            .lines(2)
            .panicking(PanicAt {
                item: 2,
                after_lines: 1
            })
            .model::<Sim>()))
        .loom(program!(OrderedRun::new(2, 3, 1).model::<Loom>()))
        .shuttle(program!(OrderedRun::new(3, 6, 2)
            .lines(2)
            .panicking(PanicAt {
                item: 2,
                after_lines: 1
            })
            .model::<Shuttle>()))
        .preemptions(2),
    );
    for option in OrderedOption::ALL {
        let mut model = Model::new(option.name(), "fixed", Expect::Pass, option.summary())
            .sim(program!(option.model::<Sim>()))
            .preemptions(2);
        // Log routing needs threads the backend tells apart: loom's and shuttle's share OS
        // threads without saying which runs (lockstep's Runtime::thread_key).
        if option == OrderedOption::FailFast {
            model = model
                .loom(program!(option.model::<Loom>()))
                .shuttle(program!(option.model::<Shuttle>()))
                .preemptions(1);
        }
        r.add(model);
    }
    for race in ManagerRace::ALL {
        r.add(
            Model::new(
                format!("blocks-{}", race.name()),
                "fixed",
                Expect::Pass,
                "BlockManager: concurrent commits, stop and commit_all with a failing store",
            )
            .sim(program!(race.model::<Sim>()))
            .loom(program!(race.model::<Loom>()))
            .shuttle(program!(race.model::<Shuttle>()))
            .preemptions(2),
        );
    }
    for path in BlockPath::ALL {
        let mut model = Model::new(path.name(), "fixed", Expect::Pass, path.summary())
            .sim(program!(path.model::<Sim>()))
            .preemptions(path.preemption_bound());
        if path == BlockPath::PanickingStore {
            model = model.iterations(300); // every schedule catches a panic: slow under shuttle
        }
        model = match path {
            // Faults are injected by lockstep-sim only: one or two failed puts per execution.
            BlockPath::InjectedStoreFaults => model.fault_budget(2),
            _ => model
                .loom(program!(path.model::<Loom>()))
                .shuttle(program!(path.model::<Shuttle>())),
        };
        r.add(model);
    }
    r.add(
        Model::new(
            "tasktree-async",
            "fixed",
            Expect::Pass,
            "barrier scheduler's run_async: jobs as tasks on the checker's async executor",
        )
        .sim(program!(TaskTreeModel::small().model_async::<Sim>()))
        .shuttle(program!(TaskTreeModel::small().model_async::<Shuttle>()))
        .preemptions(2),
    );
    r.add(
        Model::new(
            "tasktree",
            "fixed",
            Expect::Pass,
            "barrier scheduler: ancestors, barriers, skips, termination",
        )
        .sim(program!(TaskTreeModel::small().model::<Sim>()))
        .loom(program!(TaskTreeModel::tiny().model::<Loom>()))
        .shuttle(program!(TaskTreeModel::small().model::<Shuttle>()))
        .preemptions(2),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// The seed systems and how their models are named.
    const ORIGINS: [&str; 5] = ["zstash-", "arvados-", "bzfs-", "zarr-", "parsl-"];

    #[test]
    fn seed_models_are_named_by_origin_cite_upstream_and_have_both_twins() {
        let registry = registry();
        // name -> (has a buggy twin, has a fixed twin)
        let mut seeds: BTreeMap<&str, (bool, bool)> = BTreeMap::new();
        for model in registry.models() {
            let Some(origin) = ORIGINS.iter().find(|o| model.name.starts_with(*o)) else {
                continue;
            };
            let twins = seeds.entry(&model.name).or_default();
            match model.expect {
                Expect::Bug => {
                    twins.0 = true;
                    // The summary names the system and an upstream issue, PR, commit (hash) or file.
                    let system = origin.trim_end_matches('-');
                    let summary = model.summary.to_lowercase();
                    assert!(summary.starts_with(system), "{}: {}", model.name, summary);
                    assert!(
                        summary.contains('#')
                            || summary.contains(".py")
                            || summary.contains('_')
                            || summary.split(|c: char| !c.is_alphanumeric()).any(|word| {
                                word.len() >= 7 && word.chars().all(|c| c.is_ascii_hexdigit())
                            }),
                        "{}: no upstream reference in {:?}",
                        model.name,
                        model.summary
                    );
                }
                Expect::Pass => twins.1 = true,
            }
        }
        for (name, twins) in &seeds {
            assert_eq!(*twins, (true, true), "{name}: both twins");
        }
        assert!(seeds.len() >= 20, "{} seed models", seeds.len());
        for origin in ORIGINS {
            assert!(
                seeds.keys().any(|name| name.starts_with(origin)),
                "no {origin} model"
            );
        }
    }
}
