# metrics.py -- the HTTP listener (http: listen:): /metrics in the Prometheus text format,
# checked by promtool and with exact counter values after a known sequence of queries;
# /health; what it refuses (other methods, unknown paths, huge requests, too many
# connections from one address), and DNS answered meanwhile.
# SPDX-License-Identifier: MIT
import atexit
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", "."), "tests", "func"))
import funclib as F  # noqa: E402
from fdnstest import ok, is_, done_testing, free_port, bail  # noqa: E402
import fdnstest  # noqa: E402

if not shutil.which("promtool"):
    bail("promtool is missing (apt-get install prometheus)")
P, H = free_port(), free_port()
tmp = tempfile.mkdtemp(prefix="fdnstest.")
atexit.register(shutil.rmtree, tmp, True)
conf = os.path.join(tmp, "fleetdns.yaml")
with open(conf, "w") as f:
    f.write(f"""server:
  listen: ["127.0.0.1:{P}"]
  workers: 2
  rate-limit: {{ responses-per-second: 5, slip: 2, exempt: [127.0.0.1] }}
http:
  listen: ["127.0.0.1:{H}"]
zones:
  - {{name: example.test, file: "{os.path.join(F.ZONES, 'example.test.zone')}",
      allow-transfer: [127.0.0.1]}}
""")
srv = fdnstest.Server(["-c", conf], "example.test", port=P)
URL = f"http://127.0.0.1:{H}"


def get(path, method="GET"):
    """(status, body) of one request."""
    req = urllib.request.Request(URL + path, method=method)
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def metrics():
    """The scrape as {'name{labels}': value}."""
    status, text = get("/metrics")
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, value = line.rsplit(" ", 1)
            out[key] = float(value)
    return status, text, out


_, _, before = metrics()  # the start-up probe's SOA queries are counted too
# A known sequence, from 127.0.0.1 (exempt from rate limiting) unless said otherwise.
for _ in range(3):
    F.udp(P, F.raw_query("www.example.test", 1))
for _ in range(2):
    F.udp(P, F.raw_query("nx.example.test", 1))
F.udp(P, F.raw_query("www.example.test", 1, flags=0x8000), timeout=0.3)  # QR set: no answer
F.udp(P, F.raw_query("www.example.test", 1, qd=2))                      # FORMERR
F.udp(P, F.raw_query("www.elsewhere.test", 1))                           # REFUSED: no zone


def dig_transfer(*args):
    """dig's output for a transfer request (RFC 5936 AXFR, RFC 1995 IXFR) over TCP."""
    return subprocess.run(["dig", "-p", str(P), "@127.0.0.1", "+tcp", *args],
                          capture_output=True, text=True, timeout=10).stdout


axfr = dig_transfer("example.test", "AXFR")                             # allowed: whole zone
uptodate = dig_transfer("example.test", "IXFR=2024010101")               # the current serial
refused = dig_transfer("-b", "127.0.0.2", "example.test", "AXFR")        # not in allow-transfer
notauth = dig_transfer("elsewhere.test", "AXFR")                         # not a zone of ours
with socket.create_connection(("127.0.0.1", P), timeout=3) as c:
    q = F.raw_query("www.example.test", 1)
    c.sendall((struct.pack("!H", len(q)) + q) * 2)
    fdnstest.tcp_read_msg(c)
    fdnstest.tcp_read_msg(c)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.2", 0))
s.settimeout(0.5)
for i in range(20):  # not exempt: 5 answered, then 8 dropped and 7 slipped
    s.sendto(F.raw_query("mail.example.test", 1, qid=i), ("127.0.0.1", P))
got = 0
try:
    while True:
        s.recv(4096)
        got += 1
except socket.timeout:
    pass
s.close()
time.sleep(0.2)
status, text, after = metrics()
is_(status, 200, "GET /metrics: 200")


def delta(key):
    return after.get(key, 0) - before.get(key, 0)


is_(got, 12, "20 queries from 127.0.0.2 at 5/s: 5 answered and 7 slipped")
is_({k: delta(k) for k in ('fleetdns_queries_total{transport="udp"}',
                           'fleetdns_queries_total{transport="tcp"}',
                           'fleetdns_responses_total{rcode="NOERROR"}',
                           'fleetdns_responses_total{rcode="NXDOMAIN"}',
                           'fleetdns_responses_total{rcode="FORMERR"}',
                           "fleetdns_unanswered_queries_total",
                           "fleetdns_truncated_responses_total",
                           'fleetdns_tcp_connections_total{result="accepted"}',
                           'fleetdns_rate_limited_responses_total{class="positive",action="dropped"}',
                           'fleetdns_rate_limited_responses_total{class="positive",action="slipped"}')},
    {'fleetdns_queries_total{transport="udp"}': 3 + 2 + 1 + 1 + 1 + 20,
     'fleetdns_queries_total{transport="tcp"}': 2 + 4,
     'fleetdns_responses_total{rcode="NOERROR"}': 3 + 2 + 5 + 7,
     'fleetdns_responses_total{rcode="NXDOMAIN"}': 2,
     'fleetdns_responses_total{rcode="FORMERR"}': 1,
     "fleetdns_unanswered_queries_total": 1,
     "fleetdns_truncated_responses_total": 7,
     'fleetdns_tcp_connections_total{result="accepted"}': 1 + 4,
     'fleetdns_rate_limited_responses_total{class="positive",action="dropped"}': 8,
     'fleetdns_rate_limited_responses_total{class="positive",action="slipped"}': 7},
    "counters moved by exactly the queries sent (responses counted as sent, slips included; "
    "the 4 transfer requests as TCP queries)")
ok(axfr.count("SOA") >= 2 and "Transfer failed" not in axfr, "AXFR from 127.0.0.1: the zone")
ok("Transfer failed" in refused, "AXFR from 127.0.0.2: refused", refused[-300:])
# RFC 1995 2: an IXFR from a client at the current serial gets the SOA alone; transfers by
# what they got, the refusals included.
is_({k: delta(f'fleetdns_transfers_total{{result="{k}"}}')
     for k in ("axfr", "ixfr", "ixfr_full", "up_to_date", "refused", "notauth", "error")},
    {"axfr": 1, "ixfr": 0, "ixfr_full": 0, "up_to_date": 1, "refused": 1, "notauth": 1,
     "error": 0}, "fleetdns_transfers_total: 1 AXFR, 1 up to date, 1 refused, 1 NOTAUTH")
# Per zone, from the same sequence: what example.test answered (UDP and TCP, slips
# included, drops not); the FORMERR and the REFUSED for elsewhere.test belong to no zone.
Zr = 'fleetdns_zone_responses_total{zone="example.test.",rcode="%s"}'
is_({k: delta(Zr % k) for k in ("NOERROR", "NXDOMAIN", "REFUSED", "FORMERR")},
    {"NOERROR": 3 + 2 + 5 + 7, "NXDOMAIN": 2, "REFUSED": 0, "FORMERR": 0},
    "fleetdns_zone_responses_total: example.test's answers by RCODE")
ok(not any("elsewhere" in k for k in after), "no series for a zone not served")
ok(10000 < after.get("fleetdns_snapshot_bytes", 0) < 10 << 20,
   f"fleetdns_snapshot_bytes: the compiled zone's size ({after.get('fleetdns_snapshot_bytes')})")
ok(re.search(r'^fleetdns_build_info\{version="[^"]+"\} 1$', text, re.M),
   "fleetdns_build_info carries the version")
ok(abs(after["fleetdns_start_time_seconds"] - time.time()) < 120, "start time is now-ish")
p = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                   text=True)
is_((p.returncode, p.stdout + p.stderr), (0, ""), "promtool check metrics: no problem found")

is_(get("/health"), (200, "ok\n"), "GET /health: 200 ok")
is_(get("/nothing")[0], 404, "an unknown path: 404")
is_(get("/metrics", method="POST")[0], 405, "POST: 405")
is_(get("/metrics", method="HEAD")[0], 200, "HEAD /metrics: 200")

# Hostile clients: a request far bigger than the 16 KiB per connection, then many idle
# connections from one address; DNS goes on and other addresses are still served.
with socket.create_connection(("127.0.0.1", H), timeout=5) as c:
    c.sendall(b"GET /" + b"a" * 100000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    try:
        head = c.recv(200)
    except OSError:
        head = b""
ok(head == b"" or head.split(b" ")[1] in (b"414", b"431", b"400"),
   f"a 100 KB request line: refused ({head[:40]!r})")
idle = []
for _ in range(30):
    try:
        idle.append(socket.create_connection(("127.0.0.1", H), timeout=2))
    except OSError:
        break
r = F.parse(F.udp(P, F.raw_query("www.example.test", 1)))
ok(r is not None and len(r.answer) == 1, f"with {len(idle)} idle HTTP connections open, DNS "
   "answers")
s = socket.create_connection(("127.0.0.1", H), timeout=5, source_address=("127.0.0.3", 0))
s.sendall(b"GET /health HTTP/1.0\r\n\r\n")
head = s.recv(100)
ok(re.match(rb"HTTP/1\.[01] 200 ", head), f"meanwhile 127.0.0.3 is served ({head[:20]!r})")
s.close()
for c in idle:
    c.close()
time.sleep(0.2)
is_(get("/health"), (200, "ok\n"), "after the idle connections close, /health again")
ok(srv.alive(), "fleetdns still running")
done_testing()
