# deb.sh -- the Debian package (debian/): built with dpkg-buildpackage from a clean copy of
# the source tree, installed with apt into a fresh Debian 12 minbase chroot (dependencies
# from the mirror, services not started), then checked there: the binaries, the version,
# the example configuration, the manual pages, the unit, the system user; and purged.
# SPDX-License-Identifier: MIT
#
# The chroot comes from the minbase tarball cached by tests/pkg/pkglib.sh. Needs root,
# dpkg-dev, debhelper, fakeroot, debootstrap, dig. Everything is removed at exit.
. "$TOP_SRCDIR/tests/lib/tap.sh"
. "$TOP_SRCDIR/tests/pkg/pkglib.sh"

WORK=$(mktemp -d /var/tmp/fdnspkg-deb.XXXXXX)
ROOT=$WORK/root
CHROOT_PID=

cleanup() {
    [ -n "$CHROOT_PID" ] && kill "$CHROOT_PID" 2>/dev/null && wait "$CHROOT_PID" 2>/dev/null
    awk -v d="$ROOT/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r |
        while read -r m; do umount -l "$m" 2>/dev/null; done
    # Never remove what a mount that would not go still shows.
    if ! awk -v d="$ROOT/" 'index($2, d) == 1 { f = 1 } END { exit !f }' /proc/mounts; then
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap "exit 1" INT TERM HUP

for tool in dpkg-buildpackage dh fakeroot debootstrap dig chroot; do
    command -v "$tool" >/dev/null || bail "$tool is not installed (scripts/install-deps.sh --test)"
done
[ "$(id -u)" = 0 ] || bail "needs root (chroot)"

VERSION=$(sed -n 's/^AC_INIT(\[fleetdns\], \[\([^]]*\)\].*/\1/p' "$TOP_SRCDIR/configure.ac")
[ -n "$VERSION" ] || bail "no version in configure.ac"
t_start=$SECONDS

# --- build -----------------------------------------------------------------------------------
SRC=$WORK/fleetdns-$VERSION
pkg_copy_source "$SRC" || bail "cannot copy the source tree"
is "$(cd "$SRC" && dpkg-parsechangelog -S Version)" "$VERSION" \
    "debian/changelog's version is configure.ac's ($VERSION)"
t0=$SECONDS
(cd "$SRC" && nice -n 10 dpkg-buildpackage -us -uc -b -J"$(nproc)") >"$WORK/build.log" 2>&1
rc=$?
ok "$rc" "dpkg-buildpackage -us -uc -b builds"
[ "$rc" = 0 ] || { tail -40 "$WORK/build.log" | sed 's/^/# /'; bail "no package"; }
diag "package built in $((SECONDS - t0)) s"
DEB=$(ls "$WORK"/fleetdns_"$VERSION"_*.deb 2>/dev/null | head -1)
[ -f "$DEB" ] || bail "no fleetdns_${VERSION}_*.deb in $WORK"
contents=$(dpkg-deb -c "$DEB" | awk '{ print $NF }' | sed 's,^\./,/,')
for f in /usr/sbin/fleetdns /usr/bin/fleetdnsctl /usr/share/man/man8/fleetdns.8.gz \
    /usr/share/man/man8/fleetdnsctl.8.gz /usr/share/man/man5/fleetdns.conf.5.gz \
    /lib/systemd/system/fleetdns.service /etc/fleetdns/fleetdns.conf \
    /usr/lib/sysusers.d/fleetdns.conf /usr/lib/tmpfiles.d/fleetdns.conf; do
    grep -qx "$f" <<<"$contents"
    ok $? "the package holds $f"
done
is "$(grep -c 'systemd/system/fleetdns.service$' <<<"$contents")" 1 "... and one unit only"
is "$(dpkg-deb -f "$DEB" Version)" "$VERSION" "the package's version is $VERSION"

# --- install into a clean Debian 12 ----------------------------------------------------------
tarball=$(pkg_base_tarball) || bail "no Debian 12 minbase tarball"
mkdir -p "$ROOT" && tar -C "$ROOT" -xf "$tarball" && chmod 0755 "$ROOT" ||
    bail "cannot unpack $tarball"
mount -t proc proc "$ROOT/proc" || bail "cannot mount proc in the chroot"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d" # no service starts
chmod +x "$ROOT/usr/sbin/policy-rc.d"
cp "$DEB" "$ROOT/tmp/"
in_root() { chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 "$@"; }
t0=$SECONDS
{ in_root apt-get update -q && in_root apt-get install -y -q "/tmp/${DEB##*/}"; } \
    >"$WORK/install.log" 2>&1
rc=$?
ok "$rc" "apt-get install ./${DEB##*/} in a clean Debian 12 resolves its dependencies"
[ "$rc" = 0 ] || { tail -30 "$WORK/install.log" | sed 's/^/# /'; bail "not installed"; }
diag "installed in $((SECONDS - t0)) s"

is "$(in_root fleetdns --version 2>&1)" "fleetdns $VERSION" "fleetdns --version in the chroot"
out=$(in_root fleetdns --check-config -c /etc/fleetdns/fleetdns.conf 2>&1)
rc=$?
is "$rc" 0 "fleetdns --check-config -c /etc/fleetdns/fleetdns.conf exits 0"
[ "$rc" = 0 ] || diag "$out"
in_root fleetdnsctl --help >/dev/null 2>&1
ok $? "fleetdnsctl runs in the chroot"
for m in man8/fleetdns.8.gz man8/fleetdnsctl.8.gz man5/fleetdns.conf.5.gz; do
    [ -s "$ROOT/usr/share/man/$m" ]
    ok $? "man page /usr/share/man/$m is installed"
done
like "$(in_root dpkg -L fleetdns)" "^/lib/systemd/system/fleetdns.service$" \
    "dpkg -L fleetdns lists the unit"
is "$(grep '^ExecStart=' "$ROOT/lib/systemd/system/fleetdns.service")" \
    "ExecStart=/usr/sbin/fleetdns -c /etc/fleetdns/fleetdns.conf" \
    "the unit starts the packaged binary with the packaged configuration"
is "$(in_root dpkg-query -W -f='${Conffiles}' fleetdns | awk '{ print $1 }')" \
    /etc/fleetdns/fleetdns.conf "/etc/fleetdns/fleetdns.conf is the one conffile"
pw=$(in_root getent passwd fleetdns)
like "$pw" "^fleetdns:x:[1-9][0-9]{0,2}:[0-9]+:[^:]*:/var/lib/fleetdns:/usr/sbin/nologin$" \
    "the fleetdns system user exists (uid below 1000, home /var/lib/fleetdns, no shell)"
is "$(in_root stat -c '%U:%G %a' /var/lib/fleetdns)" "fleetdns:fleetdns 750" \
    "/var/lib/fleetdns belongs to fleetdns, mode 750"

# The packaged binary answers as the packaged user (libraries resolved from the mirror).
PORT=$(PYTHONPATH="$TOP_SRCDIR/tests/lib" python3 -c 'import fdnstest; print(fdnstest.free_port())')
chroot --userspec=fleetdns:fleetdns "$ROOT" /usr/sbin/fleetdns --listen "127.0.0.1:$PORT" \
    --zone deb.test >"$WORK/fleetdns.log" 2>&1 &
CHROOT_PID=$!
end=$((SECONDS + 20))
while :; do
    soa=$(dig +short +time=1 +tries=1 @127.0.0.1 -p "$PORT" deb.test SOA 2>/dev/null)
    # An SOA, not ";; connection refused".
    grep -Eq '^[^ ;]+ [^ ]+ [0-9]+ ' <<<"$soa" || [ "$SECONDS" -ge "$end" ] && break
    sleep 0.1
done
like "$soa" "^[^ ;]+ [^ ]+ [0-9]+ " \
    "the installed fleetdns, run as user fleetdns, answers deb.test SOA"
kill "$CHROOT_PID" 2>/dev/null
wait "$CHROOT_PID"
is "$?" 0 "... and exits 0 on SIGTERM"
CHROOT_PID=

in_root apt-get purge -y -q fleetdns >"$WORK/purge.log" 2>&1
ok $? "apt-get purge fleetdns"
left=$(cd "$ROOT" && ls -d usr/sbin/fleetdns usr/bin/fleetdnsctl etc/fleetdns var/lib/fleetdns \
    lib/systemd/system/fleetdns.service 2>/dev/null)
is "$left" "" "purge leaves no binary, configuration, state folder or unit"

diag "deb.sh took $((SECONDS - t_start)) s"
done_testing
