#!/usr/bin/env bash
# lockstep's barrier scheduler against bzfs' ParallelTaskTree (Python) on the same tree, in one run.
#
#   tests/bzfs_differential/bench.sh [JOBS] [ROUNDS]
#
# For max_workers 1 and 8, without and with barriers: runs `lockstep bench tasktree --json` and
# bench.py (bzfs) on the identical tree (dumped by lockstep), alternately, ROUNDS times each
# (default 3), each run in a fresh process, and prints the median run of each and the ratio of
# the medians bzfs_seconds / lockstep_seconds. Then bzfs' exact memory per job (tracemalloc, one
# worker). Creates the virtualenv run.sh uses if missing. About 5 minutes at 1,000,000 jobs.
set -euo pipefail
cd "$(dirname "$0")/../.."
jobs="${1:-1000000}"
rounds="${2:-3}"
venv="${BZFS_VENV:-target/bzfs-venv}"
if ! "$venv/bin/python" -c "import bzfs_main.util.parallel_tasktree" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "bzfs==1.25.0"
fi
cargo build --quiet --release -p lockstep-models --bin lockstep
lockstep="${CARGO_TARGET_DIR:-target}/release/lockstep"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# The JSON line with the median "seconds" of a file of JSON lines.
median() {
    python3 -c '
import json, sys
runs = sorted((json.loads(l) for l in open(sys.argv[1])), key=lambda r: r["seconds"])
print(json.dumps(runs[len(runs) // 2], separators=(",", ":")))' "$1"
}
for barriers in "" "--barriers"; do
    "$lockstep" bench tasktree --jobs "$jobs" $barriers --dump-names "$tmp/names"
    for workers in 1 8; do
        : >"$tmp/ours"
        : >"$tmp/theirs"
        for _ in $(seq "$rounds"); do
            "$lockstep" bench tasktree --jobs "$jobs" --workers "$workers" $barriers --json >>"$tmp/ours"
            "$venv/bin/python" tests/bzfs_differential/bench.py "$tmp/names" "$workers" >>"$tmp/theirs"
        done
        ours="$(median "$tmp/ours")"
        theirs="$(median "$tmp/theirs")"
        echo "lockstep ${barriers:-(no barriers)} $ours"
        echo "bzfs     ${barriers:-(no barriers)} $theirs"
        python3 - "$ours" "$theirs" "${barriers:-no barriers}" <<'PY'
import json, sys
ours, theirs, what = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3]
ratio = theirs["seconds"] / ours["seconds"]
print(f"ratio    workers={ours['workers']} {what}: bzfs/lockstep median time = {ratio:.1f}x; "
      f"RSS bytes/job lockstep {ours['bytes_per_job']:.1f}, bzfs {theirs['bytes_per_job']:.1f}")
PY
    done
    "$venv/bin/python" tests/bzfs_differential/bench.py "$tmp/names" 1 --tracemalloc
done
