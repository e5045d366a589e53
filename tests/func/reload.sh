# reload.sh -- start-up errors, --check-config, SIGHUP reloads (good and broken) and SIGTERM.
# A broken zone or config names file, line and column; at reload the old data keeps serving.
# SPDX-License-Identifier: MIT
. "$TOP_SRCDIR/tests/lib/tap.sh"
. "$TOP_SRCDIR/tests/lib/server.sh"

Z=$TEST_TMP/reload.test.zone
write_zone() { # SERIAL ADDRESS
    cat > "$Z" <<ZONE
\$TTL 60
@    IN SOA ns hostmaster $1 3600 900 604800 60
@    IN NS  ns
ns   IN A   192.0.2.53
www  IN A   $2
ZONE
}
answer() { dig +short +time=2 +tries=1 @127.0.0.1 -p "$PORT" "$@" 2>&1; }

# --- start-up and --check-config ---------------------------------------------------------------
write_zone 1 192.0.2.1
out=$("$FLEETDNS" --check-config --zone "reload.test=$Z" 2>&1); rc=$?
is "$rc" 0 "--check-config on a good zone exits 0"
like "$out" "configuration OK: 1 zones" "--check-config says what it loaded"

printf 'bad  IN A   192.0.2.300\n' >> "$Z"
out=$("$FLEETDNS" --check-config --zone "reload.test=$Z" 2>&1); rc=$?
is "$rc" 1 "--check-config on a broken zone exits 1"
is "$out" "fleetdns: $Z:6:13: bad A rdata '192.0.2.300'" \
    "the message names file, line and column of the bad field"

out=$("$FLEETDNS" --listen 127.0.0.1:1 --zone "reload.test=$Z" 2>&1); rc=$?
is "$rc" 1 "starting with a broken zone exits 1 before binding anything"
like "$out" "$Z:6:13:" "and says where"

printf 'server:\n  listen: ["127.0.0.1:53"]\n  workerz: 2\n' > "$TEST_TMP/bad.conf"
out=$("$FLEETDNS" --check-config -c "$TEST_TMP/bad.conf" 2>&1); rc=$?
is "$rc" 1 "--check-config on a config with an unknown key exits 1"
like "$out" "bad.conf:3:3: " "the config error names file, line and column"

# An RRset no DNS message can carry (5,000 A records, 80 KB) is a zone error, named.
B="$TEST_TMP/big.zone"
{ printf '$ORIGIN big.test.\n$TTL 60\n@ SOA ns hostmaster 1 60 10 3600 5\n@ NS ns\nns A 192.0.2.1\n'
  for i in $(seq 0 4999); do printf 'many A 10.0.%d.%d\n' $((i / 250)) $((i % 250)); done; } > "$B"
out=$("$FLEETDNS" --check-config --zone "big.test=$B" 2>&1); rc=$?
is "$rc" 1 "--check-config on a zone with an 80 KB RRset exits 1"
is "$out" "fleetdns: $B: zone big.test.: the records of one name and type do not fit in a DNS message (64 KiB); split the RRset" \
    "the message names the file and the zone and says what to do"

# --- SIGHUP ----------------------------------------------------------------------------------------
write_zone 1 192.0.2.1
start_fleetdns reload.test --zone "reload.test=$Z"
is "$(answer www.reload.test A)" "192.0.2.1" "serving the zone"

write_zone 2 192.0.2.2
kill -HUP "$FLEETDNS_PID"
for i in $(seq 1 50); do [ "$(answer www.reload.test A)" = 192.0.2.2 ] && break; sleep 0.1; done
is "$(answer www.reload.test A)" "192.0.2.2" "SIGHUP loads the changed zone"
is "$(answer reload.test SOA | awk '{print $3}')" "2" "with its new serial"

write_zone 3 192.0.2.3
printf 'www2 IN CNAME www\nwww2 IN A 192.0.2.9\n' >> "$Z"
kill -HUP "$FLEETDNS_PID"
for i in $(seq 1 50); do grep -q "reload failed" "$TEST_TMP/fleetdns.log" && break; sleep 0.1; done
like "$(cat "$TEST_TMP/fleetdns.log")" "reload failed, still serving the previous data: $Z:6:1: www2.reload.test.: CNAME next to other data" \
    "a broken zone at reload is logged with file and line"
is "$(answer www.reload.test A)" "192.0.2.2" "and the previous data keeps serving"
is "$(answer reload.test SOA | awk '{print $3}')" "2" "nothing half-loaded: the old serial too"

# Queries keep being answered while a reload runs.
write_zone 4 192.0.2.4
lost=0
kill -HUP "$FLEETDNS_PID"
for i in $(seq 1 30); do
    r=$(answer www.reload.test A)
    case "$r" in 192.0.2.2|192.0.2.4) ;; *) lost=$((lost + 1)) ;; esac
done
is "$lost" 0 "no query lost or wrong during a reload"
for i in $(seq 1 50); do [ "$(answer www.reload.test A)" = 192.0.2.4 ] && break; sleep 0.1; done
is "$(answer www.reload.test A)" "192.0.2.4" "a good zone after a bad one loads again"

# --- SIGTERM ---------------------------------------------------------------------------------------
stop_fleetdns; rc=$?
is "$rc" 0 "SIGTERM stops fleetdns cleanly (exit 0)"
like "$(tail -n 1 "$TEST_TMP/fleetdns.log")" "info: stopped" "and it says so"
done_testing
