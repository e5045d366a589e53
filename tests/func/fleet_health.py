# fleet_health.py -- docs/fleet.md health rules on one real engine: a replica whose health
# check fails is withdrawn and comes back when it recovers; all unhealthy = NODATA with the
# SOA (never NXDOMAIN); unknown names = NXDOMAIN with the SOA; fleet.unhealthy: all and
# fleet.serve-starting; the SOA serial increases with every change and never goes back,
# also across a restart (fleet.state-file). Prints '# latency SCENARIO MS'.
# SPDX-License-Identifier: MIT
import os
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", "."), "tests", "lib"))
import fleet  # noqa: E402
from fleet import ok, is_, diag, now, addrs_are, nodata, nxdomain, ev_container  # noqa: E402

fleet.require_fleet_server()
e, = fleet.engines_start("hl1")
Z = fleet.ZONE
API = f"api.{Z}"

a1, a2 = (fleet.run_replica(e, "api", name=f"api-{i}") for i in (1, 2))
both = {a1.ip, a2.ip}
srv = fleet.start_fleetdns([e])
P = srv.port
good, _, a = fleet.poll(P, API, addrs_are(both), 5)
ok(good, f"initial: {API} A = both healthy replicas", a.summary() if a else None)
watch = fleet.SerialWatch(P)


def health_change(scenario, replicas, make, status, expected, pred=None):
    s0 = fleet.soa_serial(P)
    t0 = now()
    for r in replicas:
        make(r)
    t1 = now()
    last = fleet.expect_change(P, API, pred or addrs_are(expected), scenario, 3.5, t1,
                               events=[(e, ev_container(f"health_status: {status}", r.id))
                                       for r in replicas], ev_since=t0)
    s1 = fleet.serial_raised(P, s0)
    ok(s0 is not None and s1 is not None and s1 > s0, f"{scenario}: SOA serial increased",
       f"{s0} -> {s1}")
    return last


# One replica fails its health check, then recovers.
health_change("health_failing", [a2], fleet.make_unhealthy, "unhealthy", {a1.ip})
a = fleet.query(P, f"{a1.dns_name}.{API}")
ok(a is not None and a.order == [a1.ip], f"{a1.dns_name}.{API} still answers",
   a.summary() if a else None)
health_change("health_recovering", [a2], fleet.make_healthy, "healthy", both)

# All unhealthy: NODATA with the SOA in the authority section, for A and AAAA.
last = health_change("all_unhealthy_nodata", [a1, a2], fleet.make_unhealthy, "unhealthy",
                     None, pred=nodata)
if last is not None and last.has_soa:
    diag(f"NODATA authority: {last.authority}")
    ok(all(ttl <= 60 for _, ttl, _, _ in last.authority),
       "negative answer: SOA TTL is short (<= 60 s)", last.authority)
    ok(last.aa, "NODATA is authoritative (AA)")
a = fleet.query(P, API, "AAAA")
ok(a is not None and nodata(a), f"{API} AAAA while all unhealthy: NODATA with SOA",
   a.summary() if a else None)
a = fleet.query(P, API, "A", tcp=True)
ok(a is not None and nodata(a), f"{API} A over TCP while all unhealthy: NODATA with SOA",
   a.summary() if a else None)

# A second fleetdns on the same engine with fleet.unhealthy: all and serve-starting: true
# (and a state file, used below).
state = os.path.join(fleet.TMP, "serials")
cfg = fleet.write_config(os.path.join(fleet.TMP, "all.yaml"),
                         engines=[{"name": e.name, "url": e.url}],
                         fleet={"zone": Z, "unhealthy": "all", "serve-starting": True,
                                "state-file": state})
port2 = fleet.free_port()
srv2 = fleet.start_fleetdns(config=cfg, port=port2)
good, _, a = fleet.poll(port2, API, addrs_are(both), 5)
ok(good, "fleet.unhealthy: all -- every running replica is served while all are unhealthy",
   a.summary() if a else None)

# Recovery from NODATA.
health_change("all_recovering", [a1, a2], fleet.make_healthy, "healthy", both)

# serve-starting: a new replica is served before its first health check passes.
t0 = now()
a3 = fleet.run_replica(e, "api", name="api-3", wait=None)
t1 = now()
h = a3.health()
fleet.expect_change(port2, API, addrs_are(both | {a3.ip}), "serve_starting", 1.0, t1,
                    events=[(e, ev_container("start", a3.id))], ev_since=t0)
diag(f"api-3 health when the serve-starting check began: {h}")
# ... while the first fleetdns (serve-starting: false) serves it only once healthy.
fleet.expect_change(P, API, addrs_are(both | {a3.ip}), "new_replica_healthy", 4.0, t1,
                    events=[(e, ev_container("health_status: healthy", a3.id))], ev_since=t0)

# Unknown names: NXDOMAIN with the SOA.
for name in (f"nosuch.{Z}", f"nosuch.{API}", f"_http._tcp.nosuch.{Z}"):
    a = fleet.query(P, name)
    ok(a is not None and nxdomain(a), f"{name}: NXDOMAIN with SOA", a.summary() if a else None)
a = fleet.query(P, Z, "SOA")
ok(a is not None and a.rcode == "NOERROR" and len(a.answer) == 1, f"{Z} SOA answered",
   a.summary() if a else None)
a = fleet.query(P, Z, "NS")
ok(a is not None and a.rcode == "NOERROR" and len(a.answer) >= 1, f"{Z} NS answered",
   a.summary() if a else None)

# The serial never went back while fleetdns ran.
watch.stop()
back = watch.went_back()
ok(not back and len(watch.samples) > 20, f"SOA serial never went back "
   f"({len(watch.samples)} samples, {watch.samples[0] if watch.samples else None} .. "
   f"{watch.samples[-1] if watch.samples else None})", back)

# Across a restart (state file): the serial does not go back, and the next change raises it.
s_before = fleet.soa_serial(port2)
srv2.stop()
srv3 = fleet.start_fleetdns(config=cfg, port=port2)
good, _, a = fleet.poll(port2, API, addrs_are(both | {a3.ip}), 5)
ok(good, "restarted fleetdns serves the service again", a.summary() if a else None)
s_after = fleet.soa_serial(port2)
ok(s_before is not None and s_after is not None and s_after >= s_before,
   "SOA serial after a restart is not lower than before it", f"{s_before} -> {s_after}")
e.docker("rm", "-f", a3.id)
good, _, a = fleet.poll(port2, API, addrs_are(both), 2)
s_change = fleet.serial_raised(port2, s_after)
ok(good and s_change is not None and s_after is not None and s_change > s_after,
   "after the restart, a change raises the serial", f"{s_after} -> {s_change}")

ok(srv.alive() and srv3.alive(), "fleetdns instances still running")
if fleet.fdnstest._failed:
    fleet.fleetdns_log(srv)
    fleet.fleetdns_log(srv3)
fleet.done_testing()
