#!/usr/bin/env bash
# run.sh -- install what is missing, build, and run fleetdns with its built-in default:
# the fleet.internal zone on 127.0.0.1:5353. Extra arguments go to fleetdns.
# SPDX-License-Identifier: MIT
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/install-deps.sh"
"$top/scripts/build.sh" "$top/build"
exec "$top/build/fleetdns" "$@"
