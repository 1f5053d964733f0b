#!/usr/bin/env bash
# `extract` against its sequential baseline on the demo set: wall time of
#   --sequential (one thread, no monitor, no block manager, no task tree)
#   --workers 1, --workers 2, --workers 4
# ROUNDS rounds; in each round every variant runs once, in a rotated order (so drift and noise
# on a shared machine hit every variant alike), each into a fresh store over the same index.
# Prints each variant's median wall time, its median ratio to the baseline (per round, paired),
# and its median CPU time (user + system, all threads): the work it does, which a busy machine
# disturbs far less than the wall time.
#
# usage: extract/bench.sh [ROUNDS] [DIR]     (default 7 rounds in /tmp/extract-bench)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-7}"
dir="${2:-/tmp/extract-bench}"
target="${CARGO_TARGET_DIR:-target}"
cargo build --release -p lockstep-extract --bin extract --quiet
exe="$target/release/extract"
rm -rf "$dir"
"$exe" --demo "$dir" --workers 1 >/dev/null # the archives and their index, once
rm -rf "$dir/store"
python3 - "$exe" "$dir" "$rounds" <<'EOF'
import resource, statistics, subprocess, sys, time, shutil, os
exe, root, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
variants = {
    "sequential": ["--sequential"],
    "workers 1": ["--workers", "1"],
    "workers 2": ["--workers", "2"],
    "workers 4": ["--workers", "4"],
}
names = list(variants)
times = {n: [] for n in names}
cpu = {n: [] for n in names}

def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime

outputs = {}
for r in range(rounds):
    order = names[r % len(names):] + names[:r % len(names)]
    for name in order:
        store = os.path.join(root, "store")
        shutil.rmtree(store, ignore_errors=True)
        cmd = [exe, root, "--out", store, "--db", os.path.join(root, "index.db")] + variants[name]
        cpu_start, start = children_cpu(), time.perf_counter()
        out = subprocess.run(cmd, check=True, capture_output=True).stdout
        times[name].append(time.perf_counter() - start)
        cpu[name].append(children_cpu() - cpu_start)
        outputs.setdefault(name, out)
        assert out == outputs[name], f"{name}: output changed between runs"
assert len(set(outputs.values())) == 1, "the variants printed different output"
base = times["sequential"]
load = open("/proc/loadavg").read().split()[0] if os.path.exists("/proc/loadavg") else "?"
print(f"{rounds} rounds, alternating; every variant printed the same "
      f"{len(outputs['sequential'])} bytes; {os.cpu_count()} CPUs, load average {load}")
print(f"{'variant':12} {'wall s':>7} {'min s':>7} {'max s':>7} {'wall / sequential':>18} {'CPU s':>7}")
for name in names:
    ratios = [t / b for t, b in zip(times[name], base)]
    print(f"{name:12} {statistics.median(times[name]):7.3f} {min(times[name]):7.3f} "
          f"{max(times[name]):7.3f} {statistics.median(ratios):18.2f} "
          f"{statistics.median(cpu[name]):7.3f}")
EOF
