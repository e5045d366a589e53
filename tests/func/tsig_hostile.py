# tsig_hostile.py -- hostile TSIG records (issue 10): a TSIG record that cannot be read gets
# FORMERR and costs no memory (it used to leak ~190 bytes a packet, from anywhere, over UDP);
# the client's fudge is capped at 300 s (RFC 8945 5.2.3; BIND's cap) so an old request that
# claims a fudge of 65535 is BADTIME; a smaller fudge of the client's is still honoured.
# TSIG error responses (RFC 8945 5.2.3, 5.3.2): BADTIME is signed with the request's key (over
# the request's MAC; the request's Time Signed and Fudge, the server's time in Other Data), so
# that the client can check it; BADSIG and BADKEY stay unsigned (MAC size 0). Checked with
# dnspython and an HMAC computed here, and with real clients: kdig signing 2 hours in the past
# (faketime), dig against a fleetdns whose clock is 2 hours ahead (libfaketime preloaded: dig
# itself does not run under libfaketime), for the signed query path (a signed SOA query) and
# the transfer path (AXFR over TCP, IXFR over UDP).
# SPDX-License-Identifier: MIT
import atexit
import base64
import glob
import hashlib
import hmac
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
from unittest import mock

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", "."), "tests", "func"))
import funclib as F  # noqa: E402
from fdnstest import ok, is_, done_testing, free_port, rss_kib  # noqa: E402
import fdnstest  # noqa: E402
import dns.message  # noqa: E402
import dns.name  # noqa: E402
import dns.rcode  # noqa: E402
import dns.rdata  # noqa: E402
import dns.rdataclass  # noqa: E402
import dns.rdatatype  # noqa: E402
import dns.rrset  # noqa: E402
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


def tsig_of(wire):
    """The TSIG record of a message (the last record) as a dict, read from the bytes: start
    (its offset), rcode, and the RDATA fields; None when the message has no TSIG record."""
    if not wire or len(wire) < 12:
        return None
    recs = F.records(wire)
    if not recs or recs[-1][2] != dns.rdatatype.TSIG:
        return None
    start = 12
    for _ in range(F.hdr(wire)[2]):
        start = F.name_end(wire, start) + 4
    for _ in range(len(recs) - 1):
        start = F.name_end(wire, start)
        start += 10 + struct.unpack("!H", wire[start + 8:start + 10])[0]
    rdstart = F.name_end(wire, start) + 10
    rd = dns.rdata.from_wire(dns.rdataclass.ANY, dns.rdatatype.TSIG, wire, rdstart,
                             len(wire) - rdstart)
    return {"start": start, "rcode": wire[3] & 15, "algorithm": rd.algorithm,
            "time_signed": rd.time_signed, "fudge": rd.fudge, "mac": rd.mac,
            "original_id": rd.original_id, "error": rd.error, "other": rd.other}


def tsig_error(wire):
    """(rcode, TSIG error) of an error response."""
    t = tsig_of(wire)
    if t is None:
        return (wire[3] & 15 if wire else None, None)
    return (t["rcode"], t["error"])


def mac_ok(wire, request_mac, secret=SECRET):
    """Whether the MAC of the TSIG record of response wire is the HMAC-SHA256 that RFC 8945
    4.3 defines for a first response: the request's MAC (with its size), the message without
    the TSIG record (ARCOUNT one less, the original ID), then the TSIG variables (key name and
    algorithm in canonical form, class ANY, TTL 0, Time Signed, Fudge, Error, Other Len and
    Other Data). Computed here with hmac, not with the code under test nor dnspython's
    (which stops at the TSIG error before it checks a MAC)."""
    t = tsig_of(wire)
    if t is None or not t["mac"]:
        return False
    ar = F.hdr(wire)[5]
    data = (struct.pack("!H", len(request_mac)) + request_mac
            + struct.pack("!H", t["original_id"]) + wire[2:10] + struct.pack("!H", ar - 1)
            + wire[12:t["start"]]
            + dns.name.from_text("xfr.").to_digestable() + struct.pack("!HI", 255, 0)
            + t["algorithm"].to_digestable()
            + struct.pack("!HIH", t["time_signed"] >> 32, t["time_signed"] & 0xFFFFFFFF,
                          t["fudge"])
            + struct.pack("!HH", t["error"], len(t["other"])) + t["other"])
    want = hmac.new(base64.b64decode(secret), data, hashlib.sha256).digest()
    return hmac.compare_digest(want, t["mac"])


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

# TSIG error responses, over both paths: the signed query path (src/xfr/axfr.c
# xfr_answer_signed) and the transfer path (access_check: AXFR over TCP, IXFR over UDP).
WRONG = base64.b64encode(b"fleetdns-tsig-hostile-wrong-key-32").decode()
WRONG_KEYRING = dns.tsigkeyring.from_text({"xfr.": WRONG})
NOKEY_KEYRING = dns.tsigkeyring.from_text({"nokey.": SECRET})


def signed(rdtype, skew=0, keyring=KEYRING, keyname="xfr."):
    """(message, wire) of a request for example.test signed skew seconds ago, fudge 300."""
    q = dns.message.make_query("example.test", rdtype)
    if rdtype == "IXFR":  # the client's SOA, serial 1 (RFC 1995 3)
        q.authority.append(dns.rrset.from_text("example.test.", 0, "IN", "SOA",
                                               ". . 1 3600 600 86400 60"))
    q.use_tsig(keyring, keyname, fudge=300, algorithm=dns.tsig.HMAC_SHA256)
    with mock.patch("time.time", return_value=time.time() - skew):
        wire = q.to_wire()
    return q, wire


def tcp_ask(wire):
    with socket.create_connection(("127.0.0.1", P), timeout=3) as s:
        s.sendall(struct.pack("!H", len(wire)) + wire)
        return fdnstest.tcp_read_msg(s)


PATHS = [("signed SOA query over UDP", "SOA", lambda w: F.udp(P, w)),
         ("AXFR over TCP", "AXFR", tcp_ask),
         ("IXFR over UDP", "IXFR", lambda w: F.udp(P, w))]
for path, rdtype, ask in PATHS:
    before = int(time.time())
    q, w = signed(rdtype, skew=1000)
    r = ask(w)
    after = int(time.time())
    t, req = tsig_of(r), tsig_of(w)
    is_(tsig_error(r), (dns.rcode.NOTAUTH, dns.rcode.BADTIME),
        f"{path}, signed 1,000 s ago: NOTAUTH, TSIG error BADTIME (RFC 8945 5.2.3)")
    ok(t is not None and len(t["mac"]) == 32 and mac_ok(r, q.mac),
       f"{path}: the BADTIME response is signed with the request's key, its MAC verifies over "
       "the request's MAC (RFC 8945 5.2.3, 5.3.2 and 4.3)", r.hex() if r else r)
    ok(t is not None and (t["time_signed"], t["fudge"]) == (req["time_signed"], req["fudge"]),
       f"{path}: BADTIME carries the request's Time Signed and Fudge (RFC 8945 5.2.3)", t)
    ok(t is not None and len(t["other"]) == 6
       and before <= int.from_bytes(t["other"], "big") <= after,
       f"{path}: BADTIME Other Data is the server's time, 6 octets (RFC 8945 5.2.3)", t)
    ok(t is not None and not mac_ok(r, b"\0" * 32),
       f"{path}: ... and that MAC does not verify over another request MAC (the check can fail)")
    for what, keyring, keyname, error, name in (
            ("wrong secret", WRONG_KEYRING, "xfr.", dns.rcode.BADSIG, "BADSIG"),
            ("unknown key", NOKEY_KEYRING, "nokey.", dns.rcode.BADKEY, "BADKEY")):
        q, w = signed(rdtype, keyring=keyring, keyname=keyname)
        r = ask(w)
        t = tsig_of(r)
        ok(t is not None and tsig_error(r) == (dns.rcode.NOTAUTH, error) and t["mac"] == b""
           and t["other"] == b"",
           f"{path}, {what}: NOTAUTH, TSIG error {name}, unsigned: MAC size "
           "0, no Other Data (RFC 8945 5.3.2)", t)

# Real clients. kdig runs under faketime, signing 2 hours in the past.
FAKETIME_LIB = sorted(glob.glob("/usr/lib/*/faketime/libfaketimeMT.so.1"))
if not ok(shutil.which("faketime") and FAKETIME_LIB,
          "faketime and libfaketime are installed (scripts/install-deps.sh --test)"):
    done_testing()
    sys.exit(1)
res = subprocess.run(["faketime", "-f", "-2h", "kdig", "@127.0.0.1", "-p", str(P), "-y",
                      f"hmac-sha256:xfr:{SECRET}", "example.test", "SOA", "+norec"],
                     env=dict(os.environ, FAKETIME_DONT_FAKE_MONOTONIC="1"),
                     capture_output=True, text=True, timeout=30)
out, now = res.stdout + res.stderr, int(time.time())
m = re.search(r"TSIG\s+hmac-sha256\. (\d+) 300 32 \S+ \d+ BADTIME 6 (\d+)", out)
ok("TSIG out of time window" in out and "failed to verify" not in out and m
   and abs(int(m.group(1)) - (now - 7200)) < 30 and abs(int(m.group(2)) - now) < 30,
   "kdig signing 2 hours ago, a signed SOA query: BADTIME with a 32-octet MAC, its time "
   "signed, the server's time in Other Data, and kdig verifies the MAC ('TSIG out of time "
   "window' as from Knot; an unsigned BADTIME is 'failed to verify TSIG') (RFC 8945 5.2.3)",
   out)

# dig does not run under libfaketime (its allocator calls clock_gettime first), so here the
# server's clock is 2 hours ahead: a second fleetdns with libfaketime preloaded.
P2 = free_port()
conf2 = os.path.join(tmp, "ahead.yaml")
with open(conf) as f, open(conf2, "w") as g:
    g.write(f.read().replace(f"127.0.0.1:{P}", f"127.0.0.1:{P2}"))
saved = dict(os.environ)
os.environ.update(LD_PRELOAD=FAKETIME_LIB[0], FAKETIME="+2h", FAKETIME_DONT_FAKE_MONOTONIC="1",
                  ASAN_OPTIONS=":".join(filter(None, [os.environ.get("ASAN_OPTIONS"),
                                                      "verify_asan_link_order=0"])))
try:
    ahead = fdnstest.Server(["-c", conf2], "example.test", port=P2)
finally:
    os.environ.clear()
    os.environ.update(saved)


def dig_tsig(port, secret, *args):
    res = subprocess.run(["dig", "@127.0.0.1", "-p", str(port), "+tries=1", "+time=3", "-y",
                          f"hmac-sha256:xfr:{secret}", "example.test", *args],
                         capture_output=True, text=True, timeout=30)
    return res.stdout + res.stderr


for path, args in (("a signed SOA query", ["SOA", "+norec"]), ("AXFR over TCP", ["AXFR"]),
                   ("IXFR over UDP", ["IXFR=1", "+notcp"])):
    out, now = dig_tsig(P2, SECRET, *args), int(time.time())
    m = re.search(r"TSIG\s+hmac-sha256\. (\d+) 300 32 \S+ \d+ BADTIME 6 (\S+)", out)
    server = int.from_bytes(base64.b64decode(m.group(2)), "big") if m else 0
    ok("clocks are unsynchronized" in out and "tsig verify failure" not in out and m
       and abs(int(m.group(1)) - now) < 30 and abs(server - (now + 7200)) < 30,
       f"dig, {path} to a server 2 hours ahead: BADTIME, dig's own Time Signed, the server's "
       "time in Other Data, and dig verifies the MAC ('clocks are unsynchronized'; an "
       "unsigned BADTIME is 'tsig verify failure') (RFC 8945 5.2.3)", out)
for path, args in (("a signed SOA query", ["SOA", "+norec"]), ("AXFR over TCP", ["AXFR"])):
    out = dig_tsig(P, WRONG, *args)
    ok("tsig indicates error" in out
       and re.search(r"TSIG\s+hmac-sha256\. \d+ 300 0 \d+ BADSIG 0", out),
       f"dig, {path} with a wrong secret: BADSIG, unsigned (MAC size 0) (RFC 8945 5.3.2)", out)
ok(ahead.alive(), "the fleetdns 2 hours ahead still running")
ok(srv.alive(), "fleetdns still running")
done_testing()
