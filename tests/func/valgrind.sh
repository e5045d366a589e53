# valgrind.sh -- fleetdns under valgrind memcheck: queries over UDP and TCP, a reload and a
# stop must produce no invalid access, no use of uninitialised memory and no leak.
# SPDX-License-Identifier: MIT
. "$TOP_SRCDIR/tests/lib/tap.sh"
. "$TOP_SRCDIR/tests/lib/server.sh"
command -v valgrind >/dev/null || bail "valgrind not installed"
case "$(ldd "$FLEETDNS" 2>/dev/null)" in *libasan*) echo "1..0 # SKIP sanitizer build: valgrind cannot run it"; exit 0 ;; esac

Z=$TOP_SRCDIR/tests/func/zones
PORT=$(free_port)
VG=$TEST_TMP/valgrind.log
valgrind --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=3 \
    --log-file="$VG" "$FLEETDNS" --listen "127.0.0.1:$PORT" \
    --zone "example.test=$Z/example.test.zone" --zone "child.example.test=$Z/child.example.test.zone" \
    >"$TEST_TMP/fleetdns.log" 2>&1 &
VPID=$!
SERVER_PIDS="$VPID"
wait_dns "$PORT" example.test 127.0.0.1 || { sed 's/^/# /' "$VG"; bail "fleetdns under valgrind did not start"; }

n=0
for name in www.example.test nx.example.test alias.example.test a.wild.example.test \
            x.deleg.example.test www.child.example.test; do
    for t in A AAAA MX ANY TXT; do
        dig +time=5 +tries=1 @127.0.0.1 -p "$PORT" "$name" "$t" >/dev/null && n=$((n + 1))
        dig +time=5 +tries=1 +tcp @127.0.0.1 -p "$PORT" "$name" "$t" >/dev/null && n=$((n + 1))
    done
done
is "$n" 60 "60 queries over UDP and TCP answered under valgrind"
kill -HUP "$VPID"
for i in $(seq 1 100); do grep -q "reloaded" "$TEST_TMP/fleetdns.log" && break; sleep 0.1; done
like "$(cat "$TEST_TMP/fleetdns.log")" "reloaded: 2 zones" "a reload under valgrind"
is "$(dig +short +time=5 @127.0.0.1 -p "$PORT" www.example.test A)" "192.0.2.80" "answers after the reload"
kill -TERM "$VPID"
wait "$VPID"; rc=$?
SERVER_PIDS=""
is "$rc" 0 "stopped with exit 0 and no valgrind error (exit 3 would mean one)"
is "$(grep -c 'Invalid \|uninitialised' "$VG")" 0 "no invalid access and no uninitialised value"
like "$(grep 'definitely lost' "$VG" || echo 'definitely lost: 0 bytes')" "definitely lost: 0 bytes" "nothing leaked"
[ "$rc" = 0 ] || sed -n '/Invalid\|uninitialised\|definitely lost/,+12p' "$VG" | head -60 | sed 's/^/# /'
done_testing
