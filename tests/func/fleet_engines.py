# fleet_engines.py -- docs/fleet.md engine failures with three real engines (en2 over TCP
# with TLS client certificates), timeout 1000 ms from a configuration file: one service has
# a replica on each engine while a dig loop runs (+tries=1 +time=1: every query must be
# answered, with addresses). en3 is killed (SIGKILL) and started again, en2 hangs (SIGSTOP)
# and resumes, en1 is restarted (event stream ends) and must be watched again. Engine
# failures must show within timeout + 1 s. Prints '# latency SCENARIO MS'.
# SPDX-License-Identifier: MIT
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", "."), "tests", "lib"))
import fleet  # noqa: E402
from fleet import ok, is_, diag, now, ms, addrs_are, ev_container  # noqa: E402

fleet.require_fleet_server()
TIMEOUT_MS = 1000
BOUND = TIMEOUT_MS / 1000 + 1.0
tcp_port = fleet.free_port()
e1, e2, e3 = fleet.engines_start(fleet.Engine("en1"),
                                 fleet.Engine("en2", tcp=tcp_port, tls=True),
                                 fleet.Engine("en3"))
Z = fleet.ZONE
M = f"multi.{Z}"

# restart=always: the engine starts them again after its own restart.
m1 = fleet.run_replica(e1, "multi", "--restart", "always", name="multi-1")
m2 = fleet.run_replica(e2, "multi", name="multi-2")
m3 = fleet.run_replica(e3, "multi", "--restart", "always", name="multi-3")

c = e2.certs
cfg = fleet.write_config(os.path.join(fleet.TMP, "engines.yaml"), engines=[
    # grace 0: this test measures withdrawal when an engine fails (riding out a restart while
    # replicas answer is fleet_grace.py's).
    {"name": "en1", "url": e1.url, "timeout": TIMEOUT_MS, "grace": 0},
    {"name": "en2", "url": f"tcp://127.0.0.1:{tcp_port}",
     "tls": {"ca": c["ca"], "cert": c["client_cert"], "key": c["client_key"]},
     "timeout": TIMEOUT_MS, "grace": 0},
    {"name": "en3", "url": e3.url, "timeout": TIMEOUT_MS, "grace": 0},
], fleet={"zone": Z})
srv = fleet.start_fleetdns(config=cfg)
P = srv.port


def cur():
    return {m1.ip, m2.ip, m3.ip}


good, _, a = fleet.poll(P, M, addrs_are(cur()), 5)
ok(good, f"initial: {M} A = one replica on each of the 3 engines (en2 over TLS)",
   a.summary() if a else None)
a = fleet.query(P, f"{m2.dns_name}.{M}")
ok(a is not None and a.order == [m2.ip], f"{m2.dns_name}.{M}: the replica on the TLS engine",
   a.summary() if a else None)


class DigLoop:
    """dig +tries=1 +time=1 in a loop; every result kept with its time."""

    def __init__(self, port, name):
        self.port, self.name = port, name
        self.results = []     # (time, status or 'timeout', addresses)
        self.first_bad = ""
        self._stop = threading.Event()
        self._th = threading.Thread(target=self._run, daemon=True)
        self._th.start()
        fleet.at_cleanup(self.stop)

    def _run(self):
        while not self._stop.is_set():
            t = now()
            r = subprocess.run(["dig", "@127.0.0.1", "-p", str(self.port), "+norec",
                                "+tries=1", "+time=1", self.name, "A"],
                               capture_output=True, text=True)
            d = fleet_dig(r.stdout)
            self.results.append((t, d[0], d[1]))
            if (d[0] != "NOERROR" or not d[1]) and not self.first_bad:
                self.first_bad = r.stdout  # shown when the check fails
            self._stop.wait(0.02)

    def stop(self):
        self._stop.set()
        self._th.join()

    def failures(self):
        return [(round(t - T_START, 2), st, ad) for t, st, ad in self.results
                if st != "NOERROR" or not ad]


def fleet_dig(text):
    import re
    m = re.search(r"status: (\w+)", text)
    if not m:
        return "timeout", ()
    addrs = tuple(sorted(re.findall(r"\sIN\s+A\s+(\S+)", text.split("ANSWER SECTION:")[-1])
                         if "ANSWER SECTION:" in text else []))
    return m.group(1), addrs


T_START = now()
loop = DigLoop(P, M)
time.sleep(0.5)

# en3 killed: its replica goes within timeout + 1 s; the others stay.
t0 = now()
e3.kill()
t1 = now()
fleet.expect_change(P, M, addrs_are({m1.ip, m2.ip}), "engine_killed", BOUND, t1)
time.sleep(1.5)   # the dead engine stays withdrawn (no flapping back)
a = fleet.query(P, M)
ok(a is not None and a.addrs == frozenset({m1.ip, m2.ip}), "killed engine stays withdrawn",
   a.summary() if a else None)

# en3 started again: dockerd restarts its restart=always container; fleetdns reconnects.
t0 = now()
e3.launch()
e3.wait_ready()
t1 = now()
diag(f"en3 ready again {ms(t1 - t0)} ms after launch")
fleet.wait_health(m3, "healthy", timeout=10)
m3.refresh()
fleet.expect_change(P, M, addrs_are(cur()), "engine_back_after_kill", 1.0 + BOUND, t1,
                    events=[(e3, ev_container("health_status: healthy", m3.id))],
                    ev_since=t1, event_bound=BOUND,
                    desc="en3 back: its replica is served again")

# en2 hangs: SIGSTOP (connections stay open, no answers).
t0 = now()
e2.pause()
t1 = now()
fleet.expect_change(P, M, addrs_are({m1.ip, m3.ip}), "engine_hung", BOUND, t1)
time.sleep(1.0)
t0 = now()
e2.resume()
t1 = now()
fleet.expect_change(P, M, addrs_are(cur()), "engine_resumed", BOUND, t1,
                    desc="en2 resumed: its replica is served again within timeout + 1 s")

# en1 restarted (SIGTERM: the event stream ends; its containers stop and restart=always
# starts them again). Then a new container there must show: the stream was re-opened.
t0 = now()
e1.stop()
t1 = now()
diag(f"en1 stopped in {ms(t1 - t0)} ms")
fleet.expect_change(P, M, addrs_are({m2.ip, m3.ip}), "engine_stopped", BOUND, t1)
t0 = now()
e1.launch()
e1.wait_ready()
t1 = now()
fleet.wait_health(m1, "healthy", timeout=10)
m1.refresh()
fleet.expect_change(P, M, addrs_are(cur()), "engine_restarted", 1.0 + BOUND, t1,
                    events=[(e1, ev_container("health_status: healthy", m1.id))],
                    ev_since=t1, event_bound=BOUND,
                    desc="en1 restarted: its replica is served again")
t0 = now()
m4 = fleet.run_replica(e1, "multi", name="multi-4", wait=None)
t1 = now()
fleet.expect_change(P, M, addrs_are(cur() | {m4.ip}), "restarted_engine_new_container", 3.5,
                    t1, events=[(e1, ev_container("health_status: healthy", m4.id))],
                    ev_since=t0, desc="a container started after the engine restart is served")

time.sleep(0.3)
loop.stop()
fails = loop.failures()
n = len(loop.results)
ok(n > 50 and not fails, f"dig loop: all {n} queries answered NOERROR with addresses "
   "(+tries=1 +time=1)", f"{len(fails)} failures, first: {fails[:8]}\n{loop.first_bad}")
timeouts = sum(1 for _, st, _ in loop.results if st == "timeout")
is_(timeouts, 0, "dig loop: no timeouts")

ok(srv.alive(), "fleetdns still running")
if fleet.fdnstest._failed:
    fleet.fleetdns_log(srv)
fleet.done_testing()
