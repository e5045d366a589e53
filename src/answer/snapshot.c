/* SPDX-License-Identifier: MIT */
/* snapshot.c -- builds, looks up and frees snapshots of compiled answers. */
#include <stdlib.h>
#include <string.h>

#include "answer/compile.h"
#include "answer/snapshot.h"
#include "fleetdns/error.h"

const ans_node_t *ans_zone_find(const ans_zone_t *z, const uint8_t *name, size_t len)
{
	for (const ans_node_t *n = z->buckets[name_hash(name, len) & z->mask]; n; n = n->next)
		if (n->name_len == len && memcmp(n->name, name, len) == 0)
			return n;
	return NULL;
}

const ans_zone_t *snapshot_find_zone(const snapshot_t *s, const uint8_t *name, size_t len)
{
	for (const ans_zone_t *z = s->zbuckets[name_hash(name, len) & s->zmask]; z; z = z->next)
		if (z->apex_len == len && memcmp(z->apex, name, len) == 0)
			return z;
	return NULL;
}

int snapshot_build(snapshot_t **out, zone_data_t *const *zones, size_t n,
		   const answer_opts_t *opts)
{
	*out = NULL;
	snapshot_t *s = calloc(1, sizeof(*s));
	build_t *b = malloc(sizeof(*b));
	int ret = FDNS_ENOMEM;
	if (!s || !b)
		goto fail;
	arena_init(&s->arena);
	s->udp_size = opts && opts->udp_size >= 512 ? opts->udp_size : 1232;
	size_t zb = 16;
	while (zb < n * 2)
		zb *= 2;
	s->zmask = zb - 1;
	s->zbuckets = arena_alloc(&s->arena, zb * sizeof(*s->zbuckets));
	if (!s->zbuckets)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		ans_zone_t *z;
		ret = compile_zone(&z, zones[i], &s->arena, b);
		if (ret < 0)
			goto fail;
		if (snapshot_find_zone(s, z->apex, z->apex_len)) {
			ret = FDNS_EEXIST;
			goto fail;
		}
		size_t h = name_hash(z->apex, z->apex_len) & s->zmask;
		z->next = s->zbuckets[h];
		s->zbuckets[h] = z;
		s->nzones++;
		s->nnames += z->nnodes;
	}
	free(b);
	*out = s;
	return FDNS_OK;
fail:
	free(b);
	snapshot_free(s);
	return ret;
}

void snapshot_free(snapshot_t *snap)
{
	if (!snap)
		return;
	arena_free_all(&snap->arena);
	free(snap);
}

size_t snapshot_zone_count(const snapshot_t *snap)
{
	return snap->nzones;
}

size_t snapshot_name_count(const snapshot_t *snap)
{
	return snap->nnames;
}
