# funclib.py -- shared by the Python functional tests in tests/func: the test zones, a
# fleetdns serving them, raw queries and dig output parsed into exact fields.
# SPDX-License-Identifier: MIT
import os
import re
import struct
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", "."), "tests", "lib"))
import fdnstest  # noqa: E402
import dns.message  # noqa: E402
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


def question(name, rdtype=1, rdclass=1):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
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


def name_end(wire, pos):
    """Offset just past the (possibly compressed) name at pos."""
    while wire[pos] != 0:
        if wire[pos] & 0xC0 == 0xC0:
            return pos + 2
        pos += 1 + wire[pos]
    return pos + 1


def records(wire):
    """Every record of a response, straight from the bytes, without a strict parser:
    a list of (section, root_owner, type, class, ttl, rdata); section 0..2 = an, ns, ar."""
    _, _, qd, an, ns, ar = hdr(wire)
    pos = 12
    for _ in range(qd):
        pos = name_end(wire, pos) + 4
    out = []
    for i in range(an + ns + ar):
        root = wire[pos] == 0
        pos = name_end(wire, pos)
        rtype, rclass, ttl, rdlen = struct.unpack("!HHIH", wire[pos:pos + 10])
        sec = 0 if i < an else 1 if i < an + ns else 2
        out.append((sec, root, rtype, rclass, ttl, wire[pos + 10:pos + 10 + rdlen]))
        pos += 10 + rdlen
    if pos != len(wire):
        raise ValueError(f"{len(wire) - pos} bytes after the last record")
    return out


def opts(wire):
    """The OPT records of a response as dicts (payload, ext_rcode, version, flags, rdata)."""
    return [{"section": sec, "root": root, "payload": rclass, "ext_rcode": ttl >> 24,
             "version": (ttl >> 16) & 0xFF, "flags": ttl & 0xFFFF, "rdata": rdata}
            for sec, root, rtype, rclass, ttl, rdata in records(wire) if rtype == 41]
