/* SPDX-License-Identifier: MIT */
/* check.c -- zone content rules, checked once at load so answers never have to. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleetdns/error.h"
#include "zone/check.h"

/* Owner names are compared as lowercased wire format: cheaper than ldns_dname_compare,
 * which matters at a million names. */
static size_t lower_owner(const ldns_rr *rr, uint8_t *out)
{
	const ldns_rdf *o = ldns_rr_owner(rr);
	const uint8_t *d = ldns_rdf_data(o);
	size_t n = ldns_rdf_size(o);
	for (size_t i = 0; i < n; i++)
		out[i] = (d[i] >= 'A' && d[i] <= 'Z') ? (uint8_t)(d[i] + 32) : d[i];
	return n;
}

/* Whether name (lowercased wire) is apex or below it, at a label boundary. */
static bool name_in_zone(const uint8_t *name, size_t len, const uint8_t *apex, size_t alen)
{
	if (len < alen)
		return false;
	size_t off = 0;
	while (off < len - alen)
		off += 1u + name[off];
	return off == len - alen && memcmp(name + off, apex, alen) == 0;
}

static uint32_t hash_name(const uint8_t *name, size_t len)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ name[i]) * 16777619u;
	return h;
}

static int fail(char *err, size_t errlen, const char *source, const int *lines, size_t i,
                const ldns_rr *rr, const char *what)
{
	char *owner = ldns_rdf2str(ldns_rr_owner(rr));
	if (lines)
		snprintf(err, errlen, "%s:%d:1: %s: %s", source, lines[i], owner ? owner : "?",
		         what);
	else
		snprintf(err, errlen, "%s: %s: %s", source, owner ? owner : "?", what);
	free(owner);
	return FDNS_EZONE;
}

/* CNAME must be the only data at its name (RFC 1034 3.6.2, RFC 2181 10.1). The CNAME
 * owners go in a small hash table; every other record is looked up in it. */
static int check_cname(const ldns_rr_list *rrs, const int *lines, const char *source, char *err,
                       size_t errlen)
{
	size_t n = ldns_rr_list_rr_count(rrs), ncname = 0;
	for (size_t i = 0; i < n; i++)
		ncname += ldns_rr_get_type(ldns_rr_list_rr(rrs, i)) == LDNS_RR_TYPE_CNAME;
	if (ncname == 0)
		return FDNS_OK;
	size_t slots = 16;
	while (slots < ncname * 2)
		slots *= 2;
	size_t *table = malloc(slots * sizeof(*table)); /* index + 1 of a CNAME, 0: free */
	if (!table)
		return FDNS_ENOMEM;
	memset(table, 0, slots * sizeof(*table));
	uint8_t a[LDNS_MAX_DOMAINLEN + 1], b[LDNS_MAX_DOMAINLEN + 1];
	int ret = FDNS_OK;
	for (size_t i = 0; i < n && ret == FDNS_OK; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(rrs, i);
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_CNAME)
			continue;
		size_t len = lower_owner(rr, a);
		size_t h = hash_name(a, len) & (slots - 1);
		for (; table[h]; h = (h + 1) & (slots - 1)) {
			size_t blen = lower_owner(ldns_rr_list_rr(rrs, table[h] - 1), b);
			if (blen == len && memcmp(a, b, len) == 0) {
				ret =
				    fail(err, errlen, source, lines, i, rr, "more than one CNAME");
				break;
			}
		}
		table[h] = i + 1;
	}
	for (size_t i = 0; i < n && ret == FDNS_OK; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(rrs, i);
		ldns_rr_type t = ldns_rr_get_type(rr);
		if (t == LDNS_RR_TYPE_CNAME || t == LDNS_RR_TYPE_RRSIG || t == LDNS_RR_TYPE_NSEC)
			continue;
		size_t len = lower_owner(rr, a);
		for (size_t h = hash_name(a, len) & (slots - 1); table[h];
		     h = (h + 1) & (slots - 1)) {
			const ldns_rr *c = ldns_rr_list_rr(rrs, table[h] - 1);
			size_t blen = lower_owner(c, b);
			if (blen == len && memcmp(a, b, len) == 0) {
				ret = fail(err, errlen, source, lines, table[h] - 1, c,
				           "CNAME next to other data");
				break;
			}
		}
	}
	free(table);
	return ret;
}

int zone_check(const ldns_rdf *apex, const ldns_rr_list *rrs, const int *lines, const char *source,
               uint32_t *serial, char *err, size_t errlen)
{
	size_t n = ldns_rr_list_rr_count(rrs), soa = 0, apex_ns = 0;
	uint8_t apex_lc[LDNS_MAX_DOMAINLEN + 1];
	size_t apex_len = ldns_rdf_size(apex);
	for (size_t i = 0; i < apex_len; i++) {
		uint8_t ch = ldns_rdf_data(apex)[i];
		apex_lc[i] = (ch >= 'A' && ch <= 'Z') ? (uint8_t)(ch + 32) : ch;
	}
	for (size_t i = 0; i < n; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(rrs, i);
		uint8_t lc[LDNS_MAX_DOMAINLEN + 1];
		size_t len = lower_owner(rr, lc);
		bool at_apex = len == apex_len && memcmp(lc, apex_lc, len) == 0;
		if (!at_apex && !name_in_zone(lc, len, apex_lc, apex_len))
			return fail(err, errlen, source, lines, i, rr, "name outside the zone");
		if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN)
			return fail(err, errlen, source, lines, i, rr, "class other than IN");
		ldns_rr_type t = ldns_rr_get_type(rr);
		if (t == LDNS_RR_TYPE_SOA) {
			if (!at_apex)
				return fail(err, errlen, source, lines, i, rr,
				            "SOA record not at the zone apex");
			if (++soa > 1)
				return fail(err, errlen, source, lines, i, rr,
				            "more than one SOA record");
			*serial = ldns_rdf2native_int32(ldns_rr_rdf(rr, 2));
		} else if (t == LDNS_RR_TYPE_NS && at_apex) {
			apex_ns++;
		} else if (t == LDNS_RR_TYPE_OPT || t == LDNS_RR_TYPE_TSIG ||
		           t == LDNS_RR_TYPE_AXFR || t == LDNS_RR_TYPE_IXFR ||
		           t == LDNS_RR_TYPE_ANY) {
			return fail(err, errlen, source, lines, i, rr,
			            "record type not allowed in a zone");
		}
	}
	if (soa == 0) {
		snprintf(err, errlen, "%s: no SOA record at the zone apex", source);
		return FDNS_EZONE;
	}
	if (apex_ns == 0) {
		snprintf(err, errlen, "%s: no NS records at the zone apex", source);
		return FDNS_EZONE;
	}
	return check_cname(rrs, lines, source, err, errlen);
}
