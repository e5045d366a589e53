# status_page.py -- what an operator sees (issue 9), against a real Docker engine: /status
# (JSON), /ready, the page at / in headless Chromium (and a screenshot), and fleetdnsctl over
# the control socket (status, engines, services, zones, reload); a replica made unhealthy
# shows as withheld with its reason everywhere.
# SPDX-License-Identifier: MIT
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", "."), "tests", "lib"))
import fleet  # noqa: E402
from fleet import ok, is_, diag, addrs_are  # noqa: E402

fleet.require_fleet_server()
CHROMIUM = shutil.which("chromium")
if not CHROMIUM:
    fleet.bail("chromium is missing (apt-get install chromium)")
CTL = os.path.join(os.environ.get("TOP_BUILDDIR", "."), "fleetdnsctl")
if not os.access(CTL, os.X_OK):
    fleet.bail(f"{CTL} is not built")

e, = fleet.engines_start("st1")
Z = fleet.ZONE
WEB = f"web.{Z}"
w1, w2 = (fleet.run_replica(e, "web", name=f"web-{i}") for i in (1, 2))
H = fleet.free_port()
SOCK = os.path.join(fleet.TMP, "control.sock")
cfg = os.path.join(fleet.TMP, "status.yaml")
with open(cfg, "w") as f:
    f.write(f"""http:
  listen: ["127.0.0.1:{H}"]
  control-socket: {SOCK}
zones:
  - name: {Z}
engines:
  - {{ name: {e.name}, url: "{e.url}" }}
fleet:
  zone: {Z}
""")
srv = fleet.start_fleetdns(config=cfg)
P = srv.port
good, _, a = fleet.poll(P, WEB, addrs_are({w1.ip, w2.ip}), 10)
ok(good, f"{WEB} = both replicas", a.summary() if a else None)
URL = f"http://127.0.0.1:{H}"


def get(path):
    try:
        with urllib.request.urlopen(URL + path, timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def status():
    code, body = get("/status")
    return json.loads(body) if code == 200 else None


def ctl(*args):
    p = subprocess.run([CTL, "-s", SOCK] + list(args), capture_output=True, text=True,
                       timeout=20)
    return p.returncode, p.stdout, p.stderr


def wait_for(pred, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        st = status()
        if st is not None and pred(st):
            return st
        time.sleep(0.2)
    return status()


st = wait_for(lambda s: s["ready"] and any(x["name"] == "web" and x["replicas_served"] == 2
                                           for x in s["services"]))
is_(get("/ready"), (200, "ready\n"), "/ready: 200 once the engine was listed")
ok(st is not None, "/status is JSON")
if st is None:
    fleet.done_testing()
is_([(x["name"], x["state"], x["containers"], x["url"]) for x in st["engines"]],
    [(e.name, "up", 2, e.url)], "/status engines: the engine, up, its 2 containers, its URL")
web = next(x for x in st["services"] if x["name"] == "web")
is_(sorted((r["name"], r["engine"], r["ipv4"], r["health"], r["served"], r["reason"])
           for r in web["replicas"]),
    sorted((w.dns_name, e.name, w.ip, "healthy", True, None) for w in (w1, w2)),
    "/status services: both replicas served, with engine, address and health")
st = wait_for(lambda s: any(x["serial"] == fleet.soa_serial(P) for x in s["zones"]))
z = next(x for x in st["zones"] if x["name"].rstrip(".") == Z.rstrip("."))
is_(z["serial"], fleet.soa_serial(P), "/status zones: the fleet zone's serial as served")
is_(st["process"]["config"], cfg, "/status process: the configuration file")

# A replica fails its health check: withheld, with the reason, everywhere.
fleet.make_unhealthy(w2)
good, _, a = fleet.poll(P, WEB, addrs_are({w1.ip}), 10)
ok(good, f"{w2.name} unhealthy: {WEB} = {w1.name} only", a.summary() if a else None)
st = wait_for(lambda s: any(r["name"] == w2.dns_name and r["reason"] == "unhealthy"
                            for x in s["services"] for r in x["replicas"]))
web = next(x for x in st["services"] if x["name"] == "web")
is_((web["replicas_known"], web["replicas_served"]), (2, 1), "/status: 1 of 2 served")
is_(sorted((r["name"], r["served"], r["reason"]) for r in web["replicas"]),
    sorted([(w1.dns_name, True, None), (w2.dns_name, False, "unhealthy")]),
    f"/status: {w2.dns_name} withheld, reason unhealthy")

# /metrics: the fleet's part (engines, services by replica state, serials, publications).
def scrape_until(pred, timeout=10):
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        code, text = get("/metrics")
        if code == 200 and pred(text):
            break
        time.sleep(0.25)
    return text


# Rendered at most once a second, and only once read: scrape until it shows the serial served.
text = scrape_until(lambda t: f'fleetdns_service_replicas{{service="web",state="unhealthy"}} 1'
                    in t and f'fleetdns_zone_serial{{zone="{Z}"}} {fleet.soa_serial(P)}\n' in t)
for line in (f'fleetdns_engine_up{{engine="{e.name}"}} 1',
             f'fleetdns_engine_containers{{engine="{e.name}"}} 2',
             f'fleetdns_engine_drained{{engine="{e.name}"}} 0',
             'fleetdns_service_replicas{service="web",state="served"} 1',
             'fleetdns_service_replicas{service="web",state="unhealthy"} 1',
             'fleetdns_service_replicas{service="web",state="stopped"} 0',
             f'fleetdns_zone_serial{{zone="{Z}"}} {fleet.soa_serial(P)}',
             "fleetdns_ready 1"):
    ok(re.search("^" + re.escape(line) + "$", text, re.M), f"/metrics: {line}")
m = re.search(r"^fleetdns_publication_duration_seconds_count (\d+)$", text, re.M)
ok(m and int(m.group(1)) >= 1, "/metrics: publications counted in the duration histogram",
   m and m.group(0))
p = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True)
is_((p.returncode, p.stdout + p.stderr), (0, ""), "promtool check metrics: the whole scrape")

code, out, err = ctl("services", "web")
is_((code, err), (0, ""), "fleetdnsctl services web: exit 0")
lines = out.splitlines()
is_(lines[0] if lines else None, "web: 1 of 2 replicas served", "fleetdnsctl: the summary line")
ok(any(re.match(rf"^  {re.escape(w2.dns_name)} +{e.name} +{re.escape(w2.ip)} +unhealthy +"
                r"withheld \(unhealthy\)$", ln) for ln in lines),
   f"fleetdnsctl: {w2.dns_name} withheld (unhealthy)", out)
ok(any(re.match(rf"^  {re.escape(w1.dns_name)} +{e.name} +{re.escape(w1.ip)} +healthy +served$",
                ln) for ln in lines), f"fleetdnsctl: {w1.dns_name} served", out)
code, out, err = ctl("engines")
ok(code == 0 and re.search(rf"^{e.name} +up +\S+ +2  {re.escape(e.url)}$", out, re.M),
   "fleetdnsctl engines: up, 2 containers", out + err)
code, out, err = ctl("status")
ok(code == 0 and "ready: yes" in out and "engines: 1 up of 1" in out and
   "replicas served: 1 of 2" in out, "fleetdnsctl status", out + err)
# The status may be a second older than the last serial: ask until they agree.
for _ in range(20):
    code, out, err = ctl("zones")
    if code == 0 and re.search(rf"^{re.escape(Z)}\.? +{fleet.soa_serial(P)} +\d+$", out, re.M):
        break
    time.sleep(0.25)
ok(code == 0 and re.search(rf"^{re.escape(Z)}\.? +{fleet.soa_serial(P)} +\d+$", out, re.M),
   "fleetdnsctl zones: the fleet zone and its serial as served", out + err)
is_(ctl("services", "nosuch")[0], 1, "fleetdnsctl services NAME unknown: exit 1")
is_(ctl("bogus")[0], 2, "fleetdnsctl with an unknown command: exit 2")
code, out, err = subprocess.run([CTL, "-s", os.path.join(fleet.TMP, "none.sock"), "status"],
                                capture_output=True, text=True).returncode, "", ""
is_(code, 1, "fleetdnsctl with no daemon at the socket: exit 1")
is_(oct(os.stat(SOCK).st_mode & 0o777), "0o600", "the control socket is mode 0600")

# The page, as a browser renders it.
prof = os.path.join(fleet.TMP, "chromium")
flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={prof}"]
dom = subprocess.run([CHROMIUM] + flags + ["--dump-dom", URL + "/"], capture_output=True,
                     text=True, timeout=60).stdout
row = re.search(rf'<tr class="withheld"><td>{re.escape(w2.dns_name)}</td><td>{e.name}</td>'
                rf"<td>{re.escape(w2.ip)}</td><td>unhealthy</td><td>withheld: unhealthy</td>",
                dom)
ok(row, f"the page (headless Chromium) shows {w2.dns_name} withheld: unhealthy", dom[-1500:])
ok(re.search(rf'<tr class="served"><td>{re.escape(w1.dns_name)}</td>', dom),
   f"the page shows {w1.dns_name} served")
ok(re.search(rf'<tr class="up"><td>{e.name}</td><td>up</td>', dom), "the page shows the engine up")
ok('http-equiv="refresh"' in dom, "the page refreshes itself")
shot = os.path.join(os.environ.get("TOP_BUILDDIR", "."), "status_page.png")
subprocess.run([CHROMIUM] + flags + [f"--screenshot={shot}", "--window-size=1000,800",
                                     URL + "/"], capture_output=True, timeout=60)
ok(os.path.exists(shot) and os.path.getsize(shot) > 1000, f"a screenshot of the page: {shot}")

# The log names what changed, and a value from an engine cannot forge a line.
log = open(srv.log).read()
ok(re.search(rf"info: web: \+{re.escape(w1.dns_name)} {re.escape(w1.ip)} \(healthy\)$", log,
             re.M), f"the log says web: +{w1.dns_name} {w1.ip} (healthy)")
ok(re.search(rf"info: web: -{re.escape(w2.dns_name)} \(unhealthy\)$", log, re.M),
   f"the log says web: -{w2.dns_name} (unhealthy)")
fleet.run_replica(e, "x\n2026-01-01T00:00:00Z error: forged", name="forger", wait="running")
deadline = time.monotonic() + 10
while time.monotonic() < deadline and "forger" not in open(srv.log).read():
    time.sleep(0.2)
log = open(srv.log).read()
ok(re.search(r"service label 'x\\x0a2026-01-01T00:00:00Z error: forged' is not a valid DNS name",
             log), "a service label with a newline is logged escaped (\\x0a)", log[-600:])
ok(not re.search(r"^2026-01-01T00:00:00Z error: forged", log, re.M),
   "... and forges no log line of its own")

# reload through the control socket
code, out, err = ctl("reload")
ok(code == 0 and out.startswith("reload started"), "fleetdnsctl reload", out + err)
deadline = time.monotonic() + 10
while time.monotonic() < deadline and "control socket: reloading" not in open(srv.log).read():
    time.sleep(0.2)
ok("control socket: reloading" in open(srv.log).read(), "the daemon logs the reload")
good, _, a = fleet.poll(P, WEB, addrs_are({w1.ip}), 5)
ok(good, "after the reload, the answer is unchanged", a.summary() if a else None)
# Maintenance: drain the engine (its replicas withheld, containers untouched), then undrain.
fleet.make_healthy(w2)
good, _, a = fleet.poll(P, WEB, addrs_are({w1.ip, w2.ip}), 10)
ok(good, "both replicas healthy again", a.summary() if a else None)
code, out, err = ctl("drain", e.name)
is_((code, out), (0, f"{e.name} drained\n"), "fleetdnsctl drain ENGINE")
good, _, a = fleet.poll(P, WEB, fleet.nodata, 5)
ok(good, f"drained: {WEB} has no address left (NODATA)", a.summary() if a else None)
st = wait_for(lambda s: s["engines"][0]["drained"])
is_([(r["served"], r["reason"]) for x in st["services"] if x["name"] == "web"
     for r in x["replicas"]], [(False, "drained")] * 2, "/status: both withheld, drained")
code, out, err = ctl("engines")
ok(re.search(rf"^{e.name} +up,drained ", out, re.M), "fleetdnsctl engines: up,drained", out)
ok(f"engine {e.name}: drained" in open(srv.log).read(), "the log says the engine was drained")
text = scrape_until(lambda t: f'fleetdns_engine_drained{{engine="{e.name}"}} 1' in t)
ok(f'fleetdns_service_replicas{{service="web",state="drained"}} 2' in text,
   "/metrics: drained engine, both replicas counted as drained")
is_(e.api_json(f"/containers/{w1.id}/json")["State"]["Running"], True,
    "the containers keep running")
code, out, err = ctl("undrain", e.name)
is_((code, out), (0, f"{e.name} undrained\n"), "fleetdnsctl undrain ENGINE")
good, _, a = fleet.poll(P, WEB, addrs_are({w1.ip, w2.ip}), 5)
ok(good, f"undrained: {WEB} = both replicas again", a.summary() if a else None)
code, out, err = ctl("drain", "nosuch")
is_((code, err), (1, f"fleetdnsctl: {SOCK}: 404 nosuch is not an engine\n"),
    "fleetdnsctl drain of an unknown engine: exit 1, said why")
code, body = get("/drain/" + e.name)
is_(code, 404, "the HTTP listener has no commands (GET /drain/...: 404)")
req = urllib.request.Request(URL + "/reload", method="POST")
try:
    code = urllib.request.urlopen(req, timeout=5).status
except urllib.error.HTTPError as err_:
    code = err_.code
is_(code, 405, "POST /reload on the HTTP listener: 405 (only the control socket takes it)")

# Engine counters: signals the replica ignores (SIGWINCH) make exactly one "kill" event each
# in the engine's stream and change nothing served; nothing failed, nothing reconnected.
def value(text, series):
    m = re.search(r"^" + re.escape(series) + r" (\S+)$", text, re.M)
    return float(m.group(1)) if m else None


EV = f'fleetdns_engine_events_total{{engine="{e.name}"}}'
H_COUNT = "fleetdns_event_to_answer_seconds_count"
# The scrape may be a second old: take the count once two scrapes 1.5 s apart agree.
prev = None
for _ in range(20):
    text = scrape_until(lambda t: value(t, EV) is not None)
    if prev is not None and value(text, EV) == value(prev, EV):
        break
    prev = text
    time.sleep(1.5)
ev0, h0 = value(text, EV), value(text, H_COUNT)
for _ in range(3):
    st_, body = e.api("POST", f"/containers/{w1.id}/kill?signal=SIGWINCH")
    is_(st_, 204, "SIGWINCH sent to a replica through the engine API")
text = scrape_until(lambda t: value(t, EV) == ev0 + 3)
is_(value(text, EV), ev0 + 3, "fleetdns_engine_events_total: exactly the 3 kill events")
is_([value(text, f'fleetdns_engine_errors_total{{engine="{e.name}",kind="{k}"}}')
     for k in ("connection", "timeout", "http_status", "protocol", "stream_ended", "internal")]
    + [value(text, f'fleetdns_engine_reconnects_total{{engine="{e.name}"}}')],
    [0.0] * 7, "fleetdns_engine_errors_total by kind and reconnects: all 0")
last = value(text, f'fleetdns_engine_last_sync_timestamp_seconds{{engine="{e.name}"}}')
ok(last and time.time() - 300 < last <= time.time() + 1,
   f"fleetdns_engine_last_sync_timestamp_seconds: the last listing, now-ish ({last})")
# Event to answer: a pause withdraws the replica, an unpause brings it back; each publication
# that follows an event is one observation, and it is quick.
e.api("POST", f"/containers/{w1.id}/pause")
good, _, a = fleet.poll(P, WEB, addrs_are({w2.ip}), 10)
ok(good, f"{w1.name} paused: withdrawn", a.summary() if a else None)
e.api("POST", f"/containers/{w1.id}/unpause")
good, _, a = fleet.poll(P, WEB, addrs_are({w1.ip, w2.ip}), 10)
ok(good, f"{w1.name} unpaused: back", a.summary() if a else None)
text = scrape_until(lambda t: value(t, H_COUNT) >= h0 + 2)
n = value(text, H_COUNT) - h0
ok(n >= 2, f"fleetdns_event_to_answer_seconds: observations for the pause and the unpause ({n})")
is_(value(text, 'fleetdns_event_to_answer_seconds_bucket{le="5"}'), value(text, H_COUNT),
    "fleetdns_event_to_answer_seconds: every observation within 5 s")
ok(0 < value(text, "fleetdns_event_to_answer_seconds_sum") < 5 * value(text, H_COUNT),
   "fleetdns_event_to_answer_seconds_sum: positive")
p = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True)
is_((p.returncode, p.stdout + p.stderr), (0, ""), "promtool check metrics: the last scrape")
fleet.done_testing()
