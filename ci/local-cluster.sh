#!/usr/bin/env bash
# Starts a local 3-node raftlab cluster on loopback for manual use and stops it on Ctrl-C.
#
#   bash ci/local-cluster.sh [DATA_DIR]      (default: a fresh directory under /tmp)
#
# Nodes listen on 127.0.0.1:7001-7003 (gRPC) and 127.0.0.1:8081-8083 (HTTP /metrics,
# /status); fault injection is allowed. Extra server flags come from RAFTLAB_SERVER_FLAGS,
# e.g. RAFTLAB_SERVER_FLAGS="--dispatcher-lanes 4 --fsm-sync-mode nosync".
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=${BUILD_DIR:-build/ci}
if [[ ! -x "$BUILD_DIR/server/api/raftlab-server" || ! -x "$BUILD_DIR/server/api/client/raftlab-ctl" ]]; then
  bash ci/install-deps.sh
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
  cmake --build "$BUILD_DIR" --target raftlab-server raftlab-ctl
fi

DATA_DIR=${1:-$(mktemp -d /tmp/raftlab-local-XXXXXX)}
PEERS="1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "cluster stopped; data and logs kept in $DATA_DIR"
}
trap cleanup EXIT INT TERM

for i in 1 2 3; do
  # shellcheck disable=SC2086
  "$BUILD_DIR/server/api/raftlab-server" --id "$i" --peers "$PEERS" \
    --data-dir "$DATA_DIR/node$i" --http "127.0.0.1:808$i" --allow-faults \
    --fault-control "$DATA_DIR/node$i.fiu" ${RAFTLAB_SERVER_FLAGS:-} \
    >>"$DATA_DIR/node$i.log" 2>&1 &
  pids+=($!)
done

CTL="$BUILD_DIR/server/api/client/raftlab-ctl --endpoints 127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003"
for _ in $(seq 1 100); do
  if $CTL status 2>/dev/null | grep -q 'leader=[1-9]'; then break; fi
  sleep 0.2
done
$CTL status || true
cat <<MSG

raftlab cluster running (pids ${pids[*]}), data and logs in $DATA_DIR. Try:
  $CTL put greeting hello
  $CTL get --read-mode lease greeting
  curl -s 127.0.0.1:8081/metrics | grep raftlab_raft_term
Ctrl-C stops the cluster.
MSG
wait
