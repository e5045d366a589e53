# hotpath_symbols.sh -- the objects on the query path call no allocator and no ldns
# function: checked on the compiled objects themselves, so it holds for every query kind.
# SPDX-License-Identifier: MIT
. "$TOP_SRCDIR/tests/lib/tap.sh"
for obj in src/wire/query.o src/answer/respond.o src/server/answer_msg.o src/server/udp.o \
	src/server/rrl.o src/server/tcp_frame.o src/server/cookie.o src/answer/chaos.o \
	src/answer/site_lookup.o src/server/ecs.o src/wire/name.o; do
    path="$TOP_BUILDDIR/$obj"
    if [ ! -f "$path" ]; then
        ok 1 "$obj exists"
        continue
    fi
    bad=$(nm -u "$path" | awk '{print $2}' | grep -E '^(malloc|calloc|realloc|free|strdup|ldns_.*)$' | tr '\n' ' ')
    is "$bad" "" "$obj calls no allocator and no ldns function"
done
done_testing
