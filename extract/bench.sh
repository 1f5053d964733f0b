#!/usr/bin/env bash
# `extract` against its sequential baseline on the demo set: wall time of
#   --sequential (one thread, no monitor, no block manager, no task tree)
#   --workers 1, --workers 2, --workers 4
# ROUNDS rounds; in each round every variant runs once, in a rotated order (so drift and noise
# on a shared machine hit every variant alike), each into a fresh store over the same index.
# Prints each variant's median and its median ratio to the baseline (per round, paired).
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
import statistics, subprocess, sys, time, shutil, os
exe, root, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
variants = {
    "sequential": ["--sequential"],
    "workers 1": ["--workers", "1"],
    "workers 2": ["--workers", "2"],
    "workers 4": ["--workers", "4"],
}
names = list(variants)
times = {n: [] for n in names}
outputs = {}
for r in range(rounds):
    order = names[r % len(names):] + names[:r % len(names)]
    for name in order:
        store = os.path.join(root, "store")
        shutil.rmtree(store, ignore_errors=True)
        cmd = [exe, root, "--out", store, "--db", os.path.join(root, "index.db")] + variants[name]
        start = time.perf_counter()
        out = subprocess.run(cmd, check=True, capture_output=True).stdout
        times[name].append(time.perf_counter() - start)
        outputs.setdefault(name, out)
        assert out == outputs[name], f"{name}: output changed between runs"
assert len(set(outputs.values())) == 1, "the variants printed different output"
base = times["sequential"]
print(f"{rounds} rounds, alternating; every variant printed the same {len(outputs['sequential'])} bytes")
print(f"{'variant':12} {'median s':>9} {'min s':>7} {'max s':>7} {'vs sequential (median of paired ratios)':>40}")
for name in names:
    ratios = [t / b for t, b in zip(times[name], base)]
    print(f"{name:12} {statistics.median(times[name]):9.3f} {min(times[name]):7.3f} "
          f"{max(times[name]):7.3f} {statistics.median(ratios):40.2f}")
EOF
