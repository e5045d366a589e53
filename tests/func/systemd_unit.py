#!/usr/bin/python3
# systemd_unit.py -- the files of packaging/ (docs/running.md): systemd-analyze verify
# accepts fleetdns.service, alone and with the fleetdns-root.conf drop-in, without a single
# warning (an unknown or misspelt directive is only a warning to systemd, so any output
# fails; two planted typos prove that the check sees them); the example configuration
# passes --check-config; sysusers.d and tmpfiles.d make the user and its folders.
# SPDX-License-Identifier: MIT
import atexit
import os
import shutil
import subprocess
import sys
import tempfile

TOP_SRCDIR = os.environ.get("TOP_SRCDIR", ".")
sys.path.insert(0, os.path.join(TOP_SRCDIR, "tests", "lib"))
from fdnstest import bail, done_testing, is_, ok  # noqa: E402

for tool in ("systemd-analyze", "systemd-sysusers", "systemd-tmpfiles"):
    if not shutil.which(tool):
        bail(f"{tool} is missing (apt-get install systemd)")
PKG = os.path.join(TOP_SRCDIR, "packaging")
UNIT = os.path.join(PKG, "systemd", "fleetdns.service")
FLEETDNS = os.environ["FLEETDNS"]
tmp = tempfile.mkdtemp(prefix="fdnstest.")
atexit.register(shutil.rmtree, tmp, True)


def run(*args):
    r = subprocess.run(list(args), capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr


with open(UNIT) as f:
    unit = f.read()
directives = {}
for line in unit.splitlines():
    if "=" in line and not line.startswith(("#", "[")):
        key, value = line.split("=", 1)
        directives.setdefault(key, []).append(value)
for key, want in (("Type", ["notify"]),
                  ("ExecStart", ["/usr/sbin/fleetdns -c /etc/fleetdns/fleetdns.conf"]),
                  ("ExecReload", ["/bin/kill -HUP $MAINPID"]),
                  ("User", ["fleetdns"]),
                  ("AmbientCapabilities", ["CAP_NET_BIND_SERVICE"]),
                  ("RuntimeDirectory", ["fleetdns"]),
                  ("StateDirectory", ["fleetdns"]),
                  ("NoNewPrivileges", ["yes"]),
                  ("ProtectSystem", ["strict"]),
                  ("Restart", ["on-failure"])):
    is_(directives.get(key), want, f"fleetdns.service: {key}= as docs/running.md says")

# The unit as installed, but running the built binary on the example configuration:
# systemd-analyze checks that ExecStart names an executable.
conf = os.path.join(tmp, "fleetdns.conf")
shutil.copy(os.path.join(PKG, "fleetdns.conf"), conf)
test_unit = os.path.join(tmp, "fleetdns.service")


def unit_write():
    with open(test_unit, "w") as f:
        f.write(unit.replace("/usr/sbin/fleetdns", FLEETDNS)
                    .replace("/etc/fleetdns/fleetdns.conf", conf))


unit_write()


def verify():
    return run("systemd-analyze", "verify", "--man=no", test_unit)


is_(verify(), (0, ""), "systemd-analyze verify fleetdns.service: not a word to say")

dropins = os.path.join(tmp, "fleetdns.service.d")
os.mkdir(dropins)
shutil.copy(os.path.join(PKG, "systemd", "fleetdns-root.conf"),
            os.path.join(dropins, "root.conf"))
is_(verify(), (0, ""), "with the fleetdns-root.conf drop-in: not a word either")

# The check can fail: a misspelt directive in the unit, then in the drop-in.
with open(test_unit, "a") as f:
    f.write("[Service]\nNoNewPrivilege=yes\n")
rc, out = verify()
ok("Unknown key 'NoNewPrivilege' in section [Service]" in out,
   "a misspelt directive in the unit is reported", out)
unit_write()
with open(os.path.join(dropins, "root.conf"), "a") as f:
    f.write("ProtectSystm=strict\n")
rc, out = verify()
ok("Unknown key 'ProtectSystm' in section [Service]" in out,
   "a misspelt directive in the drop-in is reported", out)

rc, out = run(FLEETDNS, "-c", os.path.join(PKG, "fleetdns.conf"), "--check-config")
ok(rc == 0 and out.startswith("fleetdns: configuration OK: 1 zones, "),
   "packaging/fleetdns.conf passes --check-config", out)

# sysusers.d then tmpfiles.d, into an empty root: the user, then its folders.
root = os.path.join(tmp, "root")
os.makedirs(os.path.join(root, "etc"))
rc, out = run("systemd-sysusers", f"--root={root}",
              os.path.join(PKG, "systemd", "fleetdns.sysusers"))
is_(rc, 0, "systemd-sysusers fleetdns.sysusers: exit 0")
users = {}
with open(os.path.join(root, "etc", "passwd")) as f:
    for line in f:
        fields = line.rstrip("\n").split(":")
        users[fields[0]] = fields
user = users.get("fleetdns")
ok(user is not None and int(user[2]) < 1000 and user[5:] == ["/var/lib/fleetdns",
                                                               "/usr/sbin/nologin"],
   "a system user fleetdns, home /var/lib/fleetdns, no login shell", user)
rc, out = run("systemd-tmpfiles", f"--root={root}", "--create",
              os.path.join(PKG, "systemd", "fleetdns.tmpfiles"))
is_(rc, 0, "systemd-tmpfiles --create fleetdns.tmpfiles: exit 0")
for path, mode in (("run/fleetdns", 0o755), ("var/lib/fleetdns", 0o750)):
    st = os.stat(os.path.join(root, path))
    is_((st.st_uid, st.st_gid, st.st_mode & 0o7777),
        (int(user[2]) if user else None, int(user[3]) if user else None, mode),
        f"/{path}: the user's, mode {mode:o}")
done_testing()
