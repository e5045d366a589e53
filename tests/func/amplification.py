# amplification.py -- what a spoofed UDP query can make fleetdns send (issue 10): response rate
# limiting (per client prefix, class and name; slip; exemptions; TCP never limited) and ANY
# answered with one RRset over UDP (RFC 8482 4.2), every RRset over TCP; server cookies
# (RFC 7873, RFC 9018) and the exemption they give.
# SPDX-License-Identifier: MIT
import atexit
import os
import re
import shutil
import socket
import struct
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", "."), "tests", "func"))
import funclib as F  # noqa: E402
from fdnstest import ok, is_, done_testing, free_port  # noqa: E402
import fdnstest  # noqa: E402
import dns.message  # noqa: E402

RATE, SLIP = 5, 2
tmp = tempfile.mkdtemp(prefix="fdnstest.")
atexit.register(shutil.rmtree, tmp, True)


def server(rate_limit):
    port = free_port()
    path = os.path.join(tmp, f"{port}.yaml")
    with open(path, "w") as f:
        f.write(f"""server:
  listen: ["127.0.0.1:{port}"]
  workers: 1
{rate_limit}
zones:
  - {{name: example.test, file: "{os.path.join(F.ZONES, 'example.test.zone')}"}}
""")
    return fdnstest.Server(["-c", path], "example.test", port=port)


# One worker: one table, so counts are exact. 127.0.0.9 is exempt; loopback is not (an
# explicit exempt list replaces the default one).
srv = server(f"""  rate-limit:
    responses-per-second: {RATE}
    burst: {RATE}
    slip: {SLIP}
    exempt: [127.0.0.9]""")
P = srv.port


def burst(src, names, qtype=1, also=None):
    """One query per name from src, as fast as possible (then, from also = (src2, names2),
    more at once from another address), then every response that comes in the next 0.5 s.
    Returns (full answers, truncated answers, no answer, seconds sending) for src, and for
    src2 when given."""
    groups = [(src, names)] + ([also] if also else [])
    socks = []
    t0 = time.monotonic()
    for a, ns in groups:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((a, 0))
        socks.append(s)
        for i, name in enumerate(ns):
            s.sendto(F.raw_query(name, qtype, qid=i), ("127.0.0.1", P))
    sending = time.monotonic() - t0
    out = []
    for s, (a, ns) in zip(socks, groups):
        full = tc = 0
        s.settimeout(0.5)
        try:
            while True:
                r = s.recv(4096)
                if r[2] & 0x02 and struct.unpack("!HHH", r[6:12]) == (0, 0, 0):
                    tc += 1  # slipped: TC and no records
                elif not r[2] & 0x02:
                    full += 1
        except socket.timeout:
            pass
        s.close()
        out.append((full, tc, len(ns) - full - tc, sending))
    return out[0] if not also else tuple(out)


def expect(got, n, desc):
    """n queries against a fresh bucket: RATE answered (one more for each 1/RATE s spent
    sending), then every SLIP-th of the limited ones truncated, the others dropped."""
    full, tc, none, sending = got
    extra = int(sending * RATE) + 1
    limited = n - full
    ok(RATE <= full <= RATE + extra and tc == limited // SLIP and none == limited - tc,
       f"{desc}: {full} answered, {tc} truncated (slip {SLIP}), {none} dropped "
       f"of {n} (sent in {sending:.3f} s)")


expect(burst("127.0.0.2", ["www.example.test"] * 40), 40, "40 queries from 127.0.0.2")
expect(burst("127.0.1.2", ["www.example.test"] * 40), 40,
       "40 more from 127.0.1.2, another /24: a bucket of its own")
a, b = burst("127.0.4.2", ["www.example.test"] * 20, also=("127.0.4.3", ["www.example.test"] * 10))
expect(a, 20, "20 queries from 127.0.4.2")
is_(b[:3], (0, 5, 5), "then 10 from 127.0.4.3, same /24: the bucket is shared, and empty")
got = burst("127.0.0.9", ["www.example.test"] * 40)
is_(got[:3], (40, 0, 0), "127.0.0.9 is exempt: all 40 answered")
expect(burst("127.0.0.2", ["mail.example.test"] * 20), 20,
       "another name from 127.0.0.2: counted apart from www")
expect(burst("127.0.2.2", [f"nx{i}.example.test" for i in range(20)]), 20,
       "20 different NXDOMAIN names from one /24: one bucket for them all")
expect(burst("127.0.2.2", ["ns1.example.test"] * 20), 20,
       "then positive answers from the same /24: a class of their own")
expect(burst("127.0.3.2", ["www.example.test", "WWW.EXAMPLE.TEST"] * 10), 20,
       "a name in other cases is the same name (0x20 does not multiply buckets)")

# --- cookies (RFC 7873; server cookies as RFC 9018) ------------------------------------------


def cookie_query(cookie, qid=0):
    opt = F.opt_rr(payload=1232, rdata=struct.pack("!HH", 10, len(cookie)) + cookie)
    return F.raw_query("www.example.test", 1, qid=qid, opts=[opt])


def cookie_of(wire):
    """The COOKIE option's data in a response, or None."""
    for o in (dns.message.from_wire(wire).options if wire else []):
        if o.otype == 10:
            return o.client + o.server if hasattr(o, "client") else o.data
    return None


CLIENT = bytes.fromhex("0123456789abcdef")
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.5.2", 0))
s.settimeout(1)
s.sendto(cookie_query(CLIENT), ("127.0.0.1", P))
got = cookie_of(s.recv(4096))
now = int(time.time())
ok(got is not None and len(got) == 24 and got[:8] == CLIENT and got[8] == 1 and
   got[9:12] == b"\0\0\0" and abs(struct.unpack("!I", got[12:16])[0] - now) <= 5,
   "a client cookie gets it back with a server cookie: version 1, reserved 0, the time now "
   "(RFC 9018 4)", got and got.hex())
for i in range(40):
    s.sendto(cookie_query(got, qid=i), ("127.0.0.1", P))
full = tc = 0
try:
    while True:
        r = s.recv(4096)
        tc += bool(r[2] & 2)
        full += not r[2] & 2
except socket.timeout:
    pass
is_((full, tc), (40, 0), "40 queries bringing back that server cookie: all answered (the "
    "address is proven, never limited)")
forged = got[:12] + struct.pack("!I", now) + bytes(8)
s.close()


def answered_in_full(src, cookie, n=20):
    """n queries with cookie from src; how many got a full (not truncated) answer."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    s.settimeout(0.5)
    for i in range(n):
        s.sendto(cookie_query(cookie, qid=i), ("127.0.0.1", P))
    full = 0
    try:
        while True:
            full += not s.recv(4096)[2] & 2
    except socket.timeout:
        pass
    s.close()
    return full


is_(answered_in_full("127.0.6.2", forged), RATE,
    "a forged server cookie (wrong hash) proves nothing: limited as usual")
is_(answered_in_full("127.0.7.2", got), RATE,  # the cookie was made for 127.0.5.2
    "another address with 127.0.5.2's cookie: limited as usual")
for bad in (b"1234567", CLIENT + b"12345678"[:7], CLIENT + bytes(33)):
    r = F.parse(F.udp(P, cookie_query(bad)))
    ok(r is not None and r.rcode() == 1, f"a COOKIE option of {len(bad)} bytes: FORMERR "
       "(RFC 7873 5.2.2)")

# TCP is never limited: its source address is real.
q = F.raw_query("www.example.test", 1)
answered = 0
for i in range(20):
    with socket.create_connection(("127.0.0.1", P), timeout=2, source_address=("127.0.0.2", 0)) as c:
        c.sendall(struct.pack("!H", len(q)) + q)
        m = fdnstest.tcp_read_msg(c)
        answered += bool(m) and len(dns.message.from_wire(m).answer) == 1
is_(answered, 20, "20 TCP queries from 127.0.0.2 with its UDP bucket empty: all answered")

time.sleep(1.1)
got = burst("127.0.0.2", ["www.example.test"] * RATE)
is_(got[0], RATE, f"after a second, {RATE} more answered (the rate refills the bucket)")

# --- ANY (RFC 8482) ---------------------------------------------------------------------------
r = F.parse(F.udp(P, F.raw_query("example.test", 255, opts=[F.opt_rr(payload=4096)]),
                  addr="127.0.0.1"))
ok(r is not None and len(r.answer) == 1 and r.answer[0].rdtype == 2 and not r.flags & 0x200,
   "ANY over UDP at the apex: one RRset (NS, the lowest type there), not truncated",
   r and [str(x) for x in r.answer])
with socket.create_connection(("127.0.0.1", P), timeout=2) as c:
    q = F.raw_query("example.test", 255)
    c.sendall(struct.pack("!H", len(q)) + q)
    r = dns.message.from_wire(fdnstest.tcp_read_msg(c))
is_(sorted(rr.rdtype for rr in r.answer), [2, 6, 15, 16],
    "ANY over TCP: every RRset (NS, SOA, MX, TXT)")

# --- the default: on, 200 a second, loopback exempt ---------------------------------------------


def paced(port, n):
    """n queries from 127.0.0.2, 50 at a time with their answers read in between (so no
    socket buffer overflows). Returns (full answers, seconds taken)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.2", 0))
    s.settimeout(0.05)
    full = 0
    t0 = time.monotonic()
    for i in range(0, n, 50):
        for j in range(50):
            s.sendto(F.raw_query("www.example.test", 1, qid=i + j), ("127.0.0.1", port))
        try:
            while True:
                full += not s.recv(4096)[2] & 0x02
        except socket.timeout:
            pass
    s.close()
    return full, time.monotonic() - t0


dflt = server("")
full, _ = paced(dflt.port, 400)
is_(full, 400, "default: loopback clients are exempt (400 of 400 answered)")
srv2 = server("""  rate-limit:
    exempt: []""")
full, took = paced(srv2.port, 400)
ok(200 <= full <= 200 + int(took * 200) + 1,
   f"default rate 200/s (burst 200) with no exemption: {full} of 400 answered in full "
   f"in {took:.2f} s")
log = open(srv.log).read()
is_(sorted(set(re.findall(r"info: rate limit: (\w+) responses to ([\d./]+) limited", log))),
    [("nxdomain", "127.0.2.0/24"), ("positive", "127.0.0.0/24"), ("positive", "127.0.1.0/24"),
     ("positive", "127.0.2.0/24"), ("positive", "127.0.3.0/24"), ("positive", "127.0.4.0/24"),
     ("positive", "127.0.6.0/24"), ("positive", "127.0.7.0/24")],
    "the log names each prefix and class when limiting starts")
ok(srv.alive() and dflt.alive() and srv2.alive(), "servers still running")
done_testing()
