#!/usr/bin/env bash
# instructions.sh [--queries N] [--names N] [--runs N] FLEETDNS [BASELINE]... -- machine instructions
# per UDP query, counted by callgrind, for one or more fleetdns builds: an exact A/B where
# timing on a shared machine is noise (docs/performance.md, "Instructions per query").
#
# Each build serves the benchmark zone (bench/genzone.sh, 1,000 names, 4 A records) with one
# worker under `valgrind --tool=callgrind --toggle-collect=udp_on_readable`, so only what
# the worker does from the socket being readable to the answers being sent is counted (the
# system calls' user-side instructions included, the kernel's not). dnsperf sends the first
# N queries of the query file (every tenth an NXDOMAIN) one at a time, so every wakeup
# handles exactly one query and the count does not depend on how queries were batched. Prints instructions per query for each build and the ratio to
# the first. Needs valgrind and dnsperf (scripts/install-deps.sh --test).
# SPDX-License-Identifier: MIT
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
queries=10000 names=1000 runs=3
while [ $# -gt 0 ]; do
	case $1 in
	--queries) queries=$2; shift 2 ;;
	--names) names=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || { echo "usage: $0 [--queries N] [--names N] FLEETDNS [BASELINE]..." >&2; exit 2; }
for tool in valgrind callgrind_annotate dnsperf dig; do
	command -v "$tool" >/dev/null || { echo "instructions.sh: $tool is missing" >&2; exit 1; }
done
tmp=$(mktemp -d /tmp/fdns-instr.XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
"$top/bench/genzone.sh" "$names" 4 "$tmp" >/dev/null
head -n "$queries" "$tmp/queries.txt" >"$tmp/q.txt"

# The number of instructions callgrind counted inside udp_on_readable.
count_one() {
	local bin=$1 port out
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	out="$tmp/callgrind.$port"
	cat >"$tmp/conf.$port" <<EOF
server:
  listen: ["127.0.0.1:$port"]
  workers: 1
  log-level: warning
zones:
  - { name: svc.test, file: "$tmp/svc.test.zone" }
engines: []
EOF
	valgrind --tool=callgrind --toggle-collect=udp_on_readable --callgrind-out-file="$out" \
		"$bin" -c "$tmp/conf.$port" 2>"$tmp/valgrind.$port" &
	pid=$!
	for _ in $(seq 600); do
		dig +short +time=1 +tries=1 -p "$port" @127.0.0.1 svc.test SOA 2>/dev/null | grep -q hostmaster && break
		sleep 0.2
	done
	dnsperf -s 127.0.0.1 -p "$port" -d "$tmp/q.txt" -n 1 -c 1 -q 1 >"$tmp/dnsperf.$port" 2>&1
	local sent lost
	sent=$(sed -n 's/^ *Queries sent: *\([0-9]*\).*/\1/p' "$tmp/dnsperf.$port")
	lost=$(sed -n 's/^ *Queries lost: *\([0-9]*\).*/\1/p' "$tmp/dnsperf.$port")
	kill -TERM "$pid"
	wait "$pid" 2>/dev/null || true
	pid=
	local ir answer
	ir=$(callgrind_annotate "$out" 2>/dev/null | sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,)
	answer=$(callgrind_annotate --inclusive=yes "$out" 2>/dev/null |
		sed -n 's/^ *\([0-9,]*\) .*:worker_answer .*/\1/p' | head -1 | tr -d ,)
	echo "$ir $sent $lost ${answer:-0}"
}

# Every build runs `runs` times, in turns; the whole path's median per query is reported (it
# moves by about 1.5% from run to run with how wakeups meet queries), and worker_answer's
# own count (parse, look up, copy: the same instructions for the same queries every run).
printf '%-34s %12s %12s %8s\n' build path/query answer/query lost
first_path= first_answer=
for bin in "$@"; do
	paths=() answers=() lost_all=0
	for _ in $(seq "$runs"); do
		read -r ir sent lost answer < <(count_one "$bin")
		paths+=("$(awk -v i="$ir" -v q="$sent" 'BEGIN { printf "%.1f", i / q }')")
		answers+=("$(awk -v i="$answer" -v q="$sent" 'BEGIN { printf "%.1f", i / q }')")
		lost_all=$((lost_all + lost))
	done
	path=$(printf '%s\n' "${paths[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	answer=$(printf '%s\n' "${answers[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	printf '%-34s %12s %12s %8s' "$(basename "$(dirname "$(dirname "$bin")")")/${bin##*/}" "$path" "$answer" "$lost_all"
	if [ -z "$first_path" ]; then
		first_path=$path first_answer=$answer
		echo
	else
		awk -v a="$path" -v b="$first_path" -v c="$answer" -v d="$first_answer" \
			'BEGIN { printf "  (path %.4f, answer %.4f of the first)\n", a / b, c / d }'
	fi
done
