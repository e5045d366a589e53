# fleet_labels.py -- docs/fleet.md labels and records on one real engine (with IPv6):
# Compose labels (set by hand), label precedence, lower-casing, invalid names, dotted
# service names, AAAA, fleetdns.ttl, SRV with named and unnamed ports in container mode,
# and host mode (address: host, host-address: 127.0.0.1) with published ports in SRV.
# How the fleet zone is compiled: service by service (the log says k of n services), whole
# once a dotted service or a service named like a record of the zone file appears.
# Prints '# latency SCENARIO MS'.
# SPDX-License-Identifier: MIT
import os
import re
import time
import sys

import yaml

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", "."), "tests", "lib"))
import fleet  # noqa: E402
from fleet import ok, is_, diag, now, addrs_are, ev_container  # noqa: E402

fleet.require_fleet_server()
e, = fleet.engines_start(fleet.Engine("lb1", ipv6=True))
Z = fleet.ZONE
srv = fleet.start_fleetdns([e])
P = srv.port

# Host mode: a second fleetdns on the same engine, publishing the host's address.
cfg = fleet.write_config(os.path.join(fleet.TMP, "host.yaml"), engines=[
    {"name": e.name, "url": e.url, "address": "host", "host-address": "127.0.0.1"}],
    fleet={"zone": Z})
srvh = fleet.start_fleetdns(config=cfg)
PH = srvh.port


def answer_is(port, name, rdtype, want, desc, timeout=4.0):
    """The sorted answer rdata of name/rdtype must become want (a list of strings)."""
    good, _, a = fleet.poll(port, name, lambda x: x.rcode == "NOERROR" and
                            sorted(x.order) == sorted(want), timeout, rdtype=rdtype)
    ok(good, desc, f"want {sorted(want)}; got {a.summary() if a else 'no answer'}")
    return a


def svc_label(service):
    return ["--label", f"fleetdns.service={service}"]


# Compose: only com.docker.compose.service.
t0 = now()
cmp1 = fleet.run_replica(e, None, "--label", "com.docker.compose.service=cmp", name="cmp-1",
                         wait=None)
t1 = now()
fleet.expect_change(P, f"cmp.{Z}", addrs_are({cmp1.ip}), "compose_label", 3.5, t1,
                    events=[(e, ev_container("health_status: healthy", cmp1.id))],
                    ev_since=t0, desc=f"cmp.{Z}: a container with only the Compose label")
a = fleet.query(P, f"{cmp1.dns_name}.cmp.{Z}")
ok(a is not None and a.order == [cmp1.ip], f"{cmp1.dns_name}.cmp.{Z} A", a.summary() if a else None)

# fleetdns.service wins over the Compose label.
pre = fleet.run_replica(e, "pref", "--label", "com.docker.compose.service=other",
                        name="pref-1")
answer_is(P, f"pref.{Z}", "A", [pre.ip], "fleetdns.service wins over com.docker.compose.service")
a = fleet.query(P, f"other.{Z}")
ok(a is not None and a.rcode == "NXDOMAIN", f"other.{Z} (the losing label) is NXDOMAIN",
   a.summary() if a else None)

# Lower-casing, dotted service names, container names with odd characters.
up = fleet.run_replica(e, "UpperCase", name="Up_Case.1")
answer_is(P, f"uppercase.{Z}", "A", [up.ip], "service name is lowercased")
a = fleet.query(P, f"up-case-1-{e.name}.uppercase.{Z}")
ok(a is not None and a.order == [up.ip],
   "replica name: container name lowercased, other characters replaced by '-'",
   a.summary() if a else None)
# So far every service was a part of its own: a change compiled the services it touched.
time.sleep(1.2)  # the serial (and its log line) follows within a second
parts = [tuple(int(x) for x in m) for m in
         re.findall(r"fleet zone (\d+) of (\d+) services compiled", open(srv.log).read())]
ok(any(1 <= k < n for k, n in parts),
   "log: a publication compiled only the services that changed (k of n, k < n)", parts)
dot = fleet.run_replica(e, "blue.web", name="blue-1")
answer_is(P, f"blue.web.{Z}", "A", [dot.ip], "dotted service name blue.web")
# A dotted service cannot be a part of its own (web.Z must exist as an empty
# non-terminal): the fleet zone is compiled whole from then on, and says so.
a = fleet.query(P, f"web.{Z}")
ok(a is not None and a.rcode == "NOERROR" and not a.order,
   f"web.{Z} (above blue.web) is NODATA, not NXDOMAIN", a.summary() if a else None)
log = open(srv.log).read()
ok("compiling the zone whole until a reload changes the zones" in log,
   "the log says the fleet zone is compiled whole from the dotted service on", log[-600:])

# An invalid service label is skipped (and logged).
bad = fleet.run_replica(e, "we b", name="bad-1")
time.sleep(1.5)
for name in (f"we.{Z}", f"b.{Z}", f"we-b.{Z}"):
    a = fleet.query(P, name)
    ok(a is not None and a.rcode == "NXDOMAIN", f"invalid label 'we b': {name} NXDOMAIN",
       a.summary() if a else None)
log = open(srv.log).read()
ok("not a valid DNS name" in log and "bad-1" in log,
   "invalid service label is logged (container bad-1, 'not a valid DNS name')",
   log[-600:])

# IPv4 and IPv6.
w6 = fleet.run_replica(e, "six", name="six-1")
ok(w6.ip6 is not None, "replica has an IPv6 address", w6.ip6)
answer_is(P, f"six.{Z}", "A", [w6.ip], f"six.{Z} A")
answer_is(P, f"six.{Z}", "AAAA", [w6.ip6], f"six.{Z} AAAA")

# fleetdns.ttl: one replica's value; then the smallest of the replicas' values.
one = fleet.run_replica(e, "ttlone", "--label", "fleetdns.ttl=60", name="ttlone-1")
a = answer_is(P, f"ttlone.{Z}", "A", [one.ip], f"ttlone.{Z} A")
ok(a is not None and a.answer and all(t == 60 for _, t, _, _ in a.answer),
   "fleetdns.ttl=60 on the only replica: TTL 60", a.answer if a else None)
t1r = fleet.run_replica(e, "ttl", "--label", "fleetdns.ttl=30", name="ttl-1")
t2r = fleet.run_replica(e, "ttl", "--label", "fleetdns.ttl=10", name="ttl-2")
a = answer_is(P, f"ttl.{Z}", "A", [t1r.ip, t2r.ip], f"ttl.{Z} A = both replicas")
ok(a is not None and a.answer and all(t == 10 for _, t, _, _ in a.answer),
   "fleetdns.ttl: the smallest value (10) wins", a.answer if a else None)

# SRV in container mode: named port and an exposed port without a name.
s1 = fleet.run_replica(e, "srv", "--label", "fleetdns.port=http:8080", name="srv-1")
answer_is(P, f"_http._tcp.srv.{Z}", "SRV", [f"0 1 8080 srv-1-{e.name}.srv.{Z}."],
          "_http._tcp SRV: container port 8080 and the replica name")
a = fleet.query(P, f"_http._tcp.srv.{Z}", "SRV")
ok(a is not None and (f"srv-1-{e.name}.srv.{Z}.", "A", s1.ip) in a.additional,
   "SRV additional section has the replica's address", a.additional if a else None)
s2 = fleet.run_replica(e, "raw", "--expose", "8080", name="raw-1")
answer_is(P, f"_8080._tcp.raw.{Z}", "SRV", [f"0 1 8080 raw-1-{e.name}.raw.{Z}."],
          "_8080._tcp SRV for a port without a fleetdns.port name")

# Host mode: A is host-address, SRV ports are the published host ports.
h1 = fleet.run_replica(e, "hweb", "-p", "127.0.0.1::8080", "--label", "fleetdns.port=http:8080",
                       name="hweb-1")
hp1 = h1.inspect()["NetworkSettings"]["Ports"]["8080/tcp"][0]["HostPort"]
diag(f"hweb-1 published 8080/tcp on 127.0.0.1:{hp1}")
answer_is(PH, f"hweb.{Z}", "A", ["127.0.0.1"], "host mode: A is the host-address")
answer_is(PH, f"_http._tcp.hweb.{Z}", "SRV", [f"0 1 {hp1} hweb-1-{e.name}.hweb.{Z}."],
          "host mode: _http._tcp SRV gives the published host port")
a = fleet.query(PH, f"hweb-1-{e.name}.hweb.{Z}")
ok(a is not None and a.order == ["127.0.0.1"], "host mode: replica name A is the host-address",
   a.summary() if a else None)
h2 = fleet.run_replica(e, "hraw", "-p", "127.0.0.1::8080", name="hraw-1")
hp2 = h2.inspect()["NetworkSettings"]["Ports"]["8080/tcp"][0]["HostPort"]
answer_is(PH, f"_8080._tcp.hraw.{Z}", "SRV", [f"0 1 {hp2} hraw-1-{e.name}.hraw.{Z}."],
          "host mode: _8080._tcp SRV gives the published host port")
a = fleet.query(PH, f"_http._tcp.srv.{Z}", "SRV")
ok(a is not None and not a.answer,
   "host mode: a port that is not published gets no SRV record", a.summary() if a else None)
# the container-mode server still gives the container's own address for the host-mode service
answer_is(P, f"hweb.{Z}", "A", [h1.ip], "container mode: the same replica's container address")

# A zone file that uses a service's name: that service's names meet the file's, so the
# fleet zone is compiled whole (and says so), and the name answers the file's record and
# the replica's address together.
zfile = os.path.join(fleet.TMP, "fleet-file.zone")
with open(zfile, "w") as f:
    f.write(f"$ORIGIN {Z}.\n$TTL 60\n@ IN SOA ns hostmaster 1 60 10 3600 5\n@ IN NS ns\n"
            "ns IN A 127.0.0.1\nshared IN A 192.0.2.80\nstatic IN A 192.0.2.81\n")
cfg3 = fleet.write_config(os.path.join(fleet.TMP, "file.yaml"),
                          engines=[{"name": e.name, "url": e.url}], fleet={"zone": Z})
with open(cfg3) as f:
    doc = yaml.safe_load(f)
doc["zones"] = [{"name": Z, "file": zfile}]
with open(cfg3, "w") as f:
    yaml.safe_dump(doc, f)
e.docker("rm", "-f", dot.id)  # the dotted service would make it whole by itself
srvf = fleet.start_fleetdns(config=cfg3)
answer_is(srvf.port, f"pref.{Z}", "A", [pre.ip],
          "zone file + engine: a service the file does not use answers its replica")
time.sleep(1.2)  # the serial's log line
log = open(srvf.log).read()
ok("whole" not in log and re.search(r"fleet zone \d+ of \d+ services compiled", log),
   "... compiled in parts so far", log[-600:])
shared = fleet.run_replica(e, "shared", name="shared-1")
answer_is(srvf.port, f"shared.{Z}", "A", ["192.0.2.80", shared.ip],
          "a service named like a file record: the file's address and the replica's together")
answer_is(srvf.port, f"static.{Z}", "A", ["192.0.2.81"], "the file's other records stay")
log = open(srvf.log).read()
ok("compiling the zone whole until a reload changes the zones" in log,
   "the log says the fleet zone is compiled whole because of the file's name", log[-600:])

ok(srv.alive() and srvh.alive() and srvf.alive(), "fleetdns instances still running")
if fleet.fdnstest._failed:
    fleet.fleetdns_log(srv)
    fleet.fleetdns_log(srvh)
fleet.done_testing()
