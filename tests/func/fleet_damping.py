# fleet_damping.py -- docs/fleet.md "Flap damping" on one real engine (dmp1), with busybox
# replicas whose health check is `test -f /tmp/ok` every 500 ms, flapped by removing and
# making the file. Two fleetdns on the same engine:
# (a) hold-down 4000 ms: replicas already running when fleetdns starts are answered at once;
#     an unhealthy replica is withdrawn at once, and once healthy again it is answered only
#     4000 ms after the engine's health_status: healthy event (held-down in /status
#     meanwhile); so is a container started while fleetdns runs; a reload (SIGHUP) to
#     hold-down 0 serves a held replica at once.
# (b) damping {half-life 20000, suppress 2.5, reuse 1.5}: the first two flaps withdraw and
#     return the replica, the third damps it (reason "damped", one log line); three more
#     flaps while damped change neither the answers nor the SOA serial; it comes back once
#     its penalty has decayed (when /status said it would), with one log line.
# (c) hold-down-checks 3: a replica healthy again is answered only once its last three health
#     results passed in a row (State.Health.Log, read after each check's exec_die): about two
#     check intervals after the engine's healthy event; held-down in /status with
#     checks_passed and checks_needed meanwhile.
# SPDX-License-Identifier: MIT
import json
import os
import signal
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", "."), "tests", "lib"))
import fleet  # noqa: E402
from fleet import ok, is_, diag, now, ms, addrs_are, ev_container  # noqa: E402

fleet.require_fleet_server()
HOLD_MS = 4000
# How much later than the hold-down a return may come: the poll, the publication and a loaded
# machine (621 ms seen once while a benchmark ran beside the test).
SLACK_MS = 1000
HALF_LIFE_MS, SUPPRESS, REUSE = 20000, 2.5, 1.5
e, = fleet.engines_start(fleet.Engine("dmp1"))
Z = fleet.ZONE
HOLD, DAMP = f"hold.{Z}", f"damp.{Z}"
HEALTH = ["--health-cmd", "test -f /tmp/ok", "--health-interval", "500ms",
          "--health-timeout", "1s", "--health-retries", "1"]
CMD = ["/bin/sh", "-c", "touch /tmp/ok; exec httpd -f -p 8080 -h /www"]


def replica(service, name):
    return fleet.run_replica(e, service, *HEALTH, name=name, cmd=CMD)


def sick(r):
    e.docker("exec", r.id, "rm", "-f", "/tmp/ok")


def well(r):
    e.docker("exec", r.id, "touch", "/tmp/ok")


h0, h1 = replica("hold", "dmp-h0"), replica("hold", "dmp-h1")
d0, d1 = replica("damp", "dmp-d0"), replica("damp", "dmp-d1")


def write_conf(cfg, h, fleet_conf):
    with open(cfg, "w") as f:
        f.write(f"""http:
  listen: ["127.0.0.1:{h}"]
zones:
  - name: {Z}
engines:
  - {{ name: {e.name}, url: "{e.url}" }}
fleet:
  zone: {Z}
{fleet_conf}""")


def start(name, fleet_conf):
    h = fleet.free_port()
    cfg = os.path.join(fleet.TMP, f"{name}.yaml")
    write_conf(cfg, h, fleet_conf)
    t = now()
    srv = fleet.start_fleetdns(config=cfg)
    srv.cfg = cfg
    return srv, h, t


def log_count(srv, text):
    with open(srv.log) as f:
        return f.read().count(text)


def metrics_line_poll(h, line, timeout):
    """Whether /metrics (rendered at most once a second, when read) shows line in time."""
    deadline = now() + timeout
    while now() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{h}/metrics", timeout=5) as r:
                if line in r.read().decode().splitlines():
                    return True
        except urllib.error.HTTPError:
            pass
        time.sleep(0.2)
    return False


def status_of(h, service, label):
    """The replica's object in /status (rendered at most once a second, when read)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{h}/status", timeout=5) as r:
            st = json.loads(r.read().decode())
    except urllib.error.HTTPError:  # 503 until the status was first rendered
        return None
    for s in st["services"]:
        if s["name"] == service:
            for rep in s["replicas"]:
                if rep["name"] == label:
                    return rep
    return None


def status_poll(h, service, label, pred, timeout):
    """The first status of label for which pred holds within timeout s, else the last."""
    deadline = now() + timeout
    rep = None
    while now() < deadline:
        rep = status_of(h, service, label)
        if rep is not None and pred(rep):
            return True, rep
        time.sleep(0.2)
    return False, rep


def health_event(r, status, since):
    return e.wait_event(ev_container(f"health_status: {status}", r.id), since, timeout=5)


# ---------------------------------------------------------------- (a) hold-down
srv_a, ha, t_start = start("hold", f"  hold-down: {HOLD_MS}\n")
PA = srv_a.port
good, lat, a = fleet.poll(PA, HOLD, addrs_are({h0.ip, h1.ip}), 3, since=t_start)
ok(good and lat < HOLD_MS, f"(a) running before fleetdns started: both answered at once "
   f"({lat} ms after the start, hold-down {HOLD_MS})", a.summary() if a else None)

t0 = now()
sick(h1)
good, lat, a = fleet.poll(PA, HOLD, addrs_are({h0.ip}), 3, since=t0)
ok(good, f"(a) unhealthy: withdrawn at once ({lat} ms after rm, health every 500 ms)",
   a.summary() if a else None)
t0 = now()
well(h1)
t_ev = health_event(h1, "healthy", t0)
ok(t_ev is not None, "(a) the engine reported h1 healthy")
good, rep = status_poll(ha, "hold", h1.dns_name, lambda r: r["reason"] == "held-down", 2)
ok(good and not rep["served"] and 0 < rep.get("held_ms", 0) <= HOLD_MS,
   f"(a) /status: h1 held-down, held_ms in (0, {HOLD_MS}]", rep)
ok(metrics_line_poll(ha, 'fleetdns_service_replicas{service="hold",state="held-down"} 1', 2),
   '(a) /metrics: fleetdns_service_replicas{service="hold",state="held-down"} 1')
good, lat, a = fleet.poll(PA, HOLD, addrs_are({h0.ip, h1.ip}), HOLD_MS / 1000 + 2, since=t0)
back = lat - ms(t_ev - t0) if t_ev is not None else None
diag(f"(a) h1 answered {back} ms after its health_status: healthy event")
print(f"# hold-down-return {back}")
ok(good and back is not None and HOLD_MS <= back <= HOLD_MS + SLACK_MS,
   f"(a) healthy again: answered {HOLD_MS} to {HOLD_MS + SLACK_MS} ms after the engine's event",
   f"{back} ms; {a.summary() if a else None}")
is_(log_count(srv_a, f"hold: {h1.dns_name} held down for {HOLD_MS} ms (healthy)"), 1,
    "(a) log: one 'held down' line for h1")

# A container started while fleetdns runs: held too.
t0 = now()
h2 = replica("hold", "dmp-h2")
t_ev = health_event(h2, "healthy", t0)
good, lat, a = fleet.poll(PA, HOLD, addrs_are({h0.ip, h1.ip, h2.ip}), HOLD_MS / 1000 + 3,
                          since=t0)
back = lat - ms(t_ev - t0) if t_ev is not None else None
diag(f"(a) new h2 answered {back} ms after its health_status: healthy event")
ok(good and back is not None and HOLD_MS <= back <= HOLD_MS + SLACK_MS,
   f"(a) a new container: answered {HOLD_MS} to {HOLD_MS + SLACK_MS} ms after it is healthy",
   f"{back} ms; {a.summary() if a else None}")

# A reload that turns hold-down off serves what is held at once.
ALL3 = {h0.ip, h1.ip, h2.ip}
sick(h1)
good, _, a = fleet.poll(PA, HOLD, addrs_are({h0.ip, h2.ip}), 3)
ok(good, "(a) h1 unhealthy again: withdrawn", a.summary() if a else None)
t0 = now()
well(h1)
ok(health_event(h1, "healthy", t0) is not None, "(a) the engine reported h1 healthy again")
good, rep = status_poll(ha, "hold", h1.dns_name, lambda r: r["reason"] == "held-down", 2)
ok(good, "(a) h1 held down again", rep)
write_conf(srv_a.cfg, ha, "  hold-down: 0\n")
t0 = now()
srv_a.proc.send_signal(signal.SIGHUP)
good, lat, a = fleet.poll(PA, HOLD, addrs_are(ALL3), 3, since=t0)
ok(good and lat < 1000, f"(a) SIGHUP with hold-down: 0: h1 answered at once ({lat} ms)",
   a.summary() if a else None)
srv_a.stop()

# ---------------------------------------------------------------- (b) damping
srv_b, hb, t_start = start("damp", f"  damping: {{half-life: {HALF_LIFE_MS}, suppress: "
                                   f"{SUPPRESS}, reuse: {REUSE}}}\n")
PB = srv_b.port
BOTH, ONE = {d0.ip, d1.ip}, {d0.ip}
good, _, a = fleet.poll(PB, DAMP, addrs_are(BOTH), 3, since=t_start)
ok(good, "(b) both damp replicas answered", a.summary() if a else None)
L = d1.dns_name


def flap(i, expect_back):
    """d1 unhealthy (withdrawn at once), then healthy: answered again or not. Returns the
    time the engine reported it healthy."""
    t0 = now()
    sick(d1)
    good, lat, a = fleet.poll(PB, DAMP, addrs_are(ONE), 3, since=t0)
    ok(good, f"(b) flap {i}: withdrawn ({lat} ms)", a.summary() if a else None)
    ok(health_event(d1, "unhealthy", t0) is not None, f"(b) flap {i}: engine says unhealthy")
    t0 = now()
    well(d1)
    t_ev = health_event(d1, "healthy", t0)
    ok(t_ev is not None, f"(b) flap {i}: engine says healthy")
    if expect_back:
        good, lat, a = fleet.poll(PB, DAMP, addrs_are(BOTH), 3, since=t0)
        ok(good, f"(b) flap {i}: answered again ({lat} ms)", a.summary() if a else None)
    return t_ev


t_first = now()
for i in (1, 2):
    flap(i, True)
    good, rep = status_poll(hb, "damp", L, lambda r: "penalty" in r and r["served"], 2)
    ok(good and rep["reason"] is None and "damped_ms" not in rep and
       rep["penalty"] < SUPPRESS, f"(b) after flap {i}: served, penalty below {SUPPRESS}", rep)
flap(3, False)
t_damped = now()
diag(f"(b) three flaps in {ms(t_damped - t_first)} ms")
good, rep = status_poll(hb, "damp", L, lambda r: r["reason"] == "damped", 2)
ok(good and not rep["served"] and rep["penalty"] >= SUPPRESS and rep["damped_ms"] > 0,
   f"(b) after flap 3: reason damped, penalty >= {SUPPRESS}", rep)
ok(metrics_line_poll(hb, 'fleetdns_service_replicas{service="damp",state="damped"} 1', 2),
   '(b) /metrics: fleetdns_service_replicas{service="damp",state="damped"} 1')
time.sleep(0.5)
a = fleet.query(PB, DAMP)
ok(a is not None and addrs_are(ONE)(a), "(b) damped: not answered though healthy",
   a.summary() if a else None)
is_(log_count(srv_b, f"damp: {L} damped: penalty "), 1, "(b) log: one 'damped' line")

# Flapping while damped: no answer and no serial changes.
time.sleep(1.2)  # past the serial interval of the withdrawal's serial
s0 = fleet.soa_serial(PB)
watch = fleet.SerialWatch(PB)
answers = fleet.DigLoop(PB, DAMP, interval=0.1)
for i in (4, 5, 6):
    flap(i, False)
time.sleep(1.5)  # a serial would move within a second of a change
answers.stop()
watch.stop()
serials = sorted(set(watch.samples))
diag(f"(b) serials while damped and flapping: {serials} ({len(watch.samples)} samples)")
ok(len(watch.samples) > 30 and serials == [s0],
   f"(b) 3 flaps while damped: the SOA serial stayed {s0}", serials)
wrong = [(round(t - t_first, 2), st, ad) for t, st, ad in answers.results
         if st != "NOERROR" or set(ad) != ONE]
ok(len(answers.results) > 30 and not wrong,
   f"(b) {len(answers.results)} answers while damped and flapping: all {sorted(ONE)}",
   wrong[:5])
is_(log_count(srv_b, f"damp: {L} damped: penalty "), 1,
    "(b) log: still one 'damped' line after flapping while damped")

# It comes back when its penalty has decayed to reuse. Nobody read /status during the flaps,
# so the first read shows what it was then: read, and read again once it was rendered anew.
status_of(hb, "damp", L)
time.sleep(1.2)
good, rep = status_poll(hb, "damp", L, lambda r: r["reason"] == "damped", 2)
t_read = now()
left = rep["damped_ms"] if good else None
pen = rep["penalty"] if good else None
diag(f"(b) /status after the flaps: penalty {pen}, damped_ms {left}")
ok(good and pen is not None and pen > SUPPRESS, f"(b) penalty {pen} above {SUPPRESS}", rep)
if left is not None:
    good, lat, a = fleet.poll(PB, DAMP, addrs_are(BOTH), left / 1000 + 3, since=t_read)
    diag(f"(b) answered again {lat} ms after /status said {left} ms")
    print(f"# damped-return-error {lat - left}")
    # /status is rendered at most once a second, so damped_ms may be up to 1 s old.
    ok(good and left - 1300 <= lat <= left + 600,
       f"(b) released when /status said ({left} ms, within -1300..+600 ms)",
       f"{lat} ms; {a.summary() if a else None}")
    is_(log_count(srv_b, f"damp: {L} no longer damped: its penalty has decayed to "
                         f"{REUSE:g}"), 1, "(b) log: one 'no longer damped' line")
    s1 = fleet.serial_raised(PB, s0)
    ok(s1 is not None and s1 > s0, f"(b) its return raised the serial ({s0} -> {s1})")

ok(srv_b.alive(), "fleetdns still running")
srv_b.stop()

# ---------------------------------------------------------------- (c) hold-down-checks
CHECKS = 3
CHECK = f"checks.{Z}"
c0, c1 = replica("checks", "dmp-c0"), replica("checks", "dmp-c1")
srv_c, hc, t_start = start("checks", f"  hold-down-checks: {CHECKS}\n")
PC = srv_c.port
good, _, a = fleet.poll(PC, CHECK, addrs_are({c0.ip, c1.ip}), 3, since=t_start)
ok(good, "(c) running before fleetdns started: both answered at once", a.summary() if a else None)
sick(c1)
good, _, a = fleet.poll(PC, CHECK, addrs_are({c0.ip}), 3)
ok(good, "(c) c1 unhealthy: withdrawn at once", a.summary() if a else None)
t0 = now()
well(c1)
t_ev = health_event(c1, "healthy", t0)
ok(t_ev is not None, "(c) the engine reported c1 healthy")
good, rep = status_poll(hc, "checks", c1.dns_name, lambda r: r["reason"] == "held-down", 2)
ok(good and not rep["served"] and rep.get("checks_needed") == CHECKS and
   1 <= rep.get("checks_passed", 0) < CHECKS and "held_ms" not in rep,
   f"(c) /status: c1 held-down, checks_passed in [1, {CHECKS}), checks_needed {CHECKS}", rep)
good, lat, a = fleet.poll(PC, CHECK, addrs_are({c0.ip, c1.ip}), 5, since=t0, interval=0.05)
passes = e.api_json(f"/containers/{c1.id}/json")["State"]["Health"]["Log"] if good else []
in_a_row = 0
for result in reversed(passes):
    if result["ExitCode"] != 0:
        break
    in_a_row += 1
back = lat - ms(t_ev - t0) if t_ev is not None else None
diag(f"(c) c1 answered {back} ms after its health_status: healthy event; its Health.Log then: "
     f"{[r['ExitCode'] for r in passes]}")
print(f"# hold-down-checks-return {back}")
# The event comes with the first pass; two more checks every 500 ms follow (each read after
# its exec_die, and again 250 ms later).
ok(good and back is not None and 2 * 500 - 200 <= back <= 2 * 500 + 1500,
   f"(c) answered after two more checks (800 to 2500 ms after the event): {back} ms",
   a.summary() if a else None)
ok(in_a_row >= CHECKS, f"(c) when answered, its last {CHECKS} results passed ({in_a_row} in a "
   "row in State.Health.Log)")
is_(log_count(srv_c, f"checks: {c1.dns_name} held down until {CHECKS} health checks pass in a "
                     "row (1 so far) (healthy)"), 1,
    "(c) log: one 'held down until 3 health checks pass' line, at the first pass")
is_(log_count(srv_c, f"checks: +{c1.dns_name} {c1.ip} (healthy)"), 2,
    "(c) log: +c1 at the start and once more after the checks")
ok(srv_c.alive(), "(c) fleetdns still running")
srv_c.stop()
if fleet.fdnstest._failed:
    fleet.fleetdns_log(srv_a, 60)
    fleet.fleetdns_log(srv_b, 60)
    fleet.fleetdns_log(srv_c, 60)
fleet.done_testing()
