#!/usr/bin/python3
# make_corpus.py -- writes the seed corpus of tests/fuzz/fuzz_query.c: valid queries of many
# types (names from the harness's zones), EDNS variants, and every malformed kind of the
# DNS-CONFORMANCE.md checklist. Run once from anywhere; the files are committed.
# SPDX-License-Identifier: MIT
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import fdnstest  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "query")

A, NS, CNAME, SOA, PTR, MX, TXT, AAAA, SRV, OPT, DS, AXFR, ANY = (
    1, 2, 5, 6, 12, 15, 16, 28, 33, 41, 43, 252, 255)

name = fdnstest.wire_name
header = fdnstest.wire_header
question = fdnstest.wire_question


def opt(udp=1232, ext_rcode=0, version=0, flags=0, rdata=b"", owner=b"\0"):
    return owner + struct.pack("!HHBBHH", OPT, udp, ext_rcode, version, flags, len(rdata)) + rdata


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


cases = {
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


def main():
    os.makedirs(OUT, exist_ok=True)
    for fname, data in sorted(cases.items()):
        with open(os.path.join(OUT, fname), "wb") as f:
            f.write(data)
    print(f"{len(cases)} files in {OUT}")


if __name__ == "__main__":
    main()
