#!/usr/bin/python3
# knot_diff.py -- differential test: the same zones served by Knot DNS and by fleetdns,
# the same queries (byte for byte) sent to both, the responses compared.
# SPDX-License-Identifier: MIT
#
# Zones: tests/diff/zones/*.zone (example.test and its served child sub.example.test;
# dname.test and apexdname.test for DNAME, RFC 6672).
# Queries: tests/diff/queries.txt (format described at its top).
#
# Compared: rcode (with the extended bits), opcode, ID, the flags QR AA TC RD RA AD CD, the
# question (exactly, letter case included), and each of answer, authority and additional
# as a multiset of RRs (owner compared case-insensitively, TTL, class, type, RDATA exact).
# OPT is compared on its own: presence, version, DO, payload size, options.
#
# Where the two servers may legitimately differ, a narrow rule in RULES below says so and
# why; every rule that changes a comparison is printed as a TAP comment on that query.
#
# Run: FLEETDNS=$PWD/fleetdns TOP_SRCDIR=$PWD /usr/bin/python3 tests/diff/knot_diff.py
import atexit
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from collections import Counter

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", "."), "tests", "lib"))
import fdnstest as t  # noqa: E402

import dns.flags  # noqa: E402
import dns.message  # noqa: E402
import dns.name  # noqa: E402
import dns.opcode  # noqa: E402
import dns.rcode  # noqa: E402
import dns.rdataclass  # noqa: E402
import dns.rdatatype  # noqa: E402

TOP = os.environ.get("TOP_SRCDIR", ".")
HERE = os.path.join(TOP, "tests", "diff")
ZONES = [  # (origin, file): both servers get exactly these
    ("example.test.", os.path.join(HERE, "zones", "example.test.zone")),
    ("sub.example.test.", os.path.join(HERE, "zones", "sub.example.test.zone")),
    ("dname.test.", os.path.join(HERE, "zones", "dname.test.zone")),
    ("apexdname.test.", os.path.join(HERE, "zones", "apexdname.test.zone")),
]
UDP_MAX = 1232  # Knot's udp-max-payload, and fleetdns's default udp-size
VERBOSE = os.environ.get("KNOT_DIFF_VERBOSE") == "1"  # show both responses for passes too

# --------------------------------------------------------------------------------------
# Documented differences. Each rule is a function of (query, knot, fleetdns) that gets the
# two parsed responses as dicts (see summarise()) and may change fleetdns's so that one
# legitimate difference compares equal; it returns True when it changed anything, so the
# TAP output shows which rule was used. Keep every rule narrow: it must check that the
# difference is exactly the documented one and leave anything else to the comparison.
# --------------------------------------------------------------------------------------
RULES = []


def rule(name, comment):
    def wrap(fn):
        RULES.append((name, comment, fn))
        return fn
    return wrap


@rule("any-minimal", "Knot (since 3.1) answers ANY with one RRset, an RFC 8482 4.2 minimal "
      "answer; fleetdns does too over UDP (the lowest type's) and returns every RRset over "
      "TCP, which RFC 8482 also allows. Checked: Knot's RRset is one whole RRset of fleetdns's answer and its "
      "additional records are among fleetdns's; the rest of fleetdns's answer and "
      "additional section is then set aside")
def rule_any_minimal(q, k, f):
    if q.qtype != "ANY" or k["rcode"] != "NOERROR" or f["rcode"] != "NOERROR":
        return False
    kinds = {(rr[0], rr[3]) for rr in k["answer"]}
    if len(kinds) != 1 or k["authority"] or f["authority"]:
        return False
    owner, rtype = kinds.pop()
    picked = Counter({rr: n for rr, n in f["answer"].items()
                      if (rr[0], rr[3]) == (owner, rtype)})
    if picked != k["answer"] or picked == f["answer"]:
        return False  # not the same RRset, or nothing to set aside: compare as usual
    if k["additional"] - f["additional"]:
        return False  # Knot has additional data fleetdns lacks: a real difference
    f["answer"], f["additional"] = picked, Counter(k["additional"])
    return True


@rule("cd-cleared", "Knot clears CD in every response (knot/nameserver/process_query.c, "
      "prepare_answer); RFC 4035 3 says a security-aware name server MUST copy CD from "
      "the query, as BIND and NSD do, and so does fleetdns")
def rule_cd_cleared(q, k, f):
    if not q.flags & dns.flags.CD:
        return False
    kf, ff = k["flags"].split(), f["flags"].split()
    if "cd" in kf or "cd" not in ff:
        return False
    f["flags"] = " ".join(x for x in ff if x != "cd")
    return True


@rule("ede-not-authoritative", "Knot adds Extended DNS Error 20 (Not Authoritative, RFC 8914) "
      "to REFUSED for names outside its zones; EDE is optional and fleetdns does not "
      "implement it")
def rule_ede_refused(q, k, f):
    ko, fo = k["opt"], f["opt"]
    if k["rcode"] != "REFUSED" or not ko or not fo:
        return False
    if ko["options"] != ["EDE 20"] or fo["options"] != []:
        return False
    fo["options"] = list(ko["options"])
    return True


def wire_len(text):
    return len(dns.name.from_text(text).to_wire())


@rule("dname-yxdomain", "Knot 3.2 answers NXDOMAIN (the DNAME, no CNAME, the SOA) when a "
      "DNAME substitution would make a name longer than 255 octets; RFC 6672 2.2: \"If this "
      "occurs, the server returns an RCODE of YXDOMAIN [RFC2136]. The DNAME record and its "
      "signature (if the zone is signed) are included in the answer as proof for the "
      "YXDOMAIN (value 6) RCODE.\" fleetdns does that. Checked: the same answer (the "
      "DNAME alone), a substitution that really is too long, and fleetdns's authority "
      "section Knot's or empty")
def rule_dname_yxdomain(q, k, f):
    if k["rcode"] != "NXDOMAIN" or f["rcode"] != "YXDOMAIN" or k["answer"] != f["answer"]:
        return False
    if len(k["answer"]) != 1 or f["authority"] and f["authority"] != k["authority"]:
        return False
    owner, _ttl, _cls, rtype, target = next(iter(k["answer"]))
    qname = q.qname.lower().rstrip(".") + "."
    if rtype != "DNAME" or not qname.endswith("." + owner):
        return False
    if wire_len(qname) - wire_len(owner) + wire_len(target) <= 255:
        return False
    f["rcode"], f["authority"] = k["rcode"], Counter(k["authority"])
    return True


@rule("dname-cname-case", "the CNAME synthesized from a DNAME names the same domain in both, "
      "in other letter case: Knot writes the query's labels in lower case and compresses the "
      "target against the question, so its trailing labels take the query's case "
      "(www.target.other.TeSt. for WwW.BaR.DnAmE.TeSt); fleetdns spells the target as the "
      "zone does (www.target.other.test.). "
      "RFC 1034 3.1: \"domain name comparisons for all present domain functions are done "
      "in a case-insensitive manner\" (and RFC 4343). Checked: only CNAMEs below the owner "
      "of a DNAME in the same answer, owner and type the same, RDATA equal but for case; "
      "the rest compares as usual")
def rule_dname_cname_case(q, k, f):
    if q.qname == q.qname.lower():
        return False
    dnames = [rr[0] for rr in k["answer"] if rr[3] == "DNAME"]
    changed = False
    for s in SECTIONS:
        only_k, only_f = k[s] - f[s], f[s] - k[s]
        for rr in list(only_f.elements()):
            if rr[3] != "CNAME" or not any(rr[0].endswith("." + d) for d in dnames):
                continue
            twin = [x for x in only_k if x[:4] == rr[:4] and x[4].lower() == rr[4].lower()]
            if not twin:
                continue
            f[s] = f[s] - Counter([rr]) + Counter([twin[0]])
            only_k = only_k - Counter([twin[0]])
            changed = True
    return changed


# --------------------------------------------------------------------------------------
# Servers
# --------------------------------------------------------------------------------------
KNOT_CONF = """\
server:
    rundir: {tmp}
    listen: 127.0.0.1@{port}
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
    udp-max-payload: {udp_max}
database:
    storage: {tmp}/storage
log:
  - target: stderr
    any: notice
template:
  - id: default
    storage: {tmp}/storage
    # Load the zone files as they are; never write them back, keep no journal.
    zonefile-load: whole
    zonefile-sync: -1
    journal-content: none
    semantic-checks: off
zone:
{zones}"""


def wait_soa(port, proc):
    """Until the server answers every zone's SOA (max ~20 s); False if it died or never did."""
    for _ in range(300):
        if proc.poll() is not None:
            break
        good = 0
        for origin, _f in ZONES:
            q = dns.message.make_query(origin, "SOA")
            r = t.udp_exchange(port, q.to_wire(), timeout=0.1)
            if r:
                try:
                    msg = dns.message.from_wire(r)
                    good += msg.rcode() == 0 and len(msg.answer) == 1
                except Exception:
                    pass
        if good == len(ZONES):
            return True
        time.sleep(0.05)
    return False


def start_knot():
    # `command -v knotd`, also in the sbin folders a non-root PATH may lack.
    knotd = shutil.which("knotd", path=os.pathsep.join(
        [os.environ.get("PATH", ""), "/usr/local/sbin", "/usr/sbin", "/sbin"]))
    if not knotd:
        t.ok(False, "knotd (Knot DNS) is installed",
             "`command -v knotd` found nothing. This differential test needs knotd, from "
             "the Debian package knot: run scripts/install-deps.sh --test (as root). "
             "It fails rather than skips, so a missing peer is never mistaken for a pass.")
        t.done_testing()
    tmp = tempfile.mkdtemp(prefix="knotdiff.")
    os.mkdir(os.path.join(tmp, "storage"))
    port = t.free_port()
    zones = "".join(f"  - domain: {o}\n    file: {os.path.abspath(f)}\n" for o, f in ZONES)
    conf = os.path.join(tmp, "knot.conf")
    with open(conf, "w") as fh:
        fh.write(KNOT_CONF.format(tmp=tmp, port=port, udp_max=UDP_MAX, zones=zones))
    log = os.path.join(tmp, "knotd.log")
    proc = subprocess.Popen([knotd, "-c", conf], stdout=open(log, "w"),
                            stderr=subprocess.STDOUT, start_new_session=True)

    def stop():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    atexit.register(stop)
    if not wait_soa(port, proc):
        print("# " + open(log).read().replace("\n", "\n# "))
        t.bail("knotd did not start or did not load the zones")
    return port


def start_fleetdns():
    binary = os.environ.get("FLEETDNS", "")
    if not os.access(binary, os.X_OK):
        t.bail(f"FLEETDNS={binary!r} is not an executable fleetdns binary (run make first)")
    args = []
    for origin, f in ZONES:
        args += ["--zone", f"{origin}={os.path.abspath(f)}"]
    srv = t.Server(args, ZONES[0][0])
    proc = srv.proc
    if not wait_soa(srv.port, proc):
        t.bail("fleetdns did not load the zones")
    return srv


# --------------------------------------------------------------------------------------
# Queries
# --------------------------------------------------------------------------------------
class Query:
    def __init__(self, line, lineno):
        words = line.split()
        self.text = " ".join(words)
        self.qname, self.qtype = words[0], words[1].upper()
        self.opts = words[2:]
        self.edns, self.bufsize, self.ednsver = True, 1232, 0
        self.flags, self.do, self.tcp = 0, False, False
        for o in self.opts:
            if o == "noedns":
                self.edns = False
            elif o.startswith("bufsize="):
                self.bufsize = int(o[8:])
            elif o.startswith("ednsver="):
                self.ednsver = int(o[8:])
            elif o in ("rd", "cd", "ad"):
                self.flags |= {"rd": dns.flags.RD, "cd": dns.flags.CD, "ad": dns.flags.AD}[o]
            elif o == "do":
                self.do = True
            elif o == "tcp":
                self.tcp = True
            else:
                raise ValueError(f"queries.txt:{lineno}: unknown option {o}")
        self.id = (lineno * 7919) & 0xFFFF

    def wire(self):
        name = dns.name.from_text(self.qname)
        q = dns.message.make_query(name, dns.rdatatype.from_text(self.qtype),
                                   use_edns=self.ednsver if self.edns else False,
                                   payload=self.bufsize, want_dnssec=self.do)
        q.id = self.id
        q.flags = self.flags  # make_query sets RD: this replaces it
        return q.to_wire()


def read_queries():
    out = []
    with open(os.path.join(HERE, "queries.txt")) as fh:
        for n, line in enumerate(fh, 1):
            line = line.split("#", 1)[0] if line.lstrip().startswith("#") else line
            if line.strip():
                out.append(Query(line, n))
    return out


def exchange(port, q, wire):
    if not q.tcp:
        return t.udp_exchange(port, wire, timeout=2.0)
    s = socket.create_connection(("127.0.0.1", port), timeout=3)
    try:
        s.sendall(struct.pack("!H", len(wire)) + wire)
        return t.tcp_read_msg(s)
    except OSError:
        return None
    finally:
        s.close()


# --------------------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------------------
FLAGS = [("qr", dns.flags.QR), ("aa", dns.flags.AA), ("tc", dns.flags.TC),
         ("rd", dns.flags.RD), ("ra", dns.flags.RA), ("ad", dns.flags.AD),
         ("cd", dns.flags.CD)]
SECTIONS = ("answer", "authority", "additional")


def rr_tuples(section):
    out = []
    for rrset in section:
        for rd in rrset:
            out.append((rrset.name.to_text().lower(), rrset.ttl,
                        dns.rdataclass.to_text(rrset.rdclass),
                        dns.rdatatype.to_text(rrset.rdtype), rd.to_text()))
    return out


def summarise(wire):
    """The response as a dict of comparable parts, or an error string."""
    if wire is None:
        return {"error": "no response (timeout)"}
    try:
        m = dns.message.from_wire(wire)
    except Exception as e:  # noqa: BLE001
        return {"error": f"unparsable response ({len(wire)} bytes): {e}"}
    d = {
        "id": m.id,
        "opcode": dns.opcode.to_text(m.opcode()),
        "rcode": dns.rcode.to_text(m.rcode()),
        "flags": " ".join(n for n, f in FLAGS if m.flags & f),
        "question": [(str(r.name), dns.rdataclass.to_text(r.rdclass),
                      dns.rdatatype.to_text(r.rdtype)) for r in m.question],
        "opt": None,
    }
    if m.edns >= 0:
        d["opt"] = {"version": m.edns, "payload": m.payload,
                    "do": bool(m.ednsflags & dns.flags.DO),
                    "options": sorted(o.to_text() for o in m.options)}
    for s in SECTIONS:
        d[s] = Counter(rr_tuples(getattr(m, s)))
    d["size"] = len(wire)
    return d


def fmt_rr(rr):
    return f"{rr[0]} {rr[1]} {rr[2]} {rr[3]} {rr[4]}"


def diff(k, f):
    """Readable lines for every difference between the Knot (k) and fleetdns (f) dicts."""
    lines = []
    if "error" in k or "error" in f:
        if k.get("error") != f.get("error"):
            lines.append(f"knot:     {k.get('error', 'a response')}")
            lines.append(f"fleetdns: {f.get('error', 'a response')}")
        return lines
    for key in ("id", "opcode", "rcode", "flags", "question", "opt"):
        if k[key] != f[key]:
            lines.append(f"{key}: knot {k[key]!r}, fleetdns {f[key]!r}")
    for s in SECTIONS:
        if k[s] == f[s]:
            continue
        only_k, only_f = k[s] - f[s], f[s] - k[s]
        lines.append(f"{s}:")
        for rr in sorted(only_k.elements()):
            lines.append(f"  only knot:     {fmt_rr(rr)}")
        for rr in sorted(only_f.elements()):
            lines.append(f"  only fleetdns: {fmt_rr(rr)}")
    return lines


def show(d):
    if "error" in d:
        return [d["error"]]
    out = [f"{d['rcode']} flags [{d['flags']}] opt {d['opt']} ({d['size']} bytes)"]
    for s in SECTIONS:
        for rr in sorted(d[s].elements()):
            out.append(f"  {s[:4]}: {fmt_rr(rr)}")
    return out


def main():
    queries = read_queries()
    print("# Documented differences between Knot and fleetdns, applied where noted:")
    for name, comment, _fn in RULES:
        print(f"# - {name}: {comment}")
    kport = start_knot()
    fleet = start_fleetdns()
    for q in queries:
        wire = q.wire()
        k = summarise(exchange(kport, q, wire))
        f = summarise(exchange(fleet.port, q, wire))
        used = []
        if "error" not in k and "error" not in f:
            for name, comment, fn in RULES:
                if fn(q, k, f):
                    used.append(f"documented difference {name} applied")
        d = diff(k, f)
        detail = None
        if d:
            detail = "\n".join(d + ["knot response:"] + show(k) + ["fleetdns response:"]
                               + show(f))
        t.ok(not d, q.text, detail)
        if VERBOSE and not d:
            print("# " + "\n# ".join(["knot response:"] + show(k) + ["fleetdns response:"] + show(f)))
        for u in used:
            print(f"# {u} (see the rule list at the top)")
        if not fleet.alive():
            t.bail(f"fleetdns died on: {q.text}")
    t.done_testing()


if __name__ == "__main__":
    main()
