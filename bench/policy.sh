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
#       functions are read from it, so both count the same way), as ratios to plain and
#       to the peers measured in the same rounds: Knot and NSD serving a zone file with
#       the plain service's name and records (the same answer), and the UDP floor
#       (bench/floor.c, which echoes the query), all asked the plain query;
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
#                        [--replicas 10] [--kinds LIST] [--servers LIST] [--no-peers]
#                        [--no-callgrind] [--no-dnsperf] [--fleetdns PATH] [--keep]
# Takes about 3 minutes (2 without the peers). Results: bench/results/policy-latest.md; what they mean:
# docs/performance.md, "Weights and sites on the query path".
# SPDX-License-Identifier: MIT
set -euo pipefail

usage() {
	cat <<'EOF'
usage: bench/policy.sh [options]
  --seconds S      dnsperf run per kind and round (default 2)
  --rounds N       dnsperf rounds of every kind and peer, each starting one further along, every
                   other one backwards; the median counts (default 5)
  --queries N      queries per kind under callgrind, sent one at a time (default 2000)
  --runs N         callgrind runs per kind; the median path counts (default 1)
  --replicas R     replicas per service, even (default 10)
  --kinds LIST     plain,plain-edns,weighted,sited,sited-ecs (default all, plain first)
  --servers LIST   fleetdns and the peers measured beside it in every round:
                   fleetdns,knot,nsd,floor (default all; fleetdns is always measured)
  --no-peers       fleetdns only (= --servers fleetdns)
  --no-callgrind   skip the instruction counts
  --no-dnsperf     skip the CPU measurement
  --fleetdns PATH  fleetdns binary (default ./fleetdns, or $FLEETDNS)
  --keep           keep the work dir (configs, logs, callgrind profiles)
EOF
}

seconds=2 rounds=5 queries=2000 runs=1 replicas=10
kinds="plain,plain-edns,weighted,sited,sited-ecs"
servers="fleetdns,knot,nsd,floor"
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
	--servers) servers="$2"; shift 2 ;;
	--no-peers) servers=fleetdns; shift ;;
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
if [ $((replicas % 2)) -ne 0 ] || [ "$replicas" -gt 250 ]; then
	echo "policy.sh: --replicas must be even and at most 250" >&2
	exit 2
fi
IFS=, read -r -a kind_list <<<"$kinds"
peer_list=()
IFS=, read -r -a server_list <<<"$servers"
for s in "${server_list[@]}"; do
	case "$s" in
	fleetdns) ;;
	knot | nsd | floor) peer_list+=("$s") ;;
	*) echo "policy.sh: bad server '$s' (fleetdns,knot,nsd,floor)" >&2; exit 2 ;;
	esac
done

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
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin" # knotd and nsd, as bench/run.sh
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
# name: run.sh is a program, not a library, and this keeps both counting alike. So are the
# peers started (start_knot, start_nsd, start_floor) and told missing (unavailable), with
# two changes: the zone's name, svc.test in run.sh, is fleet.sim here, so that every server
# is asked the very same query; and NSD gets `minimal-responses: yes`, without which it adds
# the zone's NS and its address to a positive answer (226 bytes instead of 193 here), which
# neither fleetdns nor Knot does.
run_sh_functions() {
	awk -v names=" $* " '
		/^[A-Za-z_][A-Za-z0-9_-]*\(\) \{/ { on = index(names, " " substr($0, 1, index($0, "(") - 1) " ") > 0 }
		on { print }
		on && /^}/ { on = 0 }' "$script_dir/run.sh"
}
run_sh_fns=(tree alive stop_server pick_port cpu_ticks settle measure start_knot start_nsd start_floor build_c
	unavailable version_of)
fns="$(run_sh_functions "${run_sh_fns[@]}" |
	sed -e "s/^\( *\(- \)\{0,1\}\(domain\|name\)\): svc\.test\$/\1: $ZONE/" \
		-e 's/^  verbosity: 1$/&\n  minimal-responses: yes/')"
eval "$fns"
for f in "${run_sh_fns[@]}"; do
	declare -F "$f" >/dev/null || { echo "policy.sh: bench/run.sh has no function $f() any more" >&2; exit 1; }
done
if [ "$(grep -cE "^ *(- )?(domain|name): $ZONE\$|^  minimal-responses: yes\$" <<<"$fns")" -ne 3 ]; then
	echo "policy.sh: bench/run.sh's start_knot/start_nsd no longer write their configs as expected" >&2
	exit 1
fi
# What those functions read: one worker per server as fleetdns here, no TCP floor.
# shellcheck disable=SC2034
workers=1 baseline_bin="" floor_bin="" floor_tcp_bin=""
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
declare -A srv_pid srv_port # the servers measured by dnsperf, all up at once
stop_all() {
	local s
	stop_server
	for s in "${!srv_pid[@]}"; do
		server_pid=${srv_pid[$s]}
		stop_server
	done
	srv_pid=()
}
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	stop_all
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
# fleetdns runs from a copy: the build tree may be shared, and a rebuild during the run
# must not put two builds in one table.
fleetdns_built="$(date -u -r "$fleetdns_bin" '+%Y-%m-%d %H:%M UTC')"
fleetdns_source="$(git -C "$script_dir" describe --always --dirty 2>/dev/null || true)"
cp "$fleetdns_bin" "$work/fleetdns.bin"

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
	"$@" "$work/fleetdns.bin" -c "$work/$name.yaml" >"$work/$name.log" 2>&1 &
	server_pid=$!
	if ! wait_served "$port" "$start_timeout"; then
		log "$name: not every replica served within ${start_timeout}s; its output:"
		tail -n 20 "$work/$name.log" >&2
		exit 1
	fi
}
start_timeout=60

# ---------------------------------------------------------------- checks
# The answer to the plain query over UDP, as dnsperf asks it (no EDNS unless given): "N A
# records, S bytes" (the peers must answer the same: same records, same size).
reply_shape() { # PORT [DIG OPTIONS]
	local port=$1 out
	shift
	out="$(dig +noedns +time=2 +tries=1 -p "$port" @127.0.0.1 "plain.$ZONE" A "$@" 2>/dev/null || true)"
	echo "$(awk -v n="plain.$ZONE." '$1 == n && $4 == "A"' <<<"$out" | wc -l) A records, $(sed -n 's/^;; MSG SIZE *rcvd: *\([0-9]*\).*/\1/p' <<<"$out" | head -n 1) bytes"
}

# That each kind gets the answer it is meant to measure; sets check[KIND] and sites_on.
declare -A check
sites_on=0 ecs_scope="-"
check_answers() { # PORT
	local port=$1 half=$((replicas / 2)) i ok n out w
	check[plain]="$(reply_shape "$port")"
	check[plain-edns]="$(reply_shape "$port" +edns=0 +nocookie)"
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

# ---------------------------------------------------------------- the peers
# Knot and NSD serve ZONE from a file that holds the plain service as fleetdns answers it:
# the same name, the same R addresses 10.0.1.1..R and TTL, so the same answer (fleetdns puts
# nothing in the authority section, and neither do they here: checked, bytes compared).
# The floor echoes the query with QR set: the kernel's UDP path and nothing else.
if [[ " ${peer_list[*]} " == *" floor "* ]]; then
	# shellcheck disable=SC2034 # read by start_floor and unavailable
	floor_bin="$(build_c floor)"
fi
mkdir -p "$work/zone"
{ # shellcheck disable=SC2016 # $ORIGIN and $TTL are the zone file's
	printf '$ORIGIN %s.\n$TTL 5\n@ SOA ns hostmaster 1 60 10 3600 5\n@ NS ns\nns A 127.0.0.1\n' "$ZONE"
	for ((i = 1; i <= replicas; i++)); do echo "plain A 10.0.1.$i"; done
} >"$work/zone/$ZONE.zone"

# Until the peer answers the plain query (TIMEOUT seconds): for the floor, any response.
peer_ready() { # NAME PORT TIMEOUT
	local name=$1 port=$2 deadline=$((SECONDS + $3)) out
	while [ $SECONDS -lt $deadline ]; do
		alive "$server_pid" || return 1
		out="$(dig +noedns +time=1 +tries=1 -p "$port" @127.0.0.1 "plain.$ZONE" A 2>/dev/null || true)"
		if [ "$name" = floor ]; then
			[[ "$out" == *"->>HEADER<<-"* ]] && return 0
		else
			[[ "$out" == *"status: NOERROR"* ]] && [[ "$out" == *"ANSWER: $replicas,"* ]] && return 0
		fi
		sleep 0.2
	done
	return 1
}

declare -A peer_note
start_peers() {
	local s why dir f port
	for s in "${peer_list[@]}"; do
		why="$(unavailable "$s")"
		if [ -z "$why" ]; then
			dir="$work/srv-$s"
			mkdir -p "$dir"
			server_pid=""
			port="$(pick_port)"
			"start_$s" "$dir" "$work/zone/$ZONE.zone" "$port"
			if peer_ready "$s" "$port" 30; then
				srv_pid[$s]=$server_pid srv_port[$s]=$port
				check[$s]="$(reply_shape "$port")"
				if [ "$s" = floor ]; then
					check[$s]+=" (the query echoed)"
				elif [ "${check[$s]}" != "${check[plain]}" ]; then
					check[$s]+="; NOT the answer fleetdns gives ($ZONE plain: ${check[plain]})"
				fi
				log "$s on 127.0.0.1:$port: ${check[$s]}"
				server_pid=""
				continue
			fi
			if alive "$server_pid"; then why="$s: no answer within 30s"; else why="$s: exited at startup"; fi
			for f in "$dir/out.log" "$dir/nsd.log"; do
				if [ -s "$f" ]; then tail -n 20 "$f" >&2; fi
			done
			stop_server
		fi
		log "$why"
		peer_note[$s]="$why"
	done
}

# ---------------------------------------------------------------- (a) CPU per query
# Every server stays up for the whole measurement (each on its own port, idle while
# another is measured); measure() counts the one server_pid points at.
log "fleetdns: $fleetdns_bin; fleet: 2 engines, 3 services x $replicas replicas"
for k in "${kind_list[@]}"; do
	for _ in $(seq 1 200); do echo "${kind_name[$k]}.$ZONE A"; done >"$work/q-$k.txt"
done
for _ in $(seq 1 200); do echo "plain.$ZONE A"; done >"$work/q-peer.txt"
start_fleetdns fleetdns
log "fleetdns on 127.0.0.1:$port serves every replica"
check_answers "$port"
srv_pid[fleetdns]=$server_pid srv_port[fleetdns]=$port
server_pid=""
items=("${kind_list[@]}")
if [ "$do_dnsperf" -eq 1 ]; then
	start_peers
	for s in "${peer_list[@]}"; do [ -n "${srv_pid[$s]:-}" ] && items+=("$s"); done
	# Each round starts one further along (so that no server holds the same place in every
	# round, nor is measured twice in a row across rounds), every other one backwards
	# (drift weighs on both ends alike).
	n=${#items[@]}
	for r in $(seq 1 "$rounds"); do
		order=()
		for ((i = 0; i < n; i++)); do order+=("${items[$(((r - 1 + i) % n))]}"); done
		if [ $((r % 2)) -eq 0 ]; then
			for ((i = 0; i < n; i++)); do order[i]=${items[$(((r - 2 - i + 2 * n) % n))]}; done
		fi
		for k in "${order[@]}"; do
			if [ -n "${kind_name[$k]+set}" ]; then
				read -r -a dnsperf_extra <<<"${kind_flags[$k]}"
				server_pid=${srv_pid[fleetdns]}
				measure "$k" "$r" udp "${srv_port[fleetdns]}" "$work/q-$k.txt" # logs the round as names=R
			else
				dnsperf_extra=()
				server_pid=${srv_pid[$k]}
				measure "$k" "$r" udp "${srv_port[$k]}" "$work/q-peer.txt"
			fi
		done
		server_pid=""
	done
fi
stop_all

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
declare -A us qps notes all_us
for k in "${items[@]}"; do
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
for s in "${peer_list[@]}"; do
	[ -z "${peer_note[$s]:-}" ] || notes[$s]="${peer_note[$s]}"
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
# The ratio of the medians, then the lowest and highest of the ratios round by round (both
# measured in the same round, a few seconds apart): how far the noise reaches.
ratio_rounds() { # A B
	local r v=() lo hi
	if [ -z "${us[$1]:-}" ] || [ -z "${us[$2]:-}" ]; then echo "-"; return 0; fi
	for r in $(seq 1 "$rounds"); do
		[ -n "${r_us[$1|$r|udp]:-}" ] && [ -n "${r_us[$2|$r|udp]:-}" ] && v+=("$(ratio "${r_us[$1|$r|udp]}" "${r_us[$2|$r|udp]}")")
	done
	[ ${#v[@]} -gt 0 ] || { ratio "${us[$1]}" "${us[$2]}"; return 0; }
	lo="$(printf '%s\n' "${v[@]}" | sort -n | head -n 1)"
	hi="$(printf '%s\n' "${v[@]}" | sort -n | tail -n 1)"
	echo "$(ratio "${us[$1]}" "${us[$2]}") ($lo-$hi)"
}
base=plain
rows=("${kind_list[@]}" "${peer_list[@]}")
query_of() { # ROW
	if [ -n "${kind_name[$1]+set}" ]; then
		echo "${kind_name[$1]}.$ZONE A${kind_flags[$1]:+ (dnsperf ${kind_flags[$1]})}"
	else
		echo "plain.$ZONE A"
	fi
}
print_text() {
	local k
	printf '%-11s %8s %9s %7s %7s %7s %7s  %s\n' "kind" qps us/query /plain /knot /nsd /floor notes
	for k in "${rows[@]}"; do
		printf '%-11s %8s %9s %7s %7s %7s %7s  %s\n' "$k" "${qps[$k]:--}" "${us[$k]:--}" \
			"$(ratio "${us[$k]:-}" "${us[$base]:-}")" "$(ratio "${us[$k]:-}" "${us[knot]:-}")" \
			"$(ratio "${us[$k]:-}" "${us[nsd]:-}")" "$(ratio "${us[$k]:-}" "${us[floor]:-}")" "${notes[$k]:-}"
	done
	echo "(us/query: server CPU per answered query, median of the rounds; /X: this row's us/query over X's)"
	if [ "$do_callgrind" -eq 1 ]; then
		echo
		printf '%-11s %10s %16s %11s %13s %12s\n' kind path/query "worker_answer" query_parse answer_respond sites_lookup
		for k in "${kind_list[@]}"; do
			printf '%-11s %10s %16s %11s %13s %12s\n' "$k" "${ir_path[$k]:--}" \
				"${ir_answer[$k]:--} ($(diff_ "${ir_answer[$k]:-}" "${ir_answer[$base]:-}"))" \
				"${ir_parse[$k]:--}" "${ir_respond[$k]:--}" "${ir_sites[$k]:--}"
		done
		echo "(instructions per query, callgrind, fleetdns only)"
	fi
	[ "$sites_on" -eq 1 ] || echo "note: sited answers are NOT per site with this build (see the checks above)"
}
print_markdown() {
	local k s v
	echo "# fleetdns: weights and sites on the query path (bench/policy.sh)"
	echo
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- machine: $(nproc) CPUs, $(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo 2>/dev/null || echo unknown), Linux $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
	[ -z "$fleetdns_source" ] || echo "- fleetdns source: $fleetdns_source (at the start)"
	echo "- fleetdns: $fleetdns_bin (built $fleetdns_built, run from a copy), workers: 1"
	echo "- fleet: bench/fleetsim.py, 2 engines; plain and wghtd: $replicas replicas each on e1 (wghtd: one of weight 1, $((replicas - 1)) of weight 9); sited: $((replicas / 2)) on e0 (site near: 127.0.0.0/8, $ECS_NEAR), $((replicas / 2)) on e1"
	for s in "${peer_list[@]}"; do
		v="$(version_of "$s")"
		echo "- $s: ${peer_note[$s]:-$v}; $([ "$s" = floor ] && echo "echoes the plain query with QR set" || echo "zone file $ZONE: plain.$ZONE with the same $replicas A records (10.0.1.1-$replicas, TTL 5), 1 worker, started by bench/run.sh's start_$s"), asked the plain query"
	done
	echo "- CPU: dnsperf -c 4 -T 1 -q 256 -t 1, ${seconds}s per kind or peer and round, $rounds round(s) (all servers up, each measured in turn; each round starts one further along, every other one backwards), median; server CPU from /proc as bench/run.sh"
	echo "- instructions: callgrind inside udp_on_readable, $queries queries one at a time per kind, $runs run(s) (median path), as bench/instructions.sh"
	echo "- answered per site by this build: $([ "$sites_on" -eq 1 ] && echo yes || echo "NO (the sites parse, answers are not per site)")"
	echo
	echo "CPU per answered query; a ratio is this row's us/query over the column's (the ratio of the medians, then in brackets the lowest and highest of the per-round ratios):"
	echo
	echo "| kind or server | query | qps | us/query (rounds) | / fleetdns plain | / Knot | / NSD | / floor | answer check | notes |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|---|---|"
	for k in "${rows[@]}"; do
		echo "| $k | $(query_of "$k") | ${qps[$k]:--} | ${us[$k]:--} (${all_us[$k]:--}) | $(ratio_rounds "$k" "$base") | $(ratio_rounds "$k" knot) | $(ratio_rounds "$k" nsd) | $(ratio_rounds "$k" floor) | ${check[$k]:-} | ${notes[$k]:-} |"
	done
	[ "$do_callgrind" -eq 1 ] || return 0
	echo
	echo "Instructions per query (callgrind, fleetdns only):"
	echo
	echo "| kind | path instr/query | worker_answer | vs plain | query_parse | answer_respond_zone | ans_sites_lookup | lost (callgrind) |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|"
	for k in "${kind_list[@]}"; do
		echo "| $k | ${ir_path[$k]:--} | ${ir_answer[$k]:--} | $(diff_ "${ir_answer[$k]:-}" "${ir_answer[$base]:-}") | ${ir_parse[$k]:--} | ${ir_respond[$k]:--} | ${ir_sites[$k]:--} | ${ir_lost[$k]:--} |"
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
