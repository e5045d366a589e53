#!/usr/bin/env bash
# build.sh DIR [CONFIGURE ARGS...] -- configure (once) and build fleetdns out of tree in DIR.
# SPDX-License-Identifier: MIT
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dir=$1; shift
[ -x "$top/configure" ] || (cd "$top" && autoreconf -fi >/dev/null 2>&1)
mkdir -p "$dir"
cd "$dir"
if [ ! -f Makefile ]; then
    echo "build.sh: configuring $dir${*:+ ($*)}"
    "$top/configure" --enable-werror "$@" >configure.out 2>&1 || { cat configure.out; exit 1; }
fi
echo "build.sh: compiling in $dir (log: $dir/make.out)"
make -j"$(nproc)" >make.out 2>&1 || { tail -50 make.out; exit 1; }
