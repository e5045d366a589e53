# run.py -- fleetdns under ThreadSanitizer, everything at once: query load (dnsperf over UDP
# and TCP, pipelined TCP bursts, AXFR and IXFR of a file zone and of the fleet zone), SIGHUP
# reloads with the zone file and the configuration changed between them, and container churn
# on a private Docker Engine (run, kill, start, stop, rm). Then SIGTERM; the run fails when
# TSan reported anything (after tests/tsan/suppressions.txt). Run by scripts/tsan.sh.
# SPDX-License-Identifier: MIT
# Env: FLEETDNS (a --enable-tsan build), TOP_SRCDIR, TSAN_RUN_DIR (folder kept for the TSan
# logs, fleetdns.log and the dnsperf output; default: a new folder under /tmp),
# TSAN_SUPPRESSIONS (default tests/tsan/suppressions.txt; empty: none).
# Needs root, dockerd, busybox-static, dnsperf, /usr/bin/python3 with dnspython and PyYAML.
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

TOP = os.environ.get("TOP_SRCDIR", ".")
sys.path.insert(0, os.path.join(TOP, "tests", "lib"))
import fleet  # noqa: E402
from fleet import ok, is_, diag, now, ms, addrs_are  # noqa: E402
import fdnstest  # noqa: E402

import dns.exception  # noqa: E402
import dns.flags  # noqa: E402
import dns.message  # noqa: E402
import dns.query  # noqa: E402
import dns.rcode  # noqa: E402
import dns.rdatatype  # noqa: E402

RELOADS = 12            # SIGHUPs, one every RELOAD_GAP seconds
RELOAD_GAP = 3.5
CHURN_CYCLES = 7        # 4 container changes each (run, kill, start, stop) + a new service
UDP_QPS, TCP_QPS = 2500, 800
CHANGE_BOUND = 10.0     # seconds for an answer to follow a change (TSan slows fleetdns ~10x)
FILE_ZONE = "ex.test"
Z = fleet.ZONE          # fleet.test
WEB = f"web.{Z}"
API = f"api.{Z}"

T_START = now()
RUN = os.environ.get("TSAN_RUN_DIR") or tempfile.mkdtemp(prefix="fleetdns-tsan.")
os.makedirs(RUN, exist_ok=True)
# TSAN_SUPPRESSIONS= (empty) runs without suppressions, to see everything TSan reports.
SUPP = os.environ.get("TSAN_SUPPRESSIONS", os.path.join(TOP, "tests", "tsan", "suppressions.txt"))
diag(f"run folder {RUN}")

# --- the binary must be a TSan build, or zero reports would prove nothing -----------------------
binary = os.environ.get("FLEETDNS", "")
try:
    with open(binary, "rb") as f:
        is_tsan = b"__tsan_init" in f.read()
except OSError:
    is_tsan = False
ok(is_tsan, f"FLEETDNS ({binary}) is built with ThreadSanitizer (./configure --enable-tsan)")
if not is_tsan:
    fleet.done_testing()
if SUPP and not os.path.exists(SUPP):
    fleet.bail(f"{SUPP} is missing")
for prog in ("dnsperf", "dig"):
    if not fleet.shutil.which(prog):
        fleet.bail(f"{prog} is missing (apt-get install dnsperf bind9-dnsutils)")
for old in os.listdir(RUN):
    if old.startswith("tsan."):
        os.unlink(os.path.join(RUN, old))
TSAN_LOG = os.path.join(RUN, "tsan")
os.environ["TSAN_OPTIONS"] = ":".join([
    "halt_on_error=0",          # go on after a report: see them all
    "exitcode=66",              # exit status when anything was reported
    f"log_path={TSAN_LOG}",     # reports go to tsan.PID in the run folder
    "print_suppressions=1",     # the count of each suppression used, at exit
    "second_deadlock_stack=1",
    "history_size=4",           # longer memory of earlier accesses: fewer lost stacks
] + ([f"suppressions={SUPP}"] if SUPP else []))

# --- a private engine and two replicas of 'web' --------------------------------------------------
e, = fleet.engines_start("tsan")
PORT_LABEL = "fleetdns.port=http:8080"
web = {}                                      # name -> Replica, the ones that must be served


def start_replicas(service, names):
    rs = [fleet.run_replica(e, service, "--label", PORT_LABEL, name=n, wait=None) for n in names]
    for r in rs:
        fleet.wait_health(r, "healthy")
        r.refresh()
    return rs


for r in start_replicas("web", ["web-1", "web-2"]):
    web[r.name] = r

# --- fleetdns: a file zone and the fleet zone, both transferable ---------------------------------
P = fdnstest.free_port()
ZFILE = os.path.join(RUN, f"{FILE_ZONE}.zone")
CONF = os.path.join(RUN, "fleetdns.conf")


def www_addr(k):
    return f"198.51.100.{k + 1}"


def write_zone(k):
    """Version k of the file zone: serial 100+k, www = www_addr(k), names r1..rk."""
    lines = ["$TTL 60", f"@ IN SOA ns hostmaster {100 + k} 60 10 3600 5", "@ IN NS ns",
             "ns IN A 127.0.0.1", f"www IN A {www_addr(k)}", "mail IN MX 10 www",
             'txt IN TXT "reload ' + str(k) + '"']
    lines += [f"r{i} IN A 203.0.113.{i}" for i in range(1, k + 1)]
    with open(ZFILE + ".new", "w") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(ZFILE + ".new", ZFILE)     # a reload never reads a half-written file


def fleet_ttl(k):
    return 5 if k % 2 == 0 else 7


def write_conf(k):
    """Version k of the configuration: log level and fleet TTL alternate (the last logs at
    info, so that 'stopped' is logged)."""
    text = f"""server:
  listen: ["127.0.0.1:{P}"]
  workers: 2
  log-level: {"info" if k % 2 == 0 or k == RELOADS else "warning"}
zones:
  - name: {Z}
    allow-transfer: ["127.0.0.1"]
  - name: {FILE_ZONE}
    file: {ZFILE}
    allow-transfer: ["127.0.0.1"]
engines:
  - name: {e.name}
    url: {e.url}
fleet:
  zone: {Z}
  ttl: {fleet_ttl(k)}
"""
    with open(CONF + ".new", "w") as f:
        f.write(text)
    os.replace(CONF + ".new", CONF)


write_zone(0)
write_conf(0)
srv = fleet.start_fleetdns(config=CONF, port=P)
diag(f"fleetdns (TSan) answering on port {P} after {ms(now() - T_START)} ms")


def web_ips():
    return {r.ip for r in web.values()}


good, _, a = fleet.poll(P, WEB, addrs_are(web_ips()), CHANGE_BOUND)
ok(good, f"{WEB} A = the 2 replicas before the load starts", a.summary() if a else "no answer")

# --- load: dnsperf over UDP and TCP --------------------------------------------------------------
QFILE = os.path.join(RUN, "queries.txt")
with open(QFILE, "w") as f:
    f.write("\n".join([
        f"{WEB} A", f"{WEB} AAAA", f"_http._tcp.{WEB} SRV", f"web-1-{e.name}.{WEB} A",
        f"{Z} SOA", f"{Z} NS", f"nope.{Z} A", f"{API} A",
        f"www.{FILE_ZONE} A", f"{FILE_ZONE} SOA", f"mail.{FILE_ZONE} MX", f"txt.{FILE_ZONE} TXT",
        f"r1.{FILE_ZONE} A", f"nope.{FILE_ZONE} A", f"x.y.www.{FILE_ZONE} A",
    ]) + "\n")
perf = {}
for mode, qps in (("udp", UDP_QPS), ("tcp", TCP_QPS)):
    out = open(os.path.join(RUN, f"dnsperf-{mode}.out"), "w")
    perf[mode] = (subprocess.Popen(
        ["dnsperf", "-m", mode, "-s", "127.0.0.1", "-p", str(P), "-d", QFILE, "-c", "4",
         "-Q", str(qps), "-l", "600", "-t", "5"] + (["-e"] if mode == "udp" else []),
        stdout=out, stderr=subprocess.STDOUT), out)


def stop_perf():
    for p, _ in perf.values():
        if p.poll() is None:
            p.send_signal(signal.SIGINT)   # dnsperf prints its statistics and exits
    for p, _ in perf.values():
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


fleet.at_cleanup(stop_perf)
stop_load = threading.Event()
stats = {"pipe_sent": 0, "pipe_answered": 0, "pipe_bad": [], "pipe_conns": 0,
         "axfr": 0, "ixfr": 0, "xfr_bad": []}


# --- load: pipelined TCP bursts ------------------------------------------------------------------
PIPE_NAMES = [(WEB, "A"), (f"www.{FILE_ZONE}", "A"), (f"nope.{FILE_ZONE}", "A"),
              (f"_http._tcp.{WEB}", "SRV"), (Z, "SOA"), (f"mail.{FILE_ZONE}", "MX"),
              (f"nope.{Z}", "TXT"), (f"{FILE_ZONE}", "NS")]
BURST = 16


def pipeline_load():
    """Connections of 10 bursts; each burst is 16 queries in one write, then 16 answers, which
    must carry the 16 ids once each, with QR and NOERROR or NXDOMAIN."""
    while not stop_load.is_set():
        try:
            s = socket.create_connection(("127.0.0.1", P), timeout=10)
        except OSError as ex:
            stats["pipe_bad"].append(f"connect: {ex}")
            return
        stats["pipe_conns"] += 1
        try:
            for _ in range(10):
                if stop_load.is_set():
                    break
                wire, want = b"", set()
                for i in range(BURST):
                    name, t = PIPE_NAMES[i % len(PIPE_NAMES)]
                    q = dns.message.make_query(name, t)
                    q.id = (stats["pipe_sent"] + i) & 0xffff
                    want.add(q.id)
                    w = q.to_wire()
                    wire += struct.pack("!H", len(w)) + w
                s.sendall(wire)
                stats["pipe_sent"] += BURST
                for _ in range(BURST):
                    m = fdnstest.tcp_read_msg(s)
                    if m is None:
                        stats["pipe_bad"].append("connection closed before every answer came")
                        break
                    r = dns.message.from_wire(m)
                    rc = dns.rcode.to_text(r.rcode())
                    if r.id not in want or not r.flags & dns.flags.QR or \
                            rc not in ("NOERROR", "NXDOMAIN"):
                        stats["pipe_bad"].append(f"id {r.id} rcode {rc} (wanted one of {want})")
                    else:
                        want.discard(r.id)
                        stats["pipe_answered"] += 1
                if want:
                    break
                time.sleep(0.02)
        except (OSError, dns.exception.DNSException) as ex:
            stats["pipe_bad"].append(f"pipelining: {ex}")
        finally:
            s.close()


# --- load: AXFR and IXFR -------------------------------------------------------------------------
def transfer(zone, rdtype, serial=0):
    """(SOA serial of the answer, records) or raises. An AXFR must begin and end with the SOA."""
    recs = []
    for m in dns.query.xfr("127.0.0.1", zone, rdtype=rdtype, port=P, timeout=10, lifetime=30,
                           serial=serial, relativize=False):
        for rrset in m.answer:
            for rd in rrset:
                recs.append((rrset.name.to_text(), rd.rdtype, rd))
    if not recs or recs[0][1] != dns.rdatatype.SOA:
        raise RuntimeError(f"{zone} {rdtype}: no SOA first ({len(recs)} records)")
    if rdtype == "AXFR" and (recs[-1][1] != dns.rdatatype.SOA or
                             recs[-1][2].serial != recs[0][2].serial):
        raise RuntimeError(f"{zone} AXFR: does not end with the same SOA")
    return recs[0][2].serial, recs


def xfr_load():
    """AXFR of both zones, then IXFR from the serial before the current one (so the journal of
    the differences is read, or fleetdns falls back to a full transfer)."""
    last = {}
    while not stop_load.is_set():
        for zone in (FILE_ZONE, Z):
            try:
                serial, _ = transfer(zone, "AXFR")
                stats["axfr"] += 1
                if zone in last and last[zone] < serial:
                    transfer(zone, "IXFR", last[zone])
                    stats["ixfr"] += 1
                last[zone] = serial
            except Exception as ex:  # noqa: BLE001 -- every failure is a finding
                stats["xfr_bad"].append(f"{zone}: {type(ex).__name__}: {ex}")
        stop_load.wait(0.3)


# --- reloads: zone file and configuration changed between SIGHUPs ------------------------------
reload_log = {"sent": 0, "seen": 0, "ttl_seen": 0, "bad": []}


def reloads():
    for k in range(1, RELOADS + 1):
        stop_load.wait(RELOAD_GAP)
        write_zone(k)
        write_conf(k)
        srv.proc.send_signal(signal.SIGHUP)
        reload_log["sent"] += 1
        good, lat, a = fleet.poll(P, f"www.{FILE_ZONE}", addrs_are({www_addr(k)}), CHANGE_BOUND)
        s = fleet.soa_serial(P, FILE_ZONE)
        r = fleet.query(P, f"r{k}.{FILE_ZONE}")
        if good and s == 100 + k and r is not None and r.order == [f"203.0.113.{k}"]:
            reload_log["seen"] += 1
        else:
            reload_log["bad"].append(f"reload {k}: www {a.summary() if a else 'no answer'}, "
                                     f"serial {s}, r{k} {r.summary() if r else 'no answer'}")
        # the configuration too: the fleet TTL of this version
        good_ttl, _, a = fleet.poll(P, WEB, lambda x: x.rcode == "NOERROR" and x.answer and all(
            ttl == fleet_ttl(k) for _, ttl, _, _ in x.answer), CHANGE_BOUND)
        if good_ttl:
            reload_log["ttl_seen"] += 1
        else:
            reload_log["bad"].append(f"reload {k}: fleet TTL not {fleet_ttl(k)}: "
                                     f"{a.answer if a else 'no answer'}")
        diag(f"reload {k}: answered {lat} ms after SIGHUP")


# --- container churn, checked in the answers ---------------------------------------------------
churn = {"changes": 0, "seen": 0, "bad": []}


def expect_web(what):
    churn["changes"] += 1
    t = now()
    good, lat, a = fleet.poll(P, WEB, addrs_are(web_ips()), CHANGE_BOUND)
    if good:
        churn["seen"] += 1
        diag(f"churn: {what}: seen in {WEB} after {lat} ms")
    else:
        churn["bad"].append(f"{what}: {WEB} not {sorted(web_ips())} after {ms(now() - t)} ms: "
                            f"{a.summary() if a else 'no answer'}")


def container_churn():
    for c in range(1, CHURN_CYCLES + 1):
        r, = start_replicas("web", [f"web-c{c}"])
        web[r.name] = r
        expect_web(f"run {r.name}")
        e.docker("kill", r.id)
        del web[r.name]
        expect_web(f"kill {r.name}")
        e.docker("start", r.id)
        fleet.wait_health(r, "healthy")
        web[r.name] = r.refresh()
        expect_web(f"start {r.name}")
        e.docker("stop", r.id)
        del web[r.name]
        expect_web(f"stop {r.name}")
        e.docker("rm", "-f", r.id)
    # a service that appears (a new part of the fleet zone) and goes (NODATA)
    a1, = start_replicas("api", ["api-1"])
    churn["changes"] += 1
    good, lat, a = fleet.poll(P, API, addrs_are({a1.ip}), CHANGE_BOUND)
    churn["seen"] += good
    diag(f"churn: run {a1.name} (new service api): seen in {API} after {lat} ms")
    if not good:
        churn["bad"].append(f"new service api: {a.summary() if a else 'no answer'}")
    e.docker("rm", "-f", a1.id)
    churn["changes"] += 1
    good, lat, a = fleet.poll(P, API, fleet.nodata, CHANGE_BOUND)
    churn["seen"] += good
    diag(f"churn: rm {a1.name}: {API} NODATA after {lat} ms")
    if not good:
        churn["bad"].append(f"api removed, not NODATA: {a.summary() if a else 'no answer'}")


# --- run it all at once --------------------------------------------------------------------------
t_load = now()
loaders = [threading.Thread(target=pipeline_load, daemon=True),
           threading.Thread(target=xfr_load, daemon=True)]
for th in loaders:
    th.start()
reloader = threading.Thread(target=reloads, daemon=True)
reloader.start()
churn_error = None
try:
    container_churn()
except Exception as ex:  # noqa: BLE001 -- reported below, then the rest is still checked
    churn_error = f"{type(ex).__name__}: {ex}"
reloader.join(RELOADS * (RELOAD_GAP + 3 * CHANGE_BOUND))
time.sleep(1.0)                      # load on the last versions too
stop_load.set()
for th in loaders:
    th.join(60)
stop_perf()
load_s = now() - t_load
diag(f"load, reloads and churn ran for {load_s:.1f} s")

# --- what the load saw ---------------------------------------------------------------------------


def perf_stats(text):
    """(sent, completed, lost, {rcode: count}) from dnsperf's statistics."""
    def num(label):
        m = re.search(rf"{label}:\s+(\d+)", text)
        return int(m.group(1)) if m else None
    m = re.search(r"Response codes:(.*)", text)
    codes = {c: int(n) for c, n in re.findall(r"([A-Z]+) (\d+) \(", m.group(1))} if m else {}
    return num("Queries sent"), num("Queries completed"), num("Queries lost"), codes


for mode, (p, out) in perf.items():
    out.close()
    text = open(out.name).read()
    sent, done, lost, codes = perf_stats(text)
    qps = UDP_QPS if mode == "udp" else TCP_QPS
    M = mode.upper()
    diag(f"dnsperf {mode}: sent {sent}, completed {done}, lost {lost}, codes {codes}")
    ok(sent is not None and sent >= 0.5 * qps * load_s,
       f"dnsperf over {M}: {sent} queries sent (at most {qps}/s for {load_s:.0f} s)",
       text[-1500:])
    # UDP: a datagram may be dropped by a saturated 2-core machine (dockerd, TSan); TCP: none.
    allowed = (sent or 0) // 1000 if mode == "udp" else 0
    ok(lost is not None and lost <= allowed,
       f"dnsperf over {M}: {done} of {sent} answered ({lost} lost; at most {allowed})")
    ok(codes and set(codes) <= {"NOERROR", "NXDOMAIN"} and sum(codes.values()) == done,
       f"dnsperf over {M}: every answer NOERROR or NXDOMAIN", codes)

ok(not stats["pipe_bad"] and stats["pipe_answered"] == stats["pipe_sent"] > 0,
   f"pipelined TCP: {stats['pipe_answered']} of {stats['pipe_sent']} queries answered, in "
   f"bursts of {BURST} on {stats['pipe_conns']} connections",
   "\n".join(stats["pipe_bad"][:10]))
ok(not stats["xfr_bad"] and stats["axfr"] >= 10 and stats["ixfr"] >= 1,
   f"transfers from 127.0.0.1: {stats['axfr']} AXFR and {stats['ixfr']} IXFR, all complete",
   "\n".join(stats["xfr_bad"][:10]))
is_(reload_log["sent"], RELOADS, f"{RELOADS} SIGHUP reloads sent")
ok(reload_log["seen"] == reload_log["ttl_seen"] == RELOADS,
   f"every reload seen in the answers: zone {reload_log['seen']}/{RELOADS} (serial, changed "
   f"and added names), configuration {reload_log['ttl_seen']}/{RELOADS} (fleet TTL)",
   "\n".join(reload_log["bad"]))
ok(churn_error is None and churn["seen"] == churn["changes"] == 4 * CHURN_CYCLES + 2,
   f"container changes seen in the answers: {churn['seen']} of {churn['changes']} "
   f"(want {4 * CHURN_CYCLES + 2})",
   "\n".join(churn["bad"] + ([churn_error] if churn_error else [])))
good, _, a = fleet.poll(P, WEB, addrs_are(web_ips()), CHANGE_BOUND)
ok(good, f"after the churn: {WEB} A = the 2 first replicas", a.summary() if a else "no answer")

# --- SIGTERM, then what TSan said ----------------------------------------------------------------
log_copy = os.path.join(RUN, "fleetdns.log")
t = now()
srv.proc.send_signal(signal.SIGTERM)
try:
    rc = srv.proc.wait(120)
except subprocess.TimeoutExpired:
    rc = None
fleet._servers.pop(P, None)
try:
    log_text = open(srv.log).read()
    with open(log_copy, "w") as f:
        f.write(log_text)
except OSError:
    log_text = ""
srv.stop()
diag(f"fleetdns stopped {ms(now() - t)} ms after SIGTERM, status {rc}")
reports, summaries, matched = [], [], []
for name in sorted(os.listdir(RUN)):
    if not name.startswith("tsan."):
        continue
    text = open(os.path.join(RUN, name), errors="replace").read()
    reports += [b for b in text.split("==================") if "WARNING: ThreadSanitizer" in b]
    summaries += re.findall(r"^SUMMARY: ThreadSanitizer: (.*)$", text, re.M)
    matched += re.findall(r"^\s*(\d+ \S+:\S+)\s*$", text, re.M)
for m in matched:
    diag(f"suppressed by {os.path.basename(SUPP)}: {m}")
for rep in reports:
    diag(rep.strip())
last_line = log_text.rstrip("\n").rsplit("\n", 1)[-1]
ok(rc is not None and last_line.endswith("info: stopped"),
   "SIGTERM stops fleetdns and it logs 'stopped'", log_text[-800:])
is_(len(reports), 0, "ThreadSanitizer reports (after the suppressions)")
# TSan cannot see liburcu's grace periods, so snapshots freed by call_rcu always look racy:
# seeing them (suppressed) proves TSan watched this run and its log was read.
rcu_seen = sum(int(m.split()[0]) for m in matched if "published_free" in m)
ok(not SUPP or rcu_seen > 0,
   f"TSan was watching: {rcu_seen} reports of call_rcu freeing old snapshots, suppressed",
   "no 'Matched ... suppressions' in the TSan log: was it written to the run folder?")
is_(rc, 0, "fleetdns exit status 0 (TSan exits 66 when it reported anything)")
if summaries:
    diag("TSan summaries:\n" + "\n".join(summaries))
diag(f"whole run {now() - T_START:.1f} s; reports, fleetdns.log, dnsperf output in {RUN}")
fleet.done_testing()
