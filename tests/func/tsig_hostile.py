# tsig_hostile.py -- hostile TSIG records (issue 10): a TSIG record that cannot be read gets
# FORMERR and costs no memory (it used to leak ~190 bytes a packet, from anywhere, over UDP);
# the client's fudge is capped at 300 s (RFC 8945 5.2.3; BIND's cap) so an old request that
# claims a fudge of 65535 is BADTIME; a smaller fudge of the client's is still honoured.
# SPDX-License-Identifier: MIT
import atexit
import base64
import os
import shutil
import struct
import sys
import tempfile
import time
from unittest import mock

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", "."), "tests", "func"))
import funclib as F  # noqa: E402
from fdnstest import ok, is_, done_testing, free_port, rss_kib  # noqa: E402
import fdnstest  # noqa: E402
import dns.message  # noqa: E402
import dns.rcode  # noqa: E402
import dns.tsig  # noqa: E402
import dns.tsigkeyring  # noqa: E402

SECRET = base64.b64encode(b"fleetdns-tsig-hostile-test-key-32").decode()
P = free_port()
tmp = tempfile.mkdtemp(prefix="fdnstest.")
atexit.register(shutil.rmtree, tmp, True)
conf = os.path.join(tmp, "fleetdns.yaml")
with open(conf, "w") as f:
    f.write(f"""server:
  listen: ["127.0.0.1:{P}"]
  workers: 1
keys:
  - {{ name: xfr, algorithm: hmac-sha256, secret: "{SECRET}" }}
zones:
  - name: example.test
    file: "{os.path.join(F.ZONES, 'example.test.zone')}"
    allow-transfer: [{{ address: 127.0.0.1, key: xfr }}]
""")
srv = fdnstest.Server(["-c", conf], "example.test", port=P)
KEYRING = dns.tsigkeyring.from_text({"xfr.": SECRET})


def malformed_tsig_query(qid):
    """www.example.test A with a TSIG record holding 2 of its 7 rdata fields (algorithm and
    time signed): ldns reads it, and the error path used to leak the fields it added."""
    rdata = F.question("hmac-sha256.")[:-4] + b"\x00\x00" + struct.pack("!I", int(time.time()))
    tsig = F.question("xfr.")[:-4] + struct.pack("!HHIH", 250, 255, 0, len(rdata)) + rdata
    return (struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 1) + F.question("www.example.test") + tsig)


# RFC 8945 5.2: a TSIG record that cannot be interpreted makes the message corrupt: FORMERR,
# and no TSIG record in the response.
r = F.parse(F.udp(P, malformed_tsig_query(7)))
ok(r is not None and r.rcode() == dns.rcode.FORMERR and r.id == 7 and not r.had_tsig,
   "malformed TSIG over UDP: FORMERR without TSIG (RFC 8945 5.2)", r)


def flood(count):
    """count malformed packets from one socket, 64 at a time, each burst's answers read."""
    import socket
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.5)
    answered = 0
    for i in range(0, count, 64):
        for j in range(64):
            s.sendto(malformed_tsig_query((i + j) & 0xFFFF), ("127.0.0.1", P))
        for j in range(64):
            try:
                s.recv(512)
                answered += 1
            except OSError:
                break
    s.close()
    return answered


# Warm up (arenas, socket buffers), then 100,000 packets: the leak cost 190 bytes each, so
# 19 MB; allocator noise is well under 4 MB.
flood(10000)
before = rss_kib(srv.proc.pid)
answered = flood(100000)
after = rss_kib(srv.proc.pid)
ok(answered >= 90000, f"100,000 malformed TSIG queries: {answered} answered")
ok(0 <= after - before < 4096, f"RSS grew by {after - before} KiB over 100,000 malformed TSIG "
   f"queries (was {before} KiB; the leak made it ~19,000)")


def signed_soa(skew, fudge):
    q = dns.message.make_query("example.test", "SOA")
    q.use_tsig(KEYRING, "xfr.", fudge=fudge, algorithm=dns.tsig.HMAC_SHA256)
    with mock.patch("time.time", return_value=time.time() - skew):
        wire = q.to_wire()
    return q, F.udp(P, wire)


def tsig_error(wire):
    """(rcode, TSIG error) of an unsigned error response, read from its bytes: the TSIG
    record is the last one, and ends with ERROR (2 bytes) and an empty OTHER DATA."""
    if not wire or len(wire) < 16 or struct.unpack("!H", wire[10:12])[0] != 1:
        return (wire[3] & 15 if wire else None, None)
    if wire[-2:] != b"\0\0":
        return (wire[3] & 15, "other data not empty")
    return (wire[3] & 15, struct.unpack("!H", wire[-4:-2])[0])


q, w = signed_soa(0, 300)
r = dns.message.from_wire(w, keyring=KEYRING, request_mac=q.mac) if w else None
ok(r is not None and r.rcode() == 0 and len(r.answer) == 1,
   "a request signed now with fudge 300: answered and signed")
q, w = signed_soa(1000, 65535)
is_(tsig_error(w), (dns.rcode.NOTAUTH, dns.rcode.BADTIME),
    "signed 1,000 s ago with fudge 65535: BADTIME (the fudge is capped at 300 s)")
q, w = signed_soa(20000, 65535)
is_(tsig_error(w), (dns.rcode.NOTAUTH, dns.rcode.BADTIME),
    "signed 20,000 s ago with fudge 65535: BADTIME")
q, w = signed_soa(250, 65535)
r = dns.message.from_wire(w, keyring=KEYRING, request_mac=q.mac) if w else None
ok(r is not None and r.rcode() == 0, "signed 250 s ago with fudge 65535: within the cap, answered")
q, w = signed_soa(200, 100)
is_(tsig_error(w), (dns.rcode.NOTAUTH, dns.rcode.BADTIME),
    "signed 200 s ago with the client's own fudge of 100: BADTIME (a smaller fudge is kept)")
ok(srv.alive(), "fleetdns still running")
done_testing()
