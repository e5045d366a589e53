#!/usr/bin/python3
# engine_fake.py -- the engine client (tests/unit/engine_probe) against a fake Docker Engine
# for what a real engine cannot be made to do: garbage JSON, error statuses, truncated and
# huge bodies, an endless silence, events split at odd places.
# SPDX-License-Identifier: MIT
#
# The fake is a threaded http.server on 127.0.0.1 (and once on a unix socket) that speaks
# the Docker API v1.41 shapes captured in tests/unit/data. Each probe line is one engine
# callback: "synced N" + N "item ..." lines, "updated ID STATE HEALTH ...", "removed ID",
# "down REASON", "closed".
import copy
import http.server
import json
import os
import queue
import re
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

TOP_SRCDIR = os.environ.get("TOP_SRCDIR", ".")
TOP_BUILDDIR = os.environ.get("TOP_BUILDDIR", ".")
sys.path.insert(0, os.path.join(TOP_SRCDIR, "tests", "lib"))
from fdnstest import bail, done_testing, is_, ok  # noqa: E402
import fake_engine  # noqa: E402
from fake_engine import VERSION_TEMPLATE, Container, cid  # noqa: E402

PROBE = os.path.join(TOP_BUILDDIR, "tests", "unit", "engine_probe")
TIMEOUT_MS = 1000
TMP = tempfile.mkdtemp(prefix="fdns-enginefake.")


def event(c, action):
    return fake_engine.event(c.id, action, c.name)


class Fake:
    """Engine state plus faults armed by the test, shared with the handler threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.containers = {}
        self.api = "1.41"
        self.requests = []
        self.faults = []  # [regex, kind], each used once
        self.hang_all = threading.Event()
        self.stopping = threading.Event()
        self.streams = []
        self.inspect_delay = 0.0
        self.inflight = 0
        self.max_inflight = 0
        self.inspects = {}

    def add(self, c):
        with self.lock:
            self.containers[c.id] = c
        return c

    def arm(self, pattern, kind):
        with self.lock:
            self.faults.append([re.compile(pattern), kind])

    def take_fault(self, path):
        with self.lock:
            for f in self.faults:
                if f[0].search(path):
                    self.faults.remove(f)
                    return f[1]
        return None

    def push(self, data):
        """Send raw bytes (one chunk) to every open event stream; None ends them."""
        with self.lock:
            for q in self.streams:
                q.put(data)

    def push_events(self, *evs):
        self.push(b"".join(json.dumps(e).encode() + b"\n" for e in evs))

    def paths(self):
        with self.lock:
            return list(self.requests)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    fake = None

    def log_message(self, fmt, *args):
        pass

    def address_string(self):
        return "fake"

    def reply(self, status, body, ctype="application/json", length=None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Api-Version", self.fake.api)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)

    def chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def hang(self, until):
        while not until.is_set() and not self.fake.stopping.is_set():
            time.sleep(0.05)
        self.close_connection = True

    def do_GET(self):
        fk = self.fake
        with fk.lock:
            fk.requests.append(self.path)
        if fk.hang_all.is_set():
            # Silent until the test lets the engine answer again; then just hang up.
            while fk.hang_all.is_set() and not fk.stopping.is_set():
                time.sleep(0.05)
            self.close_connection = True
            return
        fault = fk.take_fault(self.path)
        if fault == "hang":
            self.hang(fk.stopping)
            return
        if fault == "500":
            return self.reply(500, {"message": "boom from the fake"})
        if fault == "garbage":
            return self.reply(200, b'{"Id": garbage, definitely not JSON')
        if fault == "truncated":
            self.reply(200, b'[{"Id":"' + b"a" * 40, length=4000)
            self.close_connection = True
            return
        if fault == "truncated_json":
            return self.reply(200, b'[{"Id":"' + cid("x").encode() + b'"}, {"Id"')
        if fault == "huge":
            n = 17 * 1024 * 1024
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(n))
            self.end_headers()
            try:
                self.wfile.write(b"[" + b" " * (n - 2) + b"]")
            except OSError:
                pass
            self.close_connection = True
            return
        if fault == "huge_chunked":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                self.chunk(b"[")
                for _ in range(18):
                    self.chunk(b" " * (1024 * 1024))
                self.chunk(b"]")
                self.wfile.write(b"0\r\n\r\n")
            except OSError:
                pass
            self.close_connection = True
            return
        self.route()

    def route(self):
        fk = self.fake
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        if path == "/_ping":
            return self.reply(200, b"OK", "text/plain")
        if path == "/version":
            v = copy.deepcopy(VERSION_TEMPLATE)
            v["ApiVersion"] = fk.api
            return self.reply(200, v)
        m = re.fullmatch(r"/v(\d+\.\d+)(/.*)", path)
        if not m:
            return self.reply(404, {"message": "page not found"})
        rest = m.group(2)
        if rest == "/containers/json":
            q = urllib.parse.parse_qs(url.query)
            want = json.loads(q.get("filters", ["{}"])[0]).get("status", ["running"])
            with fk.lock:
                items = [c.listed() for c in fk.containers.values()
                         if (c.paused and "paused" in want) or
                         (c.running and not c.paused and "running" in want)]
            return self.reply(200, items)
        m = re.fullmatch(r"/containers/([^/]+)/json", rest)
        if m:
            with fk.lock:
                fk.inflight += 1
                fk.max_inflight = max(fk.max_inflight, fk.inflight)
                fk.inspects[m.group(1)] = fk.inspects.get(m.group(1), 0) + 1
            try:
                if fk.inspect_delay:
                    time.sleep(fk.inspect_delay)
                with fk.lock:
                    c = fk.containers.get(m.group(1))
                    body = c.inspect() if c else None
            finally:
                with fk.lock:
                    fk.inflight -= 1
            if body is None:
                return self.reply(404, {"message": "No such container: " + m.group(1)})
            return self.reply(200, body)
        if rest == "/events":
            return self.events()
        return self.reply(404, {"message": "page not found"})

    def events(self):
        fake_engine.stream_events(self, self.fake)


class TCPServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


def start_fake(unix_path=None):
    fake = Fake()
    handler = type("H", (Handler,), {"fake": fake})
    if unix_path:
        srv = UnixServer(unix_path, handler)
        url = "unix://" + unix_path
    else:
        srv = TCPServer(("127.0.0.1", 0), handler)
        url = "tcp://127.0.0.1:%d" % srv.server_address[1]
    threading.Thread(target=srv.serve_forever, daemon=True).start()

    def stop():
        fake.stopping.set()
        srv.shutdown()
        srv.server_close()
    fake.stop = stop
    return fake, url


class Probe:
    """engine_probe as a subprocess; its stdout lines arrive on a queue."""

    def __init__(self, url, *args, timeout_ms=TIMEOUT_MS):
        self.err = os.path.join(TMP, "probe.%d.log" % time.monotonic_ns())
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen([PROBE, "-v", "-t", str(timeout_ms)] + list(args) + [url],
                                     stdout=subprocess.PIPE, stderr=open(self.err, "w"),
                                     text=True)
        self.q = queue.Queue()
        self.lines = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.q.put((time.monotonic(), line.rstrip("\n")))
        self.q.put((time.monotonic(), None))

    def wait(self, pred, timeout):
        """The first line matching pred within timeout, as (time, line); None if none."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                t, line = self.q.get(timeout=left)
            except queue.Empty:
                return None
            if line is None:
                self.q.put((t, None))
                return None
            self.lines.append(line)
            if pred(line):
                return t, line

    def prefix(self, p, timeout=5):
        r = self.wait(lambda ln: ln.startswith(p), timeout)
        return r[1] if r else None

    def synced(self, timeout=5):
        """Wait for "synced N" and its N items: {id: item line}, or None."""
        r = self.wait(lambda ln: ln.startswith("synced "), timeout)
        if not r:
            return None
        items = {}
        for _ in range(int(r[1].split()[1])):
            it = self.wait(lambda ln: True, 2)
            if not it or not it[1].startswith("item "):
                return None
            items[it[1].split()[1]] = it[1]
        return items

    def drain(self, quiet=0.3):
        """Lines that arrive until none has come for `quiet` seconds."""
        got = []
        while True:
            r = self.wait(lambda ln: True, quiet)
            if not r:
                return got
            got.append(r[1])

    def log(self):
        with open(self.err) as f:
            return f.read()

    def stop(self, signal_it=True):
        if signal_it and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        closed = self.prefix("closed", 5)
        try:
            rc = self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        return closed, rc


def stopped_cleanly(p, what):
    closed, rc = p.stop()
    ok(closed == "closed" and rc == 0, what + ": engine_close ran and the probe exited 0",
       f"closed={closed!r} rc={rc}\n{p.log()[-3000:]}")


def item_fields(line):
    """'updated ID running healthy name=..' -> (ID, 'running', 'healthy', {name:..})"""
    parts = line.split()
    return parts[1], parts[2], parts[3], dict(p.split("=", 1) for p in parts[4:])


def test_normal():
    fake, url = start_fake()
    c1 = fake.add(Container("web-1", "172.31.9.2",
                            ports={"8080/tcp": [{"HostIp": "0.0.0.0", "HostPort": "18080"}]}))
    c2 = fake.add(Container("web-2", "172.31.9.3", paused=True, health="unhealthy"))
    c3 = fake.add(Container("web-3", "172.31.9.4", running=False))
    p = Probe(url)
    items = p.synced()
    ok(items is not None and sorted(items) == sorted([c1.id, c2.id]),
       "normal engine: synced lists the running and the paused container", items)
    items = items or {}
    if c1.id in items:
        i = item_fields(items[c1.id])
        is_((i[1], i[2], i[3]["name"], i[3]["nets"], i[3]["ports"], i[3]["labels"]),
            ("running", "healthy", "web-1", "bridge:172.31.9.2:", "8080/tcp:0.0.0.0:18080",
             "fleetdns.service=web"), "inspected fields of a running container")
    if c2.id in items:
        i = item_fields(items[c2.id])
        is_((i[1], i[2]), ("paused", "unhealthy"), "a paused, unhealthy container")

    paths = fake.paths()
    ok(paths[0] == "/version", "the first request is GET /version", paths[:3])
    lst = [x for x in paths if x.startswith("/v1.41/containers/json?")]
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(lst[0]).query) if lst else {}
    is_(json.loads(q.get("filters", ["{}"])[0]), {"status": ["running", "paused"]},
        "the listing asks for running and paused containers (URL-encoded filter)")
    ev = [x for x in paths if x.startswith("/v1.41/events?")]
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(ev[0]).query) if ev else {}
    since = int(q.get("since", ["0"])[0])
    ok(abs(time.time() - 1 - since) < 3, "events are followed since a second before the listing",
       ev)
    filt = json.loads(q.get("filters", ["{}"])[0])
    ok(filt.get("type") == ["container"] and "health_status" in filt.get("event", []),
       "the event stream is filtered to container state events", filt)
    # Both requests leave together, on two connections: on a loaded machine the event
    # stream's may reach the fake after the listing's inspects, never after the first sync.
    ok(ev and lst and paths.index(ev[0]) < paths.index(lst[0]) + 2 + len(items),
       "the event stream starts together with the listing (before the first sync's end)",
       paths[:6])
    inspected = [x for x in paths if re.fullmatch(r"/v1\.41/containers/[0-9a-f]{64}/json", x)]
    is_(sorted(inspected), sorted("/v1.41/containers/%s/json" % c.id for c in (c1, c2)),
        "each listed container is inspected once")

    # Events.
    c3.running = True
    c3.health = "starting"
    fake.push_events(event(c1, "exec_create: /bin/true"), event(c3, "start"))
    line = p.wait(lambda ln: not ln.startswith("item"), 3)
    ok(line and line[1].startswith("updated %s running starting " % c3.id),
       "start event -> updated, and exec_create before it did nothing", line)
    c1.health = "unhealthy"
    fake.push_events(event(c1, "health_status: unhealthy"))
    is_(p.prefix("updated %s" % c1.id, 3) and
        item_fields(p.lines[-1])[1:3], ("running", "unhealthy"),
        "health_status: unhealthy -> updated ... unhealthy")
    c2.paused = False
    c2.running = False
    fake.push_events(event(c2, "die"))
    is_(p.prefix("removed", 3), "removed " + c2.id, "die, inspect not running -> removed")
    with fake.lock:
        del fake.containers[c3.id]
    fake.push_events(event(c3, "destroy"))
    is_(p.prefix("removed", 3), "removed " + c3.id, "destroy, inspect 404 -> removed")

    # Events split across chunks, and several in one chunk.
    c4 = fake.add(Container("web-4", "172.31.9.5"))
    raw = json.dumps(event(c4, "start")).encode() + b"\n"
    fake.push([raw[i:i + 3] for i in range(0, len(raw), 3)])
    ok(p.prefix("updated %s" % c4.id, 3),
       "an event split into %d chunks of 3 bytes is understood" % ((len(raw) + 2) // 3))
    more = [fake.add(Container("web-%d" % n, "172.31.9.%d" % (n + 1))) for n in (5, 6, 7)]
    fake.push(b"".join(json.dumps(event(c, "start")).encode() for c in more))
    got = p.drain(0.5)
    is_(sorted(ln.split()[1] for ln in got if ln.startswith("updated")),
        sorted(c.id for c in more), "three events in one chunk, back to back -> three updates")

    # Repeated events for one id are coalesced.
    before = fake.inspects.get(c1.id, 0)
    fake.push_events(*[event(c1, "kill")] * 5)
    got = p.drain(0.7)
    is_([ln.split()[0] for ln in got if c1.id in ln], ["updated"],
        "five events for one container in one read -> one inspect, one update")
    is_(fake.inspects.get(c1.id, 0) - before, 1, "... the fake saw a single inspect")
    ok(not any(ln.startswith("down") for ln in p.lines), "no down through all of this")
    stopped_cleanly(p, "normal engine")
    fake.stop()


def test_faults():
    """Each fault hits a periodic re-listing while up: down with a reason, then synced."""
    fake, url = start_fake()
    c1 = fake.add(Container("a-1", "10.9.0.2"))
    fake.add(Container("a-2", "10.9.0.3"))
    p = Probe(url, "-r", "600")
    ok(p.synced() is not None, "faults: first sync")
    cases = [
        (r"/containers/json", "garbage", "bad JSON", "garbage JSON in the listing"),
        (r"/containers/%s/json" % c1.id, "500", "HTTP status 500: {\"message\": \"boom",
         "500 status on an inspect"),
        (r"/containers/json", "truncated", "GET /v1.41/containers/json: transfer closed",
         "body shorter than its Content-Length"),
        (r"/containers/json", "truncated_json", "truncated JSON",
         "complete body with truncated JSON"),
        (r"/containers/json", "huge", "body over 16777216 bytes",
         "17 MiB body with Content-Length"),
        (r"/containers/json", "huge_chunked", "body over 16777216 bytes",
         "17 MiB chunked body"),
    ]
    for pattern, kind, reason, desc in cases:
        fake.arm(pattern, kind)
        if "/containers/json" not in pattern:
            # A re-listing inspects only a container it shows changed: change c1.
            c1.health = "unhealthy" if c1.health == "healthy" else "healthy"
        down = p.prefix("down ", 4)
        ok(down is not None and reason in down, desc + " -> down", down)
        ok(p.synced(3) is not None, desc + " -> synced again after the backoff")
    fake.push(b'{"Type":"container","Action":"start"}\n{"Type": nope}\n')
    down = p.prefix("down ", 3)
    ok(down and "event stream: bad JSON" in down, "garbage in the event stream -> down", down)
    ok(p.synced(3) is not None, "... synced again")
    fake.push(None)
    down = p.prefix("down ", 3)
    ok(down and "event stream ended" in down, "the event stream ends -> down", down)
    ok(p.synced(3) is not None, "... synced again")
    # /metrics counts each failure by kind (fleetdns_engine_errors_total) and each session
    # begun again (fleetdns_engine_reconnects_total): 8 failures, each followed by a listing.
    stats = [ln for ln in p.lines if ln.startswith("stats ")]
    is_(stats[-1] if stats else None,
        "stats reconnects=8 errors=connection:1,timeout:0,http_status:1,protocol:5,"
        "stream_ended:1,internal:0 last_sync=set",
        "engine counters: garbage, truncated JSON, 2 huge bodies and a bad stream are "
        "protocol errors; a short body a broken connection; 500 an HTTP status")
    is_(stats[0] if stats else None, "stats reconnects=0 errors=connection:0,timeout:0,"
        "http_status:0,protocol:0,stream_ended:0,internal:0 last_sync=set",
        "engine counters at the first listing: no failure, no reconnect, the sync time set")
    log = p.log()
    ok("engine probe: " in log and "down, retrying in 250 ms" in log,
       "failures are logged with the engine name and the backoff", log[-2000:])
    stopped_cleanly(p, "faults")
    fake.stop()


def test_start_faults():
    fake, url = start_fake()
    fake.add(Container("b-1", "10.9.1.2"))
    fake.arm(r"^/version$", "garbage")
    fake.arm(r"^/version$", "500")
    p = Probe(url)
    down = p.prefix("down ", 3)
    ok(down and down.startswith("down GET /version: bad JSON"),
       "garbage /version -> down at once", down)
    items = p.synced(5)
    ok(items is not None and len(items) == 1,
       "recovers: synced after a second failure (reported once) and the backoff", p.lines)
    is_(sum(1 for ln in p.lines if ln.startswith("down")), 1, "down was reported once")
    stopped_cleanly(p, "start faults")
    fake.stop()


def test_versions():
    for api, want in (("1.40", "/v1.40/"), ("1.43", "/v1.41/")):
        fake, url = start_fake()
        fake.api = api
        fake.add(Container("v-1", "10.9.2.2"))
        p = Probe(url, "--exit-after", "1")
        items = p.synced()
        closed, rc = p.stop(signal_it=False)
        paths = fake.paths()
        ok(items is not None and all(x.startswith(want) for x in paths
                                     if x not in ("/version", "/_ping")),
           "engine API %s: every later call uses %s" % (api, want), paths)
        ok(closed == "closed" and rc == 0, "closing from inside synced() is clean")
        fake.stop()
    fake, url = start_fake()
    fake.api = "1.12"
    p = Probe(url)
    down = p.prefix("down ", 3)
    ok(down and "older than 1.24" in down, "an engine with API 1.12 is refused", down)
    p.stop()
    fake.stop()


def test_silent():
    # A listener that accepts and never reads nor answers.
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(16)
    held = []
    threading.Thread(target=lambda: [held.append(ls.accept()) for _ in range(16)],
                     daemon=True).start()
    p = Probe("tcp://127.0.0.1:%d" % ls.getsockname()[1])
    r = p.wait(lambda ln: ln.startswith("down "), TIMEOUT_MS / 1000 + 2)
    dt = r[0] - p.t0 if r else None
    ok(r and "timed out" in r[1] and 0.9 <= dt <= TIMEOUT_MS / 1000 + 1,
       "an engine that accepts and never answers -> down within timeout + 1 s", (r, dt))
    stopped_cleanly(p, "silent engine")
    ls.close()
    for conn, _ in held:
        conn.close()

    # The fake hangs from the start, then answers again.
    fake, url = start_fake()
    fake.add(Container("h-1", "10.9.3.2"))
    fake.hang_all.set()
    p = Probe(url)
    r = p.wait(lambda ln: ln.startswith("down "), TIMEOUT_MS / 1000 + 2)
    dt = r[0] - p.t0 if r else None
    ok(r and "GET /version" in r[1] and "timed out" in r[1] and dt <= TIMEOUT_MS / 1000 + 1,
       "a hanging engine -> down within timeout + 1 s", (r, dt))
    fake.hang_all.clear()
    ok(p.synced(8) is not None, "once the engine answers again -> synced")

    # Up, then silent: the event stream stays open, pings time out.
    fake.hang_all.set()
    t0 = time.monotonic()
    r = p.wait(lambda ln: ln.startswith("down "), 1.5 * TIMEOUT_MS / 1000 + 2)
    dt = r[0] - t0 if r else None
    ok(r and "GET /_ping" in r[1] and dt <= 1.5 * TIMEOUT_MS / 1000 + 1,
       "an engine that goes silent while up -> down by ping within 1.5 x timeout + 1 s",
       (r, dt))
    fake.hang_all.clear()
    ok(p.synced(8) is not None, "... and synced when it answers again")
    stopped_cleanly(p, "hanging engine")
    fake.stop()


def test_resync_and_limits():
    fake, url = start_fake()
    cs = [fake.add(Container("r-%d" % i, "10.9.4.%d" % (i + 2))) for i in range(10)]
    fake.inspect_delay = 0.05
    p = Probe(url, "-r", "700")
    items = p.synced()
    is_(len(items or {}), 10, "ten containers synced")
    ok(2 <= fake.max_inflight <= 4, "inspects run in parallel, at most 4 at once",
       fake.max_inflight)
    cs[0].running = False  # no event: only the periodic resync can notice
    t0 = time.monotonic()
    items = p.synced(3)
    dt = time.monotonic() - t0
    ok(items is not None and len(items) == 9 and cs[0].id not in items,
       "the periodic resync lists again and drops the stopped container", (dt, items))
    # A re-listing inspects only what it shows differently from the last inspect.
    with fake.lock:
        before = dict(fake.inspects)
    items = p.synced(3)
    with fake.lock:
        again = {k: v - before.get(k, 0) for k, v in fake.inspects.items() if v != before.get(k, 0)}
    ok(items is not None and len(items) == 9 and not again,
       "a re-listing with nothing changed: the same 9 containers, no inspect", (items, again))
    cs[1].health = "unhealthy"  # no event: the listing shows it
    cs[2].ip = "10.9.4.99"
    with fake.lock:
        before = dict(fake.inspects)
    items = p.synced(3)
    with fake.lock:
        again = {k: v - before.get(k, 0) for k, v in fake.inspects.items() if v != before.get(k, 0)}
    is_(sorted(again), sorted([cs[1].id, cs[2].id]),
        "a re-listing inspects exactly the containers whose health or address changed")
    ok(items is not None and " unhealthy" in items.get(cs[1].id, "") and
       "10.9.4.99" in items.get(cs[2].id, "") and len(items) == 9,
       "... and reports their new state with the 7 others", items)
    ok(not any(ln.startswith("down") for ln in p.lines), "... without going down")
    stopped_cleanly(p, "resync")
    fake.stop()


def test_unix():
    path = os.path.join(TMP, "fake.sock")
    fake, url = start_fake(unix_path=path)
    c = fake.add(Container("u-1", "10.9.5.2"))
    p = Probe(url)
    items = p.synced()
    ok(items is not None and list(items) == [c.id], "unix:// URL: synced over the socket")
    stopped_cleanly(p, "unix socket")
    fake.stop()


def main():
    if not os.access(PROBE, os.X_OK):
        bail("no %s (make check builds it)" % PROBE)
    try:
        test_normal()
        test_faults()
        test_start_faults()
        test_versions()
        test_silent()
        test_resync_and_limits()
        test_unix()
    finally:
        import shutil
        shutil.rmtree(TMP, ignore_errors=True)
    done_testing()


main()
