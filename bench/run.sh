#!/usr/bin/env bash
# bench/run.sh: server CPU per answered query for fleetdns, Knot, NSD and the
# floor (bench/floor.c), measured one after another in the same run, on loopback, with
# the same zone and query file. See bench/README.md.
#
# usage: bench/run.sh [--sizes 1000,100000] [--seconds 10] [--workers N]
#                     [--records R] [--proto udp,tcp,tcp1]
#                     [--servers fleetdns,knot,nsd,floor] [--fleetdns PATH]
#                     [--baseline PATH] [--keep] [--out FILE]
set -euo pipefail

usage() {
	cat <<'EOF'
usage: bench/run.sh [options]
  --sizes LIST      zone sizes in names, comma separated (default 1000,100000)
  --seconds S       dnsperf run length per measurement (default 10)
  --workers N       workers/threads for every server (default 1)
  --records R       A records per name (default 4)
  --proto LIST      udp, tcp (pipelined, dnsperf), tcp1 (one query per connection,
                    bench/tcp1.c); default udp,tcp,tcp1
  --servers LIST    fleetdns,fleetdns-rrl,baseline,knot,nsd,floor (default: fleetdns,
                    fleetdns-rrl, baseline when --baseline is given, knot, nsd, floor)
                    fleetdns-rrl: the same binary with every UDP response going through
                    response rate limiting (a rate no query reaches, nothing exempt)
  --fleetdns PATH   fleetdns binary (default ./fleetdns, or $FLEETDNS)
  --baseline PATH   another fleetdns binary (an earlier build) to compare with
  --keep            keep the temporary work dir (configs, logs) for debugging
  --out FILE        where the markdown table goes (default bench/results/latest.md)
Environment: BENCH_START_TIMEOUT (seconds to wait for a server to answer;
default max(60, names/5000)); BENCH_TCP1_CONNS (tcp1 connections in flight, default
16: under fleetdns's tcp-max-per-client of 32).
EOF
}

sizes="1000,100000"
seconds=10
workers=1
records=4
protos="udp,tcp,tcp1"
servers=""
fleetdns_bin="${FLEETDNS:-./fleetdns}"
baseline_bin=""
keep=0
out_md=""
load_start="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"

while [ $# -gt 0 ]; do
	case "$1" in
	--sizes) sizes="$2"; shift 2 ;;
	--seconds) seconds="$2"; shift 2 ;;
	--workers) workers="$2"; shift 2 ;;
	--records) records="$2"; shift 2 ;;
	--proto) protos="$2"; shift 2 ;;
	--servers) servers="$2"; shift 2 ;;
	--fleetdns) fleetdns_bin="$2"; shift 2 ;;
	--baseline) baseline_bin="$2"; shift 2 ;;
	--keep) keep=1; shift ;;
	--out) out_md="$2"; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*) echo "run.sh: unknown option: $1" >&2; usage >&2; exit 2 ;;
	esac
done

for v in "$seconds" "$workers" "$records"; do
	[[ "$v" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: expected a positive integer, got '$v'" >&2; exit 2; }
done
IFS=, read -r -a size_list <<<"$sizes"
IFS=, read -r -a proto_list <<<"$protos"
[ -n "$servers" ] || servers="fleetdns,fleetdns-rrl${baseline_bin:+,baseline},knot,nsd,floor"
IFS=, read -r -a server_list <<<"$servers"
for n in "${size_list[@]}"; do
	[[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: bad size '$n'" >&2; exit 2; }
done
for p in "${proto_list[@]}"; do
	[[ "$p" == udp || "$p" == tcp || "$p" == tcp1 ]] || { echo "run.sh: bad proto '$p'" >&2; exit 2; }
done
for s in "${server_list[@]}"; do
	[[ "$s" =~ ^(fleetdns|fleetdns-rrl|baseline|knot|nsd|floor)$ ]] || { echo "run.sh: bad server '$s'" >&2; exit 2; }
done

log() { echo "bench: $*" >&2; }

# ---------------------------------------------------------------- locations
script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
results_dir="$script_dir/results"
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"


case "$fleetdns_bin" in /*) ;; *) fleetdns_bin="$PWD/${fleetdns_bin#./}" ;; esac

# ---------------------------------------------------------------- packages
# Install the peers only when missing, and only with apt-get.
ensure_packages() {
	local pkgs=()
	command -v knotd >/dev/null || pkgs+=(knot)
	command -v nsd >/dev/null || pkgs+=(nsd)
	command -v dnsperf >/dev/null || pkgs+=(dnsperf)
	command -v dig >/dev/null || pkgs+=(bind9-dnsutils)
	[ ${#pkgs[@]} -eq 0 ] && return 0
	local sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	log "installing ${pkgs[*]} with apt-get"
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get install -y "${pkgs[@]}" ||
		{ $sudo apt-get update && $sudo apt-get install -y "${pkgs[@]}"; }
}
ensure_packages

# ---------------------------------------------------------------- work dir, cleanup
work="$(mktemp -d "${TMPDIR:-/tmp}/fleetdns-bench.XXXXXX")"
server_pid=""

# All live pids of a process tree (NSD forks xfrd, main and server processes).
tree() {
	local c
	[ -d "/proc/$1" ] && echo "$1"
	for c in $(pgrep -P "$1" 2>/dev/null || true); do tree "$c"; done
	return 0
}

alive() { # true while the pid exists and is not a zombie
	local st
	st="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

stop_server() {
	[ -n "$server_pid" ] || return 0
	local pids p
	pids="$(tree "$server_pid")"
	# shellcheck disable=SC2086
	if [ -n "$pids" ]; then kill -TERM $pids 2>/dev/null || true; fi
	for _ in $(seq 1 100); do
		local any=0
		for p in $pids; do alive "$p" && any=1; done
		[ $any -eq 0 ] && break
		sleep 0.1
	done
	for p in $pids; do
		if alive "$p"; then kill -KILL "$p" 2>/dev/null || true; fi
	done
	wait "$server_pid" 2>/dev/null || true
	server_pid=""
}

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	stop_server
	if [ "$keep" -eq 1 ]; then
		log "work dir kept: $work"
	else
		rm -rf "$work"
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- helpers
# A port free for both UDP and TCP on loopback, in 10000..32767: below the kernel's
# ephemeral ports, which dig may share with SO_REUSEPORT (tests/lib/fdnstest.py).
pick_port() {
	local p
	for _ in $(seq 1 200); do
		p=$((10000 + RANDOM % 22768))
		if [ -z "$(ss -Hltun "( sport = :$p )" 2>/dev/null)" ]; then
			echo "$p"
			return 0
		fi
	done
	echo "run.sh: no free port found" >&2
	return 1
}

# Wait until the server answers for the zone. For the floor (no DNS work) any
# response counts; for real servers the SOA must be in the answer.
wait_ready() { # PORT TIMEOUT KIND
	local port=$1 timeout=$2 kind=$3 deadline out
	deadline=$((SECONDS + timeout))
	while [ $SECONDS -lt $deadline ]; do
		alive "$server_pid" || return 1
		if [ "$kind" = floor ]; then
			out="$(dig @127.0.0.1 -p "$port" svc.test SOA +time=1 +tries=1 2>/dev/null || true)"
			[[ "$out" == *"->>HEADER<<-"* ]] && return 0
		else
			# +short still prints ";; connection timed out..." lines: ignore those.
			out="$(dig @127.0.0.1 -p "$port" svc.test SOA +short +time=1 +tries=1 2>/dev/null | grep -v '^;' || true)"
			[ -n "$out" ] && return 0
		fi
		sleep 0.2
	done
	return 1
}

# A quick look that a real server gives the answers the zone says, so that fast
# errors are not mistaken for fast answers. Prints a note when they are wrong.
check_answers() { # PORT
	local port=$1 a nx
	a="$(dig @127.0.0.1 -p "$port" s0.svc.test A +short +time=2 +tries=1 2>/dev/null | grep -c '^198\.18\.' || true)"
	nx="$(dig @127.0.0.1 -p "$port" nx9.svc.test A +time=2 +tries=1 2>/dev/null | grep -c 'status: NXDOMAIN' || true)"
	if [ "$a" != "$records" ] || [ "$nx" != 1 ]; then
		echo "wrong answers (s0: $a A records, nx9: NXDOMAIN=$nx)"
	fi
	return 0
}

# Total CPU ticks (utime+stime) of the server, its threads and descendants.
cpu_ticks() {
	local t=0 p f v
	for p in $(tree "$server_pid"); do
		for f in /proc/"$p"/task/*/stat; do
			v="$(sed 's/.*) //' "$f" 2>/dev/null | awk '{print $12+$13}')" || v=0
			t=$((t + ${v:-0}))
		done
	done
	echo "$t"
}

# Let zone loading, journal writes etc. finish: wait until the server uses at
# most one tick in half a second, twice in a row (at most 20 s).
settle() {
	local quiet=0 a b
	for _ in $(seq 1 40); do
		a="$(cpu_ticks)"
		sleep 0.5
		b="$(cpu_ticks)"
		if [ $((b - a)) -le 1 ]; then
			quiet=$((quiet + 1))
			[ $quiet -ge 2 ] && return 0
		else
			quiet=0
		fi
	done
	log "warning: server still busy before measuring"
}

# Peak RSS (VmHWM) of the process tree in kB: the largest of its processes (NSD's
# forked servers share the zone with their parent, so a sum would overcount).
peak_rss_kb() {
	local p v max=0
	for p in $(tree "$server_pid"); do
		v="$(awk '/^VmHWM:/{print $2}' "/proc/$p/status" 2>/dev/null || true)"
		[ -n "$v" ] && [ "$v" -gt "$max" ] && max=$v
	done
	echo "$max"
}

# Results, keyed "server|names|proto".
declare -A r_qps r_lost r_us r_rss r_note r_lat

# One measurement; sets r_* for the key: dnsperf (4 clients, 256 queries outstanding; over
# TCP, 4 persistent connections) while the server's CPU ticks are counted.
measure() { # SERVER NAMES PROTO PORT QUERYFILE
	local srv=$1 n=$2 proto=$3 port=$4 qf=$5 key="$1|$2|$3" out qps lost us
	settle
	local tk c0 c1 comp reconn rcodes
	tk="$(getconf CLK_TCK)"
	c0="$(cpu_ticks)"
	if [ "$proto" = tcp1 ]; then
		# One query per connection: TCP1_CONNS connections in flight (under fleetdns's
		# tcp-max-per-client, 32), each connect, query, answer, close.
		out="$("$tcp1_bin" -s 127.0.0.1 -p "$port" -d "$qf" -l "$seconds" -c "$tcp1_conns" 2>&1 || true)"
	else
		out="$(dnsperf -m "$proto" -s 127.0.0.1 -p "$port" -d "$qf" -l "$seconds" -c 4 -T 1 -q 256 2>&1 || true)"
	fi
	c1="$(cpu_ticks)"
	comp="$(awk '/Queries completed/{print $3}' <<<"$out")"
	qps="$(awk '/Queries per second/{printf "%d", $4}' <<<"$out")"
	lost="$(awk '/Queries lost/{print $3}' <<<"$out")"
	reconn="$(awk '/Reconnections/{print $2}' <<<"$out")"
	us="$(awk -v c=$((c1 - c0)) -v tk="$tk" -v n="${comp:-0}" \
		'BEGIN{ if (n > 0) printf "%.2f", c / tk * 1e6 / n; else print "nan" }')"
	rcodes="$(sed -n 's/^ *Response codes: *//p' <<<"$out")"
	if [ -n "$rcodes" ] && grep -qvE '^(NOERROR|NXDOMAIN) ' <<<"$(tr ',' '\n' <<<"$rcodes" | sed 's/^ *//')"; then
		r_note[$key]="${r_note[$key]:+${r_note[$key]}; }rcodes: $rcodes"
	fi
	if [ -n "$reconn" ] && [ "$reconn" != 0 ]; then
		r_note[$key]="${r_note[$key]:+${r_note[$key]}; }$reconn reconnections"
	fi
	if [ "$proto" = tcp1 ]; then
		local cerr bad
		cerr="$(awk '/Connection errors/{print $3}' <<<"$out")"
		bad="$(awk '/Bad answers/{print $3}' <<<"$out")"
		if [ -n "$cerr" ] && [ "$cerr" != 0 ]; then
			r_note[$key]="${r_note[$key]:+${r_note[$key]}; }$cerr connection errors"
		fi
		if [ -n "$bad" ] && [ "$bad" != 0 ]; then
			r_note[$key]="${r_note[$key]:+${r_note[$key]}; }$bad bad answers"
		fi
		r_lat[$key]="$(awk '/Latency p50\/p99/{printf "%.2f / %.2f", $4 * 1000, $6 * 1000}' <<<"$out")"
	fi
	if [ -z "$us" ] || [ "$us" = nan ]; then
		log "$srv $n $proto: no answers; dnsperf said:"
		tail -n 15 <<<"$out" >&2
		r_note[$key]="${r_note[$key]:+${r_note[$key]}; }no answers"
		us=""
	fi
	r_qps[$key]="${qps:-}"
	r_lost[$key]="${lost:-}"
	r_us[$key]="$us"
	log "$srv names=$n $proto: qps=${qps:-?} lost=${lost:-?} us/query=${us:-?}"
}

# ---------------------------------------------------------------- servers
# Each start_* writes its config into DIR and launches the server in the
# foreground as our child, setting server_pid. All output goes to DIR/out.log.

start_fleetdns() { # DIR ZONEFILE PORT [BINARY] [MORE SERVER SETTINGS]
	local dir=$1 zf=$2 port=$3 bin=${4:-$fleetdns_bin} more=${5:-}
	cat >"$dir/fleetdns.yaml" <<EOF
server: { listen: ["127.0.0.1:$port"], workers: $workers $more}
zones:
  - name: svc.test
    file: $zf
EOF
	"$bin" -c "$dir/fleetdns.yaml" >"$dir/out.log" 2>&1 &
	server_pid=$!
}

# Every response through a rate limiting bucket (loopback is exempt by default), none limited.
start_fleetdns-rrl() {
	start_fleetdns "$1" "$2" "$3" "$fleetdns_bin" \
		', rate-limit: { responses-per-second: 1000000, burst: 1000000, exempt: [] } '
}

start_baseline() {
	start_fleetdns "$1" "$2" "$3" "$baseline_bin"
}

start_knot() {
	local dir=$1 zf=$2 port=$3
	mkdir -p "$dir/run" "$dir/storage"
	cat >"$dir/knot.conf" <<EOF
server:
  rundir: "$dir/run"
  listen: 127.0.0.1@$port
  udp-workers: $workers
  tcp-workers: $workers
  background-workers: 1
log:
  - target: stderr
    any: info
database:
  storage: "$dir/storage"
template:
  - id: default
    storage: "$dir/storage"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
zone:
  - domain: svc.test
    file: "$zf"
EOF
	knotd -c "$dir/knot.conf" >"$dir/out.log" 2>&1 &
	server_pid=$!
}

start_nsd() {
	local dir=$1 zf=$2 port=$3 reuse=no
	[ "$workers" -gt 1 ] && reuse=yes
	cat >"$dir/nsd.conf" <<EOF
server:
  server-count: $workers
  reuseport: $reuse
  ip-address: 127.0.0.1@$port
  port: $port
  username: ""
  chroot: ""
  zonesdir: "$(dirname "$zf")"
  pidfile: "$dir/nsd.pid"
  database: ""
  xfrdfile: "$dir/xfrd.state"
  xfrdir: "$dir"
  zonelistfile: "$dir/zone.list"
  logfile: "$dir/nsd.log"
  verbosity: 1
  rrl-ratelimit: 0
remote-control:
  control-enable: no
zone:
  name: svc.test
  zonefile: "$(basename "$zf")"
EOF
	# Builds without RRL reject the rrl-* options.
	if ! nsd-checkconf "$dir/nsd.conf" >/dev/null 2>&1; then
		sed -i '/rrl-ratelimit/d' "$dir/nsd.conf"
	fi
	nsd -d -c "$dir/nsd.conf" >"$dir/out.log" 2>&1 &
	server_pid=$!
}

build_c() { # NAME: bench/NAME.c into $work/NAME; prints its path, or nothing when it cannot be built
	local cc
	cc="$(command -v gcc || command -v cc || true)"
	if [ -n "$cc" ] && "$cc" -O2 -pthread -o "$work/$1" "$script_dir/$1.c" 2>"$work/$1-cc.log"; then
		echo "$work/$1"
	else
		log "could not compile $1.c"
		cat "$work/$1-cc.log" >&2 2>/dev/null || true
	fi
}

floor_bin=""
floor_tcp_bin=""
tcp1_bin=""
tcp1_conns="${BENCH_TCP1_CONNS:-16}"
# The UDP floor, and the TCP one (bench/floor_tcp.c) beside it on the same port when tcp1
# is measured; both children of one subshell, whose tree is counted and stopped.
start_floor() {
	local dir=$1 port=$3
	if [ -n "$floor_tcp_bin" ]; then
		("$floor_bin" "$port" "$workers" & "$floor_tcp_bin" "$port" "$workers" & wait) >"$dir/out.log" 2>&1 &
	else
		"$floor_bin" "$port" "$workers" >"$dir/out.log" 2>&1 &
	fi
	server_pid=$!
}

# Why a server cannot run at all (empty if it can).
unavailable() {
	case "$1" in
	fleetdns | fleetdns-rrl) [ -x "$fleetdns_bin" ] || echo "fleetdns: not built" ;;
	baseline) [ -x "$baseline_bin" ] || echo "baseline: no binary '$baseline_bin'" ;;
	knot) command -v knotd >/dev/null || echo "knot: knotd not installed" ;;
	nsd) command -v nsd >/dev/null || echo "nsd: not installed" ;;
	floor) [ -n "$floor_bin" ] || echo "floor: floor.c not built" ;;
	esac
}

version_of() {
	case "$1" in
	# Not "fleetdns --version": a daemon that ignores the flag would start serving.
	fleetdns | fleetdns-rrl) if [ -x "$fleetdns_bin" ]; then echo "$fleetdns_bin (built $(date -u -r "$fleetdns_bin" '+%Y-%m-%d %H:%M UTC'))"; fi ;;
	baseline) if [ -x "$baseline_bin" ]; then echo "$baseline_bin (built $(date -u -r "$baseline_bin" '+%Y-%m-%d %H:%M UTC'))"; fi ;;
	knot) knotd --version 2>/dev/null | head -n 1 || true ;;
	nsd) nsd -v 2>&1 | head -n 1 || true ;;
	floor) echo "bench/floor.c${floor_tcp_bin:+ and bench/floor_tcp.c}, gcc -O2" ;;
	esac
}

# ---------------------------------------------------------------- main
if [[ ",$servers," == *,floor,* ]]; then
	floor_bin="$(build_c floor)"
fi

if [[ ",$protos," == *,tcp1,* ]]; then
	tcp1_bin="$(build_c tcp1)" # empty: no tcp1 measurements
	if [ -n "$tcp1_bin" ] && [ -n "$floor_bin" ]; then
		floor_tcp_bin="$(build_c floor_tcp)"
	fi
	[[ "$tcp1_conns" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: bad BENCH_TCP1_CONNS '$tcp1_conns'" >&2; exit 2; }
fi

for n in "${size_list[@]}"; do
	zdir="$work/zone-$n"
	log "generating zone with $n names x $records A records"
	"$script_dir/genzone.sh" "$n" "$records" "$zdir" >/dev/null
	zf="$zdir/svc.test.zone"
	qf="$zdir/queries.txt"
	timeout="${BENCH_START_TIMEOUT:-$((n / 5000 > 60 ? n / 5000 : 60))}"

	for srv in "${server_list[@]}"; do
		why="$(unavailable "$srv")"
		if [ -n "$why" ]; then
			log "$why"
			for p in "${proto_list[@]}"; do r_note["$srv|$n|$p"]="$why"; done
			continue
		fi
		dir="$work/$srv-$n"
		mkdir -p "$dir"
		port="$(pick_port)"
		log "starting $srv on 127.0.0.1:$port ($n names)"
		t0=$SECONDS
		"start_$srv" "$dir" "$zf" "$port"
		if ! wait_ready "$port" "$timeout" "$srv"; then
			if alive "$server_pid"; then
				why="$srv: no answer within ${timeout}s"
			else
				why="$srv: exited at startup"
			fi
			log "$why; its output:"
			for f in "$dir/out.log" "$dir/nsd.log"; do
				if [ -s "$f" ]; then tail -n 20 "$f" >&2; fi
			done
			stop_server
			for p in "${proto_list[@]}"; do r_note["$srv|$n|$p"]="$why"; done
			continue
		fi
		log "$srv answers after $((SECONDS - t0))s"
		bad=""
		[ "$srv" = floor ] || bad="$(check_answers "$port")"
		if [ -n "$bad" ]; then
			log "$srv: $bad"
			for p in "${proto_list[@]}"; do r_note["$srv|$n|$p"]="$bad"; done
		fi
		for p in "${proto_list[@]}"; do
			if [ "$srv" = floor ] && [ "$p" = tcp ]; then
				r_note["$srv|$n|$p"]="floor: UDP and tcp1 only"
				continue
			fi
			if [ "$p" = tcp1 ] && [ -z "$tcp1_bin" ]; then
				r_note["$srv|$n|$p"]="tcp1: not built"
				continue
			fi
			if [ "$p" = tcp1 ] && [ "$srv" = floor ] && [ -z "$floor_tcp_bin" ]; then
				r_note["$srv|$n|$p"]="floor: floor_tcp.c not built"
				continue
			fi
			if [ "$p" = tcp1 ] && [ "$srv" = fleetdns-rrl ]; then
				r_note["$srv|$n|$p"]="rate limiting is UDP only"
				continue
			fi
			measure "$srv" "$n" "$p" "$port" "$qf"
		done
		rss="$(peak_rss_kb)"
		for p in "${proto_list[@]}"; do r_rss["$srv|$n|$p"]="$rss"; done
		stop_server
	done
	rm -rf "$zdir"
done

# ---------------------------------------------------------------- report
fmt_rss() { [ -n "${1:-}" ] && [ "$1" -gt 0 ] && awk -v k="$1" 'BEGIN{printf "%.1f MiB", k / 1024}' || echo "-"; }
ratio() { # A B
	if [ -n "$1" ] && [ -n "$2" ]; then
		awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.2f", a / b; else print "-" }'
	else
		echo "-"
	fi
}

# Rows as "|"-separated fields; the text and markdown tables are printed from them.
rows=()
ratio_rows=()
tcp1_rows=() # one query per connection beside pipelined TCP and the floor
for n in "${size_list[@]}"; do
	for p in "${proto_list[@]}"; do
		for srv in "${server_list[@]}"; do
			k="$srv|$n|$p"
			note="${r_note[$k]:-}"
			if [ -z "${r_us[$k]+set}" ]; then
				rows+=("$srv|$n|$p|${note:--}|-|-|-|")
			else
				rows+=("$srv|$n|$p|${r_qps[$k]:--}|${r_lost[$k]:--}|${r_us[$k]:--}|$(fmt_rss "${r_rss[$k]:-}")|$note")
			fi
		done
		if [ "$p" = tcp1 ]; then
			for srv in "${server_list[@]}"; do
				k="$srv|$n|tcp1"
				[ -n "${r_us[$k]:-}" ] || continue
				fl="${r_us[floor|$n|tcp1]:-}"
				above="-"
				if [ -n "$fl" ] && [ "$srv" != floor ]; then
					above="$(awk -v a="${r_us[$k]}" -v b="$fl" 'BEGIN{printf "%.2f", a - b}')"
				fi
				tcp1_rows+=("$srv|$n|${r_qps[$k]:--}|${r_us[$k]}|${r_us[$srv|$n|tcp]:--}|$(ratio "${r_us[$k]}" "${r_us[$srv|$n|tcp]:-}")|$above|${r_lat[$k]:--}")
			done
		fi
		f="${r_us[fleetdns|$n|$p]:-}"
		ratio_rows+=("$n|$p|$(ratio "$f" "${r_us[knot|$n|$p]:-}")|$(ratio "$f" "${r_us[nsd|$n|$p]:-}")|$(ratio "$f" "${r_us[floor|$n|$p]:-}")|$(ratio "${r_us[fleetdns-rrl|$n|$p]:-}" "$f")|$(ratio "$f" "${r_us[baseline|$n|$p]:-}")")
	done
done

print_text() {
	local row a
	printf '%-12s %8s %5s %10s %8s %9s %12s  %s\n' server names proto qps lost us/query "peak RSS" notes
	for row in "${rows[@]}"; do
		IFS='|' read -r -a a <<<"$row"
		if [ "${a[4]}" = - ] && [ "${a[5]}" = - ]; then # unavailable: message instead of numbers
			printf '%-12s %8s %5s   %s\n' "${a[0]}" "${a[1]}" "${a[2]}" "${a[3]}"
		else
			printf '%-12s %8s %5s %10s %8s %9s %12s  %s\n' "${a[@]:0:7}" "${a[7]:-}"
		fi
	done
	echo
	echo "us/query ratios (lower is better for fleetdns):"
	printf '%8s %5s %14s %13s %15s %14s %18s\n' names proto fleetdns/knot fleetdns/nsd fleetdns/floor \
		rrl/fleetdns fleetdns/baseline
	for row in "${ratio_rows[@]}"; do
		IFS='|' read -r -a a <<<"$row"
		printf '%8s %5s %14s %13s %15s %14s %18s\n' "${a[@]}"
	done
	[ ${#tcp1_rows[@]} -gt 0 ] || return 0
	echo
	echo "tcp1, one query per connection ($tcp1_conns in flight): us/conn is server CPU per connection"
	echo "(= per query); tcp us/query is the same server's pipelined figure; above floor = us/conn - floor's:"
	printf '%-12s %8s %8s %8s %13s %9s %12s %20s\n' server names conn/s us/conn "tcp us/query" tcp1/tcp \
		"above floor" "latency p50/p99 ms"
	for row in "${tcp1_rows[@]}"; do
		IFS='|' read -r -a a <<<"$row"
		printf '%-12s %8s %8s %8s %13s %9s %12s %20s\n' "${a[@]}"
	done
}

print_markdown() {
	local row a s
	echo "# fleetdns benchmark: latest run"
	echo
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- machine: $(nproc) CPUs, $(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo 2>/dev/null || echo unknown), Linux $(uname -r)"
	echo "- run: sizes $sizes names x $records A records, ${seconds}s per measurement, $workers worker(s) per server, dnsperf -c 4 -T 1 -q 256 on 127.0.0.1${tcp1_bin:+; tcp1: bench/tcp1.c, $tcp1_conns connections in flight, one query each}"
	echo "- load average (1/5/15 min) at the start: $load_start; at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
	if c="$(git -C "$script_dir" describe --always --dirty 2>/dev/null)"; then echo "- fleetdns source: $c"; fi
	for s in "${server_list[@]}"; do
		v="$(version_of "$s")"
		[ -n "$v" ] && echo "- $s: $v"
	done
	echo
	echo "| server | names | proto | qps | lost | us/query | peak RSS | notes |"
	echo "|---|---:|---|---:|---:|---:|---:|---|"
	for row in "${rows[@]}"; do
		IFS='|' read -r -a a <<<"$row"
		echo "| ${a[0]} | ${a[1]} | ${a[2]} | ${a[3]} | ${a[4]} | ${a[5]} | ${a[6]} | ${a[7]:-} |"
	done
	echo
	echo "us/query ratios (server CPU per answered query; below 1.00 means fleetdns uses less):"
	echo
	echo "| names | proto | fleetdns/knot | fleetdns/nsd | fleetdns/floor | fleetdns-rrl/fleetdns | fleetdns/baseline |"
	echo "|---:|---|---:|---:|---:|---:|---:|"
	for row in "${ratio_rows[@]}"; do
		IFS='|' read -r -a a <<<"$row"
		echo "| ${a[0]} | ${a[1]} | ${a[2]} | ${a[3]} | ${a[4]} | ${a[5]} | ${a[6]} |"
	done
	[ ${#tcp1_rows[@]} -gt 0 ] || return 0
	echo
	echo "One query per TCP connection (tcp1, $tcp1_conns connections in flight, each: connect, query,"
	echo "answer, close by the client): server CPU per connection beside the same server's pipelined"
	echo "TCP figure; above floor: what is left once bench/floor_tcp.c's cost (accept, read, write, close)"
	echo "is taken off. Latency: connect to whole answer, at the client, on a loaded loopback."
	echo
	echo "| server | names | conn/s | us/conn | tcp us/query (pipelined) | tcp1/tcp | above floor (us) | latency p50 / p99 (ms) |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|"
	for row in "${tcp1_rows[@]}"; do
		IFS='|' read -r -a a <<<"$row"
		echo "| ${a[0]} | ${a[1]} | ${a[2]} | ${a[3]} | ${a[4]} | ${a[5]} | ${a[6]} | ${a[7]} |"
	done
}

echo
print_text
print_markdown >"$work/latest.md"
[ -n "$out_md" ] || out_md="$results_dir/latest.md"
if mkdir -p "$(dirname "$out_md")" 2>/dev/null && cp "$work/latest.md" "$out_md" 2>/dev/null; then
	log "wrote $out_md"
else
	log "warning: could not write $out_md"
fi
