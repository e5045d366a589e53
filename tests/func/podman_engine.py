# podman_engine.py -- Podman as an engine (issue 13 part 6; docs/fleet.md, "Podman"): Debian
# 12's real podman behind `podman system service` (its Docker-compatible API), rootful, with
# its own storage, run dir, CNI network and bridge. Two replicas of service web: both
# answered with the exact addresses `podman inspect` shows; a failed health check (run by
# hand: there are no systemd timers here) withdraws one and a passing one brings it back; a
# replica that exits by itself and one stopped with `podman stop` are withdrawn. Prints '# latency SCENARIO MS' (from the
# podman command's return to the changed answer).
# SPDX-License-Identifier: MIT
#
# Owns (fixed, prefixed "pm"): /run/pm-test.lock, /run/pm-test/ (run root, socket, CNI config,
# IPAM state), /var/lib/pm-test/ (storage), bridge pm-br0 with 172.30.247.0/24, the image
# pm-busybox, containers pm-web1 and pm-web2, engine name pm1. All removed at exit, also on
# failure and on SIGTERM/SIGINT/SIGHUP (tests/lib/fleet.py turns those into an exit).
import fcntl
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", "."), "tests", "lib"))
import fleet  # noqa: E402
from fleet import ok, is_, diag, now, addrs_are, nodata, nxdomain  # noqa: E402

PODMAN = shutil.which("podman") or "/usr/bin/podman"
ROOT = "/var/lib/pm-test"
RUN = "/run/pm-test"
LOCK = "/run/pm-test.lock"
SOCK = f"{RUN}/podman.sock"
PIDFILE = f"{RUN}/service.pid"
NETDIR = f"{RUN}/net"
NET = "pmnet"
BRIDGE = "pm-br0"
SUBNET, GATEWAY = "172.30.247.0/24", "172.30.247.1"
IMAGE = "pm-busybox"
ENGINE = "pm1"
ULIMITS = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]
GLOBAL = ["--root", ROOT, "--runroot", RUN, "--tmpdir", f"{RUN}/libpod",
          "--network-config-dir", NETDIR, "--events-backend", "file",
          "--cgroup-manager", "cgroupfs", "--storage-driver", "vfs"]
Z = fleet.ZONE
WEB = f"web.{Z}"

# The CNI network: a bridge of our own; host-local keeps its leases under RUN.
CONFLIST = {
    "cniVersion": "0.4.0", "name": NET,
    "plugins": [{"type": "bridge", "bridge": BRIDGE, "isGateway": True, "ipMasq": False,
                 "ipam": {"type": "host-local", "dataDir": f"{RUN}/ipam",
                          "routes": [{"dst": "0.0.0.0/0"}],
                          "ranges": [[{"subnet": SUBNET, "gateway": GATEWAY}]]}}],
}
# As DOCKER-IN-TESTS.md; `podman build --format docker` keeps the HEALTHCHECK (the OCI
# format has none). The interval is Docker's: podman needs systemd timers to run it.
CONTAINERFILE = fleet.DOCKERFILE


def podman(*args, check=True, timeout=120):
    r = subprocess.run([PODMAN, *GLOBAL, *args], capture_output=True, text=True,
                       timeout=timeout)
    if check and r.returncode != 0:
        raise RuntimeError(f"podman {' '.join(args)}: exit {r.returncode}: "
                           f"{r.stderr.strip()[-800:]}")
    return r


def _service_pid():
    """The pid of our own podman service (from PIDFILE, checked against its command line)."""
    try:
        pid = int(open(PIDFILE).read().strip())
        cmd = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
    except (OSError, ValueError):
        return None
    return pid if b"service" in cmd and ROOT.encode() in cmd else None


def _mounts_under(*dirs):
    out = []
    with open("/proc/self/mounts") as f:
        for line in f:
            mp = line.split()[1].replace("\\040", " ")
            if any(mp == d or mp.startswith(d + "/") for d in dirs):
                out.append(mp)
    return sorted(out, key=len, reverse=True)


def teardown():
    """Everything this test makes, gone; safe to run when nothing (or half) exists."""
    if os.path.isdir(ROOT) or os.path.isdir(RUN):
        try:
            podman("rm", "--all", "--force", "--time", "0", check=False, timeout=60)
        except (subprocess.TimeoutExpired, OSError) as e:
            diag(f"cleanup: podman rm: {e}")
    pid = _service_pid()
    if pid:
        os.kill(pid, signal.SIGTERM)
        for _ in range(100):
            if not os.path.exists(f"/proc/{pid}") or \
                    open(f"/proc/{pid}/stat").read().split()[2] == "Z":
                break
            time.sleep(0.1)
        else:
            os.kill(pid, signal.SIGKILL)
    if _svc.get("proc"):
        try:
            _svc["proc"].wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
    for mp in _mounts_under(RUN, ROOT):
        subprocess.run(["umount", "-l", mp], capture_output=True)
    if os.path.exists(f"/sys/class/net/{BRIDGE}"):
        subprocess.run(["ip", "link", "del", BRIDGE], capture_output=True)
    shutil.rmtree(RUN, ignore_errors=True)
    shutil.rmtree(ROOT, ignore_errors=True)


_svc = {}
if not os.access(PODMAN, os.X_OK):
    ok(False, "podman is installed (scripts/install-deps.sh --test)")
    fleet.done_testing()
fleet.require_fleet_server()

# One run at a time: the paths are fixed.
_lock = open(LOCK, "w")
fcntl.flock(_lock, fcntl.LOCK_EX)
teardown()  # what a killed earlier run left
fleet.at_cleanup(lambda: (teardown(), os.unlink(LOCK)))  # runs after fleetdns stops

os.makedirs(NETDIR)
with open(f"{NETDIR}/{NET}.conflist", "w") as f:
    json.dump(CONFLIST, f)
ctx = os.path.join(fleet.TMP, "image")
os.makedirs(ctx)
shutil.copy(fleet.BUSYBOX, os.path.join(ctx, "busybox"))
with open(os.path.join(ctx, "Containerfile"), "w") as f:
    f.write(CONTAINERFILE)
t = now()
podman("build", "--format", "docker", *ULIMITS, "-t", IMAGE, ctx, timeout=300)
diag(f"image built in {fleet.ms(now() - t)} ms")

ver = podman("version", "--format", "{{.Client.Version}}").stdout.strip()
diag(f"podman {ver}")
svc_log = os.path.join(fleet.TMP, "podman-service.log")
proc = subprocess.Popen([PODMAN, *GLOBAL, "system", "service", "--time=0", f"unix://{SOCK}"],
                        stdout=open(svc_log, "w"), stderr=subprocess.STDOUT,
                        start_new_session=True)
_svc["proc"] = proc
with open(PIDFILE, "w") as f:
    f.write(f"{proc.pid}\n")


def api(path, timeout=2.0):
    c = fleet._UnixHTTP(SOCK, timeout)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


deadline = now() + 30
ready = False
while now() < deadline and proc.poll() is None:
    try:
        ready = api("/_ping") == (200, b"OK")
    except OSError:
        pass
    if ready:
        break
    time.sleep(0.1)
if not ready:
    diag(open(svc_log).read()[-2000:])
    fleet.bail(f"podman system service on {SOCK} did not answer /_ping within 30 s")
# podman answers /version from a cold start (it reads its storage): slow on a loaded machine.
_, body = api("/version", timeout=30.0)
v = json.loads(body)
is_((v.get("Version"), v.get("ApiVersion")), (ver, "1.41"),
    "podman system service: /version is podman's, Docker API 1.41")


class Replica:
    def __init__(self, name, *opts, cmd=()):
        self.name = name
        podman("run", "--detach", "--name", name, "--network", NET, *ULIMITS,
               "--label", "fleetdns.service=web", *opts, IMAGE, *cmd)
        insp = json.loads(podman("inspect", name).stdout)[0]
        self.id = insp["Id"]
        self.ip = insp["NetworkSettings"]["Networks"][NET]["IPAddress"]

    def health(self):
        return podman("inspect", "--format", "{{.State.Health.Status}}", self.name).stdout.strip()

    def check(self):
        """podman healthcheck run: 0 healthy, 1 unhealthy."""
        return podman("healthcheck", "run", self.name, check=False).returncode


# pm-web1's check takes a second: podman's health_status event comes when a check starts,
# the result only after it (with the check's exec_died event). pm-web2 exits by itself once
# /tmp/exit exists: then podman sends only "died" (as "die"), no stop or kill.
w1 = Replica("pm-web1", "--health-cmd", "sleep 1; test -f /tmp/healthy", "--health-retries", "1")
w2 = Replica("pm-web2", cmd=["/bin/sh", "-c", "touch /tmp/healthy; httpd -p 8080 -h /www; "
                             "while [ ! -f /tmp/exit ]; do sleep 0.1; done"])
ok(re.fullmatch(r"172\.30\.247\.\d+", w1.ip) and re.fullmatch(r"172\.30\.247\.\d+", w2.ip)
   and w1.ip != w2.ip, f"replicas on {NET}: {w1.ip} {w2.ip}")
is_((w1.health(), w2.health()), ("starting", "starting"),
    "no health check has run yet (no systemd timers here)")
is_((w1.check(), w2.check()), (0, 0), "podman healthcheck run: both pass")
is_((w1.health(), w2.health()), ("healthy", "healthy"), "... and podman says healthy")
both = {w1.ip, w2.ip}

cfg = fleet.write_config(os.path.join(fleet.TMP, "podman.yaml"),
                         engines=[{"name": ENGINE, "url": f"unix://{SOCK}"}],
                         fleet={"zone": Z})
srv = fleet.start_fleetdns(config=cfg)
P = srv.port
good, lat, a = fleet.poll(P, WEB, addrs_are(both), 10)
ok(good, f"{WEB} A = both replicas' addresses from podman inspect",
   a.summary() if a else None)
a = fleet.query(P, f"pm-web1-{ENGINE}.{WEB}")
ok(a is not None and a.order == [w1.ip], f"pm-web1-{ENGINE}.{WEB} A = {w1.ip} alone",
   a.summary() if a else None)
a = fleet.query(P, WEB, "AAAA")
ok(a is not None and nodata(a), f"{WEB} AAAA: NODATA (no IPv6 on {NET})",
   a.summary() if a else None)
log = open(srv.log).read()
ok(re.search(rf"engine {ENGINE}: Podman {re.escape(ver)}, API 1\.41, using 1\.41", log),
   "fleetdns recognised Podman", log[-1500:])


def change(scenario, action, pred, bound=3.0):
    action()
    t1 = now()
    good, lat, last = fleet.poll(P, WEB, pred, bound, since=t1)
    fleet.latency(scenario, lat if good else None)
    ok(good, f"{scenario}: answer within {fleet.ms(bound)} ms of the podman command",
       f"not after {lat} ms; last: {last.summary() if last else 'none'}")
    # Nothing flips back: the answer stays for the next second.
    good, _, last = fleet.poll(P, WEB, lambda a: not pred(a), 1.0)
    ok(not good, f"{scenario}: the answer stays", last.summary() if last else None)


# Health fails: the check's result is stored after its exec ends (exec_died), not when
# podman's health_status event comes (at the start of the check).
podman("exec", w1.name, "rm", "/tmp/healthy")
rc = {}
change("health_failing", lambda: rc.update(check=w1.check()), addrs_are({w2.ip}))
is_((rc.get("check"), w1.health()), (1, "unhealthy"), "podman healthcheck run failed it")
a = fleet.query(P, f"pm-web1-{ENGINE}.{WEB}")
ok(a is not None and nxdomain(a), f"pm-web1-{ENGINE}.{WEB}: NXDOMAIN while unhealthy",
   a.summary() if a else None)
# A second failing run changes nothing.
is_(w1.check(), 1, "a second failing check")
time.sleep(0.5)
a = fleet.query(P, WEB)
ok(a is not None and addrs_are({w2.ip})(a), "... still only pm-web2",
   a.summary() if a else None)

podman("exec", w1.name, "touch", "/tmp/healthy")
change("health_recovering", lambda: rc.update(check=w1.check()), addrs_are(both))
is_((rc.get("check"), w1.health()), (0, "healthy"), "podman healthcheck run passed it")

# Exiting by itself: podman's "died" event (filtered by that name, sent as "die").
change("exit", lambda: podman("exec", w2.name, "touch", "/tmp/exit"), addrs_are({w1.ip}))
is_(podman("inspect", "--format", "{{.State.Status}}", w2.name).stdout.strip(), "exited",
    "pm-web2 exited")
change("stop", lambda: podman("stop", "--time", "1", w1.name), nodata)
a = fleet.query(P, f"_replicas.{WEB}", "TXT")
ok(a is not None and a.order == ['"0 served"'], f"_replicas.{WEB} TXT \"0 served\"",
   a.summary() if a else None)
podman("start", w1.name)  # podman's default network lease: maybe a new address
ip1 = podman("inspect", "--format", f"{{{{.NetworkSettings.Networks.{NET}.IPAddress}}}}",
             w1.name).stdout.strip()
is_(w1.check(), 0, f"restarted pm-web1 ({ip1}) passes its check")
good, lat, a = fleet.poll(P, WEB, addrs_are({ip1}), 3)
ok(good, "a restarted replica is answered again", a.summary() if a else None)

ok(srv.alive(), "fleetdns still running")
ok(proc.poll() is None, "podman system service still running")
if fleet.fdnstest._failed:
    fleet.fleetdns_log(srv)
    diag("--- podman service log")
    diag(open(svc_log).read()[-2000:])
fleet.done_testing()
