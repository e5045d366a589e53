# resolvers.py -- fleetdns behind the resolvers users run, configured as docs/integration.md
# shows: Unbound with a stub-zone (service answers; positive and negative answers cached no
# longer than their TTLs) and a forward-zone, dnsmasq with server=/zone/addr#port, and a
# delegation chain: a parent zone on Knot delegates fleet.test to fleetdns with NS and glue,
# and Unbound resolves through the referral.
# SPDX-License-Identifier: MIT
# Runs in a network namespace of its own (unshare -n): a delegation cannot name a port, so
# the delegated servers listen on port 53 there, invisible to the rest of the machine.
# Starts its own private Docker Engine inside that namespace (tests/lib/fleet.py: engine
# xr1, image fdt-busybox, everything removed at exit); needs root, dockerd and
# busybox-static like the fleet tests. Replicas keep the image's 1 s health check and
# are not waited for: latencies count from the docker command, health check included.
import os
import subprocess
import sys
import time

if os.environ.get("FDT_XFR_NETNS") != "1":
    unshare = "/usr/bin/unshare"
    if not os.access(unshare, os.X_OK):
        print("Bail out! unshare (util-linux) is needed")
        sys.exit(1)
    env = dict(os.environ, FDT_XFR_NETNS="1")
    r = subprocess.run([unshare, "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh",
                        sys.executable, *sys.argv], env=env)
    sys.exit(r.returncode)

TOP = os.environ.get("TOP_SRCDIR", ".")
sys.path.insert(0, os.path.join(TOP, "tests", "lib"))
sys.path.insert(0, os.path.join(TOP, "tests", "xfr"))
import fleet  # noqa: E402
import xfrlib as X  # noqa: E402
import peers  # noqa: E402
from xfrlib import ok, is_, diag  # noqa: E402

import dns.message  # noqa: E402
import dns.query  # noqa: E402
import dns.rcode  # noqa: E402
import dns.rdatatype  # noqa: E402

for prog in ("unbound", "dnsmasq", "knotd"):
    X.need(prog)
# fleetdns and the peers stop before the engine goes (fleet.py tears engines down last).
fleet.at_cleanup(X._stop_all)
e = fleet.engine_start("xr1")
ENGINE = e.url
SERVICE = f"xfrr{os.getpid()}"
NEG = f"xfrn{os.getpid()}"


def run(service, n):
    """A replica of service on the test's engine; returns its IPv4 address."""
    return fleet.run_replica(e, service, wait=None,
                             name=f"fdt-xfrr-{os.getpid()}-{n}").ip


FLEETDNS_IP, P = "127.0.0.21", 53      # the delegated server, as the parent's glue says
PARENT_IP = "127.0.0.20"               # Knot with the parent zone test.
UB_STUB = ("127.0.0.30", 5301)         # Unbound: stub-zone and forward-zone to fleetdns
UB_CHAIN = ("127.0.0.31", 5302)        # Unbound: stub for test. only; follows the referral
DNSMASQ = ("127.0.0.32", 5303)
TTL = 2
fleet_zone = X.write(os.path.join(X.TMP, "fleet.test.zone"), f"""$TTL 60
@   IN SOA ns hostmaster 1 60 10 3600 3
@   IN NS  ns
ns  IN A   {FLEETDNS_IP}
""")
a1 = run(SERVICE, 1)
srv = X.fleetdns(f"""server:
  listen: ["{FLEETDNS_IP}:{P}", "127.0.0.1:{P}"]
  workers: 1
engines:
  - {{ name: {e.name}, url: "{ENGINE}" }}
fleet:
  zone: fleet.test
  ttl: {TTL}
zones:
  - {{ name: fleet.test, file: "{fleet_zone}" }}
  - {{ name: example.test, file: "{os.path.join(X.ZONES, 'example.test.zone')}" }}
""", wait_zone="fleet.test", port=P)
got, _ = X.wait_for(lambda: X.answer_set(P, f"{SERVICE}.fleet.test") == [a1], 15)
ok(got, f"fleetdns serves {SERVICE}.fleet.test A {a1}")

parent = X.write(os.path.join(X.TMP, "test.zone"), f"""$TTL 300
test.            IN SOA ns.test. hostmaster.test. 1 3600 600 86400 300
test.            IN NS  ns.test.
ns.test.         IN A   {PARENT_IP}
; the delegation of the fleet zone to fleetdns: NS and glue (docs/integration.md)
fleet.test.      IN NS  ns.fleet.test.
ns.fleet.test.   IN A   {FLEETDNS_IP}
""")
knot = peers.knot_primary(PARENT_IP, 53, "test", parent)
ub_stub = peers.unbound(*UB_STUB, f"""
stub-zone:
    name: "fleet.test"
    stub-addr: 127.0.0.1@{P}
forward-zone:
    name: "example.test"
    forward-addr: 127.0.0.1@{P}
""", name="unbound-stub")
ub_chain = peers.unbound(*UB_CHAIN, f"""
stub-zone:
    name: "test"
    stub-addr: {PARENT_IP}@53
""", name="unbound-chain")
dnsmasq = X.Proc("dnsmasq", [X.need("dnsmasq"), "--no-daemon", "--conf-file=/dev/null",
                             f"--listen-address={DNSMASQ[0]}", f"--port={DNSMASQ[1]}",
                             "--bind-interfaces", "--no-resolv", "--no-hosts",
                             f"--server=/fleet.test/127.0.0.1#{P}",
                             f"--pid-file={X.TMP}/dnsmasq.pid", "--cache-size=100"])


def ask(server, name, rdtype="A", rd=True):
    q = dns.message.make_query(name, rdtype)
    if not rd:
        q.flags = 0
    try:
        return dns.query.udp(q, server[0], port=server[1], timeout=3)
    except Exception:
        return None


def addrs(r):
    return sorted(rd.address for rrset in (r.answer if r else []) if rrset.rdtype == 1
                  for rd in rrset)


# --- stub-zone, forward-zone, dnsmasq ------------------------------------------------------
name = f"{SERVICE}.fleet.test"
got, _ = X.wait_for(lambda: addrs(ask(UB_STUB, name)) == [a1], 10)
ok(got, f"Unbound stub-zone: {name} A {a1}", ub_stub.text()[-800:])
r = ask(UB_STUB, "www.example.test")
is_(addrs(r), ["192.0.2.80"], "Unbound forward-zone: www.example.test A 192.0.2.80")
got, _ = X.wait_for(lambda: addrs(ask(DNSMASQ, name)) == [a1], 10)
ok(got, f"dnsmasq server=/fleet.test/127.0.0.1#{P}: {name} A {a1}", dnsmasq.text()[-800:])

# --- caching no longer than the TTLs -------------------------------------------------------
r = ask(UB_STUB, name)
ok(r and r.answer and r.answer[0].ttl <= TTL, f"Unbound's cached answer has TTL <= {TTL}",
   r and r.answer)
t0 = time.monotonic()
a2 = run(SERVICE, 2)
got, lat = X.wait_for(lambda: addrs(ask(UB_STUB, name)) == sorted([a1, a2]), 15, step=0.05)
ok(got and lat < TTL + 2.5, f"a second replica appears through Unbound within TTL ({TTL} s) "
   "+ publication (1 s) + slack", f"{lat:.2f} s")
diag(f"latency unbound-stub replica added: {lat * 1000:.0f} ms (TTL {TTL} s)")
neg = f"{NEG}.fleet.test"
r = ask(UB_STUB, neg)
soa_ttls = [rrset.ttl for rrset in (r.authority if r else []) if rrset.rdtype == 6]
is_((dns.rcode.to_text(r.rcode()) if r else None, len(soa_ttls) == 1 and soa_ttls[0] <= 3),
    ("NXDOMAIN", True), f"{neg}: NXDOMAIN through Unbound, SOA TTL <= 3 (min(SOA TTL, MINIMUM))")
t0 = time.monotonic()
a3 = run(NEG, 3)
got, lat = X.wait_for(lambda: addrs(ask(UB_STUB, neg)) == [a3], 15, step=0.05)
ok(got and lat < 3 + 2.5, "the name appears through Unbound once the negative TTL (3 s) is over",
   f"{lat:.2f} s")
diag(f"latency unbound-stub NXDOMAIN -> answer: {lat * 1000:.0f} ms (negative TTL 3 s)")

# --- delegation chain ----------------------------------------------------------------------
r = ask((PARENT_IP, 53), name, rd=False)
ok(r and r.rcode() == 0 and not r.answer and
   [x.to_text() for x in r.authority] == ["fleet.test. 300 IN NS ns.fleet.test."] and
   [x.to_text() for x in r.additional] == [f"ns.fleet.test. 300 IN A {FLEETDNS_IP}"],
   "Knot (parent test.) refers fleet.test to fleetdns: NS and glue", r)
got, _ = X.wait_for(lambda: addrs(ask(UB_CHAIN, name)) == sorted([a1, a2]), 10)
ok(got, f"Unbound follows the referral from the parent to fleetdns: {name}",
   ub_chain.text()[-800:])
r = ask(UB_CHAIN, f"nothing.{SERVICE}.fleet.test")
is_(dns.rcode.to_text(r.rcode()) if r else None, "NXDOMAIN",
    "a name that does not exist: NXDOMAIN through the chain")
for label, p in (("Unbound (stub)", ub_stub), ("Unbound (chain)", ub_chain), ("dnsmasq", dnsmasq),
                 ("Knot", knot), ("fleetdns", srv)):
    ok(p.alive(), f"{label} is still running")
X.fdnstest.done_testing()
