# server.sh -- start and stop fleetdns (and peers) for functional tests.
# SPDX-License-Identifier: MIT
# Needs FLEETDNS (the binary) in the environment; `make check` sets it.

: "${FLEETDNS:?FLEETDNS must point at the fleetdns binary}"
TEST_TMP=$(mktemp -d /tmp/fdnstest.XXXXXX)
SERVER_PIDS=""

cleanup_servers() {
    for pid in $SERVER_PIDS; do
        kill "$pid" 2>/dev/null
    done
    for pid in $SERVER_PIDS; do
        wait "$pid" 2>/dev/null
    done
    rm -rf "$TEST_TMP"
}
trap cleanup_servers EXIT

# free_port: a port free for both UDP and TCP on 127.0.0.1 and ::1 (fdnstest.py decides).
free_port() {
    PYTHONPATH="$TOP_SRCDIR/tests/lib" /usr/bin/python3 -c 'import fdnstest; print(fdnstest.free_port())'
}

# wait_dns PORT ZONE [ADDR]: until the server answers the zone's SOA (max 20 s).
wait_dns() {
    local port=$1 zone=$2 addr=${3:-127.0.0.1} i
    for i in $(seq 1 200); do
        # An SOA record, not an error text ("connection refused" before the bind).
        if dig +short +time=1 +tries=1 @"$addr" -p "$port" "$zone" SOA 2>/dev/null |
            grep -qE '^[^;[:space:]]+ [^ ]+ [0-9]+ '; then
            return 0
        fi
        sleep 0.1
    done
    return 1
}

# start_fleetdns ZONE_TO_WAIT_FOR ARGS...: starts fleetdns on a fresh port (PORT is set,
# --listen 127.0.0.1:PORT is added unless ARGS has --listen or -c), logs to $TEST_TMP/fleetdns.log.
start_fleetdns() {
    local zone=$1; shift
    PORT=${PORT:-$(free_port)}
    local listen=(--listen "127.0.0.1:$PORT")
    case " $* " in *" --listen "*|*" -c "*) listen=() ;; esac
    "$FLEETDNS" "${listen[@]}" "$@" >>"$TEST_TMP/fleetdns.log" 2>&1 &
    FLEETDNS_PID=$!
    SERVER_PIDS="$SERVER_PIDS $FLEETDNS_PID"
    if ! wait_dns "$PORT" "$zone"; then
        cat "$TEST_TMP/fleetdns.log" | sed 's/^/# /'
        bail "fleetdns did not start"
    fi
}

# stop_fleetdns: SIGTERM and wait; returns the exit status.
stop_fleetdns() {
    kill -TERM "$FLEETDNS_PID" 2>/dev/null
    wait "$FLEETDNS_PID"
}
