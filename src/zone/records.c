/* SPDX-License-Identifier: MIT */
/* records.c -- records in canonical wire form, sorted (see records.h). */
#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>

#include "fleetdns/error.h"
#include "wire/bytes.h"
#include "zone/records.h"

void records_free(records_t *r)
{
	free(r->blob);
	memset(r, 0, sizeof(*r));
}

size_t records_len_at(const records_t *r, size_t off)
{
	const uint8_t *p = r->blob + off;
	size_t name = 0;
	while (p[name] != 0)
		name += 1u + p[name];
	name++;
	return name + 10 + wire_rd16(p + name + 8);
}

/* One record's canonical wire form into buf (cleared first): ldns writes into a buffer we
 * keep for the whole list, rather than allocating one per record as ldns_rr2wire() does. */
static bool canonical_wire(ldns_buffer *buf, const ldns_rr *rr)
{
	ldns_buffer_clear(buf);
	return ldns_rr2buffer_wire_canonical(buf, rr, LDNS_SECTION_ANSWER) == LDNS_STATUS_OK &&
	       ldns_buffer_status_ok(buf) && ldns_buffer_position(buf) <= UINT16_MAX;
}

typedef struct span {
	size_t off, len;
} span_t;

/* qsort_r's comparison: blob is where the spans point (the loader's thread and the control
 * thread sort at the same time, so no global). */
static int span_cmp(const void *a, const void *b, void *blob)
{
	const span_t *x = a, *y = b;
	const uint8_t *base = blob;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(base + x->off, base + y->off, n);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* Every record of list but SOAs, back to back in tmp, with spans[] locating each. */
static int render_all(const ldns_rr_list *list, uint8_t **tmp, size_t *bytes, span_t *spans,
                      size_t *n)
{
	ldns_buffer *buf = ldns_buffer_new(512);
	size_t cap = 0;
	*n = *bytes = 0;
	if (!buf)
		return FDNS_ENOMEM;
	int ret = FDNS_OK;
	for (size_t i = 0; i < ldns_rr_list_rr_count(list) && ret == FDNS_OK; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(list, i);
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA)
			continue;
		if (!canonical_wire(buf, rr)) {
			ret = FDNS_ENOMEM;
			break;
		}
		size_t len = ldns_buffer_position(buf);
		if (*bytes + len > cap) {
			size_t grown = cap ? cap * 2 : 4096;
			while (grown < *bytes + len)
				grown *= 2;
			uint8_t *p = realloc(*tmp, grown);
			if (!p) {
				ret = FDNS_ENOMEM;
				break;
			}
			*tmp = p;
			cap = grown;
		}
		memcpy(*tmp + *bytes, ldns_buffer_begin(buf), len);
		spans[(*n)++] = (span_t){*bytes, len};
		*bytes += len;
	}
	ldns_buffer_free(buf);
	return ret;
}

/* The records of blob located by spans[0..n), sorted and without duplicates, into out. */
static int sorted_copy(records_t *out, const uint8_t *blob, span_t *spans, size_t n, size_t bytes)
{
	memset(out, 0, sizeof(*out));
	if (n == 0)
		return FDNS_OK;
	qsort_r(spans, n, sizeof(*spans), span_cmp, (void *)blob);
	if (!(out->blob = malloc(bytes)))
		return FDNS_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && span_cmp(&spans[i], &spans[i - 1], (void *)blob) == 0)
			continue; /* the same record twice: once in a transfer */
		memcpy(out->blob + out->bytes, blob + spans[i].off, spans[i].len);
		out->bytes += spans[i].len;
		out->n++;
	}
	return FDNS_OK;
}

int records_from_list(records_t *out, const ldns_rr_list *list)
{
	size_t count = ldns_rr_list_rr_count(list), bytes = 0, n = 0;
	span_t *spans = malloc((count ? count : 1) * sizeof(*spans));
	uint8_t *tmp = NULL;
	memset(out, 0, sizeof(*out));
	int ret = spans ? render_all(list, &tmp, &bytes, spans, &n) : FDNS_ENOMEM;
	if (ret == FDNS_OK)
		ret = sorted_copy(out, tmp, spans, n, bytes);
	free(tmp);
	free(spans);
	return ret;
}

int records_sort(records_t *out, const records_t *in)
{
	span_t *spans = malloc((in->n ? in->n : 1) * sizeof(*spans));
	memset(out, 0, sizeof(*out));
	if (!spans)
		return FDNS_ENOMEM;
	size_t n = 0;
	for (size_t off = 0; off < in->bytes; off += spans[n++].len)
		spans[n] = (span_t){off, records_len_at(in, off)};
	int ret = sorted_copy(out, in->blob, spans, n, in->bytes);
	free(spans);
	return ret;
}

int records_soa(uint8_t **soa, uint16_t *len, const ldns_rr_list *list)
{
	*soa = NULL;
	for (size_t i = 0; i < ldns_rr_list_rr_count(list); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(list, i);
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SOA)
			continue;
		ldns_buffer *buf = ldns_buffer_new(512);
		int ret = buf && canonical_wire(buf, rr) ? FDNS_OK : FDNS_ENOMEM;
		if (ret == FDNS_OK && !(*soa = malloc(ldns_buffer_position(buf))))
			ret = FDNS_ENOMEM;
		if (ret == FDNS_OK) {
			*len = (uint16_t)ldns_buffer_position(buf);
			memcpy(*soa, ldns_buffer_begin(buf), *len);
		}
		ldns_buffer_free(buf);
		return ret;
	}
	return FDNS_ENOENT;
}

static int rr_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);
	return c ? c : (alen > blen) - (alen < blen);
}

/* Room for more bytes at the end of out. */
static int reserve(records_t *out, size_t more)
{
	uint8_t *p = realloc(out->blob, out->bytes + more ? out->bytes + more : 1);
	if (!p)
		return FDNS_ENOMEM;
	out->blob = p;
	return FDNS_OK;
}

int records_append_missing(records_t *out, const records_t *a, const records_t *b)
{
	if (!a || a->n == 0)
		return FDNS_OK;
	size_t start = out->bytes, j = 0;
	if (reserve(out, a->bytes) < 0)
		return FDNS_ENOMEM;
	for (size_t i = 0; i < a->bytes;) {
		size_t alen = records_len_at(a, i);
		int c = 1;
		while (b && j < b->bytes) {
			size_t blen = records_len_at(b, j);
			c = rr_cmp(a->blob + i, alen, b->blob + j, blen);
			if (c <= 0)
				break;
			j += blen;
		}
		if (!b || j >= b->bytes || c != 0) {
			memcpy(out->blob + out->bytes, a->blob + i, alen);
			out->bytes += alen;
			out->n++;
		}
		i += alen;
	}
	if (out->bytes == 0) {
		free(out->blob);
		out->blob = NULL;
	} else if (out->bytes - start < a->bytes) { /* differences are journaled: no slack */
		uint8_t *p = realloc(out->blob, out->bytes);
		if (p)
			out->blob = p;
	}
	return FDNS_OK;
}

bool records_same(const records_t *a, const records_t *b)
{
	size_t an = a ? a->bytes : 0, bn = b ? b->bytes : 0;
	return an == bn && (an == 0 || memcmp(a->blob, b->blob, an) == 0);
}
