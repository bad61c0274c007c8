#!/usr/bin/env bash
# Compares two raftlab-server binaries side by side in one run: for each repetition, a fresh
# 3-node loopback cluster of A, then of B (alternating, so both see the same machine load),
# each driven by `raftlab-ctl bench` (put and linearizable get, 100 clients over 10
# connections). Prints each run, then per load the B/A throughput ratio of each repetition
# (its two runs ran back to back), the medians, and the servers' CPU time per request (user +
# system of the three processes over the load, from /proc), which other processes' load
# disturbs less than throughput. On a shared machine only ratios mean anything.
#
#   bash ci/ab-bench.sh A_SERVER B_SERVER CTL [--reps N] [--total T] [--out DIR]
#
# Ports are picked free by the kernel; the clusters' data and logs go under --out (default a
# fresh directory under /tmp, removed at the end unless given). Extra server flags come from
# RAFTLAB_SERVER_FLAGS.
set -euo pipefail

usage() { echo "usage: $0 A_SERVER B_SERVER CTL [--reps N] [--total T] [--out DIR]" >&2; exit 2; }
[[ $# -ge 3 ]] || usage
A=$1 B=$2 CTL=$3
shift 3
REPS=3 TOTAL=30000 OUT="" KEEP=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --reps) REPS=$2; shift 2 ;;
    --total) TOTAL=$2; shift 2 ;;
    --out) OUT=$2; KEEP=1; shift 2 ;;
    *) echo "$0: unknown argument '$1'" >&2; usage ;;
  esac
done
for f in "$A" "$B" "$CTL"; do
  [[ -x $f ]] || { echo "$0: '$f' is not an executable" >&2; exit 2; }
done
[[ -n $OUT ]] || OUT=$(mktemp -d /tmp/raftlab-ab-bench-XXXXXX)
mkdir -p "$OUT"

pids=()
stop_cluster() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}
cleanup() {
  stop_cluster
  if [[ $KEEP -eq 0 ]]; then rm -rf "$OUT"; fi
}
trap cleanup EXIT INT TERM

free_ports() {  # N distinct free loopback ports
  python3 - "$1" <<'PY'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}

CLK_TCK=$(getconf CLK_TCK)
cpu_seconds() {  # user + system CPU of the running cluster's processes, in seconds
  local ticks=0 pid f
  for pid in "${pids[@]}"; do
    read -r -a f <"/proc/$pid/stat"
    # Fields 14 and 15 (utime, stime); the command name (field 2) has no spaces here.
    ticks=$((ticks + f[13] + f[14]))
  done
  awk -v t="$ticks" -v hz="$CLK_TCK" 'BEGIN { printf "%.3f\n", t / hz }'
}

failed() {
  echo "$0: $1 failed; output and logs kept in $OUT" >&2
  KEEP=1
  exit 1
}

# run NAME SERVER REP: one cluster of SERVER, both loads, results in $OUT/NAME-REP-*.json.
run() {
  local name=$1 server=$2 rep=$3
  local dir="$OUT/$name-$rep"
  read -r g1 g2 g3 h1 h2 h3 <<<"$(free_ports 6)"
  local grpc=("$g1" "$g2" "$g3") http=("$h1" "$h2" "$h3")
  local peers="1=127.0.0.1:$g1,2=127.0.0.1:$g2,3=127.0.0.1:$g3"
  for i in 1 2 3; do
    mkdir -p "$dir/node$i"
    # shellcheck disable=SC2086
    "$server" --id "$i" --peers "$peers" --data-dir "$dir/node$i" --http "127.0.0.1:${http[$((i - 1))]}" \
      ${RAFTLAB_SERVER_FLAGS:-} >>"$dir/node$i.log" 2>&1 &
    pids+=($!)
  done
  local endpoints="127.0.0.1:$g1,127.0.0.1:$g2,127.0.0.1:$g3"
  local up=0
  for _ in $(seq 1 150); do
    if "$CTL" --endpoints "$endpoints" put ab-bench-warmup 1 >/dev/null 2>&1; then up=1; break; fi
    sleep 0.2
  done
  [[ $up -eq 1 ]] || failed "the cluster of $server taking a first write"
  local before
  before=$(cpu_seconds)
  "$CTL" --endpoints "$endpoints" bench put --clients 100 --conns 10 --total "$TOTAL" --key-size 8 \
    --val-size 256 --key-space 100000 --json "$OUT/$name-$rep-put.json" >"$OUT/$name-$rep-put.txt" 2>&1 ||
    failed "bench put of $name ($server) repetition $rep"
  awk -v a="$(cpu_seconds)" -v b="$before" 'BEGIN { printf "%.3f\n", a - b }' >"$OUT/$name-$rep-put.cpu"
  before=$(cpu_seconds)
  "$CTL" --endpoints "$endpoints" bench get --clients 100 --conns 10 --total "$TOTAL" \
    --read-mode linearizable --json "$OUT/$name-$rep-get.json" >"$OUT/$name-$rep-get.txt" 2>&1 ||
    failed "bench get of $name ($server) repetition $rep"
  awk -v a="$(cpu_seconds)" -v b="$before" 'BEGIN { printf "%.3f\n", a - b }' >"$OUT/$name-$rep-get.cpu"
  stop_cluster
  rm -rf "$dir"
}

for rep in $(seq 1 "$REPS"); do
  run A "$A" "$rep"
  run B "$B" "$rep"
done

python3 - "$OUT" "$REPS" <<'PY'
import json, statistics, sys
out, reps = sys.argv[1], int(sys.argv[2])
def load(name, rep, op):
    with open(f"{out}/{name}-{rep}-{op}.json") as f:
        j = json.load(f)
    with open(f"{out}/{name}-{rep}-{op}.cpu") as f:
        j["cpu_us_per_req"] = float(f.read()) * 1e6 / j["total"]
    return j
for op in ("put", "get"):
    rows = {n: [load(n, r, op) for r in range(1, reps + 1)] for n in ("A", "B")}
    for n in ("A", "B"):
        for r, j in enumerate(rows[n], 1):
            print(f"{op} {n} rep {r}: {j['requests_per_s']:.0f} req/s, avg {j['average_ms']:.2f} ms, "
                  f"p99 {j['percentiles_ms']['p99']:.1f} ms, server CPU {j['cpu_us_per_req']:.0f} us/req, errors {j['errors']}")
    # Runs of one repetition ran back to back: their ratio is the least disturbed by load.
    pairs = [b["requests_per_s"] / a["requests_per_s"] for a, b in zip(rows["A"], rows["B"])]
    print(f"{op}: B/A throughput per repetition " + " ".join(f"{p:.3f}" for p in pairs) +
          f", median {statistics.median(pairs):.3f}")
    cpu = {n: statistics.median(j["cpu_us_per_req"] for j in rows[n]) for n in ("A", "B")}
    print(f"{op}: server CPU per request, median A {cpu['A']:.0f} us | B {cpu['B']:.0f} us | B/A {cpu['B'] / cpu['A']:.3f}")
    med = {n: (statistics.median(j["requests_per_s"] for j in rows[n]),
               statistics.median(j["percentiles_ms"]["p99"] for j in rows[n])) for n in ("A", "B")}
    print(f"{op}: median A {med['A'][0]:.0f} req/s p99 {med['A'][1]:.1f} ms | B {med['B'][0]:.0f} req/s "
          f"p99 {med['B'][1]:.1f} ms | B/A throughput {med['B'][0] / med['A'][0]:.3f}, "
          f"p99 {med['B'][1] / med['A'][1]:.3f}")
PY
