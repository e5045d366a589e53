# malformed.py -- functional tests: every kind of malformed message, over UDP and TCP, gets
# exactly the outcome docs/conformance.md asks for (FORMERR, with an OPT when the query had
# one; NOTIMP; or silence), and after each one the server is alive and answers correctly.
# Then 10,000 random and mutated packets, each checked against a reference reader below.
# SPDX-License-Identifier: MIT
import os
import random
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", "."), "tests", "lib"))
import fdnstest  # noqa: E402
from fdnstest import ok, is_, done_testing  # noqa: E402
import dns.message  # noqa: E402  (only for the answers checked by alive())

ZONE = os.path.join(os.environ.get("TOP_SRCDIR", "."), "tests", "func", "zones",
                    "malformed.test.zone")
Z = "malformed.test"
A, NS, CNAME, SOA, PTR, MX, TXT, OPT = 1, 2, 5, 6, 12, 15, 16, 41
NOERROR, FORMERR, NOTIMP = 0, 1, 4


name = fdnstest.wire_name
question = fdnstest.wire_question


def header(qid=0x4242, flags=0x0100, qd=1, an=0, ns=0, ar=0):
    return fdnstest.wire_header(qid, flags, qd, an, ns, ar)


def opt(udp=1232, version=0, flags=0, rdata=b"", owner=b"\0"):
    return owner + struct.pack("!HHBBHH", OPT, udp, 0, version, flags, len(rdata)) + rdata


def rr(owner, rtype, rdata):
    return owner + struct.pack("!HHIH", rtype, 1, 0, len(rdata)) + rdata


srv = fdnstest.Server(["--zone", f"{Z}={ZONE}"], Z)
PORT = srv.port
WWW = header() + question("www." + Z)


def walk(w):
    """A response checked strictly, without dnspython (which refuses unknown opcodes):
    every name, label and compression pointer (backwards, to where a name was written),
    counts that match the records, nothing after them. Returns (rcode, flags, counts, opt)
    with rcode extended by the OPT; opt is None or (payload, version, flags). Raises
    ValueError when the response is malformed."""
    if len(w) < 12:
        raise ValueError("shorter than a header")
    _, flags, qd, an, ns, ar = struct.unpack("!HHHHHH", w[:12])
    starts = set()

    def name_end(p):
        end, total = None, 0
        while True:
            if p >= len(w):
                raise ValueError("name runs past the end")
            n = w[p]
            if n & 0xC0 == 0xC0:
                t = ((n & 0x3F) << 8) | (w[p + 1] if p + 1 < len(w) else 0x100)
                if p + 2 > len(w) or t >= p or t not in starts:
                    raise ValueError(f"bad compression pointer at {p}")
                end = p + 2 if end is None else end
                p = t
                continue
            if n & 0xC0:
                raise ValueError("reserved label type")
            if end is None:
                starts.add(p)
            total += n + 1
            if total > 255:
                raise ValueError("name longer than 255")
            if n == 0:
                return p + 1 if end is None else end
            p += 1 + n

    p = 12
    for _ in range(qd):
        p = name_end(p) + 4
    opt_rr, ext = None, 0
    for i in range(an + ns + ar):
        root = p < len(w) and w[p] == 0
        p = name_end(p)
        if p + 10 > len(w):
            raise ValueError("record header cut off")
        rtype, rclass, ttl, rdlen = struct.unpack("!HHIH", w[p:p + 10])
        if p + 10 + rdlen > len(w):
            raise ValueError("rdata runs past the end")
        if rtype == OPT:
            if opt_rr or i < an + ns or not root:
                raise ValueError("misplaced OPT")
            opt_rr, ext = (rclass, (ttl >> 16) & 0xFF, ttl & 0xFFFF), ttl >> 24
        # Names in RFC 1035 rdata may be compressed, and be pointed at: walk them too.
        r = p + 10
        if rtype in (NS, CNAME, PTR):
            r = name_end(r)
        elif rtype == MX:
            r = name_end(r + 2)
        elif rtype == SOA:
            r = name_end(name_end(r)) + 20
        if r != p + 10 and r != p + 10 + rdlen:
            raise ValueError(f"rdata of type {rtype} does not match its length")
        p += 10 + rdlen
    if p != len(w):
        raise ValueError(f"{len(w) - p} bytes after the last record")
    return (ext << 4) | (flags & 0xF), flags, (qd, an, ns, ar), opt_rr


RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED",
          16: "BADVERS"}


def summary(wire):
    """'RCODE flags qd/an/ns/ar [opt]' of a response, or 'silence'."""
    if wire is None:
        return "silence"
    try:
        rcode, flags, counts, opt_rr = walk(wire)
    except ValueError as e:
        return f"malformed response ({e}): {wire.hex()}"
    bits = " ".join(b for b, m in (("qr", 0x8000), ("aa", 0x400), ("tc", 0x200)) if flags & m)
    return (f"{RCODES.get(rcode, rcode)} {bits} {'/'.join(map(str, counts))}"
            + (" opt" if opt_rr else ""))


def alive(what):
    """The server still runs and answers www exactly."""
    r = fdnstest.udp_exchange(PORT, WWW)
    good = False
    if r is not None:
        try:
            m = dns.message.from_wire(r)
            good = (m.id == 0x4242 and m.rcode() == NOERROR and len(m.answer) == 1 and
                    str(m.answer[0]) == f"www.{Z}. 300 IN A 192.0.2.80")
        except Exception:
            good = False
    ok(srv.alive() and good, f"{what}: server alive, www answered correctly afterwards",
       summary(r))


def udp_case(wire, want, what):
    is_(summary(fdnstest.udp_exchange(PORT, wire, timeout=0.5 if want == "silence" else 2.0)),
        want, f"udp {what}: {want}")
    alive(f"udp {what}")


Q = "www." + Z
# What the server must say for each malformed kind (qd/an/ns/ar counted in the response).
CASES = [
    ("empty datagram", b"", "silence"),
    ("5 bytes", WWW[:5], "silence"),
    ("11 bytes (a header minus one)", WWW[:11], "silence"),
    ("QR=1 (a response)", header(flags=0x8100) + question(Q), "silence"),
    ("QR=1 with opcode 15", header(flags=0xF900) + question(Q), "silence"),
    ("header only", header(), "FORMERR qr 0/0/0/0"),
    ("question cut inside a label", header() + name(Q)[:6], "FORMERR qr 0/0/0/0"),
    ("question without type and class", header() + name(Q), "FORMERR qr 0/0/0/0"),
    ("label length 64", header() + question("x" * 64 + "." + Z), "FORMERR qr 0/0/0/0"),
    ("label type 0x40", header() + b"\x41a\0\0\1\0\1", "FORMERR qr 0/0/0/0"),
    ("label type 0x80", header() + b"\x80\0\0\1\0\1", "FORMERR qr 0/0/0/0"),
    ("label length past the end", header() + b"\x3fabc", "FORMERR qr 0/0/0/0"),
    ("compression pointer in the question", header() + b"\3www\xc0\x0c\0\1\0\1",
     "FORMERR qr 0/0/0/0"),
    ("256-byte name", header() + b"\1z" * 127 + b"\1z\0\0\1\0\1", "FORMERR qr 0/0/0/0"),
    ("QDCOUNT 0", header(qd=0), "FORMERR qr 0/0/0/0"),
    ("QDCOUNT 0 with OPT", header(qd=0, ar=1) + opt(), "FORMERR qr 0/0/0/1 opt"),
    ("QDCOUNT 2", header(qd=2) + question(Q) * 2, "FORMERR qr 0/0/0/0"),
    ("QDCOUNT 2 with OPT", header(qd=2, ar=1) + question(Q) * 2 + opt(),
     "FORMERR qr 0/0/0/1 opt"),
    ("two OPT records", header(ar=2) + question(Q) + opt() + opt(), "FORMERR qr 1/0/0/1 opt"),
    ("OPT in the answer section", header(an=1) + question(Q) + opt(), "FORMERR qr 1/0/0/1 opt"),
    ("OPT in the authority section", header(ns=1) + question(Q) + opt(),
     "FORMERR qr 1/0/0/1 opt"),
    ("OPT owner not the root", header(ar=1) + question(Q) + opt(owner=name(Z)),
     "FORMERR qr 1/0/0/1 opt"),
    ("OPT option length past its rdata", header(ar=1) + question(Q)
     + opt(rdata=struct.pack("!HH", 10, 100) + b"\1" * 8), "FORMERR qr 1/0/0/1 opt"),
    ("OPT option header cut", header(ar=1) + question(Q) + opt(rdata=b"\0\x0a\0"),
     "FORMERR qr 1/0/0/1 opt"),
    ("OPT rdata cut off", header(ar=1) + question(Q) + opt(rdata=b"\0\x0a\0\4abcd")[:-2],
     "FORMERR qr 1/0/0/1 opt"),
    ("record rdlen past the end", header(ar=1) + question(Q) + rr(b"\0", A, b"\1\2\3\4")[:-1],
     "FORMERR qr 1/0/0/0"),
    ("record header cut", header(ar=1) + question(Q) + b"\0\0\1\0", "FORMERR qr 1/0/0/0"),
    ("ARCOUNT 65535 without records", header(an=65535, ns=65535, ar=65535) + question(Q),
     "FORMERR qr 1/0/0/0"),
    ("trailing garbage", WWW + b"garbage", "FORMERR qr 1/0/0/0"),
    ("garbage after the OPT", header(ar=1) + question(Q) + opt() + b"\0", "FORMERR qr 1/0/0/1 opt"),
    ("opcode 15", header(flags=0x7900) + question(Q), "NOTIMP qr 1/0/0/0"),
    ("opcode 15 with OPT", header(flags=0x7900, ar=1) + question(Q) + opt(),
     "NOTIMP qr 1/0/0/1 opt"),
    ("opcode 15, broken question", header(flags=0x7800) + b"\7malf", "NOTIMP qr 0/0/0/0"),
    ("EDNS version 1", header(ar=1) + question(Q) + opt(version=1), "BADVERS qr 1/0/0/1 opt"),
]


def loop_self(with_opt):
    """An additional record whose owner points at itself (a loop if followed)."""
    head = header(ar=2 if with_opt else 1) + question(Q)
    return head + rr(struct.pack("!H", 0xC000 | len(head)), A, b"\1\2\3\4") + (
        opt() if with_opt else b"")


def loop_pair():
    """Two additional records whose owners point at each other."""
    head = header(ar=2) + question(Q)
    second = len(head) + len(rr(b"\1a\0\0", A, b"\1\2\3\4"))
    return (head + rr(b"\1a" + struct.pack("!H", 0xC000 | second), A, b"\1\2\3\4")
            + rr(b"\1b" + struct.pack("!H", 0xC000 | len(head)), A, b"\1\2\3\4"))


# Compression loops outside the question are never followed: the query is answered.
CASES += [
    ("compression loop (self) in additional", loop_self(False), "NOERROR qr aa 1/1/0/0"),
    ("compression loop (self) then OPT", loop_self(True), "NOERROR qr aa 1/1/0/1 opt"),
    ("compression loop (pair) in additional", loop_pair(), "NOERROR qr aa 1/1/0/0"),
]

for what, wire, want in CASES:
    udp_case(wire, want, what)

r = fdnstest.udp_exchange(PORT, header(ar=1) + question(Q) + opt(version=1, flags=0x8000))
is_(walk(r)[3] if r else None, (1232, 0, 0x8000), "udp EDNS version 1: OPT version 0, DO echoed")


# --- TCP ---------------------------------------------------------------------------------------
def tcp_connect():
    s = socket.create_connection(("127.0.0.1", PORT), timeout=3)
    s.settimeout(3)
    return s


def tcp_read(s):
    try:
        return fdnstest.tcp_read_msg(s)
    except socket.timeout:
        return "timeout"


def framed(wire):
    return struct.pack("!H", len(wire)) + wire


TCP_CASES = [c for c in CASES if c[2] != "silence" and "opcode 15, broken" not in c[0]]
for what, wire, want in TCP_CASES:
    s = tcp_connect()
    s.sendall(framed(wire) + framed(WWW))  # the malformed one, then a good one behind it
    got = summary(tcp_read(s))
    nxt = tcp_read(s)
    s.close()
    is_(got, want, f"tcp {what}: {want}")
    is_(summary(nxt), "NOERROR qr aa 1/1/0/0", f"tcp {what}: the next query on it is answered")

for what, wire in [("empty message", b""), ("5 bytes", WWW[:5]), ("11 bytes", WWW[:11]),
                   ("QR=1", header(flags=0x8100) + question(Q))]:
    s = tcp_connect()
    s.sendall(framed(wire) + framed(WWW))
    got = tcp_read(s)
    s.close()
    is_(summary(got), "NOERROR qr aa 1/1/0/0",
        f"tcp {what}: no response to it, the next query is answered")

# A length prefix longer than what follows, then close: nothing is answered, the server
# closes its side, and nothing is held.
for what, data in [("prefix 100, 12 bytes sent", struct.pack("!H", 100) + WWW[:12]),
                   ("prefix 65535, nothing sent", struct.pack("!H", 65535)),
                   ("one byte of a prefix", b"\0"),
                   ("a whole query then a prefix 40 with 3 bytes",
                    framed(WWW) + struct.pack("!H", 40) + b"abc")]:
    s = tcp_connect()
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    got = []
    while True:
        m = tcp_read(s)
        if m is None or m == "timeout":
            end = "closed" if m is None else "timeout"
            break
        got.append(summary(m))
    s.close()
    want = ["NOERROR qr aa 1/1/0/0"] if data.startswith(framed(WWW)) else []
    is_((got, end), (want, "closed"), f"tcp {what}, then close: {want or 'no answer'}, closed")
    alive(f"tcp {what}")

# A prefix longer than what follows, connection left open: the server waits, answers later.
s = tcp_connect()
s.sendall(struct.pack("!H", len(WWW)) + WWW[:5])
time.sleep(0.3)
s.sendall(WWW[5:])
is_(summary(tcp_read(s)), "NOERROR qr aa 1/1/0/0", "tcp query split over two writes: answered")
s.close()


# --- 10,000 random and mutated packets, against a reference reader ---------------------------
def skip_name(w, p, question):
    """Offset past the name at p, or None. In the question only plain labels are allowed."""
    total = 0
    while True:
        if p >= len(w):
            return None
        n = w[p]
        if n == 0:
            return p + 1 if total + 1 <= 255 else None
        if n & 0xC0 == 0xC0 and not question:
            return p + 2 if p + 2 <= len(w) else None
        if n > 63:
            return None
        total += n + 1
        if total + 1 > 255 or p + 1 + n > len(w):
            return None
        p += 1 + n


def options_ok(rd):
    """OPT rdata is a list of (code, length, data) that fills it exactly."""
    q = 0
    while q < len(rd):
        if q + 4 > len(rd):
            return False
        q += 4 + struct.unpack("!H", rd[q + 2:q + 4])[0]
    return q == len(rd)


def reference(w):
    """What RFC 1035 and RFC 6891 make of w: (verdict, has_opt) with verdict one of
    'drop', 'notimp', 'formerr', 'ok'."""
    if len(w) < 12 or w[2] & 0x80:
        return "drop", False
    opcode = (w[2] >> 3) & 0xF
    qd, an, ns, ar = struct.unpack("!HHHH", w[4:12])
    verdict, has_opt, p = "ok", False, 12
    if qd != 1:
        verdict = "formerr"
    for _ in range(qd):
        e = skip_name(w, p, question=True) if qd == 1 else skip_name(w, p, question=False)
        if e is None or e + 4 > len(w):
            return ("notimp" if opcode else "formerr"), False
        p = e + 4
    for i in range(an + ns + ar):
        root = p < len(w) and w[p] == 0
        e = skip_name(w, p, question=False)
        if e is None or e + 10 > len(w):
            verdict = "formerr"
            break
        rtype, rdlen = struct.unpack("!H", w[e:e + 2])[0], struct.unpack("!H", w[e + 8:e + 10])[0]
        if rtype == OPT:
            again, has_opt = has_opt, True
            if again or i < an + ns or not root:
                verdict = "formerr"
                break
        if e + 10 + rdlen > len(w):
            verdict = "formerr"
            break
        if rtype == OPT and not options_ok(w[e + 10:e + 10 + rdlen]):
            verdict = "formerr"
            break
        p = e + 10 + rdlen
    else:
        if p != len(w):
            verdict = "formerr"
    if opcode:
        return "notimp", has_opt
    return verdict, has_opt


rnd = random.Random(20240601)
TEMPLATES = [
    WWW,
    header(ar=1) + question("x.wild." + Z, TXT) + opt(flags=0x8000),
    header() + question("alias." + Z),
    header() + question("a.sub." + Z),
    header(ar=1) + question(Z, SOA) + opt(rdata=struct.pack("!HH", 10, 8) + b"\2" * 8),
    header(ar=2) + question(Q) + rr(b"\xc0\x0c", A, b"\1\2\3\4") + opt(),
]


def random_packet(i):
    kind = rnd.random()
    if kind < 0.2:
        w = bytearray(rnd.randbytes(rnd.randint(0, 80)))
    else:
        w = bytearray(rnd.choice(TEMPLATES))
        for _ in range(rnd.randint(1, 4)):
            op = rnd.random()
            if op < 0.5 and w:
                w[rnd.randrange(len(w))] = rnd.randrange(256)
            elif op < 0.7 and w:
                del w[rnd.randrange(len(w)):]
            elif op < 0.85:
                w += rnd.randbytes(rnd.randint(1, 8))
            elif len(w) >= 12:
                w[4 + 2 * rnd.randrange(4) + 1] = rnd.randrange(4)  # small counts
        if len(w) >= 3 and rnd.random() < 0.8:
            w[2] &= 0x87  # mostly QR=0, opcode 0, so the reader goes deep
    if len(w) >= 2:
        w[0:2] = struct.pack("!H", i)  # the ID says which packet a response is for
    return bytes(w)


packets = [random_packet(i) for i in range(10000)]
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
sock.settimeout(1.0)
responses, wrong = {}, []
for start in range(0, len(packets), 50):
    batch = packets[start:start + 50]
    for w in batch:
        sock.sendto(w, ("127.0.0.1", PORT))
    expect = sum(1 for w in batch if reference(w)[0] != "drop")
    got = 0
    while got < expect:
        try:
            r = sock.recv(65535)
        except socket.timeout:
            break
        got += 1
        qid = struct.unpack("!H", r[:2])[0] if len(r) >= 2 else -1
        if qid in responses or not 0 <= qid < len(packets):
            wrong.append(f"unexpected response id {qid}: {r.hex()}")
            continue
        responses[qid] = r
sock.close()

silence_ok, count_ok, shape = [], 0, []
for i, w in enumerate(packets):
    verdict, has_opt = reference(w)
    r = responses.get(i) if len(w) >= 2 else None
    if verdict == "drop":
        if r is not None:
            silence_ok.append(f"packet {i} ({w.hex()}) answered")
        continue
    if r is None:
        shape.append(f"packet {i} ({w.hex()}): no response, want {verdict}")
        continue
    count_ok += 1
    try:
        rcode, flags, counts, opt_rr = walk(r)
    except ValueError as e:
        shape.append(f"packet {i} ({w.hex()}): malformed response ({e}): {r.hex()}")
        continue
    want_rcode = {"formerr": FORMERR, "notimp": NOTIMP}.get(verdict)
    if want_rcode is not None and rcode != want_rcode:
        shape.append(f"packet {i} ({w.hex()}): rcode {rcode}, want {verdict}")
    elif verdict == "ok" and rcode in (FORMERR, NOTIMP):
        shape.append(f"packet {i} ({w.hex()}): rcode {rcode}, want an answer")
    elif has_opt != (opt_rr is not None):
        shape.append(f"packet {i} ({w.hex()}): OPT in response {opt_rr}, query {has_opt}")
    elif len(r) > (512 if opt_rr is None else 1232):
        shape.append(f"packet {i} ({w.hex()}): {len(r)} bytes, over the UDP limit")
    elif r[2] & 0x78 != w[2] & 0x78 or not r[2] & 0x80:
        shape.append(f"packet {i} ({w.hex()}): opcode not copied or QR clear")

kinds = {}
for w in packets:
    v = reference(w)[0]
    kinds[v] = kinds.get(v, 0) + 1
print(f"# random packets: {kinds}")
is_(wrong, [], "random: every response carries the ID of a packet sent, once")
is_(silence_ok[:5], [], "random: no response to a packet that must be dropped")
is_(shape[:5], [], f"random: each of {count_ok} responses has the expected rcode, OPT and size")
ok(kinds.get("ok", 0) > 1000 and kinds.get("formerr", 0) > 1000 and kinds.get("drop", 0) > 100,
   "random: the mix reaches every verdict often", kinds)
alive("after 10,000 random packets")
done_testing()
