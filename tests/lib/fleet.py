# fleet.py -- real Docker Engines for the fleetdns tests: start, kill, hang and restart
# private dockerd instances; the fdt-busybox image; replicas; the engines' event streams;
# DNS polling that measures how long an answer takes to change.
# SPDX-License-Identifier: MIT
# Run with Debian's /usr/bin/python3 (dnspython, PyYAML). Needs root, dockerd, the docker
# client, busybox-static, openssl, iproute2. See shared/guide/DOCKER-IN-TESTS.md.
#
# Every engine NAME (1..8 of [a-z0-9], unique among all test files) owns:
#   /run/fdt-NAME.sock, /run/fdt-NAME.pid, /run/fdt-NAME.lock, /run/fdt-NAME/ (exec root),
#   /var/lib/fdt-NAME/ (data root, kept between runs so the image stays), bridge br-fdt-NAME
#   with 172.31.X.1/24 and (with ipv6) fd00:f1ee:X::/64, X = subnet_octet(NAME).
# Everything the test made is removed at exit (also on SIGTERM/SIGINT/SIGHUP and failures):
# containers with the label fdt.test, swarm state, the dockerd (by pid), the bridge.
import atexit
import fcntl
import http.client
import json
import glob
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fdnstest  # noqa: E402
from fdnstest import ok, is_, bail, free_port  # noqa: E402,F401

import dns.exception  # noqa: E402
import dns.flags  # noqa: E402
import dns.message  # noqa: E402
import dns.query  # noqa: E402
import dns.rcode  # noqa: E402
import dns.rdatatype  # noqa: E402

DOCKER = "/usr/bin/docker" if os.access("/usr/bin/docker", os.X_OK) else shutil.which("docker")
DOCKERD = shutil.which("dockerd") or "/usr/sbin/dockerd"
BUSYBOX = "/bin/busybox"
IMAGE = "fdt-busybox"
IMAGE_CACHE = "/var/lib/fdt-cache"
TEST_LABEL = "fdt.test"
RUN_ID = f"{os.path.splitext(os.path.basename(sys.argv[0]))[0]}-{os.getpid()}"
TMP = tempfile.mkdtemp(prefix="fdt.")
ZONE = "fleet.test"
_T0 = time.monotonic()

# The test image's health check: every second, failing at once when /tmp/healthy is gone
# (make_unhealthy). Its 3 s timeout only tolerates a check that is slow to start on a loaded
# machine (the ASan build): with 1 s, such a check made a running replica unhealthy.
DOCKERFILE = """\
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox","--install","-s","/bin"]
RUN ["/bin/sh","-c","mkdir -p /www /tmp && echo ok > /www/index.html"]
HEALTHCHECK --interval=1s --timeout=3s --retries=1 CMD ["/bin/test","-f","/tmp/healthy"]
CMD ["/bin/sh","-c","touch /tmp/healthy; exec httpd -f -p 8080 -h /www"]
"""


def diag(msg):
    for line in str(msg).splitlines() or [""]:
        print(f"# {line}")
    sys.stdout.flush()


def now():
    return time.monotonic()


def ms(t):
    return int(round(t * 1000))


# ---------------------------------------------------------------- cleanup and signals

_engines = []
_cleanups = []   # callables run before the engines are torn down (fleetdns, helpers)


def at_cleanup(fn):
    _cleanups.append(fn)


def _on_signal(signum, frame):
    diag(f"signal {signum}: cleaning up")
    sys.exit(128 + signum)


for _s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(_s, _on_signal)


def _cleanup_all():
    t = now()
    for fn in reversed(_cleanups):
        try:
            fn()
        except Exception as e:  # cleanup goes on whatever happens
            diag(f"cleanup: {e}")
    # Engines in parallel: each may need a restart to remove its containers.
    threads = [threading.Thread(target=e._cleanup) for e in _engines]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    shutil.rmtree(TMP, ignore_errors=True)
    if _engines:
        diag(f"cleanup took {ms(now() - t)} ms")


atexit.register(_cleanup_all)


# ---------------------------------------------------------------- HTTP over a unix socket

class _UnixHTTP(http.client.HTTPConnection):
    def __init__(self, path, timeout):
        super().__init__("docker", timeout=timeout)
        self._path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self._path)
        self.sock = s


def subnet_octet(name):
    """X of 172.31.X.0/24 and fd00:f1ee:X::/64: 1..240 from the name (never 246, 247, 250)."""
    return zlib.crc32(name.encode()) % 240 + 1


def _run(cmd, timeout=120, check=True, env=None, input=None):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env,
                       input=input)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {r.returncode}: {r.stderr.strip()[-500:]}")
    return r


# ---------------------------------------------------------------- certificates

def make_certs(folder):
    """A CA, a server certificate for IP:127.0.0.1 and a client certificate, with openssl.
    Returns a dict of paths: ca, server_cert, server_key, client_cert, client_key."""
    os.makedirs(folder, exist_ok=True)
    p = {k: os.path.join(folder, f) for k, f in (
        ("ca", "ca.pem"), ("ca_key", "ca-key.pem"), ("server_cert", "server.pem"),
        ("server_key", "server-key.pem"), ("client_cert", "client.pem"),
        ("client_key", "client-key.pem"))}
    ossl = ["openssl"]
    _run(ossl + ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                 "-subj", "/CN=fdt test CA", "-keyout", p["ca_key"], "-out", p["ca"]])
    for who, ext in (("server", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"),
                     ("client", "extendedKeyUsage=clientAuth\n")):
        csr = os.path.join(folder, f"{who}.csr")
        extf = os.path.join(folder, f"{who}.ext")
        with open(extf, "w") as f:
            f.write(ext)
        _run(ossl + ["req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN=fdt {who}",
                     "-keyout", p[f"{who}_key"], "-out", csr])
        _run(ossl + ["x509", "-req", "-in", csr, "-CA", p["ca"], "-CAkey", p["ca_key"],
                     "-CAcreateserial", "-days", "2", "-extfile", extf,
                     "-out", p[f"{who}_cert"]])
    return p


# ---------------------------------------------------------------- engines

class Engine:
    """One private dockerd. start() = prepare() + launch() + wait_ready()."""

    def __init__(self, name, tcp=None, tls=False, ipv6=False, live_restore=False):
        if not re.fullmatch(r"[a-z0-9]{1,8}", name):
            bail(f"engine name '{name}': 1..8 characters of [a-z0-9]")
        self.name = name
        self.sock = f"/run/fdt-{name}.sock"
        self.url = f"unix://{self.sock}"
        self.data_root = f"/var/lib/fdt-{name}"
        self.exec_root = f"/run/fdt-{name}"
        self.pidfile = f"/run/fdt-{name}.pid"
        self.lockfile = f"/run/fdt-{name}.lock"
        self.bridge = f"br-fdt-{name}"
        self.x = subnet_octet(name)
        self.gateway = f"172.31.{self.x}.1"
        self.subnet = f"172.31.{self.x}.0/24"
        self.ipv6 = ipv6
        self.subnet6 = f"fd00:f1ee:{self.x}::/64" if ipv6 else None
        self.tcp = tcp
        self.tls = tls
        self.live_restore = live_restore
        self.certs = None
        self.log = os.path.join(TMP, f"dockerd-{name}.log")
        self.proc = None
        self.paused = False
        self._lock_fd = None
        self._prepared = False
        self.events = []          # (monotonic receipt time, event dict)
        self._ev_cond = threading.Condition()
        self._ev_thread = None
        self._ev_sock = None
        self.start_ms = None
        self.swarm = False
        self.extra_bridges = []
        self._first_start = True

    # -- lifecycle
    def prepare(self):
        """Lock the name, end a stale dockerd of a crashed run, make the bridge."""
        if self._prepared:
            return
        self._lock_fd = os.open(self.lockfile, os.O_RDWR | os.O_CREAT, 0o644)
        # Another run of the same test file (a second `make check` in the same machine)
        # holds the name: wait for it rather than fail.
        deadline = now() + 300
        waited = False
        while True:
            try:
                fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if now() > deadline:
                    bail(f"engine {self.name}: {self.lockfile} held by another run for 300 s")
                if not waited:
                    diag(f"engine {self.name}: waiting for another test run to release it")
                    waited = True
                time.sleep(0.5)
        _engines.append(self)
        self._prepared = True
        stale = self._pid_from_file()
        if stale and self._is_our_dockerd(stale):
            diag(f"engine {self.name}: killing stale dockerd {stale} of an earlier run")
            os.kill(stale, signal.SIGCONT)
            os.kill(stale, signal.SIGKILL)
            for _ in range(100):
                if not os.path.exists(f"/proc/{stale}"):
                    break
                time.sleep(0.05)
        # The subnet must not be routed anywhere else.
        routes = _run(["ip", "-4", "route", "show", self.subnet], check=False).stdout
        for line in routes.splitlines():
            m = re.search(r"dev (\S+)", line)
            if m and m.group(1) != self.bridge:
                bail(f"engine {self.name}: subnet {self.subnet} already used by {m.group(1)}")
        _run(["ip", "link", "del", self.bridge], check=False)
        _run(["ip", "link", "add", self.bridge, "type", "bridge"])
        _run(["ip", "addr", "add", f"{self.gateway}/24", "dev", self.bridge])
        _run(["ip", "link", "set", self.bridge, "up"])
        if self.tls and self.certs is None:
            self.certs = make_certs(os.path.join(TMP, f"certs-{self.name}"))

    def _pid_from_file(self):
        try:
            return int(open(self.pidfile).read().strip())
        except (OSError, ValueError):
            return None

    def _is_our_dockerd(self, pid):
        try:
            cmd = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
        except OSError:
            return False
        return bool(cmd) and os.path.basename(cmd[0]) == b"dockerd" and \
            self.sock.encode() in b" ".join(cmd)

    def argv(self):
        a = [DOCKERD, "--pidfile", self.pidfile, "-H", self.url,
             "--data-root", self.data_root, "--exec-root", self.exec_root,
             "--bridge", self.bridge, "--iptables=false", "--ip-masq=false",
             "--ip-forward=false", "--userland-proxy=false"]
        if self.tcp:
            a += ["-H", f"tcp://127.0.0.1:{self.tcp}"]
        if self.tls:
            a += ["--tlsverify", "--tlscacert", self.certs["ca"],
                  "--tlscert", self.certs["server_cert"], "--tlskey", self.certs["server_key"]]
        if self.ipv6:
            a += ["--ipv6", "--fixed-cidr-v6", self.subnet6]
        if self.live_restore:
            a += ["--live-restore"]
        return a

    def _clear_stale_containerd(self):
        """After dockerd was killed, its containerd dies too (parent-death signal) but can
        stay a zombie for seconds (PID 1 here reaps late); dockerd would then take it for
        a running containerd and time out connecting to it. Remove its pid file then."""
        pf = os.path.join(self.exec_root, "containerd", "containerd.pid")
        try:
            pid = int(open(pf).read().strip())
        except (OSError, ValueError):
            return
        for _ in range(40):
            try:
                state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
                cmd = open(f"/proc/{pid}/cmdline", "rb").read()
            except (OSError, IndexError):
                break
            if state in ("Z", "X"):
                break
            if self.exec_root.encode() not in cmd:
                break           # the pid belongs to someone else now
            time.sleep(0.05)    # our containerd, still going down
        else:
            diag(f"engine {self.name}: containerd {pid} still running; SIGKILL")
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        try:
            os.unlink(pf)
        except OSError:
            pass

    def launch(self):
        self._clear_stale_containerd()
        self._t_launch = now()
        logf = open(self.log, "a")
        self.proc = subprocess.Popen(self.argv(), stdout=logf, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        self.paused = False

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def ping(self, timeout=1.0):
        try:
            st, body = self.api("GET", "/_ping", timeout=timeout)
            return st == 200 and body.strip() == b"OK"
        except (OSError, http.client.HTTPException):
            return False

    def wait_ready(self, timeout=30):
        deadline = now() + timeout
        while now() < deadline:
            if not self.alive():
                self._dump_log()
                bail(f"engine {self.name}: dockerd exited with {self.proc.returncode}")
            if self.ping(0.5):
                self.start_ms = ms(now() - self._t_launch)
                self._after_ready()
                return self.start_ms
            time.sleep(0.05)
        self._dump_log()
        bail(f"engine {self.name}: _ping did not answer OK within {timeout} s")

    def _after_ready(self):
        self.start_events()
        info = self.info()
        if self._first_start:
            # left over by an earlier run that could not clean up
            if info.get("Swarm", {}).get("LocalNodeState") == "active":
                self.swarm_leave()
            self.remove_test_containers(only_run=False)
            self._first_start = False

    def start(self):
        self.prepare()
        self.launch()
        return self.wait_ready()

    def _dump_log(self, lines=30):
        try:
            diag(f"--- dockerd {self.name} log (last {lines} lines)")
            diag("".join(open(self.log).readlines()[-lines:]))
        except OSError:
            pass

    def kill(self):
        """SIGKILL dockerd (its containers keep running under their shims)."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.paused = False

    def stop(self, timeout=30):
        """SIGTERM dockerd and wait for it (SIGKILL after timeout)."""
        if self.paused:
            self.resume()
        if not self.alive():
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            diag(f"engine {self.name}: dockerd ignored SIGTERM for {timeout} s; SIGKILL")
            self.kill()

    def pause(self):
        """SIGSTOP: connections stay open, nothing answers. Returns once every thread of
        dockerd is stopped (a thread busy in the kernel stops only when it comes back)."""
        self.proc.send_signal(signal.SIGSTOP)
        self.paused = True
        deadline = now() + 5
        while now() < deadline:
            states = []
            for task in glob.glob(f"/proc/{self.proc.pid}/task/*/stat"):
                try:
                    with open(task) as f:
                        states.append(f.read().rsplit(")", 1)[1].split()[0])
                except OSError:
                    pass
            if states and all(st in ("T", "t") for st in states):
                return
            time.sleep(0.01)

    def resume(self):
        self.proc.send_signal(signal.SIGCONT)
        self.paused = False

    def restart(self, kill=False):
        """Stop (or kill) and start again; returns the start time in ms."""
        if kill:
            self.kill()
        else:
            self.stop()
        self.launch()
        return self.wait_ready()

    def _cleanup(self):
        if not self._prepared:
            return
        try:
            self.stop_events()
            if self.paused:
                self.resume()
            if self.proc is not None and not self.alive():
                # killed by the test: start it again so its containers can be removed
                self.launch()
                deadline = now() + 30
                while now() < deadline and self.alive() and not self.ping(0.5):
                    time.sleep(0.1)
            if self.alive():
                if self.swarm:
                    self.swarm_leave()
                self.remove_test_containers(only_run=False)
                self.stop()
        except Exception as e:
            diag(f"engine {self.name} cleanup: {e}")
            if self.alive():
                self.proc.kill()
                self.proc.wait()
        _run(["ip", "link", "del", self.bridge], check=False)
        for extra in getattr(self, "extra_bridges", []):
            _run(["ip", "link", "del", extra], check=False)
        try:
            os.unlink(self.pidfile)
        except OSError:
            pass
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    # -- swarm
    def swarm_init(self):
        """docker swarm init on loopback (manager port from free_port, not 0.0.0.0:2377), with
        the swarm's docker_gwbridge made first on a bridge of our own (fdtg-NAME,
        172.30.X.0/24) so that no global docker_gwbridge link is made or taken over.
        Returns the CompletedProcess of swarm init (check returncode)."""
        gw = f"fdtg-{self.name}"
        self.extra_bridges = [gw]
        self.swarm = True
        self.docker("network", "rm", "docker_gwbridge", check=False)
        r = self.docker("network", "create", "--driver", "bridge",
                        "--subnet", f"172.30.{self.x}.0/24",
                        "-o", f"com.docker.network.bridge.name={gw}",
                        "-o", "com.docker.network.bridge.enable_icc=false",
                        "-o", "com.docker.network.bridge.enable_ip_masquerade=false",
                        "docker_gwbridge", check=False)
        if r.returncode != 0:
            return r
        port = free_port()
        return self.docker("swarm", "init", "--advertise-addr", f"127.0.0.1:{port}",
                           "--listen-addr", f"127.0.0.1:{port}", check=False, timeout=120)

    def swarm_leave(self):
        self.docker("swarm", "leave", "--force", check=False, timeout=60)
        self.docker("network", "rm", "docker_gwbridge", check=False)

    # -- API and client
    def api(self, method, path, body=None, timeout=10.0):
        c = _UnixHTTP(self.sock, timeout)
        try:
            headers = {}
            data = None
            if body is not None:
                data = json.dumps(body).encode()
                headers["Content-Type"] = "application/json"
            c.request(method, path, body=data, headers=headers)
            r = c.getresponse()
            return r.status, r.read()
        finally:
            c.close()

    def api_json(self, path, timeout=10.0):
        st, body = self.api("GET", path, timeout=timeout)
        if st != 200:
            raise RuntimeError(f"engine {self.name}: GET {path}: {st} {body[:200]!r}")
        return json.loads(body)

    def info(self):
        return self.api_json("/info")

    def docker(self, *args, check=True, timeout=120, input=None):
        """The docker client against this engine; returns the CompletedProcess."""
        return _run([DOCKER, "-H", self.url, *args], check=check, timeout=timeout,
                    env=dict(os.environ, DOCKER_BUILDKIT="0"), input=input)

    def test_containers(self, only_run=True):
        lab = f"{TEST_LABEL}={RUN_ID}" if only_run else TEST_LABEL
        f = json.dumps({"label": [lab]})
        return [c["Id"] for c in
                self.api_json(f"/containers/json?all=1&filters={_q(f)}")]

    def remove_test_containers(self, only_run=True):
        for cid in self.test_containers(only_run):
            self.api("DELETE", f"/containers/{cid}?force=1&v=1", timeout=30)

    # -- events: one stream per engine, read by a thread, kept with receipt times
    def start_events(self):
        self.stop_events()
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(self.sock)
        s.sendall(b"GET /events HTTP/1.0\r\nHost: docker\r\n\r\n")
        self._ev_sock = s
        self._ev_thread = threading.Thread(target=self._read_events, args=(s,), daemon=True)
        self._ev_thread.start()

    def stop_events(self):
        if self._ev_sock is not None:
            try:
                self._ev_sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._ev_sock.close()
            self._ev_sock = None

    def _read_events(self, s):
        buf = b""
        header_done = False
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    return
                buf += chunk
                if not header_done:
                    i = buf.find(b"\r\n\r\n")
                    if i < 0:
                        continue
                    buf = buf[i + 4:]
                    header_done = True
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    line = line.strip()
                    if not line:
                        continue
                    try:
                        ev = json.loads(line)
                    except ValueError:
                        continue
                    with self._ev_cond:
                        self.events.append((now(), ev))
                        self._ev_cond.notify_all()
        except OSError:
            return

    def wait_event(self, pred, since, timeout=10.0):
        """The receipt time of the first event after `since` for which pred(ev) holds."""
        deadline = now() + timeout
        with self._ev_cond:
            while True:
                for t, ev in self.events:
                    if t >= since and pred(ev):
                        return t
                left = deadline - now()
                if left <= 0:
                    return None
                self._ev_cond.wait(left)


def _q(s):
    from urllib.parse import quote
    return quote(s, safe="")


def ev_container(action, cid=None):
    """An event predicate: container event whose Action starts with action (and id)."""
    def pred(ev):
        return ev.get("Type") == "container" and ev.get("Action", "").startswith(action) and \
            (cid is None or ev.get("id") == cid or ev.get("Actor", {}).get("ID") == cid)
    return pred


def engines_start(*specs):
    """Start engines in parallel: specs are Engine objects or names. Prints the start times
    as TAP diagnostics; returns the engines."""
    missing = [what for what, path in (("dockerd (docker.io)", DOCKERD),
                                        ("docker client (docker.io)", DOCKER),
                                        ("busybox-static", BUSYBOX), ("openssl", "openssl"),
                                        ("ip (iproute2)", "ip"))
               if not path or not (os.access(path, os.X_OK) or shutil.which(path))]
    if missing:
        bail(f"missing: {', '.join(missing)}")
    if os.geteuid() != 0:
        bail("real Docker Engines need root")
    engines = [s if isinstance(s, Engine) else Engine(s) for s in specs]
    t = now()
    for e in engines:
        e.prepare()
    for e in engines:
        e.launch()
    for e in engines:
        e.wait_ready()
        diag(f"engine {e.name} ready in {e.start_ms} ms")
    diag(f"{len(engines)} engine(s) ready in {ms(now() - t)} ms (total, parallel)")
    ensure_image(engines)
    return engines


def engine_start(name, **kw):
    return engines_start(Engine(name, **kw))[0]


# ---------------------------------------------------------------- the image

def _image_exists(e):
    st, _ = e.api("GET", f"/images/{IMAGE}/json")
    return st == 200


def ensure_image(engines):
    """fdt-busybox on every engine: skipped where present, else loaded from the saved copy
    of the first build, else built (on the first engine that lacks it) and saved."""
    t = now()
    missing = [e for e in engines if not _image_exists(e)]
    if not missing:
        return
    tar = os.path.join(IMAGE_CACHE, f"{IMAGE}.tar")
    for e in missing:
        if os.path.exists(tar):
            r = e.docker("load", "-i", tar, check=False)
            if r.returncode == 0 and _image_exists(e):
                continue
        ctx = os.path.join(TMP, "image")
        os.makedirs(ctx, exist_ok=True)
        shutil.copy(BUSYBOX, os.path.join(ctx, "busybox"))
        with open(os.path.join(ctx, "Dockerfile"), "w") as f:
            f.write(DOCKERFILE)
        r = e.docker("build", "-q", "-t", IMAGE, ctx, check=False, timeout=300)
        if r.returncode != 0:
            e._dump_log()
            bail(f"engine {e.name}: docker build failed: {r.stderr.strip()[-800:]}")
        os.makedirs(IMAGE_CACHE, exist_ok=True)
        part = f"{tar}.{os.getpid()}"
        e.docker("save", "-o", part, IMAGE)
        os.replace(part, tar)
    diag(f"image {IMAGE} on {len(missing)} engine(s) in {ms(now() - t)} ms")


# ---------------------------------------------------------------- replicas

class Replica:
    def __init__(self, engine, cid, name):
        self.engine = engine
        self.id = cid
        self.name = name
        self.ip = None
        self.ip6 = None

    def inspect(self):
        return self.engine.api_json(f"/containers/{self.id}/json")

    def refresh(self):
        self.ip, self.ip6 = container_ip(self.engine, self.id)
        return self

    def health(self):
        st = self.inspect()["State"]
        return (st.get("Health") or {}).get("Status")

    @property
    def dns_name(self):
        """The replica name of docs/fleet.md (without the service and zone)."""
        n = re.sub(r"[^a-z0-9-]", "-", self.name.lower())
        return f"{n}-{self.engine.name}"[:63]

    def __repr__(self):
        return f"<{self.name}@{self.engine.name} {self.ip}>"


def run_replica(engine, service, *extra, name=None, wait="healthy", image=IMAGE, cmd=()):
    """docker run -d with the run's test label and (unless service is None) the label
    fleetdns.service=SERVICE; extra args go before the image. --stop-timeout 1, since httpd
    as PID 1 ignores SIGTERM (docker stop and an engine shutdown would wait 10 s). wait: 'healthy', 'running'
    or None. Returns a Replica with its addresses."""
    args = ["run", "-d", "--label", f"{TEST_LABEL}={RUN_ID}", "--stop-timeout", "1"]
    if service is not None:
        args += ["--label", f"fleetdns.service={service}"]
    if name:
        args += ["--name", name]
    args += list(extra) + [image] + list(cmd)
    cid = engine.docker(*args).stdout.strip()
    r = Replica(engine, cid, name or engine.api_json(f"/containers/{cid}/json")["Name"][1:])
    if wait == "healthy":
        wait_health(r, "healthy")
    r.refresh()
    return r


def wait_health(r, status, timeout=15):
    deadline = now() + timeout
    while now() < deadline:
        if r.health() == status:
            return True
        time.sleep(0.1)
    bail(f"container {r.name} on {r.engine.name} not {status} after {timeout} s")


def container_ip(engine, cid, network=None):
    """(IPv4, IPv6) of a container on its (first, or the named) network; None when absent."""
    nets = engine.api_json(f"/containers/{cid}/json")["NetworkSettings"]["Networks"] or {}
    names = [network] if network else sorted(nets)
    for n in names:
        if n in nets:
            return nets[n].get("IPAddress") or None, nets[n].get("GlobalIPv6Address") or None
    return None, None


def make_unhealthy(r):
    r.engine.docker("exec", r.id, "rm", "-f", "/tmp/healthy")


def make_healthy(r):
    r.engine.docker("exec", r.id, "touch", "/tmp/healthy")


# ---------------------------------------------------------------- fleetdns

def write_config(path, engines=(), fleet=None, zones=(ZONE,), server=None):
    """A YAML configuration file. engines: dicts (name, url, tls, address, host-address,
    timeout). zones: names (served without a file)."""
    import yaml
    doc = {}
    if server:
        doc["server"] = server
    if zones:
        doc["zones"] = [{"name": z} for z in zones]
    if engines:
        doc["engines"] = list(engines)
    if fleet:
        doc["fleet"] = fleet
    with open(path, "w") as f:
        yaml.safe_dump(doc, f, default_flow_style=False, sort_keys=False)
    return path


def fleetdns_supports_engines():
    fl = os.environ.get("FLEETDNS", "")
    try:
        out = subprocess.run([fl, "--help"], capture_output=True, text=True, timeout=10).stdout
    except OSError:
        return False
    return "--engine" in out


def start_fleetdns(engines=(), args=(), config=None, port=None, zone=ZONE):
    """fleetdns on 127.0.0.1:PORT for the fleet zone, watching the engines (Engine objects,
    given as --engine NAME=URL) or, with config (a path), configured by the file."""
    if not os.access(os.environ.get("FLEETDNS", ""), os.X_OK):
        bail("FLEETDNS does not name an executable")
    port = port or free_port()
    a = ["--listen", f"127.0.0.1:{port}"]
    if config:
        a += ["-c", config]
    else:
        a += ["--zone", zone]
    for e in engines:
        a += ["--engine", f"{e.name}={e.url}"]
    a += list(args)
    srv = fdnstest.Server(a, zone, port=port)
    srv.args = a
    at_cleanup(srv.stop)
    _servers[port] = srv
    stop = srv.stop

    def stopped():
        _servers.pop(port, None)  # stopped on purpose: queries may time out now
        return stop()
    srv.stop = stopped
    return srv


# fleetdns servers started here and not stopped, by port: a query that gets no answer
# checks whether fleetdns died, and then the scenario stops at once with its log instead
# of waiting out every query that follows.
_servers = {}


def _check_alive(port):
    srv = _servers.get(port)
    if srv is not None and not srv.alive():
        fleetdns_log(srv)
        bail(f"fleetdns on port {port} exited (status {srv.proc.returncode})")


def fleetdns_log(srv, lines=40):
    try:
        diag(f"--- fleetdns log (last {lines} lines)")
        diag("".join(open(srv.log).readlines()[-lines:]))
    except OSError:
        pass


# ---------------------------------------------------------------- DNS

class Answer:
    """A response, reduced to what the scenarios compare."""

    def __init__(self, msg):
        self.msg = msg
        self.rcode = dns.rcode.to_text(msg.rcode())
        self.aa = bool(msg.flags & dns.flags.AA)
        self.tc = bool(msg.flags & dns.flags.TC)
        self.order = []          # answer rdata in order (addresses for A/AAAA)
        self.answer = []
        for rrset in msg.answer:
            for rd in rrset:
                self.answer.append((str(rrset.name), rrset.ttl,
                                    dns.rdatatype.to_text(rrset.rdtype), rd.to_text()))
                self.order.append(rd.to_text())
        self.authority = []
        self.soa_serial = None
        for rrset in msg.authority:
            for rd in rrset:
                self.authority.append((str(rrset.name), rrset.ttl,
                                       dns.rdatatype.to_text(rrset.rdtype), rd.to_text()))
                if rrset.rdtype == dns.rdatatype.SOA:
                    self.soa_serial = rd.serial
        for rrset in msg.answer:
            if rrset.rdtype == dns.rdatatype.SOA:
                self.soa_serial = rrset[0].serial
        self.additional = [(str(rrset.name), dns.rdatatype.to_text(rrset.rdtype), rd.to_text())
                           for rrset in msg.additional for rd in rrset]

    @property
    def addrs(self):
        return frozenset(self.order)

    @property
    def has_soa(self):
        return any(t == "SOA" for _, _, t, _ in self.authority)

    def summary(self):
        return f"{self.rcode} an={sorted(self.order)} soa_in_authority={self.has_soa}"


def query(port, name, rdtype="A", timeout=1.0, tcp=False, addr="127.0.0.1"):
    """One query (no RD); an Answer, or None on timeout or an unparsable response."""
    q = dns.message.make_query(name, rdtype)
    q.flags &= ~dns.flags.RD
    try:
        if tcp:
            m = dns.query.tcp(q, addr, port=port, timeout=timeout)
        else:
            m = dns.query.udp(q, addr, port=port, timeout=timeout)
    except (dns.exception.Timeout, OSError, dns.exception.DNSException):
        _check_alive(port)
        return None
    return Answer(m)


def poll(port, name, pred, timeout, rdtype="A", since=None, interval=0.1):
    """Query every interval until pred(Answer) holds or timeout seconds after since (default:
    now) pass. Returns (True/False, ms from since to the first matching answer, last Answer)."""
    since = now() if since is None else since
    deadline = since + timeout
    last = None
    while True:
        t = now()
        a = query(port, name, rdtype, timeout=max(0.05, min(1.0, deadline - t + 0.05)))
        if a is not None:
            last = a
            if pred(a):
                return True, ms(t - since), a
        if now() >= deadline:
            return False, ms(now() - since), last
        time.sleep(max(0.0, min(interval - (now() - t), deadline - now())))


def addrs_are(expected):
    exp = frozenset(expected)
    return lambda a: a.rcode == "NOERROR" and a.addrs == exp


def nodata(a):
    return a.rcode == "NOERROR" and not a.answer and a.has_soa


def nxdomain(a):
    return a.rcode == "NXDOMAIN" and not a.answer and a.has_soa


_latencies = []


def latency(scenario, value_ms):
    """The TAP diagnostic the lead collects: '# latency SCENARIO MS'."""
    _latencies.append((scenario, value_ms))
    print(f"# latency {scenario} {value_ms}")
    sys.stdout.flush()


def latency_summary():
    vals = [v for _, v in _latencies if v is not None]
    if vals:
        diag(f"latency summary (from the docker command): n={len(vals)} "
             f"median={int(statistics.median(vals))} worst={max(vals)} ms")
    missed = [n for n, v in _latencies if v is None]
    if missed:
        diag(f"no answer change within the bound: {' '.join(missed)}")


def last_event(waits, since):
    """The receipt time of the latest of several events: waits is a list of (engine, pred);
    each must have been seen after since; None if one of them is missing."""
    times = []
    for e, pred in waits:
        t = e.wait_event(pred, since, timeout=0.5)
        if t is None:
            return None
        times.append(t)
    return max(times) if times else None


def expect_change(port, name, pred, scenario, bound, since, rdtype="A", events=(),
                  ev_since=None, event_bound=1.0, desc=None, event_at=None):
    """After a docker command that started at ev_since and returned at since: the answer to
    name must satisfy pred within bound seconds of since, and (when events, a list of
    (engine, event predicate), are given) within event_bound seconds of the last of those
    events. Prints '# latency SCENARIO MS' (from the command's return); returns the last
    Answer. event_at: instead of events, a function that returns the reference event time.
    """
    good, lat, last = poll(port, name, pred, bound, rdtype=rdtype, since=since)
    latency(scenario, lat if good else None)
    ok(good, desc or f"{scenario}: answer within {ms(bound)} ms of the command",
       f"not after {lat} ms; last answer: {last.summary() if last else 'none (timeout)'}")
    if events or event_at:
        te = event_at() if event_at else \
            last_event(events, since if ev_since is None else ev_since)
        if te is None:
            ok(False, f"{scenario}: the engine reported the expected event(s)")
        elif good:
            rel = lat - ms(te - since)
            diag(f"{scenario}: answer {rel} ms after the engine's event "
                 f"(event {ms(te - since)} ms after the command returned)")
            print(f"# event-latency {scenario} {rel}")
            # the poll runs every 100 ms: allow one interval
            ok(rel <= ms(event_bound) + 100,
               f"{scenario}: answer within {ms(event_bound)} ms of the engine's event",
               f"{rel} ms after the event")
    return last


class Sampler:
    """Calls fn every interval seconds in a thread; keeps (time, value)."""

    def __init__(self, fn, interval):
        self.fn, self.interval, self.samples = fn, interval, []
        self._stop = threading.Event()
        self._th = threading.Thread(target=self._run, daemon=True)
        self._th.start()
        at_cleanup(self.stop)

    def _run(self):
        while not self._stop.is_set():
            t = now()
            self.samples.append((t, self.fn()))
            self._stop.wait(max(0.0, self.interval - (now() - t)))

    def stop(self):
        self._stop.set()
        if self._th.is_alive():
            self._th.join()

    def between(self, t0, t1):
        return [(t, v) for t, v in self.samples if t0 <= t < t1]


class DigLoop:
    """dig +norec +tries=1 +time=1 for name every interval seconds, in a thread; results are
    (time the query started, status or 'timeout', sorted tuple of A addresses)."""

    def __init__(self, port, name, interval=0.1):
        self.port, self.name, self.interval = port, name, interval
        self.results = []
        self.first_bad = ""   # the first output without a NOERROR answer with addresses
        self._stop = threading.Event()
        self._th = threading.Thread(target=self._run, daemon=True)
        self._th.start()
        at_cleanup(self.stop)

    def _run(self):
        while not self._stop.is_set():
            t = now()
            r = subprocess.run(["dig", "@127.0.0.1", "-p", str(self.port), "+norec",
                                "+tries=1", "+time=1", self.name, "A"],
                               capture_output=True, text=True)
            st, addrs = dig_parse(r.stdout)
            self.results.append((t, st, addrs))
            if (st != "NOERROR" or not addrs) and not self.first_bad:
                self.first_bad = r.stdout
            self._stop.wait(max(0.0, self.interval - (now() - t)))

    def stop(self):
        self._stop.set()
        if self._th.is_alive():
            self._th.join()


def dig_parse(text):
    """(status or 'timeout', sorted tuple of the A addresses of the answer section)."""
    m = re.search(r"status: (\w+)", text)
    if not m:
        return "timeout", ()
    ans = text.split("ANSWER SECTION:")[1].split("\n\n")[0] if "ANSWER SECTION:" in text \
        else ""
    return m.group(1), tuple(sorted(re.findall(r"\sIN\s+A\s+(\S+)", ans)))


def soa_serial(port, zone=ZONE):
    a = query(port, zone, "SOA")
    return a.soa_serial if a is not None else None


def serial_raised(port, before, timeout=1.5, zone=ZONE):
    """The zone's serial once it is above before: answers change at once, serials at most
    once a second (docs/fleet.md), so a change raises the serial within about a second.
    Returns the last serial seen (not above before when it did not rise in time)."""
    deadline = now() + timeout
    s = soa_serial(port, zone)
    while (s is None or before is None or s <= before) and now() < deadline:
        time.sleep(0.05)
        s = soa_serial(port, zone)
    return s


class SerialWatch:
    """Samples the zone's SOA serial every 100 ms in a thread; check() says whether it ever
    went back."""

    def __init__(self, port, zone=ZONE):
        self.port, self.zone = port, zone
        self.samples = []
        self._stop = threading.Event()
        self._th = threading.Thread(target=self._run, daemon=True)
        self._th.start()
        at_cleanup(self.stop)

    def _run(self):
        while not self._stop.is_set():
            s = soa_serial(self.port, self.zone)
            if s is not None:
                self.samples.append(s)
            self._stop.wait(0.1)

    def stop(self):
        self._stop.set()
        self._th.join()

    def went_back(self):
        """[(before, after)] for every decrease seen."""
        return [(a, b) for a, b in zip(self.samples, self.samples[1:]) if b < a]


def require_fleet_server():
    """Fails the test (never skips) when the fleetdns binary has no --engine yet."""
    if not fleetdns_supports_engines():
        ok(False, "fleetdns --help lists --engine (the Docker engine support is not built)")
        done_testing()


def done_testing():
    latency_summary()
    fdnstest.done_testing()
