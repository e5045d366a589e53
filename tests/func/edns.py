# edns.py -- functional tests: "EDNS (RFC 6891)" of docs/conformance.md: OPT if and only if
# the query had one, FORMERR for bad OPTs, BADVERS, options and flags not echoed, DO echoed,
# UDP payload limits and truncation with whole RRsets.
# SPDX-License-Identifier: MIT
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", "."), "tests", "func"))
import funclib as F  # noqa: E402
from fdnstest import ok, is_, done_testing  # noqa: E402

TC = 0x0200
srv = F.start()
P = srv.port
SERVER_SIZE = 1232


def ask(name, rdtype=1, qid=0x2a2a, flags=0, opts=(), qd=1):
    return F.udp(P, F.raw_query(name, rdtype=rdtype, qid=qid, flags=flags, opts=opts, qd=qd))


def opt_view(wire):
    """(rcode, [(payload, ext_rcode, version, flags, rdata)]) or a string saying what broke."""
    if wire is None:
        return "no response"
    try:
        return (F.hdr(wire)[1] & 0x0F,
                [(o["payload"], o["ext_rcode"], o["version"], o["flags"], o["rdata"].hex())
                 for o in F.opts(wire)])
    except (ValueError, struct.error, IndexError) as e:
        return f"malformed response: {e}"


def answer_types(wire):
    """{type: count} of the answer section."""
    out = {}
    for sec, _, rtype, _, _, _ in F.records(wire):
        if sec == 0:
            out[rtype] = out.get(rtype, 0) + 1
    return out


OPT0 = (SERVER_SIZE, 0, 0, 0, "")  # the OPT every EDNS reply should carry

# --- OPT in the response if and only if the query had one (RFC 6891 6.1.1) ------------------------
cases = (
    ("www.example.test", 1, 0, 0, "positive answer"),
    ("nx.example.test", 1, 0, 3, "NXDOMAIN"),
    ("sub.example.test", 1, 0, 0, "referral"),
    ("www.example.org", 1, 0, 5, "REFUSED"),
    ("www.example.test", 1, 15 << 11, 4, "NOTIMP (opcode 15)"),
)
for name, rdtype, flags, rcode, what in cases:
    is_(opt_view(ask(name, rdtype, flags=flags)), (rcode, []), f"{what} without OPT: no OPT in reply")
    is_(opt_view(ask(name, rdtype, flags=flags, opts=[F.opt_rr(payload=4096)])), (rcode, [OPT0]),
        f"{what} with OPT: one OPT, version 0, payload {SERVER_SIZE}, no flags, no options")
is_(opt_view(ask("www.example.test", qd=2)), (1, []), "FORMERR (QDCOUNT=2) without OPT: no OPT")
is_(opt_view(ask("www.example.test", qd=2, opts=[F.opt_rr()])), (1, [OPT0]),
    "FORMERR (QDCOUNT=2) with OPT: one OPT")
d = F.dig(P, "+noedns", "www.example.test", "A")
is_((d.summary(), d.edns), ("NOERROR qr aa 1/0/0", None), "dig +noedns: no OPT pseudosection")
d = F.dig(P, "www.example.test", "A")
is_((d.summary(), d.edns), ("NOERROR qr aa 1/0/1", f"version: 0, flags:; udp: {SERVER_SIZE}"),
    "dig (EDNS): OPT version 0, no flags, udp 1232")

# --- more than one OPT, or a malformed one: FORMERR with an OPT ---------------------------------
is_(opt_view(ask("www.example.test", opts=[F.opt_rr(), F.opt_rr()])), (1, [OPT0]),
    "two OPT records: FORMERR, one OPT in the reply")
bad = (
    ("option length beyond the RDATA", F.opt_rr(rdata=bytes.fromhex("0064000a0001"))),
    ("option header cut short", F.opt_rr(rdata=bytes.fromhex("006400"))),
    ("OPT owner not the root", b"\x03www\x00" + F.opt_rr()[1:]),
)
for what, rr in bad:
    r = ask("www.example.test", opts=[rr])
    is_(opt_view(r), (1, [OPT0]), f"malformed OPT ({what}): FORMERR with one OPT")
    is_(F.hdr(r)[3:5] if r else None, (0, 0), f"malformed OPT ({what}): no answer or authority")
q = F.raw_query("www.example.test", opts=[F.opt_rr()])
q = q[:6] + struct.pack("!HHH", 1, 0, 0) + q[12:]  # the OPT counted in the answer section
is_(opt_view(F.udp(P, q)), (1, [OPT0]), "OPT in the answer section: FORMERR with one OPT")

# --- VERSION > 0: BADVERS (RCODE 16 = ext 1, header 0), OPT version 0, no data (6.1.3) ---------------
for version in (1, 255):
    r = ask("www.example.test", opts=[F.opt_rr(version=version)])
    is_(opt_view(r), (0, [(SERVER_SIZE, 1, 0, 0, "")]),
        f"EDNS version {version}: BADVERS (extended RCODE 1, header RCODE 0), OPT version 0")
    is_(F.hdr(r)[2:5] if r else None, (1, 0, 0), f"EDNS version {version}: question only, no answer data")
d = F.dig(P, "+edns=1", "+noednsneg", "www.example.test", "A")
is_((d.summary(), d.edns), ("BADVERS qr 0/0/1", f"version: 0, flags:; udp: {SERVER_SIZE}"),
    "dig +edns=1 +noednsneg: status BADVERS, OPT version 0, no answer")
d = F.dig(P, "+edns=1", "+noednsneg", "nx.example.test", "A")
is_(d.summary(), "BADVERS qr 0/0/1", "dig +edns=1 for a nonexistent name: BADVERS, not NXDOMAIN")

# --- unknown options and flags ignored, never echoed; DO echoed ----------------------------------
is_(opt_view(ask("www.example.test", opts=[F.opt_rr(rdata=bytes.fromhex("00640002abcd"))])),
    (0, [OPT0]), "unknown option 100 in the query: not in the reply")
is_(opt_view(ask("www.example.test", opts=[F.opt_rr(rdata=bytes.fromhex("0064000000650001ff"))])),
    (0, [OPT0]), "two unknown options (100, 101): neither echoed")
d = F.dig(P, "+ednsopt=100:abcd", "www.example.test", "A")
is_((d.summary(), d.edns, "OPT=100" in d.text), ("NOERROR qr aa 1/0/1", f"version: 0, flags:; udp: {SERVER_SIZE}", False),
    "dig +ednsopt=100:abcd: no option 100 in the reply")
is_(opt_view(ask("www.example.test", opts=[F.opt_rr(flags=0x0080)])), (0, [OPT0]),
    "unknown EDNS flag 0x0080: not echoed")
is_(opt_view(ask("www.example.test", opts=[F.opt_rr(flags=0x7FFF)])), (0, [OPT0]),
    "all unknown EDNS flags (0x7fff): none echoed")
is_(opt_view(ask("www.example.test", opts=[F.opt_rr(flags=0x8000)])),
    (0, [(SERVER_SIZE, 0, 0, 0x8000, "")]), "DO=1: DO echoed")
is_(opt_view(ask("www.example.test", opts=[F.opt_rr(flags=0xC0A0)])),
    (0, [(SERVER_SIZE, 0, 0, 0x8000, "")]), "DO with unknown flags: only DO echoed")
d = F.dig(P, "+ednsflags=0x80", "www.example.test", "A")
is_((d.edns, "MBZ" in d.text), (f"version: 0, flags:; udp: {SERVER_SIZE}", False),
    "dig +ednsflags=0x80: no flags in the reply OPT")
d = F.dig(P, "+dnssec", "www.example.test", "A")
is_(d.edns, f"version: 0, flags: do; udp: {SERVER_SIZE}", "dig +dnssec: DO echoed")

# --- UDP payload size ---------------------------------------------------------------------
# med: 20 A records, 365 bytes with OPT; fits 512, so a smaller payload counts as 512.
for payload in (0, 100, 511, 512):
    r = ask("med.example.test", opts=[F.opt_rr(payload=payload)])
    is_((len(r), F.hdr(r)[1] & TC, F.hdr(r)[3]) if r else None, (365, 0, 20),
        f"payload {payload}: treated as 512, the 365-byte answer is whole, TC=0")

# mid: 60 A records, 1005 bytes with OPT; big: 40 TXT records, 2965 bytes.
for payload, name, size, tc, an in (
        (512, "mid", None, TC, 0), (1004, "mid", None, TC, 0), (1005, "mid", 1005, 0, 60),
        (1232, "mid", 1005, 0, 60), (4096, "mid", 1005, 0, 60),
        (1232, "big", None, TC, 0), (4096, "big", None, TC, 0), (65535, "big", None, TC, 0)):
    r = ask(f"{name}.example.test", rdtype=16 if name == "big" else 1,
            opts=[F.opt_rr(payload=payload)])
    limit = min(payload, SERVER_SIZE)
    got = (len(r) if size else len(r) <= limit, F.hdr(r)[1] & TC, F.hdr(r)[3]) if r else None
    is_(got, (size if size else True, tc, an),
        f"{name} with payload {payload}: " + (f"{size} bytes, whole" if size else
                                              f"TC=1, no partial RRset, at most {limit} bytes"))
sizes = {}
for payload in range(512, 1600, 37):
    for name, rdtype in (("mid", 1), ("big", 16), ("mixed", 255)):
        r = ask(f"{name}.example.test", rdtype=rdtype, opts=[F.opt_rr(payload=payload)])
        if r is None or len(r) > min(payload, SERVER_SIZE):
            sizes[(name, payload)] = len(r) if r else None
is_(sizes, {}, "payloads 512..1600: no UDP reply larger than min(payload, 1232)")
r = ask("mid.example.test")
is_((len(r) <= 512, F.hdr(r)[1] & TC, F.hdr(r)[3], opt_view(r)[1]) if r else None,
    (True, TC, 0, []), "mid without EDNS: at most 512 bytes, TC=1, no partial RRset, no OPT")

# --- truncation keeps whole RRsets and the OPT ----------------------------------------------
for payload in (512, 1232):
    r = ask("mid.example.test" if payload == 512 else "big.example.test", rdtype=1 if payload == 512 else 16,
            opts=[F.opt_rr(payload=payload, flags=0x8000)])
    is_(opt_view(r), (0, [(SERVER_SIZE, 0, 0, 0x8000, "")]),
        f"truncated reply at {payload}: keeps its OPT (with DO)")
r = ask("mixed.example.test", rdtype=255, opts=[F.opt_rr(payload=1232)])
types = answer_types(r) if r else None
is_((F.hdr(r)[1] & TC, types) if r else None, (0, {1: 5}),
    "mixed ANY over UDP: one RRset, the 5 A (RFC 8482 4.2), not the 20 TXT; no TC")
d = F.dig(P, "+ignore", "+bufsize=512", "mid.example.test", "A")
is_((d.summary(), d.edns), ("NOERROR qr aa tc 0/0/1", f"version: 0, flags:; udp: {SERVER_SIZE}"),
    "dig +ignore +bufsize=512: TC reply, no partial answer, OPT kept")
ok(d.size is not None and d.size <= 512, "dig +ignore +bufsize=512: at most 512 bytes", d.size)
d = F.dig(P, "+ignore", "+noedns", "big.example.test", "TXT")
is_((d.summary(), d.edns), ("NOERROR qr aa tc 0/0/0", None), "dig +ignore +noedns on big: TC, no OPT")
ok(d.size is not None and d.size <= 512, "dig +ignore +noedns: at most 512 bytes", d.size)
d = F.dig(P, "big.example.test", "TXT")
is_(d.summary(), "NOERROR qr aa 40/0/1", "dig without +ignore retries over TCP: all 40 TXT records")

done_testing()
