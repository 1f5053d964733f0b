#!/usr/bin/env bash
# Differential test of lockstep's barrier scheduler against bzfs (the original, from PyPI).
#
#   tests/bzfs_differential/run.sh [TRIALS] [SEED]
#
# Installs bzfs (pinned) into a virtualenv ($BZFS_VENV, default target/bzfs-venv), builds the
# `lockstep` binary, checks that the harness notices a deliberately wrong scheduler, then runs
# TRIALS (default 2000) random job trees with max_workers=1 through both and compares start
# orders and results. Needs python3 (with venv) and access to PyPI. About 10 s plus the install.
set -euo pipefail
cd "$(dirname "$0")/../.."
trials="${1:-2000}"
seed="${2:-1}"
venv="${BZFS_VENV:-target/bzfs-venv}"
bzfs_version="1.25.0"

if ! "$venv/bin/python" -c "import bzfs_main.util.parallel_tasktree" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "bzfs==$bzfs_version"
fi
cargo build --quiet -p lockstep-models --bin lockstep
target_dir="${CARGO_TARGET_DIR:-target}"
lockstep="$target_dir/debug/lockstep"

"$venv/bin/python" tests/bzfs_differential/differential.py --lockstep "$lockstep" --trials 200 --seed "$seed" --mutate
"$venv/bin/python" tests/bzfs_differential/differential.py --lockstep "$lockstep" --trials "$trials" --seed "$seed"
