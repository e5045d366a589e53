/* SPDX-License-Identifier: MIT */
/* arena.h -- bump allocation for a snapshot: everything it holds is freed at once. */
#ifndef FDNS_ANSWER_ARENA_H
#define FDNS_ANSWER_ARENA_H

#include <stddef.h>

typedef struct arena_chunk arena_chunk_t;

typedef struct arena {
	arena_chunk_t *head;
	size_t used;  /* bytes used in head */
	size_t total; /* bytes handed out, for statistics */
	size_t first; /* the first chunk's size; 0: CHUNK_MIN */
} arena_t;

void arena_init(arena_t *a);
/** The same, with a first chunk of first bytes (0: the default), for an arena whose size is
 * known: nothing left unused. */
void arena_init_sized(arena_t *a, size_t first);
/** Aligned to 8; zeroed. NULL when out of memory. */
void *arena_alloc(arena_t *a, size_t size);
void arena_free_all(arena_t *a);
/** Bytes of its chunks, handed out or not (total is what was handed out). */
size_t arena_capacity(const arena_t *a);

#endif
