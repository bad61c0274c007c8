#!/usr/bin/env bash
# The nightly fault-injection matrix: builds the harness and the server, then runs one shard
# of a matrix file (default ci/matrix/nightly.json) within a time budget, leaving a folder
# to publish (index.html, junit.xml, summary.json, one run folder per cell).
#
#   bash ci/nightly.sh [--budget 60m] [--shard i/n] [--out DIR] [more raftlab-harness matrix flags]
#   bash ci/nightly.sh merge OUT_DIR SHARD_DIR...      joins the shard folders into OUT_DIR
#
# Environment: BUILD_DIR (default build/ci), MATRIX (the matrix file unless --file), JOBS.
# Exit status: raftlab-harness matrix's (0 every cell passed, 1 a cell failed, 3 harness error).
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=${BUILD_DIR:-build/ci}
JOBS=${JOBS:-$(nproc)}
export CCACHE_BASEDIR="$PWD"
export CCACHE_NOHASHDIR=1

bash ci/install-deps.sh
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD_DIR" -j "$JOBS" --target raftlab-harness raftlab-server raftlab-powerfs
HARNESS="$BUILD_DIR/harness/raftlab-harness"

if [[ ${1:-} == merge ]]; then
  shift
  if (($# < 2)); then
    echo "usage: bash ci/nightly.sh merge OUT_DIR SHARD_DIR..." >&2
    exit 3
  fi
  out=$1
  shift
  exec "$HARNESS" matrix-merge --out "$out" "$@"
fi

# Defaults a caller's flags override: the nightly matrix, one hour, a dated folder.
args=()
[[ " $* " == *" --file "* ]] || args+=(--file "${MATRIX:-ci/matrix/nightly.json}")
[[ " $* " == *" --budget "* ]] || args+=(--budget 60m)
[[ " $* " == *" --out "* ]] || args+=(--out "runs/nightly-$(date -u +%Y%m%dT%H%M%SZ)")
exec "$HARNESS" matrix "${args[@]}" "$@"
