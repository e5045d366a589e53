# header.py -- functional tests: the header and message rules of docs/conformance.md
# ("Header and message"): flags, ID, question copy, AA, REFUSED, NOTIMP, FORMERR, silent
# drops, reply source address and name compression.
# SPDX-License-Identifier: MIT
import os
import socket
import struct
import sys

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", "."), "tests", "func"))
import funclib as F  # noqa: E402
from fdnstest import ok, is_, done_testing, free_port  # noqa: E402

FLAG_QR, FLAG_AA, FLAG_TC, FLAG_RD = 0x8000, 0x0400, 0x0200, 0x0100
FLAG_RA, FLAG_Z, FLAG_AD, FLAG_CD = 0x0080, 0x0040, 0x0020, 0x0010

srv = F.start()
P = srv.port


def flags_of(wire):
    return F.hdr(wire)[1] if wire and len(wire) >= 12 else None


def rcode_of(wire):
    return flags_of(wire) & 0x0F if wire and len(wire) >= 12 else None


# --- QR, ID, RD, RA, Z, AD, CD -------------------------------------------------------------
for qid in (0x0000, 0xFFFF, 0xBEEF):
    r = F.udp(P, F.raw_query("www.example.test", qid=qid))
    is_(F.hdr(r)[0] if r else None, qid, f"ID 0x{qid:04x} copied into the response")

r = F.udp(P, F.raw_query("www.example.test", flags=0))
is_(flags_of(r), FLAG_QR | FLAG_AA, "RD=0 query: flags are exactly QR AA (RD=0, RA=0, Z=0)")
r = F.udp(P, F.raw_query("www.example.test", flags=FLAG_RD))
is_(flags_of(r), FLAG_QR | FLAG_AA | FLAG_RD, "RD=1 query: RD copied, RA=0 (no recursion)")
r = F.udp(P, F.raw_query("www.example.test", flags=FLAG_Z))
is_(flags_of(r), FLAG_QR | FLAG_AA, "Z=1 in the query: Z=0 in the response")
r = F.udp(P, F.raw_query("www.example.test", flags=FLAG_AD))
is_(flags_of(r), FLAG_QR | FLAG_AA, "AD=1 in the query: AD=0 in the response (nothing validated)")
r = F.udp(P, F.raw_query("www.example.test", flags=FLAG_CD))
is_(flags_of(r), FLAG_QR | FLAG_AA | FLAG_CD, "CD copied into the response (RFC 4035 3.1.6)")

d = F.dig(P, "+zflag", "+adflag", "+rec", "www.example.test", "A")
is_(d.summary(), "NOERROR qr aa rd 1/0/1", "dig +zflag +adflag +rec: status and flags qr aa rd")
ok(d.counts is not None and "MBZ" not in d.text and "ra" not in d.flags.split(),
   "dig +zflag: no must-be-zero bit and no RA in the reply", d.text)

# --- question copied with the client's letter case (RFC 4343) ---------------------------------
q = F.raw_query("WwW.ExAmPlE.TeSt", qid=7)
r = F.udp(P, q)
qlen = len(F.question("WwW.ExAmPlE.TeSt"))
is_(r[12:12 + qlen] if r else None, q[12:12 + qlen], "question copied byte for byte (0x20 case)")
m = F.parse(r)
is_(F.rrs(m.answer) if m else None, ["WwW.ExAmPlE.TeSt. 3600 A 192.0.2.80"],
    "mixed-case question answered; owner points at the client's spelling")
d = F.dig(P, "wWw.eXaMpLe.tEsT", "A")
is_(d.text.count(";wWw.eXaMpLe.tEsT.\t"), 1, "dig: question section shows the client's case")

# --- AA=1 on authoritative answers, AA=0 on referrals -------------------------------------------
for name, rdtype, want, what in (
        ("www.example.test", "A", "NOERROR qr aa 1/0/1", "positive answer"),
        ("www.example.test", "AAAA", "NOERROR qr aa 0/1/1", "NODATA answer"),
        ("nx.example.test", "A", "NXDOMAIN qr aa 0/1/1", "NXDOMAIN answer"),
        ("www.child.example.test", "A", "NOERROR qr aa 1/0/1", "answer from the child zone"),
        ("sub.example.test", "A", "NOERROR qr 0/2/3", "referral: AA=0"),
        ("deep.below.sub.example.test", "TXT", "NOERROR qr 0/2/3", "referral below the cut: AA=0")):
    is_(F.dig(P, name, rdtype).summary(), want, f"{what}: {name} {rdtype}")

# --- outside every served zone: REFUSED, AA=0, no referral upwards --------------------------------
for name, rdtype in (("www.example.org", "A"), ("test", "SOA"), (".", "NS"),
                     ("example", "NS")):
    r = F.udp(P, F.raw_query(name if name != "." else "", rdtype=2 if rdtype == "NS" else 6
                             if rdtype == "SOA" else 1, qid=0x4242))
    if r:
        _, fl, qd, an, ns, ar = F.hdr(r)
        got = (fl, qd, an, ns, ar)
    else:
        got = None
    is_(got, (FLAG_QR | 5, 1, 0, 0, 0),
        f"{name} {rdtype}: REFUSED, AA=0, question only, no answer/authority/additional")

# --- opcodes ---------------------------------------------------------------------------------
for opcode in (15, 2, 3):
    r = F.udp(P, F.raw_query("www.example.test", flags=opcode << 11, qid=0x0F0F))
    got = (F.hdr(r)[0], flags_of(r), F.hdr(r)[3:]) if r else None
    is_(got, (0x0F0F, FLAG_QR | opcode << 11 | 4, (0, 0, 0)),
        f"opcode {opcode}: NOTIMP, opcode copied, AA=0, no records (RFC 8906 8.1.4)")
d = F.dig(P, "+opcode=15", "www.example.test", "A")
is_((d.status, d.flags), ("NOTIMP", "qr"), "dig +opcode=15: status NOTIMP, flags qr")
d = F.dig(P, "+opcode=2", "+noedns", "www.example.test", "A")
is_(d.summary(), "NOTIMP qr 0/0/0", "dig +opcode=2 (STATUS): NOTIMP, nothing else")

# --- QDCOUNT other than 1 on a QUERY: FORMERR -------------------------------------------------
r = F.udp(P, struct.pack("!HHHHHH", 0xA001, 0, 0, 0, 0, 0))
is_(F.hdr(r) if r else None, (0xA001, FLAG_QR | 1, 0, 0, 0, 0),
    "QDCOUNT=0: FORMERR, ID copied, all counts 0")
r = F.udp(P, F.raw_query("www.example.test", qid=0xA002, qd=2))
got = (F.hdr(r)[0], flags_of(r) & ~FLAG_AA, F.hdr(r)[3:]) if r else None
is_(got, (0xA002, FLAG_QR | 1, (0, 0, 0)), "QDCOUNT=2: FORMERR, ID copied, no records")
ok(r is not None and not flags_of(r) & FLAG_AA, "QDCOUNT=2: AA=0")
r = F.udp(P, struct.pack("!HHHHHH", 0xA003, 0, 1, 0, 0, 0))
is_(F.hdr(r)[:2] if r else None, (0xA003, FLAG_QR | 1),
    "QDCOUNT=1 but no question bytes: FORMERR")

# --- never answer a response, nor a runt --------------------------------------------------------
for what, wire in (
        ("QR=1 query-shaped message", F.raw_query("www.example.test", flags=FLAG_QR)),
        ("QR=1 with opcode 15", F.raw_query("www.example.test", flags=FLAG_QR | 15 << 11)),
        ("QR=1 with QDCOUNT=0", struct.pack("!HHHHHH", 1, FLAG_QR, 0, 0, 0, 0)),
        ("QR=1 FORMERR-looking response", struct.pack("!HHHHHH", 1, FLAG_QR | 1, 1, 0, 0, 0)),
        ("empty datagram", b""),
        ("1-byte message", b"\x12"),
        ("11-byte message", F.raw_query("www.example.test")[:11])):
    is_(F.udp(P, wire, timeout=0.4), None, f"{what}: no response")
    r = F.udp(P, F.raw_query("www.example.test", qid=0x5151))
    is_((F.hdr(r)[0], rcode_of(r)) if r else None, (0x5151, 0),
        f"after the {what}: the next query is answered")
ok(srv.alive(), "server still running after the dropped messages")

# --- name compression (RFC 1035 4.1.4) ---------------------------------------------------------
r = F.udp(P, F.raw_query("multi.example.test", qid=9))
# header 12 + question 24 + 3 x (pointer 2 + fixed 10 + address 4) = 84
is_(len(r) if r else None, 84, "3-record answer: 84 bytes, every owner compressed")
is_([r[o:o + 2] for o in (36, 52, 68)] if r and len(r) >= 84 else None, [b"\xc0\x0c"] * 3,
    "each answer owner is the pointer 0xC00C to the question name")
r = F.udp(P, F.raw_query("example.test", rdtype=15, qid=10))
# question ends at 12 + 14 + 4 = 30; owner 2 + fixed 10 -> RDATA at 42
want = struct.pack("!H", 9) + struct.pack("!H", 10) + b"\x04mail\xc0\x0c"
is_(r[40:51] if r else None, want, "MX exchange compressed: 'mail' + pointer to the question")

r = F.udp(P, F.raw_query("nx.example.test", qid=11))
# the SOA after the 21-byte question: RDATA is ns1+pointer (6), hostmaster+pointer (13), 5 x 4
rd = F.name_end(r, 33) + 8 if r else None
is_((r[rd:rd + 2], r[rd + 6] & 0xC0, r[rd + 19] & 0xC0) if r else None, (b"\x00\x27", 0xC0, 0xC0),
    "NXDOMAIN: SOA MNAME and RNAME end in compression pointers (RDLENGTH 39)")

# --- reply from the address the query went to (RFC 2181 4) --------------------------------------
P2 = free_port()
wild = F.start(["--listen", f"0.0.0.0:{P2}", "--listen", f"[::]:{P2}"], port=P2)
for addr in ("127.0.0.1", "127.0.0.2", "127.0.0.53", "::1"):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    with socket.socket(fam, socket.SOCK_DGRAM) as s:
        s.settimeout(2)
        try:
            s.sendto(F.raw_query("www.example.test", qid=0x7A7A), (addr, P2))
            data, src = s.recvfrom(4096)
            got = (src[0], src[1], F.hdr(data)[0], rcode_of(data))
        except OSError as e:
            got = str(e)
    is_(got, (addr, P2, 0x7A7A, 0), f"listening on the wildcard: reply to {addr} comes from {addr}")
d = F.dig(P2, "www.example.test", "A", addr="127.0.0.2")
is_(d.summary(), "NOERROR qr aa 1/0/1", "dig @127.0.0.2 accepts the reply (same source address)")

done_testing()
