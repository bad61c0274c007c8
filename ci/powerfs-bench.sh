#!/usr/bin/env bash
# The cost of raftlab-powerfs on fsync-heavy load, side by side with the plain disk in one
# run: the WAL append+fsync benchmark (storage_bench) and a single-client put against a
# 3-node cluster, each on a plain directory and on a powerfs mount of a directory on the
# same disk.
#
#   bash ci/powerfs-bench.sh [ROUNDS]     (default 2 rounds, alternating plain/powerfs)
#
# Environment: BUILD_DIR (default build/ci), BENCH_BASE (folder on the disk to measure,
# default BUILD_DIR), PUT_TOTAL (default 3000 puts per round), PORT_BASE (default 17100).
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=${BUILD_DIR:-build/ci}
ROUNDS=${1:-2}
PUT_TOTAL=${PUT_TOTAL:-3000}
PORT_BASE=${PORT_BASE:-17100}
POWERFS="$BUILD_DIR/faults/powerfs/raftlab-powerfs"
SERVER="$BUILD_DIR/server/api/raftlab-server"
CTL_BIN="$BUILD_DIR/server/api/client/raftlab-ctl"
STORAGE_BENCH="$BUILD_DIR/server/storage/storage_bench"
if [[ ! -x "$POWERFS" || ! -x "$SERVER" || ! -x "$CTL_BIN" || ! -x "$STORAGE_BENCH" ]]; then
  bash ci/install-deps.sh
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
  cmake --build "$BUILD_DIR" --target raftlab-powerfs raftlab-server raftlab-ctl storage_bench
fi

BASE=$(mktemp -d "${BENCH_BASE:-$BUILD_DIR}/powerfs-bench-XXXXXX")
BASE=$(cd "$BASE" && pwd)
CONTROL="@raftlab-powerfs-bench-$$"
pids=()
fs_pid=""
cleanup() {
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  if [[ -n "$fs_pid" ]]; then kill "$fs_pid" 2>/dev/null || true; wait "$fs_pid" 2>/dev/null || true; fi
  if grep -q " $BASE/mnt " /proc/self/mountinfo; then fusermount3 -u -z "$BASE/mnt" || true; fi
  rm -rf "$BASE"
}
trap cleanup EXIT INT TERM

mkdir -p "$BASE/plain" "$BASE/disk" "$BASE/mnt"
"$POWERFS" mount --backing "$BASE/disk" --mountpoint "$BASE/mnt" --control "$CONTROL" 2>"$BASE/powerfs.log" &
fs_pid=$!
for _ in $(seq 1 100); do
  if "$POWERFS" ctl --control "$CONTROL" ping >/dev/null 2>&1; then break; fi
  sleep 0.05
done
"$POWERFS" ctl --control "$CONTROL" ping >/dev/null

# Mean real time per BM_WalAppendFsync/<n> in microseconds, one line "n=us" each.
wal_bench() {
  RAFTLAB_BENCH_DIR="$1" "$STORAGE_BENCH" --benchmark_filter='BM_WalAppendFsync' --benchmark_min_time=2 \
    --benchmark_format=csv 2>/dev/null | awk -F, '/BM_WalAppendFsync/ {
      split($1, a, "/"); gsub(/"/, "", a[2]); t = $3; u = $5; gsub(/"/, "", u);
      if (u == "ns") t /= 1000; else if (u == "ms") t *= 1000; else if (u == "s") t *= 1e6;
      printf "%s=%.0f\n", a[2], t }'
}

# Requests/s and average latency of a 1-client put on a fresh 3-node cluster under $1.
put_bench() {
  local dir=$1 peers="" eps="" i st
  for i in 1 2 3; do
    peers+="${peers:+,}$i=127.0.0.1:$((PORT_BASE + i))"
    eps+="${eps:+,}127.0.0.1:$((PORT_BASE + i))"
  done
  pids=()
  for i in 1 2 3; do
    "$SERVER" --id "$i" --peers "$peers" --data-dir "$dir/node$i" --http "127.0.0.1:$((PORT_BASE + 10 + i))" \
      >>"$dir/node$i.log" 2>&1 &
    pids+=($!)
  done
  for _ in $(seq 1 100); do
    # Every group of every node knows a leader.
    if st=$("$CTL_BIN" --endpoints "$eps" status 2>/dev/null) && [[ -n "$st" ]] && ! grep -q 'leader=0 ' <<<"$st"; then
      break
    fi
    sleep 0.2
  done
  "$CTL_BIN" --endpoints "$eps" bench put --clients 1 --conns 1 --total "$PUT_TOTAL" --key-size 8 --val-size 256 \
    --json "$dir/put.json" >/dev/null
  for pid in "${pids[@]}"; do kill "$pid"; wait "$pid" 2>/dev/null || true; done
  pids=()
  python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print("%.0f req/s avg %.2f ms p99 %.2f ms" % (j["requests_per_s"], j["average_ms"], j["percentiles_ms"]["p99"]))' "$dir/put.json"
  rm -rf "${dir:?}"/node* "$dir/put.json"
}

echo "disk: $(df --output=source,fstype "$BASE" | tail -1); load: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$ROUNDS"); do
  for where in plain mnt; do
    label=$([[ $where == plain ]] && echo "plain disk" || echo "powerfs   ")
    echo "round $r $label  WAL append+fsync (us per Append of 1/16/256 entries): $(wal_bench "$BASE/$where" | tr '\n' ' ')"
    echo "round $r $label  put --clients 1 --total $PUT_TOTAL: $(put_bench "$BASE/$where")"
  done
done
echo "powerfs report after the runs: $("$POWERFS" ctl --control "$CONTROL" report | cut -c1-200)"
