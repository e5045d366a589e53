# reload_fleet.py -- SIGHUP with four real engines (rl1..rl4, one replica of "web" each) and
# a Knot secondary: nothing served changes unless the data changed (docs/configuration.md,
# "Reloading"). 20 reloads with nothing changed (a zone file rewritten with the same
# content before each), under a query loop: no answer loses a replica, the SOA serial stays,
# no engine restarts, no NOTIFY reaches Knot. A reload that changes only that zone file
# changes its answers and nothing of the fleet. Then one reload that changes rl2 (its
# timeout), removes rl3 and adds rl4: rl3's replica leaves the answers at once, rl4's comes
# once listed, rl1 and rl2's never leave, the serial moves once, and Knot (polled all along)
# never serves fewer replicas than the engines have.
# SPDX-License-Identifier: MIT
import os
import re
import signal
import sys
import time

TOP = os.environ.get("TOP_SRCDIR", ".")
sys.path.insert(0, os.path.join(TOP, "tests", "lib"))
sys.path.insert(0, os.path.join(TOP, "tests", "xfr"))
import fleet  # noqa: E402
import xfrlib as X  # noqa: E402
import peers  # noqa: E402
from fleet import ok, is_, diag, now, ms  # noqa: E402

X.need("knotd")
fleet.require_fleet_server()
fleet.at_cleanup(X._stop_all)  # Knot stops before the engines go
T_START = now()
engines = fleet.engines_start("rl1", "rl2", "rl3", "rl4")
E = {e.name: e for e in engines}
Z = fleet.ZONE
NAME = f"web.{Z}"
TIMEOUT_MS = 1000

reps = {n: fleet.run_replica(E[n], "web", name=f"fdt-rl-{os.getpid()}-{n}", wait=None)
        for n in E}
for r in reps.values():
    fleet.wait_health(r, "healthy")
    r.refresh()
IP = {n: r.ip for n, r in reps.items()}
diag(f"replicas: {IP}")

P = fleet.free_port()
KNOT = ("127.0.0.11", fleet.free_port())
STATE = os.path.join(fleet.TMP, "serials.state")
CONF = os.path.join(fleet.TMP, "reload.yaml")
STATIC = os.path.join(fleet.TMP, "static.test.zone")


def write_static(serial, www):
    X.write(STATIC, f"""$TTL 60
@    IN SOA ns hostmaster {serial} 3600 900 604800 60
@    IN NS  ns
ns   IN A   192.0.2.53
www  IN A   {www}
""")


write_static(1, "192.0.2.1")


def write_config(engine_lines):
    X.write(CONF, f"""server:
  workers: 2
keys:
  - {{ name: xfr, algorithm: hmac-sha256, secret: "{X.SECRET}" }}
engines:
{engine_lines}
fleet:
  zone: {Z}
  state-file: {STATE}
zones:
  - name: {Z}
    allow-transfer: [{{ address: 127.0.0.8/29, key: xfr }}]
    notify: ["{KNOT[0]}:{KNOT[1]}"]
  - name: static.test
    file: {STATIC}
""")


def engine_line(name, timeout=TIMEOUT_MS):
    return f'  - {{ name: {name}, url: "{E[name].url}", timeout: {timeout} }}'


write_config("\n".join(engine_line(n) for n in ("rl1", "rl2", "rl3")))
srv = fleet.start_fleetdns(config=CONF, port=P)


def log():
    try:
        return open(srv.log, errors="replace").read()
    except OSError:
        return ""


def count(regex, text=None):
    return len(re.findall(regex, log() if text is None else text, re.M))


def answer(port, addr="127.0.0.1"):
    """(rcode text, frozenset of A addresses), or None without a response."""
    a = fleet.query(port, NAME, addr=addr, timeout=1.0)
    return None if a is None else (a.rcode, a.addrs)


first = {IP["rl1"], IP["rl2"], IP["rl3"]}
good, lat, a = fleet.poll(P, NAME, fleet.addrs_are(first), 10)
ok(good, f"fleetdns answers {NAME} with the replicas of rl1, rl2 and rl3",
   a.summary() if a else None)
knot = peers.knot_secondary(*KNOT, P, Z)
got, _ = X.wait_for(lambda: answer(KNOT[1], KNOT[0]) == ("NOERROR", frozenset(first)), 20)
ok(got, "Knot made the first transfer and answers the same", knot.text()[-1500:])
s0 = X.soa_serial(P, Z)
is_(X.soa_serial(KNOT[1], Z, addr=KNOT[0]), s0, f"Knot has fleetdns's serial {s0}")


answers = fleet.Sampler(lambda: answer(P), 0.01)
serials = fleet.Sampler(lambda: X.soa_serial(P, Z), 0.05)
knot_answers = fleet.Sampler(lambda: (answer(KNOT[1], KNOT[0]),
                                X.soa_serial(KNOT[1], Z, addr=KNOT[0])), 0.05)
time.sleep(0.3)


def sighup_and_wait(regex, n, timeout=10):
    srv.proc.send_signal(signal.SIGHUP)
    got, _ = X.wait_for(lambda: count(regex) >= n, timeout, step=0.01)
    return got


# --- 20 reloads, nothing changed ------------------------------------------------------------
notify_sent = count(r"notify: \S+ serial \d+ to ")
knot_notified = count(r"notify, incoming", knot.text())
reloaded = count(r"info: reloaded: ")
t1 = now()
done = 0
for i in range(20):
    write_static(1, "192.0.2.1")  # the same content, a new file
    if sighup_and_wait(r"info: reloaded: ", reloaded + i + 1):
        done += 1
    time.sleep(0.1)
time.sleep(1.5)  # a serial would rise within a second of a change
t2 = now()
is_(done, 20, "20 reloads done")
is_(count(r"info: reload: nothing served changed"), 20,
    "each logged 'reload: nothing served changed'")
phase = answers.between(t1, t2)
bad = [(ms(t - t1), v) for t, v in phase if v != ("NOERROR", frozenset(first))]
ok(len(phase) > 300 and not bad,
   f"{len(phase)} queries during the reloads: every one answered all 3 replicas",
   f"{len(bad)} not: {bad[:10]}")
diag(f"reloads with nothing changed: {len(bad)} of {len(phase)} answers wrong or missing")
moved = sorted({v for _, v in serials.between(t1, t2)} - {s0})
is_(moved, [], f"the SOA serial stays {s0}")
is_(count(r"engine rl\d: watching"), 3, "no engine was restarted (one 'watching' line each)")
is_(count(r"notify: \S+ serial \d+ to "), notify_sent, "fleetdns sent no NOTIFY")
is_(count(r"notify, incoming", knot.text()), knot_notified, "no NOTIFY reached Knot")
kphase = knot_answers.between(t1, t2)
kbad = [(ms(t - t1), v) for t, v in kphase if v != (("NOERROR", frozenset(first)), s0)]
ok(len(kphase) > 60 and not kbad,
   f"Knot, polled {len(kphase)} times: all 3 replicas under serial {s0} throughout",
   f"{len(kbad)} not: {kbad[:10]}")

# --- a reload that changes only static.test ---------------------------------------------------
write_static(2, "192.0.2.2")
t5 = now()
# (the log summarises a line repeated over 20 times in 10 s: "reloaded:" is not counted now)
ok(sighup_and_wait(r"info: reload: zones changed", 1), "a reload with static.test changed: "
   "'reload: zones changed'", "\n".join(log().splitlines()[-8:]))
good, _, a = fleet.poll(P, "www.static.test", fleet.addrs_are({"192.0.2.2"}), 3, since=t5)
ok(good, "static.test answers its new data", a.summary() if a else None)
time.sleep(1.5)
t6 = now()
is_(count(r"info: reload: nothing served changed"), 20, "and not 'nothing served changed'")
is_(sorted({v for _, v in serials.between(t5, t6)} - {s0}), [],
    f"the fleet zone's serial stays {s0}")
is_(count(r"engine rl\d: watching"), 3, "no engine was restarted")
bad = [(ms(t - t5), v) for t, v in answers.between(t5, t6)
       if v != ("NOERROR", frozenset(first))]
ok(not bad, "every answer for the fleet service kept all 3 replicas", bad[:10])
kbad = [(ms(t - t5), v) for t, v in knot_answers.between(t5, t6)
        if v != (("NOERROR", frozenset(first)), s0)]
ok(not kbad, f"Knot: all 3 replicas under serial {s0}", kbad[:10])
is_(count(r'notify, incoming', knot.text()) - knot_notified, 0,
    "no NOTIFY for the unchanged fleet zone (NOTIFY follows serials, not reloads)")

# --- one reload: rl2 changed, rl3 removed, rl4 added -------------------------------------------
write_config("\n".join([engine_line("rl1"), engine_line("rl2", 1500), engine_line("rl4")]))
final = {IP["rl1"], IP["rl2"], IP["rl4"]}
kept = {IP["rl1"], IP["rl2"]}
t3 = now()
srv.proc.send_signal(signal.SIGHUP)
good, lat_removed, a = fleet.poll(P, NAME, lambda a: IP["rl3"] not in a.addrs, 2, since=t3,
                                  interval=0.01)
ok(good and lat_removed < 500, f"rl3's replica leaves the answers at once ({lat_removed} ms "
   "after SIGHUP)", a.summary() if a else None)
good, lat_final, a = fleet.poll(P, NAME, fleet.addrs_are(final), 5, since=t3, interval=0.01)
ok(good, f"then rl1, rl2 and rl4's replicas ({lat_final} ms after SIGHUP)",
   a.summary() if a else None)
s1 = fleet.serial_raised(P, s0, timeout=3)
ok(s1 is not None and s1 > s0, f"the serial moved: {s0} -> {s1}")
got, _ = X.wait_for(lambda: answer(KNOT[1], KNOT[0]) == ("NOERROR", frozenset(final)), 10)
ok(got, "Knot follows: rl1, rl2 and rl4's replicas")
time.sleep(2.5)  # any second raise would show by now
t4 = now()
text = log()
ok(re.search(r"info: engine rl2: settings changed, restarting", text) and
   re.search(r"info: engine rl3 removed", text) and re.search(r"info: engine rl4 added", text),
   "the log says what changed: rl2 restarting, rl3 removed, rl4 added",
   "\n".join(line for line in text.splitlines() if "engine rl" in line))
is_([count(rf"engine {n}: watching") for n in ("rl1", "rl2", "rl3", "rl4")], [1, 2, 1, 1],
    "only rl2 restarted; rl4 started; rl1 kept its session")
seq = [v for _, v in serials.between(t1, t4) if v is not None]
seq = [v for i, v in enumerate(seq) if i == 0 or v != seq[i - 1]]
is_(seq, [s0, s1], "the serial moved once")
phase = answers.between(t3, t4)
bad = [(ms(t - t3), v) for t, v in phase
       if v is None or v[0] != "NOERROR" or not kept <= v[1] or not v[1] <= first | final]
ok(not bad, f"{len(phase)} queries after the reload: rl1 and rl2's replicas in every answer, "
   "nothing else but rl3's (before it left) and rl4's", f"{len(bad)} not: {bad[:10]}")
is_(answer(P), ("NOERROR", frozenset(final)), "fleetdns: rl1, rl2 and rl4's replicas")
ksamples = knot_answers.between(t1, t4)
kbad = [(ms(t - t1), v) for t, v in ksamples
        if v[0] is None or v[0][0] != "NOERROR" or not kept <= v[0][1]]
ok(not kbad, f"Knot, polled {len(ksamples)} times over all the reloads, never served fewer "
   "replicas than the engines had", f"{len(kbad)} not: {kbad[:10]}")
kseq = [v[1] for _, v in ksamples if v[1] is not None]
ok(re.search(rf"notify, incoming, remote \S+ serial {s1}", knot.text()),
   f"Knot got NOTIFY for serial {s1}")
kseq = [v for i, v in enumerate(kseq) if i == 0 or v != kseq[i - 1]]
is_(kseq, [s0, s1], "Knot's serial moved once")

answers.stop()
serials.stop()
knot_answers.stop()
ok(srv.alive() and knot.alive(), "fleetdns and Knot still running")
if fleet.fdnstest._failed:
    fleet.fleetdns_log(srv, 60)
    diag("\n".join(line for line in knot.text().splitlines() if "fleet.test" in line)[-2000:])
diag(f"reload_fleet.py took {ms(now() - T_START)} ms")
fleet.done_testing()
