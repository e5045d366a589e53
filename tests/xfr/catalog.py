# catalog.py -- fleetdns publishes a catalog zone (RFC 9432, issue 14), and BIND 9.18 and Knot
# 3.2, configured as catalog consumers as docs/integration.md shows (the catalog zone alone,
# TSIG key xfr), learn every zone fleetdns serves from it and transfer them. fleetdns then
# reloads (SIGHUP) with a new reverse zone and without b.test: both consumers pick up the
# reverse zone and drop b.test within a bound, through NOTIFY and a transfer of the
# catalog, with no change to their own configuration. Also: the catalog's records exactly
# (fleetdns's AXFR, the member labels recomputed here from RFC 9432 4.1's rules and
# docs/configuration.md's ID scheme), and its serial rules over the reloads. About 6 s.
# SPDX-License-Identifier: MIT
# Both consumers are required: a missing named or knotd fails the test (Bail out!).
import hashlib
import os
import re
import signal
import subprocess
import sys
import time

TOP = os.environ.get("TOP_SRCDIR", ".")
sys.path.insert(0, os.path.join(TOP, "tests", "xfr"))
import xfrlib as X  # noqa: E402
from xfrlib import ok, is_, diag  # noqa: E402

import dns.flags  # noqa: E402
import dns.rcode  # noqa: E402

for prog in ("named", "knotd", "knotc", "dig"):
    X.need(prog)

P = X.free_port()
BIND = ("127.0.0.1", X.free_port())  # BIND answers on 127.0.0.1 (peers.py says why)
BIND_SRC = "127.0.0.12"
KNOT = ("127.0.0.13", X.free_port())
CAT = "cat.test"
BOUND = 20.0  # seconds a consumer has to follow a change of the catalog

A_ZONE = X.write(os.path.join(X.TMP, "a.test.zone"), """$TTL 60
@    SOA ns hostmaster 7 60 10 3600 5
@    NS  ns
ns   A   127.0.0.1
www  A   192.0.2.80
""")
REV_ZONE = X.write(os.path.join(X.TMP, "10.in-addr.arpa.zone"), """$TTL 60
@      SOA ns.a.test. hostmaster.a.test. 3 60 10 3600 5
@      NS  ns.a.test.
1.0.0  PTR www.a.test.
""")
XFR = (f'    allow-transfer: [{{ address: 127.0.0.0/8, key: xfr }}]\n'
       f'    notify: ["{BIND[0]}:{BIND[1]}", "{KNOT[0]}:{KNOT[1]}"]\n')


def conf(zones):
    """fleetdns's configuration: the catalog zone, then zones (NAME or NAME=FILE), every one
    transferable by the consumers and notifying them."""
    def entry(z):
        name, _, file = z.partition("=")
        return f"  - name: {name}\n" + (f"    file: {file}\n" if file else "") + XFR
    return (f'server:\n  listen: ["127.0.0.1:{P}"]\n  workers: 2\n'
            f'keys:\n  - {{ name: xfr, algorithm: hmac-sha256, secret: "{X.SECRET}" }}\n'
            f'zones:\n  - name: {CAT}\n    catalog: true\n{XFR}' +
            "".join(entry(z) for z in zones))


srv = X.fleetdns(conf([f"a.test={A_ZONE}", "b.test"]), wait_zone=CAT, port=P)


def bind_consumer():
    """BIND 9.18 with the catalog zone as its only zone (docs/integration.md)."""
    d = os.path.join(X.TMP, "named")
    os.makedirs(d, exist_ok=True)
    path = X.write(os.path.join(d, "named.conf"), f"""
options {{
    directory "{d}";
    pid-file "{d}/named.pid";
    session-keyfile "{d}/session.key";
    managed-keys-directory "{d}";
    listen-on port {BIND[1]} {{ 127.0.0.1; }};
    listen-on-v6 {{ none; }};
    recursion no;
    dnssec-validation no;
    notify no;
    transfer-source {BIND_SRC};
    query-source address {BIND_SRC};
    allow-new-zones yes;
    catalog-zones {{
        zone "{CAT}" default-primaries {{ 127.0.0.1 port {P} key xfr; }}
            in-memory yes min-update-interval 1;
    }};
}};
controls {{ }};
key "xfr" {{ algorithm hmac-sha256; secret "{X.SECRET}"; }};
logging {{
    channel out {{ stderr; severity info; print-time yes; }};
    category default {{ out; }};
    category xfer-in {{ out; }};
    category notify {{ out; }};
}};
zone "{CAT}" {{
    type secondary;
    primaries port {P} {{ 127.0.0.1 key xfr; }};
    file "{CAT}.db";
}};
""")
    return X.Proc("named", [X.need("named"), "-g", "-n", "1", "-c", path]), path


def knot_consumer():
    """Knot 3.2 with the catalog zone as its only zone (docs/integration.md)."""
    d = os.path.join(X.TMP, "knotd")
    os.makedirs(os.path.join(d, "db"), exist_ok=True)
    path = X.write(os.path.join(d, "knot.conf"), f"""
server:
    listen: {KNOT[0]}@{KNOT[1]}
    rundir: {d}
log:
  - target: stderr
    any: info
database:
    storage: {d}/db
key:
  - id: xfr
    algorithm: hmac-sha256
    secret: {X.SECRET}
remote:
  - id: fleetdns
    address: 127.0.0.1@{P}
    via: {KNOT[0]}
    key: xfr
acl:
  - id: notify_from_fleetdns
    address: 127.0.0.1
    key: xfr
    action: notify
template:
  - id: default
    storage: {d}
  - id: member
    storage: {d}
    master: fleetdns
    acl: notify_from_fleetdns
    zonefile-sync: -1
    journal-content: all
zone:
  - domain: {CAT}
    master: fleetdns
    acl: notify_from_fleetdns
    catalog-role: interpret
    catalog-template: member
    zonefile-sync: -1
    journal-content: all
""")
    return X.Proc("knotd", [X.need("knotd"), "-c", path]), path


def knot_catalog_serial():
    """The serial of Knot's copy of the catalog, from knotc zone-status: Knot 3.2 does not
    answer queries for a catalog zone it interprets (REFUSED)."""
    sock = os.path.join(X.TMP, "knotd", "knot.sock")
    out = subprocess.run([X.need("knotc"), "-s", sock, "zone-status", CAT],
                         capture_output=True, text=True, timeout=10).stdout
    m = re.search(r"\| serial: (\d+) ", out)
    return int(m.group(1)) if m else None


def catalog_serial(label, addr, port):
    if label == "Knot":
        return knot_catalog_serial()
    got = soa(port, CAT, addr)
    return got[2] if got and got[:2] == ("NOERROR", True) else None


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def soa(port, zone, addr="127.0.0.1"):
    """(rcode text, aa, serial or None), or None without a response."""
    r = X.query(port, zone, "SOA", addr=addr)
    if r is None:
        return None
    serial = next((rs[0].serial for rs in r.answer if rs.rdtype == 6), None)
    return (dns.rcode.to_text(r.rcode()), bool(r.flags & dns.flags.AA), serial)


def member_id(zone):
    """RFC 9432 4.1's unique label as docs/configuration.md defines fleetdns's: BLAKE2b-128
    of the member's name in lower-case wire format, in hex."""
    wire = b"".join(bytes([len(label)]) + label.lower().encode()
                    for label in zone.rstrip(".").split(".")) + b"\0"
    return hashlib.blake2b(wire, digest_size=16).hexdigest()


def catalog_axfr():
    """fleetdns's catalog by AXFR (TSIG xfr), records whitespace-normalised, sorted, the
    closing SOA left out."""
    out = X.dig("@127.0.0.1", "-p", str(P), "-y", f"hmac-sha256:xfr:{X.SECRET}", CAT, "AXFR")
    recs = X.xfr_records(out)
    return sorted(recs[:-1]) if len(recs) > 1 else recs


def catalog_want(serial, members):
    return sorted([f"{CAT}. 5 IN SOA invalid. invalid. {serial} 60 10 3600 5",
                   f"{CAT}. 0 IN NS invalid.",
                   f'version.{CAT}. 0 IN TXT "2"'] +
                  [f"{member_id(m)}.zones.{CAT}. 0 IN PTR {m}." for m in members])


# --- the catalog as fleetdns publishes it ----------------------------------------------------
s0 = X.soa_serial(P, CAT)
is_(catalog_axfr(), catalog_want(s0, ["a.test", "b.test"]),
    "fleetdns's catalog: SOA invalid. invalid., NS invalid. (RFC 9432 4), version TXT \"2\" "
    "(RFC 9432 4.2.1), one PTR per member at <BLAKE2b-128 of its name>.zones (RFC 9432 4.1)")
a_serial, b_serial = X.soa_serial(P, "a.test"), X.soa_serial(P, "b.test")
ok(a_serial == 7 and b_serial is not None, "fleetdns serves a.test (serial 7) and b.test "
   f"(serial {b_serial})")

def follow(want, t0):
    """Poll both consumers until each answers the SOA of every zone of want as want says
    (zone -> (rcode, aa, serial)), for BOUND seconds; {label: seconds after t0} of those that
    did."""
    done = {}
    while len(done) < len(consumers) and time.monotonic() - t0 < BOUND:
        for label, _, (addr, port) in consumers:
            if label not in done and all(soa(port, z, addr) == w for z, w in want.items()):
                done[label] = time.monotonic() - t0
        time.sleep(0.1)
    return done


t_start = time.monotonic()
named, named_conf = bind_consumer()
knot, knot_conf = knot_consumer()
consumers = [("BIND", named, BIND), ("Knot", knot, KNOT)]
conf_digests = {named_conf: digest(named_conf), knot_conf: digest(knot_conf)}

# --- both consumers learn a.test and b.test from the catalog ---------------------------------
want = {"a.test": ("NOERROR", True, a_serial), "b.test": ("NOERROR", True, b_serial)}
done = follow(want, t_start)
for label, proc, (addr, port) in consumers:
    ok(label in done, f"{label}: learned a.test and b.test from the catalog (RFC 9432 4.1, 5.1) "
       f"and answers their SOA authoritatively with fleetdns's serials",
       f"{ {z: soa(port, z, addr) for z in want} }\n{proc.text()[-1500:]}")
    if label in done:
        diag(f"{label} serves the catalog's members {done[label]:.1f} s after its start")
    is_(catalog_serial(label, addr, port), s0, f"{label} holds the catalog at fleetdns's serial")
    is_(X.answer_set(port, "www.a.test", addr=addr), ["192.0.2.80"],
        f"{label}: answers www.a.test from its copy of a.test")

# --- fleetdns reloads: 10.in-addr.arpa added, b.test removed ----------------------------------
X.write(srv.conf, conf([f"a.test={A_ZONE}", f"10.in-addr.arpa={REV_ZONE}"]))
t_reload = time.monotonic()
srv.proc.send_signal(signal.SIGHUP)
got, _ = X.wait_for(lambda: (X.soa_serial(P, CAT) or s0) != s0, 10, step=0.05)
s1 = X.soa_serial(P, CAT)
ok(got and (s1 - s0) % 2**32 < 2**31, f"fleetdns's catalog serial went up with its members "
   f"(RFC 9432 4, RFC 1982): {s0} -> {s1}")
is_(catalog_axfr(), catalog_want(s1, ["a.test", "10.in-addr.arpa"]),
    "fleetdns's catalog after the reload: 10.in-addr.arpa in, b.test out, a.test's label "
    "unchanged (RFC 9432 4.1, 5.4)")
is_(soa(P, "b.test"), ("REFUSED", False, None), "fleetdns no longer serves b.test")

want = {"10.in-addr.arpa": ("NOERROR", True, 3), "b.test": ("REFUSED", False, None),
        "a.test": ("NOERROR", True, a_serial)}
done = follow(want, t_reload)
for label, proc, (addr, port) in consumers:
    ok(label in done, f"{label}: after fleetdns's reload, picked up 10.in-addr.arpa (RFC 9432 "
       f"4.1) and dropped b.test, now REFUSED (RFC 9432 5.3), within {BOUND:.0f} s; a.test "
       "kept", f"{ {z: soa(port, z, addr) for z in want} }\n{proc.text()[-1500:]}")
    if label in done:
        diag(f"{label} follows the reload {done[label]:.1f} s after the SIGHUP")
    is_(catalog_serial(label, addr, port), s1, f"{label} holds the new catalog serial {s1}")
    is_(X.answer_set(port, "1.0.0.10.in-addr.arpa", "PTR", addr=addr), ["www.a.test."],
        f"{label}: answers 1.0.0.10.in-addr.arpa PTR from its copy of the new reverse zone")
    ok(proc.alive(), f"{label} is still running", proc.text()[-1500:])

# --- a reload that changes nothing keeps the catalog's serial --------------------------------
srv.proc.send_signal(signal.SIGHUP)
got, _ = X.wait_for(lambda: X.log_has(srv, r"reload: nothing served changed"), 10, step=0.05)
ok(got, "a second SIGHUP with the same configuration: fleetdns says nothing served changed")
is_(X.soa_serial(P, CAT), s1, "... and the catalog keeps its serial (RFC 9432 4: it moves "
    "only when the catalog's content does)")

is_({p: digest(p) for p in conf_digests}, conf_digests,
    "neither consumer's configuration was changed (nor was either told to reload)")
X.fdnstest.done_testing()
