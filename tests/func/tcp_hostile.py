# tcp_hostile.py -- TCP under attack (issue 10; RFC 7766 sections 6.2.3 and 10): a whole
# message must arrive within tcp-io-timeout of its first byte, so a half length prefix or bytes
# trickling in cannot hold a slot; a connection answers at most tcp-max-queries queries; the
# memory a 64 KiB message took is given back; and with 2,600 slowloris connections from 100
# addresses holding every slot, fresh TCP and UDP queries from another address are answered.
# SPDX-License-Identifier: MIT
import atexit
import os
import resource
import selectors
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", "."), "tests", "func"))
import funclib as F  # noqa: E402
from fdnstest import ok, is_, done_testing, free_port, rss_kib  # noqa: E402
import fdnstest  # noqa: E402

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

IO_MS, MAX_QUERIES = 500, 5
P = free_port()
tmp = tempfile.mkdtemp(prefix="fdnstest.")
atexit.register(shutil.rmtree, tmp, True)
conf = os.path.join(tmp, "fleetdns.yaml")
with open(conf, "w") as f:
    f.write(f"""server:
  listen: ["127.0.0.1:{P}"]
  workers: 2
  tcp-io-timeout: {IO_MS}
  tcp-max-queries: {MAX_QUERIES}
zones:
  - {{name: example.test, file: "{os.path.join(F.ZONES, 'example.test.zone')}"}}
""")
srv = fdnstest.Server(["-c", conf], "example.test", port=P)


def framed(wire):
    return struct.pack("!H", len(wire)) + wire


def connect(src=None, timeout=3.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    if src:
        s.bind((src, 0))
    s.connect(("127.0.0.1", P))
    return s


def closed_after(s, limit=5.0):
    """Seconds until the server closes s (reads nothing), or None."""
    t0 = time.monotonic()
    s.settimeout(limit)
    try:
        while s.recv(4096):
            pass
    except ConnectionResetError:
        pass
    except socket.timeout:
        return None
    return time.monotonic() - t0


# --- one message, one deadline --------------------------------------------------------------
s = connect()
s.sendall(b"\x00")  # half a length prefix, then nothing
t = closed_after(s)
ok(t is not None and IO_MS / 1000 * 0.8 <= t < IO_MS / 1000 + 0.5,
   f"half a length prefix: closed after {t} s (tcp-io-timeout {IO_MS} ms)")
s.close()

s = connect()
msg = framed(F.raw_query("www.example.test", 1))
t0 = time.monotonic()
closed = None
for i, byte in enumerate(msg):  # a byte every 100 ms: 3.5 s for the whole message
    try:
        s.send(bytes([byte]))
    except OSError:
        closed = time.monotonic() - t0
        break
    time.sleep(0.1)
    s.settimeout(0.001)
    try:
        if s.recv(4096) == b"":
            closed = time.monotonic() - t0
            break
    except socket.timeout:
        pass
    except OSError:
        closed = time.monotonic() - t0
        break
ok(closed is not None and closed < IO_MS / 1000 + 0.5,
   f"a message trickling in a byte per 100 ms is cut off after {closed} s: bytes do not "
   f"extend the deadline")
s.close()

# --- queries per connection ------------------------------------------------------------------
s = connect()
s.sendall(b"".join(framed(F.raw_query("www.example.test", 1, qid=i)) for i in range(8)))
ids = []
while True:
    try:
        m = fdnstest.tcp_read_msg(s)
    except (ConnectionResetError, socket.timeout):
        m = None
    if m is None:
        break
    ids.append(struct.unpack("!H", m[:2])[0])
is_(ids, list(range(MAX_QUERIES)),
    f"8 pipelined queries: the first {MAX_QUERIES} answered, then the connection closed")
s.close()

# --- memory of big messages ------------------------------------------------------------------


def padded_query(qid):
    """www.example.test A with an EDNS padding option (RFC 7830) filling a 65,535-byte
    message: well-formed, so it is read whole and answered."""
    head = struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 1) + F.question("www.example.test")
    pad = 65535 - len(head) - 11 - 4
    opt = b"\0" + struct.pack("!HHBBHH", 41, 1232, 0, 0, 0, pad + 4) + \
        struct.pack("!HH", 12, pad) + b"\0" * pad
    return head + opt


conns = [connect() for _ in range(10)]
for c in conns:  # warm up: arenas, socket buffers
    c.sendall(framed(padded_query(1)))
    fdnstest.tcp_read_msg(c)
time.sleep(0.3)
before = rss_kib(srv.proc.pid)
# from 30 addresses: tcp-max-per-client (32 per worker) does not refuse any
conns += [connect(src=f"127.0.2.{1 + i // 10}") for i in range(290)]
big = framed(padded_query(2))
for c in conns:
    c.sendall(big)
answered = sum(1 for c in conns if (m := fdnstest.tcp_read_msg(c)) and m[:2] == b"\0\2")
time.sleep(0.3)
during = rss_kib(srv.proc.pid)
is_(answered, 300, "300 connections each sent a 65,535-byte message and got its answer")
# AddressSanitizer's allocator keeps freed memory in quarantine and ignores glibc's mmap
# threshold: RSS says nothing about fleetdns there, so those two checks are skipped.
ASAN = "libasan" in subprocess.run(["ldd", os.environ["FLEETDNS"]], capture_output=True,
                                   text=True).stdout
SKIP = " # SKIP AddressSanitizer build: RSS is its allocator's" if ASAN else ""
ok(ASAN or during - before < 8192,
   f"with the 300 connections still open, RSS grew by {during - before} KiB "
   f"(64 KiB buffers given back once empty; kept, they would hold ~19,000 KiB){SKIP}")
for c in conns:
    c.close()
time.sleep(0.5)
after = rss_kib(srv.proc.pid)
ok(ASAN or after - before < 4096,
   f"after they closed, RSS is {after - before} KiB above the start{SKIP}")

# --- slowloris ------------------------------------------------------------------------------
ATTACKERS, PER_ADDRESS = 2600, 26
stop = threading.Event()
stats = {"connects": 0, "closed": 0, "open_max": 0}


def slowloris():
    """2,600 connections from 127.0.0.2-101 that send one byte a second, reconnecting
    whenever the server closes one."""
    sel = selectors.DefaultSelector()
    socks = {}

    def open_one(i):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.bind((f"127.0.0.{2 + i // PER_ADDRESS}", 0))
        try:
            s.connect(("127.0.0.1", P))
        except BlockingIOError:
            pass
        except OSError:
            s.close()
            return
        socks[i] = s
        stats["connects"] += 1

    for i in range(ATTACKERS):
        open_one(i)
    payload = framed(F.raw_query("www.example.test", 1))
    sent = dict.fromkeys(range(ATTACKERS), 0)
    while not stop.is_set():
        t0 = time.monotonic()
        for i in range(ATTACKERS):
            s = socks.get(i)
            if s is None:
                open_one(i)
                continue
            try:
                s.send(payload[sent[i] % len(payload):][:1])
                sent[i] += 1
                data = s.recv(4096)
                if data == b"":
                    raise ConnectionResetError
            except BlockingIOError:
                pass
            except OSError:
                s.close()
                del socks[i]
                stats["closed"] += 1
                sent[i] = 0
                open_one(i)
        stats["open_max"] = max(stats["open_max"], len(socks))
        stop.wait(max(0.0, 1.0 - (time.monotonic() - t0)))
    for s in socks.values():
        s.close()


attack = threading.Thread(target=slowloris, daemon=True)
attack.start()
time.sleep(3)  # every slot taken
tcp_ok = udp_ok = tries = 0
t_end = time.monotonic() + 15
while time.monotonic() < t_end:
    tries += 1
    try:
        with connect(src="127.0.1.1", timeout=2) as c:
            c.sendall(framed(F.raw_query("www.example.test", 1, qid=tries)))
            m = fdnstest.tcp_read_msg(c)
            tcp_ok += bool(m) and struct.unpack("!H", m[:2])[0] == tries
    except OSError:
        pass
    r = F.parse(F.udp(P, F.raw_query("www.example.test", 1, qid=tries), timeout=1))
    udp_ok += r is not None and r.id == tries and len(r.answer) == 1
    time.sleep(0.1)
stop.set()
attack.join(10)
print(f"# slowloris: {stats['connects']} connects, {stats['closed']} closed by the server, "
      f"up to {stats['open_max']} open at once")
ok(stats["open_max"] >= 2000, f"the attack held {stats['open_max']} connections open at once")
ok(tcp_ok >= 0.9 * tries, f"during slowloris, {tcp_ok} of {tries} fresh TCP queries answered "
   "(at least 90%)")
ok(udp_ok >= 0.9 * tries, f"during slowloris, {udp_ok} of {tries} UDP queries answered")
ok(srv.alive(), "fleetdns still running")
done_testing()
