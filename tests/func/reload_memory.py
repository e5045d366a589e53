# reload_memory.py -- a SIGHUP that changes nothing costs no memory: fleetdns serves a zone of
# 100,000 names, is reloaded three times with the same files, and its resident memory stays
# where the first load left it (it used to keep a second compile of every file zone, the
# served one and the reload's, doubling the zones' memory). Then a reload that does change
# the zone is served, and memory after it is back near the first load's (malloc_trim after
# a load: glibc keeps the freed ldns records otherwise).
# SPDX-License-Identifier: MIT
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", "."), "tests", "func"))
import funclib  # noqa: E402,F401  (puts tests/lib on the path)
import dns.message  # noqa: E402
from fdnstest import Server, bail, done_testing, ok, rss_kib, udp_exchange  # noqa: E402

NAMES = 100_000


def write_zone(path, serial, www):
    with open(path, "w") as f:
        f.write("$ORIGIN mem.test.\n$TTL 60\n")
        f.write(f"@ SOA ns hostmaster {serial} 60 10 3600 5\n@ NS ns\nns A 192.0.2.1\n")
        f.write(f"www A {www}\n")
        for i in range(NAMES):
            f.write(f"h{i} A 10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}\n")


def answer(port, name):
    r = udp_exchange(port, dns.message.make_query(name, "A").to_wire(), timeout=2)
    if not r:
        return None
    m = dns.message.from_wire(r)
    return sorted(rr.address for s in m.answer for rr in s)


def log_count(srv, pattern):
    with open(srv.log) as f:
        return len(re.findall(pattern, f.read()))


def sighup_and_wait(srv, pattern, want, timeout=60):
    srv.proc.send_signal(signal.SIGHUP)
    end = time.time() + timeout
    while time.time() < end:
        if log_count(srv, pattern) >= want:
            return True
        time.sleep(0.1)
    return False


def settled_rss(pid):
    """RSS once it has stopped moving (a load's memory is given back after it)."""
    last = rss_kib(pid)
    for _ in range(50):
        time.sleep(0.2)
        now = rss_kib(pid)
        if abs(now - last) < 256:
            return now
        last = now
    return last


# AddressSanitizer's allocator keeps freed memory in quarantine and does not trim: RSS says
# nothing about fleetdns there, so the memory checks are skipped (the rest still runs).
ASAN = "libasan" in subprocess.run(["ldd", os.environ["FLEETDNS"]], capture_output=True,
                                   text=True).stdout
SKIP = " # SKIP AddressSanitizer build: RSS is its allocator's" if ASAN else ""

tmp = os.environ.get("TEST_TMP") or "/tmp"
zone = os.path.join(tmp, f"mem.test.{os.getpid()}.zone")
write_zone(zone, 1, "192.0.2.80")
srv = Server(["--zone", f"mem.test={zone}"], "mem.test")
ok(answer(srv.port, "h99999.mem.test") == ["10.1.134.159"], "the zone of 100,000 names is served")
loaded = settled_rss(srv.proc.pid)

for i in range(3):
    if not sighup_and_wait(srv, r"reload: nothing served changed", i + 1):
        bail(f"reload {i + 1} did not finish")
after = settled_rss(srv.proc.pid)
ok(ASAN or after < loaded * 1.15,
   f"three reloads of unchanged files: RSS {after} KiB against {loaded} KiB after the first "
   f"load (not a second compile of the zone kept){SKIP}")
ok(answer(srv.port, "www.mem.test") == ["192.0.2.80"], "... and the zone is still served")

write_zone(zone, 2, "192.0.2.81")
ok(sighup_and_wait(srv, r"reload: zones changed", 1), "a reload with the zone changed")
ok(answer(srv.port, "www.mem.test") == ["192.0.2.81"], "... serves the new data")
# The old version goes once no worker reads it (call_rcu), and its heap is given back two
# seconds after the reload's publication (src/daemon/fleet.c, TRIM_DELAY_MS).
end = time.time() + 15
changed = rss_kib(srv.proc.pid)
while not ASAN and changed >= loaded * 1.25 and time.time() < end:
    time.sleep(0.25)
    changed = rss_kib(srv.proc.pid)
ok(ASAN or changed < loaded * 1.25,
   f"... and RSS comes back to {changed} KiB, near the first load's {loaded} KiB (the old "
   f"version freed, its heap given back){SKIP}")
ok(srv.alive(), "fleetdns is still running")
srv.stop()
os.unlink(zone)
done_testing()
