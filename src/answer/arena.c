/* SPDX-License-Identifier: MIT */
/* arena.c -- chunked bump allocator; big requests get a chunk of their own. Chunks start
 * small and double: a fleet service compiles into an arena of its own, often a few KiB. */
#include <stdlib.h>
#include <string.h>

#include "answer/arena.h"

#define CHUNK_MIN (2 * 1024)
#define CHUNK_MAX (256 * 1024)

struct arena_chunk {
	arena_chunk_t *next;
	size_t size;
	_Alignas(16) unsigned char data[];
};

void arena_init(arena_t *a)
{
	arena_init_sized(a, 0);
}

void arena_init_sized(arena_t *a, size_t first)
{
	a->head = NULL;
	a->used = 0;
	a->total = 0;
	a->first = first;
}

void *arena_alloc(arena_t *a, size_t size)
{
	size = (size + 7) & ~(size_t)7;
	if (!a->head || a->used + size > a->head->size) {
		size_t next = a->head ? a->head->size * 2 : CHUNK_MIN;
		if (next > CHUNK_MAX)
			next = CHUNK_MAX;
		size_t csize = size > next / 4 ? size : next;
		if (!a->head && a->first) /* sized: one chunk for everything, if it fits */
			csize = size > a->first ? size : a->first;
		arena_chunk_t *c = malloc(sizeof(*c) + csize);
		if (!c)
			return NULL;
		c->size = csize;
		if (csize == size && a->head) {
			/* Keep filling the current chunk; put the big one behind it. */
			c->next = a->head->next;
			a->head->next = c;
			memset(c->data, 0, size);
			a->total += size;
			return c->data;
		}
		c->next = a->head;
		a->head = c;
		a->used = 0;
	}
	void *p = a->head->data + a->used;
	a->used += size;
	a->total += size;
	memset(p, 0, size);
	return p;
}

size_t arena_capacity(const arena_t *a)
{
	size_t bytes = 0;
	for (const arena_chunk_t *c = a->head; c; c = c->next)
		bytes += c->size;
	return bytes;
}

void arena_free_all(arena_t *a)
{
	arena_chunk_t *c = a->head;
	while (c) {
		arena_chunk_t *n = c->next;
		free(c);
		c = n;
	}
	arena_init(a);
}
