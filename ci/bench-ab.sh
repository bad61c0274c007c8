#!/usr/bin/env bash
# Two raftlab servers side by side: a 3-node cluster of each on loopback, the same
# `raftlab-ctl bench` load run against each in turn (the order alternating per round), and
# per run the client's figures plus the servers' CPU seconds and voluntary context switches
# per request (from /proc, all three nodes). On a shared machine only such interleaved
# comparisons count.
#
#   bash ci/bench-ab.sh SERVER_A "FLAGS_A" SERVER_B "FLAGS_B" ROUNDS BENCH_ARGS...
#
# e.g. a change's snapshot stall against main's binary, 5 rounds of 30000 puts:
#   bash ci/bench-ab.sh main/raftlab-server "--snapshot-every 10000" \
#     build/server/api/raftlab-server "--snapshot-every 10000" 5 \
#     put --clients 100 --conns 10 --total 30000 --key-space 100000 --key-size 8 --val-size 256
#
# Each cluster is first loaded with 1000 keys of the default key size (key space 1000), so
# `get --key-space 1000` finds them. CTL (default build/server/api/client/raftlab-ctl) is the
# load tool; PORT_A/PORT_B (17100/17200) the port bases. Data and node logs stay in the
# printed run folder.
set -euo pipefail
if [[ $# -lt 6 ]]; then
  echo "usage: $0 SERVER_A FLAGS_A SERVER_B FLAGS_B ROUNDS BENCH_ARGS..." >&2
  exit 2
fi
A=$1; FA=$2; B=$3; FB=$4; ROUNDS=$5; shift 5
CTL=${CTL:-build/server/api/client/raftlab-ctl}
for bin in "$A" "$B" "$CTL"; do
  [[ -x $bin ]] || { echo "$0: not an executable: $bin" >&2; exit 2; }
done
ROOT=$(mktemp -d "${TMPDIR:-/tmp}/raftlab-ab-XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

endpoints() { echo "127.0.0.1:$(($1 + 1)),127.0.0.1:$(($1 + 2)),127.0.0.1:$(($1 + 3))"; }
start() {  # name binary port_base flags
  local name=$1 bin=$2 base=$3 flags=$4 i
  local peers="1=127.0.0.1:$((base + 1)),2=127.0.0.1:$((base + 2)),3=127.0.0.1:$((base + 3))"
  for i in 1 2 3; do
    # shellcheck disable=SC2086
    "$bin" --id "$i" --peers "$peers" --data-dir "$ROOT/$name/node$i" --http "127.0.0.1:$((base + 10 + i))" \
      $flags >>"$ROOT/$name-node$i.log" 2>&1 &
    pids+=($!)
    echo "$!" >>"$ROOT/$name.pids"
  done
}
cpu_ticks() {
  local s=0 p
  while read -r p; do s=$((s + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done <"$ROOT/$1.pids"
  echo "$s"
}
switches() {
  local s=0 p
  while read -r p; do
    s=$((s + $(cat /proc/"$p"/task/*/status | awk '/^voluntary_ctxt_switches/ {t += $2} END {print t}')))
  done <"$ROOT/$1.pids"
  echo "$s"
}

start A "$A" "${PORT_A:-17100}" "$FA"
start B "$B" "${PORT_B:-17200}" "$FB"
EA=$(endpoints "${PORT_A:-17100}")
EB=$(endpoints "${PORT_B:-17200}")
for e in $EA $EB; do
  loaded=0
  for _ in $(seq 1 50); do
    if "$CTL" --endpoints "$e" bench put --clients 10 --conns 10 --total 1000 --key-space 1000 \
      --sequential-keys >/dev/null 2>&1; then loaded=1; break; fi
    sleep 0.3
  done
  [[ $loaded == 1 ]] || { echo "$0: cluster $e never took writes; logs in $ROOT" >&2; exit 1; }
done

hz=$(getconf CLK_TCK)
for r in $(seq 1 "$ROUNDS"); do
  order="A B"
  if ((r % 2 == 0)); then order="B A"; fi
  for n in $order; do
    e=$EA
    [[ $n == B ]] && e=$EB
    c0=$(cpu_ticks "$n"); w0=$(switches "$n")
    "$CTL" --endpoints "$e" bench "$@" --json "$ROOT/$n-$r.json" >/dev/null
    c1=$(cpu_ticks "$n"); w1=$(switches "$n")
    python3 - "$ROOT/$n-$r.json" "$n" "$r" $((c1 - c0)) $((w1 - w0)) "$hz" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
ok = max(j["ok"], 1)
cpu = int(sys.argv[4]) / int(sys.argv[6])
p = j["percentiles_ms"]
print(f'{sys.argv[2]} round {sys.argv[3]}: {j["requests_per_s"]:.0f} req/s p50 {p["p50"]:.2f} p99 {p["p99"]:.2f} '
      f'p99.9 {p["p99.9"]:.2f} ms  server cpu {cpu:.2f} s = {cpu / ok * 1e6:.1f} ms per 1000  '
      f'{int(sys.argv[5]) / ok:.2f} switches per request  ok={j["ok"]} errors={j["errors"]}')
PY
  done
done
for n in A B; do
  echo "$n snapshots taken: $(cat "$ROOT"/$n-node*.log | grep -c 'event=snapshot_taken' || true)"
done
echo "run folder: $ROOT"
