# fleet_rotation.py -- docs/fleet.md round-robin on one real engine: over 300 successive
# queries each of 3 replicas comes first equally often (100 +- 1), every answer holds all
# of them, and successive answers are cyclic rotations; with fleetdns.max-answers=2 each
# answer is a rotating window of 2 (no TC).
# SPDX-License-Identifier: MIT
import os
import time
import sys
from collections import Counter

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", "."), "tests", "lib"))
import fleet  # noqa: E402
from fleet import ok, is_, diag, addrs_are  # noqa: E402

fleet.require_fleet_server()
e, = fleet.engines_start("rt1")
Z = fleet.ZONE
ROT = f"rot.{Z}"
WIN = f"win.{Z}"

reps = [fleet.run_replica(e, "rot", name=f"rot-{i}", wait=None) for i in (1, 2, 3)]
wins = [fleet.run_replica(e, "win", "--label", "fleetdns.max-answers=2", name=f"win-{i}",
                          wait=None) for i in (1, 2, 3)]
for r in reps + wins:
    fleet.wait_health(r, "healthy")
    r.refresh()
ips = {r.ip for r in reps}
wips = {r.ip for r in wins}
srv = fleet.start_fleetdns([e])
P = srv.port
good, _, a = fleet.poll(P, ROT, addrs_are(ips), 5)
ok(good, f"{ROT} A = the 3 replicas", a.summary() if a else None)
good, _, _ = fleet.poll(P, WIN, lambda x: x.rcode == "NOERROR" and len(x.order) == 2, 5)
# Nothing may change during the count: the answers must be settled (publication batching).
time.sleep(1.2)

N = 300
firsts = Counter()
bad = []
orders = []
for i in range(N):
    a = fleet.query(P, ROT)
    if a is None or a.addrs != frozenset(ips) or len(a.order) != 3:
        bad.append(a.summary() if a else "timeout")
        continue
    firsts[a.order[0]] += 1
    orders.append(a.order)
ok(not bad, f"all {N} answers hold exactly the 3 replicas", bad[:5])
diag(f"first-position counts: {dict(firsts)}")
ok(len(firsts) == 3 and all(abs(c - N // 3) <= 1 for c in firsts.values()),
   f"each replica first {N // 3} +- 1 times out of {N}", dict(firsts))


def is_rotation(x, y):
    return len(x) == len(y) and any(x[i:] + x[:i] == y for i in range(len(x)))


ok(orders and all(is_rotation(orders[0], o) for o in orders),
   "every answer is a cyclic rotation of the same order",
   [o for o in orders if not is_rotation(orders[0], o)][:3])
steps = [o2 == o1[1:] + o1[:1] for o1, o2 in zip(orders, orders[1:])]
ok(steps and sum(steps) >= len(steps) - 2,
   "successive answers start at successive replicas (one step each)",
   f"{len(steps) - sum(steps)} of {len(steps)} pairs are not one step apart")

# max-answers: a rotating window of 2 out of 3, no truncation.
seen = Counter()
firstw = Counter()
badw = []
for i in range(N):
    a = fleet.query(P, WIN)
    if a is None or len(a.order) != 2 or not set(a.order) <= wips or a.tc:
        badw.append(a.summary() if a else "timeout")
        continue
    firstw[a.order[0]] += 1
    seen.update(a.order)
ok(not badw, f"max-answers=2: all {N} answers hold 2 of the 3 replicas, no TC", badw[:5])
diag(f"max-answers=2: first {dict(firstw)}, present {dict(seen)}")
ok(len(firstw) == 3 and all(abs(c - N // 3) <= 1 for c in firstw.values()),
   f"max-answers=2: each replica first {N // 3} +- 1 times", dict(firstw))
ok(len(seen) == 3 and all(abs(c - 2 * N // 3) <= 2 for c in seen.values()),
   f"max-answers=2: each replica in {2 * N // 3} +- 2 answers", dict(seen))

ok(srv.alive(), "fleetdns still running")
if fleet.fdnstest._failed:
    fleet.fleetdns_log(srv)
fleet.done_testing()
