/* SPDX-License-Identifier: MIT */
/* journal.c -- the in-memory IXFR journal (RFC 1995): the differences between successive
 * versions of a zone, computed when a version is published, bounded in size.
 *
 * A difference is what only the old version has (deleted) and what only the new one has
 * (added). For a compiled version (a fleet zone) it is the union of the differences of the
 * parts that changed (ans_zone_diff(): unchanged parts are shared, so they are skipped by
 * pointer), so it costs what changed, not the zone. A file's records are one sorted set,
 * diffed with one merge. Each entry is reference counted and shared by every later version
 * whose journal still reaches it; a version's journal is its predecessor's plus one entry,
 * minus the oldest entries beyond XFR_JOURNAL_MAX_BYTES or XFR_JOURNAL_MAX_DIFFS.
 */
#include <stdlib.h>
#include <string.h>

#include "fleetdns/error.h"
#include "xfr/xfr_internal.h"

void xfr__diff_unref(xfr_diff_t *d)
{
	if (!d || __atomic_sub_fetch(&d->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	free(d->old_soa);
	free(d->new_soa);
	records_free(&d->del);
	records_free(&d->add);
	free(d);
}

static uint8_t *dup_bytes(const uint8_t *p, size_t n)
{
	uint8_t *d = malloc(n);
	if (d)
		memcpy(d, p, n);
	return d;
}

/* The records that turn prev into z, into del and add. Versions of different kinds (a file
 * zone that became a fleet zone on a reload) are diffed record set by record set too. */
static int records_diff(records_t *del, records_t *add, const xfr_zone_t *prev, const xfr_zone_t *z)
{
	if (prev->version && z->version && ans_zone_has_records(prev->version) &&
	    ans_zone_has_records(z->version))
		return ans_zone_diff(del, add, prev->version, z->version);
	if (!prev->version && !z->version) {
		int ret = records_append_missing(del, &prev->rrs, &z->rrs);
		return ret == FDNS_OK ? records_append_missing(add, &z->rrs, &prev->rrs) : ret;
	}
	size_t c = 0;
	const records_t *r;
	int ret = FDNS_OK;
	for (c = 0; ret == FDNS_OK && (r = xfr__zone_records_next(prev, &c));)
		ret = records_append_missing(del, r, NULL);
	for (c = 0; ret == FDNS_OK && (r = xfr__zone_records_next(z, &c));)
		ret = records_append_missing(add, r, NULL);
	return ret;
}

static xfr_diff_t *diff_new(const xfr_zone_t *prev, const xfr_zone_t *z)
{
	xfr_diff_t *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->refs = 1;
	d->from = prev->serial;
	d->to = z->serial;
	d->old_soa = dup_bytes(prev->soa, prev->soa_len);
	d->new_soa = dup_bytes(z->soa, z->soa_len);
	d->old_soa_len = prev->soa_len;
	d->new_soa_len = z->soa_len;
	if (!d->old_soa || !d->new_soa || records_diff(&d->del, &d->add, prev, z) < 0) {
		xfr__diff_unref(d);
		return NULL;
	}
	d->bytes = d->old_soa_len + d->new_soa_len + d->del.bytes + d->add.bytes;
	return d;
}

/* Whether a and b (same serial) hold the same data: then b's journal carries over. */
static bool same_records(const xfr_zone_t *a, const xfr_zone_t *b)
{
	if (a->soa_len != b->soa_len || memcmp(a->soa, b->soa, a->soa_len) != 0)
		return false;
	if (a->version || b->version) {
		if (a->version == b->version)
			return true;
		records_t del = {0}, add = {0};
		bool same = records_diff(&del, &add, a, b) == FDNS_OK && del.n == 0 && add.n == 0;
		records_free(&del);
		records_free(&add);
		return same;
	}
	return records_same(&a->rrs, &b->rrs);
}

int xfr__journal_chain(xfr_zone_t *z, const xfr_zone_t *prev)
{
	z->chained = true;
	if (!prev)
		return FDNS_OK;
	bool newer = serial_gt(z->serial, prev->serial);
	if (!newer && !(z->serial == prev->serial && same_records(z, prev)))
		return FDNS_OK; /* the serial went back, or the data changed under one serial */
	xfr_diff_t *d = newer ? diff_new(prev, z) : NULL;
	if (newer && !d)
		return FDNS_ENOMEM;
	size_t n = prev->ndiffs + (d != NULL);
	xfr_diff_t **diffs = calloc(n ? n : 1, sizeof(*diffs));
	if (!diffs) {
		xfr__diff_unref(d);
		return FDNS_ENOMEM;
	}
	/* Keep the newest entries that fit the bounds. */
	size_t first = prev->ndiffs, bytes = d ? d->bytes : 0;
	while (first > 0 && n - first < XFR_JOURNAL_MAX_DIFFS &&
	       bytes + prev->diffs[first - 1]->bytes <= XFR_JOURNAL_MAX_BYTES) {
		first--;
		bytes += prev->diffs[first]->bytes;
	}
	for (size_t i = first; i < prev->ndiffs; i++) {
		__atomic_add_fetch(&prev->diffs[i]->refs, 1, __ATOMIC_ACQ_REL);
		diffs[z->ndiffs++] = prev->diffs[i];
	}
	if (d)
		diffs[z->ndiffs++] = d;
	z->diffs = diffs;
	return FDNS_OK;
}
