#!/usr/bin/env bash
# test.sh -- install what is missing, build, and run the whole test suite twice: a normal
# build and an ASan+UBSan build, each with both tiers (`make check`: no root, peers or
# Docker; then `make check-system`: real engines, peer servers, root); then a
# ThreadSanitizer build under load (scripts/tsan.sh).
# Ends with "N passed, N failed" over every check that ran.
# SPDX-License-Identifier: MIT
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/install-deps.sh" --test || exit 1

passed=0 failed=0 status=0
run_suite() {
    local dir=$1; shift
    if ! "$top/scripts/build.sh" "$dir" "$@"; then
        echo "build failed in $dir"; failed=$((failed + 1)); status=1; return
    fi
    local total
    total=$(make -s -C "$dir" print-tests | wc -w)
    echo "test.sh: running $total tests in $dir (log: $dir/check.out)"
    # Both tiers, the second even when the first failed; either failing fails the suite.
    rm -f "$dir/test-suite.log" "$dir/test-suite-system.log"
    (cd "$dir" && { make -j"$(nproc)" check; r=$?
        make -j"$(nproc)" check-system || r=1; exit $r; } >check.out 2>&1) &
    local pid=$! done_ last=-1
    while kill -0 "$pid" 2>/dev/null; do
        sleep 5
        done_=$(find "$dir/tests" -name '*.trs' -newer "$dir/make.out" 2>/dev/null | wc -l)
        if [ "$done_" != "$last" ] && [ $((SECONDS % 30)) -lt 5 ]; then
            echo "test.sh: $dir: $done_ of $total tests done"; last=$done_
        fi
    done
    wait "$pid" || status=1
    grep -E '^(PASS|FAIL|ERROR|XPASS):' "$dir/check.out" | grep -v '^PASS' || true
    local log p f e x
    for log in "$dir/test-suite.log" "$dir/test-suite-system.log"; do
        if [ ! -f "$log" ]; then
            echo "$log: missing"; tail -30 "$dir/check.out"; failed=$((failed + 1)); status=1
            continue
        fi
        p=$(sed -n 's/^# PASS: *//p' "$log"); f=$(sed -n 's/^# FAIL: *//p' "$log")
        e=$(sed -n 's/^# ERROR: *//p' "$log"); x=$(sed -n 's/^# XPASS: *//p' "$log")
        echo "$log: ${p:-0} passed, ${f:-0} failed, ${e:-0} errors"
        [ "${f:-0}${e:-0}" = "00" ] || sed -n '/^FAIL\|^ERROR\|^not ok/p' "$log" | head -50
        passed=$((passed + ${p:-0}))
        failed=$((failed + ${f:-0} + ${e:-0} + ${x:-0}))
    done
}

run_suite "$top/build"
# LeakSanitizer needs ptrace, which containers often forbid; leaks are checked by valgrind.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1
run_suite "$top/build-san" --enable-sanitizers
# ThreadSanitizer build, then fleetdns under load, reloads and container churn (scripts/tsan.sh)
out=$("$top/scripts/tsan.sh" "$top/build-tsan" 2>&1); read -r tp _ tf _ <<<"${out##*$'\n'}"
echo "$top/build-tsan: ${tp:-0} passed, ${tf:-1} failed (TSan)"
[ "${tf:-1}" = 0 ] || { status=1; grep -E '^(not ok|#   |Bail out|# tsan|build failed)' <<<"$out" | head -50; }
passed=$((passed + ${tp:-0})); failed=$((failed + ${tf:-1}))
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && exit "$status" || exit 1
