# secondaries.py -- fleetdns as the hidden primary of a dynamic fleet zone, with BIND 9, Knot
# and NSD as its secondaries (configured as docs/integration.md shows, TSIG key xfr): the
# initial transfer, then containers start and stop on a real Docker Engine and every
# secondary serves the new answer within seconds, through NOTIFY and IXFR (shown from
# fleetdns's log and BIND's and Knot's own logs). Prints "# latency ..." per secondary.
# When the last replica goes, every secondary answers NODATA for the service, as fleetdns.
# SPDX-License-Identifier: MIT
# Starts its own private Docker Engine (tests/lib/fleet.py: engine xs1, image fdt-busybox,
# everything removed at exit); needs root, dockerd and busybox-static like the fleet tests.
# Replicas keep the image's 1 s health check and are not waited for: latencies count from
# the docker command, health check included.
import os
import re
import sys
import time

TOP = os.environ.get("TOP_SRCDIR", ".")
sys.path.insert(0, os.path.join(TOP, "tests", "lib"))
sys.path.insert(0, os.path.join(TOP, "tests", "xfr"))
import fleet  # noqa: E402
import xfrlib as X  # noqa: E402
import peers  # noqa: E402
from xfrlib import ok, is_, diag  # noqa: E402

import dns.rcode  # noqa: E402
import dns.rdatatype  # noqa: E402

for prog in ("named", "knotd", "nsd", "dig"):
    X.need(prog)
# fleetdns and the peers stop before the engine goes (fleet.py tears engines down last).
fleet.at_cleanup(X._stop_all)
e = fleet.engine_start("xs1")
ENGINE = e.url

SERVICE = f"xfr{os.getpid()}"
ZONE = "fleet.test"
NAME = f"{SERVICE}.{ZONE}"


def run(n):
    """A replica of SERVICE on the test's engine; returns it (its .name, .id, .ip)."""
    # Three retries and 3 s: a check that times out once on a loaded machine (the ASan
    # build) must not withdraw a running replica here, which would add serials.
    return fleet.run_replica(e, SERVICE, "--health-retries", "3", "--health-timeout", "3s",
                             name=f"fdt-xfr-{os.getpid()}-{n}", wait=None)


P = X.free_port()
BIND_SRC = "127.0.0.10"
BIND = ("127.0.0.1", X.free_port())
KNOT = ("127.0.0.11", X.free_port())
NSD = ("127.0.0.12", X.free_port())
c1 = run(1)
srv = X.fleetdns(f"""server:
  listen: ["127.0.0.1:{P}"]
  workers: 2
keys:
  - {{ name: xfr, algorithm: hmac-sha256, secret: "{X.SECRET}" }}
engines:
  - {{ name: {e.name}, url: "{ENGINE}" }}
fleet:
  zone: {ZONE}
  ttl: 5
zones:
  - name: {ZONE}
    allow-transfer: [{{ address: 127.0.0.8/29, key: xfr }}, {{ address: 127.0.0.1, key: xfr }}]
    notify: ["{BIND[0]}:{BIND[1]}", "{KNOT[0]}:{KNOT[1]}", "{NSD[0]}:{NSD[1]}"]
""", wait_zone=ZONE, port=P)

a1 = c1.ip
got, t = X.wait_for(lambda: X.answer_set(P, NAME) == [a1], 15)
ok(got, f"fleetdns serves {NAME} A {a1} (container {c1.name})")

named = peers.bind_secondary(BIND_SRC, BIND[1], P, ZONE)
knot = peers.knot_secondary(*KNOT, P, ZONE)
nsd = peers.nsd_secondary(*NSD, P, ZONE)
secondaries = [("BIND", named, BIND), ("Knot", knot, KNOT), ("NSD", nsd, NSD)]


def serial_of(addr_port):
    return X.soa_serial(addr_port[1], ZONE, addr=addr_port[0])


for label, proc, (addr, port) in secondaries:
    got, t = X.wait_for(lambda: X.answer_set(port, NAME, addr=addr) == [a1], 20)
    ok(got, f"{label} (secondary at {addr}:{port}) made the initial transfer and answers {a1}",
       proc.text()[-1500:])
    is_(serial_of((addr, port)), X.soa_serial(P, ZONE), f"{label} has fleetdns's serial")
ok(X.log_has(srv, rf"AXFR of {ZONE}\. serial \d+ to {re.escape(KNOT[0])}#") or
   X.log_has(srv, rf"IXFR of {ZONE}\. \d+ -> \d+ to {re.escape(KNOT[0])}#\d+: full zone"),
   "the initial transfers were full zones")


def follow(desc, want, t0, before):
    """Wait for fleetdns and then every secondary to answer want; report latencies counted
    from t0, the moment the docker command that changes the container was issued. before
    is fleetdns's serial before the change: answers change at once, the serial within a
    second (docs/fleet.md), and secondaries follow the serial."""
    got, t_primary = X.wait_for(lambda: X.answer_set(P, NAME) == want, 15, step=0.02)
    ok(got, f"{desc}: fleetdns answers {want}")
    diag(f"latency fleetdns {desc}: {t_primary * 1000:.0f} ms")
    raised, _ = X.wait_for(lambda: X.soa_serial(P, ZONE) not in (None, before), 3, step=0.02)
    # One change may take two publications (a container's "die" withdraws it at once, its
    # inspect follows), a serial apart when the inspect is slow: the serial the secondaries
    # must reach is the one that stays put for longer than a serial interval (1 s).
    serial, last, since = X.soa_serial(P, ZONE), None, time.monotonic()
    while time.monotonic() - since < 1.5 and time.monotonic() - t0 < 15:
        now_serial = X.soa_serial(P, ZONE)
        if now_serial != last:
            last, since = now_serial, time.monotonic()
        time.sleep(0.05)
    serial = last if last is not None else serial
    ok(raised, f"{desc}: fleetdns's serial went up from {before} to {serial}")
    pending = {label: (addr, port) for label, _, (addr, port) in secondaries}
    done = {}
    while pending and time.monotonic() - t0 < 15:
        for label, (addr, port) in list(pending.items()):
            if X.answer_set(port, NAME, addr=addr) == want:
                done[label] = time.monotonic() - t0
                del pending[label]
        time.sleep(0.02)
    for label, _, (addr, port) in secondaries:
        lat = done.get(label)
        ok(lat is not None and lat < 5.0,
           f"{desc}: {label} answers {want} within 5 s of the change", f"latency {lat}")
        if lat is not None:
            diag(f"latency {label} {desc}: {lat * 1000:.0f} ms after the container change "
                 f"({(lat - t_primary) * 1000:.0f} ms after fleetdns)")
        X.wait_for(lambda: serial_of((addr, port)) == serial, 5, step=0.05)
        is_(serial_of((addr, port)), serial, f"{desc}: {label} has serial {serial}")
    return serial


s1 = X.soa_serial(P, ZONE)
t0 = time.monotonic()
c2 = run(2)
a2 = c2.ip
s2 = follow(f"container {c2.name} started", sorted([a1, a2]), t0, s1)
t0 = time.monotonic()
e.docker("kill", c1.id)
s3 = follow(f"container {c1.name} killed", [a2], t0, s2)

for label, (addr, _) in (("BIND", (BIND_SRC, 0)), ("Knot", KNOT)):
    ok(X.log_has(srv, rf"IXFR of {ZONE}\. {s2} -> \d+ to {re.escape(addr)}#\d+: incremental"),
       f"fleetdns sent {label} an incremental IXFR from {s2} (not a full zone)")
ok(X.wait_for(lambda: X.log_has(srv, rf"notify: {ZONE}\. serial {s3} to {re.escape(BIND[0])}:"
                                     rf"{BIND[1]} answered"), 5)[0],
   "BIND answered the NOTIFY for the new serial")
ok(re.search(rf"zone {ZONE}/IN: notify from 127\.0\.0\.1#\d+: serial {s3}", named.text()) and
   re.search(rf"transfer of '{ZONE}/IN' from 127\.0\.0\.1#{P}: Transfer completed:", named.text()),
   "BIND's log: NOTIFY received for the new serial, transfer completed")
ok(re.search(r"requesting IXFR", named.text()) and
   re.search(r"got incremental response", named.text()),
   "BIND's log: it requested IXFR and got an incremental response",
   "\n".join(line for line in named.text().splitlines() if "XFR" in line or "incremental" in line)[-2000:])
ok(re.search(rf"\[{ZONE}\.\] IXFR, incoming, remote 127\.0\.0\.1@{P}.*finished", knot.text()),
   "Knot's log: IXFR, incoming, finished", "\n".join(
       line for line in knot.text().splitlines() if "XFR" in line)[-1500:])
ok(re.search(rf"\[{ZONE}\.\] notify, incoming, remote 127\.0\.0\.1@\d+.*TSIG 'xfr\.'",
             knot.text()) or re.search(rf"\[{ZONE}\.\] notify, incoming", knot.text()),
   "Knot's log: NOTIFY received")
ok(re.search(r"(?i)notify", nsd.text()) or X.log_has(srv, rf"notify: {ZONE}\. serial {s3} to "
                                                          rf"{re.escape(NSD[0])}:{NSD[1]} answered"),
   "NSD answered fleetdns's NOTIFY")


# The last replica goes: the service stays known, NODATA on fleetdns (its only record is
# _replicas.SERVICE TXT "0 served", docs/fleet.md), and so on every secondary, not NXDOMAIN.
def shape(port, name, addr="127.0.0.1"):
    r = X.query(port, name, "A", addr=addr)
    if r is None:
        return None
    return (dns.rcode.to_text(r.rcode()), len(r.answer),
            [rrset.rdtype for rrset in r.authority] == [dns.rdatatype.SOA])


NODATA = ("NOERROR", 0, True)
e.docker("kill", c2.id)
got, _ = X.wait_for(lambda: shape(P, NAME) == NODATA, 15)
ok(got, f"{NAME} without a served replica: fleetdns answers NODATA with the SOA",
   shape(P, NAME))
s4 = X.soa_serial(P, ZONE)
for label, _, (addr, port) in secondaries:
    got, lat = X.wait_for(lambda: shape(port, NAME, addr=addr) == NODATA, 5)
    ok(got, f"{label} answers NODATA (not NXDOMAIN) for {NAME}, serial {s4}",
       f"{shape(port, NAME, addr=addr)} serial {serial_of((addr, port))}")
    r = X.answer_set(port, f"_replicas.{NAME}", "TXT", addr=addr)
    is_(r, ['"0 served"'], f"{label} has _replicas.{NAME} TXT \"0 served\"")
for label, proc, _ in secondaries:
    ok(proc.alive(), f"{label} is still running")
diag("\n".join(line for line in knot.text().splitlines() if "XFR" in line)[-3000:])
ok(srv.alive(), "fleetdns is still running")
X.fdnstest.done_testing()
