# fleet_grace.py -- docs/fleet.md "Riding out engine restarts" with two real engines:
# gr1 (--live-restore, grace 12000 ms, a probe every 400 ms given 300 ms) and gr4 (grace 0),
# timeout 1000 ms.
# (a) gr1's dockerd is killed (SIGKILL) and started again 4 s later while a dig loop runs:
#     no answer loses the three running replicas (probed on their fleetdns.port or exposed
#     port); a replica with no TCP port leaves at once; the engine's listing ends the grace.
# (b) gr1's "host dies": dockerd killed, one container's process killed (its port then
#     refuses connections) and another's network cut (eth0 down: connections time out):
#     both leave within PROBE_BOUND of the kill; the one still answering stays (stale in
#     /status, /metrics, fleetdnsctl and the status page) until the grace is over.
# (c) gr4 (grace 0) killed: its replica leaves at once, as without a grace.
# SPDX-License-Identifier: MIT
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", "."), "tests", "lib"))
import fleet  # noqa: E402
from fleet import ok, is_, diag, now, ms, addrs_are, nodata  # noqa: E402

fleet.require_fleet_server()
TIMEOUT_MS = 1000
GRACE_MS = 12000
# gr1 probes every 400 ms, each connection given 300 ms (probe-interval, probe-timeout; the
# defaults are 500 and 500): a replica that stops answering leaves within 0.7 s, plus the
# 20 ms publication delay; 0.8 s for a loaded machine, the engine's end and the 100 ms poll.
PROBE_INTERVAL_MS, PROBE_TIMEOUT_MS = 400, 300
PROBE_BOUND = (PROBE_INTERVAL_MS + PROBE_TIMEOUT_MS) / 1000 + 0.8
DOWN_S = 4.0  # how long dockerd stays down in (a)
e1, e2 = fleet.engines_start(fleet.Engine("gr1", live_restore=True), fleet.Engine("gr4"))
Z = fleet.ZONE
WEB, BARE, ZERO = f"web.{Z}", f"bare.{Z}", f"zero.{Z}"

g1 = fleet.run_replica(e1, "web", "--label", "fleetdns.port=http:8080", name="g1")
g2 = fleet.run_replica(e1, "web", "--expose", "8080", name="g2")
g3 = fleet.run_replica(e1, "web", "--label", "fleetdns.port=http:8080", name="g3")
b1 = fleet.run_replica(e1, "bare", name="b1")
z1 = fleet.run_replica(e2, "zero", "--label", "fleetdns.port=http:8080", name="z1")

H = fleet.free_port()
SOCK = os.path.join(fleet.TMP, "control.sock")
CTL = os.path.join(os.environ.get("TOP_BUILDDIR", "."), "fleetdnsctl")
cfg = os.path.join(fleet.TMP, "grace.yaml")
with open(cfg, "w") as f:
    f.write(f"""http:
  listen: ["127.0.0.1:{H}"]
  control-socket: {SOCK}
zones:
  - name: {Z}
engines:
  - {{ name: gr1, url: "{e1.url}", timeout: {TIMEOUT_MS}, grace: {GRACE_MS},
       probe-interval: {PROBE_INTERVAL_MS}, probe-timeout: {PROBE_TIMEOUT_MS} }}
  - {{ name: gr4, url: "{e2.url}", timeout: {TIMEOUT_MS}, grace: 0 }}
fleet:
  zone: {Z}
""")
srv = fleet.start_fleetdns(config=cfg)
P = srv.port
ALL = {g1.ip, g2.ip, g3.ip}
for name, want in ((WEB, ALL), (BARE, {b1.ip}), (ZERO, {z1.ip})):
    good, _, a = fleet.poll(P, name, addrs_are(want), 10)
    ok(good, f"initial: {name} = {sorted(want)}", a.summary() if a else None)


def log_text():
    with open(srv.log) as f:
        return f.read()


def log_wait(text, timeout):
    deadline = now() + timeout
    while now() < deadline:
        if text in log_text():
            return True
        time.sleep(0.05)
    return False


def get(path):
    with urllib.request.urlopen(f"http://127.0.0.1:{H}{path}", timeout=5) as r:
        return r.read().decode()


def ctl(*args):
    p = subprocess.run([CTL, "-s", SOCK] + list(args), capture_output=True, text=True,
                       timeout=20)
    return p.returncode, p.stdout, p.stderr


def web_replicas():
    st = json.loads(get("/status"))
    web = [s for s in st["services"] if s["name"] == "web"]
    return {r["name"]: r for r in web[0]["replicas"]} if web else {}


# ---------------------------------------------------------------- (a) dockerd restart
loop = fleet.DigLoop(P, WEB, interval=0.05)
time.sleep(0.5)
t_kill = now()
e1.kill()
diag("gr1: dockerd killed (SIGKILL), containers keep running (live-restore)")
ok(log_wait("engine gr1: down (", 3), "gr1 down is logged")
good, lat, a = fleet.poll(P, BARE, nodata, 1.0, since=t_kill)
ok(good, f"{BARE}: its replica has no TCP port to probe: NODATA {lat} ms after the kill",
   a.summary() if a else None)
time.sleep(DOWN_S - (now() - t_kill))  # a slow restart: several rounds of probes
e1.launch()
e1.wait_ready()
diag(f"gr1: dockerd started again {ms(now() - t_kill)} ms after the kill")
ok(log_wait("engine gr1: up again within its grace; its listing replaces the 3 replicas kept",
            GRACE_MS / 1000), "gr1 listed again within its grace")
t_back = now()
good, lat, a = fleet.poll(P, BARE, addrs_are({b1.ip}), 3)
ok(good, f"{BARE}: served again after the listing ({lat} ms)", a.summary() if a else None)
time.sleep(1.0)
loop.stop()
window = [(t, st, ad) for t, st, ad in loop.results if t >= t_kill - 0.5]
lost = [(round(t - t_kill, 2), st, ad) for t, st, ad in window
        if st != "NOERROR" or set(ad) != ALL]
diag(f"(a) {len(window)} answers from 0.5 s before the kill to 1 s after the listing "
     f"({ms(t_back - t_kill)} ms after the kill)")
ok(len(window) > 40, f"(a) dig loop ran through the restart ({len(window)} answers)")
if lost:
    diag(f"first: {lost[:5]}\n{loop.first_bad}")
is_(len(lost), 0, "(a) answers that lost a running replica during the dockerd restart")
log = log_text()
ok("engine gr1: down (" in log and
   "keeping 3 replicas for up to 12000 ms while they answer" in log,
   "(a) log: keeping 3 replicas for up to 12000 ms while they answer")
ok("bare: -b1-gr1 (engine down, nothing to probe)" in log,
   "(a) log: bare: -b1-gr1 (engine down, nothing to probe)")
ok("web: -g" not in log, "(a) log: no web replica withdrawn")

# ---------------------------------------------------------------- (b) the host dies
pid1 = e1.api_json(f"/containers/{g1.id}/json")["State"]["Pid"]
pid3 = e1.api_json(f"/containers/{g3.id}/json")["State"]["Pid"]
ok(pid1 > 0 and pid3 > 0, f"(b) g1's process is {pid1}, g3's {pid3}")
sampler = fleet.Sampler(lambda: fleet.query(P, WEB), 0.1)
time.sleep(0.3)
t_kill = now()
e1.kill()
os.kill(pid1, signal.SIGKILL)
# g3's network cut: its eth0 down, so connections to it get no answer at all (a timeout).
fleet._run(["nsenter", "-t", str(pid3), "-n", "ip", "link", "set", "eth0", "down"])
diag("gr1: dockerd and g1's process killed (SIGKILL), g3's eth0 down")
good, lat, a = fleet.poll(P, WEB, addrs_are({g2.ip}), PROBE_BOUND + 1, since=t_kill,
                          interval=0.05)
fleet.latency("grace_probe_failed", lat if good else None)
ok(good and lat <= PROBE_BOUND * 1000,
   f"(b) g1 (refusing connections) and g3 (cut off) left {lat} ms after the kill "
   f"(bound {ms(PROBE_BOUND)} ms)",
   a.summary() if a else None)
ok(log_wait("web: -g1-gr1 (engine down, probe failed: connection refused)", 1),
   "(b) log: web: -g1-gr1 (engine down, probe failed: connection refused)")
G3_GONE = f"web: -g3-gr1 (engine down, probe failed: not connected within {PROBE_TIMEOUT_MS} ms)"
ok(log_wait(G3_GONE, 1), f"(b) log: {G3_GONE} (gr1's probe-timeout)")
# g2 still answers its port: served, shown stale, until the grace is over.
# /status and /metrics are rendered at most once a second, when read.
reps, metrics = {}, ""
STALE = 'fleetdns_service_replicas{service="web",state="stale"} 1'
FRESH = 'fleetdns_service_replicas{service="web",state="served"} 0'
deadline = now() + 4
while now() < deadline:
    reps, metrics = web_replicas(), get("/metrics")
    if "g1-gr1" not in reps and "g3-gr1" not in reps and STALE in metrics and FRESH in metrics:
        break
    time.sleep(0.3)
r2 = reps.get("g2-gr1", {})
ok(r2.get("served") is True and r2.get("stale") is True and r2.get("reason") is None and
   "g1-gr1" not in reps and "g3-gr1" not in reps,
   "(b) /status: g2 served and stale, g1 and g3 gone", json.dumps(reps))
ok(STALE in metrics and FRESH in metrics,
   "(b) /metrics: web has 1 stale and 0 (fresh) served replicas",
   "\n".join(ln for ln in metrics.splitlines() if 'service="web"' in ln))
# What people read: fleetdnsctl and the status page say stale too.
code, out, err = ctl("services", "web")
ok(code == 0 and re.search(rf"^  {re.escape(g2.dns_name)} +gr1 +{re.escape(g2.ip)} +\S+ +"
                           r"served \(stale\)$", out, re.M),
   f"(b) fleetdnsctl services web: {g2.dns_name} ... served (stale)", out + err)
page = get("/")
ok(re.search(rf'<tr class="served stale"><td>{re.escape(g2.dns_name)}</td>.*'
             r"served \(stale: engine down\)</td></tr>", page),
   "(b) status page: g2's row is 'served stale', 'served (stale: engine down)'",
   "\n".join(ln for ln in page.splitlines() if g2.dns_name in ln))
good, lat, a = fleet.poll(P, WEB, nodata, GRACE_MS / 1000 + 2, since=t_kill)
sampler.stop()
ok(good and GRACE_MS - 100 <= lat <= GRACE_MS + TIMEOUT_MS,
   f"(b) g2 left at the end of the grace: {lat} ms after the kill (grace {GRACE_MS} ms)",
   a.summary() if a else None)
mid = [v for t, v in sampler.between(t_kill + PROBE_BOUND, t_kill + GRACE_MS / 1000 - 0.5)]
lost = sum(1 for v in mid if v is None or v.addrs != frozenset({g2.ip}))
ok(len(mid) > 50, f"(b) {len(mid)} answers sampled during the grace")
is_(lost, 0, "(b) answers during the grace without g2 (still answering its port)")
ok(log_wait("engine gr1: still down at the end of its grace; the 1 replica kept is "
            "withdrawn", 1), "(b) log: the grace is over, 1 replica withdrawn")
fleet._run(["nsenter", "-t", str(pid3), "-n", "ip", "link", "set", "eth0", "up"])
e1.launch()
e1.wait_ready()
good, lat, a = fleet.poll(P, WEB, addrs_are({g2.ip, g3.ip}), 10)
ok(good, f"(b) gr1 back: g2 and g3 served again, g1 (dead) not ({lat} ms)",
   a.summary() if a else None)

# ---------------------------------------------------------------- (c) grace 0
t_kill = now()
e2.kill()
good, lat, a = fleet.poll(P, ZERO, nodata, TIMEOUT_MS / 1000 + 1, since=t_kill, interval=0.05)
fleet.latency("grace_zero_withdrawn", lat if good else None)
ok(good, f"(c) gr4 (grace 0) killed: z1 withdrawn {lat} ms after the kill, though it still "
   "answers its port", a.summary() if a else None)
ok(log_wait("engine gr4: down (", 1) and "engine gr4: down" in log_text() and
   "its replicas are withdrawn" in log_text() and "zero: -z1-gr4 (engine down)" in log_text(),
   "(c) log: engine gr4: down (...); its replicas are withdrawn; zero: -z1-gr4 (engine down)")

ok(srv.alive(), "fleetdns still running")
if fleet.fdnstest._failed:
    fleet.fleetdns_log(srv, 80)

# fleetdns stops cleanly in the middle of a grace (its probes running).
e1.kill()
ok(log_wait("engine gr1: down (", 3) and log_wait("keeping 2 replicas", 1),
   "gr1 killed again: 2 replicas kept")
time.sleep(0.7)
t0 = now()
rc = srv.stop()
is_(rc, 0, "fleetdns exits with 0 when stopped during a grace")
ok(now() - t0 < 3, f"... in {ms(now() - t0)} ms")
fleet.done_testing()
