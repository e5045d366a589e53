#!/usr/bin/python3
# privileges.py -- server: user, group and pidfile (docs/running.md). As root, fleetdns
# binds port 53 on a loopback address of its own, drops to a throwaway system user with
# no capability left in any thread, answers over UDP and TCP, reloads as that user, tells
# sd_notify it is ready after the drop, writes its pid once serving and removes it at exit.
# An unknown user or group, a drop that cannot happen (started as another user) and a
# pidfile locked by a running fleetdns each stop it with exit 1 and an exact message.
# SPDX-License-Identifier: MIT
import atexit
import grp
import os
import pwd
import random
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", "."), "tests", "lib"))
from fdnstest import bail, done_testing, free_port, is_, ok, stop_process  # noqa: E402
import dns.message  # noqa: E402
import dns.query  # noqa: E402
import dns.rcode  # noqa: E402

if os.geteuid() != 0:
    bail("needs root (useradd, port 53, the privilege drop)")
for tool in ("useradd", "userdel", "groupadd", "groupdel", "setpriv"):
    if not shutil.which(tool):
        bail(f"{tool} is missing")

TAG = f"{os.getpid() % 100000}"
USER, GROUP2 = f"fdnst{TAG}", f"fdnstg{TAG}"
tmp = tempfile.mkdtemp(prefix="fdnstest.")
os.chmod(tmp, 0o755)  # the user reads the configuration and zone again on reload
atexit.register(shutil.rmtree, tmp, True)


def run(*args):
    return subprocess.run(list(args), capture_output=True, text=True)


def users_remove():
    run("userdel", USER)
    run("groupdel", USER)  # in case useradd -U made it and userdel left it
    run("groupdel", GROUP2)


atexit.register(users_remove)
users_remove()
r = run("useradd", "-r", "-M", "-U", "-d", "/nonexistent", "-s", "/usr/sbin/nologin", USER)
if r.returncode != 0:
    bail(f"useradd: {r.stderr.strip()}")
r = run("groupadd", "-r", GROUP2)
if r.returncode != 0:
    bail(f"groupadd: {r.stderr.strip()}")
UID, GID = pwd.getpwnam(USER).pw_uid, grp.getgrnam(USER).gr_gid
GID2 = grp.getgrnam(GROUP2).gr_gid

# The binary where the user may run it (the build tree may not be readable by it).
BIN = os.path.join(tmp, "fleetdns")
shutil.copy(os.environ["FLEETDNS"], BIN)
os.chmod(BIN, 0o755)


def free_loopback():
    """An address in 127/8 whose port 53 nobody holds (UDP and TCP)."""
    for _ in range(100):
        addr = f"127.{random.randint(64, 250)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
        good = True
        for typ in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
            s = socket.socket(socket.AF_INET, typ)
            try:
                s.bind((addr, 53))
            except OSError:
                good = False
            finally:
                s.close()
        if good:
            return addr
    bail("no free loopback address with port 53")


ZONE = os.path.join(tmp, "example.test.zone")


def zone_write(serial, www):
    with open(ZONE, "w") as f:
        f.write(f"""$ORIGIN example.test.
$TTL 300
@ IN SOA ns1 hostmaster {serial} 3600 900 604800 300
@ NS ns1
ns1 A 192.0.2.1
www A {www}
""")


def config(path, listen, user=None, group=None, pidfile=None, control=None):
    lines = ["server:", f'  listen: ["{listen}"]']
    if user:
        lines.append(f"  user: {user}")
    if group:
        lines.append(f"  group: {group}")
    if pidfile:
        lines.append(f"  pidfile: {pidfile}")
    if control:
        lines += ["http:", f"  control-socket: {control}"]
    lines += ["zones:", f"  - {{name: example.test, file: {ZONE}}}"]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def query(addr, port, name, tcp=False):
    q = dns.message.make_query(name, "A")
    try:
        if tcp:
            return dns.query.tcp(q, addr, port=port, timeout=2)
        return dns.query.udp(q, addr, port=port, timeout=2)
    except Exception:
        return None


def a_records(resp):
    if resp is None:
        return None
    return sorted(rd.address for rrset in resp.answer for rd in rrset if rrset.rdtype == 1)


def start(conf, env=None, preexec=None):
    log = open(os.path.join(tmp, f"log.{random.randint(0, 1 << 30)}"), "w+")
    proc = subprocess.Popen([BIN, "-c", conf], stdout=log, stderr=subprocess.STDOUT,
                            env=env, preexec_fn=preexec)
    atexit.register(stop_process, proc)
    return proc, log


def wait_answer(proc, addr, port):
    for _ in range(100):
        if proc.poll() is not None:
            return False
        if a_records(query(addr, port, "www.example.test")):
            return True
        time.sleep(0.05)
    return False


def log_text(log):
    log.flush()
    with open(log.name) as f:
        return f.read()


def status_fields(pid):
    """{field: [value per thread]} from /proc/PID/task/*/status."""
    out = {}
    for tid in sorted(os.listdir(f"/proc/{pid}/task")):
        with open(f"/proc/{pid}/task/{tid}/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                out.setdefault(key, []).append(" ".join(value.split()))
    return out


# --- 1. The way most installs run it: root binds port 53, then becomes the user. --------
ADDR = free_loopback()
RUN = os.path.join(tmp, "run")  # the unit's RuntimeDirectory: owned by the user
os.mkdir(RUN)
os.chown(RUN, UID, GID)
PIDFILE, CONTROL = os.path.join(RUN, "fleetdns.pid"), os.path.join(RUN, "control.sock")
with open(PIDFILE, "w") as f:
    f.write("999999\n")  # left by a crash: not locked, so taken over
NOTIFY = os.path.join(tmp, "notify.sock")
nsock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
nsock.bind(NOTIFY)
os.chmod(NOTIFY, 0o666)  # as systemd's /run/systemd/notify: any user may send
nsock.settimeout(10)

zone_write(1, "192.0.2.80")
conf = config(os.path.join(tmp, "user.yaml"), f"{ADDR}:53", user=USER, pidfile=PIDFILE,
              control=CONTROL)
proc, log = start(conf, env=dict(os.environ, NOTIFY_SOCKET=NOTIFY))
if not wait_answer(proc, ADDR, 53):
    print("# " + log_text(log).replace("\n", "\n# "))
    bail("fleetdns did not start")
pid = proc.pid

try:
    msg = nsock.recv(4096).decode()
except socket.timeout:
    msg = None
is_(msg, "READY=1\nSTATUS=serving 1 zone, 3 names; watching 0 engines",
    "sd_notify: READY=1 reaches the service manager's socket after the drop")
is_(a_records(query(ADDR, 53, "www.example.test")), ["192.0.2.80"],
    f"UDP on {ADDR}:53 answered after the drop")
is_(a_records(query(ADDR, 53, "www.example.test", tcp=True)), ["192.0.2.80"],
    f"TCP on {ADDR}:53 answered after the drop")

st = status_fields(pid)
nthreads = len(st["Uid"])
ok(nthreads >= 3, f"several threads to check ({nthreads}: control, workers, logging)")
is_(set(st["Uid"]), {f"{UID} {UID} {UID} {UID}"},
    "every thread: real, effective, saved and filesystem UID are the user's")
is_(set(st["Gid"]), {f"{GID} {GID} {GID} {GID}"},
    "every thread: real, effective, saved and filesystem GID are the user's group")
is_(set(st["Groups"]), {f"{GID}"}, "every thread: supplementary groups are the user's only")
for cap in ("CapEff", "CapPrm", "CapInh", "CapAmb", "CapBnd"):
    is_(set(st[cap]), {"0000000000000000"}, f"every thread: {cap} is empty")
is_(set(st["NoNewPrivs"]), {"1"}, "every thread: no_new_privs is set")

with open(PIDFILE) as f:
    is_(f.read(), f"{pid}\n", "pidfile: the stale content is replaced by the pid")
is_((os.lstat(CONTROL).st_uid, os.lstat(CONTROL).st_gid), (UID, GID),
    "control socket: given to the user")
ok(f"running as user {USER} (uid {UID}), group {USER} (gid {GID})" in log_text(log),
   "the log says whom it runs as")

# A second fleetdns on the same pidfile stops before binding anything.
port2 = free_port()
conf2 = config(os.path.join(tmp, "second.yaml"), f"127.0.0.1:{port2}", pidfile=PIDFILE)
r = run(BIN, "-c", conf2)
is_((r.returncode, r.stderr),
    (1, f"fleetdns: pidfile {PIDFILE} is locked by a running fleetdns (pid {pid}); "
        "is it already running?\n"),
    "a pidfile locked by a running fleetdns: exit 1, its pid named")
with open(PIDFILE) as f:
    is_(f.read(), f"{pid}\n", "pidfile: unchanged by the refused start")

# Reload as the user: the zone file is read again after the drop.
zone_write(2, "192.0.2.81")
os.kill(pid, signal.SIGHUP)
try:
    msgs = [nsock.recv(4096).decode() for _ in range(2)]
except socket.timeout:
    msgs = []
is_([m.split("\n")[0] for m in msgs], ["RELOADING=1", "READY=1"],
    "sd_notify after the drop: RELOADING=1, then READY=1")
got = None
for _ in range(100):
    got = a_records(query(ADDR, 53, "www.example.test"))
    if got == ["192.0.2.81"]:
        break
    time.sleep(0.05)
is_(got, ["192.0.2.81"], "SIGHUP after the drop: the changed zone file is served")
ok("reload failed" not in log_text(log), "no reload failed", log_text(log))

os.kill(pid, signal.SIGTERM)
try:
    rc = proc.wait(10)
except subprocess.TimeoutExpired:
    rc = None
is_(rc, 0, "SIGTERM: exit 0")
ok(not os.path.exists(PIDFILE), "pidfile removed at exit (its folder is the user's)")
ok(not os.path.exists(CONTROL), "control socket removed at exit")
is_(nsock.recv(4096).decode(), "STOPPING=1\nSTATUS=stopping", "sd_notify: STOPPING=1")

# --- 2. group:, and a pidfile in a root-owned folder (/run) ------------------------------
ROOTRUN = os.path.join(tmp, "rootrun")
os.mkdir(ROOTRUN, 0o755)
PIDFILE2 = os.path.join(ROOTRUN, "fleetdns.pid")
ADDR2 = free_loopback()
conf = config(os.path.join(tmp, "group.yaml"), f"{ADDR2}:53", user=USER, group=GROUP2,
              pidfile=PIDFILE2)
proc, log = start(conf)
if not wait_answer(proc, ADDR2, 53):
    print("# " + log_text(log).replace("\n", "\n# "))
    bail("fleetdns did not start with group:")
st = status_fields(proc.pid)
is_((set(st["Uid"]), set(st["Gid"]), set(st["Groups"])),
    ({f"{UID} {UID} {UID} {UID}"}, {f"{GID2} {GID2} {GID2} {GID2}"}, {f"{GID2}"}),
    "group: the process's group is that group, and the only one")
pst = os.stat(PIDFILE2)
is_((pst.st_uid, stat.S_IMODE(pst.st_mode)), (0, 0o644),
    "pidfile in a root-owned folder: made by root before the drop, 0644")
with open(PIDFILE2) as f:
    is_(f.read(), f"{proc.pid}\n", "pidfile written through the descriptor opened as root")
stop_process(proc)
is_(proc.returncode, 0, "SIGTERM: exit 0")
with open(PIDFILE2) as f:
    is_(f.read(), "", "pidfile the user cannot remove is emptied at exit, no stale pid")
ok(f"pidfile {PIDFILE2}: cannot remove (Permission denied); emptied instead"
   in log_text(log), "and the log says so")

# --- 3. Refusals ------------------------------------------------------------------------
port3 = free_port()
for key, value, want in (("user", "fdnst-nobody-here", "no such user"),
                         ("group", "fdnst-nogroup-here", "no such group")):
    kw = {"user": value} if key == "user" else {"user": USER, "group": value}
    conf = config(os.path.join(tmp, f"bad{key}.yaml"), f"127.0.0.1:{port3}", **kw)
    for args, how in (([], "start"), (["--check-config"], "--check-config")):
        r = run(BIN, "-c", conf, *args)
        is_((r.returncode, r.stdout, r.stderr),
            (1, "", f"fleetdns: server: {key} '{value}': {want}\n"),
            f"{how} with an unknown {key}: exit 1, the key and the name in the message")


def as_user():
    os.setgroups([])
    os.setgid(GID)
    os.setuid(UID)


# Started as the user, fleetdns cannot become someone else: it must refuse, not serve.
conf = config(os.path.join(tmp, "other.yaml"), f"127.0.0.1:{port3}", user="root")
r = subprocess.run([BIN, "-c", conf], capture_output=True, text=True, preexec_fn=as_user,
                   timeout=20)
is_((r.returncode, r.stderr.splitlines()[-1] if r.stderr else ""),
    (1, f"fleetdns: cannot switch to user root, group root: initgroups: Operation not "
        f"permitted (fleetdns runs as uid {UID}; start it as root, or leave 'user' out)"),
    "a drop that fails: exit 1 with the reason")

# Started as the user with user: set to itself: nothing to drop, it serves.
conf = config(os.path.join(tmp, "self.yaml"), f"127.0.0.1:{port3}", user=USER)
proc, log = start(conf, preexec=as_user)
ok(wait_answer(proc, "127.0.0.1", port3), "user: itself, not root: starts and answers",
   log_text(log))
ok("running as user" not in log_text(log), "and drops nothing")
stop_process(proc)
is_(proc.returncode, 0, "SIGTERM: exit 0")

done_testing()
