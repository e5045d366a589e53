# replay.sh -- the fuzz corpus as an ordinary test: every saved input through the harness.
# SPDX-License-Identifier: MIT
# Needs TOP_BUILDDIR and TOP_SRCDIR (make check sets them). Prints TAP.
: "${TOP_BUILDDIR:?}" "${TOP_SRCDIR:?}"
exec "$TOP_BUILDDIR/tests/fuzz/replay_query" "$TOP_SRCDIR/tests/fuzz/corpus/query"
