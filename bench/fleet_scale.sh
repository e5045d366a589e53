#!/usr/bin/env bash
# bench/fleet_scale.sh: fleetdns following a simulated fleet (bench/fleetsim.py): how long
# it takes to serve every replica, its CPU and memory while following the fleet idle and
# under churn, and the time from an event to the answer change. See bench/README.md.
#
# usage: bench/fleet_scale.sh [--fleets 10x50,100x50,1000x50] [--rates 0.5,10,100]
#                             [--idle-seconds 60] [--phase-seconds 60]
#                             [--converge-timeout 900] [--fleetdns PATH] [--keep]
#                             [--transfers]
set -euo pipefail

usage() {
	cat <<'EOF'
usage: bench/fleet_scale.sh [options]
  --fleets LIST          MxC engines x containers per engine (default 10x50,100x50,1000x50)
  --rates LIST           churn rates in changes per second (default 0.5,10,100)
  --idle-seconds S       how long to measure the idle fleet (default 60)
  --phase-seconds S      how long each churn rate runs (default 60)
  --converge-timeout S   how long to wait for every replica to be served (default 900)
  --kinds LIST           kinds of changes: stop,health (default both)
  --fleetdns PATH        fleetdns binary (default ./fleetdns, or $FLEETDNS)
  --keep                 keep the work dir (logs, change logs, probe results)
  --transfers            the fleet zone with allow-transfer and a NOTIFY target (a UDP
                         responder of this script that acknowledges each NOTIFY at once)
EOF
}

fleets="10x50,100x50,1000x50"
rates="0.5,10,100"
idle_s=60
phase_s=60
converge_s=900
kinds="stop,health"
fleetdns_bin="${FLEETDNS:-./fleetdns}"
keep=0
transfers=0
while [ $# -gt 0 ]; do
	case "$1" in
	--fleets) fleets="$2"; shift 2 ;;
	--rates) rates="$2"; shift 2 ;;
	--idle-seconds) idle_s="$2"; shift 2 ;;
	--phase-seconds) phase_s="$2"; shift 2 ;;
	--converge-timeout) converge_s="$2"; shift 2 ;;
	--kinds) kinds="$2"; shift 2 ;;
	--fleetdns) fleetdns_bin="$2"; shift 2 ;;
	--keep) keep=1; shift ;;
	--transfers) transfers=1; shift ;;
	-h | --help) usage; exit 0 ;;
	*) echo "fleet_scale.sh: unknown option: $1" >&2; usage >&2; exit 2 ;;
	esac
done
IFS=, read -r -a fleet_list <<<"$fleets"
IFS=, read -r -a rate_list <<<"$rates"
for f in "${fleet_list[@]}"; do
	[[ "$f" =~ ^[1-9][0-9]*x[1-9][0-9]*$ ]] || { echo "fleet_scale.sh: bad fleet '$f'" >&2; exit 2; }
done
for r in "${rate_list[@]}"; do
	[[ "$r" =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "fleet_scale.sh: bad rate '$r'" >&2; exit 2; }
done

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
SIM="$script_dir/fleetsim.py"
case "$fleetdns_bin" in /*) ;; *) fleetdns_bin="$PWD/${fleetdns_bin#./}" ;; esac
[ -x "$fleetdns_bin" ] || { echo "fleet_scale.sh: no fleetdns at $fleetdns_bin (make first)" >&2; exit 1; }
command -v dig >/dev/null || true
HZ="$(getconf CLK_TCK)"
ZONE=fleet.sim

log() { echo "fleet_scale: $*" >&2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/fleetdns-fleet.XXXXXX")"
pids=()

alive() {
	local st
	st="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

stop_pid() { # TERM, wait up to 10 s, KILL: only our own children, by pid
	local p="$1" i
	alive "$p" || { wait "$p" 2>/dev/null || true; return 0; }
	kill -TERM "$p" 2>/dev/null || true
	for i in $(seq 1 100); do
		alive "$p" || break
		sleep 0.1
	done
	alive "$p" && kill -KILL "$p" 2>/dev/null || true
	wait "$p" 2>/dev/null || true
}

cleanup() {
	local rc=$? p
	trap - EXIT INT TERM
	for p in "${pids[@]}"; do stop_pid "$p"; done
	if [ "$keep" -eq 1 ]; then log "work dir kept: $work"; else rm -rf "$work"; fi
	exit $rc
}
trap cleanup EXIT INT TERM

# CPU ticks (user + system, all threads) of a pid; 0 when gone.
ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
pct() { awk -v a="$1" -v b="$2" -v hz="$HZ" -v s="$3" 'BEGIN { printf "%.1f", (b - a) / hz / s * 100 }'; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
# Below the kernel's ephemeral ports, which dig may share with SO_REUSEPORT.
free_port() {
	PYTHONPATH="$script_dir/../tests/lib" "$PY" -c 'import fdnstest; print(fdnstest.free_port())'
}
count_lines() { grep -c "$1" "$2" 2>/dev/null || true; }

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

results="$work/results.md"
{
	echo "fleetdns following a simulated fleet ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs," \
		"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg)," \
		"fleetdns $(git -C "$script_dir" describe --always --dirty 2>/dev/null || echo unknown)$([ "$transfers" = 0 ] || echo ', transfers on: allow-transfer and NOTIFY'))"
	echo
	echo "| fleet | replicas | all served after | idle: fleetdns CPU / RSS | idle: sim CPU (loop lag) | churn/s asked (done) | fleetdns CPU | sim CPU (loop lag) | probe CPU | serial increases/s | engines down | event->answer median / p90 / p99 / max (ms) | timed / lost |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
} >"$results"

for fleet in "${fleet_list[@]}"; do
	m="${fleet%x*}"
	c="${fleet#*x}"
	n=$((m * c))
	w="$work/$fleet"
	mkdir -p "$w"
	log "fleet $fleet: $m engines x $c containers = $n replicas (work $w)"
	echo 0 >"$w/ctl"
	: >"$w/changes.log"
	"$PY" "$SIM" serve --dir "$w" --engines "$m" --containers "$c" --control "$w/ctl" \
		--log "$w/changes.log" --ready "$w/ready" --kinds "$kinds" --report 10 \
		2>"$w/sim.log" &
	sim_pid=$!
	pids+=("$sim_pid")
	for _ in $(seq 1 600); do
		[ -s "$w/ready" ] && break
		alive "$sim_pid" || { cat "$w/sim.log" >&2; exit 1; }
		sleep 0.1
	done
	[ -s "$w/ready" ] || { log "simulator not ready after 60 s"; exit 1; }

	port="$(free_port)"
	xfr_conf=""
	if [ "$transfers" = 1 ]; then
		# A secondary that only acknowledges: every serial costs fleetdns its transfer data,
		# its journal entry and a NOTIFY, and nothing is transferred.
		nport="$(free_port)"
		"$PY" -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
while True:
    m, a = s.recvfrom(4096)
    if len(m) >= 12:
        s.sendto(m[:2] + bytes([m[2] | 0x80, m[3] & 0xF0]) + m[4:], a)' "$nport" &
		pids+=("$!")
		xfr_conf="    allow-transfer: [127.0.0.0/8]
    notify: [\"127.0.0.1:$nport\"]"
	fi
	{
		echo "server:"
		echo "  listen: [\"127.0.0.1:$port\"]"
		echo "  workers: 1"
		echo "  log-level: info"
		echo "zones:"
		echo "  - name: $ZONE"
		[ -z "$xfr_conf" ] || printf '%s\n' "$xfr_conf"
		echo "engines:"
		for i in $(seq 0 $((m - 1))); do
			echo "  - name: e$i"
			echo "    url: unix://$w/e$i.sock"
			echo "    timeout: 3000"
		done
		echo "fleet:"
		echo "  zone: $ZONE"
	} >"$w/fleetdns.conf"
	t0="$(now)"
	"$fleetdns_bin" -c "$w/fleetdns.conf" >"$w/fleetdns.log" 2>&1 &
	fd_pid=$!
	pids+=("$fd_pid")

	log "waiting until all $n replicas are served (at most ${converge_s}s)"
	conv="$("$PY" "$SIM" wait --server "127.0.0.1:$port" --engines "$m" --containers "$c" \
		--timeout "$converge_s" --every 1 2>>"$w/wait.log" || true)"
	case "$conv" in
	timeout*) conv_text="not within ${converge_s}s (${conv#timeout } served)" ;;
	"") conv_text="?" ;;
	*) conv_text="$(elapsed "$t0") s" ;;
	esac
	log "fleet $fleet: all served: $conv_text"
	alive "$fd_pid" || { log "fleetdns exited"; tail -20 "$w/fleetdns.log" >&2; exit 1; }

	sleep 5
	log "idle for ${idle_s}s"
	a_fd="$(ticks "$fd_pid")"; a_sim="$(ticks "$sim_pid")"; ta="$(now)"
	down0="$(count_lines 'down (' "$w/fleetdns.log")"
	sleep "$idle_s"
	b_fd="$(ticks "$fd_pid")"; b_sim="$(ticks "$sim_pid")"
	dt="$(elapsed "$ta")"
	idle_fd="$(pct "$a_fd" "$b_fd" "$dt")"
	idle_sim="$(pct "$a_sim" "$b_sim" "$dt")"
	idle_rss="$(($(status_kb "$fd_pid" VmRSS) / 1024))"
	idle_down=$(($(count_lines 'down (' "$w/fleetdns.log") - down0))
	idle_lag="$(tail -n 6 "$w/sim.log" | sed -n 's/.*loop lag max \([0-9]*\) ms.*/\1/p' | sort -n | tail -1)"
	log "idle: fleetdns ${idle_fd}% CPU, ${idle_rss} MB RSS, sim ${idle_sim}% (loop lag max ${idle_lag:-?} ms), engines down during idle: $idle_down"

	first=1
	for rate in "${rate_list[@]}"; do
		log "churn $rate/s for ${phase_s}s"
		"$PY" "$SIM" probe --server "127.0.0.1:$port" --log "$w/changes.log" \
			--out "$w/probe-$rate.txt" --duration "$((phase_s + 3))" --drain 30 --timeout 60 \
			>"$w/probe-$rate.json" 2>"$w/probe-$rate.err" &
		probe_pid=$!
		pids+=("$probe_pid")
		sleep 1
		pubs0="$(count_lines 'published:' "$w/fleetdns.log")"
		simlines0="$(wc -l <"$w/sim.log")"
		down0="$(count_lines 'down (' "$w/fleetdns.log")"
		a_fd="$(ticks "$fd_pid")"; a_sim="$(ticks "$sim_pid")"; a_pr="$(ticks "$probe_pid")"; ta="$(now)"
		echo "$rate" >"$w/ctl"
		sleep "$phase_s"
		b_fd="$(ticks "$fd_pid")"; b_sim="$(ticks "$sim_pid")"; b_pr="$(ticks "$probe_pid")"
		dt="$(elapsed "$ta")"
		echo 0 >"$w/ctl"
		pubs=$(($(count_lines 'published:' "$w/fleetdns.log") - pubs0))
		lag="$(tail -n +"$((simlines0 + 1))" "$w/sim.log" | sed -n 's/.*loop lag max \([0-9]*\) ms.*/\1/p' | sort -n | tail -1)"
		down=$(($(count_lines 'down (' "$w/fleetdns.log") - down0))
		ch_fd="$(pct "$a_fd" "$b_fd" "$dt")"
		ch_sim="$(pct "$a_sim" "$b_sim" "$dt")"
		ch_pr="$(pct "$a_pr" "$b_pr" "$dt")"
		wait "$probe_pid" || true
		sum="$(cat "$w/probe-$rate.json")"
		lat="$(echo "$sum" | "$PY" -c 'import json,sys
try:
    d = json.loads(sys.stdin.read())
except ValueError:
    print("? | ?"); sys.exit()
if d.get("timed"):
    print("%s / %s / %s / %s | %d / %d" % (d["median_ms"], d["p90_ms"], d["p99_ms"], d["max_ms"], d["timed"], d["lost"]))
else:
    print("- | 0 / %d" % d.get("lost", 0))')"
		done_rate="$(echo "$sum" | "$PY" -c 'import json,sys
try:
    print("%.1f" % (json.loads(sys.stdin.read())["changes"] / float(sys.argv[1])))
except (ValueError, KeyError):
    print("?")' "$dt")"
		pubs_s="$(awk -v p="$pubs" -v t="$dt" 'BEGIN { printf "%.2f", p / t }')"
		log "churn $rate/s: fleetdns ${ch_fd}% CPU, sim ${ch_sim}%, probe ${ch_pr}%, $pubs_s serial increases/s, $done_rate changes/s done, engines down $down, sim loop lag max ${lag:-?} ms; latency $lat"
		if [ "$first" -eq 1 ]; then
			echo "| $fleet | $n | $conv_text | ${idle_fd}% / ${idle_rss} MB | ${idle_sim}% (lag ${idle_lag:-?} ms) | $rate ($done_rate) | ${ch_fd}% | ${ch_sim}% (lag ${lag:-?} ms) | ${ch_pr}% | $pubs_s | $down | $lat |" >>"$results"
			first=0
		else
			echo "| | | | | | $rate ($done_rate) | ${ch_fd}% | ${ch_sim}% (lag ${lag:-?} ms) | ${ch_pr}% | $pubs_s | $down | $lat |" >>"$results"
		fi
		sleep 5
	done
	hwm="$(($(status_kb "$fd_pid" VmHWM) / 1024))"
	log "fleet $fleet: fleetdns peak RSS ${hwm} MB; sim log tail:"
	tail -3 "$w/sim.log" >&2
	echo "<!-- $fleet: fleetdns peak RSS ${hwm} MB; changes: $kinds -->" >>"$results"
	stop_pid "$fd_pid"
	stop_pid "$sim_pid"
done

echo
cat "$results"
mkdir -p "$script_dir/results"
cp "$results" "$script_dir/results/fleet-latest.md"
