/* SPDX-License-Identifier: MIT */
/* journal.c -- the in-memory IXFR journal (RFC 1995): the differences between successive
 * versions of a zone, computed when a version is published, bounded in size.
 *
 * Both versions hold their records sorted (xfr_rrs_t), so a difference is one merge: what
 * only the old version has is deleted, what only the new one has is added. Each entry is
 * reference counted and shared by every later version whose journal still reaches it; a
 * version's journal is its predecessor's plus one entry, minus the oldest entries beyond
 * XFR_JOURNAL_MAX_BYTES or XFR_JOURNAL_MAX_DIFFS.
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
	xfr__rrs_free(&d->del);
	xfr__rrs_free(&d->add);
	free(d);
}

static int rr_cmp(const xfr_rrs_t *a, size_t i, const xfr_rrs_t *b, size_t j)
{
	size_t n = a->len[i] < b->len[j] ? a->len[i] : b->len[j];
	int c = memcmp(a->rr[i], b->rr[j], n);
	return c ? c : (a->len[i] > b->len[j]) - (a->len[i] < b->len[j]);
}

/* out: the records of a that are not in b (both sorted). */
static int subtract(xfr_rrs_t *out, const xfr_rrs_t *a, const xfr_rrs_t *b)
{
	memset(out, 0, sizeof(*out));
	out->rr = calloc(a->n ? a->n : 1, sizeof(*out->rr));
	out->len = calloc(a->n ? a->n : 1, sizeof(*out->len));
	out->blob = malloc(a->bytes ? a->bytes : 1);
	if (!out->rr || !out->len || !out->blob) {
		xfr__rrs_free(out);
		return FDNS_ENOMEM;
	}
	size_t j = 0;
	for (size_t i = 0; i < a->n; i++) {
		int c = 1;
		while (j < b->n && (c = rr_cmp(a, i, b, j)) > 0)
			j++;
		if (j < b->n && c == 0)
			continue;
		memcpy(out->blob + out->bytes, a->rr[i], a->len[i]);
		out->rr[out->n] = out->blob + out->bytes;
		out->len[out->n++] = a->len[i];
		out->bytes += a->len[i];
	}
	return FDNS_OK;
}

static uint8_t *dup_bytes(const uint8_t *p, size_t n)
{
	uint8_t *d = malloc(n);
	if (d)
		memcpy(d, p, n);
	return d;
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
	if (!d->old_soa || !d->new_soa || subtract(&d->del, &prev->rrs, &z->rrs) < 0 ||
	    subtract(&d->add, &z->rrs, &prev->rrs) < 0) {
		xfr__diff_unref(d);
		return NULL;
	}
	d->bytes = d->old_soa_len + d->new_soa_len + d->del.bytes + d->add.bytes;
	return d;
}

static bool same_records(const xfr_zone_t *a, const xfr_zone_t *b)
{
	return a->soa_len == b->soa_len && memcmp(a->soa, b->soa, a->soa_len) == 0 &&
	       a->rrs.bytes == b->rrs.bytes && a->rrs.n == b->rrs.n &&
	       memcmp(a->rrs.blob, b->rrs.blob, a->rrs.bytes) == 0;
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
