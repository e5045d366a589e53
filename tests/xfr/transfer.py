# transfer.py -- AXFR (RFC 5936) and IXFR (RFC 1995) from fleetdns with dig, kdig and crafted
# messages: ACL by address, TSIG (RFC 8945: refused without the key, BADSIG with a wrong
# secret, BADKEY with an unknown key, signed multi-message transfers), the UDP rules, the
# IXFR journal across zone changes and its AXFR fallback, NOTIFY sent to fleetdns.
# SPDX-License-Identifier: MIT
import os
import re
import shutil
import socket
import struct
import sys

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", "."), "tests", "xfr"))
import xfrlib as X  # noqa: E402
from xfrlib import ok, is_, diag  # noqa: E402

import dns.flags  # noqa: E402
import dns.message  # noqa: E402
import dns.opcode  # noqa: E402
import dns.query  # noqa: E402
import dns.rcode  # noqa: E402
import dns.rrset  # noqa: E402
import dns.tsigkeyring  # noqa: E402

for prog in ("dig", "kdig", "named-checkzone"):
    X.need(prog)

P = X.free_port()
ZONE = os.path.join(X.TMP, "example.test.zone")
shutil.copy(os.path.join(X.ZONES, "example.test.zone"), ZONE)
BIG = os.path.join(X.TMP, "big.test.zone")
with open(BIG, "w") as f:
    f.write("$TTL 60\n@ IN SOA ns hostmaster 7 60 10 3600 5\n@ IN NS ns\nns IN A 127.0.0.1\n")
    for i in range(6000):
        f.write(f'h{i} IN A 10.0.{i // 256}.{i % 256}\nh{i} IN TXT "host number {i} of the big zone"\n')

srv = X.fleetdns(f"""server:
  listen: ["127.0.0.1:{P}", "[::1]:{P}"]
  workers: 2
keys:
  - {{ name: xfr, algorithm: hmac-sha256, secret: "{X.SECRET}" }}
zones:
  - name: example.test
    file: {ZONE}
    allow-transfer: ["127.0.0.1", {{ address: 127.0.0.2/32, key: xfr }}, "::1"]
  - name: big.test
    file: {BIG}
    allow-transfer: [{{ address: 127.0.0.0/8, key: xfr }}]
  - name: closed.test
    file: {ZONE.replace("example.test.zone", "closed.test.zone")}
""".replace(ZONE.replace("example.test.zone", "closed.test.zone"),
            X.write(os.path.join(X.TMP, "closed.test.zone"),
                    "$TTL 60\n@ IN SOA ns h 1 60 10 60 5\n@ IN NS ns\nns IN A 127.0.0.1\n")),
                 wait_zone="example.test", port=P)

KEY = f"hmac-sha256:xfr:{X.SECRET}"
want = X.zone_records(ZONE, "example.test")
soa = want[0]


def axfr(*args, src="127.0.0.1", zone="example.test", tool="dig"):
    if tool == "kdig":
        res = X.subprocess.run(["kdig", f"@127.0.0.1", "-p", str(P), "-b", src, *args,
                                zone, "AXFR"], capture_output=True, text=True, timeout=60)
        return res.stdout + res.stderr
    return X.dig(f"@127.0.0.1", "-p", str(P), "-b", src, *args, zone, "AXFR")


def check_axfr(text, records, desc):
    got = X.xfr_records(text)
    ok(len(got) >= 2 and got[0] == records[0] and got[-1] == records[0],
       f"{desc}: SOA first and last", "\n".join(got[:3] + ["..."] + got[-2:]))
    is_(sorted(got[1:-1]), sorted(records[1:]), f"{desc}: every other record exactly once")


# --- AXFR and the ACL --------------------------------------------------------------------
check_axfr(axfr(), want, "dig AXFR from an allowed address")
check_axfr(axfr(tool="kdig"), want, "kdig AXFR from an allowed address")
r6 = X.dig("@::1", "-p", str(P), "example.test", "AXFR")
check_axfr(r6, want, "dig AXFR over IPv6 from ::1")

out = axfr(src="127.0.0.3")
ok("Transfer failed" in out and not X.xfr_records(out), "AXFR from 127.0.0.3 (no ACL entry) fails",
   out)
q = dns.message.make_query("example.test", "AXFR")


def tcp_rcode(msg, src="127.0.0.1", zone=None):
    try:
        r = dns.query.tcp(msg, "127.0.0.1", port=P, timeout=3, source=src)
        return dns.rcode.to_text(r.rcode()), r
    except Exception as e:
        return f"error {e}", None


rc, r = tcp_rcode(q, src="127.0.0.3")
is_((rc, len(r.answer) if r else None, bool(r and r.flags & dns.flags.AA)), ("REFUSED", 0, False),
    "AXFR from 127.0.0.3: REFUSED, no records, AA=0")
ok(X.wait_for(lambda: X.log_has(srv, r"AXFR of example\.test\. from 127\.0\.0\.3#\d+ refused: "
                                     r"no allow-transfer entry"), 3)[0],
   "the refusal is logged with the client address")
rc, _ = tcp_rcode(q, src="127.0.0.2")
is_(rc, "REFUSED", "AXFR from 127.0.0.2 without the key it needs: REFUSED")
rc, _ = tcp_rcode(dns.message.make_query("closed.test", "AXFR"))
is_(rc, "REFUSED", "AXFR of a zone with no allow-transfer: REFUSED")
rc, _ = tcp_rcode(dns.message.make_query("nowhere.test", "AXFR"))
is_(rc, "NOTAUTH", "AXFR of a zone not served: NOTAUTH (RFC 5936 2.2.1, like Knot)")
rc, _ = tcp_rcode(dns.message.make_query("www.example.test", "AXFR"))
is_(rc, "NOTAUTH", "AXFR of a name below the apex: NOTAUTH")

# --- TSIG ----------------------------------------------------------------------------------
check_axfr(axfr("-y", KEY, src="127.0.0.2"), want, "dig -y AXFR with the key from 127.0.0.2")
out = axfr("-y", KEY, src="127.0.0.2")
ok("Couldn't verify" not in out and re.search(r"^xfr\.\s+0\s+ANY\s+TSIG\s+hmac-sha256\. \d+ 300 32 "
                                              r"\S+ \d+ NOERROR 0", out, re.M),
   "the response is signed and dig verifies it", out[-600:])
check_axfr(axfr("-y", KEY, src="127.0.0.2", tool="kdig"), want, "kdig -y AXFR with the key")
keyring = dns.tsigkeyring.from_text({"xfr.": ("hmac-sha256", X.SECRET)})
# A signed AXFR whose TSIG is not the last record (an OPT after it) is malformed: FORMERR,
# not a transfer nor a TSIG error (RFC 8945 5.1).
qm = dns.message.make_query("example.test", "AXFR")
qm.flags = 0
qm.use_tsig(keyring, keyname="xfr.")
wire = bytearray(qm.to_wire())
wire[10:12] = struct.pack("!H", 2)
wire += b"\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00"
with socket.create_connection(("127.0.0.1", P), timeout=3) as s:
    s.sendall(struct.pack("!H", len(wire)) + bytes(wire))
    n = struct.unpack("!H", s.recv(2))[0]
    resp = b""
    while len(resp) < n:
        resp += s.recv(n - len(resp))
is_((resp[3] & 15, struct.unpack("!H", resp[6:8])[0]), (1, 0),
    "signed AXFR over TCP with its TSIG before an OPT: FORMERR, no records (RFC 8945 5.1)")
try:
    (n_msgs, n_rrs) = (0, 0)
    for m in dns.query.xfr("127.0.0.1", "big.test", port=P, keyring=keyring, keyname="xfr.",
                           keyalgorithm="hmac-sha256", source="127.0.0.2", timeout=10):
        n_msgs += 1
        n_rrs += sum(len(rrset) for rrset in m.answer)
    is_(n_rrs, 12004, "signed AXFR of a 12003-record zone: its records, then the SOA again "
        "(dnspython verifies every message's TSIG)")
    ok(n_msgs > 1, f"... in several messages ({n_msgs}), each signed (RFC 8945 5.3.1)")
except Exception as e:
    ok(False, "signed AXFR of the big zone", str(e))
    ok(False, "... in several messages")
out = X.dig("@127.0.0.1", "-p", str(P), "-b", "127.0.0.5", "-y", KEY, "big.test", "AXFR")
m = re.search(r"XFR size: (\d+) records \(messages (\d+)", out)
ok(m and int(m.group(1)) == 12004 and int(m.group(2)) > 1 and "Couldn't verify" not in out,
   "dig -y verifies the multi-message signed AXFR of big.test", out[-400:])
out = axfr(src="127.0.0.5", zone="big.test")
ok("Transfer failed" in out, "big.test without the key (ACL needs it): refused", out[-300:])

out = axfr("-y", f"hmac-sha256:xfr:{X.WRONG}", src="127.0.0.2")
ok("Transfer failed" in out and re.search(r"TSIG\s+hmac-sha256\. \d+ 300 0 \d+ BADSIG", out),
   "wrong secret: NOTAUTH with TSIG error BADSIG, unsigned (MAC size 0)", out)
out = axfr("-y", f"hmac-sha256:other:{X.SECRET}", src="127.0.0.2")
ok("Transfer failed" in out and re.search(r"TSIG\s+hmac-sha256\. \d+ 300 0 \d+ BADKEY", out),
   "unknown key name: NOTAUTH with TSIG error BADKEY", out)
out = axfr("-y", f"hmac-sha512:xfr:{X.SECRET}", src="127.0.0.2")
ok("Transfer failed" in out and "BADKEY" in out, "right name, wrong algorithm: BADKEY", out)
qk = dns.message.make_query("example.test", "AXFR")
qk.use_tsig(dns.tsigkeyring.from_text({"xfr.": ("hmac-sha256", X.WRONG)}), keyname="xfr.")
try:
    dns.query.tcp(qk, "127.0.0.1", port=P, timeout=3, source="127.0.0.2")
    ok(False, "dnspython sees NOTAUTH/BADSIG for a wrong secret")
except dns.tsig.PeerBadSignature:
    ok(True, "dnspython sees NOTAUTH/BADSIG for a wrong secret")
except Exception as e:
    ok(False, "dnspython sees NOTAUTH/BADSIG for a wrong secret", repr(e))
ok(X.log_has(srv, r"from 127\.0\.0\.2#\d+ refused: TSIG signature wrong \(BADSIG\)") and
   X.log_has(srv, r"from 127\.0\.0\.2#\d+ refused: TSIG key unknown \(BADKEY\)"),
   "TSIG refusals are logged with the client address")

# --- UDP -----------------------------------------------------------------------------------
r = dns.query.udp(dns.message.make_query("example.test", "AXFR"), "127.0.0.1", port=P, timeout=2)
is_((dns.rcode.to_text(r.rcode()), len(r.answer)), ("REFUSED", 0),
    "AXFR over UDP: REFUSED (TCP only, RFC 5936 4.2)")


def ixfr_query(serial, zone="example.test"):
    m = dns.message.make_query(zone, "IXFR")
    m.authority.append(dns.rrset.from_text(f"{zone}.", 0, "IN", "SOA",
                                           f"ns1.{zone}. hostmaster.{zone}. {serial} 1 1 1 1"))
    return m


r = dns.query.udp(ixfr_query(1), "127.0.0.1", port=P, timeout=2)
is_((dns.rcode.to_text(r.rcode()), [x.to_text() for x in r.answer], bool(r.flags & dns.flags.AA)),
    ("NOERROR", [f"example.test. 300 IN SOA {soa.split(' SOA ')[1]}"], True),
    "IXFR over UDP: the current SOA alone, AA=1 (RFC 1995 2: come back over TCP)")
r = dns.query.udp(ixfr_query(1), "127.0.0.1", port=P, timeout=2, source="127.0.0.3")
is_(dns.rcode.to_text(r.rcode()), "REFUSED", "IXFR over UDP from 127.0.0.3: REFUSED")
r = dns.query.udp(dns.message.make_query("example.test", "IXFR"), "127.0.0.1", port=P, timeout=2)
is_(dns.rcode.to_text(r.rcode()), "FORMERR", "IXFR without an SOA in authority: FORMERR (like Knot)")
n = dns.message.make_query("example.test", "SOA")
n.set_opcode(dns.opcode.NOTIFY)
r = dns.query.udp(n, "127.0.0.1", port=P, timeout=2)
is_((dns.opcode.to_text(r.opcode()), dns.rcode.to_text(r.rcode())), ("NOTIFY", "NOTIMP"),
    "NOTIFY sent to fleetdns (a primary only, it takes no NOTIFY): NOTIMP")

# --- IXFR journal --------------------------------------------------------------------------
def ixfr_lines(serial, *args):
    return X.xfr_records(X.dig("@127.0.0.1", "-p", str(P), *args, "example.test",
                               f"IXFR={serial}"))


is_(ixfr_lines(2), [soa], "IXFR=2 (current) over TCP: the SOA alone")
text = open(ZONE).read()
v3 = text.replace(" 2 3600 600", " 3 3600 600").replace("192.0.2.80", "192.0.2.81")
X.write(ZONE, v3)
srv.proc.send_signal(X.signal.SIGHUP)
got, t = X.wait_for(lambda: X.soa_serial(P, "example.test") == 3, 5)
ok(got, "SIGHUP with serial 3 in the file: served")
soa3 = soa.replace(" 2 3600", " 3 3600")
is_(ixfr_lines(2), [soa3, soa, "www.example.test. 300 IN A 192.0.2.80", soa3,
                    "www.example.test. 300 IN A 192.0.2.81", soa3],
    "IXFR=2: SOA 3, (SOA 2, deleted www A .80, SOA 3, added www A .81), SOA 3")
v4 = v3.replace(" 3 3600 600", " 4 3600 600").replace('"wildcard"', '"wild card"')
X.write(ZONE, v4)
srv.proc.send_signal(X.signal.SIGHUP)
got, t = X.wait_for(lambda: X.soa_serial(P, "example.test") == 4, 5)
soa4 = soa.replace(" 2 3600", " 4 3600")
is_(ixfr_lines(2), [soa4, soa, "www.example.test. 300 IN A 192.0.2.80", soa3,
                    "www.example.test. 300 IN A 192.0.2.81", soa3,
                    '*.wild.example.test. 300 IN TXT "wildcard"', soa4,
                    '*.wild.example.test. 300 IN TXT "wild card"', soa4],
    "IXFR=2 after two changes: both differences, in order")
is_(ixfr_lines(3), [soa4, soa3, '*.wild.example.test. 300 IN TXT "wildcard"', soa4,
                    '*.wild.example.test. 300 IN TXT "wild card"', soa4],
    "IXFR=3: the last difference only")
out = ixfr_lines(1, "+tcp")
want4 = X.zone_records(ZONE, "example.test")
ok(out and out[0] == soa4 and out[-1] == soa4 and sorted(out[1:-1]) == sorted(want4[1:]),
   "IXFR=1 (older than the journal): the whole zone, AXFR-style (RFC 1995 4)", "\n".join(out))
ok(X.log_has(srv, r"IXFR of example\.test\. 2 -> 4 to 127\.0\.0\.1#\d+: incremental, 2 differences")
   and X.log_has(srv, r"IXFR of example\.test\. 1 -> 4 to 127\.0\.0\.1#\d+: full zone"),
   "the log says which IXFR was incremental and which fell back to the full zone")
kd = X.subprocess.run(["kdig", "@127.0.0.1", "-p", str(P), "example.test", "IXFR=3"],
                      capture_output=True, text=True).stdout
is_(X.xfr_records(kd), [soa4, soa3, '*.wild.example.test. 300 IN TXT "wildcard"', soa4,
                        '*.wild.example.test. 300 IN TXT "wild card"', soa4],
    "kdig IXFR=3 reads the same difference")

# --- a query after a transfer on the same connection --------------------------------------
s = socket.create_connection(("127.0.0.1", P), timeout=5)
for m in (dns.message.make_query("example.test", "AXFR"), dns.message.make_query("www.example.test", "A")):
    w = m.to_wire()
    s.sendall(struct.pack("!H", len(w)) + w)
msgs = []
while True:
    m = X.fdnstest.tcp_read_msg(s)
    if m is None:
        break
    msgs.append(dns.message.from_wire(m, one_rr_per_rrset=True))
    if msgs[-1].question[0].rdtype == dns.rdatatype.A:
        break
s.close()
is_([(x.question[0].to_text(), len(x.answer)) for x in msgs],
    [("example.test. IN AXFR", len(want4) + 1), ("www.example.test. IN A", 1)],
    "AXFR then a query pipelined on one connection: the transfer, then the answer")
ok(srv.alive(), "fleetdns is still running")
X.fdnstest.done_testing()
