/* SPDX-License-Identifier: MIT */
/* check.c -- zone content rules, checked once at load so answers never have to. */
#include <stdio.h>
#include <stdlib.h>

#include "fleetdns/error.h"
#include "zone/check.h"

static const ldns_rr_list *sort_list;

static int cmp_owner(const void *a, const void *b)
{
	size_t ia = *(const size_t *)a, ib = *(const size_t *)b;
	int c = ldns_dname_compare(ldns_rr_owner(ldns_rr_list_rr(sort_list, ia)),
				   ldns_rr_owner(ldns_rr_list_rr(sort_list, ib)));
	if (c)
		return c;
	return ia < ib ? -1 : ia > ib;
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

/* CNAME must be the only data at its name (RFC 1034 3.6.2, RFC 2181 10.1). */
static int check_cname(const ldns_rr_list *rrs, const int *lines, const char *source, char *err,
		       size_t errlen)
{
	size_t n = ldns_rr_list_rr_count(rrs);
	size_t *idx = malloc(n * sizeof(*idx) + 1);
	if (!idx)
		return FDNS_ENOMEM;
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	sort_list = rrs; /* load runs on one thread at a time */
	qsort(idx, n, sizeof(*idx), cmp_owner);
	int ret = FDNS_OK;
	for (size_t s = 0; s < n && ret == FDNS_OK;) {
		size_t e = s + 1;
		const ldns_rdf *owner = ldns_rr_owner(ldns_rr_list_rr(rrs, idx[s]));
		while (e < n &&
		       ldns_dname_compare(owner, ldns_rr_owner(ldns_rr_list_rr(rrs, idx[e]))) == 0)
			e++;
		size_t cnames = 0, others = 0, last_cname = idx[s];
		for (size_t k = s; k < e; k++) {
			ldns_rr_type t = ldns_rr_get_type(ldns_rr_list_rr(rrs, idx[k]));
			if (t == LDNS_RR_TYPE_CNAME) {
				cnames++;
				last_cname = idx[k];
			} else if (t != LDNS_RR_TYPE_RRSIG && t != LDNS_RR_TYPE_NSEC) {
				others++;
			}
		}
		if (cnames > 1)
			ret = fail(err, errlen, source, lines, last_cname,
				   ldns_rr_list_rr(rrs, last_cname), "more than one CNAME");
		else if (cnames == 1 && others > 0)
			ret = fail(err, errlen, source, lines, last_cname,
				   ldns_rr_list_rr(rrs, last_cname), "CNAME next to other data");
		s = e;
	}
	free(idx);
	return ret;
}

int zone_check(const ldns_rdf *apex, const ldns_rr_list *rrs, const int *lines,
	       const char *source, uint32_t *serial, char *err, size_t errlen)
{
	size_t n = ldns_rr_list_rr_count(rrs), soa = 0, apex_ns = 0;
	for (size_t i = 0; i < n; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(rrs, i);
		const ldns_rdf *owner = ldns_rr_owner(rr);
		bool at_apex = ldns_dname_compare(owner, apex) == 0;
		if (!at_apex && !ldns_dname_is_subdomain(owner, apex))
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
