# docker_infra.py -- the Docker test infrastructure (tests/lib/fleet.py) checks itself:
# two private engines in parallel (one TCP+TLS, one IPv6), the image, a replica on each
# with its addresses, TLS with and without a client certificate, health changes and their
# events, SIGSTOP/SIGCONT, SIGKILL and restart, and the cleanup on SIGTERM.
# SPDX-License-Identifier: MIT
import ipaddress
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", "."), "tests", "lib"))
import fleet  # noqa: E402
from fleet import ok, is_, diag  # noqa: E402

# The child mode: used below to check that a test killed by SIGTERM cleans up.
if len(sys.argv) > 1 and sys.argv[1] == "--child":
    e, = fleet.engines_start(fleet.Engine("inf3"))
    fleet.run_replica(e, "web", name="web-1", wait="running")
    print("READY", e.proc.pid, flush=True)
    # Short sleeps: a SIGTERM the kernel hands to another thread of this process runs its
    # Python handler only once the main thread wakes (one 120 s sleep once outlasted the
    # parent's 60 s wait in CI).
    for _ in range(1200):
        time.sleep(0.1)
    sys.exit(0)

tcp_port = fleet.free_port()
e1, e2 = fleet.engines_start(fleet.Engine("inf1", tcp=tcp_port, tls=True),
                             fleet.Engine("inf2", ipv6=True))
for e in (e1, e2):
    ok(e.ping(), f"engine {e.name}: _ping on {e.sock} answers OK")
    ok(fleet._image_exists(e), f"engine {e.name}: image {fleet.IMAGE} present")
    like_bridge = subprocess.run(["ip", "-br", "addr", "show", e.bridge], capture_output=True,
                                 text=True).stdout
    ok(f"{e.gateway}/24" in like_bridge, f"engine {e.name}: bridge {e.bridge} has {e.gateway}/24",
       like_bridge)
ok(e1.x != e2.x, f"distinct subnets 172.31.{e1.x}/24 and 172.31.{e2.x}/24")

# A replica on each engine; its addresses are in the engine's subnets and it serves HTTP.
r1 = fleet.run_replica(e1, "web", name="web-1")
r2 = fleet.run_replica(e2, "web", name="web-2")
ok(r1.ip and ipaddress.ip_address(r1.ip) in ipaddress.ip_network(e1.subnet),
   f"replica on {e1.name} has an address in {e1.subnet}", r1.ip)
ok(r1.ip6 is None, f"replica on {e1.name} has no IPv6 address", r1.ip6)
ok(r2.ip and ipaddress.ip_address(r2.ip) in ipaddress.ip_network(e2.subnet),
   f"replica on {e2.name} has an address in {e2.subnet}", r2.ip)
ok(r2.ip6 and ipaddress.ip_address(r2.ip6) in ipaddress.ip_network(e2.subnet6),
   f"replica on {e2.name} has an address in {e2.subnet6}", r2.ip6)
is_(r1.health(), "healthy", "replica reports healthy")
is_(r1.dns_name, f"web-1-{e1.name}", "replica name as in docs/fleet.md")
for r in (r1, r2):
    got = subprocess.run(["curl", "-s", "-m", "3", f"http://{r.ip}:8080/"], capture_output=True,
                         text=True).stdout.strip()
    is_(got, "ok", f"httpd in {r.name} answers on {r.ip}:8080")
got = subprocess.run(["curl", "-s", "-m", "3", "-g", f"http://[{r2.ip6}]:8080/"],
                     capture_output=True, text=True).stdout.strip()
is_(got, "ok", f"httpd in {r2.name} answers on [{r2.ip6}]:8080")
ok(any(ev.get("Action") == "start" and ev.get("id") == r1.id for _, ev in e1.events),
   "the event stream saw the container start")

# TLS: with the client certificate the API answers; without it the handshake fails.
c = e1.certs
url = f"https://127.0.0.1:{tcp_port}/_ping"
res = subprocess.run(["curl", "-s", "-m", "5", "--cacert", c["ca"], "--cert", c["client_cert"],
                      "--key", c["client_key"], url], capture_output=True, text=True)
is_(res.stdout, "OK", "https _ping with the client certificate")
res = subprocess.run(["curl", "-s", "-m", "5", "--cacert", c["ca"], url], capture_output=True,
                     text=True)
ok(res.returncode != 0 and res.stdout != "OK", "https _ping without a client certificate fails",
   f"exit {res.returncode}, body {res.stdout!r}")
res = subprocess.run(["curl", "-s", "-m", "5", f"http://127.0.0.1:{tcp_port}/_ping"],
                     capture_output=True, text=True)
ok(res.stdout != "OK", "plain http to the TLS port fails", res.stdout)
res = subprocess.run([fleet.DOCKER, "-H", f"tcp://127.0.0.1:{tcp_port}", "--tlsverify",
                      "--tlscacert", c["ca"], "--tlscert", c["client_cert"], "--tlskey",
                      c["client_key"], "ps", "-q"], capture_output=True, text=True, timeout=30)
is_(res.stdout.strip(), r1.id[:12], "docker client over TCP+TLS lists the replica")

# Health: the engine reports a change within about 2 s, as an event.
t = fleet.now()
fleet.make_unhealthy(r1)
te = e1.wait_event(fleet.ev_container("health_status: unhealthy", r1.id), t, timeout=5)
ok(te is not None, "health_status: unhealthy event after rm /tmp/healthy")
if te:
    diag(f"unhealthy reported {fleet.ms(te - t)} ms after docker exec returned")
t = fleet.now()
fleet.make_healthy(r1)
te = e1.wait_event(fleet.ev_container("health_status: healthy", r1.id), t, timeout=5)
ok(te is not None, "health_status: healthy event after touch /tmp/healthy")
if te:
    diag(f"healthy reported {fleet.ms(te - t)} ms after docker exec returned")

# Hang and resume, kill and restart.
e2.pause()
ok(not e2.ping(0.5), "SIGSTOPped engine does not answer _ping")
e2.resume()
ok(e2.ping(2), "SIGCONTinued engine answers _ping again")
e2.kill()
ok(not e2.ping(0.5), "SIGKILLed engine does not answer")
st, _ = (None, None)
started = e2.restart()
diag(f"engine {e2.name} restart (after SIGKILL) ready in {started} ms")
ok(e2.ping(), "restarted engine answers _ping")
started = e2.restart()
diag(f"engine {e2.name} restart (SIGTERM, then start) ready in {started} ms")
ok(e2.ping(), "engine restarted again answers _ping")
r3 = fleet.run_replica(e2, "web", name="web-3")
ok(r3.ip is not None, "a replica runs on the restarted engine", r3.ip)

# A test that is terminated cleans up: its containers, its dockerd, its bridge.
child = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--child"],
                         stdout=subprocess.PIPE, text=True)
line = ""
t = fleet.now()
while fleet.now() - t < 60:
    line = child.stdout.readline()
    if line.startswith("READY") or not line:
        break
ok(line.startswith("READY"), "child test started an engine and a replica", line)
if line.startswith("READY"):
    dpid = int(line.split()[1])
    child.terminate()
    out, _ = child.communicate(timeout=60)
    diag(out.strip())
    ok(not os.path.exists(f"/proc/{dpid}"), "after SIGTERM: the child's dockerd is gone")
    links = subprocess.run(["ip", "-br", "link"], capture_output=True, text=True).stdout
    ok("br-fdt-inf3" not in links, "after SIGTERM: the child's bridge is gone")
    shims = subprocess.run(["pgrep", "-f", "address /run/fdt-inf3/"], capture_output=True,
                           text=True).stdout.strip()
    is_(shims, "", "after SIGTERM: no container of the child is left running")
else:
    child.kill()

fleet.done_testing()
