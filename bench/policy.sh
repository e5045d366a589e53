#!/usr/bin/env bash
# bench/policy.sh: what weights (label fleetdns.weight) and sites (sites:, EDNS Client
# Subnet) cost the query path (issue 13). fleetdns follows a simulated fleet
# (bench/fleetsim.py, two engines) holding three services of R replicas:
#
#   plain     R replicas on e1, no weight labels: the plain rotation
#   wghtd     (weighted) R replicas on e1, R-1 of weight 9 and one of weight 1: a smooth
#             weighted round-robin sequence (one more table index per query)
#   sited     R/2 replicas on e0, which is in site `near`, R/2 on e1: answered per site
#             (a binary search of the client in the prefix table, the site's own answer)
#
# and, in one run, one kind of query after another, measures
#   (a) server CPU per answered query with dnsperf, as bench/run.sh counts it (its
#       functions are read from it, so both count the same way), as ratios to plain;
#   (b) instructions per query with callgrind, as bench/instructions.sh counts them
#       (only inside udp_on_readable; one query at a time), for the whole UDP path,
#       worker_answer, query_parse, answer_respond_zone (the responder; answer_respond
#       wraps it) and ans_sites_lookup.
#
# Kinds of query (all "A", UDP, from 127.0.0.1, which is in site near):
#   plain, plain-edns (EDNS, no option: the reference for the ECS one), weighted, sited,
#   sited-ecs (an ECS option for 192.0.2.0/24, also in site near: dnsperf -E).
#
# The names have the same length, so that parsing and hashing them cost the same: with
# "weighted" the longer name alone costs about 60 instructions more than "plain".
#
# usage: bench/policy.sh [--seconds 2] [--rounds 5] [--queries 2000] [--runs 1]
#                        [--replicas 10] [--kinds LIST] [--no-callgrind] [--no-dnsperf]
#                        [--fleetdns PATH] [--keep]
# Takes about 2.5 minutes. Results: bench/results/policy-latest.md; what they mean:
# docs/performance.md, "Weights and sites on the query path".
# SPDX-License-Identifier: MIT
set -euo pipefail

usage() {
	cat <<'EOF'
usage: bench/policy.sh [options]
  --seconds S      dnsperf run per kind and round (default 2)
  --rounds N       dnsperf rounds, every other one in reverse order; the median counts (default 5)
  --queries N      queries per kind under callgrind, sent one at a time (default 2000)
  --runs N         callgrind runs per kind; the median path counts (default 1)
  --replicas R     replicas per service, even (default 10)
  --kinds LIST     plain,plain-edns,weighted,sited,sited-ecs (default all, plain first)
  --no-callgrind   skip the instruction counts
  --no-dnsperf     skip the CPU measurement
  --fleetdns PATH  fleetdns binary (default ./fleetdns, or $FLEETDNS)
  --keep           keep the work dir (configs, logs, callgrind profiles)
EOF
}

seconds=2 rounds=5 queries=2000 runs=1 replicas=10
kinds="plain,plain-edns,weighted,sited,sited-ecs"
do_callgrind=1 do_dnsperf=1 keep=0
fleetdns_bin="${FLEETDNS:-./fleetdns}"
while [ $# -gt 0 ]; do
	case "$1" in
	--seconds) seconds="$2"; shift 2 ;;
	--rounds) rounds="$2"; shift 2 ;;
	--queries) queries="$2"; shift 2 ;;
	--runs) runs="$2"; shift 2 ;;
	--replicas) replicas="$2"; shift 2 ;;
	--kinds) kinds="$2"; shift 2 ;;
	--no-callgrind) do_callgrind=0; shift ;;
	--no-dnsperf) do_dnsperf=0; shift ;;
	--fleetdns) fleetdns_bin="$2"; shift 2 ;;
	--keep) keep=1; shift ;;
	-h | --help) usage; exit 0 ;;
	*) echo "policy.sh: unknown option: $1" >&2; usage >&2; exit 2 ;;
	esac
done
for v in "$seconds" "$rounds" "$queries" "$runs" "$replicas"; do
	[[ "$v" =~ ^[1-9][0-9]*$ ]] || { echo "policy.sh: expected a positive integer, got '$v'" >&2; exit 2; }
done
[ $((replicas % 2)) -eq 0 ] && [ "$replicas" -le 250 ] ||
	{ echo "policy.sh: --replicas must be even and at most 250" >&2; exit 2; }
IFS=, read -r -a kind_list <<<"$kinds"

# What each kind asks, and the dnsperf flags that make its EDNS.
# ECS (RFC 7871 6, option 8): FAMILY 1, SOURCE 24, SCOPE 0, ADDRESS 192.0.2.
ZONE=fleet.sim
ECS_NEAR=192.0.2.0/24 ECS_NEAR_HEX=00011800c00002
ECS_NONE=198.51.100.0/24
declare -A kind_name=([plain]=plain [plain-edns]=plain [weighted]=wghtd [sited]=sited [sited-ecs]=sited)
declare -A kind_flags=([plain]="" [plain-edns]="-e" [weighted]="" [sited]="" [sited-ecs]="-E 8:$ECS_NEAR_HEX")
for k in "${kind_list[@]}"; do
	[ -n "${kind_name[$k]+set}" ] || { echo "policy.sh: bad kind '$k'" >&2; exit 2; }
done

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
results_dir="$script_dir/results"
case "$fleetdns_bin" in /*) ;; *) fleetdns_bin="$PWD/${fleetdns_bin#./}" ;; esac
[ -x "$fleetdns_bin" ] || { echo "policy.sh: no fleetdns at $fleetdns_bin (make first)" >&2; exit 1; }
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
need=(dnsperf dig ss)
[ "$do_callgrind" -eq 1 ] && need+=(valgrind callgrind_annotate)
for tool in "${need[@]}"; do
	command -v "$tool" >/dev/null || { echo "policy.sh: $tool is missing (scripts/install-deps.sh --test)" >&2; exit 1; }
done

log() { echo "policy: $*" >&2; }

# ---------------------------------------------------------------- from bench/run.sh
# The CPU per query is counted by run.sh's own functions (settle, then dnsperf -c 4 -T 1
# -q 256 for --seconds while the server's CPU ticks are read from /proc), taken from it by
# name: run.sh is a program, not a library, and this keeps both counting alike.
run_sh_functions() {
	awk -v names=" $* " '
		/^[A-Za-z_][A-Za-z0-9_-]*\(\) \{/ { on = index(names, " " substr($0, 1, index($0, "(") - 1) " ") > 0 }
		on { print }
		on && /^}/ { on = 0 }' "$script_dir/run.sh"
}
run_sh_fns=(tree alive stop_server pick_port cpu_ticks settle measure)
eval "$(run_sh_functions "${run_sh_fns[@]}")"
for f in "${run_sh_fns[@]}"; do
	declare -F "$f" >/dev/null || { echo "policy.sh: bench/run.sh has no function $f() any more" >&2; exit 1; }
done
# shellcheck disable=SC2034 # r_lost: set by measure(), not read here
declare -A r_qps r_lost r_us r_note # measure() fills them, keyed "KIND|ROUND|udp"
# measure() runs `dnsperf`; this adds the kind's EDNS flags, and -t 1: at the end of a run
# dnsperf waits for the queries still in flight until their timeout (5 s by default), which
# here would be most of the benchmark's time (on loopback an answer comes within 1 s).
dnsperf_extra=()
dnsperf() { command dnsperf -t 1 "${dnsperf_extra[@]}" "$@"; }

# ---------------------------------------------------------------- work dir, cleanup
work="$(mktemp -d "${TMPDIR:-/tmp}/fleetdns-policy.XXXXXX")"
server_pid="" sim_pid=""
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	stop_server
	if [ -n "$sim_pid" ] && alive "$sim_pid"; then
		kill -TERM "$sim_pid" 2>/dev/null || true
		wait "$sim_pid" 2>/dev/null || true
	fi
	if [ "$keep" -eq 1 ]; then log "work dir kept: $work"; else rm -rf "$work"; fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- the simulated fleet
# fleetsim.py's containers carry only fleetdns.service, spread evenly over the engines:
# this wrapper imports it and lays out the three services with their labels before it
# serves (the simulator's file is unchanged). Addresses: plain 10.0.1.K, weighted 10.0.2.K
# (10.0.2.1 has weight 1), sited 10.0.3.K on e0 (site near) and 10.0.4.K on e1, K from 1.
# `firsts` counts the first address of COUNT answers (the smooth weighted sequence).
cat >"$work/policysim.py" <<'EOF'
import collections, json, os, sys
sys.path.insert(0, os.environ["POLICY_BENCH_DIR"])
import fleetsim

R = int(os.environ["POLICY_REPLICAS"])
LAYOUT = ([("e1", "plain", 1, k, None) for k in range(R)] +
          [("e1", "wghtd", 2, k, 1 if k == 0 else 9) for k in range(R)] +
          [("e0", "sited", 3, k, None) for k in range(R // 2)] +
          [("e1", "sited", 4, k, None) for k in range(R // 2)])
_init = fleetsim.Fleet.__init__


def init(self, args):
    _init(self, args)  # two engines, no containers yet (--containers 0)
    by_name = {e.name: e for e in self.engines}
    self.all = []
    for ename, service, net, k, weight in LAYOUT:
        e = by_name[ename]
        c = fleetsim.Container(e, len(e.containers), net * 256 + k + 1, service, args.zone)
        if weight is not None:
            c.labels["fleetdns.weight"] = str(weight)
        c.labels_json = json.dumps(c.labels, separators=(",", ":"))
        e.containers.append(c)
        e.by_id[c.id] = c
        self.all.append(c)


fleetsim.Fleet.__init__ = init

if sys.argv[1] == "firsts":  # firsts SERVER NAME COUNT
    res = fleetsim.Resolver(sys.argv[2])
    n = collections.Counter()
    for _ in range(int(sys.argv[4])):
        r = res.one(sys.argv[3])
        n[r[3][0] if r and r[3] else "-"] += 1
    for a, c in sorted(n.items()):
        print(a, c)
    sys.exit(0)
sys.argv[0] = os.path.join(os.environ["POLICY_BENCH_DIR"], "fleetsim.py")
sys.exit(fleetsim.main())
EOF
export POLICY_BENCH_DIR="$script_dir" POLICY_REPLICAS="$replicas"
mkdir -p "$work/sim"
"$PY" "$work/policysim.py" serve --dir "$work/sim" --engines 2 --containers 0 \
	--ready "$work/sim/ready" --report 600 2>"$work/sim.log" &
sim_pid=$!
for _ in $(seq 1 100); do
	[ -s "$work/sim/ready" ] && break
	alive "$sim_pid" || { cat "$work/sim.log" >&2; exit 1; }
	sleep 0.1
done
[ -s "$work/sim/ready" ] || { log "simulator not ready after 10 s"; exit 1; }

# fleetdns's configuration: e0 is in site near, whose clients are loopback and the ECS
# subnet the sited-ecs queries carry; e1 is in no site.
write_conf() { # FILE PORT
	cat >"$1" <<EOF
server:
  listen: ["127.0.0.1:$2"]
  workers: 1
  log-level: warning
zones:
  - name: $ZONE
engines:
  - { name: e0, url: "unix://$work/sim/e0.sock", timeout: 3000 }
  - { name: e1, url: "unix://$work/sim/e1.sock", timeout: 3000 }
fleet:
  zone: $ZONE
sites:
  - name: near
    clients: [127.0.0.0/8, $ECS_NEAR]
    engines: [e0]
EOF
}

# A records of NAME (in order), over TCP: udp_on_readable, which callgrind counts, never
# sees these queries.
answers() { # PORT NAME [DIG OPTIONS]
	local port=$1 name=$2
	shift 2
	dig +tcp +short +time=2 +tries=1 -p "$port" @127.0.0.1 "$name" A "$@" 2>/dev/null | grep -E '^[0-9.]+$' || true
}

# Until every service answers with all its replicas (TIMEOUT seconds).
wait_served() { # PORT TIMEOUT
	local port=$1 deadline=$((SECONDS + $2)) s n
	while [ $SECONDS -lt $deadline ]; do
		alive "$server_pid" || return 1
		n=0
		for s in plain wghtd sited; do
			[ "$(answers "$port" "$s.$ZONE" | wc -l)" -eq "$replicas" ] && n=$((n + 1))
		done
		[ $n -eq 3 ] && return 0
		sleep 0.2
	done
	return 1
}

start_fleetdns() { # NAME [VALGRIND ARGS...]: sets server_pid and port
	local name=$1
	shift
	port="$(pick_port)"
	write_conf "$work/$name.yaml" "$port"
	"$@" "$fleetdns_bin" -c "$work/$name.yaml" >"$work/$name.log" 2>&1 &
	server_pid=$!
	if ! wait_served "$port" "$start_timeout"; then
		log "$name: not every replica served within ${start_timeout}s; its output:"
		tail -n 20 "$work/$name.log" >&2
		exit 1
	fi
}
start_timeout=60

# ---------------------------------------------------------------- checks
# That each kind gets the answer it is meant to measure; sets check[KIND] and sites_on.
declare -A check
sites_on=0 ecs_scope="-"
check_answers() { # PORT
	local port=$1 half=$((replicas / 2)) a i ok n out w
	a="$(answers "$port" "plain.$ZONE" | wc -l)"
	check[plain]="$a A records"
	check[plain-edns]="$(answers "$port" "plain.$ZONE" +edns=0 | wc -l) A records"
	w=$((9 * (replicas - 1) + 1))
	out="$("$PY" "$work/policysim.py" firsts "127.0.0.1:$port" "wghtd.$ZONE" "$w")"
	n="$(awk '$1 == "10.0.2.1" { print $2 }' <<<"$out")"
	check[weighted]="$(answers "$port" "wghtd.$ZONE" | wc -l) A records; weight 1 first in ${n:-0} of $w answers (1 expected)"
	# Sited: near's replicas (10.0.3.*) first in every answer, over a few rotations.
	ok=0
	for i in 1 2 3 4; do
		[ "$(answers "$port" "sited.$ZONE" | head -n "$half" | grep -c '^10\.0\.3\.')" -eq "$half" ] && ok=$((ok + 1))
	done
	if [ $ok -eq 4 ]; then
		sites_on=1
		check[sited]="site near's $half replicas first"
	else
		check[sited]="NOT per site: near's replicas first in $ok of 4 answers"
	fi
	out="$(dig +tcp +time=2 +tries=1 -p "$port" @127.0.0.1 "sited.$ZONE" A +subnet="$ECS_NEAR" 2>/dev/null || true)"
	ecs_scope="$(sed -n 's/^; CLIENT-SUBNET: [^ ]*\/\([0-9]*\)$/\1/p' <<<"$out" | head -n 1)"
	n="$(grep -E '^sited\.' <<<"$out" | awk '$4 == "A" { print $5 }' | head -n "$half" | grep -c '^10\.0\.3\.' || true)"
	check[sited-ecs]="ECS $ECS_NEAR: near first ${n}/$half, scope ${ecs_scope:-none}"
	# The subnet decides, not the source: from 127.0.0.1 (near) with a subnet in no site,
	# near's replicas are not first in every answer.
	ok=0
	for i in 1 2 3 4; do
		[ "$(answers "$port" "sited.$ZONE" +subnet="$ECS_NONE" | head -n "$half" | grep -c '^10\.0\.3\.')" -eq "$half" ] && ok=$((ok + 1))
	done
	check[sited-ecs]+="; ECS $ECS_NONE (in no site, from a source in near): near first in $ok of 4 (the subnet decides: under 4)"
	for k in "${kind_list[@]}"; do log "check $k: ${check[$k]:-}"; done
}

# ---------------------------------------------------------------- (a) CPU per query
log "fleetdns: $fleetdns_bin; fleet: 2 engines, 3 services x $replicas replicas"
for k in "${kind_list[@]}"; do
	for _ in $(seq 1 200); do echo "${kind_name[$k]}.$ZONE A"; done >"$work/q-$k.txt"
done
start_fleetdns fleetdns
log "fleetdns on 127.0.0.1:$port serves every replica"
check_answers "$port"
if [ "$do_dnsperf" -eq 1 ]; then
	for r in $(seq 1 "$rounds"); do
		order=("${kind_list[@]}")
		if [ $((r % 2)) -eq 0 ]; then # every other round backwards: drift weighs on both ends alike
			order=()
			for ((i = ${#kind_list[@]} - 1; i >= 0; i--)); do order+=("${kind_list[$i]}"); done
		fi
		for k in "${order[@]}"; do
			read -r -a dnsperf_extra <<<"${kind_flags[$k]}"
			measure "$k" "$r" udp "$port" "$work/q-$k.txt" # logs the round as names=R
		done
	done
fi
stop_server

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
declare -A us qps notes all_us
for k in "${kind_list[@]}"; do
	vals=() q=() nt=""
	for r in $(seq 1 "$rounds"); do
		[ -n "${r_us[$k|$r|udp]:-}" ] && vals+=("${r_us[$k|$r|udp]}") && q+=("${r_qps[$k|$r|udp]}")
		[ -n "${r_note[$k|$r|udp]:-}" ] && nt="${nt:+$nt; }${r_note[$k|$r|udp]}"
	done
	if [ ${#vals[@]} -gt 0 ]; then
		us[$k]="$(printf '%s\n' "${vals[@]}" | median | awk '{ printf "%.2f", $1 }')"
		qps[$k]="$(printf '%s\n' "${q[@]}" | median | awk '{ printf "%d", $1 }')"
		all_us[$k]="$(IFS=/; echo "${vals[*]}")"
	fi
	notes[$k]="$nt"
done

# ---------------------------------------------------------------- (b) instructions
# As bench/instructions.sh: callgrind collects only inside udp_on_readable, dnsperf sends
# the queries one at a time, so each wakeup handles one query.
declare -A ir_path ir_answer ir_parse ir_respond ir_sites ir_lost
# A function can be listed more than once, when its debug information names its source
# file in more than one way (an inlined helper from a header, objects built from another
# directory): the largest entry is its whole inclusive count, the others parts of it.
inclusive() { # FILE FUNCTION: its inclusive count
	callgrind_annotate --inclusive=yes "$1" 2>/dev/null |
		sed -n "s/^ *\([0-9,]*\) .*:$2\( .*\)\{0,1\}\$/\1/p" | tr -d , | sort -n | tail -n 1
}
per_query() { awk -v i="${1:-0}" -v q="${2:-0}" 'BEGIN { if (q > 0) printf "%.1f", i / q; else print "" }'; }
# One fleetdns under callgrind for one kind; sets cg_path cg_answer cg_parse cg_respond
# cg_sites cg_lost (instructions per query; queries lost).
count_kind() { # KIND RUN
	local k=$1 run=$2 out="$work/callgrind.$1.$2" sent lost total flags
	start_fleetdns "cg-$k-$run" valgrind --tool=callgrind --toggle-collect=udp_on_readable \
		--callgrind-out-file="$out"
	for _ in $(seq 1 "$queries"); do echo "${kind_name[$k]}.$ZONE A"; done >"$work/cq-$k.txt"
	read -r -a flags <<<"${kind_flags[$k]}"
	command dnsperf "${flags[@]}" -s 127.0.0.1 -p "$port" -d "$work/cq-$k.txt" -n 1 -c 1 -q 1 \
		>"$work/dnsperf-cg-$k-$run.txt" 2>&1 || true
	sent="$(sed -n 's/^ *Queries sent: *\([0-9]*\).*/\1/p' "$work/dnsperf-cg-$k-$run.txt")"
	lost="$(sed -n 's/^ *Queries lost: *\([0-9]*\).*/\1/p' "$work/dnsperf-cg-$k-$run.txt")"
	stop_server
	total="$(callgrind_annotate "$out" 2>/dev/null | sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,)"
	cg_path="$(per_query "$total" "$sent")"
	cg_answer="$(per_query "$(inclusive "$out" worker_answer)" "$sent")"
	cg_parse="$(per_query "$(inclusive "$out" query_parse)" "$sent")"
	cg_respond="$(per_query "$(inclusive "$out" answer_respond_zone)" "$sent")"
	cg_sites="$(per_query "$(inclusive "$out" ans_sites_lookup)" "$sent")"
	cg_lost="${lost:-0}"
}
if [ "$do_callgrind" -eq 1 ]; then
	start_timeout=180
	for k in "${kind_list[@]}"; do
		paths=() lost_all=0
		for run in $(seq 1 "$runs"); do
			log "callgrind: $k, run $run ($queries queries)"
			count_kind "$k" "$run"
			paths+=("$cg_path")
			lost_all=$((lost_all + cg_lost))
		done
		# worker_answer and below count the same for the same queries every run; the
		# whole path moves a little with how wakeups meet queries: its median counts.
		ir_path[$k]="$(printf '%s\n' "${paths[@]}" | median)"
		ir_answer[$k]=$cg_answer ir_parse[$k]=$cg_parse ir_respond[$k]=$cg_respond
		ir_sites[$k]=$cg_sites ir_lost[$k]=$lost_all
		log "callgrind $k: path ${ir_path[$k]}, worker_answer $cg_answer, query_parse $cg_parse, answer_respond_zone $cg_respond, ans_sites_lookup $cg_sites instructions/query, lost $lost_all"
	done
fi

# ---------------------------------------------------------------- report
ratio() { awk -v a="${1:-}" -v b="${2:-}" 'BEGIN { if (a != "" && b > 0) printf "%.2f", a / b; else print "-" }'; }
diff_() { awk -v a="${1:-}" -v b="${2:-}" 'BEGIN { if (a != "" && b != "") printf "%+.0f", a - b; else print "-" }'; }
base=plain
print_text() {
	printf '%-11s %8s %9s %7s %10s %16s %11s %13s %12s\n' kind qps us/query /plain path/query "worker_answer" query_parse answer_respond sites_lookup
	for k in "${kind_list[@]}"; do
		printf '%-11s %8s %9s %7s %10s %16s %11s %13s %12s\n' "$k" "${qps[$k]:--}" "${us[$k]:--}" \
			"$(ratio "${us[$k]:-}" "${us[$base]:-}")" "${ir_path[$k]:--}" \
			"${ir_answer[$k]:--} ($(diff_ "${ir_answer[$k]:-}" "${ir_answer[$base]:-}"))" \
			"${ir_parse[$k]:--}" "${ir_respond[$k]:--}" "${ir_sites[$k]:--}"
	done
	echo "(us/query: server CPU per answered query, median of the rounds; the other columns: instructions per query)"
	[ "$sites_on" -eq 1 ] || echo "note: sited answers are NOT per site with this build (see the checks above)"
}
print_markdown() {
	local k
	echo "# fleetdns: weights and sites on the query path (bench/policy.sh)"
	echo
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- machine: $(nproc) CPUs, $(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo 2>/dev/null || echo unknown), Linux $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
	if c="$(git -C "$script_dir" describe --always --dirty 2>/dev/null)"; then echo "- fleetdns source: $c"; fi
	echo "- fleetdns: $fleetdns_bin (built $(date -u -r "$fleetdns_bin" '+%Y-%m-%d %H:%M UTC')), workers: 1"
	echo "- fleet: bench/fleetsim.py, 2 engines; plain and wghtd: $replicas replicas each on e1 (wghtd: one of weight 1, $((replicas - 1)) of weight 9); sited: $((replicas / 2)) on e0 (site near: 127.0.0.0/8, $ECS_NEAR), $((replicas / 2)) on e1"
	echo "- CPU: dnsperf -c 4 -T 1 -q 256 -t 1, ${seconds}s per kind and round, $rounds round(s) (every other one in reverse order), median; server CPU from /proc as bench/run.sh"
	echo "- instructions: callgrind inside udp_on_readable, $queries queries one at a time per kind, $runs run(s) (median path), as bench/instructions.sh"
	echo "- answered per site by this build: $([ "$sites_on" -eq 1 ] && echo yes || echo "NO (the sites parse, answers are not per site)")"
	echo
	echo "| kind | query | qps | us/query (rounds) | ratio to plain | path instr/query | worker_answer | vs plain | query_parse | answer_respond_zone | ans_sites_lookup | lost (callgrind) | answer check | notes |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"
	for k in "${kind_list[@]}"; do
		echo "| $k | ${kind_name[$k]}.$ZONE A${kind_flags[$k]:+ (dnsperf ${kind_flags[$k]})} | ${qps[$k]:--} | ${us[$k]:--} (${all_us[$k]:--}) | $(ratio "${us[$k]:-}" "${us[$base]:-}") | ${ir_path[$k]:--} | ${ir_answer[$k]:--} | $(diff_ "${ir_answer[$k]:-}" "${ir_answer[$base]:-}") | ${ir_parse[$k]:--} | ${ir_respond[$k]:--} | ${ir_sites[$k]:--} | ${ir_lost[$k]:--} | ${check[$k]:-} | ${notes[$k]:-} |"
	done
}
echo
print_text
print_markdown >"$work/policy-latest.md"
if mkdir -p "$results_dir" 2>/dev/null && cp "$work/policy-latest.md" "$results_dir/policy-latest.md" 2>/dev/null; then
	log "wrote $results_dir/policy-latest.md"
else
	log "warning: could not write $results_dir/policy-latest.md"
fi
