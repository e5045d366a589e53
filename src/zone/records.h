/* SPDX-License-Identifier: MIT */
/* records.h -- records in canonical wire form (RFC 4034 6.2: uncompressed, owner and the
 * names RFC 4034 lists lowercased), sorted by their bytes, without duplicates: what a zone
 * version sends in AXFR and what IXFR differences are computed from (RFC 1995).
 *
 * The records lie back to back in one blob and are walked in order (records_next()): a
 * transfer and a difference only ever go forward, so a record costs its wire bytes and no
 * index. Each record is owner, type, class, TTL, RDLENGTH, RDATA, as in a message.
 *
 * Ownership: a records_t owns its blob; records_free() releases it. Built on the control
 * thread when data changes, then only read (by workers streaming transfers).
 */
#ifndef FDNS_ZONE_RECORDS_H
#define FDNS_ZONE_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ldns's list type, declared rather than included: the query path's headers include this
 * one (answer/snapshot.h) and stay free of ldns. */
typedef struct ldns_struct_rr_list ldns_rr_list;

typedef struct records {
	uint8_t *blob; /* NULL when empty */
	size_t bytes;
	size_t n; /* records */
} records_t;

/** The records of list, SOA records left out, into out (empty before). Returns 0 or
 * FDNS_ENOMEM (out then empty). */
int records_from_list(records_t *out, const ldns_rr_list *list);

/** The first SOA record of list in canonical wire form, malloc'ed into *soa (its length in
 * *len). Returns 0, FDNS_ENOENT (no SOA) or FDNS_ENOMEM. */
int records_soa(uint8_t **soa, uint16_t *len, const ldns_rr_list *list);

/** The length of the record at blob + off (off < r->bytes, a record boundary). */
size_t records_len_at(const records_t *r, size_t off);

/** Append to out the records of a that b does not have (a, b sorted; either may be NULL
 * for none). out stays as it was on FDNS_ENOMEM. Out's records are sorted within each
 * append, not across appends: IXFR sends a difference in any order (RFC 1995 4). */
int records_append_missing(records_t *out, const records_t *a, const records_t *b);

/** in's records sorted, without duplicates, into out (empty before). Returns 0 or
 * FDNS_ENOMEM. */
int records_sort(records_t *out, const records_t *in);

/** Whether a and b hold the same records (NULL: none). */
bool records_same(const records_t *a, const records_t *b);

void records_free(records_t *r);

#endif
