# pkglib.sh -- what the packaging tests (container.sh, deb.sh) share: the Debian mirror this
# machine uses, a cached Debian 12 minbase tree, and a clean copy of the source tree.
# SPDX-License-Identifier: MIT
#
# The minbase tree is made once with debootstrap (a few minutes) and kept as a tarball in
# $PKG_CACHE (default /var/cache/fleetdns-test/bookworm-minbase.tar); it is made again when it
# is older than $PKG_CACHE_DAYS days (default 30), or when the file is deleted. Apt inside
# the tree uses the same mirror as this machine, so nothing comes from anywhere else.

PKG_CACHE_DIR=${FLEETDNS_TEST_CACHE:-/var/cache/fleetdns-test}
PKG_CACHE=$PKG_CACHE_DIR/bookworm-minbase.tar
PKG_CACHE_DAYS=${PKG_CACHE_DAYS:-30}

# pkg_mirror: the Debian mirror that serves bookworm to this machine's apt (FLEETDNS_TEST_MIRROR
# overrides it), read from /etc/apt/sources.list and sources.list.d (one-line and deb822 forms).
pkg_mirror() {
    if [ -n "${FLEETDNS_TEST_MIRROR:-}" ]; then
        echo "$FLEETDNS_TEST_MIRROR"
        return
    fi
    local m
    m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
        awk '$1 == "deb" && / bookworm / {
            for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }')
    [ -n "$m" ] || m=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '
        /^$/ { if (suite && uri) { print uri; exit } suite = 0; uri = "" }
        /^URIs:/ { uri = $2 }
        /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == "bookworm") suite = 1 }
        END { if (suite && uri) print uri }' | head -1)
    echo "${m:-http://deb.debian.org/debian}"
}

# pkg_base_tarball: makes sure $PKG_CACHE holds a Debian 12 minbase tree (debootstrap, under a
# lock so that concurrent tests make it once) and prints its path. Progress goes to stderr
# as TAP comments.
pkg_base_tarball() {
    mkdir -p "$PKG_CACHE_DIR" || return 1
    (
        flock 9 || exit 1
        if [ -s "$PKG_CACHE" ] && [ -z "$(find "$PKG_CACHE" -mtime +"$PKG_CACHE_DAYS")" ]; then
            exit 0
        fi
        local mirror dir t0=$SECONDS
        mirror=$(pkg_mirror)
        dir=$(mktemp -d /var/tmp/fdnspkg-debootstrap.XXXXXX) || exit 1
        echo "# debootstrap --variant=minbase bookworm from $mirror (cached at $PKG_CACHE)" >&2
        if ! debootstrap --variant=minbase bookworm "$dir" "$mirror" >"$dir.log" 2>&1; then
            sed 's/^/# /' "$dir.log" | tail -20 >&2
            rm -rf "$dir" "$dir.log"
            exit 1
        fi
        # What a container base does not need and would date the tarball.
        rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*_* "$dir"/var/log/*.log
        chmod 0755 "$dir" # mktemp's 0700 would become the tree's /
        tar --numeric-owner -C "$dir" -cf "$PKG_CACHE.tmp" . &&
            mv "$PKG_CACHE.tmp" "$PKG_CACHE"
        local rc=$?
        rm -rf "$dir" "$dir.log" "$PKG_CACHE.tmp"
        echo "# minbase tarball made in $((SECONDS - t0)) s" >&2
        exit $rc
    ) 9>"$PKG_CACHE_DIR/.lock" || return 1
    echo "$PKG_CACHE"
}

# pkg_copy_source DEST: the source tree, without build directories or anything Git ignores
# (generated autotools files included: the packaging regenerates them), copied into DEST.
pkg_copy_source() {
    local dest=$1
    mkdir -p "$dest" || return 1
    if git -C "$TOP_SRCDIR" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        # Tracked files and new ones not ignored yet (work in progress is what is tested).
        (cd "$TOP_SRCDIR" && git ls-files -z --cached --others --exclude-standard |
            xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
            tar --null -T - -cf -) | tar -C "$dest" -xf -
    else
        # A release tarball: everything but what a build leaves.
        tar -C "$TOP_SRCDIR" --exclude='./build*' --exclude='*.o' --exclude='*.lo' \
            --exclude='*.la' --exclude=.libs --exclude=.deps --exclude=config.status \
            --exclude=config.log --exclude=autom4te.cache -cf - . | tar -C "$dest" -xf -
    fi
}
