# fleet_replicas.py -- docs/fleet.md on one real engine: the service name follows its
# replicas as they are scaled 2 -> 5 -> 2, stopped, started, killed, paused and unpaused;
# replica names; a service whose last container is removed stays known (NODATA, not
# NXDOMAIN). Every change must show within 1 s of the engine's event (health: the engine
# reports within ~2 s, then 1 s). Prints '# latency SCENARIO MS' for each change.
# SPDX-License-Identifier: MIT
import os
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", "."), "tests", "lib"))
import fleet  # noqa: E402
from fleet import ok, is_, diag, now, addrs_are, nodata, ev_container  # noqa: E402

fleet.require_fleet_server()
e, = fleet.engines_start("rp1")
Z = fleet.ZONE
WEB = f"web.{Z}"

w = [fleet.run_replica(e, "web", name=f"web-{i}") for i in (1, 2)]
srv = fleet.start_fleetdns([e])
P = srv.port


def ips(rs):
    return {r.ip for r in rs}


def serial():
    return fleet.soa_serial(P)


# Initial listing (no latency bound: fleetdns just started).
good, lat, a = fleet.poll(P, WEB, addrs_are(ips(w)), 5)
ok(good, f"initial: {WEB} A = the 2 running replicas", a.summary() if a else "no answer")
diag(f"initial listing visible {lat} ms after fleetdns answered SOA")
a = fleet.query(P, WEB)
ok(a is not None and a.aa, "answer is authoritative (AA)")
ok(a is not None and all(t == 5 for _, t, _, _ in a.answer), "TTL is the default 5 s",
   a.answer if a else None)
for r in w:
    a = fleet.query(P, f"{r.dns_name}.{WEB}")
    ok(a is not None and a.rcode == "NOERROR" and a.order == [r.ip],
       f"replica name {r.dns_name}.{WEB} A = {r.ip}", a.summary() if a else "no answer")
a = fleet.query(P, WEB, "AAAA")
ok(a is not None and fleet.nodata(a), f"{WEB} AAAA: NODATA with SOA (no IPv6 on this engine)",
   a.summary() if a else "no answer")

# Scale 2 -> 5: three more replicas; they are served once healthy.
s0 = serial()
t0 = now()
new = [fleet.run_replica(e, "web", name=f"web-{i}", wait=None) for i in (3, 4, 5)]
t1 = now()
fleet.expect_change(P, WEB, addrs_are(ips(w + new)), "scale_up_2_to_5", 4.0, t1,
                    events=[(e, ev_container("health_status: healthy", r.id)) for r in new],
                    ev_since=t0)
s1 = fleet.serial_raised(P, s0)
ok(s0 is not None and s1 is not None and s1 > s0, "SOA serial increased with the scale-up",
   f"{s0} -> {s1}")

# Scale 5 -> 2: remove three.
t0 = now()
for r in new:
    e.docker("rm", "-f", r.id)
t1 = now()
fleet.expect_change(P, WEB, addrs_are(ips(w)), "scale_down_5_to_2", 1.0, t1,
                    events=[(e, ev_container("die", r.id)) for r in new], ev_since=t0)
a = fleet.query(P, f"{new[0].dns_name}.{WEB}")
ok(a is not None and a.rcode == "NXDOMAIN" and a.has_soa,
   f"removed replica's name {new[0].dns_name}.{WEB}: NXDOMAIN with SOA",
   a.summary() if a else "no answer")

# docker stop (SIGTERM ignored by httpd as PID 1, SIGKILL after --stop-timeout 1).
r = w[1]
t0 = now()
e.docker("stop", r.id)
t1 = now()
fleet.expect_change(P, WEB, addrs_are({w[0].ip}), "stop", 1.0, t1,
                    events=[(e, ev_container("die", r.id))], ev_since=t0)
a = fleet.query(P, f"{r.dns_name}.{WEB}")
ok(a is not None and (a.rcode != "NOERROR" or not a.answer),
   f"stopped replica's name {r.dns_name}.{WEB} has no address",
   a.summary() if a else "no answer")

# docker start: served again once healthy.
t0 = now()
e.docker("start", r.id)
t1 = now()
r.refresh()
fleet.expect_change(P, WEB, addrs_are(ips(w)), "start", 3.5, t1,
                    events=[(e, ev_container("health_status: healthy", r.id))], ev_since=t0)

# docker kill.
t0 = now()
e.docker("kill", r.id)
t1 = now()
fleet.expect_change(P, WEB, addrs_are({w[0].ip}), "kill", 1.0, t1,
                    events=[(e, ev_container("die", r.id))], ev_since=t0)
e.docker("start", r.id)
r.refresh()
fleet.wait_health(r, "healthy")
good, _, a = fleet.poll(P, WEB, addrs_are(ips(w)), 3.0)
ok(good, "after kill and start: both replicas served again", a.summary() if a else None)

# docker pause / unpause.
t0 = now()
e.docker("pause", r.id)
t1 = now()
fleet.expect_change(P, WEB, addrs_are({w[0].ip}), "pause", 1.0, t1,
                    events=[(e, ev_container("pause", r.id))], ev_since=t0)
time.sleep(2.5)   # health checks fail while paused: the engine says unhealthy
t0 = now()
e.docker("unpause", r.id)
t1 = now()
health_at_unpause = r.health()


def unpause_reference():
    """The unpause event, or, when the engine still called the replica unhealthy after the
    unpause, its next 'healthy' report (fleetdns may wait for it)."""
    tu = e.wait_event(ev_container("unpause", r.id), t0, 0.5)
    if health_at_unpause == "healthy":
        return tu
    th = e.wait_event(ev_container("health_status: healthy", r.id), t0, 3.0)
    return th if th is not None else tu


diag(f"health right after unpause: {health_at_unpause}")
fleet.expect_change(P, WEB, addrs_are(ips(w)), "unpause", 3.5, t1, event_at=unpause_reference)

# A service whose only container is removed stays known: NODATA, never NXDOMAIN.
g = fleet.run_replica(e, "gone", name="gone-1")
good, _, a = fleet.poll(P, f"gone.{Z}", addrs_are({g.ip}), 3.0)
ok(good, f"gone.{Z} A = its replica", a.summary() if a else None)
t0 = now()
e.docker("rm", "-f", g.id)
t1 = now()
fleet.expect_change(P, f"gone.{Z}", nodata, "last_replica_removed_nodata", 1.0, t1,
                    events=[(e, ev_container("die", g.id))], ev_since=t0,
                    desc=f"gone.{Z} after its last replica was removed: NODATA with SOA")

# A container without any service label is not published; the others are untouched.
u = fleet.run_replica(e, None, name="nolabel-1")
a = fleet.query(P, f"nolabel-1-{e.name}.{WEB}")
ok(a is not None and a.rcode == "NXDOMAIN", "a container without a service label is not served",
   a.summary() if a else None)
a = fleet.query(P, WEB)
ok(a is not None and a.addrs == frozenset(ips(w)), f"{WEB} still = its 2 replicas",
   a.summary() if a else None)

ok(srv.alive(), "fleetdns still running")
if fleet.fdnstest._failed:
    fleet.fleetdns_log(srv)
fleet.done_testing()
