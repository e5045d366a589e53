/* SPDX-License-Identifier: MIT */
/* zone_views.h -- what a secondary sees of a zone version, for the property tests of the
 * publish step (test_patch.c, test_publish.c): its AXFR as a sorted set of records, an IXFR
 * journal applied to an older AXFR as RFC 1995 4 says, and how many records two versions
 * differ by. Header-only test helpers; tap.h's diag() reports. */
#ifndef FDNS_TESTS_UNIT_ZONE_VIEWS_H
#define FDNS_TESTS_UNIT_ZONE_VIEWS_H

#include <stdlib.h>
#include <string.h>

#include "answer/version.h"
#include "xfr/xfr_internal.h"

typedef struct rec {
	const uint8_t *rr;
	size_t len;
} rec_t;

/* A zone's records as a transfer sees them: a set, kept sorted. */
typedef struct rec_set {
	rec_t *r;
	size_t n, cap;
} rec_set_t;

static int rec_cmp(const void *a, const void *b)
{
	const rec_t *x = a, *y = b;
	int c = memcmp(x->rr, y->rr, x->len < y->len ? x->len : y->len);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

static void set_push(rec_set_t *s, const uint8_t *rr, size_t len)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 256;
		s->r = realloc(s->r, s->cap * sizeof(*s->r));
		if (!s->r)
			abort();
	}
	s->r[s->n++] = (rec_t){rr, len};
}

static void set_add_all(rec_set_t *s, const records_t *r)
{
	for (size_t off = 0; r && off < r->bytes; off += records_len_at(r, off))
		set_push(s, r->blob + off, records_len_at(r, off));
}

/* What an AXFR of version v sends between its SOAs, sorted. */
static rec_set_t axfr_of(const ans_zone_t *v)
{
	rec_set_t s = {0};
	size_t cursor = 0;
	for (const records_t *r; (r = ans_zone_records_next(v, &cursor));)
		set_add_all(&s, r);
	qsort(s.r, s.n, sizeof(*s.r), rec_cmp);
	return s;
}

static bool sets_same(const rec_set_t *a, const rec_set_t *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (rec_cmp(&a->r[i], &b->r[i]) != 0)
			return false;
	return true;
}

/* Apply one journal entry as a secondary does (RFC 1995 4: the deletions, then the
 * additions). A deletion of a record the set lacks, or an addition of one it has, fails. */
static bool apply_diff(rec_set_t *s, const xfr_diff_t *d)
{
	for (size_t off = 0; off < d->del.bytes; off += records_len_at(&d->del, off)) {
		rec_t want = {d->del.blob + off, records_len_at(&d->del, off)};
		rec_t *at = bsearch(&want, s->r, s->n, sizeof(*s->r), rec_cmp);
		if (!at)
			return false;
		memmove(at, at + 1, (size_t)(s->r + s->n - at - 1) * sizeof(*at));
		s->n--;
	}
	for (size_t off = 0; off < d->add.bytes; off += records_len_at(&d->add, off)) {
		rec_t want = {d->add.blob + off, records_len_at(&d->add, off)};
		if (bsearch(&want, s->r, s->n, sizeof(*s->r), rec_cmp))
			return false;
		set_push(s, want.rr, want.len);
		qsort(s->r, s->n, sizeof(*s->r), rec_cmp);
	}
	return true;
}

/* IXFR from serial `from` to z: the AXFR of from with z's journal entries from there on
 * applied must be z's AXFR. Returns false when it is not, or the journal does not reach. */
static bool ixfr_gives(const xfr_zone_t *z, const xfr_zone_t *from)
{
	size_t first = 0;
	while (first < z->ndiffs && z->diffs[first]->from != from->serial)
		first++;
	if (first == z->ndiffs)
		return false;
	rec_set_t s = axfr_of(from->version), want = axfr_of(z->version);
	bool ok = true;
	for (size_t i = first; i < z->ndiffs && ok; i++)
		ok = (i == first || z->diffs[i]->from == z->diffs[i - 1]->to) &&
		     apply_diff(&s, z->diffs[i]);
	ok = ok && z->diffs[z->ndiffs - 1]->to == z->serial && sets_same(&s, &want);
	free(s.r);
	free(want.r);
	return ok;
}

/* How many records differ between a's and b's AXFR (the symmetric difference). */
static size_t changed_records(const xfr_zone_t *a, const xfr_zone_t *b)
{
	rec_set_t x = axfr_of(a->version), y = axfr_of(b->version);
	size_t i = 0, j = 0, n = 0;
	while (i < x.n || j < y.n) {
		int c = i == x.n ? 1 : j == y.n ? -1 : rec_cmp(&x.r[i], &y.r[j]);
		n += c != 0;
		i += c <= 0;
		j += c >= 0;
	}
	free(x.r);
	free(y.r);
	return n;
}

#endif
