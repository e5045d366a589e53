# conf_secrets.sh -- TSIG secrets never reach fleetdns's output: not from --check-config, not
# at start-up with -v, not when a reload fails on a secret that is wrong or in the wrong place
# (docs/configuration.md, "keys"). Each message is still exact: file, line, column.
# SPDX-License-Identifier: MIT
. "$TOP_SRCDIR/tests/lib/tap.sh"
. "$TOP_SRCDIR/tests/lib/server.sh"

C=$TEST_TMP/secrets.conf
LOG=$TEST_TMP/fleetdns.log
PORT=$(free_port)
# 32 bytes each; the first in use at start, the second after the last reload.
S1=ZmxlZXRkbnMgY29uZl9zZWNyZXRzIHRlc3QgIzEh
S2=ZmxlZXRkbnMgY29uZl9zZWNyZXRzIHRlc3QgIzIh
S15=ZmxlZXRkbnMtdGVzdDE1

write_conf() { # KEYS-ENTRY [KEY-NAMED-BY-THE-ZONE]
    cat > "$C" <<CONF
server:
  listen: ["127.0.0.1:$PORT"]
keys:
  - $1
zones:
  - name: secrets.test
    allow-transfer: [{ address: 127.0.0.1, key: ${2:-xfr} }]
    notify: [{ address: "127.0.0.1:9", key: ${2:-xfr} }]
CONF
}
# no_secret TEXT DESCRIPTION: neither secret, nor its first 12 characters, is in TEXT.
no_secret() {
    local text=$1; shift
    case "$text" in
    *"${S1:0:12}"* | *"${S2:0:12}"* | *"${S15:0:12}"*) ok 1 "$*"; diag "$text" ;;
    *) ok 0 "$*" ;;
    esac
}

# --- --check-config -------------------------------------------------------------------------
write_conf "{ name: xfr, algorithm: hmac-sha256, secret: \"$S1\" }"
out=$("$FLEETDNS" --check-config -v -c "$C" 2>&1); rc=$?
is "$rc" 0 "--check-config -v on a good config with a key exits 0"
no_secret "$out" "... and prints no secret"

check_bad() { # KEYS-ENTRY KEY-NAMED WANT DESCRIPTION
    write_conf "$1" "$2"
    out=$("$FLEETDNS" --check-config -c "$C" 2>&1); rc=$?
    is "$rc" 1 "--check-config: $4: exits 1"
    is "$out" "fleetdns: $C:$3" "--check-config: $4: the message names the place"
    no_secret "$out" "--check-config: $4: no secret in it"
}
check_bad "{ name: xfr, algorithm: hmac-sha256, secret: \"$S1!\" }" xfr \
    "4:50: secret of key 'xfr' is not valid base64 (secrets are never shown)" \
    "a mistyped secret"
check_bad "{ name: xfr, algorithm: hmac-sha256, secret: \"$S15\" }" xfr \
    "4:50: secret of key 'xfr' is too short: 15 bytes (at least 16; 32, the size of the hmac-sha256 output, recommended)" \
    "a 15-byte secret"
check_bad "\"hmac-sha256:xfr:$S1\"" xfr \
    "4:5: 'keys' must be a list of mappings (got <hidden>)" \
    "a secret in keymgr's NAME:ALG:SECRET form"
check_bad "{ name: xfr, algorithm: hmac-sha256, $S1 }" xfr \
    "4:42: unknown key <hidden> in key" \
    "a secret without 'secret:'"
check_bad "{ name: xfr, algorithm: hmac-sha256, secret: \"$S1\" }" "$S2" \
    "7:49: unknown TSIG key <hidden> (not in 'keys')" \
    "a secret where a zone names its key"

# --- start-up and SIGHUP ----------------------------------------------------------------------
write_conf "{ name: xfr, algorithm: hmac-sha256, secret: \"$S1\" }"
start_fleetdns secrets.test -v -c "$C"
ok 0 "fleetdns -v starts with the key"

reload_fails() { # N: wait for the Nth "reload failed" line
    local i
    for i in $(seq 1 100); do
        [ "$(grep -c 'reload failed' "$LOG")" -ge "$1" ] && return 0
        sleep 0.1
    done
    return 1
}
write_conf "{ name: xfr, algorithm: hmac-sha256, secret: \"$S2!\" }"
kill -HUP "$FLEETDNS_PID"
reload_fails 1
like "$(grep 'reload failed' "$LOG" | sed -n 1p)" \
    "reload failed, still serving the previous data: $C:4:50: secret of key 'xfr' is not valid base64 \(secrets are never shown\)$" \
    "SIGHUP with a mistyped secret: the error is logged with its place"

write_conf "{ name: xfr, algorithm: hmac-sha256, secret: \"$S1\" }" "$S2"
kill -HUP "$FLEETDNS_PID"
reload_fails 2
like "$(grep 'reload failed' "$LOG" | sed -n 2p)" \
    "reload failed, still serving the previous data: $C:7:49: unknown TSIG key <hidden> \(not in 'keys'\)$" \
    "SIGHUP with a secret where a key name goes: logged, the secret hidden"

write_conf "{ name: xfr, algorithm: hmac-sha512, secret: \"$S2\" }"
kill -HUP "$FLEETDNS_PID"
for i in $(seq 1 100); do grep -q 'reloaded:' "$LOG" && break; sleep 0.1; done
like "$(cat "$LOG")" "reloaded: 1 zones" "SIGHUP with a new secret reloads"
stop_fleetdns
no_secret "$(cat "$LOG")" "nothing fleetdns -v logged, at start, on reloads or at the stop, holds a secret"

done_testing
