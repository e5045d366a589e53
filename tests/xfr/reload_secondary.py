# reload_secondary.py -- fleetdns restarted under a Knot secondary (docs/configuration.md,
# "Reloading"): two real engines (rs1 with two replicas of "web", rs2 with one), Knot
# polled every 20 ms and fleetdns every 10 ms throughout. fleetdns answers nothing, and
# secondaries get no fleet zone, until every engine has been listed once or has failed its
# first attempt; so after a restart fleetdns's first answer has every replica, and Knot
# never serves fewer replicas than the engines have (its serial moves once per restart).
# A restart while rs2 hangs (SIGSTOP, timeout 1000 ms): nothing is answered (no SOA, no
# AXFR) until rs2's first attempt has failed, about a second, then rs1's replicas.
# SPDX-License-Identifier: MIT
import os
import socket
import struct
import sys
import time

TOP = os.environ.get("TOP_SRCDIR", ".")
sys.path.insert(0, os.path.join(TOP, "tests", "lib"))
sys.path.insert(0, os.path.join(TOP, "tests", "xfr"))
import fleet  # noqa: E402
import xfrlib as X  # noqa: E402
import peers  # noqa: E402
from fleet import ok, is_, diag, now, ms  # noqa: E402

import dns.message  # noqa: E402

X.need("knotd")
fleet.require_fleet_server()
fleet.at_cleanup(X._stop_all)  # fleetdns and Knot stop before the engines go
T_START = now()
e1, e2 = fleet.engines_start("rs1", "rs2")
Z = fleet.ZONE
NAME = f"web.{Z}"
TIMEOUT_MS = 1000

reps = [fleet.run_replica(e, "web", name=f"fdt-rs-{os.getpid()}-{i}", wait=None)
        for i, e in enumerate((e1, e1, e2))]
for r in reps:
    fleet.wait_health(r, "healthy")
    r.refresh()
ON_RS1 = frozenset(r.ip for r in reps[:2])
ALL = frozenset(r.ip for r in reps)
diag(f"replicas: {reps}")

P = fleet.free_port()
KNOT = ("127.0.0.11", fleet.free_port())
CONF = X.write(os.path.join(X.TMP, "fleetdns.yaml"), f"""server:
  listen: ["127.0.0.1:{P}"]
  workers: 2
keys:
  - {{ name: xfr, algorithm: hmac-sha256, secret: "{X.SECRET}" }}
engines:
  - {{ name: rs1, url: "{e1.url}", timeout: {TIMEOUT_MS} }}
  - {{ name: rs2, url: "{e2.url}", timeout: {TIMEOUT_MS} }}
fleet:
  zone: {Z}
  state-file: {os.path.join(X.TMP, "serials.state")}
zones:
  - name: {Z}
    allow-transfer: [{{ address: 127.0.0.8/29, key: xfr }}, {{ address: 127.0.0.1 }}]
    notify: ["{KNOT[0]}:{KNOT[1]}"]
""")
runs = []


def start():
    p = X.Proc(f"fleetdns-{len(runs) + 1}", [os.environ["FLEETDNS"], "-c", CONF])
    runs.append(p)
    return p


def stop(p):
    p.stop()
    ok(p.proc.returncode == 0, f"{p.name} stopped cleanly (SIGTERM)")


def answer(port, addr="127.0.0.1", timeout=0.2):
    """(rcode text, frozenset of A addresses), or None without a response."""
    a = fleet.query(port, NAME, addr=addr, timeout=timeout)
    return None if a is None else (a.rcode, a.addrs)


def axfr_answered(timeout=0.5):
    """Whether an AXFR of the fleet zone over TCP gets any response within timeout."""
    q = dns.message.make_query(Z, "AXFR").to_wire()
    try:
        with socket.create_connection(("127.0.0.1", P), timeout=timeout) as s:
            s.sendall(struct.pack("!H", len(q)) + q)
            return len(s.recv(2)) > 0
    except OSError:
        return False


srv = start()
got, t = X.wait_for(lambda: answer(P) == ("NOERROR", ALL), 10, step=0.02)
ok(got, f"fleetdns answers {NAME} with all 3 replicas", srv.text()[-1500:])
knot = peers.knot_secondary(*KNOT, P, Z)
got, _ = X.wait_for(lambda: answer(KNOT[1], KNOT[0]) == ("NOERROR", ALL), 20)
ok(got, "Knot made the first transfer and answers the same", knot.text()[-1500:])
s0 = X.soa_serial(P, Z)
is_(X.soa_serial(KNOT[1], Z, addr=KNOT[0]), s0, f"Knot has fleetdns's serial {s0}")

answers = fleet.Sampler(lambda: answer(P), 0.01)
# Knot is given 1 s per query: a busy machine may delay one while it loads a transfer, and
# what counts here is what it serves, never an answer with fewer replicas.
knot_answers = fleet.Sampler(lambda: (answer(KNOT[1], KNOT[0], timeout=1.0),
                                X.soa_serial(KNOT[1], Z, addr=KNOT[0])), 0.02)

# --- restart with both engines up --------------------------------------------------------------
t0 = now()
stop(srv)
time.sleep(1.0)
t1 = now()
srv = start()
got, first_ms = X.wait_for(lambda: answer(P) is not None, 10, step=0.005)
ok(got, f"restarted fleetdns answers after {ms(first_ms)} ms")
is_(answer(P), ("NOERROR", ALL), "its first answers have all 3 replicas")
got, _ = X.wait_for(lambda: (X.soa_serial(KNOT[1], Z, addr=KNOT[0]) or 0) > s0, 5)
ok(got, "Knot follows the restarted fleetdns's serial")
s1 = X.soa_serial(P, Z)
time.sleep(1.5)  # a second serial would show by now
t2 = now()
bad = [(ms(t - t1), v) for t, v in answers.between(t1, t2)
       if v is not None and v != ("NOERROR", ALL)]
ok(not bad, "every answer after the restart has all 3 replicas (none before the engines "
   "were listed)", f"{len(bad)} not: {bad[:10]}")
ks = knot_answers.between(t0, t2)
kbad = [(ms(t - t0), v) for t, v in ks if v[0] != ("NOERROR", ALL)]
ok(len(ks) > 50 and not kbad, f"Knot, polled {len(ks)} times, served all 3 replicas throughout",
   f"{len(kbad)} not: {kbad[:10]}")
kseq = [v[1] for _, v in ks if v[1] is not None]
kseq = [v for i, v in enumerate(kseq) if i == 0 or v != kseq[i - 1]]
is_(kseq, [s0, s1], f"Knot's serial moved once: {s0} -> {s1}")
ok(X.log_has(srv, r"info: fleet: not answering until every engine has been listed once") and
   X.log_has(srv, r"info: fleet: every engine listed or failed; serving"),
   "the log says it waits for the engines, then serves")

# --- restart while rs2 hangs ---------------------------------------------------------------------
e2.pause()
stop(srv)
t3 = now()
srv = start()
got, _ = X.wait_for(lambda: X.log_has(srv, r"engine rs2: watching"), 5, step=0.005)
early_soa = fleet.query(P, Z, "SOA", timeout=0.2)
early_axfr = axfr_answered(timeout=0.4)
t_checked = now()
got, _ = X.wait_for(lambda: answer(P) is not None, 10, step=0.005)
hold = now() - t3
ok(got and 0.9 <= hold < 3.0, f"with rs2 hung, fleetdns answers {ms(hold)} ms after its start "
   f"(rs2's timeout: {TIMEOUT_MS} ms)")
ok(early_soa is None and not early_axfr and t_checked - t3 < hold,
   f"until then neither the SOA nor an AXFR of {Z} was answered (asked within "
   f"{ms(t_checked - t3)} ms of the start)",
   f"SOA: {early_soa.summary() if early_soa else None}, AXFR answered: {early_axfr}")
is_(answer(P), ("NOERROR", ON_RS1), "then rs1's replicas (rs2 is down)")
time.sleep(0.5)
e2.resume()
got, back_ms = X.wait_for(lambda: answer(P) == ("NOERROR", ALL), 10, step=0.02)
ok(got, f"rs2 resumed: all 3 replicas again after {ms(back_ms)} ms")
got, _ = X.wait_for(lambda: answer(KNOT[1], KNOT[0]) == ("NOERROR", ALL), 5)
ok(got, "Knot follows")
t4 = now()
bad = [(ms(t - t3), v) for t, v in answers.between(t3, t4)
       if v is not None and (v[0] != "NOERROR" or not ON_RS1 <= v[1])]
ok(not bad, "every answer after this restart had rs1's replicas", f"{bad[:10]}")
ks = knot_answers.between(t3, t4)
kbad = [(ms(t - t3), v) for t, v in ks if v[0] is None or v[0][0] != "NOERROR" or
        not ON_RS1 <= v[0][1]]
ok(not kbad, f"Knot, polled {len(ks)} times, never served fewer than rs1's replicas",
   f"{kbad[:10]}")
answers.stop()
knot_answers.stop()
ok(srv.alive() and knot.alive(), "fleetdns and Knot still running")
if fleet.fdnstest._failed:
    diag(srv.text()[-3000:])
    diag("\n".join(line for line in knot.text().splitlines() if Z in line)[-2000:])
diag(f"reload_secondary.py took {ms(now() - T_START)} ms")
fleet.done_testing()
