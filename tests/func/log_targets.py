# log_targets.py -- the log: section (issue 11): where lines go and their shape, with the real
# fleetdns binary. (a) format json on stderr: every line one JSON object with time, level and
# message, a reload failure quoting a value with a quote and a newline escaped once, and the
# reload line; (b) target syslog: the datagrams glibc's syslog(3) sends to /dev/log, exactly;
# (c) target journal: the native-protocol datagrams sd_journal_send sends to
# /run/systemd/journal/socket (MESSAGE, PRIORITY, SYSLOG_IDENTIFIER, CODE_*), and the
# fallback to stderr when that socket is missing; (d) stderr that is a journald stream
# (JOURNAL_STREAM names it): "<N>" priority prefixes instead of a time.
#
# glibc and libsystemd have those paths built in, so (b) and (c) run fleetdns in a private
# mount namespace (unshare -m, needs root) with the test's own socket bind-mounted there; a
# missing parent (no /dev/log on this host) is made on a tmpfs that keeps the real entries as
# symlinks, so nothing outside the namespace changes.
# SPDX-License-Identifier: MIT
import atexit
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", "."), "tests", "lib"))
from fdnstest import (ok, is_, done_testing, free_port, stop_process, udp_exchange,  # noqa: E402
                      wire_header, wire_question)

TMP = tempfile.mkdtemp(prefix="fdnstest.")
atexit.register(shutil.rmtree, TMP, True)
LEVELS = {"error": 3, "warning": 4, "info": 6, "debug": 7}
BAD_URL = 'tcp://a"b\nc'  # a value from the file, with a quote and a newline

# Binds SRC over TARGET for each pair, then runs the command. A TARGET that does not exist is
# made on a tmpfs mounted over its nearest existing folder, whose entries come back as
# symlinks to the originals (kept reachable by an rbind into the test's folder).
NS_SCRIPT = r'''set -e
keep=$1; shift
while [ "$1" != "--" ]; do
    target=$1 src=$2; shift 2
    if [ ! -e "$target" ]; then
        dir=${target%/*}; up=$dir
        while [ ! -d "$up" ]; do up=${up%/*}; done
        k=$(mktemp -d "$keep/keep.XXXXXX")
        mount --rbind "$up" "$k"
        mount -t tmpfs tmpfs "$up"
        for f in "$k"/* "$k"/.[!.]*; do
            name=$up/${f##*/}
            case "$target" in "$name"|"$name"/*) continue;; esac
            if [ -e "$f" ] || [ -L "$f" ]; then ln -s "$f" "$name"; fi
        done
        mkdir -p "$dir"
        : > "$target"
    fi
    mount --bind "$src" "$target"
done
shift
exec "$@"
'''


def config(port, log, engines=""):
    path = os.path.join(TMP, f"fleetdns-{port}.yaml")
    with open(path, "w") as f:
        f.write(f"""server:
  listen: ["127.0.0.1:{port}"]
  workers: 1
log: {{ {log} }}
zones:
  - name: example.test
engines: [{engines}]
""")
    return path


def start(port, log, stderr_path, env=None, binds=()):
    """fleetdns with the log: settings log, stderr to stderr_path, in a mount namespace
    with binds ((target, our file), ...) if any. Returns the process once it answers."""
    argv = [os.environ["FLEETDNS"], "-c", config(port, log)]
    if binds:
        ns = ["unshare", "-m", "sh", "-c", NS_SCRIPT, "sh", TMP]
        for target, src in binds:
            ns += [target, src]
        argv = ns + ["--"] + argv
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=open(stderr_path, "w"),
                            env=dict(os.environ, **(env or {})))
    atexit.register(stop_process, proc)
    q = wire_header() + wire_question("example.test", 6)
    for _ in range(200):
        if proc.poll() is not None:
            break
        if udp_exchange(port, q, timeout=0.1):
            return proc
        time.sleep(0.05)
    return proc


def reload_bad_then_good(proc, port, log):
    """A reload that fails on a url with a quote and a newline, then one that works."""
    config(port, log, f"{{ name: bad, url: {json.dumps(BAD_URL)} }}")
    proc.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    config(port, log)
    proc.send_signal(signal.SIGHUP)
    time.sleep(0.5)


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    return proc.returncode


def can_unshare():
    try:
        return subprocess.run(["unshare", "-m", "true"], stderr=subprocess.DEVNULL).returncode == 0
    except OSError:
        return False


def skip(desc, why):
    ok(True, f"{desc} # SKIP {why}")


# (a) format json on stderr.
P = free_port()
err = os.path.join(TMP, "json.err")
proc = start(P, "format: json", err)
ok(proc.poll() is None, "json: fleetdns up")
reload_bad_then_good(proc, P, "format: json")
is_(stop(proc), 0, "json: exit status 0")
lines = open(err, "rb").read().split(b"\n")
is_(lines[-1], b"", "json: the output ends with a newline")
objs, bad = [], []
for line in lines[:-1]:
    try:
        objs.append(json.loads(line.decode("utf-8")))
    except ValueError:
        bad.append(line)
is_(bad, [], f"json: all {len(lines) - 1} lines parse as UTF-8 JSON")
is_([sorted(o) for o in objs if sorted(o) != ["level", "message", "time"]], [],
    "json: each object has exactly time, level and message")
is_([o["time"] for o in objs
     if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", o["time"])], [],
    "json: time is UTC with milliseconds (2026-11-30T22:36:59.123Z)")
is_([o["level"] for o in objs if o["level"] not in LEVELS], [], "json: level is a level name")
msgs = [o["message"] for o in objs]
ok(any(re.fullmatch(r"reloaded: 1 zones, \d+ names", m) for m in msgs), "json: reload line",
   "\n".join(msgs))
failed = [o for o in objs if o["message"].startswith("reload failed")]
ok(len(failed) == 1 and failed[0]["level"] == "error" and f"invalid url '{BAD_URL}'"
   in failed[0]["message"], "json: the failed reload quotes the url with its quote and newline,"
   " escaped once (no \\x0a, no doubled backslash)", "\n".join(msgs))
raw = open(err, "rb").read()
ok(b"invalid url 'tcp://a\\\"b\\u000ac'" in raw, "json: exact bytes: \\\" and \\u000a")

# (d) stderr that is a journald stream, and stderr that is not.
P = free_port()
err = os.path.join(TMP, "stream.err")
open(err, "w").close()
st = os.stat(err)
proc = start(P, "", err, env={"JOURNAL_STREAM": f"{st.st_dev}:{st.st_ino}"})
reload_bad_then_good(proc, P, "")
is_(stop(proc), 0, "journald stream: exit status 0")
lines = open(err).read().splitlines()
is_([x for x in lines if not re.match(r"<[3467]>(error|warning|info|debug): ", x)], [],
    "journald stream: every line starts with <N>LEVEL: and no time")
is_([x for x in lines if int(x[1]) != LEVELS[x[3:x.index(":")]]], [],
    "journald stream: N is the level's syslog priority")
ok(any(re.fullmatch(r"<6>info: reloaded: 1 zones, \d+ names", x) for x in lines),
   "journald stream: <6>info: reloaded: ...", "\n".join(lines))
ok(any(x.startswith("<3>error: reload failed") and "invalid url 'tcp://a\"b\\x0ac'" in x
       for x in lines), "journald stream: <3>error: reload failed, newline as \\x0a")
P = free_port()
proc = start(P, "", err, env={"JOURNAL_STREAM": f"{st.st_dev}:{st.st_ino + 1}"})
is_(stop(proc), 0, "another file's JOURNAL_STREAM: exit status 0")
lines = open(err).read().splitlines()
is_([x for x in lines if not re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (info|warning): ", x)],
    [], "another file's JOURNAL_STREAM: plain text lines with a time")

# (b) target syslog.
USER_NS = can_unshare()
P = free_port()
sock_path = os.path.join(TMP, "syslog.sock")
rx = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
rx.bind(sock_path)
rx.settimeout(0.2)
err = os.path.join(TMP, "syslog.err")


def drain(s):
    got = []
    while True:
        try:
            got.append(s.recv(65536))
        except socket.timeout:
            return got


if USER_NS:
    proc = start(P, "target: syslog", err, binds=[("/dev/log", sock_path)])
    ok(proc.poll() is None, "syslog: fleetdns up", open(err).read())
    reload_bad_then_good(proc, P, "target: syslog")
    pid = proc.pid
    is_(stop(proc), 0, "syslog: exit status 0")
    got = [d.decode("utf-8", "replace") for d in drain(rx)]
    print(f"# for example: {got[1] if len(got) > 1 else None!r}")
    stamp = r"[A-Z][a-z]{2} [ 123]\d \d\d:\d\d:\d\d"
    ok(any(re.fullmatch(rf"<30>{stamp} fleetdns\[{pid}\]: info: serving 1 zones, \d+ names",
                        d) for d in got),
       "syslog: <30>MMM DD HH:MM:SS fleetdns[PID]: info: serving ... (daemon.info)",
       "\n".join(got))
    ok(any(re.fullmatch(rf"<27>{stamp} fleetdns\[{pid}\]: error: reload failed, still serving"
                        r" the previous data: .*invalid url 'tcp://a\"b\\x0ac'.*", d)
           for d in got), "syslog: <27> (daemon.err) for the failed reload, newline as \\x0a")
    ok(any(re.fullmatch(rf"<30>{stamp} fleetdns\[{pid}\]: info: reloaded: .*", d) for d in got),
       "syslog: the reload line")
    ok(any(re.fullmatch(rf"<30>{stamp} fleetdns\[{pid}\]: info: stopped", d) for d in got),
       "syslog: the last line, written by the caller after the logging thread stopped")
    is_([d for d in got if not re.match(rf"<(27|28|30|31)>{stamp} fleetdns\[{pid}\]: ", d)],
        [], f"syslog: all {len(got)} datagrams in syslog(3) form, facility daemon")
    is_(open(err).read(), "", "syslog: nothing on stderr")
else:
    for d in range(7):
        skip(f"syslog check {d + 1}", "needs unshare -m (root)")
rx.close()


# (c) target journal.
def journal_fields(data):
    """The fields of one native-protocol datagram: NAME=VALUE lines, or NAME, a 64-bit
    little-endian length and the value, for values with a newline."""
    fields, pos = {}, 0
    while pos < len(data):
        nl = data.index(b"\n", pos)
        line = data[pos:nl]
        if b"=" in line:
            k, v = line.split(b"=", 1)
            pos = nl + 1
        else:
            n = struct.unpack("<Q", data[nl + 1:nl + 9])[0]
            k, v = line, data[nl + 9:nl + 9 + n]
            pos = nl + 9 + n + 1
        fields[k.decode()] = v.decode("utf-8", "replace")
    return fields


P = free_port()
sock_path = os.path.join(TMP, "journal.sock")
rx = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
rx.bind(sock_path)
rx.settimeout(0.2)
err = os.path.join(TMP, "journal.err")
JOURNAL = "/run/systemd/journal/socket"
if USER_NS:
    proc = start(P, "target: journal", err, binds=[(JOURNAL, sock_path)])
    ok(proc.poll() is None, "journal: fleetdns up", open(err).read())
    reload_bad_then_good(proc, P, "target: journal")
    is_(stop(proc), 0, "journal: exit status 0")
    datagrams = drain(rx)
    print(f"# for example: {datagrams[1] if len(datagrams) > 1 else None!r}")
    entries = [journal_fields(d) for d in datagrams]
    serving = [e for e in entries if re.fullmatch(r"info: serving 1 zones, \d+ names",
                                                  e.get("MESSAGE", ""))]
    ok(len(serving) == 1, "journal: MESSAGE=info: serving ...",
       "\n".join(e.get("MESSAGE", "?") for e in entries))
    if serving:
        e = serving[0]
        is_((e.get("PRIORITY"), e.get("SYSLOG_IDENTIFIER")), ("6", "fleetdns"),
            "journal: PRIORITY=6, SYSLOG_IDENTIFIER=fleetdns")
        ok(e.get("CODE_FILE", "").endswith("main.c") and
           e.get("CODE_LINE", "").isdigit() and e.get("CODE_FUNC") == "main",
           "journal: CODE_FILE, CODE_LINE and CODE_FUNC of the call", repr(e))
    failed = [e for e in entries if e.get("MESSAGE", "").startswith("error: reload failed")]
    ok(len(failed) == 1 and failed[0].get("PRIORITY") == "3" and
       "invalid url 'tcp://a\"b\\x0ac'" in failed[0]["MESSAGE"],
       "journal: PRIORITY=3 for the failed reload, newline as \\x0a")
    is_([e for e in entries if e.get("SYSLOG_IDENTIFIER") != "fleetdns" or
         e.get("PRIORITY") not in ("3", "4", "6", "7")], [],
        f"journal: all {len(entries)} entries have the identifier and a priority")
    is_(open(err).read(), "", "journal: nothing on stderr")

    # The journal's socket missing (a plain file in its place): said once, then stderr.
    P = free_port()
    plain = os.path.join(TMP, "not-a-socket")
    open(plain, "w").close()
    proc = start(P, "target: journal, format: json", err, binds=[(JOURNAL, plain)])
    is_(stop(proc), 0, "journal missing: exit status 0")
    objs = [json.loads(x) for x in open(err).read().splitlines()]
    is_(objs[0]["message"] if objs else None,
        f"log: target journal: no socket at {JOURNAL}; logging to standard error",
        "journal missing: said once, first, as a warning in the configured format")
    is_(objs[0]["level"] if objs else None, "warning", "journal missing: level warning")
    ok(any(o["message"] == "stopped" for o in objs) and
       sum("no socket" in o["message"] for o in objs) == 1,
       "journal missing: then every line on stderr")
else:
    for d in range(10):
        skip(f"journal check {d + 1}", "needs unshare -m (root)")
rx.close()
done_testing()
