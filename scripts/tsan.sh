#!/usr/bin/env bash
# tsan.sh [DIR] -- build fleetdns with ThreadSanitizer in DIR (default build-tsan) and run
# tests/tsan/run.py against it: dnsperf (UDP, TCP), pipelined TCP, AXFR/IXFR, SIGHUP reloads
# and container churn on a private Docker Engine, all at once; fails when TSan reported
# anything not covered by tests/tsan/suppressions.txt. Needs root (the engine), like the
# fleet tests. Reports, fleetdns.log and dnsperf output stay in DIR/tsan-run.
# The last line is "N passed, N failed" (one per TAP check; a bail-out counts as a failure).
# SPDX-License-Identifier: MIT
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$top/build-tsan}
case $dir in /*) ;; *) dir=$PWD/$dir ;; esac

if [ -f "$dir/Makefile" ] && ! grep -q '^SAN_CFLAGS = .*-fsanitize=thread' "$dir/Makefile"; then
    echo "$dir is configured without --enable-tsan; use another folder"
    echo "0 passed, 1 failed"; exit 1
fi
if ! "$top/scripts/build.sh" "$dir" --enable-tsan; then
    echo "build failed in $dir"
    echo "0 passed, 1 failed"; exit 1
fi

run=$dir/tsan-run
rm -rf "$run" && mkdir -p "$run"
start=$(date +%s)
# timeout sends SIGTERM: run.py (tests/lib/fleet.py) then removes its containers and engine.
FLEETDNS=$dir/fleetdns TOP_SRCDIR=$top TSAN_RUN_DIR=$run \
    timeout 600 /usr/bin/python3 "$top/tests/tsan/run.py" 2>&1 | tee "$run/run.tap"
rc=${PIPESTATUS[0]}

passed=$(grep -c '^ok ' "$run/run.tap")
failed=$(grep -c '^not ok ' "$run/run.tap")
plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$run/run.tap")
if grep -q '^Bail out!' "$run/run.tap" || [ "${plan:-x}" != "$((passed + failed))" ] ||
    { [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; }; then
    echo "# tsan: run.py stopped early (status $rc, plan '${plan:-none}'); TSan said:"
    cat "$run"/tsan.* 2>/dev/null | sed 's/^/# /'
    failed=$((failed + 1))
fi
echo "# tsan: $(($(date +%s) - start)) s; logs in $run"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
