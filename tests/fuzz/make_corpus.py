#!/usr/bin/python3
# make_corpus.py [NAME...] -- writes the seed corpora of the harnesses of tests/fuzz (all of
# them, or those named) into tests/fuzz/corpus/NAME. Run from anywhere; the files are
# committed. It only writes its own files: inputs added by hand (minimised findings) stay.
#   query   valid queries of many types (names from fuzz_query.c's zones), EDNS variants, and
#           every malformed kind of docs/conformance.md
#   tcp     TCP streams for fuzz_tcp.c: AXFR and IXFR requests, unsigned and signed with TSIG
#           at TCP_NOW (the harness's clock), every refusal, broken TSIG records, NOTIFY,
#           pipelines, cut prefixes
#   docker  Docker Engine bodies for fuzz_docker.c, from the captures in tests/unit/data
#           (pruned to what the parsers read), and event streams cut in several ways
#   conf    configuration files: every section and key of docs/configuration.md, and errors
#   zone    zone files for the origin example.test: every record type served, directives,
#           the syntax of RFC 1035 5.1, and what the loader and its checks refuse
# SPDX-License-Identifier: MIT
import base64
import hashlib
import hmac
import json
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import fdnstest  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
UNIT_DATA = os.path.join(HERE, "..", "unit", "data")

A, NS, CNAME, SOA, PTR, MX, TXT, AAAA, SRV, OPT, DS, AXFR, ANY = (
    1, 2, 5, 6, 12, 15, 16, 28, 33, 41, 43, 252, 255)
IXFR, TSIG = 251, 250

name = fdnstest.wire_name
header = fdnstest.wire_header
question = fdnstest.wire_question


def opt(udp=1232, ext_rcode=0, version=0, flags=0, rdata=b"", owner=b"\0"):
    return owner + struct.pack("!HHBBHH", OPT, udp, ext_rcode, version, flags, len(rdata)) + rdata


def ecs(family, source, addr, scope=0):
    """An EDNS Client Subnet option (RFC 7871 6)."""
    return struct.pack("!HHHBB", 8, 4 + len(addr), family, source, scope) + addr


def query(qname, qtype=A, edns=None, do=False, qid=0x1234):
    if edns is None:
        return header(qid) + question(qname, qtype)
    return header(qid, ar=1) + question(qname, qtype) + opt(edns, flags=0x8000 if do else 0)


def rr(owner, rtype, rdata, ttl=0, rclass=1):
    return owner + struct.pack("!HHIH", rtype, rclass, ttl, len(rdata)) + rdata


def long_name(total):
    """A name of exactly total bytes in wire format (labels of 63 and a last one)."""
    labels, left = [], total - 1
    while left > 0:
        n = min(63, left - 1)
        labels.append("x" * n)
        left -= n + 1
    return ".".join(labels)


Z = "example.test"


def loop_self():
    """An additional record whose owner is a pointer to itself, then an OPT."""
    head = header(ar=2) + question("www." + Z)
    return head + rr(struct.pack("!H", 0xC000 | len(head)), A, b"\1\2\3\4") + opt()


def loop_pair():
    """Two additional records whose owners point at each other."""
    head = header(ar=2) + question("www." + Z)
    first = len(head)
    second = first + len(rr(b"\1a\0\0", A, b"\1\2\3\4"))
    return (head + rr(b"\1a" + struct.pack("!H", 0xC000 | second), A, b"\1\2\3\4")
            + rr(b"\1b" + struct.pack("!H", 0xC000 | first), A, b"\1\2\3\4"))


query_cases = {
    # Valid queries, covering every kind of compiled answer.
    "valid-a": query("www." + Z),
    "valid-a-mixed-case": query("WwW.ExAmPlE.tEsT"),
    "valid-aaaa": query("www." + Z, AAAA),
    "valid-any": query("www." + Z, ANY),
    "valid-soa-apex": query(Z, SOA),
    "valid-ns-apex": query(Z, NS),
    "valid-mx-apex": query(Z, MX),
    "valid-nodata": query("www." + Z, MX),
    "valid-nxdomain": query("nothere." + Z),
    "valid-empty-nonterminal": query("b.c.ent." + Z),
    "valid-cname": query("alias." + Z),
    "valid-cname-query": query("alias." + Z, CNAME),
    "valid-cname-chain": query("chain." + Z, AAAA),
    "valid-cname-loop": query("loop1." + Z),
    "valid-cname-dangling": query("dangling." + Z),
    "valid-cname-to-wildcard": query("towild." + Z),
    "valid-cname-to-delegation": query("todeleg." + Z),
    "valid-cname-away": query("away." + Z),
    "valid-wildcard": query("Foo.wild." + Z),
    "valid-wildcard-deep-mx": query("a.b.c.wild." + Z, MX, edns=4096),
    "valid-wildcard-cname": query("x.cnw." + Z),
    "valid-wildcard-child-zone": query("x.child." + Z, TXT),
    "valid-wildcard-long-name": query(long_name(255 - len(name("wild." + Z)) + 1) + ".wild." + Z,
                                      MX, edns=1232),
    "valid-referral": query("host.deleg." + Z),
    "valid-referral-wide-tc": query("x.wide." + Z),
    "valid-ds-at-cut": query("deleg." + Z, DS),
    "valid-ds-child-apex": query("child." + Z, DS),
    "valid-big-txt-tc": query("big." + Z, TXT),
    "valid-big-txt-edns": query("big." + Z, TXT, edns=4096, do=True),
    "valid-srv": query("srv." + Z, SRV),
    "valid-ptr": query("ptr." + Z, PTR),
    "valid-unknown-type": query("unk." + Z, 65000),
    "valid-refused-outside": query("www.elsewhere.test"),
    "valid-refused-root": query("."),
    "valid-refused-class-ch": header() + question("www." + Z, TXT, 3),
    "valid-refused-axfr": query(Z, AXFR),
    # EDNS.
    "edns-do": query("www." + Z, edns=1232, do=True),
    "edns-size-512": query("big." + Z, TXT, edns=512),
    "edns-size-100": query("www." + Z, edns=100),
    "edns-version-1": header(ar=1) + question("www." + Z) + opt(version=1),
    "edns-cookie-nsid": header(ar=1) + question("www." + Z)
    + opt(rdata=struct.pack("!HH", 10, 8) + b"\1" * 8 + struct.pack("!HH", 3, 0)),
    "edns-unknown-flags": header(ar=1) + question("www." + Z) + opt(flags=0x7FFF),
    # EDNS Client Subnet (RFC 7871): www answers per site in fuzz_query.c's snapshot.
    "edns-ecs-v4-24": header(ar=1) + question("www." + Z) + opt(rdata=ecs(1, 24, b"\x0a\x01\x09")),
    "edns-ecs-v6-56": header(ar=1) + question("www." + Z, AAAA)
    + opt(rdata=ecs(2, 56, bytes.fromhex("20010db8000100"))),
    "edns-ecs-source-0": header(ar=1) + question("www." + Z) + opt(rdata=ecs(1, 0, b"")),
    "edns-ecs-with-cookie": header(ar=1) + question("www." + Z)
    + opt(rdata=ecs(1, 16, b"\x0a\x01") + struct.pack("!HH", 10, 8) + b"\2" * 8),
    "formerr-ecs-family-3": header(ar=1) + question("www." + Z) + opt(rdata=ecs(3, 8, b"\x0a")),
    "formerr-ecs-source-33": header(ar=1) + question("www." + Z)
    + opt(rdata=ecs(1, 33, b"\x0a\x01\x02\x03\x00")),
    "formerr-ecs-extra-octet": header(ar=1) + question("www." + Z)
    + opt(rdata=ecs(1, 16, b"\x0a\x01\x00")),
    "formerr-ecs-bits-past-prefix": header(ar=1) + question("www." + Z)
    + opt(rdata=ecs(1, 23, b"\x0a\x01\x03")),
    "formerr-ecs-short": header(ar=1) + question("www." + Z)
    + opt(rdata=struct.pack("!HHH", 8, 2, 1)),
    "edns-after-other-record": header(ar=2) + question("www." + Z)
    + rr(b"\xc0\x0c", A, b"\x7f\0\0\1") + opt(),
    # Compression loops in the additional section: the reader never follows pointers there.
    "loop-additional-self": loop_self(),
    "loop-additional-pair": loop_pair(),
    # Malformed: dropped.
    "drop-empty": b"",
    "drop-short-header": header()[:11],
    "drop-qr-set": header(flags=0x8100) + question("www." + Z),
    # Malformed: FORMERR.
    "formerr-header-only": header(),
    "formerr-truncated-question": header() + name("www." + Z)[:6],
    "formerr-no-qtype": header() + name("www." + Z) + b"\0",
    "formerr-label-64": query("y" * 64 + "." + Z),
    "formerr-label-type-0x40": header() + b"\x41" + b"a" * 1 + b"\0" + b"\0\1\0\1",
    "formerr-label-type-0x80": header() + b"\x80\0\0\1\0\1",
    "formerr-pointer-in-question": header() + b"\3www\xc0\x0c\0\1\0\1",
    "formerr-name-256": header() + b"\1z" * 127 + b"\1z\0" + b"\0\1\0\1",
    "formerr-qdcount-0": header(qd=0, ar=1) + opt(),
    "formerr-qdcount-2": header(qd=2, ar=1) + question("www." + Z) + question(Z) + opt(),
    "formerr-qdcount-65535": header(qd=65535) + question("www." + Z),
    "formerr-opt-twice": header(ar=2) + question("www." + Z) + opt() + opt(),
    "formerr-opt-in-answer": header(an=1) + question("www." + Z) + opt(),
    "formerr-opt-in-authority": header(ns=1) + question("www." + Z) + opt(),
    "formerr-opt-owner-not-root": header(ar=1) + question("www." + Z) + opt(owner=name(Z)),
    "formerr-opt-option-overflow": header(ar=1) + question("www." + Z)
    + opt(rdata=struct.pack("!HH", 10, 200) + b"\1" * 8),
    "formerr-opt-option-cut": header(ar=1) + question("www." + Z) + opt(rdata=b"\0\x0a\0"),
    "formerr-rdlen-past-end": header(ar=1) + question("www." + Z) + rr(b"\0", A, b"\1\2\3\4")[:-1],
    "formerr-rr-header-cut": header(ar=1) + question("www." + Z) + b"\0\0\1\0\1",
    "formerr-trailing-garbage": query("www." + Z) + b"garbage",
    "formerr-counts-65535": header(an=65535, ns=65535, ar=65535) + question("www." + Z),
    "formerr-counts-65535": header(an=65535, ns=65535, ar=65535) + question("www." + Z),
    # Malformed or unimplemented: NOTIMP.
    "notimp-opcode-15": header(flags=0x7900) + question("www." + Z),
    "notimp-opcode-notify": header(flags=0x2000) + question(Z, SOA),
    "notimp-opcode-15-broken": header(flags=0x7800) + b"\7exam",
}




# ---- tcp: what one client sends on one connection (fuzz_tcp.c) ----

TCP_NOW = 1700000000  # fuzz_tcp.c's FUZZ_TCP_NOW: the harness's clock stands still there
TCP_KEYS = {  # fuzz_tcp.c's keys: name -> algorithm, digest, secret
    "xfr-sha256": ("hmac-sha256", hashlib.sha256,
                   "ZmxlZXRkbnMtZnV6ei10Y3Atc2hhMjU2LWtleS0zMmI="),
    "xfr-sha512": ("hmac-sha512", hashlib.sha512,
                   "ZmxlZXRkbnMtZnV6ei10Y3Atc2hhNTEyLWtleS1vZi1zaXh0eS1mb3VyLWJ5dGVzLTAxMjM0NTY3"
                   "ODlhYmNkZQ=="),
}


def time48(t):
    return struct.pack("!HI", t >> 32, t & 0xFFFFFFFF)


def signed(msg, key="xfr-sha256", when=TCP_NOW, fudge=300, key_name=None, alg=None,
           bad_mac=False):
    """msg with a TSIG record appended (RFC 8945 4.3.3: the MAC covers the message as it was,
    then the key name, class ANY, TTL 0, the algorithm, time signed, fudge, error and other
    data). key_name or alg sign under another name than the key's (BADKEY)."""
    algorithm, digest, secret = TCP_KEYS[key]
    kname, aname = name(key_name or key), name(alg or algorithm)
    variables = (kname + struct.pack("!HI", 255, 0) + aname + time48(when)
                 + struct.pack("!HHH", fudge, 0, 0))
    mac = hmac.new(base64.b64decode(secret), msg + variables, digest).digest()
    if bad_mac:
        mac = bytes([mac[0] ^ 1]) + mac[1:]
    rdata = (aname + time48(when) + struct.pack("!HH", fudge, len(mac)) + mac + msg[:2]
             + struct.pack("!HH", 0, 0))
    return with_additional(msg, rr(kname, TSIG, rdata, 0, 255))


def with_additional(msg, record):
    ar = struct.unpack("!H", msg[10:12])[0]
    return msg[:10] + struct.pack("!H", ar + 1) + msg[12:] + record


def soa(zone, serial):
    rdata = (name("ns." + zone) + name("hostmaster." + zone)
             + struct.pack("!IIIII", serial, 3600, 600, 86400, 60))
    return rr(name(zone), SOA, rdata, 300)


def xfr(zone, qtype=AXFR, serial=None, qid=0x2b00):
    """An AXFR, or an IXFR from serial (its SOA in the authority section)."""
    if serial is None:
        return header(qid, flags=0) + question(zone, qtype)
    return header(qid, flags=0, ns=1) + question(zone, qtype) + soa(zone, serial)


def frame(*msgs):
    """Messages as sent over TCP: each after its length in two bytes (RFC 1035 4.2.2)."""
    return b"".join(struct.pack("!H", len(m)) + m for m in msgs)


def tsig_fields(msg, rdata, owner="xfr-sha256"):
    """msg with a TSIG record whose rdata is given as is (fields missing or cut)."""
    return with_additional(msg, rr(name(owner), TSIG, rdata, 0, 255))


def notify(zone, serial, qid=0x4e00):
    """NOTIFY (RFC 1996): opcode 4, AA, the SOA question, the new SOA as a hint."""
    return header(qid, flags=0x2400, an=1) + question(zone, SOA) + soa(zone, serial)


S, O, C = "signed.test", "open.test", "closed.test"
SOA_Q = header(0x5300, flags=0) + question(S, SOA)
TWO_FIELDS = name("hmac-sha256") + time48(TCP_NOW)  # algorithm and time signed only

tcp_cases = {
    # Transfers that are allowed.
    "axfr-open": frame(xfr(O)),
    "axfr-signed-sha256": frame(signed(xfr(S))),
    "axfr-open-signed-sha512": frame(signed(xfr(O), "xfr-sha512")),
    "axfr-signed-edns": frame(signed(xfr(S)[:10] + b"\0\1" + xfr(S)[12:] + opt())),
    "ixfr-signed-from-1": frame(signed(xfr(S, IXFR, 1))),
    "ixfr-signed-from-2": frame(signed(xfr(S, IXFR, 2))),
    "ixfr-signed-up-to-date": frame(signed(xfr(S, IXFR, 3))),
    "ixfr-signed-from-0-full": frame(signed(xfr(S, IXFR, 0))),
    "ixfr-open-from-10-larger": frame(xfr(O, IXFR, 10)),
    "ixfr-open-from-11": frame(xfr(O, IXFR, 11)),
    "ixfr-open-newer-serial": frame(xfr(O, IXFR, 4000000000)),
    # Refused: NOTAUTH, REFUSED, FORMERR.
    "refused-axfr-signed-zone-unsigned": frame(xfr(S)),
    "refused-axfr-closed": frame(xfr(C)),
    "refused-axfr-unknown-zone": frame(xfr("other.test")),
    "refused-axfr-class-ch": frame(header(0x2b01, flags=0) + question(O, AXFR, 3)),
    "refused-axfr-wrong-key-for-address": frame(signed(xfr(S), "xfr-sha512")),
    "refused-ixfr-no-soa": frame(header(0x2b02, flags=0) + question(O, IXFR)),
    "refused-ixfr-soa-cut": frame(header(0x2b03, flags=0, ns=1) + question(O, IXFR)
                                  + soa(O, 10)[:-7]),
    "tsig-badsig": frame(signed(xfr(S), bad_mac=True)),
    "tsig-badkey-name": frame(signed(xfr(S), key_name="nokey")),
    "tsig-badkey-algorithm": frame(signed(xfr(S), alg="hmac-sha512")),
    "tsig-badtime": frame(signed(xfr(S), when=TCP_NOW - 1000)),
    "tsig-badtime-fudge-65535": frame(signed(xfr(S), when=TCP_NOW - 1000, fudge=65535)),
    "tsig-mac-cut": frame(signed(xfr(S))[:-20]),
    # TSIG records that cannot be read (RFC 8945 5.2: FORMERR). The first one leaked the
    # fields ldns had read (tests/func/tsig_hostile.py).
    "tsig-2-of-7-fields-axfr": frame(tsig_fields(xfr(S), TWO_FIELDS)),
    "tsig-2-of-7-fields-query": frame(tsig_fields(SOA_Q, TWO_FIELDS)),
    "tsig-algorithm-only": frame(tsig_fields(xfr(O), name("hmac-sha256"))),
    "tsig-empty-rdata": frame(tsig_fields(SOA_Q, b"")),
    "tsig-mac-size-past-end": frame(tsig_fields(xfr(S), name("hmac-sha256") + time48(TCP_NOW)
                                                + struct.pack("!HH", 300, 200) + b"\1" * 8)),
    "tsig-not-last": frame(with_additional(signed(SOA_Q), opt())),
    "tsig-twice": frame(with_additional(signed(SOA_Q), signed(SOA_Q)[len(SOA_Q):])),
    # Signed queries (a secondary's SOA check) and NOTIFY.
    "query-soa-signed": frame(signed(SOA_Q)),
    "query-soa-signed-open-sha512": frame(signed(header(0x5301, flags=0)
                                                 + question(O, SOA), "xfr-sha512")),
    "query-soa-signed-badsig": frame(signed(SOA_Q, bad_mac=True)),
    "query-soa-signed-outside": frame(signed(header(0x5302, flags=0)
                                             + question("other.test", SOA))),
    "query-ixfr-signed-as-query": frame(signed(header(0x5303, flags=0, qd=1)
                                               + question(S, IXFR)[:-4] + b"\0\x06\0\1")),
    "query-soa-unsigned": frame(SOA_Q),
    "query-www-open": frame(header(0x5304) + question("www.signed.test", A)),
    "query-www-ecs-cookie-nsid": frame(header(0x5306, ar=1) + question("www.signed.test", A)
                                       + opt(rdata=ecs(1, 24, b"\x0a\x01\x09")
                                             + struct.pack("!HH", 10, 8) + b"\3" * 8
                                             + struct.pack("!HH", 3, 0))),
    "notify-unsigned": frame(notify(O, 12)),
    "notify-signed": frame(signed(notify(S, 3))),
    # Pipelines: several messages in one stream, answered in order.
    "pipeline-soa-axfr-query": frame(SOA_Q, xfr(O), header(0x5305) + question("ns." + O, A)),
    "pipeline-signed-ixfr-then-axfr": frame(signed(xfr(S, IXFR, 2)), signed(xfr(S)),
                                            signed(SOA_Q)),
    "pipeline-refused-then-allowed": frame(xfr(C), xfr(S), xfr(O, IXFR, 11), notify(O, 12)),
    # Cut streams: a length without its message, or part of a length.
    "cut-empty": b"",
    "cut-one-byte": b"\x00",
    "cut-zero-length": frame(b""),
    "cut-message": frame(xfr(O))[:-5],
    "cut-after-query": frame(SOA_Q) + b"\x01\x00" + SOA_Q,
    "cut-short-messages": frame(b"\x12", b"\x12\x34\x01", header()[:11]),
    "cut-axfr-name": frame(header(0x2b04, flags=0) + name(O)[:5]),
    "axfr-compressed-question": frame(header(0x2b05, flags=0) + b"\4open\xc0\x0c\0\xfc\0\1"),
    "axfr-two-questions": frame(header(0x2b06, flags=0, qd=2) + question(O, AXFR)
                                + question(S, AXFR)),
    "axfr-response-bit": frame(header(0x2b07, flags=0x8000) + question(O, AXFR)),
}


# ---- docker: Docker Engine bodies (fuzz_docker.c) ----

VERSION, LISTING, INSPECT, EVENTS = 0, 1, 2, 3


def unit_data(fname):
    with open(os.path.join(UNIT_DATA, fname), "rb") as f:
        return f.read()


def compact(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


def pick(obj, keys):
    return {k: obj[k] for k in keys if k in obj}


def pruned_inspect(fname):
    """A captured inspect reply with only what the parser reads (and a few neighbours)."""
    c = json.loads(unit_data(fname))
    state = pick(c["State"], ["Status", "Running", "Paused", "Restarting", "Pid", "ExitCode"])
    if "Health" in c["State"]:
        state["Health"] = pick(c["State"]["Health"], ["Status", "FailingStreak"])
    nets = {}
    for n, v in c["NetworkSettings"].get("Networks", {}).items():
        nets[n] = pick(v, ["IPAMConfig", "Aliases", "Gateway", "IPAddress", "IPPrefixLen",
                           "GlobalIPv6Address", "MacAddress"])
    out = pick(c, ["Id", "Created", "Name", "RestartCount"])
    out["State"] = state
    out["Config"] = pick(c["Config"], ["Hostname", "Image", "Labels", "ExposedPorts"])
    out["NetworkSettings"] = {"Ports": c["NetworkSettings"].get("Ports"), "Networks": nets}
    return compact(out)


def pruned_list(fname, n=3):
    items = json.loads(unit_data(fname))[:n]
    keys = ["Id", "Names", "Image", "Labels", "State", "Status", "Ports", "NetworkSettings"]
    return compact([pick(i, keys) for i in items])


def event_lines(fname, limit=2400):
    """Whole events from the start of a captured stream, up to limit bytes."""
    out = b""
    for line in unit_data(fname).splitlines(keepends=True):
        if out and len(out) + len(line) > limit:
            break
        out += line
    return out


ID1 = "3662f78b730aabc1a18f5f10ac3f8768e4157c73ea8a07a49034e64e7f9b8124"
ID2 = "a4e2f0528fd711397f33be1cfd1f397fb0d390b5d23c77a16ad8de9e05b76814"


def inspect_with(**changes):
    c = {"Id": ID2, "Name": "/web-1", "State": {"Running": True, "Paused": False,
                                               "Health": {"Status": "healthy"}},
         "Config": {"Labels": {"fleetdns.service": "web"}},
         "NetworkSettings": {"Ports": {"8080/tcp": [{"HostIp": "0.0.0.0", "HostPort": "80"}]},
                             "Networks": {"bridge": {"IPAddress": "172.17.0.2",
                                                     "GlobalIPv6Address": ""}}}}
    for path, value in changes.items():
        keys, o = path.split("__"), c
        for k in keys[:-1]:
            o = o.setdefault(k, {})
        if value is None:
            o.pop(keys[-1], None)
        else:
            o[keys[-1]] = value
    return compact(c)


def ev(action, cid=ID1, typ="container"):
    return compact({"status": action, "id": cid, "Type": typ, "Action": action,
                    "Actor": {"ID": cid, "Attributes": {"name": "web-1"}},
                    "time": 1795712093})


def docker_cases():
    b = bytes
    stream = event_lines("engine_events.txt")
    h7 = event_lines("engine_events_h7.txt")
    cases = {
        "version-docker-20.10": b([VERSION]) + unit_data("engine_version.json"),
        "version-minimal": b([VERSION]) + b'{"ApiVersion":"1.41"}',
        "version-old-no-min": b([VERSION]) + b'{"Version":"1.9.1","ApiVersion":"1.21"}',
        "version-bad-api": b([VERSION]) + b'{"ApiVersion":"v1.41"}',
        "version-number-api": b([VERSION]) + b'{"ApiVersion":1.41}',
        "version-version-not-string": b([VERSION]) + b'{"ApiVersion":"1.41","Version":5}',
        "version-truncated": b([VERSION]) + unit_data("engine_version.json")[:400],
        "version-trailing-garbage": b([VERSION]) + b'{"ApiVersion":"1.41"} x',
        "version-array": b([VERSION]) + b'[{"ApiVersion":"1.41"}]',
        "version-whitespace-only": b([VERSION]) + b" \r\n\t",
        "version-escapes": b([VERSION]) + b'{"ApiVersion":"1.4\\u0031","Version":"\\u00e9\\ud83d\\ude00"}',
        "list-one": b([LISTING]) + unit_data("engine_list.json"),
        "list-h7": b([LISTING]) + pruned_list("engine_list_h7.json"),
        "list-empty": b([LISTING]) + b"[]",
        "list-bad-id": b([LISTING]) + b'[{"Id":"3662f78b730a"}]',
        "list-no-summary": b([LISTING]) + compact([{"Id": ID1}, {"Id": ID2, "Names": []}]),
        "list-starting": b([LISTING]) + compact([{
            "Id": ID1, "Names": ["/a"], "State": "paused", "Status": "Up (health: starting)",
            "NetworkSettings": {"Networks": {"n%d" % i: {"IPAddress": "10.0.0.%d" % i}
                                             for i in range(17)}}}]),
        "list-object": b([LISTING]) + b'{"Id":"x"}',
        "inspect-running": b([INSPECT]) + pruned_inspect("engine_inspect_running.json"),
        "inspect-web1": b([INSPECT]) + pruned_inspect("engine_inspect_web1.json"),
        "inspect-expose": b([INSPECT]) + pruned_inspect("engine_inspect_expose.json"),
        "inspect-nohc": b([INSPECT]) + pruned_inspect("engine_inspect_nohc.json"),
        "inspect-stopped": b([INSPECT]) + pruned_inspect("engine_inspect_stopped.json"),
        "inspect-label-not-string": b([INSPECT]) + inspect_with(Config__Labels={"a": 1}),
        "inspect-ports-odd": b([INSPECT]) + inspect_with(NetworkSettings__Ports={
            "53/udp": None, "9/sctp": [], "0/tcp": [], "70000/tcp": [],
            "8443": [{"HostIp": "::", "HostPort": "x"}, {"HostPort": "70000"}, {}]}),
        "inspect-networks-null": b([INSPECT]) + inspect_with(NetworkSettings__Networks=None),
        "inspect-network-not-object": b([INSPECT])
        + inspect_with(NetworkSettings__Networks={"bridge": 5}),
        "inspect-paused-not-bool": b([INSPECT]) + inspect_with(State__Paused="yes"),
        "inspect-no-running": b([INSPECT]) + inspect_with(State__Running=None),
        "inspect-health-unknown": b([INSPECT])
        + inspect_with(State__Health={"Status": "weird"}, Name="no-slash"),
        "inspect-id-upper": b([INSPECT]) + inspect_with(Id=ID2.upper()),
        "events-whole": b([EVENTS, 0]) + stream,
        "events-bytes-1-2": b([EVENTS, 1]) + stream,
        "events-cut-7": b([EVENTS, 7]) + stream,
        "events-cut-63": b([EVENTS, 63]) + stream,
        "events-h7-cut-17": b([EVENTS, 17]) + h7,
        "events-health": b([EVENTS, 5]) + ev("health_status: healthy") + b"\n"
        + ev("exec_start: sh") + b"\n" + ev("connect", typ="network"),
        "events-old-api": b([EVENTS, 3]) + b'{"status":"start","id":"x"}\r\n\r\n'
        b'{"status":"die","id":"y"}\r\n',
        "events-garbage-after": b([EVENTS, 9]) + ev("start") + b"\nnot json\n" + ev("die"),
        "events-not-object": b([EVENTS, 2]) + ev("start") + b"[1,2]" + ev("die"),
        "events-split-escape": b([EVENTS, 1]) + b'{"Type":"container","Action":"st\\u0061rt",'
        b'"Actor":{"ID":"\\ud83d\\ude00"}}',
        "events-deep": b([EVENTS, 4]) + b'{"a":' * 40 + b"1" + b"}" * 40,
        "events-mid-object-end": b([EVENTS, 6]) + ev("start") + ev("die")[:30],
    }
    return cases


# ---- conf: configuration files (fuzz_conf.c) ----

conf_cases = {
    "docs-example": b"""server:
  listen: ["127.0.0.1:5353", "[::1]:5353"]
  workers: 0                 # 0 = one per CPU
  udp-size: 1232             # 512..4096
  tcp-idle-timeout: 10000
  tcp-max-clients: 1024
  tcp-max-per-client: 32
  log-level: info
zones:
  - name: example.test
    file: zones/example.test.zone
  - name: fleet.test
  - name: 17.172.in-addr.arpa
engines:
  - name: node1
    url: unix:///var/run/docker.sock
  - name: node2
    url: tcp://198.51.100.12:2376
    tls: { ca: ca.pem, cert: cert.pem, key: key.pem }
    address: host
    host-address: 198.51.100.12
    timeout: 3000
fleet:
  zone: fleet.test
  ttl: 5
  max-answers: 0
  serve-starting: false
  unhealthy: nodata
  compose-labels: true
  swarm-labels: true
  resync: 60000
  reverse-zones: ["17.172.in-addr.arpa"]
  state-file: /var/lib/fleetdns/state
""",
    "transfers": b"""keys:
  - { name: xfr, algorithm: hmac-sha256, secret: "ZmxlZXRkbnMtZnV6ei10Y3Atc2hhMjU2LWtleS0zMmI=" }
  - name: Other.Key.
    algorithm: hmac-sha512
    secret: c2VjcmV0
zones:
  - name: example.test
    file: /etc/fleetdns/example.test.zone
    allow-transfer: [192.0.2.0/24, "2001:db8::/32", { address: 127.0.0.1, key: xfr }]
    notify: [192.0.2.53, "198.51.100.1:5300", "[2001:db8::53]:53", { address: "::1", key: other.key }]
""",
    "engines-urls": b"""engines:
  - name: Local
    url: unix:///var/run/docker.sock
    network: backend
    timeout: 1000
  - name: web1
    url: https://docker1.example.test:2376
  - name: web2
    url: http://[2001:db8::12]
    address: container
    host-address: "2001:db8::12"
  - name: web3
    url: tcp://10.0.0.3:2375
    tls:
      ca: /etc/fleetdns/docker/ca.pem
      cert: cert.pem
      key: key.pem
""",
    "fleet-reverse": b"""zones:
  - name: fleet.example.test
  - name: 17.172.in-addr.arpa
  - name: 8.b.d.0.1.0.0.2.ip6.arpa
fleet:
  zone: Fleet.Example.Test.
  ttl: 10
  max-answers: 3
  unhealthy: all
  reverse-zones: [17.172.in-addr.arpa, 8.b.d.0.1.0.0.2.ip6.arpa]
  state-file: serials
""",
    "listen-scoped": b"""server:
  listen:
    - 192.0.2.53:53
    - "[fe80::1%lo]:53"
    - "[::]:5353"
  log-level: debug
""",
    "empty": b"",
    "null-sections": b"server:\nzones: ~\nengines: null\nfleet:\n",
    "sites": b"""engines:
  - { name: n1, url: "unix:///run/n1.sock" }
  - { name: n2, url: "unix:///run/n2.sock" }
sites:
  - name: ams
    clients: [10.1.0.0/16, "2001:db8:1::/48", 192.0.2.7]
    engines: [n1]
    local-only: 2
  - { name: fra, clients: [10.1.2.0/24], engines: [n2] }
""",
    "fleet-damping": b"fleet:\n  hold-down: 10000\n  damping: { half-life: 60000, suppress: 2.5, reuse: 0.75 }\n",
    "error-damping-reuse": b"fleet:\n  damping: { half-life: 1000, suppress: 2, reuse: 3 }\n",
    "error-sites-engine": b"sites:\n  - { name: a, clients: [10.0.0.0/8], engines: [nope] }\n",
    "error-sites-prefix": b"sites:\n  - { name: a, clients: [10.0.0.1/8], engines: [x] }\n",
    "comment-only": b"# nothing but a comment\n---\n",
    "error-unknown-key": b"server:\n  udp-size: 1232\n  fil: x\n",
    "error-duplicate-key": b"server:\n  workers: 1\n  workers: 2\n",
    "error-range": b"server:\n  udp-size: 8192\n",
    "error-type-list": b"server:\n  workers: [1, 2]\n",
    "error-bool": b"fleet:\n  serve-starting: yes\n",
    "error-second-document": b"server: {}\n---\nzones: []\n",
    "error-tab": b"server:\n\tworkers: 1\n",
    "error-duplicate-zone": b"zones:\n  - name: example.test\n  - name: Example.TEST.\n",
    "error-bad-zone-name": b"zones:\n  - name: a..b\n",
    "error-unknown-key-ref": b"zones:\n  - name: example.test\n    allow-transfer: [{ address: 127.0.0.1, key: nokey }]\n",
    "error-acl-host-bits": b"zones:\n  - name: e.test\n    allow-transfer: [192.0.2.1/24]\n",
    "error-tls-partial": b"engines:\n  - name: a\n    url: tcp://h:1\n    tls: { ca: ca.pem }\n",
    "error-url-path": b"engines:\n  - name: a\n    url: tcp://h:2375/v1.43\n",
    "error-fleet-zone": b"zones:\n  - name: fleet.test\nfleet:\n  zone: fleet.tset\n",
    "catalog": b"""keys:
  - { name: xfr, algorithm: hmac-sha256, secret: "ZmxlZXRkbnMtZnV6ei10Y3Atc2hhMjU2LWtleS0zMmI=" }
zones:
  - name: catalog.fleet.test
    catalog: true
    soa: { rname: hostmaster.example.test, refresh: 3600, expire: 86400, minimum: 0 }
    ns: ~
    allow-transfer: [{ address: 192.0.2.0/24, key: xfr }]
    notify: [192.0.2.53]
  - name: fleet.test
    allow-transfer: [192.0.2.0/24]
  - name: 17.172.in-addr.arpa
    catalog-member: true
  - { name: lab.test, catalog: false, catalog-member: false }
fleet:
  reverse-zones: [17.172.in-addr.arpa]
""",
    "error-catalog-file": b"zones:\n  - name: cat.test\n    file: cat.zone\n    catalog: true\n",
    "error-catalog-ns": b"zones:\n  - { name: cat.test, catalog: true, ns: [ns1.example.test] }\n",
    "error-catalog-two": b"zones:\n  - { name: a.test, catalog: true }\n  - { name: b.test, catalog: True }\n",
    "error-catalog-member": b"zones:\n  - { name: cat.test, catalog: true, catalog-member: false }\n",
    "error-catalog-bool": b"zones:\n  - { name: a.test, catalog-member: no }\n",
    "yaml-anchors": b"zones:\n  - &z { name: a.test }\n  - *z\nfleet: &f\n  ttl: 5\n",
    "yaml-tags-flow": b"{server: {listen: [!!str '127.0.0.1:53']}, keys: [], zones: [{name: \"x.test\"}]}\n",
    "yaml-bad-utf8": b"zones:\n  - name: \xff\xfe.test\n",
    "yaml-top-scalar": b"just a string\n",
}


# ---- zone: master files for the origin example.test (fuzz_zone.c) ----

ZSOA = b"$TTL 300\n@ IN SOA ns hostmaster 7 3600 600 86400 60\n@ IN NS ns\nns IN A 192.0.2.53\n"

zone_cases = {
    "fleet-internal": b"$ORIGIN example.test.\n" + open(
        os.path.join(HERE, "..", "..", "zones", "fleet.internal.zone"), "rb").read().split(
        b"$ORIGIN fleet.internal.\n", 1)[1].replace(b"fleet.internal", b"example.test"),
    "every-type": ZSOA + b"""www 60 IN A 192.0.2.1
    IN AAAA 2001:db8::1 ; same owner as the line above
Mixed.Case CNAME www
@ MX 10 mail
mail A 192.0.2.25
txt TXT "a \\"quoted\\" string" "and; a second" \\065scaped
_sip._tcp SRV 0 5 5060 www
ptr PTR www.example.test.
caa CAA 0 issue "letsencrypt.org"
ds DS 12345 8 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
sshfp SSHFP 4 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
naptr NAPTR 100 10 "S" "SIP+D2U" "" _sip._udp.example.test.
hinfo HINFO "PC" "Linux"
dname DNAME elsewhere.test.
unk TYPE65000 \\# 3 010203
empty TYPE65001 \\# 0
spf SPF "v=spf1 -all"
""",
    "directives": b"""$TTL 1h30m
@ IN SOA ns hostmaster ( ; a comment (with a paren)
        2024010101 ; serial
        3600       ; refresh
        600 86400
        60 )
@ NS ns
ns A 192.0.2.53
$ORIGIN sub.example.test.
host A 192.0.2.3
@ MX 10 host
$TTL 1W
abs.example.test. 2d A 192.0.2.4
$ORIGIN example.test.
late 0 A 192.0.2.2
""",
    "wildcards-delegations": ZSOA + b"""*.wild A 192.0.2.20
*.wild MX 10 mx.wild
*.cnw CNAME www
www A 192.0.2.10
a.b.c.ent A 192.0.2.30
deleg NS ns.deleg
deleg NS ns.elsewhere.test.
deleg DS 12345 8 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
ns.deleg A 192.0.2.40
ns.deleg AAAA 2001:db8::40
below.ns.deleg A 192.0.2.41
loop1 CNAME loop2
loop2 CNAME loop1
chain CNAME alias
alias CNAME www
""",
    "rrset-big": ZSOA + b"".join(b'big TXT "record %02d with text to fill a packet"\n' % i
                                 for i in range(40)),
    "ttl-mixed": ZSOA + b"ttlmix 100 A 192.0.2.21\nttlmix 200 A 192.0.2.22\n"
    b"dup A 192.0.2.1\ndup A 192.0.2.1\n",
    "apex-soa-ttl": b"$TTL 3600\n@ 7200 IN SOA ns1.example.test. hostmaster.example.test. "
    b"4294967295 3600 900 604800 300\n@ NS ns1\n@ TXT \"v=apex\"\nns1 A 192.0.2.1\n",
    "crlf-tabs": ZSOA.replace(b"\n", b"\r\n") + b"www\t\tA\t192.0.2.1\r\n",
    "no-final-newline": ZSOA + b"www A 192.0.2.1",
    "nul-byte": ZSOA + b"www A 192.0.2.1\n\0\nx A 192.0.2.2\n",
    "empty": b"",
    "error-bad-ttl-3x00": ZSOA + b"www 3x00 A 192.0.2.1\n",
    "error-ttl-too-big": ZSOA + b"www 2147483648 A 192.0.2.1\n",
    "error-ttl-directive": b"$TTL 5x\n" + ZSOA,
    "error-unknown-type": ZSOA + b"www 300 IN FOO 192.0.2.1\n",
    "error-bad-address": ZSOA + b"www IN A 192.0.2.256\n",
    "error-missing-rdata": ZSOA + b"www IN A\n",
    "error-bad-mx": ZSOA + b"mx IN MX x host\n",
    "error-empty-label": ZSOA + b"bad..name A 192.0.2.1\n",
    "error-label-64": ZSOA + b"x" * 64 + b" A 192.0.2.1\n",
    "error-bad-origin": b"$ORIGIN bad..origin.\n" + ZSOA,
    "error-include": b"$INCLUDE other.zone\n" + ZSOA,
    "error-soa-bad-field": b"$TTL 300\n@ IN SOA ns hostmaster (\n\t7\n\tabc 600 86400 60 )\n"
    b"@ IN NS ns\n",
    "error-out-of-zone": ZSOA + b"www.other.test. A 192.0.2.1\n",
    "error-origin-out": ZSOA + b"$ORIGIN test.\nexample2 A 192.0.2.1\n",
    "error-two-soa": ZSOA + b"www IN SOA ns hostmaster 8 3600 600 86400 60\n",
    "error-no-soa": b"$TTL 300\n@ IN NS ns\nns A 192.0.2.53\n",
    "error-no-ns": b"$TTL 300\n@ IN SOA ns hostmaster 7 3600 600 86400 60\nsub NS ns\n",
    "error-cname-and-data": ZSOA + b"www A 192.0.2.1\nwww CNAME ns\n",
    "error-two-cnames": ZSOA + b"www CNAME ns\nwww CNAME ns2\n",
    "error-class-ch": ZSOA + b"www CH A 192.0.2.1\n",
    "error-unclosed-paren": b"$TTL 300\n@ IN SOA ns hostmaster ( 7 3600 600 86400 60\n",
    "error-unclosed-quote": ZSOA + b'txt TXT "no end\n',
}

CORPORA = {
    "query": lambda: query_cases,
    "tcp": lambda: tcp_cases,
    "docker": docker_cases,
    "conf": lambda: conf_cases,
    "zone": lambda: zone_cases,
}


def main(names):
    for corpus in names or sorted(CORPORA):
        if corpus not in CORPORA:
            sys.exit(f"make_corpus.py: unknown corpus '{corpus}' (one of {', '.join(CORPORA)})")
        cases = CORPORA[corpus]()
        out = os.path.join(HERE, "corpus", corpus)
        os.makedirs(out, exist_ok=True)
        for fname, data in sorted(cases.items()):
            with open(os.path.join(out, fname), "wb") as f:
                f.write(data)
        print(f"{len(cases)} files in {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
