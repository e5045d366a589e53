# funclib.py -- shared by the Python functional tests in tests/func: the test zones, a
# fleetdns serving them, raw queries and dig output parsed into exact fields.
# SPDX-License-Identifier: MIT
import os
import re
import socket
import struct
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", "."), "tests", "lib"))
import fdnstest  # noqa: E402
import dns.flags  # noqa: E402
import dns.message  # noqa: E402
import dns.rcode  # noqa: E402
import dns.rdatatype  # noqa: E402

ZONES = os.path.join(os.environ.get("TOP_SRCDIR", "."), "tests", "func", "zones")
ZONE_ARGS = [
    "--zone", "example.test=" + os.path.join(ZONES, "example.test.zone"),
    "--zone", "child.example.test=" + os.path.join(ZONES, "child.example.test.zone"),
]


def start(args=(), port=None):
    """fleetdns serving example.test and child.example.test; bails if it does not start."""
    if not os.access(os.environ.get("FLEETDNS", ""), os.X_OK):
        fdnstest.bail("FLEETDNS does not name an executable")
    return fdnstest.Server(list(args) + ZONE_ARGS, "example.test", port=port)


def make(name, rdtype="A", rd=False, edns=None, payload=1232, want_dnssec=False, qid=None,
         options=None):
    """A query as dnspython builds it; edns=None sends no OPT."""
    q = dns.message.make_query(name, rdtype, use_edns=edns, payload=payload,
                               want_dnssec=want_dnssec, options=options)
    if not rd:
        q.flags &= ~dns.flags.RD
    if qid is not None:
        q.id = qid
    return q


def question(name, rdtype=1, rdclass=1):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0" + struct.pack("!HH", rdtype, rdclass)


def opt_rr(payload=1232, ext_rcode=0, version=0, flags=0, rdata=b""):
    return b"\0" + struct.pack("!HHBBHH", 41, payload, ext_rcode, version, flags,
                               len(rdata)) + rdata


def raw_query(name, rdtype=1, qid=0x1234, flags=0, opts=(), qd=1):
    """Crafted bytes: a header, qd copies of the question, then the OPT records in opts."""
    return (struct.pack("!HHHHHH", qid, flags, qd, 0, 0, len(opts)) +
            question(name, rdtype) * qd + b"".join(opts))


def udp(port, wire, timeout=2.0, addr="127.0.0.1"):
    if isinstance(wire, dns.message.Message):
        wire = wire.to_wire()
    return fdnstest.udp_exchange(port, wire, timeout=timeout, addr=addr)


def tcp(port, wire, timeout=3.0, addr="127.0.0.1"):
    if isinstance(wire, dns.message.Message):
        wire = wire.to_wire()
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    with socket.socket(fam, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect((addr, port))
        s.sendall(struct.pack("!H", len(wire)) + wire)
        return fdnstest.tcp_read_msg(s)


def parse(wire):
    """The response as a dnspython message, or None when there is none or it does not parse."""
    if wire is None:
        return None
    try:
        return dns.message.from_wire(wire)
    except Exception as e:  # reported by the caller as a failed check
        print(f"# unparsable response ({e}): {wire.hex()}")
        return None


def hdr(wire):
    """(id, flags word, qd, an, ns, ar) straight from the bytes."""
    return struct.unpack("!HHHHHH", wire[:12])


def rcode_name(m):
    return dns.rcode.to_text(m.rcode()) if m is not None else None


def flag_text(m):
    """Header flags as dig prints them, e.g. 'qr aa'."""
    if m is None:
        return None
    return " ".join(f for f, bit in (("qr", 0x8000), ("aa", 0x0400), ("tc", 0x0200),
                                      ("rd", 0x0100), ("ra", 0x0080), ("ad", 0x0020),
                                      ("cd", 0x0010)) if m.flags & bit)


def rrs(section):
    """A section as sorted 'owner ttl type rdata' lines."""
    out = []
    for rrset in section:
        for rd in rrset:
            out.append(f"{rrset.name} {rrset.ttl} {dns.rdatatype.to_text(rrset.rdtype)} "
                       f"{rd.to_text()}")
    return sorted(out)


class Dig:
    """dig's text output, parsed: status, flags, counts, sections, EDNS line, size."""

    def __init__(self, text):
        self.text = text
        m = re.search(r"status: (\w+), id: (\d+)", text)
        self.status = m.group(1) if m else None
        m = re.search(r";; flags:([a-z ]*);", text)
        self.flags = m.group(1).strip() if m else None
        m = re.search(r"QUERY: (\d+), ANSWER: (\d+), AUTHORITY: (\d+), ADDITIONAL: (\d+)", text)
        self.counts = tuple(int(x) for x in m.groups()) if m else None
        m = re.search(r"^; EDNS: (.*)$", text, re.M)
        self.edns = m.group(1) if m else None
        m = re.search(r"MSG SIZE\s+rcvd: (\d+)", text)
        self.size = int(m.group(1)) if m else None
        self.sections = {}
        cur = None
        for line in text.splitlines():
            m = re.match(r";; (\w+) SECTION:", line)
            if m:
                cur = m.group(1)
                self.sections[cur] = []
            elif not line.strip():
                cur = None
            elif cur and cur != "QUESTION":
                self.sections[cur].append(" ".join(line.split()))

    def section(self, name):
        return sorted(self.sections.get(name, []))

    def summary(self):
        """'STATUS flags an/ns/ar' in one string, to compare in one check."""
        if self.counts is None:
            return f"no answer: {self.text.strip().splitlines()[-1:]}"
        return f"{self.status} {self.flags} {self.counts[1]}/{self.counts[2]}/{self.counts[3]}"


def dig(port, *args, addr="127.0.0.1"):
    res = subprocess.run(["dig", f"@{addr}", "-p", str(port), "+norec", "+time=2", "+tries=1",
                          *args], capture_output=True, text=True, timeout=30)
    return Dig(res.stdout)
