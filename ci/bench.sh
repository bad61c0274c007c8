#!/usr/bin/env bash
# Benchmark regression run: every <component>_bench (Google Benchmark JSON, repetitions), the
# checker on a generated history, and the server's load shapes (raftlab-ctl bench against a
# local 3-node cluster, sync and nosync) into one result file with the machine and the
# commit; then a comparison with a baseline and the trend page.
#
#   bash ci/bench.sh [--out FILE] [--repetitions N] [--quick] [--no-server] [--no-build]
#                    [--baseline FILE] [--history DIR]
#
#   --out          the result file (default runs/bench/result-<UTC>-<commit>.json)
#   --repetitions  repetitions of every benchmark and load shape (default 5: the U test's minimum)
#   --quick        short benchmark runs and small load shapes (for trying the script)
#   --no-server    skip the load shapes
#   --no-build     measure the binaries already in BUILD_DIR (e.g. twice the same build, to see
#                  the noise); the result still names the checkout's commit
#   --baseline     compare with this result (default ci/baselines/dev-2core.json, measured on
#                  the 2-core development machine), or "latest": the newest result in --history
#                  (for a CI runner, whose machine is not the one the stored baseline came from);
#                  the exit status is raftlab-bench compare's: 1 on a regression
#   --history      folder of stored results: the new one is copied there and trend.html is
#                  written over all of them (default runs/bench/history)
#
# Environment: BUILD_DIR (default build/ci), BENCH_FILTER (a --benchmark_filter regex for
# every *_bench), JOBS. A baseline is only meaningful from the same machine under the same load.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=${BUILD_DIR:-build/ci}
JOBS=${JOBS:-$(nproc)}
OUT=""
REPS=5
QUICK=0
SERVER=1
BUILD=1
BASELINE=""
HISTORY=runs/bench/history
while (($#)); do
  case $1 in
    --out) OUT=$2; shift 2 ;;
    --repetitions) REPS=$2; shift 2 ;;
    --quick) QUICK=1; shift ;;
    --no-server) SERVER=0; shift ;;
    --no-build) BUILD=0; shift ;;
    --baseline) BASELINE=$2; shift 2 ;;
    --history) HISTORY=$2; shift 2 ;;
    *) echo "bench.sh: unknown argument \"$1\" (see the header of ci/bench.sh)" >&2; exit 2 ;;
  esac
done
if ! [[ $REPS =~ ^[1-9][0-9]*$ ]]; then echo "bench.sh: --repetitions: expected a positive integer, not \"$REPS\"" >&2; exit 2; fi

export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
BENCHES=(raft_bench storage_bench transport_bench metrics_bench checkers_bench harness_bench)
if ((BUILD)); then
  bash ci/install-deps.sh
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRAFTLAB_BUILD_BENCHMARKS=ON >/dev/null
  cmake --build "$BUILD_DIR" -j "$JOBS" --target "${BENCHES[@]}" raftlab-server raftlab-ctl raftlab-bench gen-history raftlab-check
fi

COMMIT=$(git rev-parse HEAD 2>/dev/null || echo unknown)
if [[ -n $(git status --porcelain --untracked-files=no 2>/dev/null) ]]; then COMMIT="$COMMIT-dirty"; fi
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=${OUT:-runs/bench/result-$STAMP-${COMMIT:0:10}.json}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/raftlab-bench-XXXXXX")
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  { wait; } 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
collect=()

# Every *_bench: each repetition's figures (aggregates are recomputed by compare).
min_time=()
((QUICK)) && min_time=(--benchmark_min_time=0.05)
for b in "${BENCHES[@]}"; do
  exe=$(find "$BUILD_DIR" -name "$b" -type f -perm -u+x | head -n 1)
  [[ -n $exe ]] || { echo "bench.sh: $b was not built" >&2; exit 2; }
  echo "bench.sh: $b x $REPS" >&2
  "$exe" --benchmark_repetitions="$REPS" --benchmark_filter="${BENCH_FILTER:-.}" "${min_time[@]}" \
    --benchmark_out="$WORK/$b.json" --benchmark_out_format=json >/dev/null
  # A BENCH_FILTER that matches nothing in this binary leaves no output.
  if [[ -s $WORK/$b.json ]]; then collect+=(--gbench "$b=$WORK/$b.json"); fi
done

# The checker end to end (parse + check) on a generated 100k-op history, as users run it.
ops=100000
((QUICK)) && ops=10000
"$BUILD_DIR/checkers/gen-history" --ops "$ops" --keys 100 --seed 1 --out "$WORK/history.jsonl"
for _ in $(seq "$REPS"); do
  start=$(date +%s.%N)
  "$BUILD_DIR/checkers/raftlab-check" --model cas-register "$WORK/history.jsonl" >/dev/null
  end=$(date +%s.%N)
  collect+=(--seconds "checker/raftlab-check-cas-register-${ops}-ops=$(awk "BEGIN{print $end - $start}")")
done

# A free loopback port (nothing listening on it now).
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 30000))
    ss -ltn "sport = :$p" | grep -q ":$p" || { echo "$p"; return; }
  done
}

# The server's load shapes (README "Benchmarks"), on a fresh cluster per FSM sync mode.
if ((SERVER)); then
  total=20000 single=2000
  ((QUICK)) && total=2000 single=300
  SHAPES=(
    "put-1-client|put --clients 1 --conns 1 --total $single --key-size 8 --val-size 256"
    "put-100-clients|put --clients 100 --conns 10 --total $total --key-size 8 --val-size 256 --key-space 100000"
    "get-linearizable|get --clients 100 --conns 10 --total $total --read-mode linearizable"
    "get-lease|get --clients 100 --conns 10 --total $total --read-mode lease"
    "get-stale|get --clients 100 --conns 10 --total $total --read-mode stale"
  )
  for mode in sync nosync; do
    ports=() peers=""
    for i in 1 2 3; do ports+=("$(free_port)"); peers+="${peers:+,}$i=127.0.0.1:${ports[i-1]}"; done
    PIDS=()
    for i in 1 2 3; do
      "$BUILD_DIR/server/api/raftlab-server" --id "$i" --peers "$peers" --data-dir "$WORK/$mode/node$i" \
        --http "127.0.0.1:$(free_port)" --fsm-sync-mode "$mode" >>"$WORK/$mode-node$i.log" 2>&1 &
      PIDS+=($!)
    done
    endpoints="127.0.0.1:${ports[0]},127.0.0.1:${ports[1]},127.0.0.1:${ports[2]}"
    ctl=("$BUILD_DIR/server/api/client/raftlab-ctl" --endpoints "$endpoints")
    # Ready when a write goes through (a leader that has committed in its term).
    ready=0
    for _ in $(seq 1 150); do
      if "${ctl[@]}" put bench-warmup ready >/dev/null 2>&1; then ready=1; break; fi
      sleep 0.2
    done
    if ((!ready)); then
      echo "bench.sh: the $mode cluster accepted no write in 30 s; its logs:" >&2
      tail -n 20 "$WORK/$mode"-node*.log >&2
      exit 2
    fi
    for shape in "${SHAPES[@]}"; do
      name=${shape%%|*}
      read -r -a args <<<"${shape#*|}"
      echo "bench.sh: load $mode/$name x $REPS" >&2
      for r in $(seq "$REPS"); do
        "${ctl[@]}" bench "${args[@]}" --json "$WORK/$mode-$name-$r.json" >/dev/null
        collect+=(--ctl "load/$mode/$name=$WORK/$mode-$name-$r.json")
      done
    done
    for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
    { wait; } 2>/dev/null || true
    PIDS=()
  done
fi

BENCH="$BUILD_DIR/harness/bench/raftlab-bench"
mkdir -p "$(dirname "$OUT")"
"$BENCH" collect --out "$OUT" --commit "$COMMIT" "${collect[@]}"

mkdir -p "$HISTORY"
if [[ $BASELINE == latest ]]; then
  # Result names start with their UTC time, so the last in name order is the newest.
  BASELINE=$(find "$HISTORY" -maxdepth 1 -name 'result-*.json' | sort | tail -n 1)
  [[ -n $BASELINE ]] || BASELINE=/nonexistent
fi
cp "$OUT" "$HISTORY/"
"$BENCH" trend --out "$HISTORY/trend.html" "$HISTORY"/*.json

BASELINE=${BASELINE:-ci/baselines/dev-2core.json}
if [[ -f $BASELINE ]]; then
  "$BENCH" compare "$BASELINE" "$OUT"
else
  echo "bench.sh: no baseline $BASELINE: nothing to compare (store one with: cp $OUT ci/baselines/)" >&2
fi
