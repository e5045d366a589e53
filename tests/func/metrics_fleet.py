# metrics_fleet.py -- /metrics counts every publication of fleet data, however seldom it is
# scraped: fleetdns watches a fake Docker Engine (a thread of this test on a loopback port that
# speaks the API v1.41 shapes of tests/unit/data), /metrics is scraped once, then N containers
# are started one at a time, more than the serials' second apart (so each is exactly one
# publication, logged "published:"), and only then is /metrics scraped again:
# fleetdns_publication_duration_seconds_count and fleetdns_event_to_answer_seconds_count must
# have moved by exactly N, and the served-replicas gauge must be N + 1; one more change,
# scraped as soon as it is answered, shows at once in /metrics and /status. (They once lagged a
# whole scrape behind: the control loop's part was rendered only after a read, so each scrape
# served what the one before had asked for.)
# First tier: no root, no Docker; about 15 s.
# SPDX-License-Identifier: MIT
import atexit
import http.server
import json
import os
import re
import shutil
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

TOP_SRCDIR = os.environ.get("TOP_SRCDIR", ".")
sys.path.insert(0, os.path.join(TOP_SRCDIR, "tests", "lib"))
from fdnstest import Server, done_testing, free_port, is_, ok  # noqa: E402
from fake_engine import VERSION_TEMPLATE, Container, event_bytes, stream_events  # noqa: E402
import dns.message  # noqa: E402
import dns.query  # noqa: E402

N = 5            # containers started one at a time after the first scrape
SPACING = 1.3    # s between changes: the serials go up at most once a second (fleet.c)
SETTLE = 2.5     # s of quiet before a scrape: the control loop renders at most once a second


class Engine:
    """The containers and the open event streams, shared with the handler threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.containers = {}
        self.streams = []
        self.stopping = threading.Event()

    def start(self, c):
        with self.lock:
            self.containers[c.id] = c
            for q in self.streams:
                q.put(event_bytes(c.id, "start", c.name))


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    engine = None

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, body, ctype="application/json"):
        if not isinstance(body, bytes):
            body = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        e = self.engine
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/_ping":
            return self.reply(200, b"OK", "text/plain")
        if url.path == "/version":
            return self.reply(200, VERSION_TEMPLATE)
        m = re.fullmatch(r"/v\d+\.\d+(/.*)", url.path)
        rest = m.group(1) if m else ""
        if rest == "/containers/json":
            with e.lock:
                return self.reply(200, [c.listed() for c in e.containers.values()])
        m = re.fullmatch(r"/containers/([^/]+)/json", rest)
        if m:
            with e.lock:
                c = e.containers.get(m.group(1))
                body = c.inspect() if c else None
            if body is None:
                return self.reply(404, {"message": "No such container"})
            return self.reply(200, body)
        if rest == "/events":
            return self.events()
        return self.reply(404, {"message": "page not found"})

    def events(self):
        stream_events(self, self.engine)


class TCPServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


engine = Engine()
httpd = TCPServer(("127.0.0.1", 0), type("H", (Handler,), {"engine": engine}))
threading.Thread(target=httpd.serve_forever, daemon=True).start()
engine.start(Container("web-0", "10.9.0.10"))

P, H = free_port(), free_port()
tmp = tempfile.mkdtemp(prefix="fdnstest.")
atexit.register(shutil.rmtree, tmp, True)
zone = os.path.join(tmp, "fleet.test.zone")
with open(zone, "w") as f:
    f.write("$TTL 300\n@ IN SOA ns hostmaster 1 3600 600 86400 30\n@ IN NS ns\n"
            "ns IN A 127.0.0.1\n")
conf = os.path.join(tmp, "fleetdns.yaml")
with open(conf, "w") as f:
    f.write(f"""server:
  listen: ["127.0.0.1:{P}"]
http:
  listen: ["127.0.0.1:{H}"]
zones:
  - {{name: fleet.test, file: "{zone}"}}
engines:
  - {{name: fake, url: "tcp://127.0.0.1:{httpd.server_address[1]}", timeout: 1000}}
fleet:
  zone: fleet.test
""")
srv = Server(["-c", conf], "fleet.test", port=P)


def addresses():
    """The addresses web.fleet.test answers, or None without an answer."""
    try:
        r = dns.query.udp(dns.message.make_query("web.fleet.test", "A"), "127.0.0.1", port=P,
                          timeout=1)
    except Exception:
        return None
    return sorted(rd.address for rrset in r.answer for rd in rrset if rrset.rdtype == 1)


def diag(msg):
    print("# " + msg.replace("\n", "\n# "))


def wait_for(fn, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if fn():
            return True
        time.sleep(0.05)
    return bool(fn())


def scrape():
    with urllib.request.urlopen(f"http://127.0.0.1:{H}/metrics", timeout=5) as r:
        return r.read().decode()


def metrics():
    """The scrape as {'name{labels}': value}."""
    return {k: float(v) for k, v in (line.rsplit(" ", 1) for line in scrape().splitlines()
                                      if line and not line.startswith("#"))}


def published():
    with open(srv.log) as f:
        return len(re.findall(r"^.*published: \d+ replicas", f.read(), re.M))


ok(wait_for(lambda: addresses() == ["10.9.0.10"], 10), "the engine's first container is served")
time.sleep(SETTLE)
before, logged = metrics(), published()
PUB = "fleetdns_publication_duration_seconds"
E2A = "fleetdns_event_to_answer_seconds"
ok(before.get(PUB + "_count", 0) >= 1, "the first scrape counts the first publication",
   before.get(PUB + "_count"))

ips = ["10.9.0.10"]
for i in range(1, N + 1):
    ips.append(f"10.9.0.{10 + i}")
    engine.start(Container(f"web-{i}", ips[-1]))
    ok(wait_for(lambda: addresses() == sorted(ips), 5),
       f"change {i}: web-{i} started on the engine, served")
    time.sleep(SPACING)
time.sleep(SETTLE)
after = metrics()
is_(published() - logged, N, f"the log shows {N} publications, one per change")
d = {k: after.get(k, 0) - before.get(k, 0) for k in
     (PUB + "_count", PUB + '_bucket{le="+Inf"}', E2A + "_count",
      "fleetdns_publication_failures_total")}
is_(d, {PUB + "_count": N, PUB + '_bucket{le="+Inf"}': N, E2A + "_count": N,
        "fleetdns_publication_failures_total": 0},
    f"/metrics scraped once after {N} publications counts exactly {N} more publications "
    "and event-to-answer observations (the scrape before did not hold them back)")
ok(after.get(PUB + "_sum", 0) > before.get(PUB + "_sum", 0),
   f"{PUB}_sum grew with them")
diag(f"publications counted: {before.get(PUB + '_count')} -> {after.get(PUB + '_count')}")
SERVED = 'fleetdns_service_replicas{service="web",state="served"}'
is_(after.get(SERVED), N + 1.0, f"{SERVED} is {N + 1} at that scrape (the state at the scrape, "
    "not at the one before)")
# One more change, scraped as soon as it is answered: the gauge, the /status JSON and the
# page hold it at once (each read renders what changed, board_refresh()).
ips.append(f"10.9.0.{11 + N}")
engine.start(Container(f"web-{N + 1}", ips[-1]))
ok(wait_for(lambda: addresses() == sorted(ips), 5), f"web-{N + 1} started, served")
is_(metrics().get(SERVED), N + 2.0, f"{SERVED} is {N + 2} at the first scrape after it")
with urllib.request.urlopen(f"http://127.0.0.1:{H}/status", timeout=5) as r:
    st = json.loads(r.read().decode())
web = [x for x in st["services"] if x["name"] == "web"]
is_(web[0]["replicas_served"] if web else None, N + 2, "/status read at once holds it too")
if shutil.which("promtool"):
    p = subprocess.run(["promtool", "check", "metrics"], input=scrape(), capture_output=True,
                       text=True)
    is_((p.returncode, p.stdout + p.stderr), (0, ""),
        "promtool check metrics: the fleet's families (engines, services, publications) too")
engine.stopping.set()
httpd.shutdown()
ok(srv.alive(), "fleetdns still running")
done_testing()
