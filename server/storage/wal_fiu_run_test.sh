#!/bin/sh
# Runs a node-log append under fiu-run's POSIX preload with every fsync and fdatasync failing
# (EIO) and checks
# that the storage fail-stops (exit 75) instead of carrying on, and that the log it left
# behind still recovers. Usage: wal_fiu_run_test.sh PATH/TO/wal_probe
set -u
probe=$1
work=$(mktemp -d "${TMPDIR:-/tmp}/raftlab-fiu-XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$probe" init "$work/wal" || fail "init"
fiu-run -x -f "" -c 'enable name=posix/io/sync/*,failinfo=5' \
  "$probe" append "$work/wal" >"$work/out" 2>"$work/err"
rc=$?
cat "$work/out" "$work/err"
[ "$rc" -eq 75 ] || fail "append under failing fsync exited $rc, want 75 (storage fail-stop)"
grep -q 'event=fail_stop cause=io_error component=wal what=fsync detail=".*Input/output error' "$work/err" ||
  fail "no fail-stop line naming the fsync error"
grep -q 'append returned' "$work/out" && fail "append returned after a failed fsync"
"$probe" verify "$work/wal" || fail "the log left behind does not recover"
echo "PASS"
