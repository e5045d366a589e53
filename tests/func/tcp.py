# tcp.py -- functional tests: "TCP (RFC 7766, RFC 9210)" of docs/conformance.md: queries over
# TCP, several and pipelined per connection, split length prefixes, stalled and idle clients,
# per-client and total connection limits (the least recently active connection yields to a
# new client), large answers untruncated.
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

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", "."), "tests", "func"))
import funclib as F  # noqa: E402
from fdnstest import ok, is_, done_testing, free_port  # noqa: E402
import fdnstest  # noqa: E402

IDLE_MS = 500
P = free_port()
conf_dir = tempfile.mkdtemp(prefix="fdnstest.")
atexit.register(shutil.rmtree, conf_dir, True)
conf_file = os.path.join(conf_dir, "fleetdns.yaml")
with open(conf_file, "w") as f:
    f.write(f"""server:
  listen: ["127.0.0.1:{P}", "[::1]:{P}"]
  workers: 1
  tcp-idle-timeout: {IDLE_MS}
  tcp-max-per-client: 2
  tcp-max-clients: 3
zones:
  - {{name: example.test, file: "{os.path.join(F.ZONES, 'example.test.zone')}"}}
  - {{name: child.example.test, file: "{os.path.join(F.ZONES, 'child.example.test.zone')}"}}
""")
srv = fdnstest.Server(["-c", conf_file], "example.test", port=P)


def connect(src=None, addr="127.0.0.1", timeout=3.0):
    s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    if src:
        s.bind((src, 0))
    s.connect((addr, P))
    return s


def framed(wire):
    return struct.pack("!H", len(wire)) + wire


def query(name, rdtype=1, qid=0x3333):
    return F.raw_query(name, rdtype=rdtype, qid=qid)


def summary(wire):
    """(id, rcode, an, sorted answer rdata) of a response."""
    if wire is None:
        return None
    m = F.parse(wire)
    if m is None:
        return "unparsable"
    return (m.id, m.rcode(), len(F.rrs(m.answer)),
            sorted(rd.to_text() for rrset in m.answer for rd in rrset))


def read_or_eof(s):
    """A response, or 'closed' when the server closed the connection (reset included)."""
    try:
        msg = fdnstest.tcp_read_msg(s)
    except ConnectionResetError:
        return "closed"
    except socket.timeout:
        return "timeout"
    return "closed" if msg is None else msg


WWW = ["192.0.2.80"]

# --- plain TCP ------------------------------------------------------------------------------
d = F.dig(P, "+tcp", "www.example.test", "A")
is_((d.summary(), d.section("ANSWER")), ("NOERROR qr aa 1/0/1", ["www.example.test. 3600 IN A 192.0.2.80"]),
    "dig +tcp: the answer over TCP")
d = F.dig(P, "+tcp", "www.example.test", "A", addr="::1")
is_(d.summary(), "NOERROR qr aa 1/0/1", "dig +tcp over IPv6 (::1)")
with connect() as s:
    s.sendall(framed(query("www.example.test", qid=0x0101)))
    r = read_or_eof(s)
    is_(summary(r) if isinstance(r, bytes) else r, (0x0101, 0, 1, WWW), "raw TCP: one query answered")

# --- several queries on one connection, one after the other -----------------------------------
SEQ = (("www.example.test", 1, (0, 1, WWW)), ("nx.example.test", 1, (3, 0, [])),
       ("multi.example.test", 1, (0, 3, ["192.0.2.11", "192.0.2.12", "192.0.2.13"])),
       ("www.example.test", 28, (0, 0, [])), ("www.child.example.test", 1, (0, 1, ["192.0.2.200"])))
with connect() as s:
    got = []
    for i, (name, rdtype, _) in enumerate(SEQ):
        s.sendall(framed(query(name, rdtype, qid=0x1000 + i)))
        r = read_or_eof(s)
        got.append(summary(r) if isinstance(r, bytes) else r)
is_(got, [(0x1000 + i, *w) for i, (_, _, w) in enumerate(SEQ)],
    "five queries in turn on one connection: each answered, ids match")

# --- mdig +vc: 20 queries on one connection ------------------------------------------------------
mdig_cases = []
for i in range(20):
    kind = i % 4
    if kind == 0:
        mdig_cases.append((f"n{i}.wild.example.test", "A", "NOERROR", [f"n{i}.wild.example.test. 3600 IN A 192.0.2.100"]))
    elif kind == 1:
        mdig_cases.append(("www.example.test", "A", "NOERROR", ["www.example.test. 3600 IN A 192.0.2.80"]))
    elif kind == 2:
        mdig_cases.append((f"nx{i}.example.test", "A", "NXDOMAIN", []))
    else:
        mdig_cases.append(("mail.example.test", "AAAA", "NOERROR", ["mail.example.test. 3600 IN AAAA 2001:db8::25"]))
qfile = os.path.join(srv.tmp, "mdig.txt")
with open(qfile, "w") as f:
    for name, rdtype, _, _ in mdig_cases:
        f.write(f"-t {rdtype} {name}\n")
res = subprocess.run(["mdig", "@127.0.0.1", "-p", str(P), "+vc", "+norec", "+nottlunits",
                      "-f", qfile], capture_output=True, text=True, timeout=30)
blocks = [F.Dig(";; Got answer:" + b) for b in res.stdout.split(";; Got answer:")[1:]]
ids = [re.search(r"id: (\d+)", b.text).group(1) for b in blocks]
is_(len(blocks), 20, "mdig +vc: 20 responses on one connection")
ok(len(set(ids)) == len(ids), "mdig +vc: every response has its own id", ids)
got = sorted((re.search(r"^;(\S+)\s+IN\s+(\S+)", b.text, re.M).groups() + (b.status, tuple(b.section("ANSWER"))))
             for b in blocks)
want = sorted((n + ".", t, st, tuple(a)) for n, t, st, a in mdig_cases)
is_(got, want, "mdig +vc: each question got its own right answer")
ok(res.returncode == 0 and "mismatch" not in res.stderr.lower(), "mdig +vc: no id mismatch or error",
   res.stderr)

# --- pipelining: many queries written in one send ------------------------------------------------
names = [(f"p{i}.wild.example.test", 1) if i % 2 else ("www.example.test", 1) for i in range(10)]
with connect() as s:
    s.sendall(b"".join(framed(query(n, t, qid=0x2000 + i)) for i, (n, t) in enumerate(names)))
    got = {}
    for _ in names:
        r = read_or_eof(s)
        if not isinstance(r, bytes):
            break
        m = F.parse(r)
        got[m.id] = (str(m.question[0].name), m.rcode(), F.rrs(m.answer))
want = {0x2000 + i: (n + ".", 0, [f"{n}. 3600 A " + ("192.0.2.100" if i % 2 else "192.0.2.80")])
        for i, (n, t) in enumerate(names)}
is_(got, want, "10 queries in one send: all answered, each id with its own question and answer")

with connect() as s:
    s.sendall(b"".join(framed(query(f"q{i}.wild.example.test", qid=i)) for i in range(300)))
    n = 0
    for _ in range(300):
        r = read_or_eof(s)
        if not isinstance(r, bytes):
            break
        n += 1
    is_(n, 300, "300 queries in one send: 300 answers")

# --- a message split across sends ---------------------------------------------------------------
for what, cut in (("length prefix split across two sends", 1),
                  ("message split after the prefix", 2), ("message split in the question", 9)):
    with connect() as s:
        wire = framed(query("www.example.test", qid=0x4444))
        s.sendall(wire[:cut])
        time.sleep(0.05)
        s.sendall(wire[cut:])
        r = read_or_eof(s)
        is_(summary(r) if isinstance(r, bytes) else r, (0x4444, 0, 1, WWW), f"{what}: answered")

# --- half-close: answer still delivered, then the server closes --------------------------------------
with connect() as s:
    s.sendall(framed(query("www.example.test", qid=0x5555)))
    s.shutdown(socket.SHUT_WR)
    r = read_or_eof(s)
    is_(summary(r) if isinstance(r, bytes) else r, (0x5555, 0, 1, WWW), "query then half-close: answered")
    is_(read_or_eof(s), "closed", "after the answer to a half-closed connection: closed")

# --- large answers are never truncated on TCP -------------------------------------------------
with connect() as s:
    s.sendall(framed(query("big.example.test", rdtype=16, qid=0x6666)))
    r = read_or_eof(s)
    is_((len(r), F.hdr(r)[1] & 0x0200, F.hdr(r)[3]) if isinstance(r, bytes) else r, (2954, 0, 40),
        "big TXT over TCP: all 40 records, 2954 bytes, TC=0")
d = F.dig(P, "+tcp", "+bufsize=512", "big.example.test", "TXT")
is_(d.summary(), "NOERROR qr aa 40/0/1", "dig +tcp +bufsize=512 big TXT: 40 records, EDNS size ignored on TCP")

# --- a stalled client does not block others; idle connections are closed ------------------------------
stalled = connect()
stalled.sendall(struct.pack("!H", 256) + query("www.example.test")[:20])  # promises 256, sends 20
idle = connect()
t0 = time.monotonic()
r = F.udp(P, query("www.example.test", qid=0x7777), timeout=1)
is_(summary(r), (0x7777, 0, 1, WWW), "while a TCP client stalls mid-message: UDP answered")
other = connect(src="127.0.0.2")
other.sendall(framed(query("www.example.test", qid=0x7778)))
r = read_or_eof(other)
is_(summary(r) if isinstance(r, bytes) else r, (0x7778, 0, 1, WWW),
    "while a TCP client stalls mid-message: another TCP client answered")
ok(time.monotonic() - t0 < IDLE_MS / 1000, "the other clients were answered before the idle timeout")
other.close()
for what, s in (("stalled connection (length prefix promised more)", stalled),
                ("idle connection (nothing sent)", idle)):
    r = read_or_eof(s)
    elapsed = time.monotonic() - t0
    is_(r, "closed", f"{what}: closed by the server")
    ok(IDLE_MS / 1000 * 0.8 <= elapsed < IDLE_MS / 1000 + 2.0,
       f"{what}: closed after the {IDLE_MS} ms idle timeout, not before", f"elapsed {elapsed:.3f} s")
    s.close()


# A client that sends many queries for a large answer and never reads: the server stops
# reading, its writes stall, and the idle timer closes the connection.
hog = connect(timeout=1)
t0 = time.monotonic()
try:
    hog.sendall(b"".join(framed(query("big.example.test", rdtype=16, qid=i)) for i in range(3000)))
except socket.timeout:
    pass  # the server stopped reading: that is the point
r = F.udp(P, query("www.example.test", qid=0x7779), timeout=1)
is_(summary(r), (0x7779, 0, 1, WWW), "while a client does not read its answers: UDP answered")
time.sleep(IDLE_MS / 1000 + 0.3)
hog.settimeout(3)
answered, end = 0, None
while end is None:
    r = read_or_eof(hog)
    if isinstance(r, bytes):
        answered += 1
    else:
        end = r
hog.close()
is_(end, "closed", "a client that does not read is disconnected")
ok(0 < answered < 3000, "the server stopped answering the non-reading client midway",
   f"{answered} of 3000 answered, {time.monotonic() - t0:.2f} s")

with connect() as s:
    answers = []
    for i in range(4):  # a query every half timeout: the connection stays open
        time.sleep(IDLE_MS / 1000 * 0.5)
        s.sendall(framed(query("www.example.test", qid=0x7800 + i)))
        r = read_or_eof(s)
        answers.append(summary(r)[0] if isinstance(r, bytes) else r)
    is_(answers, [0x7800, 0x7801, 0x7802, 0x7803],
        "a connection in use longer than the idle timeout stays open (timeout counts idleness)")

# --- connection limits: 2 per client address, 3 in all --------------------------------------------


def accepted(s, qid):
    """'answered' when the connection serves a query, else 'closed' / 'timeout'."""
    try:
        s.sendall(framed(query("www.example.test", qid=qid)))
    except OSError:
        return "closed"
    r = read_or_eof(s)
    if isinstance(r, bytes):
        return "answered" if summary(r)[:2] == (qid, 0) else f"wrong answer {summary(r)}"
    return r


time.sleep(0.05)  # the connections above are closed on the server side
c1, c2 = connect(), connect()
is_((accepted(c1, 1), accepted(c2, 2)), ("answered", "answered"), "per-client limit 2: two connections served")
c3 = connect(timeout=2)
is_(accepted(c3, 3), "closed", "per-client limit 2: a third connection from 127.0.0.1 is closed unanswered")
c3.close()
c4 = connect(src="127.0.0.2")
is_(accepted(c4, 4), "answered", "another address (127.0.0.2) is still served: 3 connections in all")
c5 = connect(src="127.0.0.3", timeout=2)
is_(accepted(c5, 5), "answered",
    "total limit 3: a fourth connection (127.0.0.3) is served, the least recently active yields")
is_(read_or_eof(c1), "closed", "the one that yielded is c1, the least recently active")
c1.close()
is_((accepted(c2, 7), accepted(c4, 8), accepted(c5, 9)), ("answered",) * 3,
    "the other three stay open and served")
for c in (c2, c4, c5):
    c.close()
ok(srv.alive(), "server still running")

done_testing()
