# chaos.py -- functional tests: what the server says about itself. CHAOS TXT (RFC 4892:
# id.server, and the older version.bind / hostname.bind / version.server convention it
# describes) and NSID (RFC 5001), asked with real dig and kdig of fleetdns with server:
# identity, version and nsid set, left to their defaults, and off (""); then the same
# questions to Knot 3.2 configured alike, compared field by field where fleetdns means to
# behave as Knot does (RCODE, flags, counts, answer, NSID bytes).
# SPDX-License-Identifier: MIT
import atexit
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", "."), "tests", "func"))
import funclib as F  # noqa: E402
from fdnstest import ok, is_, done_testing, bail, free_port, udp_exchange  # noqa: E402

TMP = tempfile.mkdtemp(prefix="fdnschaos.")
atexit.register(shutil.rmtree, TMP, ignore_errors=True)

# A zone of its own, served by both: "room" answers in 450 bytes at UDP 512 (with OPT), so an
# NSID of 8 bytes still fits and one of 128 does not.
ZONE = os.path.join(TMP, "chaos.test.zone")
with open(ZONE, "w") as f:
    f.write("$ORIGIN chaos.test.\n$TTL 300\n"
            "@ SOA ns hostmaster 1 3600 900 604800 300\n@ NS ns\nns A 192.0.2.1\n"
            f'room TXT "{"r" * 200}" "{"s" * 192}"\n')

NSID_TEXT = "ns1.nsid"
NSID_BIG = bytes(range(128))  # 128 bytes, the largest server: nsid allows, written in hex
MODES = {
    # name: (identity, version, nsid as written in the config; None: key left out)
    "set": ("ns1.fleet.test", "test-version 1.0", NSID_TEXT),
    "default": (None, None, None),
    "off": ("", "", ""),
    "big": ("ns1.fleet.test", "test-version 1.0", "0x" + NSID_BIG.hex()),
}


def server_keys(mode, indent):
    pad = " " * indent
    return "".join(f'{pad}{key}: "{v}"\n'
                   for key, v in zip(("identity", "version", "nsid"), MODES[mode])
                   if v is not None)


def start_fleetdns(mode):
    port = free_port()
    conf = os.path.join(TMP, f"fleetdns-{mode}.conf")
    with open(conf, "w") as f:
        f.write(f"server:\n  listen: [127.0.0.1:{port}]\n  workers: 1\n"
                f"{server_keys(mode, 2)}"
                f"zones:\n  - name: chaos.test\n    file: {ZONE}\n")
    return F.fdnstest.Server(["-c", conf], "chaos.test", port=port)


KNOT_CONF = """server:
    rundir: {tmp}
    listen: 127.0.0.1@{port}
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
{keys}database:
    storage: {tmp}/storage
log:
  - target: stderr
    any: notice
template:
  - id: default
    storage: {tmp}/storage
    zonefile-load: whole
    zonefile-sync: -1
    journal-content: none
zone:
  - domain: chaos.test
    file: {zone}
"""


def start_knot(mode):
    """knotd with mode's identity, version and nsid; (port, stop) or bails."""
    knotd = shutil.which("knotd", path=os.pathsep.join(
        [os.environ.get("PATH", ""), "/usr/local/sbin", "/usr/sbin", "/sbin"]))
    if not knotd:
        ok(False, "knotd (Knot DNS) is installed",
           "`command -v knotd` found nothing: install the Debian package knot "
           "(scripts/install-deps.sh --test). A missing peer fails, never passes.")
        done_testing()
    tmp = tempfile.mkdtemp(prefix="knot.", dir=TMP)
    os.mkdir(os.path.join(tmp, "storage"))
    port = free_port()
    conf = os.path.join(tmp, "knot.conf")
    with open(conf, "w") as f:
        f.write(KNOT_CONF.format(tmp=tmp, port=port, zone=ZONE, keys=server_keys(mode, 4)))
    log = os.path.join(tmp, "knotd.log")
    proc = subprocess.Popen([knotd, "-c", conf], stdout=open(log, "w"),
                            stderr=subprocess.STDOUT, start_new_session=True)

    def stop():
        F.fdnstest.stop_process(proc)
    atexit.register(stop)
    import dns.message
    q = dns.message.make_query("chaos.test", "SOA").to_wire()
    for _ in range(200):
        if proc.poll() is None and udp_exchange(port, q, timeout=0.1):
            return port, stop
        time.sleep(0.05)
    print("# " + open(log).read().replace("\n", "\n# "))
    bail("knotd did not start")


def dig(port, *args):
    return F.dig(port, "+nocookie", *args)


def nsid_of(d):
    """The NSID bytes dig shows, None without an NSID line."""
    for line in d.text.splitlines():
        if line.startswith("; NSID: "):
            return bytes.fromhex(line[8:].split("(")[0].replace(" ", ""))
    return None


def txt_answer(name, text):
    return [f'{name}. 0 CH TXT "{text}"']


NAMES = (("version.bind", 1), ("version.server", 1), ("id.server", 0), ("hostname.bind", 0))
version = subprocess.run([os.environ["FLEETDNS"], "--version"], capture_output=True,
                         text=True).stdout.strip()

# --- identity, version and nsid set --------------------------------------------------------------
srv = start_fleetdns("set")
P = srv.port
identity, version_set, _ = MODES["set"]
for name, is_version in NAMES:
    text = version_set if is_version else identity
    d = dig(P, "CH", "TXT", name)
    is_((d.summary(), d.section("ANSWER")), ("NOERROR qr 1/0/1", txt_answer(name, text)),
        f"CH TXT {name}: NOERROR, AA=0 as Knot, one TXT \"{text}\" in class CH with TTL 0")
    d = dig(P, "+rec", "+noedns", "CH", "TXT", name.upper())
    is_((d.summary(), d.section("ANSWER")), ("NOERROR qr rd 1/0/0",
                                              txt_answer(name.upper(), text)),
        f"CH TXT {name.upper()} with RD, without EDNS: RD copied, name as asked, no OPT")
d = dig(P, "+tcp", "CH", "TXT", "id.server")
is_((d.summary(), d.section("ANSWER")), ("NOERROR qr 1/0/1", txt_answer("id.server", identity)),
    "CH TXT id.server over TCP")
for args, what in ((("CH", "TXT", "authors.bind"), "CH TXT authors.bind"),
                   (("CH", "TXT", "bind"), "CH TXT bind"),
                   (("CH", "TXT", "x.version.bind"), "CH TXT x.version.bind"),
                   (("CH", "A", "version.bind"), "CH A version.bind"),
                   (("CH", "ANY", "version.bind"), "CH ANY version.bind"),
                   (("CH", "SOA", "chaos.test"), "CH SOA of the served zone"),
                   (("-c", "ANY", "-t", "TXT", "version.bind"), "class ANY TXT version.bind"),
                   (("-c", "HS", "-t", "TXT", "version.bind"), "class HS TXT version.bind")):
    is_(dig(P, *args).summary(), "REFUSED qr 0/0/1", f"{what}: REFUSED, AA=0")
d = dig(P, "+edns=1", "+noednsneg", "CH", "TXT", "version.bind")
is_(d.summary(), "BADVERS qr 0/0/1", "CH TXT version.bind with EDNS version 1: BADVERS")

# NSID (RFC 5001): only when asked, with the configured bytes, in every response with an OPT.
d = dig(P, "+nsid", "ns.chaos.test", "A")
is_((d.summary(), nsid_of(d)), ("NOERROR qr aa 1/0/1", NSID_TEXT.encode()),
    f"dig +nsid: the answer and NSID \"{NSID_TEXT}\"")
d = dig(P, "ns.chaos.test", "A")
is_((d.summary(), nsid_of(d)), ("NOERROR qr aa 1/0/1", None), "dig without +nsid: no NSID")
r = F.udp(P, F.raw_query("ns.chaos.test", opts=[F.opt_rr()]))
is_([o["rdata"] for o in F.opts(r)] if r else None, [b""],
    "crafted query with EDNS and no option: the OPT has no option at all")
r = F.udp(P, F.raw_query("ns.chaos.test", opts=[F.opt_rr(rdata=struct.pack("!HH", 3, 0))]))
is_([o["rdata"] for o in F.opts(r)] if r else None,
    [struct.pack("!HH", 3, len(NSID_TEXT)) + NSID_TEXT.encode()],
    "crafted query with an empty NSID option: the OPT carries exactly NSID")
r = F.udp(P, F.raw_query("ns.chaos.test"))
is_(F.hdr(r)[5] if r else None, 0, "query without EDNS: no OPT, so no NSID")
for args, status in ((("CH", "TXT", "version.bind"), "NOERROR"),
                     (("CH", "TXT", "foo.bind"), "REFUSED"),
                     (("www.example.org", "A"), "REFUSED"),
                     (("+edns=1", "+noednsneg", "ns.chaos.test", "A"), "BADVERS"),
                     (("+opcode=15", "ns.chaos.test", "A"), "NOTIMP"),
                     (("+tcp", "ns.chaos.test", "A"), "NOERROR")):
    d = dig(P, "+nsid", *args)
    is_((d.status, nsid_of(d)), (status, NSID_TEXT.encode()),
        f"dig +nsid {' '.join(args)}: {status} with NSID")
d = F.dig(P, "+nsid", "+cookie", "ns.chaos.test", "A")
is_(("; COOKIE: " in d.text, nsid_of(d)), (True, NSID_TEXT.encode()),
    "dig +nsid +cookie: a server cookie and NSID in one OPT")
res = subprocess.run(["kdig", "@127.0.0.1", "-p", str(P), "+nsid", "+norec", "ns.chaos.test",
                      "A"], capture_output=True, text=True, timeout=30)
ok(f';; NSID: {NSID_TEXT.encode().hex().upper()} "{NSID_TEXT}"' in res.stdout,
   "kdig +nsid: NSID shown as hex and text", res.stdout)
res = subprocess.run(["kdig", "@127.0.0.1", "-p", str(P), "+nsid", "+tcp", "CH", "TXT",
                      "hostname.bind"], capture_output=True, text=True, timeout=30)
ok(f';; NSID: {NSID_TEXT.encode().hex().upper()}' in res.stdout and
   f'"{identity}"' in res.stdout, "kdig +nsid +tcp CH TXT hostname.bind: identity and NSID",
   res.stdout)
srv.stop()

# --- defaults: the host name, "fleetdns VERSION", no NSID -----------------------------------------
srv = start_fleetdns("default")
P = srv.port
host = socket.gethostname()
for name, is_version in NAMES:
    text = version if is_version else host
    d = dig(P, "+nsid", "CH", "TXT", name)
    is_((d.summary(), d.section("ANSWER"), nsid_of(d)),
        ("NOERROR qr 1/0/1", txt_answer(name, text), None),
        f"defaults: CH TXT {name} is \"{text}\"; no NSID")
srv.stop()

# --- off: "" ------------------------------------------------------------------------------------
srv = start_fleetdns("off")
P = srv.port
for name, _ in NAMES:
    d = dig(P, "+nsid", "CH", "TXT", name)
    is_((d.summary(), nsid_of(d)), ("REFUSED qr 0/0/1", None),
        f"identity, version and nsid '': CH TXT {name} REFUSED, no NSID")
srv.stop()

# --- NSID of 128 bytes: hex, and its room at the UDP limit -------------------------------------
srv = start_fleetdns("big")
P = srv.port
d = dig(P, "+nsid", "ns.chaos.test", "A")
is_(nsid_of(d), NSID_BIG, "nsid 0x0001..7f: the 128 bytes as written")
d = dig(P, "+bufsize=512", "+ignore", "room.chaos.test", "TXT")
is_((d.summary(), d.size), ("NOERROR qr aa 1/0/1", 450),
    "room TXT at UDP 512 without NSID: whole, 450 bytes")
d = dig(P, "+bufsize=512", "+ignore", "+nsid", "room.chaos.test", "TXT")
is_((d.summary(), nsid_of(d)), ("NOERROR qr aa tc 0/0/1", NSID_BIG),
    "with NSID (450 + 132 > 512): TC, NSID kept, as Knot (the client retries over TCP)")
d = dig(P, "+tcp", "+nsid", "room.chaos.test", "TXT")
is_((d.summary(), nsid_of(d)), ("NOERROR qr aa 1/0/1", NSID_BIG), "over TCP: the answer and NSID")
srv.stop()

# --- Knot, configured alike: the same answers -----------------------------------------------------
QUERIES = [
    ("CH", "TXT", "version.bind"), ("+rec", "CH", "TXT", "version.server"),
    ("CH", "TXT", "ID.Server"), ("+noedns", "CH", "TXT", "hostname.bind"),
    ("+tcp", "CH", "TXT", "id.server"), ("+nsid", "CH", "TXT", "version.bind"),
    ("+dnssec", "CH", "TXT", "id.server"),
    ("CH", "TXT", "authors.bind"), ("CH", "TXT", "bind"), ("CH", "A", "version.bind"),
    ("CH", "ANY", "version.bind"), ("CH", "NS", "version.bind"), ("CH", "SOA", "chaos.test"),
    ("-c", "ANY", "-t", "TXT", "version.bind"), ("-c", "HS", "-t", "TXT", "version.bind"),
    ("+edns=1", "+noednsneg", "CH", "TXT", "version.bind"),
    ("+nsid", "ns.chaos.test", "A"), ("+nsid", "+tcp", "ns.chaos.test", "A"),
    ("+nsid", "www.example.org", "A"), ("+nsid", "+edns=1", "+noednsneg", "ns.chaos.test", "A"),
    ("+nsid", "+opcode=15", "ns.chaos.test", "A"),
    ("+nsid", "+ednsopt=3:abcd", "ns.chaos.test", "A"),
    ("ns.chaos.test", "A"),
    ("+nsid", "+bufsize=512", "+ignore", "room.chaos.test", "TXT"),
    ("+nsid", "+bufsize=1232", "room.chaos.test", "TXT"),
]


def view(d):
    return (d.summary(), d.section("ANSWER"), d.edns, nsid_of(d))


for mode in ("set", "off", "big"):
    srv = start_fleetdns(mode)
    kport, kstop = start_knot(mode)
    for q in QUERIES:
        want, got = view(dig(kport, *q)), view(dig(srv.port, *q))
        is_(got, want, f"{mode}: dig {' '.join(q)}: as Knot")
    kstop()
    srv.stop()

# Defaults: both answer identity and version, each with its own texts (Knot's identity is the
# FQDN of the host, fleetdns's the host name, as NSD's); NSID differs by design (Knot: the
# host name; fleetdns: none, as NSD).
srv = start_fleetdns("default")
kport, kstop = start_knot("default")
for name, _ in NAMES:
    is_(dig(srv.port, "CH", "TXT", name).summary(), dig(kport, "CH", "TXT", name).summary(),
        f"defaults: CH TXT {name} answered as Knot (the text is each server's own)")
kstop()
srv.stop()
done_testing()
