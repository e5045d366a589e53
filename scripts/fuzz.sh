#!/usr/bin/env bash
# fuzz.sh NAME [SECONDS] -- build the libFuzzer harness NAME (query, tcp, docker, conf, zone;
# see tests/fuzz/Makefile.inc) with clang, ASan, UBSan and coverage for the whole library in
# its own folder, and fuzz for SECONDS (default 60), starting from a copy of
# tests/fuzz/corpus/NAME (and with tests/fuzz/NAME.dict when there is one). Inputs found are
# kept in FUZZ_DIR/NAME/corpus for the next run; crashes, timeouts and leaks are written to
# FUZZ_DIR/NAME/findings, libFuzzer's output to FUZZ_DIR/NAME/fuzz.out. `fuzz.sh SECONDS`
# alone fuzzes the query harness, as before.
#
# For a finding: see it again with FUZZ_DIR/src/tests/fuzz/fuzz_NAME FILE, minimise it with
# FUZZ_DIR/src/tests/fuzz/fuzz_NAME -minimize_crash=1 -runs=100000 FILE, fix the bug, then
# copy the minimised input into tests/fuzz/corpus/NAME so that `make check` replays it.
# Environment: FUZZ_DIR (default build-fuzz in the source tree), FUZZ_JOBS (make -j, 2),
# FUZZ_LEAKS (0 turns LeakSanitizer off; it is on by default).
# Harnesses of one FUZZ_DIR share its build (made under a lock), so two may run at once.
# SPDX-License-Identifier: MIT
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
if [[ ${1:-} =~ ^[0-9]+$ ]]; then
    name=query secs=$1
else
    name=${1:-query} secs=${2:-60}
fi
case $name in
query) max_len=2048 ;;
tcp | conf | zone) max_len=4096 ;;
docker) max_len=8192 ;;
*) echo "fuzz.sh: unknown harness '$name' (query, tcp, docker, conf or zone)" >&2; exit 2 ;;
esac
dir=${FUZZ_DIR:-$top/build-fuzz}
out=$dir/$name
mkdir -p "$dir/src" "$out/corpus" "$out/findings"

# Build from a copy of the sources: the tree may be configured in place, which rules out a
# VPATH build. tar keeps modification times, so make rebuilds only what changed.
(
    flock 9
    (cd "$top" && git ls-files -z -co --exclude-standard |
        tar --null --ignore-failed-read -T - -cf - 2>/dev/null) | (cd "$dir/src" && tar -xf -)
    cd "$dir/src"
    if [ ! -x configure ]; then
        autoreconf -fi >autoreconf.out 2>&1 || { cat autoreconf.out; exit 1; }
    fi
    if [ ! -f Makefile ]; then
        ./configure CC=clang CFLAGS="-g -O1 -fsanitize=fuzzer-no-link" --enable-fuzzing \
            --enable-sanitizers >configure.out 2>&1 || { cat configure.out; exit 1; }
    fi
    make -j"${FUZZ_JOBS:-2}" "tests/fuzz/fuzz_$name" >"make-$name.out" 2>&1 ||
        { tail -50 "make-$name.out"; exit 1; }
    # A private copy, so that another harness's build cannot replace it while it runs.
    cp "tests/fuzz/fuzz_$name" "$out/fuzz_$name"
) 9>"$dir/build.lock"

cp -n "$top/tests/fuzz/corpus/$name"/* "$out/corpus/"
dict=()
[ -f "$top/tests/fuzz/$name.dict" ] && dict=(-dict="$top/tests/fuzz/$name.dict")
before=$(ls "$out/findings" | wc -l)
export ASAN_OPTIONS=detect_leaks=${FUZZ_LEAKS:-1}:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
set +e
(cd "$out" && ./"fuzz_$name" -max_total_time="$secs" -max_len="$max_len" -timeout=10 \
    -detect_leaks="${FUZZ_LEAKS:-1}" -print_final_stats=1 "${dict[@]}" \
    -artifact_prefix="$out/findings/" "$out/corpus" >"$out/fuzz.out" 2>&1)
status=$?
set -e
grep -E '^#[0-9]+[[:space:]]+DONE|ERROR|runtime error|SUMMARY|fuzz_[a-z]+:|stat::' \
    "$out/fuzz.out" || true
after=$(ls "$out/findings" | wc -l)
echo "$name: $secs s; corpus: $(ls "$out/corpus" | wc -l) inputs in $out/corpus"
echo "findings: $((after - before)) new, $after in $out/findings"
[ "$after" -eq "$before" ] || ls -t "$out/findings" | head -n $((after - before))
exit "$status"
