/* SPDX-License-Identifier: MIT */
/* version.c -- a compiled zone version's records, for transfers (see version.h). */
#include "answer/snapshot.h"
#include "answer/version.h"
#include "fleetdns/error.h"

ans_zone_t *snapshot_zone_hold(const snapshot_t *snap, const uint8_t *apex, size_t len)
{
	ans_zone_t *z = (ans_zone_t *)snapshot_find_zone(snap, apex, len);
	if (z)
		__atomic_add_fetch(&z->refs, 1, __ATOMIC_ACQ_REL);
	return z;
}

uint32_t ans_zone_serial(const ans_zone_t *z)
{
	return z->serial;
}

const uint8_t *ans_zone_apex(const ans_zone_t *z, uint8_t *len)
{
	*len = z->apex_len;
	return z->apex;
}

const uint8_t *ans_zone_soa(const ans_zone_t *z, uint16_t *len)
{
	*len = z->base->soa_len;
	return z->base->soa;
}

bool ans_zone_has_records(const ans_zone_t *z)
{
	return z->records;
}

size_t ans_zone_record_bytes(const ans_zone_t *z)
{
	return z->record_bytes;
}

/* Cursor 0 is the base, cursor i + 1 part i. */
const records_t *ans_zone_records_next(const ans_zone_t *z, size_t *cursor)
{
	if (*cursor == 0) {
		*cursor = 1;
		return &z->base->records;
	}
	size_t end = z->parts.npages << VEC_PAGE_BITS;
	for (size_t i = *cursor - 1; i < end; i++) {
		if (!z->parts.pages[i >> VEC_PAGE_BITS]) { /* a page without parts */
			i |= VEC_PAGE_SLOTS - 1;
			continue;
		}
		const ans_part_t *p = vec_get(&z->parts, i);
		if (p && p->records.n) {
			*cursor = i + 2;
			return &p->records;
		}
	}
	*cursor = end + 1;
	return NULL;
}

static const records_t *records_of(const ans_part_t *p)
{
	return p ? &p->records : NULL;
}

/* One part's difference: what from's copy has that to's lacks is deleted, and back. */
static int part_diff(records_t *del, records_t *add, const ans_part_t *from, const ans_part_t *to)
{
	if (from == to)
		return FDNS_OK;
	int ret = records_append_missing(del, records_of(from), records_of(to));
	return ret == FDNS_OK ? records_append_missing(add, records_of(to), records_of(from)) : ret;
}

static ans_page_t *page_at(const ans_vec_t *v, size_t i)
{
	return i < v->npages ? v->pages[i] : NULL;
}

/* Every record of z, sorted, into out (empty before). */
static int records_all(records_t *out, const ans_zone_t *z)
{
	records_t cat = {0};
	size_t cursor = 0;
	int ret = FDNS_OK;
	for (const records_t *r; ret == FDNS_OK && (r = ans_zone_records_next(z, &cursor));)
		ret = records_append_missing(&cat, r, NULL);
	if (ret == FDNS_OK)
		ret = records_sort(out, &cat);
	records_free(&cat);
	return ret;
}

/* Two versions compiled apart (a reload, or the zone switched to whole compiles): their
 * records may sit in other parts, so the difference is taken over the whole zone. */
static int whole_diff(records_t *del, records_t *add, const ans_zone_t *from, const ans_zone_t *to)
{
	records_t a = {0}, b = {0};
	int ret = records_all(&a, from);
	if (ret == FDNS_OK)
		ret = records_all(&b, to);
	if (ret == FDNS_OK)
		ret = records_append_missing(del, &a, &b);
	if (ret == FDNS_OK)
		ret = records_append_missing(add, &b, &a);
	records_free(&a);
	records_free(&b);
	return ret;
}

int ans_zone_diff(records_t *del, records_t *add, const ans_zone_t *from, const ans_zone_t *to)
{
	if (from->lineage != to->lineage)
		return whole_diff(del, add, from, to);
	int ret = part_diff(del, add, from->base, to->base);
	size_t npages =
	    from->parts.npages > to->parts.npages ? from->parts.npages : to->parts.npages;
	for (size_t pg = 0; pg < npages && ret == FDNS_OK; pg++) {
		if (page_at(&from->parts, pg) == page_at(&to->parts, pg))
			continue; /* shared: none of its parts changed */
		for (size_t i = pg << VEC_PAGE_BITS;
		     i < (pg + 1) << VEC_PAGE_BITS && ret == FDNS_OK; i++)
			ret = part_diff(del, add, vec_get(&from->parts, i), vec_get(&to->parts, i));
	}
	return ret;
}
