# fleet_weights.py -- fleetdns.weight=N on two real engines (wt1, wt3), one fleetdns worker:
# (1) canary: nine replicas of weight 9 and one of weight 1; over 2,460 consecutive queries
#     (30 cycles of 82) each weight-9 replica is first exactly 270 times and the canary 30,
#     every answer holds the 10 addresses in rotation order from the first (records ordered
#     by engine name then container id), and the firsts are nginx's smooth weighted
#     round-robin cycle from some starting step;
# (2) _http._tcp.canary SRV records carry 9 for the nine and 1 for the canary;
# (3) standby: weight 2 and weight 0: only the weight-2 replica is answered (the weight-0
#     one keeps its replica name); docker stop the weight-2 one: the weight-0 one is answered;
#     started again: only the weight-2 one;
# (4) fleetdns.weight=heavy counts as 1 (exact alternation with an unlabelled replica, SRV
#     weight 1) and is logged exactly once, although the engines are re-listed every second;
# (5) /status shows each replica's weight.
# SPDX-License-Identifier: MIT
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter

sys.path.insert(0, os.path.join(os.environ.get("TOP_SRCDIR", "."), "tests", "lib"))
import fleet  # noqa: E402
from fleet import ok, is_, diag, now, ms, addrs_are  # noqa: E402

fleet.require_fleet_server()
# "wt1", "wt3": names of their own (and subnets: fleet.subnet_octet), so this test may run
# beside the other fleet tests.
e1, e2 = fleet.engines_start("wt1", "wt3")
Z = fleet.ZONE
CANARY, STANDBY, INV = f"canary.{Z}", f"standby.{Z}", f"inv.{Z}"
PORT = ("--label", "fleetdns.port=http:8080")


def weight(n):
    return ("--label", f"fleetdns.weight={n}")


# Replicas, (engine, service, name, extra args); created on both engines at once.
SPECS = {
    e1: [("canary", f"can-{i}", weight(9) + PORT) for i in range(1, 5)] +
        [("canary", "can-c", weight(1) + PORT),
         ("standby", "sb-w", weight(2) + PORT),
         ("inv", "inv-h", weight("heavy") + PORT)],
    e2: [("canary", f"can-{i}", weight(9) + PORT) for i in range(5, 10)] +
        [("standby", "sb-z", weight(0) + PORT),
         ("inv", "inv-p", PORT)],
}
R = {}
errors = []


def create(e, specs):
    try:
        for service, name, extra in specs:
            R[name] = fleet.run_replica(e, service, *extra, name=name, wait=None)
    except Exception as err:  # reported below, in the main thread
        errors.append(f"{e.name}: {err}")


t0 = now()
threads = [threading.Thread(target=create, args=(e, s)) for e, s in SPECS.items()]
for th in threads:
    th.start()
for th in threads:
    th.join()
if errors:
    fleet.bail("; ".join(errors))
for r in R.values():
    fleet.wait_health(r, "healthy")
    r.refresh()
diag(f"{len(R)} replicas healthy in {ms(now() - t0)} ms")

W = {name: 9 for name in R if name.startswith("can-")}
W.update({"can-c": 1, "sb-w": 2, "sb-z": 0, "inv-h": 1, "inv-p": 1})
# The canary's records in the order of the answers' rotation: engine name, container id.
can = sorted((r for n, r in R.items() if n.startswith("can-")),
             key=lambda r: (r.engine.name, r.id))
ORDER = [r.ip for r in can]
CWEIGHT = [W[r.name] for r in can]
diag("canary records in order: " + " ".join(f"{r.name}@{r.engine.name}={r.ip}/w{W[r.name]}"
                                              for r in can))
ok(len(set(ORDER)) == 10 and all(ORDER), "the 10 canary replicas have distinct addresses",
   ORDER)

H = fleet.free_port()
cfg = os.path.join(fleet.TMP, "weights.yaml")
with open(cfg, "w") as f:
    f.write(f"""server:
  workers: 1
http:
  listen: ["127.0.0.1:{H}"]
zones:
  - name: {Z}
engines:
  - {{ name: {e1.name}, url: "{e1.url}" }}
  - {{ name: {e2.name}, url: "{e2.url}" }}
fleet:
  zone: {Z}
  resync: 1000
""")
srv = fleet.start_fleetdns(config=cfg)
P = srv.port


def get(path):
    with urllib.request.urlopen(f"http://127.0.0.1:{H}{path}", timeout=5) as r:
        return r.read().decode()


def replicas(pred=lambda reps: True, timeout=5.0):
    """/status: {replica name: replica} over every service, polled until pred holds (the
    page is rendered at most once a second, and answers 503 before the first time)."""
    deadline = now() + timeout
    reps = {}
    while True:
        try:
            st = json.loads(get("/status"))
            reps = {r["name"]: r for s in st["services"] for r in s["replicas"]}
        except urllib.error.HTTPError as err:
            if err.code != 503:
                raise
        if pred(reps) or now() > deadline:
            return reps
        time.sleep(0.2)


def answer(name, pred, desc, timeout=10.0, rdtype="A"):
    good, lat, a = fleet.poll(P, name, pred, timeout, rdtype=rdtype)
    ok(good, f"{desc} ({lat} ms)" if good else desc, a.summary() if a else "no answer")
    return a


def log_text():
    with open(srv.log) as f:
        return f.read()


def srv_weights(a):
    """{target: weight} of an SRV answer ("priority weight port target")."""
    out = {}
    for rd in a.order if a else ():
        f = rd.split()
        if len(f) == 4:
            out[f[3]] = int(f[1])
    return out


def target(name, service):
    return f"{R[name].dns_name}.{service}.{Z}."


answer(CANARY, addrs_are(set(ORDER)), f"{CANARY}: the 10 replicas")
answer(STANDBY, addrs_are({R["sb-w"].ip}), f"{STANDBY}: only the weight-2 replica (sb-w)")
answer(INV, addrs_are({R["inv-h"].ip, R["inv-p"].ip}), f"{INV}: both replicas")

# ---------------------------------------------------------------- (5) /status
reps = replicas(lambda r: all(R[n].dns_name in r for n in W))
got = {n: reps.get(R[n].dns_name, {}).get("weight") for n in sorted(W)}
is_(got, {n: W[n] for n in sorted(W)}, "/status: each replica's weight "
    "(9 x 9, canary 1, standby 2 and 0, invalid label 1, unlabelled 1)")

# ---------------------------------------------------------------- (1) the canary


def swrr_cycle(weights):
    """One cycle of nginx's smooth weighted round-robin (ties: the first), as indexes."""
    total = sum(weights)
    cur = [0] * len(weights)
    seq = []
    for _ in range(total):
        best = None
        for i, w in enumerate(weights):
            if not w:
                continue
            cur[i] += w
            if best is None or cur[i] > cur[best]:
                best = i
        seq.append(best)
        cur[best] -= total
    return seq


CYCLE = swrr_cycle(CWEIGHT)
is_(len(CYCLE), 82, "the weights 9 x 9 and 1 make a cycle of 82")
ROUNDS = 30  # cycles: 2,460 queries, 'a few thousand' (issue 13)
N = ROUNDS * len(CYCLE)


def canary_round():
    """N consecutive queries of the canary name: (first index per answer, bad answers)."""
    firsts, bad = [], []
    for _ in range(N):
        a = fleet.query(P, CANARY)
        if a is None or a.rcode != "NOERROR" or len(a.order) != 10 or \
                a.order[0] not in ORDER:
            bad.append(a.summary() if a else "timeout")
            firsts.append(None)
            continue
        i = ORDER.index(a.order[0])
        if a.order != ORDER[i:] + ORDER[:i]:
            bad.append(f"not in rotation order: {a.order}")
        firsts.append(i)
    return firsts, bad


def counts_exact(firsts):
    c = Counter(firsts)
    return all(c[i] == ROUNDS * w for i, w in enumerate(CWEIGHT)) and sum(c.values()) == N


# The counter is the name's, reset when the fleet zone is compiled again: the answers must
# be settled first (publication batching), and a round that saw a publication (the SOA
# serial rose) is run again rather than counted.
time.sleep(1.2)
for attempt in range(1, 4):
    s0 = fleet.soa_serial(P)
    t = now()
    firsts, bad = canary_round()
    took = now() - t
    if not bad and counts_exact(firsts):
        break
    s1 = fleet.serial_raised(P, s0, timeout=1.5)
    if s0 is None or s1 is None or s1 == s0 or attempt == 3:
        break
    diag(f"round {attempt}: the fleet zone was published again during it (serial {s0} -> "
         f"{s1}); once more")
diag(f"{N} queries of {CANARY} in {ms(took)} ms")
ok(not bad, f"all {N} answers hold the 10 addresses, in rotation order from the first",
   bad[:5])
c = Counter(firsts)
counts = {can[i].name: c[i] for i in range(10)}
diag(f"first-position counts: {counts}")
is_({n: v for n, v in counts.items() if n != "can-c"}, {r.name: 9 * ROUNDS for r in can
                                                         if r.name != "can-c"},
    f"each weight-9 replica first exactly {9 * ROUNDS} times in {N}")
is_(counts["can-c"], ROUNDS, f"the canary (weight 1) first exactly {ROUNDS} times in {N} "
    f"(1 in 82: 1.2%)")
starts = [o for o in range(len(CYCLE))
          if all(f == CYCLE[(o + k) % len(CYCLE)] for k, f in enumerate(firsts))]
ok(len(starts) == 1, "the firsts are the smooth weighted round-robin cycle, from step "
   f"{starts[0] if starts else '?'} of it",
   f"observed {firsts[:82]}\ncycle    {CYCLE}")
ci = next(i for i, r in enumerate(can) if r.name == "can-c")
gaps = [k for k, f in enumerate(firsts) if f == ci]
ok(len(gaps) == ROUNDS and all(b - a == 82 for a, b in zip(gaps, gaps[1:])),
   "the canary comes first once every 82 answers", gaps)

# ---------------------------------------------------------------- (2) SRV weights
a = fleet.query(P, f"_http._tcp.{CANARY}", "SRV", tcp=True)
is_(srv_weights(a), {target(r.name, "canary"): W[r.name] for r in can},
    f"_http._tcp.{CANARY} SRV weight field: 9 for the nine, 1 for the canary")

# ---------------------------------------------------------------- (4) invalid label
INV_ORDER = [r.ip for r in sorted((R["inv-h"], R["inv-p"]), key=lambda r: (r.engine.name, r.id))]
seq = []
for _ in range(20):
    a = fleet.query(P, INV)
    ok_answer = a is not None and len(a.order) == 2 and set(a.order) == set(INV_ORDER)
    seq.append(a.order[0] if ok_answer else None)
ok(None not in seq and all(x != y for x, y in zip(seq, seq[1:])),
   f"{INV}: fleetdns.weight=heavy counts as 1: plain rotation, the two alternate over 20 "
   "answers", seq)
is_(Counter(seq).get(R["inv-h"].ip), 10, f"{INV}: inv-h first 10 times in 20")
a = fleet.query(P, f"_http._tcp.{INV}", "SRV", tcp=True)
is_(srv_weights(a), {target("inv-h", "inv"): 1, target("inv-p", "inv"): 1},
    f"_http._tcp.{INV} SRV weight 1 for both")

# ---------------------------------------------------------------- (3) weight 0 standby
a = fleet.query(P, f"_http._tcp.{STANDBY}", "SRV", tcp=True)
is_(srv_weights(a), {target("sb-w", "standby"): 2},
    f"_http._tcp.{STANDBY} SRV: the weight-2 replica only, weight 2")
answer(f"{R['sb-z'].dns_name}.{STANDBY}", addrs_are({R["sb-z"].ip}),
       "the weight-0 replica's own name answers", timeout=1.0)
seen = set()
for _ in range(10):
    a = fleet.query(P, STANDBY)
    seen |= set(a.order) if a else {"timeout"}
is_(seen, {R["sb-w"].ip}, f"{STANDBY}: 10 answers, the weight-0 replica in none")
t = now()
e1.docker("stop", R["sb-w"].id)
diag(f"sb-w stopped in {ms(now() - t)} ms")
answer(STANDBY, addrs_are({R["sb-z"].ip}),
       f"{STANDBY}: sb-w stopped: the weight-0 replica (sb-z) is answered", timeout=10.0)
a = fleet.query(P, f"_http._tcp.{STANDBY}", "SRV", tcp=True)
is_(srv_weights(a), {target("sb-z", "standby"): 0},
    f"_http._tcp.{STANDBY} SRV: sb-z, weight 0")
e1.docker("start", R["sb-w"].id)
fleet.wait_health(R["sb-w"], "healthy")
R["sb-w"].refresh()
answer(STANDBY, addrs_are({R["sb-w"].ip}),
       f"{STANDBY}: sb-w started again: only it is answered", timeout=10.0)

# ---------------------------------------------------------------- (4) the warning, once
WARN = "container inv-h: label fleetdns.weight=heavy is not a number from 0 to 65535; weight 1"
log = log_text()
is_(log.count(WARN), 1, "the invalid weight is logged once, across re-listings")
is_(log.count("fleetdns.weight="), 1, "and no other weight label is warned about")
ok(srv.alive(), "fleetdns still running")
if fleet.fdnstest._failed:
    fleet.fleetdns_log(srv, 60)
fleet.done_testing()
