#!/usr/bin/env python3
"""Differential test: lockstep's barrier scheduler against bzfs' ParallelTaskTree (the original).

Generates random job trees (barriers, nested and root-level barriers, barrier leaves, components
that sort before '/', skips, fails, priorities), runs each with max_workers=1 through
`lockstep plan --workers 1 --json` and through bzfs, and compares the start order and the failed
flag. With one worker both schedulers are fully deterministic, so any difference is a bug in one
of them. Exit status 0 when every trial agrees, 1 otherwise (the first differences are printed
with a file that reproduces them).

Usage: differential.py --lockstep PATH [--trials N] [--seed S] [--keep DIR]
(run.sh installs bzfs in a virtualenv and builds lockstep first).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import subprocess
import sys
import tempfile
from dataclasses import dataclass

from bzfs_main.util.parallel_tasktree import CompletionCallbackResult, ParallelTaskTree

# Components: plain ones, and ones with bytes that sort before '/' ('-', '.') so that byte order
# and component order differ ("a-b" sorts between "a" and "a/c").
COMPONENTS = ["a", "b", "c", "d", "a-b", "b.c"]


@dataclass
class Job:
    name: str
    priority: int
    skip: bool
    fail: bool


def generate(rng: random.Random, barrier: str) -> list[Job]:
    """A random tree of jobs (sorted by name)."""
    names: set[str] = set()
    max_depth = rng.randint(1, 5)
    barrier_rate = rng.choice([0.0, 0.25, 0.5])
    job_rate = rng.choice([0.5, 0.8, 1.0])

    stack = [("", 0)]
    while stack:
        prefix, depth = stack.pop()
        if depth >= max_depth:
            continue
        comps = rng.sample(COMPONENTS, rng.randint(0 if depth else 1, 3))
        if rng.random() < barrier_rate:
            comps.append(barrier)
        for comp in comps:
            path = f"{prefix}/{comp}" if prefix else comp
            # A barrier leaf listed as a name ("a/~") is legal and never runs.
            if rng.random() < job_rate:
                names.add(path)
            stack.append((path, depth + 1))
    prio_range = rng.choice([0, 2, 10])
    return [
        Job(
            name=n,
            priority=rng.randint(-prio_range, prio_range),
            skip=rng.random() < 0.15,
            fail=rng.random() < 0.1,
        )
        for n in sorted(names)
    ]


def has_lone_barrier_leaf(jobs: list[Job], barrier: str) -> bool:
    """Whether a listed name ending in the barrier is its parent's only child (`a/b/~`).

    Only such trees can hold a barrier with no job beside it, where lockstep deliberately differs
    from bzfs: lockstep opens that barrier when its node is entered (its subtree holds nothing
    that could still run); bzfs never opens it and lets the barriers above it open although the
    jobs behind it never ran. Mismatches on these trees are reported separately.
    """
    children: dict[str, set[str]] = {}
    for j in jobs:
        parts = j.name.split("/")
        for depth in range(1, len(parts) + 1):
            children.setdefault("/".join(parts[: depth - 1]), set()).add(parts[depth - 1])
    for j in jobs:
        parent, _, last = j.name.rpartition("/")
        if last == barrier and len(children.get(parent, ())) == 1:
            return True
    return False


def jobs_file(jobs: list[Job]) -> str:
    lines = []
    for j in jobs:
        words = [j.name, "duration=1", f"priority={j.priority}"]
        if j.skip:
            words.append("skip")
        if j.fail:
            words.append("fail")
        lines.append(" ".join(words))
    return "\n".join(lines) + "\n"


def run_lockstep(lockstep: str, path: str, barrier: str, no_barriers: bool) -> tuple[list[str], bool]:
    cmd = [lockstep, "plan", path, "--workers", "1", "--json", "--barrier-name", barrier]
    if no_barriers:
        cmd.append("--no-barriers")
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    starts, failed = [], None
    for line in out.splitlines():
        obj = json.loads(line)
        if obj["event"] == "start":
            starts.append(obj["job"])
        elif obj["event"] == "done":
            failed = obj["failed"]
    assert failed is not None, out
    return starts, failed


def run_bzfs(jobs: list[Job], barrier: str, enable_barriers: bool | None) -> tuple[list[str], bool]:
    by_name = {j.name: j for j in jobs}
    starts: list[str] = []

    def process_dataset(dataset: str, submit_count: int):
        starts.append(dataset)
        job = by_name[dataset]
        return lambda todo_futures: CompletionCallbackResult(no_skip=not job.skip, fail=job.fail)

    failed = ParallelTaskTree(
        log=logging.getLogger("bzfs"),
        datasets=[j.name for j in jobs],
        process_dataset=process_dataset,
        priority=lambda dataset: by_name[dataset].priority,
        max_workers=1,
        enable_barriers=enable_barriers,
        barrier_name=barrier,
        is_test_mode=True,
    ).process_datasets_in_parallel()
    return starts, failed


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lockstep", required=True)
    ap.add_argument("--trials", type=int, default=500)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", help="directory for the jobs files of failing trials")
    ap.add_argument(
        "--mutate",
        action="store_true",
        help="self-check: give lockstep every job's priority negated; succeed only if mismatches are found",
    )
    args = ap.parse_args()

    rng = random.Random(args.seed)
    keep = args.keep or tempfile.mkdtemp(prefix="bzfs-differential-")
    stats = {"trials": 0, "jobs": 0, "starts": 0, "with_barriers": 0, "failed_runs": 0}
    mismatches = 0
    known = 0  # mismatches on trees with a lone barrier leaf (a documented difference)
    with tempfile.TemporaryDirectory() as tmp:
        for trial in range(args.trials):
            barrier = rng.choice(["~", "~", "~", "BAR"])
            jobs = generate(rng, barrier)
            has_barrier = any(barrier in j.name.split("/") for j in jobs)
            # Without barrier components, also exercise bzfs' simple algorithm (barriers off) and
            # the barrier algorithm (barriers forced on); with them, auto-detection.
            enable = rng.choice([None, False, True]) if not has_barrier else None
            path = os.path.join(tmp, f"trial-{trial}.jobs")
            with open(path, "w") as f:
                if args.mutate:
                    f.write(jobs_file([Job(j.name, -j.priority, j.skip, j.fail) for j in jobs]))
                else:
                    f.write(jobs_file(jobs))
            ours = run_lockstep(args.lockstep, path, barrier, no_barriers=enable is False)
            theirs = run_bzfs(jobs, barrier, enable)
            stats["trials"] += 1
            stats["jobs"] += len(jobs)
            stats["starts"] += len(theirs[0])
            stats["with_barriers"] += has_barrier
            stats["failed_runs"] += theirs[1]
            if ours != theirs and not args.mutate and has_lone_barrier_leaf(jobs, barrier):
                known += 1
            elif ours != theirs:
                mismatches += 1
                repro = os.path.join(keep, f"mismatch-seed{args.seed}-trial{trial}.jobs")
                with open(repro, "w") as f:
                    f.write(jobs_file(jobs))
                if mismatches <= 3 and not args.mutate:
                    print(f"MISMATCH trial {trial} (barrier {barrier!r}, enable_barriers={enable}): {repro}")
                    print(f"  lockstep: failed={ours[1]} starts={ours[0]}")
                    print(f"  bzfs:     failed={theirs[1]} starts={theirs[0]}")
    print(
        f"bzfs differential: {stats['trials']} trials, {stats['jobs']} jobs, {stats['starts']} starts, "
        f"{stats['with_barriers']} trees with barriers, {stats['failed_runs']} failed runs"
    )
    if args.mutate:
        # The harness must notice a scheduler that orders by the wrong priority.
        print(f"self-check: {mismatches} of {stats['trials']} mutated trials differ (expected > 0)")
        return 0 if mismatches else 1
    print(
        f"{known} trees differ only where lockstep opens a barrier with no job beside it "
        "(bzfs never opens it; see has_lone_barrier_leaf)"
    )
    print(f"{stats['trials'] - mismatches - known} passed, {mismatches} failed")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
