/* SPDX-License-Identifier: MIT */
/* snapshot.c -- builds, looks up and frees snapshots of compiled answers. */
#include <stdlib.h>
#include <string.h>

#include "answer/compile.h"
#include "answer/snapshot.h"
#include "answer/version.h"
#include "answer/zone_slot.h"
#include "fleetdns/error.h"
#include "wire/name.h"

const ans_zone_t *snapshot_find_zone(const snapshot_t *s, const uint8_t *name, size_t len)
{
	for (size_t i = wire_name_hash(name, len) & s->zmask;; i = (i + 1) & s->zmask) {
		const ans_zone_t *z = s->ztable[i];
		if (!z)
			return NULL;
		if (z->apex_len == len && memcmp(z->apex, name, len) == 0)
			return z;
	}
}

void part_ref(ans_part_t *p)
{
	__atomic_add_fetch(&p->refs, 1, __ATOMIC_RELAXED);
}

void part_unref(ans_part_t *p)
{
	if (p && __atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		arena_free_all(&p->arena);
		records_free(&p->records);
		free(p->soa);
		free(p);
	}
}

void ans_zone_release(ans_zone_t *z)
{
	if (z && __atomic_sub_fetch(&z->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		table_release(&z->names);
		vec_release(&z->parts);
		part_unref(z->base);
		free(z);
	}
}

static void zone_insert(snapshot_t *s, ans_zone_t *z)
{
	size_t i = wire_name_hash(z->apex, z->apex_len) & s->zmask;
	while (s->ztable[i])
		i = (i + 1) & s->zmask;
	s->ztable[i] = z;
	__atomic_add_fetch(&z->refs, 1, __ATOMIC_ACQ_REL);
	s->nzones++;
	s->nnames += z->names.count;
}

static int part_insert(ans_zone_t *z, const ans_part_t *p)
{
	int ret = FDNS_OK;
	for (size_t i = 0; p && i < p->nnodes && ret == FDNS_OK; i++)
		ret = table_insert(&z->names, p->nodes[i]);
	return ret;
}

static int part_remove(ans_zone_t *z, const ans_part_t *p)
{
	int ret = FDNS_OK;
	for (size_t i = 0; p && i < p->nnodes && ret == FDNS_OK; i++)
		ret = table_remove(&z->names, p->nodes[i]->name, p->nodes[i]->name_len);
	return ret;
}

/* A number no other compile from nothing got (the loader's thread compiles too). */
static uint64_t lineage_next(void)
{
	static uint64_t last;
	return __atomic_add_fetch(&last, 1, __ATOMIC_RELAXED);
}

static size_t part_record_bytes(const ans_part_t *p)
{
	return p ? p->records.bytes : 0;
}

/* The parts of a new version: each one's old names out, its new names in. */
static int patch_parts(ans_zone_t *z, const zone_patch_t *p, build_t *b)
{
	for (size_t i = 0; i < p->nparts; i++) {
		ans_part_t *fresh = NULL, *stale = vec_get(&z->parts, p->part_ids[i]);
		int ret = p->parts[i]
		              ? compile_part(&fresh, p->parts[i], p->roots[i], p->records, b)
		              : FDNS_OK;
		if (ret == FDNS_OK)
			ret = part_remove(z, stale);
		if (ret == FDNS_OK) {
			z->record_bytes += part_record_bytes(fresh) - part_record_bytes(stale);
			ret = part_insert(z, fresh);
		}
		if (ret == FDNS_OK)
			ret = vec_set(&z->parts, p->part_ids[i], fresh);
		part_unref(fresh); /* the version holds it now, or nobody */
		if (ret < 0)
			return ret;
	}
	return FDNS_OK;
}

/* How many names a new zone's table will hold: the base's, counted by its compile, and an
 * estimate for each part (the table grows past it). Not its records: the name table of a
 * zone with 4 records a name was 4 times bigger than needed (64 MiB for 1M names). */
static size_t names_expected(const zone_patch_t *p, const ans_part_t *base)
{
	size_t n = base ? base->nnodes : 0;
	for (size_t i = 0; i < p->nparts; i++)
		n += p->parts[i] ? compile_names_estimate(p->parts[i]->rrs) : 0;
	return n;
}

/* A new version of a zone: old's names and parts shared, the patch applied. */
static int zone_patch(ans_zone_t **out, const ans_zone_t *old, const zone_patch_t *p, build_t *b)
{
	ans_zone_t *z = calloc(1, sizeof(*z));
	if (!z)
		return FDNS_ENOMEM;
	z->refs = 1;
	bool fresh = !old || p->reset;
	int ret = FDNS_OK;
	if (!fresh) {
		ret = table_clone(&z->names, &old->names);
		if (ret == FDNS_OK) /* a zone compiled whole is one page: cut it first */
			ret = table_rebalance(&z->names);
		if (ret == FDNS_OK)
			ret = vec_clone(&z->parts, &old->parts);
		z->base = old->base;
		z->record_bytes = old->record_bytes;
		part_ref(z->base);
	}
	ans_part_t *base = NULL;
	if (ret == FDNS_OK && p->base)
		ret = compile_part(&base, p->base, NULL, p->records, b);
	/* A zone made of parts will be patched: pages now. A zone compiled whole (a file) is
	 * one page, one cache miss less per lookup. */
	if (ret == FDNS_OK && fresh)
		ret = table_init(&z->names, names_expected(p, base), p->nparts > 0);
	if (ret == FDNS_OK && base) {
		ret = part_remove(z, z->base);
		z->record_bytes += part_record_bytes(base) - part_record_bytes(z->base);
		part_unref(z->base);
		z->base = base;
		if (ret == FDNS_OK)
			ret = part_insert(z, base);
	} else {
		part_unref(base); /* not compiled, or no table to hold it */
	}
	if (ret == FDNS_OK && !z->base)
		ret = FDNS_EINVAL; /* a new zone needs its own data */
	if (ret == FDNS_OK)
		ret = patch_parts(z, p, b);
	if (ret == FDNS_OK && old && !p->reset)
		ret = table_rebalance(&z->names);
	if (ret < 0) {
		ans_zone_release(z);
		return ret;
	}
	const uint8_t *d = ldns_rdf_data(p->apex);
	z->apex_len = (uint8_t)ldns_rdf_size(p->apex);
	wire_name_lower(z->apex, d, z->apex_len);
	z->apex_labels = z->base->apex_labels;
	z->nodata = z->base->nodata;
	z->nxdomain = z->base->nxdomain;
	z->serial = z->base->serial;
	z->records = p->records;
	z->lineage = old && !p->reset ? old->lineage : lineage_next();
	z->slot = zone_slot_of(z->apex, z->apex_len);
	*out = z;
	return FDNS_OK;
}

int snapshot_patch(snapshot_t **out, const snapshot_t *old, const zone_patch_t *patches, size_t n,
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
	if (opts) {
		ret = ans_sites_new(&s->sites, opts->sites, opts->nsites);
		if (ret < 0)
			goto fail;
	} else if (old) {
		s->sites = old->sites;
		ans_sites_ref(s->sites);
	}
	for (size_t i = 0; i < n; i++) {
		const uint8_t *apex = ldns_rdf_data(patches[i].apex);
		size_t len = ldns_rdf_size(patches[i].apex);
		uint8_t lc[DNS_NAME_MAX];
		wire_name_lower(lc, apex, len);
		const ans_zone_t *prev = old ? snapshot_find_zone(old, lc, len) : NULL;
		ret = zone_patch(&fresh[i], prev, &patches[i], b);
		if (ret < 0)
			goto fail;
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
	/* The new zones first, found through the table itself: a second one with the same apex
	 * is an error, an old one with the apex of a new one is replaced. */
	for (size_t i = 0; i < n; i++) {
		if (snapshot_find_zone(s, fresh[i]->apex, fresh[i]->apex_len)) {
			ret = FDNS_EEXIST;
			goto fail;
		}
		zone_insert(s, fresh[i]);
	}
	for (size_t i = 0; old && i <= old->zmask; i++)
		if (old->ztable[i] &&
		    !snapshot_find_zone(s, old->ztable[i]->apex, old->ztable[i]->apex_len))
			zone_insert(s, old->ztable[i]);
	for (size_t i = 0; i < n; i++)
		ans_zone_release(fresh[i]); /* the snapshot's reference is the only one now */
	free(fresh);
	free(b);
	*out = s;
	return FDNS_OK;
fail:
	for (size_t i = 0; fresh && i < n; i++)
		ans_zone_release(fresh[i]);
	free(fresh);
	free(b);
	snapshot_free(s);
	return ret;
}

int snapshot_update(snapshot_t **out, const snapshot_t *old, zone_data_t *const *zones, size_t n,
                    const answer_opts_t *opts)
{
	zone_patch_t *p = calloc(n ? n : 1, sizeof(*p));
	if (!p)
		return FDNS_ENOMEM;
	for (size_t i = 0; i < n; i++)
		p[i] = (zone_patch_t){.apex = zones[i]->apex, .reset = true, .base = zones[i]};
	int ret = snapshot_patch(out, old, p, n, opts);
	free(p);
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
	if (snap->transfers_free)
		snap->transfers_free(snap->transfers);
	for (size_t i = 0; snap->ztable && i <= snap->zmask; i++)
		if (snap->ztable[i])
			ans_zone_release(snap->ztable[i]);
	free(snap->ztable);
	ans_sites_unref(snap->sites);
	free(snap);
}

size_t snapshot_zone_count(const snapshot_t *snap)
{
	return snap->nzones;
}

/* Bytes of one part: its arena (nodes and answer blocks) and the struct. */
static size_t part_bytes(const ans_part_t *p)
{
	return p ? sizeof(*p) + p->arena.total : 0;
}

static size_t zone_bytes(const ans_zone_t *z)
{
	size_t bytes = sizeof(*z) + part_bytes(z->base);
	for (uint32_t i = 0; i < z->names.npages; i++)
		if (z->names.pages[i])
			bytes +=
			    sizeof(ans_page_t) + (z->names.pages[i]->mask + 1) * sizeof(void *);
	for (size_t i = 0; i < z->parts.npages << VEC_PAGE_BITS; i++)
		bytes += part_bytes(vec_get(&z->parts, i));
	return bytes;
}

size_t snapshot_memory(const snapshot_t *snap)
{
	size_t bytes = sizeof(*snap) + (snap->zmask + 1) * sizeof(*snap->ztable);
	for (size_t i = 0; i <= snap->zmask; i++)
		if (snap->ztable[i])
			bytes += zone_bytes(snap->ztable[i]);
	return bytes;
}

size_t snapshot_name_count(const snapshot_t *snap)
{
	return snap->nnames;
}

int snapshot_zone_info(const snapshot_t *snap, const char *origin, uint32_t *serial, size_t *names)
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
	if (names)
		*names = z->names.count;
	return FDNS_OK;
}

int snapshot_zone_serial(const snapshot_t *snap, const char *origin, uint32_t *serial)
{
	return snapshot_zone_info(snap, origin, serial, NULL);
}

void snapshot_set_transfers(snapshot_t *snap, xfr_set_t *set, void (*free_fn)(xfr_set_t *set))
{
	if (snap->transfers_free)
		snap->transfers_free(snap->transfers);
	snap->transfers = set;
	snap->transfers_free = free_fn;
}

const xfr_set_t *snapshot_transfers(const snapshot_t *snap)
{
	return snap->transfers;
}
