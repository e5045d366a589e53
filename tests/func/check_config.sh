# check_config.sh -- what --check-config finds beyond the configuration's own text (issue 11):
# engines' TLS files (missing, not PEM, cut short, cert and key swapped), the state file's
# folder, engines' unix sockets (a warning: the engine may start later), a socket path too
# long to connect to; every problem at its FILE:LINE:COLUMN, and the exit status. Also a
# mistyped key with its "did you mean", through the real binary.
# SPDX-License-Identifier: MIT
. "$TOP_SRCDIR/tests/lib/tap.sh"
. "$TOP_SRCDIR/tests/lib/server.sh"

C=$TEST_TMP/check.conf
D=$TEST_TMP
# PEM shapes only: --check-config reads the BEGIN and END lines, not the bodies.
printf -- '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUW2\n-----END CERTIFICATE-----\n' > "$D/ca.pem"
cp "$D/ca.pem" "$D/cert.pem"
printf -- '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIK\n-----END EC PRIVATE KEY-----\n' > "$D/key.pem"
printf '0\202\001\263' > "$D/cert.der" # what a DER certificate starts with
printf -- '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUW2\n' > "$D/cut.pem"
# A real unix socket, left behind by a process that bound it and exited.
/usr/bin/python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' \
    "$D/docker.sock" || bail "cannot make a unix socket in $D"

# engine_conf CA CERT KEY [FLEET-LINES]: one TLS engine (TLS files on line 7), one local one.
engine_conf() {
    cat > "$C" <<CONF
zones:
  - name: check.test
engines:
  - name: node1
    url: tcp://198.51.100.12:2376
    tls:
      ca: $1
      cert: $2
      key: $3
  - name: local
    url: unix://$D/docker.sock
${4:-}
CONF
}

# check WANT-RC WANT-STDOUT WANT-STDERR DESCRIPTION [ARGS...]: --check-config -c $C ARGS.
check() {
    local want_rc=$1 want_out=$2 want_err=$3 what=$4 out err rc
    shift 4
    out=$("$FLEETDNS" --check-config -c "$C" "$@" 2>"$TEST_TMP/stderr"); rc=$?
    err=$(cat "$TEST_TMP/stderr")
    is "$rc" "$want_rc" "$what: exit status $want_rc"
    is "$out" "$want_out" "$what: standard output"
    is "$err" "$want_err" "$what: standard error"
}
OK="fleetdns: configuration OK: 1 zones, 2 names"

engine_conf ca.pem cert.pem key.pem
check 0 "$OK" "" "TLS files, socket and all present"

engine_conf ca.pem missing.pem key.pem
check 1 "" "fleetdns: $C:8:13: engine node1: tls cert $D/missing.pem: No such file or directory" \
    "a missing TLS cert file"

engine_conf ca.pem cert.der key.pem
check 1 "" "fleetdns: $C:8:13: engine node1: tls cert $D/cert.der: not a PEM certificate (no '-----BEGIN CERTIFICATE-----' line)" \
    "a cert file that is not PEM (DER)"

engine_conf ca.pem key.pem cert.pem
check 1 "" "fleetdns: $C:8:13: engine node1: tls cert $D/key.pem: not a PEM certificate (no '-----BEGIN CERTIFICATE-----' line); it holds a private key: cert and key swapped?
fleetdns: $C:9:12: engine node1: tls key $D/cert.pem: not a PEM private key (no '-----BEGIN ... PRIVATE KEY-----' line); it holds a certificate: cert and key swapped?" \
    "cert and key swapped: both reported"

engine_conf cut.pem cert.pem key.pem
check 1 "" "fleetdns: $C:7:11: engine node1: tls ca $D/cut.pem: the CERTIFICATE at line 1 has no '-----END CERTIFICATE-----' line (is the file cut short?)" \
    "a CA file cut short"

engine_conf ca.pem cert.pem "$D"
check 1 "" "fleetdns: $C:9:12: engine node1: tls key $D: not a regular file" \
    "a folder as the TLS key"

engine_conf ca.pem cert.pem key.pem "fleet:
  state-file: $D/gone/state"
check 0 "$OK" "fleetdns: $C:13:15: warning: state-file $D/gone/state: folder $D/gone: No such file or directory (serials would not be kept across restarts)" \
    "a state-file in a missing folder: a warning (systemd's StateDirectory= makes it at start)"

engine_conf ca.pem cert.pem key.pem "fleet:
  state-file: $D"
check 1 "" "fleetdns: $C:13:15: state-file $D: not a regular file" \
    "a folder as the state-file"

engine_conf ca.pem cert.pem key.pem "fleet:
  state-file: state"
check 0 "$OK" "" "a state-file in an existing folder (relative to the config file)"

rm "$D/docker.sock"
engine_conf ca.pem cert.pem key.pem
check 0 "$OK" "fleetdns: $C:11:10: warning: engine local: $D/docker.sock: No such file or directory (fleetdns keeps trying to connect)" \
    "a missing engine socket is a warning"

engine_conf ca.pem cert.pem key.pem
check 0 "$OK" \
    "fleetdns: $C:11:10: warning: engine local: $D/docker.sock: No such file or directory (fleetdns keeps trying to connect)
fleetdns: --engine 'node3=unix://$D/ca.pem': warning: engine node3: $D/ca.pem is not a socket" \
    "an --engine socket that is a file: a warning named by the option" \
    --engine "node3=unix://$D/ca.pem"

long=/run/$(printf 'x%.0s' $(seq 1 120))/docker.sock
engine_conf ca.pem missing.pem key.pem
check 1 "" "fleetdns: $C:8:13: engine node1: tls cert $D/missing.pem: No such file or directory
fleetdns: $C:11:10: warning: engine local: $D/docker.sock: No such file or directory (fleetdns keeps trying to connect)
fleetdns: --engine 'far=unix://$long': engine far: socket path $long is longer than 107 bytes: it cannot be connected to" \
    "every problem is reported, errors and warnings, in order" \
    --engine "far=unix://$long"

printf 'zones:\n  - name: check.test\nfleet:\n  stat-file: x\n' > "$C"
check 1 "" "fleetdns: $C:4:3: unknown key 'stat-file' in 'fleet' (did you mean 'state-file'?)" \
    "a mistyped key: did you mean"

done_testing
