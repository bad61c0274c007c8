#!/usr/bin/env bash
# The README's main job: the default 60-second register test (the workload's own fault list:
# leader partitions, stalls, pauses, kills, transfers, crash points, snapshot installs, link
# faults) on a 3-node local cluster. Installs dependencies, builds raftlab-server and raftlab-harness,
# runs the test into a fresh run folder and prints where the report is.
# Exit status is the harness's: 0 valid, 1 invalid, 2 unknown, 3 harness error.
# Usage: bash ci/harness.sh [extra raftlab-harness test flags, e.g. --seed 7 --nodes 5]
# Environment: BUILD_DIR (default build/ci), JOBS, RUN_DIR (default runs/<UTC time>).
set -euo pipefail
cd "$(dirname "$0")/.."

bash ci/install-deps.sh

BUILD_DIR=${BUILD_DIR:-build/ci}
JOBS=${JOBS:-$(nproc)}
RUN_DIR=${RUN_DIR:-runs/$(date -u +%Y%m%dT%H%M%SZ)}

cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRAFTLAB_WERROR=ON
cmake --build "$BUILD_DIR" -j "$JOBS" --target raftlab-server raftlab-harness raftlab-check

set +e
"$BUILD_DIR/harness/raftlab-harness" test \
  --workload register --nodes 3 --time-limit 60 --seed "${SEED:-1}" --out "$RUN_DIR" "$@"
code=$?
set -e
echo "harness: exit $code; report: $RUN_DIR/report.html (history: $RUN_DIR/history.jsonl)"
exit "$code"
