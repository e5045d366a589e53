# fleet_policy_labels.py -- per-service policy by label (issue 13 part 5) on one real engine:
# fleet expose: labelled hides a Compose-labelled service and fleetdns.expose=true shows it;
# fleetdns.expose=false hides a fleetdns.service container; fleetdns.unhealthy=all keeps an
# unhealthy replica answered while a service without the label answers NODATA, and under a
# second fleetdns with fleet unhealthy: all, fleetdns.unhealthy=nodata answers NODATA while
# the unlabelled one answers its unhealthy replica; a Swarm-labelled service is hidden under
# expose: labelled and published under the default expose: all;
# fleetdns.network picks a second network's address, and a network the container is not on
# withholds it with the reason "network" in /status and /metrics, logged once although the
# engine is re-listed every second.
# SPDX-License-Identifier: MIT
import json
import os
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", "."), "tests", "lib"))
import fleet  # noqa: E402
from fleet import ok, is_, diag, addrs_are, nodata, nxdomain  # noqa: E402,F401

fleet.require_fleet_server()
# "lbp1": a name of its own (fleet_labels.py has lb1), so both may run at once.
e, = fleet.engines_start(fleet.Engine("lbp1"))
Z = fleet.ZONE
NET2 = "lbpnet2"
NET2_BRIDGE = f"fdtn-{e.name}"
NET2_SUBNET = f"172.29.{e.x}.0/24"

# A second network on the engine (a leftover of a crashed run is removed first).
e.docker("network", "rm", NET2, check=False)
e.extra_bridges.append(NET2_BRIDGE)  # the link is removed at exit
e.docker("network", "create", "--driver", "bridge", "--subnet", NET2_SUBNET,
         "-o", f"com.docker.network.bridge.name={NET2_BRIDGE}",
         "-o", "com.docker.network.bridge.enable_ip_masquerade=false", NET2)
fleet.at_cleanup(lambda: e.alive() and e.docker("network", "rm", NET2, check=False))

# Compose-labelled: hidden with expose: labelled unless fleetdns.expose=true.
cmph = fleet.run_replica(e, None, "--label", "com.docker.compose.service=cmph", name="cmph-1")
cmps = fleet.run_replica(e, None, "--label", "com.docker.compose.service=cmps",
                         "--label", "fleetdns.expose=true", name="cmps-1")
hid = fleet.run_replica(e, "hid", "--label", "fleetdns.expose=false", name="hid-1")
# Unhealthy policy: "ua" answers its unhealthy replica, "un" (no label) NODATA.
ua = fleet.run_replica(e, "ua", "--label", "fleetdns.unhealthy=all", name="ua-1")
un = fleet.run_replica(e, "un", name="un-1")
uz = fleet.run_replica(e, "uz", "--label", "fleetdns.unhealthy=nodata", name="uz-1")
swm = fleet.run_replica(e, None, "--label", "com.docker.swarm.service.name=swm", name="swm-1")
# Networks: created on bridge, connected to NET2 before it starts ("bridge" < NET2 by name,
# so without the label the bridge address would be published).


def run_two_networks(service, name, network_label):
    cid = e.docker("create", "--label", f"{fleet.TEST_LABEL}={fleet.RUN_ID}",
                   "--stop-timeout", "1", "--label", f"fleetdns.service={service}",
                   "--label", f"fleetdns.network={network_label}", "--network", "bridge",
                   "--name", name, fleet.IMAGE).stdout.strip()
    e.docker("network", "connect", NET2, cid)
    e.docker("start", cid)
    r = fleet.Replica(e, cid, name)
    fleet.wait_health(r, "healthy")
    return r


netp = run_two_networks("netp", "netp-1", NET2)
netx = run_two_networks("netx", "netx-1", "nosuch")
netp_bridge, _ = fleet.container_ip(e, netp.id, "bridge")
netp_net2, _ = fleet.container_ip(e, netp.id, NET2)
diag(f"netp-1: bridge {netp_bridge}, {NET2} {netp_net2}")
ok(netp_bridge and netp_net2 and netp_bridge != netp_net2,
   "netp-1 has an address on each network", (netp_bridge, netp_net2))

H = fleet.free_port()
cfg = fleet.write_config(os.path.join(fleet.TMP, "policy.yaml"),
                         engines=[{"name": e.name, "url": e.url}],
                         fleet={"zone": Z, "expose": "labelled", "resync": 1000},
                         server=None)
with open(cfg, "a") as f:
    f.write(f"http:\n  listen: [\"127.0.0.1:{H}\"]\n")
srv = fleet.start_fleetdns(config=cfg)
P = srv.port


def get(path):
    with urllib.request.urlopen(f"http://127.0.0.1:{H}{path}", timeout=5) as r:
        return r.read().decode()


def replicas(pred=lambda reps: True, timeout=5.0):
    """/status: {replica name: replica} over every service, polled (the page is written at
    most once a second, and not at all before the first time) until pred holds."""
    deadline = fleet.now() + timeout
    reps = {}
    while True:
        try:
            st = json.loads(get("/status"))
            reps = {r["name"]: r for s in st["services"] for r in s["replicas"]}
        except urllib.error.HTTPError as err:
            if err.code != 503:  # 503 "starting": not written yet
                raise
        if pred(reps) or fleet.now() > deadline:
            return reps
        time.sleep(0.2)


def answer(name, pred, desc, timeout=10.0):
    good, _, a = fleet.poll(P, name, pred, timeout)
    ok(good, desc, a.summary() if a else "no answer")
    return a


# Once the shown services answer, the first listing is in: the hidden ones are decided.
answer(f"cmps.{Z}", addrs_are({cmps.ip}),
       f"cmps.{Z}: Compose label with fleetdns.expose=true is published under expose: labelled")
answer(f"ua.{Z}", addrs_are({ua.ip}), f"ua.{Z}: healthy replica answered")
answer(f"un.{Z}", addrs_are({un.ip}), f"un.{Z}: healthy replica answered")
answer(f"cmph.{Z}", nxdomain, f"cmph.{Z}: Compose label alone is hidden under expose: labelled",
       timeout=1.0)
answer(f"hid.{Z}", nxdomain, f"hid.{Z}: fleetdns.expose=false hides a fleetdns.service "
       "container", timeout=1.0)
answer(f"swm.{Z}", nxdomain, f"swm.{Z}: Swarm label alone is hidden under expose: labelled",
       timeout=1.0)
answer(f"{cmps.dns_name}.cmps.{Z}", addrs_are({cmps.ip}), "cmps replica name answered",
       timeout=1.0)

# fleetdns.network.
answer(f"netp.{Z}", addrs_are({netp_net2}),
       f"netp.{Z}: fleetdns.network={NET2} publishes the second network's address")
answer(f"netp-1-{e.name}.netp.{Z}", addrs_are({netp_net2}), "its replica name too",
       timeout=1.0)
answer(f"netx.{Z}", nodata, f"netx.{Z}: fleetdns.network=nosuch withholds it: NODATA",
       timeout=3.0)
NETX = f"netx-1-{e.name}"
reps = replicas(lambda r: r.get(NETX, {}).get("reason") == "network")
is_(sorted(reps), sorted([f"{n}-{e.name}" for n in
                          ("cmps-1", "ua-1", "un-1", "uz-1", "netp-1", "netx-1")]),
    "/status lists the published replicas only (not cmph-1, hid-1, swm-1)")
x = reps.get(f"netx-1-{e.name}", {})
ok(x.get("served") is False and x.get("reason") == "network",
   "/status: netx-1 withheld, reason \"network\"", json.dumps(x))
p = reps.get(f"netp-1-{e.name}", {})
ok(p.get("served") is True and p.get("ipv4") == netp_net2,
   f"/status: netp-1 served at its {NET2} address", json.dumps(p))
metrics = get("/metrics")
want_lines = [f'fleetdns_service_replicas{{service="netx",state="network"}} 1',
              f'fleetdns_service_replicas{{service="netx",state="served"}} 0',
              f'fleetdns_service_replicas{{service="netp",state="network"}} 0',
              f'fleetdns_service_replicas{{service="netp",state="served"}} 1']
for line in want_lines:
    ok(line in metrics.splitlines(), f"/metrics: {line}",
       "\n".join(ln for ln in metrics.splitlines() if 'service="net' in ln))

# A second fleetdns on the same engine: fleet unhealthy: all, expose: all (the default).
cfg2 = fleet.write_config(os.path.join(fleet.TMP, "policy-all.yaml"),
                          engines=[{"name": e.name, "url": e.url}],
                          fleet={"zone": Z, "unhealthy": "all"}, server=None)
srv2 = fleet.start_fleetdns(config=cfg2)


def answer2(name, pred, desc, timeout=10.0):
    good, _, a = fleet.poll(srv2.port, name, pred, timeout)
    ok(good, f"(unhealthy: all) {desc}", a.summary() if a else "no answer")


answer2(f"swm.{Z}", addrs_are({swm.ip}), f"swm.{Z}: Swarm label published under expose: all")
answer2(f"uz.{Z}", addrs_are({uz.ip}), f"uz.{Z}: healthy replica answered")

# fleetdns.unhealthy=all: both replicas turn unhealthy; un answers NODATA, ua its replica.
fleet.make_unhealthy(un)
fleet.make_unhealthy(ua)
fleet.make_unhealthy(uz)
fleet.wait_health(un, "unhealthy")
fleet.wait_health(ua, "unhealthy")
fleet.wait_health(uz, "unhealthy")
answer2(f"un.{Z}", addrs_are({un.ip}), f"un.{Z} (no label): its unhealthy replica answered")
answer2(f"uz.{Z}", nodata, f"uz.{Z}: fleetdns.unhealthy=nodata overrides the fleet: NODATA")
answer(f"un.{Z}", nodata, f"un.{Z}: its only replica unhealthy: NODATA (fleet unhealthy: nodata)")
a = answer(f"ua.{Z}", addrs_are({ua.ip}),
           f"ua.{Z}: fleetdns.unhealthy=all still answers its unhealthy replica", timeout=1.0)
UA = f"ua-1-{e.name}"
reps = replicas(lambda r: r.get(UA, {}).get("reason") == "unhealthy")
u = reps.get(UA, {})
ok(u.get("served") is False and u.get("reason") == "unhealthy",
   "/status: ua-1 is withheld by its health (answered by the service's policy)", json.dumps(u))
# Healthy again: both back.
fleet.make_healthy(un)
answer(f"un.{Z}", addrs_are({un.ip}), f"un.{Z}: healthy again, answered")
answer(f"ua.{Z}", addrs_are({ua.ip}), f"ua.{Z}: still answered", timeout=1.0)
# Re-listed every second (resync: 1000) all along: the warning was still written once.
with open(srv.log) as f:
    log = f.read()
warn = f"engine {e.name}: container netx-1: fleetdns.network=nosuch is not one of its networks"
is_(log.count(warn), 1, "the missing network is logged once, across re-listings")
ok(srv.alive() and srv2.alive(), "both fleetdns still running")
if fleet.fdnstest._failed:
    fleet.fleetdns_log(srv)
    fleet.fleetdns_log(srv2)
fleet.done_testing()
