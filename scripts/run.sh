#!/usr/bin/env bash
# run.sh -- install what is missing, build, and run fleetdns with its built-in default:
# the fleet.internal zone on 127.0.0.1:5353. Extra arguments go to fleetdns.
# SPDX-License-Identifier: MIT
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
echo "run.sh: checking the Debian packages fleetdns needs (scripts/install-deps.sh)"
"$top/scripts/install-deps.sh"
echo "run.sh: building in $top/build (the first build takes about a minute)"
"$top/scripts/build.sh" "$top/build"
echo "run.sh: starting $top/build/fleetdns $* (Ctrl-C stops it)"
exec "$top/build/fleetdns" "$@"
