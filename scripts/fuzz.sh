#!/usr/bin/env bash
# fuzz.sh [SECONDS] -- build the libFuzzer query harness (clang, ASan, UBSan, coverage for the
# whole library) in its own folder and fuzz for SECONDS (default 60), starting from a copy of
# tests/fuzz/corpus/query. Inputs found are kept in FUZZ_DIR/corpus for the next run; crashes,
# timeouts and leaks are written to FUZZ_DIR/findings. Fix the bug, then copy the input into
# tests/fuzz/corpus/query so that `make check` replays it from then on.
# Environment: FUZZ_DIR (default build-fuzz in the source tree), FUZZ_JOBS (make -j, 2).
# SPDX-License-Identifier: MIT
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-60}
dir=${FUZZ_DIR:-$top/build-fuzz}
mkdir -p "$dir/src" "$dir/corpus" "$dir/findings"

# Build from a copy of the sources: the tree may be configured in place, which rules out a
# VPATH build. tar keeps modification times, so make rebuilds only what changed.
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
make -j"${FUZZ_JOBS:-2}" tests/fuzz/fuzz_query >make.out 2>&1 || { tail -50 make.out; exit 1; }

cp -n "$top"/tests/fuzz/corpus/query/* "$dir/corpus/"
before=$(ls "$dir/findings" | wc -l)
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
set +e
./tests/fuzz/fuzz_query -max_total_time="$secs" -max_len=2048 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$dir/findings/" "$dir/corpus" >"$dir/fuzz.out" 2>&1
status=$?
set -e
grep -E '^#[0-9]+[[:space:]]+DONE|ERROR|runtime error|SUMMARY|fuzz_query:|stat::' "$dir/fuzz.out" || true
after=$(ls "$dir/findings" | wc -l)
echo "corpus: $(ls "$dir/corpus" | wc -l) inputs in $dir/corpus"
echo "findings: $((after - before)) new, $after in $dir/findings"
[ "$after" -eq "$before" ] || ls -t "$dir/findings" | head -n $((after - before))
exit "$status"
