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
	for (size_t i = name_hash(name, len) & s->zmask;; i = (i + 1) & s->zmask) {
		const ans_zone_t *z = s->ztable[i];
		if (!z)
			return NULL;
		if (z->apex_len == len && memcmp(z->apex, name, len) == 0)
			return z;
	}
}

static void zone_unref(ans_zone_t *z)
{
	if (__atomic_sub_fetch(&z->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		arena_t a = z->arena; /* z lives in its own arena */
		arena_free_all(&a);
	}
}

static void zone_insert(snapshot_t *s, ans_zone_t *z)
{
	size_t i = name_hash(z->apex, z->apex_len) & s->zmask;
	while (s->ztable[i])
		i = (i + 1) & s->zmask;
	s->ztable[i] = z;
	__atomic_add_fetch(&z->refs, 1, __ATOMIC_ACQ_REL);
	s->nzones++;
	s->nnames += z->nnodes;
}

static bool replaced(const ans_zone_t *z, ans_zone_t *const *fresh, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fresh[i] && fresh[i]->apex_len == z->apex_len &&
		    memcmp(fresh[i]->apex, z->apex, z->apex_len) == 0)
			return true;
	return false;
}

int snapshot_update(snapshot_t **out, const snapshot_t *old, zone_data_t *const *zones, size_t n,
                    const answer_opts_t *opts)
{
	*out = NULL;
	int ret = FDNS_ENOMEM;
	snapshot_t *s = calloc(1, sizeof(*s));
	build_t *b = malloc(sizeof(*b));
	ans_zone_t **fresh = calloc(n ? n : 1, sizeof(*fresh));
	if (!s || !b || !fresh)
		goto fail;
	s->udp_size = opts && opts->udp_size >= 512 ? opts->udp_size : old ? old->udp_size : 1232;
	for (size_t i = 0; i < n; i++) {
		ret = compile_zone(&fresh[i], zones[i], b);
		if (ret < 0)
			goto fail;
		for (size_t j = 0; j < i; j++)
			if (replaced(fresh[i], fresh, j)) {
				ret = FDNS_EEXIST;
				goto fail;
			}
	}
	size_t total = n + (old ? old->nzones : 0), slots = 16;
	while (slots < total * 2)
		slots *= 2;
	s->zmask = slots - 1;
	s->ztable = calloc(slots, sizeof(*s->ztable));
	if (!s->ztable) {
		ret = FDNS_ENOMEM;
		goto fail;
	}
	for (size_t i = 0; old && i <= old->zmask; i++)
		if (old->ztable[i] && !replaced(old->ztable[i], fresh, n))
			zone_insert(s, old->ztable[i]);
	for (size_t i = 0; i < n; i++) {
		zone_insert(s, fresh[i]);
		zone_unref(fresh[i]); /* the snapshot's reference is the only one now */
	}
	free(fresh);
	free(b);
	*out = s;
	return FDNS_OK;
fail:
	for (size_t i = 0; fresh && i < n; i++)
		if (fresh[i])
			zone_unref(fresh[i]);
	free(fresh);
	free(b);
	snapshot_free(s);
	return ret;
}

int snapshot_build(snapshot_t **out, zone_data_t *const *zones, size_t n, const answer_opts_t *opts)
{
	return snapshot_update(out, NULL, zones, n, opts);
}

void snapshot_free(snapshot_t *snap)
{
	if (!snap)
		return;
	if (snap->attachment_free)
		snap->attachment_free(snap->attachment);
	for (size_t i = 0; snap->ztable && i <= snap->zmask; i++)
		if (snap->ztable[i])
			zone_unref(snap->ztable[i]);
	free(snap->ztable);
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

int snapshot_zone_serial(const snapshot_t *snap, const char *origin, uint32_t *serial)
{
	ldns_rdf *name = NULL;
	if (ldns_str2rdf_dname(&name, origin) != LDNS_STATUS_OK)
		return FDNS_EINVAL;
	ldns_dname2canonical(name);
	const ans_zone_t *z = snapshot_find_zone(snap, ldns_rdf_data(name), ldns_rdf_size(name));
	ldns_rdf_deep_free(name);
	if (!z)
		return FDNS_ENOENT;
	*serial = z->serial;
	return FDNS_OK;
}

void snapshot_attach(snapshot_t *snap, void *data, void (*free_fn)(void *data))
{
	if (snap->attachment_free)
		snap->attachment_free(snap->attachment);
	snap->attachment = data;
	snap->attachment_free = free_fn;
}

void *snapshot_attachment(const snapshot_t *snap)
{
	return snap->attachment;
}
