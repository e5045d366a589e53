#!/usr/bin/env python3
# compose_args.py -- turns one service of packaging/docker/compose.yaml into `docker run`
# arguments, so that tests/pkg/container.sh runs the example exactly as written (no compose
# tool is installed). Host-side values are the test's own: its engine's socket and group,
# free ports on 127.0.0.1, volume names with its prefix. A key this script does not know
# fails the test, so the example cannot drift from what is tested.
# SPDX-License-Identifier: MIT
#
#   compose_args.py FILE SERVICE --socket PATH --gid GID --prefix P [--port CPORT=HPORT]...
# prints one argument per line; for a service that is not fleetdns (no --socket needed)
# `--replicas` prints the replica count and `--labels` its labels as --label arguments.
import argparse
import os
import re
import sys

import yaml

IGNORED = {"build", "image", "restart", "healthcheck", "command", "deploy"}


def fail(msg):
    print(f"compose_args: {msg}", file=sys.stderr)
    sys.exit(1)


def expand(value, env):
    """${VAR}, ${VAR:-default} and ${VAR:?message} as compose reads them."""
    def one(m):
        name, op, arg = m.group(1), m.group(2), m.group(3)
        if name in env and env[name] != "":
            return env[name]
        if op == ":-":
            return arg
        fail(f"${{{name}}} is not set ({arg})")
    return re.sub(r"\$\{(\w+)(?:(:[-?])([^}]*))?\}", one, str(value))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("service")
    ap.add_argument("--socket")
    ap.add_argument("--gid")
    ap.add_argument("--prefix", default="")
    ap.add_argument("--port", action="append", default=[], help="CONTAINERPORT/PROTO=HOSTPORT")
    ap.add_argument("--replicas", action="store_true")
    ap.add_argument("--labels", action="store_true")
    a = ap.parse_args()

    with open(a.file) as f:
        doc = yaml.safe_load(f)
    svc = doc.get("services", {}).get(a.service)
    if svc is None:
        fail(f"no service {a.service!r} in {a.file}")
    env = dict(os.environ, DOCKER_GID=a.gid or "")
    out = []

    if a.replicas:
        print(int(svc.get("deploy", {}).get("replicas", 1)))
        return
    for k, v in (svc.get("labels") or {}).items():
        out += ["--label", f"{k}={expand(v, env)}"]
    if a.labels:
        print("\n".join(out))
        return

    ports = dict(p.split("=", 1) for p in a.port)
    volumes = set((doc.get("volumes") or {}).keys())
    for key, val in svc.items():
        if key in IGNORED or key == "labels":
            continue
        if key == "ports":
            for spec in val:
                cport = str(spec).rsplit(":", 1)[1]
                if "/" not in cport:
                    cport += "/tcp"
                if cport not in ports:
                    fail(f"port {spec!r}: the test gave no host port for {cport}")
                out += ["-p", f"127.0.0.1:{ports[cport]}:{cport}"]
        elif key == "volumes":
            for spec in val:
                src, rest = str(spec).split(":", 1)
                if src == "/var/run/docker.sock":
                    src = a.socket
                elif src in volumes:
                    src = a.prefix + src
                else:
                    fail(f"volume {spec!r}: neither the socket nor a named volume")
                out += ["-v", f"{src}:{rest}"]
        elif key == "group_add":
            out += [x for g in val for x in ("--group-add", expand(g, env))]
        elif key == "read_only":
            if val:
                out.append("--read-only")
        elif key == "tmpfs":
            out += [x for t in ([val] if isinstance(val, str) else val) for x in ("--tmpfs", t)]
        elif key in ("cap_drop", "cap_add", "security_opt"):
            flag = "--" + key.replace("_", "-")
            out += [x for c in val for x in (flag, str(c))]
        else:
            fail(f"service {a.service}: key {key!r} is not translated by this test")
    print("\n".join(out))


if __name__ == "__main__":
    main()
