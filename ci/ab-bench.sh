#!/usr/bin/env bash
# Compares two raftlab-server binaries (or one binary under two flag sets) side by side in
# one run. Each repetition starts a fresh 3-node loopback cluster of A, loads it, stops it,
# then does the same for B, the order alternating per repetition, so both meet the same
# machine load. Per run it prints the client's figures and the servers' CPU time and
# voluntary context switches per request (all three processes, from /proc), which other
# processes' load disturbs far less than throughput; per load, the B/A throughput ratio of
# each repetition (its two runs ran back to back), the medians, and the p99 ratio. On a
# shared machine only such interleaved ratios mean anything.
#
#   bash ci/ab-bench.sh A_SERVER B_SERVER CTL [--reps N] [--total T] [--flags-a "..."]
#                       [--flags-b "..."] [--out DIR] [-- BENCH_ARGS...]
#
# Without BENCH_ARGS the loads are `bench put` and `bench get --read-mode linearizable`, 100
# clients over 10 connections, T requests each (8-byte keys, 256-byte values); with them, the
# one load they name, e.g. a snapshot stall against main's binary:
#   bash ci/ab-bench.sh main/raftlab-server build/server/api/raftlab-server \
#     build/server/api/client/raftlab-ctl --reps 5 --flags-a "--snapshot-every 10000" \
#     --flags-b "--snapshot-every 10000" -- put --clients 100 --conns 10 --total 30000 --key-space 100000
# Every cluster is first loaded with keys 0..999 (so `get --key-space 1000` finds them).
# Ports are picked free by the kernel; data and logs go under --out (default a fresh folder
# under /tmp, removed at the end unless given, kept when a run fails).
set -euo pipefail

usage() {
  echo "usage: $0 A_SERVER B_SERVER CTL [--reps N] [--total T] [--flags-a F] [--flags-b F] [--out DIR] [-- BENCH_ARGS...]" >&2
  exit 2
}
[[ $# -ge 3 ]] || usage
A=$1 B=$2 CTL=$3
shift 3
REPS=3 TOTAL=30000 OUT="" KEEP=0 FLAGS_A="" FLAGS_B=""
LOADS=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --reps) REPS=$2; shift 2 ;;
    --total) TOTAL=$2; shift 2 ;;
    --flags-a) FLAGS_A=$2; shift 2 ;;
    --flags-b) FLAGS_B=$2; shift 2 ;;
    --out) OUT=$2; KEEP=1; shift 2 ;;
    --) shift; LOADS=("$*"); break ;;
    *) echo "$0: unknown argument '$1'" >&2; usage ;;
  esac
done
for f in "$A" "$B" "$CTL"; do
  [[ -x $f ]] || { echo "$0: '$f' is not an executable" >&2; exit 2; }
done
if [[ ${#LOADS[@]} -eq 0 ]]; then
  common="--clients 100 --conns 10 --total $TOTAL --key-size 8 --val-size 256"
  LOADS=("put $common --key-space 100000" "get $common --key-space 1000 --read-mode linearizable")
fi
[[ -n $OUT ]] || OUT=$(mktemp -d "${TMPDIR:-/tmp}/raftlab-ab-bench-XXXXXX")
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

# "CPU_TICKS SWITCHES" of the running cluster's processes (utime + stime, voluntary switches).
usage_now() {
  local ticks=0 switches=0 pid f
  for pid in "${pids[@]}"; do
    read -r -a f <"/proc/$pid/stat"
    # Fields 14 and 15; the command name (field 2) has no spaces here.
    ticks=$((ticks + f[13] + f[14]))
    switches=$((switches + $(cat /proc/"$pid"/task/*/status | awk '/^voluntary_ctxt_switches/ {t += $2} END {print t}')))
  done
  echo "$ticks $switches"
}

failed() {
  echo "$0: $1 failed; output and logs kept in $OUT" >&2
  KEEP=1
  exit 1
}

# run NAME SERVER FLAGS REP: one cluster of SERVER, every load; $OUT/NAME-REP-LOAD.{json,use}.
run() {
  local name=$1 server=$2 flags=$3 rep=$4
  local dir="$OUT/$name-$rep" g1 g2 g3 h1 h2 h3
  read -r g1 g2 g3 h1 h2 h3 <<<"$(free_ports 6)"
  local grpc=("$g1" "$g2" "$g3") http=("$h1" "$h2" "$h3")
  local peers="1=127.0.0.1:$g1,2=127.0.0.1:$g2,3=127.0.0.1:$g3"
  for i in 1 2 3; do
    mkdir -p "$dir/node$i"
    # shellcheck disable=SC2086
    "$server" --id "$i" --peers "$peers" --data-dir "$dir/node$i" --http "127.0.0.1:${http[$((i - 1))]}" \
      $flags >>"$dir/node$i.log" 2>&1 &
    pids+=($!)
  done
  local endpoints="127.0.0.1:${grpc[0]},127.0.0.1:${grpc[1]},127.0.0.1:${grpc[2]}" up=0
  for _ in $(seq 1 150); do
    if "$CTL" --endpoints "$endpoints" bench put --clients 10 --conns 10 --total 1000 --key-size 8 \
      --key-space 1000 --sequential-keys >/dev/null 2>&1; then up=1; break; fi
    sleep 0.2
  done
  [[ $up -eq 1 ]] || failed "loading the cluster of $server"
  local l before
  for l in "${!LOADS[@]}"; do
    before=$(usage_now)
    # shellcheck disable=SC2086
    "$CTL" --endpoints "$endpoints" bench ${LOADS[$l]} --json "$OUT/$name-$rep-$l.json" >"$OUT/$name-$rep-$l.txt" 2>&1 ||
      failed "load '${LOADS[$l]}' of $name ($server) repetition $rep"
    echo "$before $(usage_now) $(cat "$dir"/node*.log | grep -c 'event=snapshot_taken' || true)" >"$OUT/$name-$rep-$l.use"
  done
  stop_cluster
  mkdir -p "$OUT/logs"
  for i in 1 2 3; do mv "$dir/node$i.log" "$OUT/logs/$name-$rep-node$i.log"; done
  rm -rf "$dir"
}

for rep in $(seq 1 "$REPS"); do
  if ((rep % 2 == 1)); then order="A B"; else order="B A"; fi
  for n in $order; do
    if [[ $n == A ]]; then run A "$A" "$FLAGS_A" "$rep"; else run B "$B" "$FLAGS_B" "$rep"; fi
  done
done

python3 - "$OUT" "$REPS" "$(getconf CLK_TCK)" "${LOADS[@]}" <<'PY'
import json, statistics, sys
out, reps, hz, loads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
def load(name, rep, l):
    with open(f"{out}/{name}-{rep}-{l}.json") as f:
        j = json.load(f)
    with open(f"{out}/{name}-{rep}-{l}.use") as f:
        t0, s0, t1, s1, snaps = (int(x) for x in f.read().split())
    ok = max(j["ok"], 1)
    j["cpu_us_per_req"] = (t1 - t0) / hz * 1e6 / ok
    j["switches_per_req"] = (s1 - s0) / ok
    j["snapshots"] = snaps
    return j
for l, what in enumerate(loads):
    print(f"== {what}")
    rows = {n: [load(n, r, l) for r in range(1, reps + 1)] for n in ("A", "B")}
    for n in ("A", "B"):
        for r, j in enumerate(rows[n], 1):
            p = j["percentiles_ms"]
            print(f"{n} rep {r}: {j['requests_per_s']:.0f} req/s, p50 {p['p50']:.2f} p99 {p['p99']:.2f} "
                  f"p99.9 {p['p99.9']:.2f} ms, server CPU {j['cpu_us_per_req']:.0f} us/req, "
                  f"{j['switches_per_req']:.2f} switches/req, snapshots so far {j['snapshots']}, errors {j['errors']}")
    # Runs of one repetition ran back to back: their ratio is the least disturbed by load.
    pairs = [b["requests_per_s"] / a["requests_per_s"] for a, b in zip(rows["A"], rows["B"])]
    print("B/A throughput per repetition " + " ".join(f"{p:.3f}" for p in pairs) +
          f", median {statistics.median(pairs):.3f}")
    cpu = {n: statistics.median(j["cpu_us_per_req"] for j in rows[n]) for n in ("A", "B")}
    print(f"server CPU per request, median A {cpu['A']:.0f} us | B {cpu['B']:.0f} us | B/A {cpu['B'] / cpu['A']:.3f}")
    med = {n: (statistics.median(j["requests_per_s"] for j in rows[n]),
               statistics.median(j["percentiles_ms"]["p99"] for j in rows[n])) for n in ("A", "B")}
    print(f"median A {med['A'][0]:.0f} req/s p99 {med['A'][1]:.1f} ms | B {med['B'][0]:.0f} req/s "
          f"p99 {med['B'][1]:.1f} ms | B/A throughput {med['B'][0] / med['A'][0]:.3f}, p99 {med['B'][1] / med['A'][1]:.3f}")
PY
