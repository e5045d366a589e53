# generated_zone.py -- a zone without file whose SOA and NS are configured (issue 11: soa:,
# ns:, glue) as dig sees it from fleetdns; the delegation to it from a parent zone on Knot,
# followed step by step with dig (the parent's referral, then the glue address, then
# fleetdns' authoritative answer) and through a real Unbound that knows only the parent; the
# fleet zone's serial across a reload that changes soa/ns and one that changes nothing (and
# the state file); the default name server's address from the listen addresses; and what
# --check-config says about a delegation without glue, soa: next to file:, and a missing
# zone file.
# SPDX-License-Identifier: MIT
# Runs in a network namespace of its own (unshare -n): a delegation cannot name a port, so
# fleetdns and the parent listen on port 53 of 192.0.2.x addresses there, invisible to the
# rest of the machine. The fleet is one fake Docker Engine (a few lines of HTTP below, the
# shapes of tests/unit/data) with one replica of service "web": no dockerd needed.
import os
import re
import signal
import subprocess
import sys
import time

if os.environ.get("FDT_GEN_NETNS") != "1":
    unshare = "/usr/bin/unshare"
    if not os.access(unshare, os.X_OK):
        print("Bail out! unshare (util-linux) is needed")
        sys.exit(1)
    env = dict(os.environ, FDT_GEN_NETNS="1")
    r = subprocess.run([unshare, "-n", "sh", "-c",
                        'ip link set lo up && ip addr add 192.0.2.53/32 dev lo && '
                        'ip addr add 192.0.2.20/32 dev lo && exec "$@"', "sh",
                        sys.executable, *sys.argv], env=env)
    sys.exit(r.returncode)

import copy  # noqa: E402
import http.server  # noqa: E402
import json  # noqa: E402
import threading  # noqa: E402

TOP = os.environ.get("TOP_SRCDIR", ".")
sys.path.insert(0, os.path.join(TOP, "tests", "lib"))
sys.path.insert(0, os.path.join(TOP, "tests", "xfr"))
import xfrlib as X  # noqa: E402
import peers  # noqa: E402
from xfrlib import ok, is_, diag  # noqa: E402

for prog in ("knotd", "unbound", "dig"):
    X.need(prog)

FLEETDNS_IP = "192.0.2.53"            # fleetdns, as the glue says
PARENT_IP = "192.0.2.20"              # Knot with the parent zone example.test
LOCAL_PORT = X.free_port()            # fleetdns on 127.0.0.1 too, for the test's own checks
UNBOUND = ("127.0.0.31", 5302)        # Unbound: a stub for example.test only
Z = "fleet.example.test"
DATA = os.path.join(TOP, "tests", "unit", "data")
WEB_IP = "10.1.0.5"


# --- a fake Docker Engine with one replica of "web" ----------------------------------------
class Engine(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    stopping = threading.Event()
    cid = "f" * 64

    def log_message(self, *args):
        pass

    def send_json(self, obj):
        body = json.dumps(obj).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path = self.path.split("?")[0]
        if path == "/_ping":
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"OK")
        elif path == "/version":
            with open(os.path.join(DATA, "engine_version.json")) as f:
                self.send_json(json.load(f))
        elif re.fullmatch(r"/v[\d.]+/containers/json", path):
            self.send_json([{"Id": self.cid, "Names": ["/web-1"], "Image": "fleet-test",
                             "State": "running", "Status": "Up 9 seconds",
                             "Labels": {"fleetdns.service": "web"},
                             "NetworkSettings": {"Networks": {"bridge": {
                                 "IPAddress": WEB_IP, "GlobalIPv6Address": ""}}}}])
        elif re.fullmatch(r"/v[\d.]+/containers/[0-9a-f]+/json", path):
            with open(os.path.join(DATA, "engine_inspect_web1.json")) as f:
                d = json.load(f)
            d["Id"], d["Name"] = self.cid, "/web-1"
            d["State"].pop("Health", None)
            d["Config"]["Labels"] = {"fleetdns.service": "web"}
            net = copy.deepcopy(d["NetworkSettings"]["Networks"]["bridge"])
            net["IPAddress"], net["GlobalIPv6Address"] = WEB_IP, ""
            d["NetworkSettings"]["Networks"] = {"bridge": net}
            d["NetworkSettings"]["Ports"] = {}
            self.send_json(d)
        elif re.fullmatch(r"/v[\d.]+/events", path):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.flush()
            while not self.stopping.wait(0.2):  # no events: the stream stays open
                pass
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()


engine = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Engine)
engine.daemon_threads = True
threading.Thread(target=engine.serve_forever, daemon=True).start()
ENGINE_URL = f"tcp://127.0.0.1:{engine.server_address[1]}"


# --- dig, its output read into sections ----------------------------------------------------
def dig(server, name, rdtype="A", port=53, rec=False):
    """dig's answer as {flags, status, ANSWER: [...], AUTHORITY: [...], ADDITIONAL: [...]},
    records with their whitespace normalised; None without a response."""
    out = X.dig(f"@{server}", "-p", str(port), name, rdtype, "+rec" if rec else "+norec",
                "+nocookie")
    m = re.search(r"status: (\w+),.*\n;; flags: ([a-z ]*);", out)
    if not m:
        return None
    res = {"status": m.group(1), "flags": set(m.group(2).split()),
           "ANSWER": [], "AUTHORITY": [], "ADDITIONAL": []}
    section = None
    for line in out.splitlines():
        h = re.match(r";; (\w+) SECTION:", line)
        if h:
            section = h.group(1)
        elif not line.strip():
            section = None
        elif section in res and not line.startswith(";"):
            res[section].append(" ".join(line.split()))
    return res


def soa_fields(r):
    """The SOA of an answer as (ttl, mname, rname, serial, refresh, retry, expire, minimum)."""
    for rr in r["ANSWER"] if r else []:
        f = rr.split()
        if f[3] == "SOA":
            return (int(f[1]), f[4], f[5], int(f[6]), int(f[7]), int(f[8]), int(f[9]),
                    int(f[10]))
    return None


# --- fleetdns serving the generated zone ---------------------------------------------------
def conf_text(refresh=3600, extra_ns=""):
    return f"""server:
  listen: ["{FLEETDNS_IP}:53", "127.0.0.1:{LOCAL_PORT}"]
  workers: 1
engines:
  - {{ name: fake, url: "{ENGINE_URL}", timeout: 3000 }}
fleet:
  zone: {Z}
  ttl: 5
  state-file: {X.TMP}/state
zones:
  - name: {Z}
    soa: {{ mname: ns1.{Z}, rname: hostmaster.example.test, refresh: {refresh}, retry: 600,
           expire: 604800, minimum: 5 }}
    ns:
      - ns1.example.test                    # out of the zone: no glue
      - {{ name: ns1.{Z}, addresses: [{FLEETDNS_IP}, "2001:db8::53"] }}
{extra_ns}
  - name: plain.example.test                # every default
"""


srv = X.fleetdns(conf_text(), wait_zone=Z, port=LOCAL_PORT)
got, _ = X.wait_for(lambda: X.answer_set(LOCAL_PORT, f"web.{Z}") == [WEB_IP], 10)
ok(got, f"fleetdns serves web.{Z} A {WEB_IP} from the (fake) engine", srv.text()[-1500:])

r = dig(FLEETDNS_IP, Z, "SOA")
soa = soa_fields(r)
s0 = soa[3] if soa else None
is_((r and r["status"], r and "aa" in r["flags"], soa and soa[:3] + soa[4:]),
    ("NOERROR", True, (5, f"ns1.{Z}.", "hostmaster.example.test.", 3600, 600, 604800, 5)),
    "SOA: mname, rname, refresh, retry, expire, minimum as configured; its TTL is the "
    "minimum (the negative TTL)")
ok(s0 and s0 >= int(time.time()) - 60, f"SOA: the serial is the fleet's ({s0})")

r = dig(FLEETDNS_IP, Z, "NS")
is_((r and r["status"], r and "aa" in r["flags"], r and sorted(r["ANSWER"]),
     r and sorted(r["ADDITIONAL"])),
    ("NOERROR", True, [f"{Z}. 60 IN NS ns1.example.test.", f"{Z}. 60 IN NS ns1.{Z}."],
     [f"ns1.{Z}. 60 IN A {FLEETDNS_IP}", f"ns1.{Z}. 60 IN AAAA 2001:db8::53"]),
    "NS: both name servers; the in-zone one's A and AAAA in the additional section "
    "(RFC 1034 4.3.2), nothing for the one outside the zone")
r = dig(FLEETDNS_IP, f"ns1.{Z}", "A")
is_((r and r["status"], r and "aa" in r["flags"], r and r["ANSWER"]),
    ("NOERROR", True, [f"ns1.{Z}. 60 IN A {FLEETDNS_IP}"]),
    "the in-zone name server's address, answered authoritatively")
r = dig(FLEETDNS_IP, f"nothing.{Z}", "A")
is_((r and r["status"], r and [x.split()[1] for x in r["AUTHORITY"]]), ("NXDOMAIN", ["5"]),
    "a name that does not exist: NXDOMAIN, the SOA with TTL = minimum (5)")

# The default zone: ns.<zone>, its address the host address fleetdns listens on (not the
# loopback one), hostmaster.<zone>, the timers of before.
r = dig(FLEETDNS_IP, "plain.example.test", "SOA")
soa = soa_fields(r)
is_(soa and soa[:3] + soa[4:],
    (5, "ns.plain.example.test.", "hostmaster.plain.example.test.", 60, 10, 3600, 5),
    "default SOA: ns.<zone>, hostmaster.<zone>, 60 10 3600 5")
r = dig(FLEETDNS_IP, "plain.example.test", "NS")
is_((r and r["ANSWER"], r and r["ADDITIONAL"]),
    (["plain.example.test. 60 IN NS ns.plain.example.test."],
     [f"ns.plain.example.test. 60 IN A {FLEETDNS_IP}"]),
    f"default NS: ns.plain.example.test with the listen address {FLEETDNS_IP} (127.0.0.1 "
    "is loopback and left out)")

# --- the parent on Knot, and the delegation followed -----------------------------------------
parent = X.write(os.path.join(X.TMP, "example.test.zone"), f"""$TTL 300
@            IN SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 300
@            IN NS  ns.example.test.
ns           IN A   {PARENT_IP}
ns1          IN A   {FLEETDNS_IP}
; the delegations to fleetdns: NS and glue, as the generated zones say
fleet        IN NS  ns1.fleet.example.test.
fleet        IN NS  ns1.example.test.
ns1.fleet    IN A   {FLEETDNS_IP}
plain        IN NS  ns.plain.example.test.
ns.plain     IN A   {FLEETDNS_IP}
""")
knot = peers.knot_primary(PARENT_IP, 53, "example.test", parent)
got, _ = X.wait_for(lambda: dig(PARENT_IP, "example.test", "SOA"), 10)
ok(got, "Knot serves the parent example.test", knot.text()[-800:])

name = f"web.{Z}"
r = dig(PARENT_IP, name, "A")
is_((r and r["status"], r and "aa" in r["flags"], r and r["ANSWER"],
     r and sorted(r["AUTHORITY"])),
    ("NOERROR", False, [], [f"{Z}. 300 IN NS ns1.example.test.", f"{Z}. 300 IN NS ns1.{Z}."]),
    f"step 1: the parent refers {name} to the zone's name servers")
glue = [x.split()[4] for x in (r["ADDITIONAL"] if r else []) if x.startswith(f"ns1.{Z}. ")]
is_(glue, [FLEETDNS_IP], "step 2: ... with the glue address of the in-zone one")
r = dig(glue[0] if glue else FLEETDNS_IP, name, "A")
is_((r and r["status"], r and "aa" in r["flags"], r and r["ANSWER"]),
    ("NOERROR", True, [f"{name}. 5 IN A {WEB_IP}"]),
    "step 3: fleetdns at the glue address answers authoritatively")

ub = peers.unbound(*UNBOUND, f"""
stub-zone:
    name: "example.test"
    stub-addr: {PARENT_IP}@53
""")
got, _ = X.wait_for(lambda: (dig(UNBOUND[0], name, port=UNBOUND[1], rec=True) or {})
                    .get("ANSWER") == [f"{name}. 5 IN A {WEB_IP}"], 10)
ok(got, f"Unbound, knowing only the parent, resolves {name} through the referral",
   ub.text()[-800:])
r = dig(UNBOUND[0], f"ns1.{Z}", port=UNBOUND[1], rec=True)
is_(r and r["ANSWER"], [f"ns1.{Z}. 60 IN A {FLEETDNS_IP}"],
    "Unbound: the name server's address, from fleetdns (its TTL, 60, not the parent's 300)")
r = dig(UNBOUND[0], f"nothing.{Z}", port=UNBOUND[1], rec=True)
is_((r and r["status"], r and [int(x.split()[1]) <= 5 for x in r["AUTHORITY"]]),
    ("NXDOMAIN", [True]), "Unbound: NXDOMAIN, cached no longer than the SOA minimum")
r = dig(UNBOUND[0], "ns.plain.example.test", port=UNBOUND[1], rec=True)
is_(r and r["ANSWER"], [f"ns.plain.example.test. 60 IN A {FLEETDNS_IP}"],
    "Unbound: the default name server of the default zone resolves")


# --- reloads: nothing changed, then soa and ns ---------------------------------------------
def serial():
    f = soa_fields(dig("127.0.0.1", Z, "SOA", port=LOCAL_PORT))
    return f[3] if f else None


def reload_logged(what, timeout=10):
    n = len(re.findall(what, srv.text()))
    srv.proc.send_signal(signal.SIGHUP)
    got, _ = X.wait_for(lambda: len(re.findall(what, srv.text())) > n, timeout)
    return got


time.sleep(1.1)  # a serial made now would differ from s0
ok(reload_logged(r"reload: nothing served changed"),
   "SIGHUP with the same soa and ns: nothing served changed", srv.text()[-1500:])
is_(serial(), s0, "... the serial stays")
with open(srv.conf, "w") as f:
    f.write(conf_text(refresh=7200, extra_ns=f"      - ns2.example.test\n"))
ok(reload_logged(r"reload: zones changed"), "SIGHUP with refresh and an NS added: zones changed",
   srv.text()[-1500:])
got, _ = X.wait_for(lambda: (serial() or 0) > (s0 or 0), 5)
s1 = serial()
ok(got, f"... the serial moves on ({s0} -> {s1})")
soa = soa_fields(dig(FLEETDNS_IP, Z, "SOA"))
is_(soa and soa[4], 7200, "... the SOA has the new refresh")
r = dig(FLEETDNS_IP, Z, "NS")
is_(r and sorted(r["ANSWER"]),
    [f"{Z}. 60 IN NS ns1.example.test.", f"{Z}. 60 IN NS ns1.{Z}.",
     f"{Z}. 60 IN NS ns2.example.test."], "... and the new NS set")
is_(X.answer_set(LOCAL_PORT, name), [WEB_IP], "... the fleet's names are still served")
got, _ = X.wait_for(lambda: f"{Z}. {s1}" in open(f"{X.TMP}/state").read(), 5)
ok(got, f"the state file keeps the serial {s1}")

# --- --check-config ----------------------------------------------------------------------
def check(conf):
    path = X.write(os.path.join(X.TMP, "check.yaml"), conf)
    res = subprocess.run([os.environ["FLEETDNS"], "-c", path, "--check-config"],
                         capture_output=True, text=True, timeout=30)
    # the log lines carry a time: leave it out
    err = re.sub(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ ", "", res.stderr, flags=re.M)
    return res.returncode, res.stdout, err, path


lame = X.write(os.path.join(X.TMP, "lame.test.zone"), """$TTL 60
@        IN SOA ns hostmaster 1 3600 600 86400 60
@        IN NS  ns
ns       IN A   192.0.2.1
sub      IN NS  ns.sub              ; in the delegated zone, and no glue
ok       IN NS  ns.ok
ns.ok    IN A   192.0.2.2
""")
rc, out, err, path = check(f"""server: {{listen: ["{FLEETDNS_IP}:53"]}}
zones:
  - {{name: lame.test, file: {lame}}}
""")
is_((rc, out, err),
    (0, "fleetdns: configuration OK: 1 zones, 5 names\n",
     f"warning: zone lame.test: {lame}:5:1: sub.lame.test.: delegation to ns.sub.lame.test., "
     "which is in this zone but has no address (A or AAAA glue) in it: resolvers cannot reach "
     "that name server\n"),
    "--check-config: a delegation without glue is a warning, and the configuration is OK")
rc, out, err, path = check(f"""zones:
  - name: lame.test
    file: {lame}
    ns: [ns1.example.test]
""")
is_((rc, err), (1, f"fleetdns: {path}:4:5: 'ns' is only for a zone without 'file' (the file "
                   "has its own NS records)\n"), "--check-config: ns: next to file:")
rc, out, err, path = check("""zones:
  - name: gone.test
    file: gone.zone
""")
is_((rc, err), (1, f"fleetdns: {path}:3:11: zone gone.test: {X.TMP}/gone.zone: No such file or "
                   "directory\n"), "--check-config: a missing zone file, at its line in the config")
rc, out, err, path = check("""server: {listen: ["0.0.0.0:53"]}
zones: [{name: wild.test}]
""")
is_((rc, err), (0, "info: zone wild.test: its name server ns.wild.test has no address record: "
                   "fleetdns listens on no host address (only wildcard or link-local ones), so "
                   "it cannot tell which address clients reach it at; before delegating the "
                   "zone, list its name servers under 'ns'\n"),
    "--check-config: a default name server that cannot have an address is said, not an error")

for label, p in (("fleetdns", srv), ("Knot", knot), ("Unbound", ub)):
    ok(p.alive(), f"{label} is still running")
Engine.stopping.set()
X.fdnstest.done_testing()
