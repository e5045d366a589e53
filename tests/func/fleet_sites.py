# fleet_sites.py -- nearest replicas (issue 13 part 2, "sites:") on two real engines, nr1 and
# nr2, with service web on both (two replicas each) and one fleetdns worker on 127.0.0.1:
#   site a: clients 127.0.0.2/32, 10.1.0.0/16, 127.0.2.0/24; engines [nr1]
#   site b: clients 127.0.0.3/32, 10.2.0.0/16, 127.0.3.0/24; engines [nr2]; local-only 2
# (1) by source address: 127.0.0.2 gets nr1's two first, alternating exactly (10/10 in 20,
#     also with other clients asking in between), then nr2's; 127.0.0.3 only nr2's two
#     (10/10); 127.0.0.1 the plain rotation (each of the 4 first 5 times in 20);
# (2) EDNS Client Subnet (RFC 7871) with dig, kdig and dnspython: the subnet decides over the
#     source address; every response echoes the option with the scope its answer holds for
#     (16 for 10.1.5.0/24 and 10.2.9.0/24, over UDP and TCP; 32 for 127.0.0.2/31, longer
#     than the source; 0 for source 0, the SOA, a replica's own name, NODATA, NXDOMAIN and
#     IPv6, where no site has a prefix); malformed options (FAMILY 3, SOURCE past the
#     family's length, too few or too many ADDRESS octets, bits past SOURCE) are FORMERR;
# (5) through Unbound's subnetcache (ECS made from the client's /24): 127.0.2.1 gets site a's
#     answer, 127.0.3.1 site b's, a second client of each /24 the same answer from the cache,
#     a client of another /24 the no-site answer;
# (3) docker stop one nr2 replica: site b has 1 < local-only 2, so 127.0.0.3 gets it first,
#     then nr1's two; started again, only nr2's two;
# (4) reload (SIGHUP) with nr2 moved into site a and site b removed: 127.0.0.2 gets all four
#     in site a's rotation, 127.0.0.3 (in no site now) the plain rotation, scopes follow;
#     a reload without sites: the plain rotation for everyone, SCOPE 0.
# The engines are nr1 and nr2 ("nearest replicas"): st1 is status_page.py's.
# SPDX-License-Identifier: MIT
import ipaddress
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections import Counter

TOP = os.environ.get("TOP_SRCDIR", ".")
sys.path.insert(0, os.path.join(TOP, "tests", "lib"))
sys.path.insert(0, os.path.join(TOP, "tests", "xfr"))
import fleet  # noqa: E402
import xfrlib as X  # noqa: E402
from fleet import ok, is_, diag, now, ms  # noqa: E402

import dns.edns  # noqa: E402
import dns.exception  # noqa: E402
import dns.flags  # noqa: E402
import dns.message  # noqa: E402
import dns.query  # noqa: E402
import dns.rcode  # noqa: E402
import dns.rdatatype  # noqa: E402

fleet.require_fleet_server()
fleet.at_cleanup(X._stop_all)  # Unbound stops before the engines go
T0 = now()
e1, e2 = fleet.engines_start("nr1", "nr2")
Z = fleet.ZONE
WEB = f"web.{Z}"
TTL = 30  # long enough for Unbound's cache in (5)
SITE_A, SITE_B, NO_SITE = "127.0.0.2", "127.0.0.3", "127.0.0.1"

# ---------------------------------------------------------------- replicas
R = {}
errors = []


def create(e, names):
    try:
        for n in names:
            R[n] = fleet.run_replica(e, "web", name=n, wait=None)
    except Exception as err:  # reported below, in the main thread
        errors.append(f"{e.name}: {err}")


threads = [threading.Thread(target=create, args=a)
           for a in ((e1, ("web-a1", "web-a2")), (e2, ("web-b1", "web-b2")))]
for th in threads:
    th.start()
for th in threads:
    th.join()
if errors:
    fleet.bail("; ".join(errors))
for r in R.values():
    fleet.wait_health(r, "healthy")
    r.refresh()


def by_record_order(reps):
    """The answers' record order: engine name, then container id."""
    return sorted(reps, key=lambda r: (r.engine.name, r.id))


RA = by_record_order([R["web-a1"], R["web-a2"]])
RB = by_record_order([R["web-b1"], R["web-b2"]])
A = [r.ip for r in RA]
B = [r.ip for r in RB]
ORDER = A + B
diag("records in order: " + " ".join(f"{r.name}@{r.engine.name}={r.ip}" for r in RA + RB))
ok(len(set(ORDER)) == 4 and all(ORDER), "the 4 replicas have distinct addresses", ORDER)

# ---------------------------------------------------------------- fleetdns
H = fleet.free_port()
CONF = os.path.join(fleet.TMP, "sites.yaml")
SITES_AB = [("a", ["127.0.0.2/32", "10.1.0.0/16", "127.0.2.0/24"], ["nr1"], 0),
            ("b", ["127.0.0.3/32", "10.2.0.0/16", "127.0.3.0/24"], ["nr2"], 2)]
SITES_A = [("a", ["127.0.0.2/32", "10.1.0.0/16", "127.0.2.0/24"], ["nr1", "nr2"], 0)]


def write_config(sites):
    lines = []
    for name, clients, engines, local_only in sites:
        lines.append(f"  - name: {name}\n    clients: [{', '.join(clients)}]\n"
                     f"    engines: [{', '.join(engines)}]")
        if local_only:
            lines.append(f"    local-only: {local_only}")
    with open(CONF + ".new", "w") as f:
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
  ttl: {TTL}
""" + ("sites:\n" + "\n".join(lines) + "\n" if lines else ""))
    os.replace(CONF + ".new", CONF)


write_config(SITES_AB)
srv = fleet.start_fleetdns(config=CONF)
P = srv.port


def log_text():
    with open(srv.log, errors="replace") as f:
        return f.read()


# ---------------------------------------------------------------- asking


class Reply:
    def __init__(self, msg):
        self.msg = msg
        self.rcode = dns.rcode.to_text(msg.rcode())
        self.order = [rd.to_text() for rrset in msg.answer if rrset.rdtype == dns.rdatatype.A
                      for rd in rrset]
        self.ttl = min((rrset.ttl for rrset in msg.answer), default=None)
        self.authority = [dns.rdatatype.to_text(rrset.rdtype) for rrset in msg.authority]
        self.ecs = None  # (address, source, scope) of the echoed ECS option
        self.necs = 0
        for o in msg.options:
            if o.otype == dns.edns.ECS:
                self.ecs = (o.address, o.srclen, o.scopelen)
                self.necs += 1

    def __repr__(self):
        return f"{self.rcode} {self.order} ecs={self.ecs} ttl={self.ttl}"


def ask(src, name=WEB, rdtype="A", ecs=None, port=None, addr="127.0.0.1", rd=False,
        timeout=1.0):
    """One UDP query from source address src; ecs = "ADDRESS/SOURCE" adds the option.
    A Reply, or None without a response."""
    opts = []
    if ecs is not None:
        a, s = ecs.split("/")
        opts = [dns.edns.ECSOption(a, int(s), 0)]
    q = dns.message.make_query(name, rdtype, use_edns=0, options=opts)
    if not rd:
        q.flags &= ~dns.flags.RD
    try:
        return Reply(dns.query.udp(q, addr, port=port or P, timeout=timeout, source=src))
    except (dns.exception.DNSException, OSError):
        if port is None or port == P:
            fleet._check_alive(P)
        return None


def poll(src, pred, timeout, **kw):
    """ask() every 100 ms until pred(reply); (True/False, ms, last reply)."""
    t0 = now()
    last = None
    while True:
        a = ask(src, **kw)
        if a is not None:
            last = a
            if pred(a):
                return True, ms(now() - t0), a
        if now() - t0 > timeout:
            return False, ms(now() - t0), last
        time.sleep(0.1)


def rotations(seq):
    return {tuple(seq[i:] + seq[:i]) for i in range(len(seq))}


def site_rotations(local, others):
    """What compile_sites makes: rotation i = the locals from i, then the others from i."""
    n = len(local)
    return {tuple([local[(i + k) % n] for k in range(n)] +
                  [others[(i + k) % len(others)] for k in range(len(others))])
            for i in range(n)}


def exact_round(src, n, allowed, firsts_want, desc, ecs=None):
    """n consecutive queries from src: every answer one of allowed (tuples), each first
    address the number of times firsts_want says. The counters start again when the fleet
    zone is compiled again: a round that saw a publication (the SOA serial rose) is run
    again rather than counted."""
    for attempt in range(1, 4):
        s0 = fleet.soa_serial(P)
        got = [ask(src, ecs=ecs) for _ in range(n)]
        bad = [a for a in got if a is None or a.rcode != "NOERROR" or
               tuple(a.order) not in allowed]
        firsts = Counter(a.order[0] if a and a.order else None for a in got)
        seq = [a.order[0] if a and a.order else None for a in got]
        good = not bad and dict(firsts) == firsts_want
        if good or attempt == 3:
            break
        s1 = fleet.serial_raised(P, s0, timeout=1.5)
        if s0 is None or s1 is None or s1 == s0:
            break
        diag(f"{desc}: the fleet zone was published during the round (serial {s0} -> {s1}); "
             "once more")
    ok(not bad, f"{desc}: all {n} answers are as expected", bad[:5])
    is_(dict(firsts), firsts_want, f"{desc}: first addresses counted over {n}")
    return seq


def name_of(ip):
    for r in R.values():
        if r.ip == ip:
            return r.name
    return ip


# ---------------------------------------------------------------- expected ECS scopes

def site_of(addr, sites):
    """The site of an IPv4 address (an int): its longest matching client prefix's."""
    best, best_len = None, -1
    for name, clients, _, _ in sites:
        for c in clients:
            net = ipaddress.ip_network(c)
            if net.prefixlen > best_len and \
                    (addr & int(net.netmask)) == int(net.network_address):
                best, best_len = name, net.prefixlen
    return best


def expected_scope(subnet, sites):
    """RFC 7871 7.2.1 as docs/fleet.md puts it: the shortest prefix of the subnet's address
    whose addresses all get the same site (or all none). The site only changes at a client
    prefix's first address or just past its last: a block is uniform when no such point
    inside it changes the site."""
    addr = int(ipaddress.ip_network(subnet).network_address)
    points = set()
    for _, clients, _, _ in sites:
        for c in clients:
            net = ipaddress.ip_network(c)
            points.add(int(net.network_address))
            points.add(int(net.broadcast_address) + 1)
    for length in range(0, 33):
        mask = (0xFFFFFFFF << (32 - length)) & 0xFFFFFFFF
        lo, hi = addr & mask, (addr & mask) | (~mask & 0xFFFFFFFF)
        if all(site_of(p, sites) == site_of(p - 1, sites) for p in points if lo < p <= hi):
            return length
    return 32


is_([expected_scope(s, SITES_AB) for s in ("10.1.5.0/24", "10.2.9.0/24", "127.0.2.0/24")],
    [16, 16, 24], "the test's own scope rule: 10.1.5.0/24 -> 16, 10.2.9.0/24 -> 16, "
    "127.0.2.0/24 -> 24")

# ---------------------------------------------------------------- (1) by source address
good, lat, a = poll(NO_SITE, lambda a: set(a.order) == set(ORDER), 10)
ok(good, f"{WEB}: the 4 replicas ({lat} ms)", a)
time.sleep(1.2)  # publications settled (batching, serial a second later)

SA = site_rotations(A, B)
SB = site_rotations(B, [])
diag(f"site a answers: {sorted(SA)}; site b: {sorted(SB)}")
seq = exact_round(SITE_A, 20, SA, {A[0]: 10, A[1]: 10},
                  f"(1) from {SITE_A} (site a): nr1's two first, then nr2's two")
ok(all(x != y for x, y in zip(seq, seq[1:])),
   "(1) site a: consecutive answers alternate the first exactly (one counter per site)",
   [name_of(x) for x in seq])
exact_round(SITE_B, 20, SB, {B[0]: 10, B[1]: 10},
            f"(1) from {SITE_B} (site b, local-only 2, 2 local): only nr2's two")
exact_round(NO_SITE, 20, rotations(ORDER), {ip: 5 for ip in ORDER},
            f"(1) from {NO_SITE} (no site): the plain rotation of the 4")
# Interleaved: each site's counter is its own, so site a still alternates exactly.
inter = []
for i in range(12):
    x = ask(SITE_A)
    inter.append(x.order[0] if x and x.order else None)
    for _ in range(i % 3):
        ask(NO_SITE)
        ask(SITE_B)
ok(None not in inter and all(x != y for x, y in zip(inter, inter[1:])),
   "(1) site a alternates exactly while other clients ask in between",
   [name_of(x) for x in inter])

# ---------------------------------------------------------------- (2) ECS


def run(argv):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    return r.stdout + r.stderr


def tool(prog, src, subnet, name=WEB, rdtype="A"):
    """dig or kdig from src with +subnet: (status, answer A addresses in order,
    CLIENT-SUBNET text or None, output)."""
    subnet, *more = subnet.split()
    out = run([prog, "@127.0.0.1", "-p", str(P), "-b", src, "+norec", "+time=2",
               "+tries=1" if prog == "dig" else "+retry=0", f"+subnet={subnet}", *more, name,
               rdtype])
    m = re.search(r"status: (\w+)", out)
    st = m.group(1) if m else None
    ans = out.split("ANSWER SECTION:")[1].split("\n\n")[0] if "ANSWER SECTION:" in out else ""
    addrs = re.findall(r"\sIN\s+A\s+(\S+)", ans)
    m = re.search(r"CLIENT-SUBNET: (\S+)", out)
    return st, addrs, (m.group(1) if m else None), out


def ecs_scope_of(text):
    """'10.1.5.0/24/16' -> 16."""
    return int(text.rsplit("/", 1)[1]) if text and text.count("/") == 2 else None


# dig from site b's address with a subnet of site a: site a's answer.
digs = [tool("dig", SITE_B, "10.1.5.0/24") for _ in range(4)]
bad = [d[3] for d in digs if d[0] != "NOERROR" or tuple(d[1]) not in SA]
ok(not bad, "(2) dig -b 127.0.0.3 +subnet=10.1.5.0/24: site a's answer (nr1's two first), "
   "not site b's: the subnet decides over the source address (RFC 7871 7.2.1)",
   bad[0][-1500:] if bad else None)
firsts = [d[1][0] if d[1] else None for d in digs]
ok(Counter(firsts) == Counter({A[0]: 2, A[1]: 2}) and
   all(x != y for x, y in zip(firsts, firsts[1:])),
   "(2) ... and site a's counter: the first alternates over 4 digs",
   [name_of(x) for x in firsts])
is_([d[2] for d in digs], ["10.1.5.0/24/16"] * 4,
    "(2) dig shows CLIENT-SUBNET 10.1.5.0/24/16: FAMILY, SOURCE and ADDRESS echoed, SCOPE 16, "
    "as 10.1.0.0/16 is all site a (RFC 7871 7.2.1)")

kd = [tool("kdig", SITE_A, "10.2.9.0/24") for _ in range(2)]
bad = [d[3] for d in kd if d[0] != "NOERROR" or tuple(d[1]) not in SB]
ok(not bad, "(2) kdig -b 127.0.0.2 +subnet=10.2.9.0/24: site b's answer, nr2's two only "
   "(local-only 2), though the source is site a's", bad[0][-1500:] if bad else None)
ok(len({d[1][0] for d in kd if d[1]}) == 2, "(2) ... site b's counter: the two kdigs start "
   "with different replicas", [d[1] for d in kd])
is_([d[2] for d in kd], ["10.2.9.0/24/16"] * 2,
    "(2) kdig shows CLIENT-SUBNET 10.2.9.0/24/16 (RFC 7871 7.2.1: SCOPE 16)")

zero = [tool("dig", SITE_A, "0.0.0.0/0") for _ in range(4)]
bad = [d[3] for d in zero if d[0] != "NOERROR" or tuple(d[1]) not in rotations(ORDER)]
ok(not bad, "(2) dig -b 127.0.0.2 +subnet=0.0.0.0/0: the no-site answer, all 4 in plain "
   "rotation (RFC 7871 7.1.2: SOURCE PREFIX-LENGTH 0, the client is not to be located)",
   bad[0][-1500:] if bad else None)
is_(sorted(d[1][0] for d in zero if d[1]), sorted(ORDER),
    "(2) ... 4 digs: each replica first once (the no-site counter)")
is_([d[2] for d in zero], ["0.0.0.0/0/0"] * 4, "(2) ... echoed CLIENT-SUBNET 0.0.0.0/0/0")

st, _, cs, out = tool("dig", SITE_A, "10.1.5.0/24", name=Z, rdtype="SOA")
ok(st == "NOERROR" and re.search(r"\sIN\s+SOA\s", out.split("ANSWER SECTION:")[-1]) and
   cs == "10.1.5.0/24/0",
   "(2) dig +subnet=10.1.5.0/24 SOA of the zone: echoed with SCOPE 0, the answer is the same "
   "for every client (RFC 7871 7.2.1, 12.1)", out[-1500:])

# dnspython: what is not per site gets SCOPE 0, what is gets the site's scope.
rep_name = f"{RA[0].dns_name}.web.{Z}"
for desc, kw, rcode, scope in (
        ("a replica's own name (one record, not per site)", dict(name=rep_name), "NOERROR", 0),
        (f"{WEB} AAAA (NODATA)", dict(rdtype="AAAA"), "NOERROR", 0),
        (f"nx.{Z} (NXDOMAIN)", dict(name=f"nx.{Z}"), "NXDOMAIN", 0),
        (f"{WEB} with 2001:db8::/56 (no site has an IPv6 prefix)", dict(ecs="2001:db8::/56"),
         "NOERROR", 0),
        (f"{WEB} with 192.0.2.0/24 (no site)", dict(ecs="192.0.2.0/24"), "NOERROR",
         expected_scope("192.0.2.0/24", SITES_AB)),
        (f"{WEB} with 10.1.128.0/17 (inside site a's /16)", dict(ecs="10.1.128.0/17"), "NOERROR",
         16),
        (f"{WEB} with 127.0.0.2/31 (site a's 127.0.0.2/32 beside site b's 127.0.0.3/32: "
         "SCOPE longer than SOURCE)", dict(ecs="127.0.0.2/31"), "NOERROR",
         expected_scope("127.0.0.2/31", SITES_AB))):
    kw.setdefault("ecs", "10.1.5.0/24")
    x = ask(SITE_A, **kw)
    want_addr, want_src = kw["ecs"].split("/")
    ok(x is not None and x.rcode == rcode and x.necs == 1 and
       x.ecs == (want_addr, int(want_src), scope),
       f"(2) ECS {kw['ecs']} for {desc}: {rcode}, the option echoed once with SCOPE {scope} "
       "(RFC 7871 7.2.1; 7.4 for negative answers)", x)
x = ask(SITE_B, ecs="192.0.2.0/24")
ok(x is not None and tuple(x.order) in rotations(ORDER),
   "(2) ECS 192.0.2.0/24 from site b's address: the no-site answer (all 4)", x)
x = ask(SITE_A, ecs="10.1.128.0/17")
ok(x is not None and tuple(x.order) in SA, "(2) ECS 10.1.128.0/17: site a's answer", x)
x = ask(SITE_B, ecs="127.0.0.2/31")
ok(x is not None and tuple(x.order) in SA, "(2) ECS 127.0.0.2/31: site a's answer (its "
   "address 127.0.0.2 is site a's)", x)
st, addrs, cs, out = tool("dig", SITE_B, "10.1.5.0/24 +tcp")
ok(st == "NOERROR" and tuple(addrs) in SA and cs == "10.1.5.0/24/16",
   "(2) dig +tcp +subnet=10.1.5.0/24: over TCP too, site a's answer and CLIENT-SUBNET "
   "10.1.5.0/24/16", out[-1500:])

# Malformed options, as raw bytes: FORMERR, and no ECS echoed.


def raw_ecs_query(family, source, addr_octets, qid=0x5151):
    qname = b"".join(bytes([len(p)]) + p.encode() for p in WEB.split(".")) + b"\0"
    data = struct.pack("!HBB", family, source, 0) + bytes(addr_octets)
    opt = struct.pack("!HH", 8, len(data)) + data
    return (struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 1) + qname + struct.pack("!HH", 1, 1) +
            b"\0" + struct.pack("!HHIH", 41, 1232, 0, len(opt)) + opt)


def raw_exchange(wire, src):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2.0)
    try:
        s.bind((src, 0))
        s.sendto(wire, ("127.0.0.1", P))
        return s.recv(65535)
    except OSError:
        return None
    finally:
        s.close()


for desc, fam, src_len, octets in (
        ("FAMILY 3", 3, 8, [10]),
        ("SOURCE PREFIX-LENGTH 33 for IPv4", 1, 33, [10, 1, 2, 3, 0]),
        ("four ADDRESS octets for a /24", 1, 24, [10, 1, 5, 0]),
        ("two ADDRESS octets for a /24", 1, 24, [10, 1]),
        ("an ADDRESS bit set past SOURCE PREFIX-LENGTH 23", 1, 23, [10, 1, 5]),
        ("SOURCE PREFIX-LENGTH 129 for IPv6", 2, 129, [0x20, 1] + [0] * 15)):
    resp = raw_exchange(raw_ecs_query(fam, src_len, octets), SITE_A)
    rcode, echoed = None, None
    if resp is not None and len(resp) >= 12:
        rcode = struct.unpack("!H", resp[2:4])[0] & 0xF
        try:
            m = dns.message.from_wire(resp)
            echoed = any(o.otype == dns.edns.ECS for o in m.options)
        except Exception as err:  # reported in the check
            echoed = f"unparsable: {err}"
    ok(rcode == dns.rcode.FORMERR and echoed is False,
       f"(2) ECS with {desc}: FORMERR without an ECS option (RFC 7871 6)",
       f"rcode {rcode}, ECS echoed: {echoed}, response {resp.hex() if resp else None}")
ok(srv.alive(), "fleetdns still running after the malformed options")

# ---------------------------------------------------------------- (5) through Unbound


def unbound_has_subnetcache():
    r = subprocess.run([X.need("unbound"), "-V"], capture_output=True, text=True)
    return "--enable-subnet" in r.stdout or "subnetcache" in r.stdout


UB = ("127.0.0.1", fleet.free_port())
if not unbound_has_subnetcache():
    diag("(5) left out: this Unbound has no subnetcache module (unbound -V shows no "
         "--enable-subnet)")
else:
    d = os.path.join(X.TMP, "unbound-ecs")
    os.makedirs(d, exist_ok=True)
    hints = X.write(os.path.join(d, "root.hints"),
                    ". 3600 IN NS a.root.invalid.\na.root.invalid. 3600 IN A 127.0.0.254\n")
    conf = X.write(os.path.join(d, "unbound.conf"), f"""
server:
    interface: {UB[0]}@{UB[1]}
    port: {UB[1]}
    do-ip6: no
    access-control: 127.0.0.0/8 allow
    username: ""
    chroot: ""
    directory: "{d}"
    pidfile: "{d}/unbound.pid"
    use-syslog: no
    logfile: ""
    verbosity: 1
    do-not-query-localhost: no
    # ECS to fleetdns (127.0.0.1), made from each client's address cut to /24
    module-config: "subnetcache iterator"
    send-client-subnet: 127.0.0.1
    client-subnet-always-forward: yes
    max-client-subnet-ipv4: 24
    # answers in the order fleetdns gave them
    rrset-roundrobin: no
    qname-minimisation: no
    local-zone: "test." nodefault
    so-reuseport: no
    num-threads: 1
    outgoing-range: 64
    root-hints: "{hints}"
remote-control:
    control-enable: no
forward-zone:
    name: "{Z}"
    forward-addr: 127.0.0.1@{P}
""")
    ub = X.Proc("unbound-ecs", [X.need("unbound"), "-d", "-c", conf])

    def via(src, name=WEB):
        return ask(src, name=name, port=UB[1], addr=UB[0], rd=True, timeout=2.0)

    got, _ = X.wait_for(lambda: (via("127.0.0.1", Z) or None) if ub.alive() else True, 10)
    up = ub.alive() and got is not None
    ok(up, "(5) Unbound with module-config \"subnetcache iterator\" starts and answers",
       ub.text()[-1500:])
    if up:
        a2 = via("127.0.2.1")
        a3 = via("127.0.3.1")
        ok(a2 is not None and tuple(a2.order) in SA,
           "(5) through Unbound from 127.0.2.1: site a's answer (nr1's two first): Unbound "
           "sent ECS 127.0.2.0/24 (RFC 7871 7.1.1), fleetdns answered for site a", a2)
        ok(a3 is not None and tuple(a3.order) in SB,
           "(5) through Unbound from 127.0.3.1: site b's answer (nr2's two only)", a3)
        time.sleep(1.1)
        c2 = via("127.0.2.2")
        c3 = via("127.0.3.2")
        ok(c2 is not None and a2 is not None and c2.order == a2.order and c2.ttl < TTL,
           "(5) 127.0.2.2 (the same /24): the same answer from Unbound's cache (TTL "
           f"{c2.ttl if c2 else None} < {TTL}; fleetdns asked again would have started "
           "with site a's other replica): cached for scope /24 (RFC 7871 7.3.1)",
           f"first {a2}, then {c2}")
        ok(c3 is not None and a3 is not None and c3.order == a3.order and c3.ttl < TTL,
           "(5) 127.0.3.2: site b's answer from the cache, beside site a's", f"{a3} / {c3}")
        n4 = via("127.0.4.1")
        ok(n4 is not None and tuple(n4.order) in rotations(ORDER),
           "(5) 127.0.4.1 (in no site, another /24): the no-site answer, all 4, not either "
           "site's cached one", n4)
    ub.stop()

# ---------------------------------------------------------------- (3) a replica stops
stopped = RB[1]
kept = RB[0]
t = now()
e2.docker("stop", stopped.id)
diag(f"(3) {stopped.name} stopped in {ms(now() - t)} ms")
good, lat, a = poll(SITE_B, lambda a: a.order and a.order[0] == kept.ip and len(a.order) == 3,
                    10)
ok(good and set(a.order[1:]) == set(A),
   f"(3) {stopped.name} stopped: site b has 1 < local-only 2 replicas, so {SITE_B} gets "
   f"{kept.name} first, then nr1's two ({lat} ms after the stop)", a)
B1 = [kept.ip]
time.sleep(1.2)
exact_round(SITE_B, 10, {tuple(B1 + A), tuple(B1 + A[::-1])}, {kept.ip: 10},
            f"(3) from {SITE_B}: {kept.name} first in every answer, then nr1's two")
seconds = Counter()
for _ in range(10):
    x = ask(SITE_B)
    seconds[name_of(x.order[1]) if x and len(x.order) > 1 else None] += 1
is_(dict(seconds), {name_of(A[0]): 5, name_of(A[1]): 5},
    "(3) site b with one local replica: the others rotate behind it too (each second in 5 "
    "of 10 answers), so its clients' fallbacks spread over them")
exact_round(SITE_A, 20, site_rotations(A, B1), {A[0]: 10, A[1]: 10},
            f"(3) from {SITE_A}: nr1's two first (alternating), {kept.name} last")
exact_round(NO_SITE, 30, rotations(A + B1), {ip: 10 for ip in A + B1},
            f"(3) from {NO_SITE}: the plain rotation of the 3")
x = ask(SITE_A, ecs="10.2.9.0/24")
ok(x is not None and x.order[:1] == B1 and set(x.order[1:]) == set(A) and
   x.ecs == ("10.2.9.0", 24, 16),
   "(3) ECS 10.2.9.0/24: site b's answer with its one replica first, SCOPE 16", x)
t = now()
e2.docker("start", stopped.id)
fleet.wait_health(stopped, "healthy")
stopped.refresh()
B = [r.ip for r in RB]
ORDER = A + B
SA, SB = site_rotations(A, B), site_rotations(B, [])
good, lat, a = poll(SITE_B, lambda a: tuple(a.order) in SB, 10)
ok(good, f"(3) {stopped.name} started again: {SITE_B} gets nr2's two only again ({lat} ms "
   "after healthy)", a)

# ---------------------------------------------------------------- (4) reload
write_config(SITES_A)
before = log_text().count("reload: zones changed")
srv.proc.send_signal(signal.SIGHUP)
got, _ = X.wait_for(lambda: log_text().count("reload: zones changed") > before, 5)
ok(got, "(4) SIGHUP with nr2 moved into site a and site b removed: 'reload: zones changed'",
   "\n".join(log_text().splitlines()[-10:]))
good, lat, a = poll(SITE_A, lambda a: a.order and a.order[0] in B and len(a.order) == 4, 5)
ok(good, f"(4) {SITE_A}: nr2's replicas come first too now ({lat} ms after the SIGHUP)", a)
time.sleep(1.2)
SA4 = site_rotations(ORDER, [])
exact_round(SITE_A, 20, SA4, {ip: 5 for ip in ORDER},
            f"(4) from {SITE_A}: all 4 are site a's, rotating among themselves")
exact_round(SITE_B, 20, rotations(ORDER), {ip: 5 for ip in ORDER},
            f"(4) from {SITE_B} (site b gone): the plain rotation of the 4")
want = expected_scope("10.2.9.0/24", SITES_A)
x = ask(SITE_A, ecs="10.2.9.0/24")
ok(x is not None and tuple(x.order) in rotations(ORDER) and x.ecs == ("10.2.9.0", 24, want),
   f"(4) ECS 10.2.9.0/24: no site now; SCOPE {want} (10.2.0.0/15 holds no site's client)", x)
x = ask(SITE_B, ecs="10.1.5.0/24")
ok(x is not None and tuple(x.order) in SA4 and x.ecs == ("10.1.5.0", 24, 16),
   "(4) ECS 10.1.5.0/24: site a, SCOPE 16", x)

# ... and without sites at all: everyone gets the plain rotation, ECS SCOPE 0.
write_config([])
before = log_text().count("reload: zones changed")
srv.proc.send_signal(signal.SIGHUP)
got, _ = X.wait_for(lambda: log_text().count("reload: zones changed") > before, 5)
ok(got, "(4) SIGHUP with no sites: 'reload: zones changed'",
   "\n".join(log_text().splitlines()[-10:]))
good, lat, a = poll(SITE_A, lambda a: a.ecs == ("10.1.5.0", 24, 0), 5, ecs="10.1.5.0/24")
ok(good and tuple(a.order) in rotations(ORDER),
   f"(4) no sites: ECS 10.1.5.0/24 gets the plain rotation and SCOPE 0 ({lat} ms)", a)
time.sleep(1.2)
exact_round(SITE_A, 20, rotations(ORDER), {ip: 5 for ip in ORDER},
            f"(4) no sites: from {SITE_A}, the plain rotation of the 4")

ok(srv.alive(), "fleetdns still running")
if fleet.fdnstest._failed:
    fleet.fleetdns_log(srv, 60)
diag(f"scenario took {ms(now() - T0)} ms")
fleet.done_testing()
