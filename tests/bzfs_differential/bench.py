#!/usr/bin/env python3
"""Benchmark bzfs' ParallelTaskTree on the tree `lockstep bench tasktree` uses, and print one JSON
object per configuration in the same shape as `lockstep bench tasktree --json`.

The names come from `lockstep bench tasktree --dump-names FILE` (so both sides run the same
tree). `seconds` covers building the ParallelTaskTree and running every no-op job, as on the
Rust side. `bytes_per_job` is the peak resident size reached while the tree is built and run
(`VmHWM`, reset via /proc/self/clear_refs after the names are loaded) minus the resident size
before, per job — the same measure as the Rust side's; it undercounts when Python reuses memory
freed earlier (e.g. the text the names were read from). With `--tracemalloc` the run is traced
instead: `bytes_per_job` is tracemalloc's peak of Python allocations during build and run, and
`bytes_per_job_with_names` also counts the list of names bzfs keeps referring to (exact, but the
run is slower, so `seconds` is then not comparable).

Usage: bench.py NAMES_FILE WORKERS [--tracemalloc]
"""

from __future__ import annotations

import json
import logging
import sys
import time

from bzfs_main.util.parallel_tasktree import CompletionCallbackResult, ParallelTaskTree


def status_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


def main() -> int:
    names_file, workers = sys.argv[1], int(sys.argv[2])
    traced = "--tracemalloc" in sys.argv[3:]
    if traced:
        import tracemalloc

        tracemalloc.start()
    with open(names_file) as f:
        names = [line.rstrip("\n") for line in f]
    names_bytes = tracemalloc.get_traced_memory()[0] if traced else 0
    done = CompletionCallbackResult(no_skip=True, fail=False)

    def callback(todo_futures):
        return done

    def process_dataset(dataset: str, submit_count: int):
        return callback

    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    rss_before = status_kib("VmRSS:")
    if traced:
        tracemalloc.reset_peak()
        traced_before = tracemalloc.get_traced_memory()[0]
    start = time.perf_counter()
    failed = ParallelTaskTree(
        log=logging.getLogger("bench"),
        datasets=names,
        process_dataset=process_dataset,
        max_workers=workers,
    ).process_datasets_in_parallel()
    seconds = time.perf_counter() - start
    peak = status_kib("VmHWM:")
    bytes_per_job = (peak - rss_before) * 1024 / len(names)
    extra = {}
    if traced:
        peak_traced = tracemalloc.get_traced_memory()[1]
        bytes_per_job = (peak_traced - traced_before) / len(names)
        extra["bytes_per_job_with_names"] = (peak_traced - traced_before + names_bytes) / len(names)
        tracemalloc.stop()
    assert not failed
    print(
        json.dumps(
            {
                "bench": "tasktree-bzfs-tracemalloc" if traced else "tasktree-bzfs",
                "jobs": len(names),
                "workers": workers,
                "seconds": seconds,
                "jobs_per_s": len(names) / seconds,
                "bytes_per_job": bytes_per_job,
                **extra,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
