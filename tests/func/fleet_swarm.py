# fleet_swarm.py -- docs/fleet.md Swarm labels on a real single-node swarm: the task
# containers of `docker service create` carry com.docker.swarm.service.name and are served
# under that name; scaling the service and removing it follow. If swarm mode does not work
# here, the test fails with the reason (it is never skipped).
# Prints '# latency SCENARIO MS'.
# SPDX-License-Identifier: MIT
import os
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", "."), "tests", "lib"))
import fleet  # noqa: E402
from fleet import ok, is_, diag, now, ms, addrs_are, nodata, ev_container  # noqa: E402

fleet.require_fleet_server()
e, = fleet.engines_start("sw1")
Z = fleet.ZONE
S = f"sweb.{Z}"

t = now()
r = e.swarm_init()
ok(r.returncode == 0, "docker swarm init --advertise-addr 127.0.0.1 (listen on loopback)",
   r.stderr.strip())
if r.returncode != 0:
    e._dump_log()
    fleet.done_testing()
diag(f"swarm init took {ms(now() - t)} ms")

srv = fleet.start_fleetdns([e])
P = srv.port


def tasks():
    """The running task containers of service sweb: [Replica] with addresses."""
    out = []
    f = fleet._q('{"label":["com.docker.swarm.service.name=sweb"]}')
    for c in e.api_json(f"/containers/json?filters={f}"):
        rep = fleet.Replica(e, c["Id"], c["Names"][0].lstrip("/"))
        out.append(rep.refresh())
    return out


def wait_tasks(n, timeout=20):
    deadline = now() + timeout
    while now() < deadline:
        ts = tasks()
        if len(ts) == n and all(x.health() == "healthy" for x in ts):
            return ts
        time.sleep(0.2)
    return tasks()


# Two replicas.
t0 = now()
r = e.docker("service", "create", "-d", "--name", "sweb", "--replicas", "2",
             "--container-label", f"{fleet.TEST_LABEL}={fleet.RUN_ID}",
             "--stop-grace-period", "1s", fleet.IMAGE, check=False, timeout=60)
t1 = now()
ok(r.returncode == 0, "docker service create sweb --replicas 2", r.stderr.strip())
ts = wait_tasks(2)
is_(len(ts), 2, "two task containers run and are healthy")
labels = ts[0].inspect()["Config"]["Labels"] if ts else {}
is_(labels.get("com.docker.swarm.service.name"), "sweb",
    "task containers carry com.docker.swarm.service.name=sweb")
diag(f"tasks healthy {ms(now() - t1)} ms after service create returned")
fleet.expect_change(P, S, addrs_are({x.ip for x in ts}), "swarm_create", 6.0, t1,
                    events=[(e, ev_container("health_status: healthy", x.id)) for x in ts],
                    ev_since=t0, desc=f"{S} A = the 2 task containers")
for x in ts:
    a = fleet.query(P, f"{x.dns_name}.{S}")
    ok(a is not None and a.order == [x.ip], f"task replica name {x.dns_name}.{S}",
       a.summary() if a else None)

# Scale to 3.
t0 = now()
e.docker("service", "scale", "-d", "sweb=3", timeout=60)
t1 = now()
ts3 = wait_tasks(3)
new = [x for x in ts3 if x.id not in {y.id for y in ts}]
fleet.expect_change(P, S, addrs_are({x.ip for x in ts3}), "swarm_scale_2_to_3", 6.0, t1,
                    events=[(e, ev_container("health_status: healthy", x.id)) for x in new],
                    ev_since=t0, desc=f"{S} A = the 3 task containers after scaling")

# Remove the service: the name stays known, NODATA.
t0 = now()
e.docker("service", "rm", "sweb", timeout=60)
t1 = now()
fleet.expect_change(P, S, nodata, "swarm_service_rm", 4.0, t1,
                    events=[(e, ev_container("die", x.id)) for x in ts3], ev_since=t0,
                    event_bound=1.0, desc=f"{S} after docker service rm: NODATA with SOA")
diag("events after service rm (ms after the command returned): " + ", ".join(
    f"{ms(te - t1)} {ev.get('Action')} {ev.get('Actor', {}).get('Attributes', {}).get('name', '')}"
    for te, ev in list(e.events) if te >= t0 and ev.get("Type") == "container" and
    not ev.get("Action", "").startswith("exec")))

ok(srv.alive(), "fleetdns still running")
if fleet.fdnstest._failed:
    fleet.fleetdns_log(srv)
fleet.done_testing()
