# fdnstest.py -- TAP output, a fleetdns process and raw socket helpers for Python tests.
# SPDX-License-Identifier: MIT
# Run with Debian's /usr/bin/python3 (it sees python3-dnspython).
import atexit
import os
import random
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

_n = 0
_failed = 0


def ok(cond, desc, detail=None):
    global _n, _failed
    _n += 1
    if cond:
        print(f"ok {_n} - {desc}")
    else:
        _failed += 1
        print(f"not ok {_n} - {desc}")
        if detail is not None:
            for line in str(detail).splitlines():
                print(f"#   {line}")
    sys.stdout.flush()
    return cond


def is_(got, want, desc):
    return ok(got == want, desc, f"got:  {got!r}\nwant: {want!r}")


def done_testing():
    print(f"1..{_n}")
    sys.exit(1 if _failed else 0)


def bail(msg):
    print(f"Bail out! {msg}")
    sys.exit(1)


def wire_name(text):
    """A domain name in uncompressed wire format."""
    out = b""
    for label in text.strip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def wire_header(qid=0x1234, flags=0x0100, qd=1, an=0, ns=0, ar=0):
    return struct.pack("!HHHHHH", qid, flags, qd, an, ns, ar)


def wire_question(qname, qtype=1, qclass=1):
    return wire_name(qname) + struct.pack("!HH", qtype, qclass)


def _port_range():
    """Ports for test servers: below the kernel's ephemeral range. dig (BIND's netmgr) binds
    its source ports with SO_REUSEPORT, so a server port inside that range can be shared by
    dig's own socket, and dig then receives its own query (seen as a NOERROR answer without
    QR or records, once in a few thousand queries)."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low, high = (int(x) for x in f.read().split())
    except (OSError, ValueError):
        low, high = 32768, 60999
    if low > 11000:
        return 10000, low - 1
    return high + 1, 65535


def free_port():
    first, last = _port_range()
    for _ in range(200):
        p = random.randint(first, last)
        good = True
        for fam, addr in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
            for typ in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                s = socket.socket(fam, typ)
                try:
                    s.bind((addr, p))
                except OSError:
                    good = False
                finally:
                    s.close()
        if good:
            return p
    bail("no free port")


def udp_exchange(port, wire, timeout=2.0, addr="127.0.0.1"):
    """Send wire, return the response bytes or None on timeout."""
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        s.sendto(wire, (addr, port))
        return s.recv(65535)
    except OSError:  # timeout, or refused before the server has bound its socket
        return None
    finally:
        s.close()


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def tcp_read_msg(s):
    head = recv_exact(s, 2)
    if head is None:
        return None
    return recv_exact(s, struct.unpack("!H", head)[0])


def rss_kib(pid):
    """The resident memory of process pid, in KiB (VmRSS), or -1."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def stop_process(proc, grace=10):
    """SIGTERM, then SIGKILL after grace seconds; waits either way."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Server:
    """A fleetdns process on a fresh port; stopped at exit."""

    def __init__(self, args, wait_zone, port=None):
        self.port = port or free_port()
        self.tmp = tempfile.mkdtemp(prefix="fdnstest.")
        self.log = os.path.join(self.tmp, "fleetdns.log")
        binary = os.environ["FLEETDNS"]
        if "-c" not in args and "--listen" not in args:
            args = ["--listen", f"127.0.0.1:{self.port}"] + list(args)
        self.proc = subprocess.Popen([binary] + list(args), stdout=open(self.log, "w"),
                                     stderr=subprocess.STDOUT)
        atexit.register(self.stop)
        import dns.message
        q = dns.message.make_query(wait_zone, "SOA").to_wire()
        for _ in range(200):
            if self.proc.poll() is not None:
                break
            if udp_exchange(self.port, q, timeout=0.1):
                return
            time.sleep(0.05)
        print(open(self.log).read().replace("\n", "\n# "))
        bail("fleetdns did not start")

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        stop_process(self.proc)
        shutil.rmtree(self.tmp, ignore_errors=True)
        return self.proc.returncode
