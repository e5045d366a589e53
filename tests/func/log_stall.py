# log_stall.py -- logging never blocks serving (issue 10): with stderr a pipe that nobody
# reads and that is already full, thousands of refused transfers (each logs a warning) do not
# stop ordinary queries, and SIGTERM still stops the process; repeats from one call site are
# limited to 20 lines per 10 s and then summarised with their count.
# SPDX-License-Identifier: MIT
import atexit
import fcntl
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", "."), "tests", "func"))
import funclib as F  # noqa: E402
from fdnstest import ok, is_, done_testing, free_port, stop_process  # noqa: E402
import dns.message  # noqa: E402

F_SETPIPE_SZ = 1031
tmp = tempfile.mkdtemp(prefix="fdnstest.")
atexit.register(shutil.rmtree, tmp, True)


def config(port):
    path = os.path.join(tmp, f"fleetdns-{port}.yaml")
    with open(path, "w") as f:
        f.write(f"""server:
  listen: ["127.0.0.1:{port}"]
  workers: 2
zones:
  - name: example.test
    file: "{os.path.join(F.ZONES, 'example.test.zone')}"
    allow-transfer: [127.0.0.2]
""")
    return path


def wait_up(proc, port):
    q = dns.message.make_query("example.test", "SOA").to_wire()
    for _ in range(200):
        if proc.poll() is None and F.udp(port, q, timeout=0.1):
            return True
        time.sleep(0.05)
    return False


def refused_ixfrs(port, count):
    """count IXFR queries over UDP from 127.0.0.1, which allow-transfer does not list: each
    one is refused and logged as a warning. Returns how many got an answer."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1.0)
    wire = F.raw_query("example.test", 251)
    answered = 0
    for i in range(0, count, 50):
        for _ in range(50):
            s.sendto(wire, ("127.0.0.1", port))
        for _ in range(50):
            try:
                s.recv(512)
                answered += 1
            except OSError:
                break
    s.close()
    return answered


def ordinary_queries(port, count):
    q = dns.message.make_query("www.example.test", "A")
    got = 0
    for _ in range(count):
        r = F.parse(F.udp(port, q, timeout=1.0))
        got += r is not None and r.rcode() == 0 and len(r.answer) == 1
    return got


# 1. A stalled reader: the pipe is shrunk to one page and filled up by the test itself once
# fleetdns has started, so every write fleetdns makes to stderr would block.
P = free_port()
rfd, wfd = os.pipe()
fcntl.fcntl(wfd, F_SETPIPE_SZ, 4096)
proc = subprocess.Popen([os.environ["FLEETDNS"], "-c", config(P)], stdout=subprocess.DEVNULL,
                        stderr=wfd)
atexit.register(stop_process, proc)
ok(wait_up(proc, P), "fleetdns up with stderr on a pipe")
# A second open file description of the same pipe: O_NONBLOCK on it leaves fleetdns's
# stderr blocking (flags on a dup would be shared).
filler = os.open(f"/proc/self/fd/{wfd}", os.O_WRONLY | os.O_NONBLOCK)
filled = 0
try:
    while True:
        filled += os.write(filler, b"x" * 512)
except BlockingIOError:
    pass
ok(filled > 0, f"stderr pipe filled by the test ({filled} bytes more)")
answered = refused_ixfrs(P, 5000)
ok(answered >= 4500, f"5,000 refused IXFRs with stderr stalled: {answered} answered (REFUSED)")
is_(ordinary_queries(P, 30), 30, "30 ordinary queries answered with stderr stalled")
t0 = time.monotonic()
proc.send_signal(signal.SIGTERM)
try:
    proc.wait(10)
    stopped = time.monotonic() - t0
except subprocess.TimeoutExpired:
    stopped = None
ok(stopped is not None and stopped < 5, f"SIGTERM with stderr stalled stops it (in {stopped} s)")
is_(proc.returncode, 0, "exit status 0")
for fd in (filler, wfd, rfd):
    os.close(fd)

# 2. Repeats: 1,000 refusals from one call site within a window: 20 lines, then one summary
# with the count of the others when the 10 s window ends.
P = free_port()
log_path = os.path.join(tmp, "fleetdns.log")
proc = subprocess.Popen([os.environ["FLEETDNS"], "-c", config(P)], stdout=subprocess.DEVNULL,
                        stderr=open(log_path, "w"))
atexit.register(stop_process, proc)
ok(wait_up(proc, P), "fleetdns up with stderr on a file")
t0 = time.monotonic()
answered = refused_ixfrs(P, 1000)
ok(answered >= 950, f"1,000 refused IXFRs: {answered} answered")
sent = answered  # a refusal the client did not hear back from may still have been logged
summary = None
deadline = time.monotonic() + 15
while time.monotonic() < deadline and summary is None:
    time.sleep(0.5)
    summary = re.search(r"warning: (\d+) more like this in the last (\d+) s: xfr: IXFR of "
                        r"example\.test\. from 127\.0\.0\.1#\d+ refused", open(log_path).read())
text = open(log_path).read()
shown = len(re.findall(r"warning: xfr: IXFR of example\.test\. from 127\.0\.0\.1#\d+ refused",
                       text))
is_(shown, 20, "20 refusal lines shown in the window")
ok(summary is not None, "then one summary line", text[-600:])
if summary:
    held = int(summary.group(1))
    ok(sent - 20 <= held <= 1000 - 20,
       f"the summary counts the {held} lines held back ({sent} refusals answered)")
    ok(10 <= int(summary.group(2)) <= 12, f"over the {summary.group(2)} s window")
ok(time.monotonic() - t0 < 14, "summary written within about a second of the window's end")
ok(ordinary_queries(P, 5) == 5, "still answering")
done_testing()
