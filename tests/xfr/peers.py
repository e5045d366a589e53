# peers.py -- real peers for the transfer tests: BIND 9, Knot and NSD configured as in
# docs/integration.md, on high ports of 127.0.0.x, each started and stopped by pid.
# SPDX-License-Identifier: MIT
import os

import xfrlib as X


def bind_secondary(addr, port, primary_port, zone, key=True, name="named"):
    """BIND 9 as a secondary of zone, fetching from fleetdns at 127.0.0.1:primary_port with
    TSIG key xfr, IXFR requested; logs to stderr (-g), transfers logged. BIND listens only on
    addresses of interfaces, so it answers on 127.0.0.1:port; addr is its transfer source."""
    d = os.path.join(X.TMP, name)
    os.makedirs(d, exist_ok=True)
    keyref = " key xfr" if key else ""
    conf = X.write(os.path.join(d, "named.conf"), f"""
options {{
    directory "{d}";
    pid-file "{d}/named.pid";
    session-keyfile "{d}/session.key";
    managed-keys-directory "{d}";
    listen-on port {port} {{ 127.0.0.1; }};
    listen-on-v6 {{ none; }};
    recursion no;
    dnssec-validation no;
    notify no;
    transfer-source {addr};
    query-source address {addr};
    min-refresh-time 300;
    min-retry-time 300;
}};
controls {{ }};
key "xfr" {{ algorithm hmac-sha256; secret "{X.SECRET}"; }};
logging {{
    channel out {{ stderr; severity info; print-time yes; }};
    category default {{ out; }};
    category xfer-in {{ out; }};
    category notify {{ out; }};
}};
zone "{zone}" {{
    type secondary;
    primaries port {primary_port} {{ 127.0.0.1{keyref}; }};
    file "{zone}.db";
    request-ixfr yes;
}};
""")
    # -d 3: BIND then logs which kind of transfer it asked for and got
    return X.Proc(name, [X.need("named"), "-g", "-d", "3", "-n", "1", "-c", conf])


def knot_secondary(addr, port, primary_port, zone, name="knotd"):
    d = os.path.join(X.TMP, name)
    os.makedirs(os.path.join(d, "db", "journal"), exist_ok=True)
    conf = X.write(os.path.join(d, "knot.conf"), f"""
server:
    listen: {addr}@{port}
    rundir: {d}
log:
  - target: stderr
    any: info
database:
    storage: {d}/db
    journal-db: {d}/db/journal
key:
  - id: xfr
    algorithm: hmac-sha256
    secret: {X.SECRET}
remote:
  - id: fleetdns
    address: 127.0.0.1@{primary_port}
    via: {addr}
    key: xfr
acl:
  - id: notify_from_fleetdns
    address: 127.0.0.1
    key: xfr
    action: notify
template:
  - id: default
    storage: {d}
zone:
  - domain: {zone}
    master: fleetdns
    acl: notify_from_fleetdns
    file: {zone}.zone
    zonefile-sync: -1
    journal-content: all
""")
    return X.Proc(name, [X.need("knotd"), "-c", conf])


def nsd_secondary(addr, port, primary_port, zone, name="nsd"):
    d = os.path.join(X.TMP, name)
    os.makedirs(d, exist_ok=True)
    conf = X.write(os.path.join(d, "nsd.conf"), f"""
server:
    ip-address: {addr}@{port}
    port: {port}
    zonesdir: "{d}"
    pidfile: "{d}/nsd.pid"
    database: ""
    xfrdfile: "{d}/xfrd.state"
    zonelistfile: "{d}/zone.list"
    xfrdir: "{d}"
    username: ""
    chroot: ""
    verbosity: 2
    server-count: 1
remote-control:
    control-enable: no
key:
    name: xfr
    algorithm: hmac-sha256
    secret: "{X.SECRET}"
zone:
    name: {zone}
    zonefile: "{zone}.zone"
    allow-notify: 127.0.0.1 xfr
    request-xfr: 127.0.0.1@{primary_port} xfr
""")
    return X.Proc(name, [X.need("nsd"), "-d", "-c", conf])


def knot_primary(addr, port, zone, zonefile, name="knot-parent"):
    """Knot serving zonefile as a primary (the parent of a delegation)."""
    d = os.path.join(X.TMP, name)
    os.makedirs(d, exist_ok=True)
    conf = X.write(os.path.join(d, "knot.conf"), f"""
server:
    listen: {addr}@{port}
    rundir: {d}
log:
  - target: stderr
    any: info
database:
    storage: {d}/db
template:
  - id: default
    storage: {d}
zone:
  - domain: {zone}
    file: {zonefile}
    zonefile-sync: -1
""")
    return X.Proc(name, [X.need("knotd"), "-c", conf])


def unbound(addr, port, body, name="unbound"):
    """Unbound answering on addr:port with body (stub-zone:, forward-zone: ...) after the
    server: options that let it talk to 127.0.0.x on any port."""
    d = os.path.join(X.TMP, name)
    os.makedirs(d, exist_ok=True)
    conf = X.write(os.path.join(d, "unbound.conf"), f"""
server:
    interface: {addr}@{port}
    port: {port}
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
    module-config: "iterator"
    qname-minimisation: no
    # Unbound answers names under test. (RFC 6761) itself unless told not to
    local-zone: "test." nodefault
    so-reuseport: no
    num-threads: 1
    outgoing-range: 64
    # the root is never asked: everything these tests ask is stubbed or forwarded
    root-hints: "{X.write(os.path.join(d, 'root.hints'), '. 3600 IN NS a.root.invalid.' + chr(10) + 'a.root.invalid. 3600 IN A 127.0.0.254' + chr(10))}"
remote-control:
    control-enable: no
{body}
""")
    return X.Proc(name, [X.need("unbound"), "-d", "-c", conf])
