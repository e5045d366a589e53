#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""fleetsim.py -- a simulated Docker fleet for fleetdns benchmarks (bench/README.md).

Subcommands:

  serve   M engines, each on its own unix socket DIR/eN.sock (or loopback TCP port
          BASE+N), answering the parts of the Docker Engine API that fleetdns uses, with C
          containers each; churn at a rate read from a control file; every change logged
          with its CLOCK_MONOTONIC time so that a prober can time the answer change.
  probe   follows the change log and measures, for each change, the time from the event
          being written to the engine's event stream to the DNS answer of the replica's
          name changing (queries every pending name every --interval-ms).
  wait    waits until every replica is served (queries every service name).

Standard library only; run with Debian's /usr/bin/python3.

The simulated engine (API 1.41, what src/engine/ asks for):
  GET /_ping                      -> OK
  GET /version, /vX/version       -> Docker 20.10.24 shape, ApiVersion 1.41, Date header
  GET /vX/containers/json?filters={"status":[...]}  -> the containers in those states
  GET /vX/containers/ID/json      -> the inspect shape of tests/unit/data (about 5 KB):
                                     State.Running/Paused/Health.Status, Config.Labels
                                     (fleetdns.service), NetworkSettings.Networks.bridge
  GET /vX/events?since=T&filters= -> chunked stream of concatenated JSON objects, no
                                     newlines; events since T replayed; filters on type
                                     and event honoured
HTTP/1.1 keep-alive; every response carries Date, Api-Version and Server headers.

Containers: container j of engine i is replica g = j*M + i of service s(g // S), named
cJ, so its DNS name is cJ-eI.sK.ZONE; address 10.(g>>16).(g>>8).(g&255), IPv4 only,
no ports; all running and healthy at start.

Churn: each change either takes a random served container down or brings back the one
down the longest (with probability 1/2, or always when over 5% of the fleet is down;
never the same container twice within --cooldown seconds); down is a stop ("kill","die","stop" events, not listed
any more) or a failed health check ("health_status: unhealthy"), up is "start" or
"health_status: healthy", chosen by --kinds. The rate (changes per second, may be
fractional) is read from the --control file every 0.25 s; 0 stops the churn.
Log line per change: "MONO_TIME FQDN WANT ENGINE ACTION STREAMS" (WANT 1: served after it).
"""
import argparse
import asyncio
import collections
import email.utils
import hashlib
import json
import os
import random
import re
import resource
import signal
import socket
import struct
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "tests", "unit", "data")
API = "1.41"


def log(msg):
    print(f"fleetsim: {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- response shapes

def _load(name, fallback):
    try:
        with open(os.path.join(DATA, name)) as f:
            return json.load(f)
    except OSError:
        return fallback


VERSION = _load("engine_version.json", {"Version": "20.10.24+dfsg1", "MinAPIVersion": "1.12"})
VERSION["ApiVersion"] = API
VERSION_BODY = json.dumps(VERSION, separators=(",", ":")).encode()

# The inspect template: the real shape with sentinels where a container's values go.
_INSPECT = _load("engine_inspect_web1.json", {
    "State": {"Status": "running", "Running": True, "Paused": False,
              "Health": {"Status": "healthy"}},
    "Config": {"Labels": {}}, "NetworkSettings": {"Networks": {"bridge": {}}}})
_INSPECT["Id"] = "@@ID@@"
_INSPECT["Name"] = "@@NAME@@"
_st = _INSPECT["State"]
_st["Status"], _st["Running"], _st["Paused"] = "@@STATUS@@", "@@RUNNING@@", "@@PAUSED@@"
_st.setdefault("Health", {})["Status"] = "@@HEALTH@@"
_INSPECT.setdefault("Config", {})["Labels"] = "@@LABELS@@"
_INSPECT["Config"].pop("ExposedPorts", None)
_INSPECT["Config"]["Hostname"] = "@@SHORT@@"
_ns = _INSPECT.setdefault("NetworkSettings", {})
_ns["Ports"] = {}
for _k, _v in (("IPAddress", "@@IP@@"), ("GlobalIPv6Address", ""), ("IPv6Gateway", ""),
               ("GlobalIPv6PrefixLen", 0), ("Gateway", "10.0.0.1"), ("IPPrefixLen", 8)):
    if _k in _ns:
        _ns[_k] = _v
_bridge = dict((_ns.get("Networks") or {}).get("bridge") or {})
_bridge.update({"IPAddress": "@@IP@@", "GlobalIPv6Address": "", "IPv6Gateway": "",
                "GlobalIPv6PrefixLen": 0, "Gateway": "10.0.0.1", "IPPrefixLen": 8})
_ns["Networks"] = {"bridge": _bridge}
_INSPECT.get("HostConfig", {})["PortBindings"] = {}
_parts = re.split(r'"@@([A-Z]+)@@"', json.dumps(_INSPECT, separators=(",", ":")))
INSPECT_PARTS = _parts  # even indexes: literal text, odd: field names


def inspect_body(c):
    vals = {
        "ID": f'"{c.id}"', "NAME": f'"/{c.name}"', "SHORT": f'"{c.id[:12]}"',
        "STATUS": '"running"' if c.running else '"exited"',
        "RUNNING": "true" if c.running else "false", "PAUSED": "false",
        "HEALTH": f'"{c.health}"', "LABELS": c.labels_json, "IP": f'"{c.ip}"' if c.running else '""',
    }
    p = INSPECT_PARTS
    out = [p[0]]
    for i in range(1, len(p), 2):
        out.append(vals[p[i]])
        out.append(p[i + 1])
    return "".join(out).encode()


def list_item(c):
    status = f"Up 5 minutes ({c.health})"
    return {"Id": c.id, "Names": ["/" + c.name], "Image": "fleet-sim",
            "ImageID": "sha256:" + "0" * 64, "Command": "/bin/sh", "Created": 1795712094,
            "Ports": [], "Labels": c.labels, "State": "running" if c.running else "exited",
            "Status": status if c.running else "Exited (0) 1 second ago",
            "HostConfig": {"NetworkMode": "default"},
            "NetworkSettings": {"Networks": {"bridge": {
                "IPAMConfig": None, "Links": None, "Aliases": None, "NetworkID": "0" * 64,
                "EndpointID": "1" * 64, "Gateway": "10.0.0.1", "IPAddress": c.ip,
                "IPPrefixLen": 8, "IPv6Gateway": "", "GlobalIPv6Address": "",
                "GlobalIPv6PrefixLen": 0, "MacAddress": "02:42:0a:00:00:02",
                "DriverOpts": None}}},
            "Mounts": []}


_date_cache = [0, b""]


def http_date():
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache[0] = now
        _date_cache[1] = email.utils.formatdate(now, usegmt=True).encode()
    return _date_cache[1]


def response(status, body, ctype=b"application/json", close=False):
    reason = {200: b"OK", 400: b"Bad Request", 404: b"Not Found", 405: b"Method Not Allowed"}
    return b"".join((
        b"HTTP/1.1 %d %s\r\n" % (status, reason.get(status, b"Error")),
        b"Api-Version: 1.41\r\nDocker-Experimental: false\r\nOstype: linux\r\n",
        b"Server: Docker/20.10.24+dfsg1 (linux)\r\nDate: ", http_date(), b"\r\n",
        b"Content-Type: ", ctype, b"\r\nContent-Length: %d\r\n" % len(body),
        b"Connection: close\r\n" if close else b"", b"\r\n", body))


# ---------------------------------------------------------------- the fleet

class Container:
    __slots__ = ("engine", "j", "g", "id", "name", "service", "ip", "running", "health",
                 "labels", "labels_json", "fqdn", "changed")

    def __init__(self, engine, j, g, service, zone):
        self.engine, self.j, self.g = engine, j, g
        self.id = hashlib.sha256(f"fleetsim/{engine.name}/c{j}".encode()).hexdigest()
        self.name = f"c{j}"
        self.service = service
        self.ip = f"10.{(g >> 16) & 255}.{(g >> 8) & 255}.{g & 255}"
        self.running = True
        self.health = "healthy"
        self.labels = {"fleetdns.service": service, "com.example.sim": "1"}
        self.labels_json = json.dumps(self.labels, separators=(",", ":"))
        self.fqdn = f"c{j}-{engine.name}.{service}.{zone}"
        self.changed = -1e9

    def served(self):
        return self.running and self.health == "healthy"


class Engine:
    def __init__(self, name):
        self.name = name
        self.containers = []
        self.by_id = {}
        self.streams = set()
        self.history = []  # (time in s, event bytes), the last HISTORY_S seconds
        self.server = None


HISTORY_S = 120


class Stats:
    def __init__(self):
        self.req = {}
        self.events = 0
        self.changes = 0
        self.lag_max = 0.0
        self.conns = 0

    def count(self, kind):
        self.req[kind] = self.req.get(kind, 0) + 1


STATS = Stats()


class HTTPProto(asyncio.Protocol):
    def __init__(self, engine):
        self.engine = engine
        self.buf = b""
        self.t = None
        self.streaming = False
        self.filters = None

    def connection_made(self, t):
        self.t = t
        STATS.conns += 1

    def connection_lost(self, exc):
        self.engine.streams.discard(self)
        self.t = None

    def data_received(self, data):
        if self.streaming:
            return
        self.buf += data
        while not self.streaming:
            i = self.buf.find(b"\r\n\r\n")
            if i < 0:
                if len(self.buf) > 65536:
                    self.t.close()
                return
            head, self.buf = self.buf[:i], self.buf[i + 4:]
            lines = head.split(b"\r\n")
            try:
                method, target, _ver = lines[0].split(b" ", 2)
            except ValueError:
                self.t.write(response(400, b'{"message":"bad request"}', close=True))
                self.t.close()
                return
            close = False
            for h in lines[1:]:
                k, _, v = h.partition(b":")
                k = k.strip().lower()
                if k == b"connection" and v.strip().lower() == b"close":
                    close = True
                elif k == b"content-length":
                    n = int(v.strip() or b"0")
                    self.buf = self.buf[n:]  # a GET has no body; tolerate one
            self.handle(method, target.decode("latin-1"), close)
            if close and not self.streaming:
                self.t.close()
                return

    def handle(self, method, target, close):
        e = self.engine
        url = urllib.parse.urlsplit(target)
        path = url.path
        m = re.match(r"^(?:/v1\.\d+)?(/.*)$", path)
        route = m.group(1) if m else path
        if method not in (b"GET", b"HEAD"):
            self.t.write(response(405, b'{"message":"method not allowed"}', close=close))
            return
        if route == "/_ping":
            STATS.count("ping")
            self.t.write(response(200, b"OK", b"text/plain; charset=utf-8", close))
        elif route == "/version":
            STATS.count("version")
            self.t.write(response(200, VERSION_BODY, close=close))
        elif route == "/containers/json":
            STATS.count("list")
            q = urllib.parse.parse_qs(url.query)
            states = None
            if "filters" in q:
                try:
                    f = json.loads(q["filters"][0])
                    st = f.get("status")
                    if isinstance(st, dict):
                        st = [k for k, v in st.items() if v]
                    states = set(st) if st else None
                except (ValueError, AttributeError):
                    self.t.write(response(400, b'{"message":"bad filters"}', close=close))
                    return
            show_all = q.get("all", ["0"])[0] in ("1", "true", "True")
            items = []
            for c in e.containers:
                state = "running" if c.running else "exited"
                if states is not None:
                    if state not in states:
                        continue
                elif not show_all and not c.running:
                    continue
                items.append(list_item(c))
            self.t.write(response(200, json.dumps(items, separators=(",", ":")).encode(),
                                  close=close))
        elif route.startswith("/containers/") and route.endswith("/json"):
            STATS.count("inspect")
            cid = route[len("/containers/"):-len("/json")]
            c = e.by_id.get(cid)
            if c is None:
                for x in e.containers:  # a name or an id prefix, as Docker accepts
                    if x.name == cid or x.id.startswith(cid):
                        c = x
                        break
            if c is None:
                self.t.write(response(404, json.dumps(
                    {"message": f"No such container: {cid}"}).encode(), close=close))
            else:
                self.t.write(response(200, inspect_body(c), close=close))
        elif route == "/events":
            STATS.count("events")
            q = urllib.parse.parse_qs(url.query)
            types, actions = None, None
            if "filters" in q:
                try:
                    f = json.loads(q["filters"][0])
                    t, a = f.get("type"), f.get("event")
                    if isinstance(t, dict):
                        t = [k for k, v in t.items() if v]
                    if isinstance(a, dict):
                        a = [k for k, v in a.items() if v]
                    types = set(t) if t else None
                    actions = set(a) if a else None
                except (ValueError, AttributeError):
                    self.t.write(response(400, b'{"message":"bad filters"}', close=close))
                    return
            self.filters = (types, actions)
            self.streaming = True
            self.t.write(b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nDocker-Experimental: false\r\n"
                         b"Ostype: linux\r\nServer: Docker/20.10.24+dfsg1 (linux)\r\nDate: " +
                         http_date() + b"\r\nContent-Type: application/json\r\n"
                         b"Transfer-Encoding: chunked\r\n\r\n")
            since = q.get("since", [None])[0]
            if since:
                try:
                    since = float(since)
                except ValueError:
                    since = None
            if since is not None:
                for t_ev, action, data in e.history:
                    if t_ev >= since and self.wants(action):
                        self.chunk(data)
            e.streams.add(self)
        else:
            STATS.count("other")
            self.t.write(response(404, json.dumps(
                {"message": f"page not found: {route}"}).encode(), close=close))

    def wants(self, action):
        types, actions = self.filters
        if types is not None and "container" not in types:
            return False
        if actions is not None and action not in actions and \
                action.split(":", 1)[0] not in actions:
            return False
        return True

    def chunk(self, data):
        self.t.write(b"%x\r\n%s\r\n" % (len(data), data))


def event_bytes(c, action, now):
    ev = {"status": action, "id": c.id, "from": "fleet-sim", "Type": "container",
          "Action": action, "Actor": {"ID": c.id, "Attributes": {
              "com.example.sim": "1", "fleetdns.service": c.service, "image": "fleet-sim",
              "name": c.name}},
          "scope": "local", "time": int(now), "timeNano": int(now * 1e9)}
    return json.dumps(ev, separators=(",", ":")).encode()


def emit(e, c, actions):
    """Write the events to every open stream of e; returns the number of streams."""
    now = time.time()
    cutoff = now - HISTORY_S
    if e.history and e.history[0][0] < cutoff:
        e.history = [h for h in e.history if h[0] >= cutoff]
    n = 0
    for action in actions:
        data = event_bytes(c, action, now)
        e.history.append((now, action, data))
        for s in list(e.streams):
            if s.t is not None and s.wants(action):
                s.chunk(data)
                n += 1
        STATS.events += 1
    return n


class Fleet:
    def __init__(self, args):
        self.args = args
        self.engines = [Engine(f"e{i}") for i in range(args.engines)]
        m, c, s = args.engines, args.containers, args.service_size
        nservices = (m * c + s - 1) // s
        self.all = []
        for i, e in enumerate(self.engines):
            for j in range(c):
                g = j * m + i
                ct = Container(e, j, g, f"s{(g // s) % nservices}", args.zone)
                e.containers.append(ct)
                e.by_id[ct.id] = ct
                self.all.append(ct)
        self.down = collections.deque()  # containers not served, oldest change first
        self.rng = random.Random(args.seed)
        self.rate = 0.0
        self.kinds = args.kinds.split(",")
        self.logf = open(args.log, "a", buffering=1) if args.log else None

    def change(self):
        now = time.monotonic()
        cool = self.args.cooldown
        c = None
        # Up: the container down the longest, once its cooldown is over; with probability
        # 1/2, or always when over 5% of the fleet is down.
        if self.down and now - self.down[0].changed >= cool and (
                self.rng.random() < 0.5 or len(self.down) > 0.05 * len(self.all)):
            c = self.down.popleft()
            up = True
        else:
            up = False
            for _ in range(32):
                x = self.all[self.rng.randrange(len(self.all))]
                if x.served() and now - x.changed >= cool:
                    c = x
                    break
            if c is None:
                return
        kind = self.rng.choice(self.kinds)
        if up:
            if not c.running:
                c.running = True
                actions = ["start"]
            else:
                c.health = "healthy"
                actions = ["health_status: healthy"]
        else:
            if kind == "stop":
                c.running = False
                actions = ["kill", "die", "stop"]
            else:
                c.health = "unhealthy"
                actions = ["health_status: unhealthy"]
            self.down.append(c)
        c.changed = now
        t = time.monotonic()
        n = emit(c.engine, c, actions)
        STATS.changes += 1
        if self.logf:
            self.logf.write(f"{t:.6f} {c.fqdn} {1 if c.served() else 0} {c.engine.name} "
                            f"{actions[-1].replace(' ', '')} {n}\n")

    async def churn(self):
        nxt = time.monotonic()
        while True:
            if self.rate <= 0:
                await asyncio.sleep(0.05)
                nxt = time.monotonic()
                continue
            nxt += 1.0 / self.rate
            delay = nxt - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -1.0:
                nxt = time.monotonic()  # far behind: do not burst
            self.change()

    async def control(self):
        path, mtime = self.args.control, None
        while path:
            try:
                st = os.stat(path)
                if st.st_mtime_ns != mtime:
                    mtime = st.st_mtime_ns
                    with open(path) as f:
                        text = f.read().split()
                    rate = float(text[0]) if text else 0.0
                    if rate != self.rate:
                        log(f"churn rate {rate:g}/s")
                    self.rate = rate
            except (OSError, ValueError):
                pass
            await asyncio.sleep(0.25)


async def lag_monitor():
    while True:
        t = time.monotonic()
        await asyncio.sleep(0.1)
        lag = time.monotonic() - t - 0.1
        if lag > STATS.lag_max:
            STATS.lag_max = lag


async def reporter(args, fleet):
    last = dict(STATS.req)
    last_cpu = time.process_time()
    last_t = time.monotonic()
    last_ev = 0
    while True:
        await asyncio.sleep(args.report)
        t, cpu = time.monotonic(), time.process_time()
        dt = t - last_t
        diff = {k: v - last.get(k, 0) for k, v in STATS.req.items()}
        rusage = resource.getrusage(resource.RUSAGE_SELF)
        log("%.0fs: cpu %.0f%%, maxrss %d MB, loop lag max %.0f ms, changes %d (%.1f/s), "
            "down %d, req/s %s" % (
                dt, 100 * (cpu - last_cpu) / dt, rusage.ru_maxrss // 1024,
                STATS.lag_max * 1000, STATS.changes, (STATS.changes - last_ev) / dt,
                len(fleet.down),
                " ".join(f"{k}={v / dt:.0f}" for k, v in sorted(diff.items()))))
        STATS.lag_max = 0.0
        last, last_cpu, last_t, last_ev = dict(STATS.req), cpu, t, STATS.changes


async def serve(args):
    fleet = Fleet(args)
    loop = asyncio.get_running_loop()
    os.makedirs(args.dir, exist_ok=True)
    for i, e in enumerate(fleet.engines):
        if args.tcp_base:
            e.server = await loop.create_server(lambda e=e: HTTPProto(e), "127.0.0.1",
                                                args.tcp_base + i, backlog=64)
        else:
            path = os.path.join(args.dir, f"{e.name}.sock")
            try:
                os.unlink(path)
            except OSError:
                pass
            e.server = await loop.create_unix_server(lambda e=e: HTTPProto(e), path,
                                                     backlog=64)
    log(f"{len(fleet.engines)} engines x {args.containers} containers "
        f"({len(fleet.all)} replicas) listening")
    if args.ready:
        with open(args.ready, "w") as f:
            f.write(f"{os.getpid()}\n")
    stop = asyncio.Event()
    for s in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(s, stop.set)
    tasks = [asyncio.create_task(x) for x in
             (fleet.churn(), fleet.control(), lag_monitor(), reporter(args, fleet))]
    await stop.wait()
    for t in tasks:
        t.cancel()
    for e in fleet.engines:
        e.server.close()
        for s in list(e.streams):
            if s.t:
                s.t.close()
    if not args.tcp_base:
        for e in fleet.engines:
            try:
                os.unlink(os.path.join(args.dir, f"{e.name}.sock"))
            except OSError:
                pass
    log(f"stopped: {STATS.changes} changes, {STATS.events} events, requests {STATS.req}")


# ---------------------------------------------------------------- DNS over UDP (stdlib)

def dns_query(qid, name, qtype):
    q = struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        b = label.encode()
        q += bytes([len(b)]) + b
    return q + b"\0" + struct.pack("!HH", qtype, 1)


def _skip_name(msg, off):
    while True:
        n = msg[off]
        if n == 0:
            return off + 1
        if n & 0xC0 == 0xC0:
            return off + 2
        off += n + 1


def dns_parse(msg):
    """(id, rcode, ancount, soa_serial or None, A addresses)"""
    qid, flags, qd, an, _ns, _ar = struct.unpack_from("!HHHHHH", msg, 0)
    off = 12
    for _ in range(qd):
        off = _skip_name(msg, off) + 4
    serial, addrs = None, []
    for _ in range(an):
        off = _skip_name(msg, off)
        rtype, _cls, _ttl, rdlen = struct.unpack_from("!HHIH", msg, off)
        off += 10
        if rtype == 6:
            p = _skip_name(msg, _skip_name(msg, off))
            serial = struct.unpack_from("!I", msg, p)[0]
        elif rtype == 1 and rdlen == 4:
            addrs.append(socket.inet_ntoa(msg[off:off + 4]))
        off += rdlen
    return qid, flags & 0xF, an, serial, addrs


class Resolver:
    """Batches of UDP queries to one server, matched by id."""

    def __init__(self, server):
        host, port = server.rsplit(":", 1)
        self.addr = (host, int(port))
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.s.connect(self.addr)
        self.next_id = random.randrange(65536)

    def batch(self, names, qtype=1, timeout=0.5, window=256, tries=3):
        """{name: (rcode, ancount, soa serial, A addresses, monotonic receipt time)} for the
        names answered."""
        out = {}
        todo = list(dict.fromkeys(names))
        for _ in range(tries):
            if not todo:
                break
            inflight = {}
            k = 0
            while k < len(todo) or inflight:
                while k < len(todo) and len(inflight) < window:
                    self.next_id = (self.next_id + 1) & 0xFFFF
                    inflight[self.next_id] = todo[k]
                    self.s.send(dns_query(self.next_id, todo[k], qtype))
                    k += 1
                self.s.settimeout(timeout)
                try:
                    msg = self.s.recv(65535)
                except socket.timeout:
                    break
                except OSError:
                    break
                try:
                    qid, rcode, an, serial, addrs = dns_parse(msg)
                except (struct.error, IndexError):
                    continue
                name = inflight.pop(qid, None)
                if name is not None:
                    out[name] = (rcode, an, serial, addrs, time.monotonic())
            todo = [n for n in todo if n not in out]
        return out

    def one(self, name, qtype=1, timeout=0.5):
        r = self.batch([name], qtype, timeout, tries=1)
        return r.get(name)


# ---------------------------------------------------------------- wait

def wait(args):
    m, c, s = args.engines, args.containers, args.service_size
    total = m * c
    nservices = (total + s - 1) // s
    names = [f"s{k}.{args.zone}" for k in range(nservices)]
    res = Resolver(args.server)
    t0 = time.monotonic()
    best = -1
    while True:
        got = res.batch(names, 1, timeout=1.0)
        served = sum(len(v[3]) for v in got.values())
        if served != best:
            log(f"wait: {served}/{total} replicas served after {time.monotonic() - t0:.1f} s")
            best = served
        if served >= total:
            print(f"{time.monotonic() - t0:.1f}")
            return 0
        if time.monotonic() - t0 > args.timeout:
            print(f"timeout {served}/{total}")
            return 1
        time.sleep(args.every)


# ---------------------------------------------------------------- probe

def probe(args):
    """Times event -> answer change for every change logged after the start.

    Every --interval-ms, each pending replica name is queried (one batch over UDP); the
    change is timed at the receipt of the first answer that shows it (A records present
    when the change makes the replica served, absent when it withdraws it). The answer
    changed between the previous answer for that name and this one: the figure is late by
    at most one interval plus one batch, never early."""
    res = Resolver(args.server)
    f = open(args.log)
    f.seek(0, os.SEEK_END)
    out = open(args.out, "a", buffering=1)
    pending = {}  # fqdn -> (t_emit, want, action, streams)
    lat = []
    lost = 0
    queries = 0
    t_end = time.monotonic() + args.duration if args.duration else None
    interval = args.interval_ms / 1000.0
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    partial = ""
    stopping_since = None
    while True:
        now = time.monotonic()
        if stop or (t_end and now > t_end):
            if stopping_since is None:
                stopping_since = now
            if not pending or now - stopping_since > args.drain:
                break
        chunk = f.read()
        if chunk:
            partial += chunk
            lines = partial.split("\n")
            partial = lines.pop()
            for line in lines:
                p = line.split()
                if len(p) >= 6 and stopping_since is None:
                    pending[p[1]] = (float(p[0]), p[2] == "1", p[4], p[5])
        if pending:
            names = list(pending)
            queries += len(names)
            got = res.batch(names, 1, timeout=0.5, tries=1)
            for n in names:
                r = got.get(n)
                if r is None:
                    continue
                t_emit, want, action, streams = pending[n]
                if (r[0] == 0 and r[1] > 0) == want:
                    ms = (r[4] - t_emit) * 1000.0
                    lat.append(ms)
                    out.write(f"{t_emit:.6f} {ms:.1f} {action} {n} {streams}\n")
                    del pending[n]
        for n, (t_emit, want, action, streams) in list(pending.items()):
            if time.monotonic() - t_emit > args.timeout:
                lost += 1
                out.write(f"{t_emit:.6f} lost {action} {n} {streams}\n")
                del pending[n]
        time.sleep(interval)
    lat.sort()
    summary = {"changes": len(lat) + lost + len(pending), "timed": len(lat),
               "lost": lost + len(pending), "queries": queries}
    if lat:
        def pct(p):
            k = max(1, min(len(lat), int(p / 100.0 * len(lat) + 0.999999)))
            return lat[k - 1]
        summary.update({"median_ms": round(pct(50), 1), "p90_ms": round(pct(90), 1),
                        "p99_ms": round(pct(99), 1), "max_ms": round(lat[-1], 1),
                        "min_ms": round(lat[0], 1)})
    print(json.dumps(summary), flush=True)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sv = sub.add_parser("serve")
    sv.add_argument("--dir", required=True, help="folder for the engines' sockets eN.sock")
    sv.add_argument("--engines", type=int, default=10)
    sv.add_argument("--containers", type=int, default=50, help="containers per engine")
    sv.add_argument("--service-size", type=int, default=10)
    sv.add_argument("--zone", default="fleet.sim")
    sv.add_argument("--tcp-base", type=int, default=0,
                    help="listen on 127.0.0.1:BASE+N instead of unix sockets")
    sv.add_argument("--control", help="file holding the churn rate (changes/s)")
    sv.add_argument("--kinds", default="stop,health", help="stop, health, or both")
    sv.add_argument("--cooldown", type=float, default=10.0,
                    help="seconds before the same container changes again")
    sv.add_argument("--log", help="change log, one line per change")
    sv.add_argument("--ready", help="file written once every engine listens")
    sv.add_argument("--report", type=float, default=10.0, help="stats every S seconds")
    sv.add_argument("--seed", type=int, default=1)
    for name in ("wait", "probe"):
        p = sub.add_parser(name)
        p.add_argument("--server", required=True, help="fleetdns at HOST:PORT")
        p.add_argument("--zone", default="fleet.sim")
        if name == "wait":
            p.add_argument("--engines", type=int, required=True)
            p.add_argument("--containers", type=int, required=True)
            p.add_argument("--service-size", type=int, default=10)
            p.add_argument("--timeout", type=float, default=600)
            p.add_argument("--every", type=float, default=1.0)
        else:
            p.add_argument("--log", required=True)
            p.add_argument("--out", required=True)
            p.add_argument("--duration", type=float, default=0,
                           help="take changes for S seconds, then drain and summarize")
            p.add_argument("--drain", type=float, default=30.0)
            p.add_argument("--timeout", type=float, default=60.0,
                           help="a change not seen after S seconds is lost")
            p.add_argument("--interval-ms", type=float, default=5.0)
    args = ap.parse_args()
    if args.cmd == "serve":
        resource.setrlimit(resource.RLIMIT_NOFILE, (resource.getrlimit(resource.RLIMIT_NOFILE)[1],) * 2)
        asyncio.run(serve(args))
        return 0
    if args.cmd == "wait":
        return wait(args)
    return probe(args)


if __name__ == "__main__":
    sys.exit(main())
