#!/usr/bin/env bash
# install-deps.sh -- install, from Debian 12, whatever building and testing fleetdns needs
# and this machine does not have yet. Run as root. Nothing is downloaded from elsewhere.
# SPDX-License-Identifier: MIT
set -euo pipefail

build=(build-essential autoconf automake libtool pkg-config
       libldns-dev libssl-dev libuv1-dev libcurl4-openssl-dev libjson-c-dev libyaml-dev liburcu-dev
       libsodium-dev libmicrohttpd-dev libsystemd-dev)
# Test peers and tools: real dig/kdig/mdig, Knot/NSD/BIND/Unbound, dnspython, clang for
# the libFuzzer harness, dnsperf for benchmarks, Docker Engine for fleet tests; systemd for
# systemd-analyze, debootstrap and the Debian packaging tools for the image and .deb tests;
# faketime (with libfaketime) for clients and servers whose clocks are off (TSIG BADTIME).
test=(bind9-dnsutils knot-dnsutils ldnsutils knot nsd python3-dnspython python3-yaml clang dnsperf
      iproute2 procps openssl curl bind9 unbound dnsmasq docker.io busybox-static valgrind
      prometheus chromium systemd debootstrap debhelper dpkg-dev fakeroot podman faketime)

want=("${build[@]}")
[ "${1:-}" = "--test" ] && want+=("${test[@]}")

missing=()
for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
    echo "install-deps: all ${#want[@]} packages are installed"
else
    echo "install-deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # Debian's knot/nsd packages would start system services; we only want the binaries.
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d.fleetdns
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        cp /usr/sbin/policy-rc.d.fleetdns /usr/sbin/policy-rc.d
        chmod +x /usr/sbin/policy-rc.d
        trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    rm -f /usr/sbin/policy-rc.d.fleetdns
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
