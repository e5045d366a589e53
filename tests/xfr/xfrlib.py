# xfrlib.py -- shared by the transfer tests in tests/xfr: fleetdns with a config file, real
# peers (BIND, Knot, NSD, Unbound, dnsmasq) started on high ports of 127.0.0.x and stopped
# by pid, zone transfers read with dig, and polling with a measured latency.
# SPDX-License-Identifier: MIT
# Nothing here binds port 53: every daemon gets its own port and a private directory.
import atexit
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", "."), "tests", "lib"))
import fdnstest  # noqa: E402
from fdnstest import ok, is_, bail, free_port  # noqa: E402,F401

import dns.message  # noqa: E402
import dns.query  # noqa: E402
import dns.rdatatype  # noqa: E402

TOP = os.environ.get("TOP_SRCDIR", ".")
ZONES = os.path.join(TOP, "tests", "xfr", "zones")
TMP = tempfile.mkdtemp(prefix="fdt-xfr.")
atexit.register(shutil.rmtree, TMP, True)
SECRET = "ZmxlZXRkbnMgdGVzdCBrZXkgZm9yIHRzaWcgMjU2IQ=="  # 32 bytes
WRONG = "d3Jvbmcgd3Jvbmcgd3Jvbmcgd3Jvbmcgd3Jvbmch"

_procs = []


def diag(msg):
    for line in str(msg).splitlines() or [""]:
        print(f"# {line}")
    sys.stdout.flush()


def need(path):
    """A peer program the test cannot do without: its absence fails the test, never skips."""
    full = shutil.which(path) or (path if os.access(path, os.X_OK) else None)
    if not full:
        bail(f"{path} is not installed (scripts/install-deps.sh --test installs it)")
    return full


class Proc:
    """A daemon started in the foreground by this test; stopped (by pid) at exit."""

    def __init__(self, name, argv, log=None, env=None):
        self.name = name
        self.log = log or os.path.join(TMP, f"{name}.out")
        self.proc = subprocess.Popen(argv, stdout=open(self.log, "w"), stderr=subprocess.STDOUT,
                                     env=env, start_new_session=True)
        _procs.append(self)

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        fdnstest.stop_process(self.proc)

    def text(self):
        try:
            return open(self.log, errors="replace").read()
        except OSError:
            return ""


def _stop_all():
    for p in reversed(_procs):
        p.stop()


atexit.register(_stop_all)
signal.signal(signal.SIGTERM, lambda s, f: sys.exit(128 + s))


def wait_for(fn, timeout=10.0, step=0.05):
    """Call fn until it returns something true; returns (value, seconds) or (None, timeout)."""
    t0 = time.monotonic()
    while True:
        v = fn()
        if v:
            return v, time.monotonic() - t0
        if time.monotonic() - t0 > timeout:
            return None, time.monotonic() - t0
        time.sleep(step)


def fleetdns(conf_text, name="fleetdns", wait_zone=None, port=None):
    """fleetdns with conf_text as its config file; waits until wait_zone's SOA answers."""
    path = os.path.join(TMP, f"{name}.yaml")
    with open(path, "w") as f:
        f.write(conf_text)
    binary = os.environ.get("FLEETDNS", "")
    if not os.access(binary, os.X_OK):
        bail("FLEETDNS does not name an executable")
    p = Proc(name, [binary, "-c", path, "-v"])
    p.conf = path
    if wait_zone:
        got, _ = wait_for(lambda: soa_serial(port, wait_zone) is not None or not p.alive(), 10)
        if not p.alive() or soa_serial(port, wait_zone) is None:
            diag(p.text())
            bail(f"{name} did not start")
    return p


def query(port, name, rdtype="SOA", addr="127.0.0.1", tcp=False, timeout=2.0):
    q = dns.message.make_query(name, rdtype)
    q.flags = 0
    try:
        if tcp:
            return dns.query.tcp(q, addr, port=port, timeout=timeout)
        return dns.query.udp(q, addr, port=port, timeout=timeout)
    except Exception:
        return None


def soa_serial(port, zone, addr="127.0.0.1"):
    r = query(port, zone, "SOA", addr=addr)
    if r is None or r.rcode() != 0:
        return None
    for rrset in r.answer:
        if rrset.rdtype == dns.rdatatype.SOA:
            return rrset[0].serial
    return None


def answer_set(port, name, rdtype="A", addr="127.0.0.1"):
    """Sorted rdata texts of the answer, or None when there is no response."""
    r = query(port, name, rdtype, addr=addr)
    if r is None:
        return None
    return sorted(rd.to_text() for rrset in r.answer if rrset.rdtype ==
                  dns.rdatatype.from_text(rdtype) for rd in rrset)


def dig(*args):
    res = subprocess.run(["dig", "+time=3", "+tries=1", *args], capture_output=True, text=True,
                         timeout=60)
    return res.stdout + res.stderr


def xfr_records(text):
    """The records of a dig/kdig transfer listing, in order, whitespace normalised; comments
    and TSIG records left out."""
    out = []
    for line in text.splitlines():
        if not line.strip() or line.startswith(";"):
            continue
        f = line.split()
        if len(f) >= 4 and f[3] == "TSIG":
            continue
        out.append(" ".join(f))
    return out


def zone_records(path, origin):
    """The records of a zone file as dig prints them (named-checkzone -D canonical form)."""
    res = subprocess.run(["named-checkzone", "-q", "-D", "-o", "-", origin, path],
                         capture_output=True, text=True)
    return [" ".join(line.split()) for line in res.stdout.splitlines() if line.strip()]


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def log_has(proc, regex):
    return re.search(regex, proc.text(), re.M) is not None
