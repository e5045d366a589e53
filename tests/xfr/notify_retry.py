# notify_retry.py -- NOTIFY is sent again until the secondary answers (RFC 1996 3.6, 4.8;
# src/xfr/notify.c): a fake secondary (a UDP socket of this test on a loopback high port,
# the zone's notify: target) leaves the first IGNORED NOTIFYs unanswered and answers the next;
# the test counts what fleetdns sent, measures the intervals (1, 2, 4 s: bounded loosely, the
# machine is shared), and checks that nothing more comes once answered; a second zone's
# NOTIFY, answered at once, is sent once. Then a reload with the zones unchanged sends
# nothing (NOTIFY follows the serial), and a reload that bumps one zone's serial sends one
# NOTIFY for it, answered at once and not repeated, and none for the other zone.
# Meanwhile a second fleetdns notifies a secondary that never answers: exactly 1 + 5 NOTIFYs
# (RFC 1996 3.6: "a maximum of 5 retransmissions"), 1, 2, 4, 8 and 16 s apart, then one log
# line giving up 32 s after the last, and nothing more; a serial change later notifies again.
# First tier: no root, no peer server; about 75 s (the silent secondary's 63 s).
# SPDX-License-Identifier: MIT
import os
import re
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", "."), "tests", "xfr"))
import xfrlib as X  # noqa: E402
from xfrlib import ok, is_, diag  # noqa: E402

import dns.flags  # noqa: E402
import dns.message  # noqa: E402
import dns.opcode  # noqa: E402
import dns.rdatatype  # noqa: E402

IGNORED = 3           # NOTIFYs left unanswered before the secondary answers
SCHEDULE = [1, 2, 4]  # src/xfr/notify.c: retries after 1, 2, 4 ... s (at most 60)
QUIET = 10.0          # seconds watched after the answer: the next retry was due 8 s after
RETRANSMITS = 5       # src/xfr/notify.c NOTIFY_RETRANSMITS: then it gives up
SILENT_SCHEDULE = [1, 2, 4, 8, 16]  # the intervals before each retransmission, in s
GIVE_UP = 32          # s after the last try without an answer: given up


class FakeSecondary:
    """A UDP socket that records every message with its arrival time (time.monotonic())
    and answers NOTIFY with NOERROR, as a secondary does, but for the first ignore[zone]
    NOTIFYs of each zone named in ignore."""

    def __init__(self, ignore):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.port = X.free_port()
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.settimeout(0.1)
        self.ignore = ignore
        self.got = []       # (time, zone, dns.message or None, answered)
        self.lock = threading.Lock()
        self.running = True
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while self.running:
            try:
                wire, addr = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            t = time.monotonic()
            try:
                msg = dns.message.from_wire(wire)
                zone = msg.question[0].name.to_text()
            except Exception:
                msg, zone = None, None
            with self.lock:
                seen = sum(1 for g in self.got if g[1] == zone)
                answer = msg is not None and seen >= self.ignore.get(zone, 0)
                self.got.append((t, zone, msg, answer))
            if answer:
                r = dns.message.make_response(msg)
                r.flags |= dns.flags.AA
                self.sock.sendto(r.to_wire(), addr)

    def messages(self, zone=None):
        with self.lock:
            return [g for g in self.got if zone is None or g[1] == zone]

    def stop(self):
        self.running = False
        self.thread.join(2)
        self.sock.close()


def serial_of(msg):
    """The serial of the SOA in the NOTIFY's answer section (RFC 1996 3.7), or None."""
    for rrset in msg.answer:
        if rrset.rdtype == dns.rdatatype.SOA:
            return rrset[0].serial
    return None


def notify_shape(msg, zone, serial):
    """What is wrong with msg as a NOTIFY for zone at serial, or None."""
    if msg is None:
        return "not a DNS message"
    if msg.opcode() != dns.opcode.NOTIFY:
        return f"opcode {dns.opcode.to_text(msg.opcode())}"
    if msg.flags & dns.flags.QR:
        return "QR set"
    if not msg.flags & dns.flags.AA:
        return "AA not set"
    if len(msg.question) != 1 or msg.question[0].to_text() != f"{zone} IN SOA":
        return f"question {[q.to_text() for q in msg.question]}"
    if serial_of(msg) != serial:
        return f"answer SOA serial {serial_of(msg)}, not {serial}"
    return None


Z, OTHER = "notify.test.", "other.test."
sec = FakeSecondary({Z: IGNORED})
P = X.free_port()
SOA = "@ IN SOA ns hostmaster {} 3600 600 86400 30\n"
BODY = "$TTL 300\n{}@ IN NS ns\nns IN A 127.0.0.1\nwww IN A 192.0.2.80\n"
ZONE = X.write(os.path.join(X.TMP, "notify.test.zone"), BODY.format(SOA.format(1)))
OTHER_ZONE = X.write(os.path.join(X.TMP, "other.test.zone"), BODY.format(SOA.format(7)))
srv = X.fleetdns(f"""server:
  listen: ["127.0.0.1:{P}"]
zones:
  - name: notify.test
    file: {ZONE}
    notify: ["127.0.0.1:{sec.port}"]
  - name: other.test
    file: {OTHER_ZONE}
    notify: ["127.0.0.1:{sec.port}"]
""", wait_zone="notify.test", port=P)

# A second fleetdns whose one secondary answers none of the first 1 + RETRANSMITS NOTIFYs
# (a secondary that is down); its first NOTIFY goes out now, its last 31 s later.
S = "silent.test."
silent = FakeSecondary({S: 1 + RETRANSMITS})
P2 = X.free_port()
SILENT_ZONE = X.write(os.path.join(X.TMP, "silent.test.zone"), BODY.format(SOA.format(1)))
srv2 = X.fleetdns(f"""server:
  listen: ["127.0.0.1:{P2}"]
zones:
  - name: silent.test
    file: {SILENT_ZONE}
    notify: ["127.0.0.1:{silent.port}"]
""", name="silent", wait_zone="silent.test", port=P2)

# --- the NOTIFY at start, unanswered IGNORED times, then answered -------------------------
# notify.test's first IGNORED NOTIFYs go unanswered; other.test's is answered at once.
want = IGNORED + 1
got, _ = X.wait_for(lambda: len(sec.messages(Z)) >= want, sum(SCHEDULE) + 10)
msgs = sec.messages(Z)
ok(got, f"{want} NOTIFYs for {Z} arrive while the first {IGNORED} go unanswered "
   f"(RFC 1996 3.6)", f"{len(msgs)} arrived")
bad = [notify_shape(m, Z, 1) for _, _, m, _ in msgs[:want]]
ok(msgs and all(b is None for b in bad),
   f"each is a NOTIFY (opcode 4, QR=0, AA=1) for {Z} IN SOA with the SOA of serial 1 "
   "in the answer section (RFC 1996 3.7)", bad)
times = [t for t, _, _, _ in msgs[:want]]
gaps = [round(b - a, 3) for a, b in zip(times, times[1:])]
diag(f"intervals between NOTIFYs: {gaps} s")
ok(len(gaps) == len(SCHEDULE) and
   all(0.8 * s <= g <= s + 1.5 for g, s in zip(gaps, SCHEDULE)),
   f"sent again after {', '.join(str(s) for s in SCHEDULE)} s: each interval doubles "
   f"(within 0.8x and +1.5 s; RFC 1996 3.6)", f"intervals {gaps}")
# The answered one ends it: nothing more for QUIET seconds (the next retry was due
# 2 * SCHEDULE[-1] = 8 s after the last one).
time.sleep(max(0.0, times[-1] + QUIET - time.monotonic()) if times else QUIET)
is_(len(sec.messages(Z)), want, f"after the answer to NOTIFY number {want}: no more NOTIFY "
    f"in {QUIET:.0f} s (RFC 1996 3.6 and 4.8: a response ends the retries)")
ok(X.log_has(srv, rf"notify: notify\.test\. serial 1 to \S+ answered after {want} tries"),
   f"the log says: answered after {want} tries")
other = sec.messages(OTHER)
ok(len(other) == 1 and notify_shape(other[0][2], OTHER, 7) is None,
   f"{OTHER}, answered at once: one NOTIFY for serial 7, never repeated",
   [(round(t - other[0][0], 3), notify_shape(m, OTHER, 7)) for t, _, m, _ in other])

# --- a reload with the zones unchanged: no NOTIFY ------------------------------------------
before = len(sec.messages())
marks = srv.text().count("reloaded:")
srv.proc.send_signal(X.signal.SIGHUP)
done, _ = X.wait_for(lambda: srv.text().count("reloaded:") > marks, 10)
ok(done, "SIGHUP with the zone files unchanged: reloaded")
time.sleep(3)
is_(len(sec.messages()) - before, 0,
    "no NOTIFY after a reload that left every serial as it was (RFC 1996 3.1: NOTIFY tells "
    "of a change)")

# --- a reload that bumps one serial: one NOTIFY for it, answered, not repeated -----------
before, before_other = len(sec.messages(Z)), len(sec.messages(OTHER))
X.write(ZONE, BODY.format(SOA.format(2)))
srv.proc.send_signal(X.signal.SIGHUP)
served, _ = X.wait_for(lambda: X.soa_serial(P, "notify.test") == 2, 10)
ok(served, "SIGHUP with serial 2 in notify.test's file: served")
got, _ = X.wait_for(lambda: len(sec.messages(Z)) > before, 5)
new = sec.messages(Z)[before:]
ok(new and notify_shape(new[0][2], Z, 2) is None,
   f"a NOTIFY for {Z} serial 2 arrives after the reload (RFC 1996 3.7)",
   new and notify_shape(new[0][2], Z, 2))
time.sleep(3)
is_(len(sec.messages(Z)) - before, 1,
    "serial 2, answered at once: no other NOTIFY in 3 s (a retry was due after 1 s; "
    "RFC 1996 4.8)")
ok(X.log_has(srv, r"notify: notify\.test\. serial 2 to \S+ answered after 1 tries"),
   "the log says: serial 2 answered after 1 tries")
is_(len(sec.messages(OTHER)) - before_other, 0,
    f"no NOTIFY for {OTHER}, whose serial that reload left at 7 (RFC 1996 3.1)")

# --- the silent secondary: 1 + RETRANSMITS NOTIFYs, then given up ---------------------------
GIVE_UP_LOG = (rf"notify: silent\.test\. serial 1 to \S+: no answer to {1 + RETRANSMITS} "
               r"tries in \d+ s; giving up")
gave_up, _ = X.wait_for(lambda: X.log_has(srv2, GIVE_UP_LOG),
                        sum(SILENT_SCHEDULE) + GIVE_UP + 15, step=0.2)
t_gave_up = time.monotonic()
msgs = silent.messages(S)
ok(gave_up, f"the silent secondary: the log says it is given up after {1 + RETRANSMITS} tries",
   f"{len(msgs)} NOTIFYs arrived")
time.sleep(3)  # a seventh NOTIFY would have been due at once (the 32 s had run out)
msgs = silent.messages(S)
is_(len(msgs), 1 + RETRANSMITS,
    f"exactly {1 + RETRANSMITS} NOTIFYs to a secondary that never answers, none more in 3 s "
    f"after giving up (RFC 1996 3.6: at most {RETRANSMITS} retransmissions)")
bad = [notify_shape(m, S, 1) for _, _, m, _ in msgs]
ok(msgs and all(b is None for b in bad), f"each a NOTIFY for {S} with serial 1", bad)
times = [t for t, _, _, _ in msgs]
gaps = [round(b - a, 3) for a, b in zip(times, times[1:])]
diag(f"intervals between NOTIFYs to the silent secondary: {gaps} s")
ok(len(gaps) == len(SILENT_SCHEDULE) and
   all(0.8 * s <= g <= s + 1.5 for g, s in zip(gaps, SILENT_SCHEDULE)),
   f"sent again after {', '.join(str(s) for s in SILENT_SCHEDULE)} s (within 0.8x and +1.5 s)",
   f"intervals {gaps}")
waited = round(t_gave_up - times[-1], 1) if times else None
ok(waited is not None and 0.8 * GIVE_UP <= waited <= GIVE_UP + 1.5,
   f"given up {GIVE_UP} s after the last NOTIFY (within 0.8x and +1.5 s)", f"{waited} s")
is_(len(re.findall("giving up", srv2.text())), 1, "the giving up is logged once")

# --- a later serial change notifies it again ------------------------------------------------
X.write(SILENT_ZONE, BODY.format(SOA.format(2)))
srv2.proc.send_signal(X.signal.SIGHUP)
served, _ = X.wait_for(lambda: X.soa_serial(P2, "silent.test") == 2, 10)
ok(served, "SIGHUP with serial 2 in silent.test's file: served")
got, _ = X.wait_for(lambda: len(silent.messages(S)) > 1 + RETRANSMITS, 5)
new = silent.messages(S)[1 + RETRANSMITS:]
ok(new and notify_shape(new[0][2], S, 2) is None,
   f"after giving up on serial 1, serial 2 is notified again: a NOTIFY for {S} serial 2 "
   "(RFC 1996 3.7)", new and notify_shape(new[0][2], S, 2))
time.sleep(3)
is_(len(silent.messages(S)) - (1 + RETRANSMITS), 1,
    "that one answered (the secondary is back): no other NOTIFY in 3 s")
ok(X.log_has(srv2, r"notify: silent\.test\. serial 2 to \S+ answered after 1 tries"),
   "the log says: serial 2 answered after 1 tries")

silent.stop()
sec.stop()
ok(srv.alive(), "fleetdns is still running")
ok(srv2.alive(), "the second fleetdns is still running")
X.fdnstest.done_testing()
