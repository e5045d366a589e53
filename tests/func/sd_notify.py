#!/usr/bin/python3
# sd_notify.py -- what fleetdns tells systemd (Type=notify, docs/running.md), through a
# NOTIFY_SOCKET this test listens on as systemd would: the exact messages, their order and
# their sender. READY=1 only once queries are answered from the zones (while the first
# listing of an engine is awaited, nothing is answered); RELOADING=1 with
# MONOTONIC_USEC then READY=1 around a reload by SIGHUP, by fleetdnsctl, and a failed one;
# STOPPING=1 on SIGTERM; nothing else.
# SPDX-License-Identifier: MIT
import atexit
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", "."), "tests", "lib"))
from fdnstest import bail, done_testing, free_port, is_, ok, stop_process  # noqa: E402
import dns.message  # noqa: E402
import dns.query  # noqa: E402
import dns.rcode  # noqa: E402

CTL = os.path.join(os.environ.get("TOP_BUILDDIR", "."), "fleetdnsctl")
tmp = tempfile.mkdtemp(prefix="fdnstest.")
atexit.register(shutil.rmtree, tmp, True)
P = free_port()
ZONE = os.path.join(tmp, "example.test.zone")
CONTROL = os.path.join(tmp, "control.sock")
ENGINE = os.path.join(tmp, "engine.sock")


def zone_write(serial, www, broken=False):
    with open(ZONE, "w") as f:
        f.write(f"""$ORIGIN example.test.
$TTL 300
@ IN SOA ns1 hostmaster {serial} 3600 900 604800 300
@ NS ns1
ns1 A 192.0.2.1
www A {"192.0.2.999" if broken else www}
""")


# An engine that accepts connections (the kernel does, from the backlog) and never answers:
# fleetdns holds its first answers until the engine's first attempt times out (1000 ms).
engine = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
engine.bind(ENGINE)
engine.listen(16)

# The service manager's end: a datagram socket that learns each sender's pid.
NOTIFY = os.path.join(tmp, "notify.sock")
nsock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
nsock.bind(NOTIFY)
nsock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)


def receive(timeout=10):
    """(message, sender pid), or (None, None) after timeout seconds."""
    nsock.settimeout(timeout)
    try:
        data, anc, _, _ = nsock.recvmsg(4096, socket.CMSG_SPACE(12))
    except socket.timeout:
        return None, None
    pid = None
    for level, typ, cdata in anc:
        if level == socket.SOL_SOCKET and typ == socket.SCM_CREDENTIALS:
            pid = struct.unpack("iII", cdata[:12])[0]
    return data.decode(), pid


def query(name="www.example.test", tcp=False, timeout=2):
    q = dns.message.make_query(name, "A")
    try:
        if tcp:
            return dns.query.tcp(q, "127.0.0.1", port=P, timeout=timeout)
        return dns.query.udp(q, "127.0.0.1", port=P, timeout=timeout)
    except Exception:
        return None


def answer(resp):
    """(rcode text, A addresses), or None without a response."""
    if resp is None:
        return None
    return (dns.rcode.to_text(resp.rcode()),
            sorted(rd.address for rrset in resp.answer for rd in rrset if rrset.rdtype == 1))


def monotonic_us():
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000


zone_write(1, "192.0.2.80")
conf = os.path.join(tmp, "fleetdns.yaml")
with open(conf, "w") as f:
    f.write(f"""server:
  listen: ["127.0.0.1:{P}"]
zones:
  - {{name: example.test, file: {ZONE}}}
engines:
  - {{name: silent, url: "unix://{ENGINE}", timeout: 1000}}
http:
  control-socket: {CONTROL}
""")
log = open(os.path.join(tmp, "fleetdns.log"), "w+")
t_start = time.monotonic()
proc = subprocess.Popen([os.environ["FLEETDNS"], "-c", conf], stdout=log,
                        stderr=subprocess.STDOUT,
                        env=dict(os.environ, NOTIFY_SOCKET=NOTIFY))
atexit.register(stop_process, proc)


def log_text():
    log.flush()
    with open(log.name) as f:
        return f.read()


senders = set()
msg, pid = receive()
senders.add(pid)
if msg is None:
    print("# " + log_text().replace("\n", "\n# "))
    bail("no message from fleetdns")
is_(msg, "STATUS=waiting for the first listing of 1 engine",
    "start: STATUS while the first listing is awaited, no READY yet")
is_(answer(query(timeout=0.3)), None, "meanwhile queries are not answered: not ready, rightly")

msg, pid = receive()
senders.add(pid)
t_ready = time.monotonic()
# Asked the moment READY=1 arrives: the promise is that queries are answered now.
udp_now, tcp_now = answer(query()), answer(query(tcp=True))
is_(msg, "READY=1\nSTATUS=serving 1 zone, 3 names; watching 1 engine",
    "READY=1 with what is served")
ok(t_ready - t_start >= 0.95, f"READY=1 only once the silent engine's first attempt has "
   f"failed ({t_ready - t_start:.2f} s from the start; its timeout is 1000 ms)")
is_(udp_now, ("NOERROR", ["192.0.2.80"]), "when READY=1 arrives, UDP answers from the zone")
is_(tcp_now, ("NOERROR", ["192.0.2.80"]), "when READY=1 arrives, TCP answers from the zone")


def reload_check(how, trigger, want_ready):
    before = monotonic_us()
    trigger()
    msg, pid = receive()
    senders.add(pid)
    after = monotonic_us()
    lines = (msg or "").split("\n")
    usec = int(lines[1].split("=", 1)[1]) if len(lines) == 3 and "=" in lines[1] else -1
    is_([lines[0], lines[1].split("=")[0] if len(lines) > 1 else None, lines[2:]],
        ["RELOADING=1", "MONOTONIC_USEC", ["STATUS=reloading configuration and zones"]],
        f"{how}: RELOADING=1, MONOTONIC_USEC=, STATUS=")
    ok(before <= usec <= after, f"{how}: MONOTONIC_USEC is the reload's time on "
       f"CLOCK_MONOTONIC ({before} <= {usec} <= {after})")
    msg, pid = receive()
    senders.add(pid)
    is_(msg, want_ready, f"{how}: then READY=1 once the reload is over")


SERVING = "READY=1\nSTATUS=serving 1 zone, 3 names; watching 1 engine"
zone_write(2, "192.0.2.81")
reload_check("SIGHUP", lambda: os.kill(proc.pid, signal.SIGHUP), SERVING)
is_(answer(query()), ("NOERROR", ["192.0.2.81"]), "SIGHUP: the new zone data is served")

zone_write(3, "", broken=True)
reload_check("SIGHUP with a broken zone file", lambda: os.kill(proc.pid, signal.SIGHUP),
             "READY=1\nSTATUS=reload failed, serving the previous data: "
             f"{ZONE}:6:7: bad A rdata '192.0.2.999'")
is_(answer(query()), ("NOERROR", ["192.0.2.81"]), "failed reload: the old data is served")

zone_write(4, "192.0.2.82")
ctl = []
reload_check("fleetdnsctl reload",
             lambda: ctl.append(subprocess.run([CTL, "-s", CONTROL, "reload"],
                                               capture_output=True, text=True)), SERVING)
is_(ctl[0].returncode if ctl else None, 0, "fleetdnsctl reload: exit 0")
is_(answer(query()), ("NOERROR", ["192.0.2.82"]), "fleetdnsctl reload: the new data is served")

proc.send_signal(signal.SIGTERM)
msg, pid = receive()
senders.add(pid)
is_(msg, "STOPPING=1\nSTATUS=stopping", "SIGTERM: STOPPING=1")
try:
    rc = proc.wait(10)
except subprocess.TimeoutExpired:
    rc = None
is_(rc, 0, "exit 0")
is_(receive(timeout=0.5), (None, None), "nothing after STOPPING=1")
is_(senders, {proc.pid}, "every message came from fleetdns's main process (NotifyAccess=main)")

# Without a service manager (no NOTIFY_SOCKET) nothing changes, and with a socket nobody
# listens on, fleetdns serves all the same and says why systemd heard nothing.
gone = os.path.join(tmp, "nobody.sock")
proc = subprocess.Popen([os.environ["FLEETDNS"], "--listen", f"127.0.0.1:{P}",
                         "--zone", f"example.test={ZONE}"], stdout=log,
                        stderr=subprocess.STDOUT, env=dict(os.environ, NOTIFY_SOCKET=gone))
got = None
for _ in range(100):
    got = answer(query())
    if got and got[0] == "NOERROR":
        break
    time.sleep(0.05)
is_(got, ("NOERROR", ["192.0.2.82"]), "a NOTIFY_SOCKET nobody listens on: serves anyway")
stop_process(proc)
ok("warning: cannot notify the service manager (READY=1): No such file or directory"
   in log_text(), "and logs that the service manager could not be told", log_text())
engine.close()
done_testing()
