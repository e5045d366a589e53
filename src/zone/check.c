/* SPDX-License-Identifier: MIT */
/* check.c -- zone content rules, checked once at load so answers never have to. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleetdns/error.h"
#include "fleetdns/query.h"
#include "wire/name.h"
#include "zone/check.h"

/* Owner names are compared as lowercased wire format: cheaper than ldns_dname_compare,
 * which matters at a million names. */
static size_t lower_owner(const ldns_rr *rr, uint8_t *out)
{
	const ldns_rdf *o = ldns_rr_owner(rr);
	const uint8_t *d = ldns_rdf_data(o);
	size_t n = ldns_rdf_size(o);
	wire_name_lower(out, d, n);
	return n;
}

static int fail(char *err, size_t errlen, const char *source, const zone_where_t *where, size_t i,
                const ldns_rr *rr, const char *what)
{
	char *owner = ldns_rdf2str(ldns_rr_owner(rr));
	if (where)
		snprintf(err, errlen, "%s:%d:1: %s: %s", where[i].source, where[i].line,
		         owner ? owner : "?", what);
	else
		snprintf(err, errlen, "%s: %s: %s", source, owner ? owner : "?", what);
	free(owner);
	return FDNS_EZONE;
}

/* CNAME must be the only data at its name (RFC 1034 3.6.2, RFC 2181 10.1). The CNAME
 * owners go in a small hash table; every other record is looked up in it. */
static int check_cname(const ldns_rr_list *rrs, const zone_where_t *where, const char *source,
                       char *err, size_t errlen)
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
		size_t h = wire_name_hash(a, len) & (slots - 1);
		for (; table[h]; h = (h + 1) & (slots - 1)) {
			size_t blen = lower_owner(ldns_rr_list_rr(rrs, table[h] - 1), b);
			if (blen == len && memcmp(a, b, len) == 0) {
				ret =
				    fail(err, errlen, source, where, i, rr, "more than one CNAME");
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
		for (size_t h = wire_name_hash(a, len) & (slots - 1); table[h];
		     h = (h + 1) & (slots - 1)) {
			const ldns_rr *c = ldns_rr_list_rr(rrs, table[h] - 1);
			size_t blen = lower_owner(c, b);
			if (blen == len && memcmp(a, b, len) == 0) {
				ret = fail(err, errlen, source, where, table[h] - 1, c,
				           "CNAME next to other data");
				break;
			}
		}
	}
	free(table);
	return ret;
}

static int check_dname(const uint8_t *apex, size_t alen, const ldns_rr_list *rrs,
                       const zone_where_t *where, const char *source, char *err, size_t errlen);

int zone_check(const ldns_rdf *apex, const ldns_rr_list *rrs, const zone_where_t *where,
               const char *source, uint32_t *serial, char *err, size_t errlen)
{
	size_t n = ldns_rr_list_rr_count(rrs), soa = 0, apex_ns = 0;
	uint8_t apex_lc[LDNS_MAX_DOMAINLEN + 1];
	size_t apex_len = ldns_rdf_size(apex);
	wire_name_lower(apex_lc, ldns_rdf_data(apex), apex_len);
	for (size_t i = 0; i < n; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(rrs, i);
		uint8_t lc[LDNS_MAX_DOMAINLEN + 1];
		size_t len = lower_owner(rr, lc);
		bool at_apex = len == apex_len && memcmp(lc, apex_lc, len) == 0;
		if (!at_apex && !wire_name_under(lc, len, apex_lc, apex_len))
			return fail(err, errlen, source, where, i, rr, "name outside the zone");
		if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN)
			return fail(err, errlen, source, where, i, rr, "class other than IN");
		ldns_rr_type t = ldns_rr_get_type(rr);
		if (t == LDNS_RR_TYPE_SOA) {
			if (!at_apex)
				return fail(err, errlen, source, where, i, rr,
				            "SOA record not at the zone apex");
			if (++soa > 1)
				return fail(err, errlen, source, where, i, rr,
				            "more than one SOA record");
			*serial = ldns_rdf2native_int32(ldns_rr_rdf(rr, 2));
		} else if (t == LDNS_RR_TYPE_NS && at_apex) {
			apex_ns++;
		} else if (t == LDNS_RR_TYPE_OPT || t == LDNS_RR_TYPE_TSIG ||
		           t == LDNS_RR_TYPE_AXFR || t == LDNS_RR_TYPE_IXFR ||
		           t == LDNS_RR_TYPE_ANY) {
			return fail(err, errlen, source, where, i, rr,
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
	int ret = check_dname(apex_lc, apex_len, rrs, where, source, err, errlen);
	return ret == FDNS_OK ? check_cname(rrs, where, source, err, errlen) : ret;
}

/* A set of names (wire format, compared without case) that point into records: a table of
 * 2^k slots, at least twice as many as names, open addressing. */
typedef struct name_set {
	const uint8_t **name;
	size_t *len;
	size_t mask;
} name_set_t;

static uint32_t hash_lower(const uint8_t *name, size_t len)
{
	uint8_t lc[DNS_NAME_MAX];
	wire_name_lower(lc, name, len);
	return wire_name_hash(lc, len);
}

static bool same_lower(const uint8_t *a, const uint8_t *b, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (wire_lower(a[i]) != wire_lower(b[i]))
			return false;
	return true;
}

static int set_init(name_set_t *s, size_t n)
{
	size_t slots = 16;
	while (slots < n * 2)
		slots *= 2;
	s->name = calloc(slots, sizeof(*s->name));
	s->len = calloc(slots, sizeof(*s->len));
	s->mask = slots - 1;
	return s->name && s->len ? FDNS_OK : FDNS_ENOMEM;
}

static void set_free(name_set_t *s)
{
	free(s->name);
	free(s->len);
}

/* Adds name unless it is there; returns whether it was. */
static bool set_put(name_set_t *s, const uint8_t *name, size_t len, bool add)
{
	size_t h = hash_lower(name, len) & s->mask;
	for (; s->name[h]; h = (h + 1) & s->mask)
		if (s->len[h] == len && same_lower(s->name[h], name, len))
			return true;
	if (add) {
		s->name[h] = name;
		s->len[h] = len;
	}
	return false;
}

/* Index + 1 of the first DNAME owned by name, 0 if none: rec[slot] is the record whose
 * owner is in that slot of s. */
static size_t dname_at(const name_set_t *s, const size_t *rec, const uint8_t *name, size_t len)
{
	for (size_t h = hash_lower(name, len) & s->mask; s->name[h]; h = (h + 1) & s->mask)
		if (s->len[h] == len && same_lower(s->name[h], name, len))
			return rec[h];
	return 0;
}

/* RFC 6672 2.3 and 2.4, as Knot's semantic checks and NSD's zone checks apply them: one
 * DNAME per name (identical copies count once, as every RRset does), no CNAME beside it, no
 * NS beside it except at the apex, and nothing at all below it. Whichever record of a
 * conflicting pair comes later in the file is the one named. NSEC3 records (and their
 * signatures) are not names of the zone, so an apex DNAME does not cover them. */
static int check_dname(const uint8_t *apex, size_t alen, const ldns_rr_list *rrs,
                       const zone_where_t *where, const char *source, char *err, size_t errlen)
{
	size_t n = ldns_rr_list_rr_count(rrs), ndname = 0;
	for (size_t i = 0; i < n; i++)
		ndname += ldns_rr_get_type(ldns_rr_list_rr(rrs, i)) == LDNS_RR_TYPE_DNAME;
	if (ndname == 0)
		return FDNS_OK;
	name_set_t owners = {0};
	size_t *rec = NULL;
	int ret = set_init(&owners, ndname);
	if (ret == FDNS_OK && !(rec = calloc(owners.mask + 1, sizeof(*rec))))
		ret = FDNS_ENOMEM;
	for (size_t i = 0; i < n && ret == FDNS_OK; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(rrs, i);
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_DNAME)
			continue;
		const ldns_rdf *o = ldns_rr_owner(rr);
		const uint8_t *name = ldns_rdf_data(o);
		size_t len = ldns_rdf_size(o), first = dname_at(&owners, rec, name, len);
		if (first == 0) {
			size_t h = hash_lower(name, len) & owners.mask;
			while (owners.name[h])
				h = (h + 1) & owners.mask;
			owners.name[h] = name;
			owners.len[h] = len;
			rec[h] = i + 1;
			continue;
		}
		const ldns_rdf *a = ldns_rr_rdf(ldns_rr_list_rr(rrs, first - 1), 0);
		const ldns_rdf *b = ldns_rr_rdf(rr, 0);
		if (a && b && ldns_rdf_size(a) == ldns_rdf_size(b) &&
		    same_lower(ldns_rdf_data(a), ldns_rdf_data(b), ldns_rdf_size(a)))
			continue;
		ret = fail(err, errlen, source, where, i, rr,
		           "more than one DNAME (RFC 6672 section 2.4: DNAME is a singleton "
		           "type, meaning only one DNAME is allowed per name)");
	}
	for (size_t i = 0; i < n && ret == FDNS_OK; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(rrs, i);
		ldns_rr_type t = ldns_rr_get_type(rr);
		const ldns_rdf *o = ldns_rr_owner(rr);
		const uint8_t *name = ldns_rdf_data(o);
		size_t len = ldns_rdf_size(o);
		bool at_apex = len == alen && same_lower(name, apex, alen);
		size_t d = dname_at(&owners, rec, name, len);
		if (d && (t == LDNS_RR_TYPE_CNAME || (t == LDNS_RR_TYPE_NS && !at_apex))) {
			size_t at = i > d - 1 ? i : d - 1;
			ret = fail(
			    err, errlen, source, where, at, ldns_rr_list_rr(rrs, at),
			    t == LDNS_RR_TYPE_CNAME
			        ? "CNAME next to a DNAME (RFC 6672 section 2.4: the owner name "
			          "of a DNAME can only have one DNAME RR, and no CNAME RRs can "
			          "exist at that name)"
			        : "DNAME next to NS below the apex (RFC 6672 section 2.3: DNAME "
			          "RRs MUST NOT appear at the same owner name as an NS RR unless "
			          "the owner name is the zone apex)");
			break;
		}
		if (t == LDNS_RR_TYPE_NSEC3 ||
		    (t == LDNS_RR_TYPE_RRSIG && ldns_rr_rrsig_typecovered(rr) &&
		     ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(rr)) == LDNS_RR_TYPE_NSEC3))
			continue;
		/* Every strict ancestor down to the apex (zone_check has put name in the zone). */
		for (size_t off = 0; !at_apex && off < len - alen;) {
			off += 1u + name[off];
			if (!(d = dname_at(&owners, rec, name + off, len - off)))
				continue;
			char what[LDNS_MAX_DOMAINLEN * 4 + 200];
			char *owner = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(rrs, d - 1)));
			snprintf(
			    what, sizeof(what),
			    "name below the DNAME at %s (RFC 6672 section 2.4: resource records "
			    "MUST NOT exist at any subdomain of the owner of a DNAME RR)",
			    owner ? owner : "?");
			free(owner);
			ret = fail(err, errlen, source, where, i, rr, what);
			break;
		}
	}
	free(rec);
	set_free(&owners);
	return ret;
}

static void warn(zone_data_t *z, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(zone_data_t *z, const char *fmt, ...)
{
	if (z->nwarnings++ >= ZONE_WARNINGS_MAX)
		return;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&z->warnings[z->nwarnings - 1], fmt, ap) < 0)
		z->warnings[--z->nwarnings] = NULL;
	va_end(ap);
}

int zone_check_glue(const ldns_rdf *apex, const ldns_rr_list *rrs, const zone_where_t *where,
                    zone_data_t *z)
{
	if (!where)
		return FDNS_OK;
	size_t n = ldns_rr_list_rr_count(rrs), naddr = 0, ncut = 0;
	const uint8_t *a = ldns_rdf_data(apex);
	size_t alen = ldns_rdf_size(apex);
	for (size_t i = 0; i < n; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(rrs, i);
		ldns_rr_type t = ldns_rr_get_type(rr);
		naddr += t == LDNS_RR_TYPE_A || t == LDNS_RR_TYPE_AAAA;
		ncut += t == LDNS_RR_TYPE_NS;
	}
	if (ncut == 0)
		return FDNS_OK;
	name_set_t addr = {0}, cuts = {0};
	int ret = set_init(&addr, naddr);
	if (ret == FDNS_OK)
		ret = set_init(&cuts, ncut);
	for (size_t i = 0; i < n && ret == FDNS_OK; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(rrs, i);
		const ldns_rdf *o = ldns_rr_owner(rr);
		ldns_rr_type t = ldns_rr_get_type(rr);
		bool at_apex = ldns_rdf_size(o) == alen && same_lower(ldns_rdf_data(o), a, alen);
		if (t == LDNS_RR_TYPE_A || t == LDNS_RR_TYPE_AAAA)
			set_put(&addr, ldns_rdf_data(o), ldns_rdf_size(o), true);
		else if (t == LDNS_RR_TYPE_NS && !at_apex)
			set_put(&cuts, ldns_rdf_data(o), ldns_rdf_size(o), true);
	}
	for (size_t i = 0; i < n && ret == FDNS_OK; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(rrs, i);
		const ldns_rdf *o = ldns_rr_owner(rr), *target = ldns_rr_rdf(rr, 0);
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_NS || !target ||
		    ldns_rdf_get_type(target) != LDNS_RDF_TYPE_DNAME ||
		    (ldns_rdf_size(o) == alen && same_lower(ldns_rdf_data(o), a, alen)))
			continue;
		const uint8_t *t = ldns_rdf_data(target);
		size_t tlen = ldns_rdf_size(target), olen = ldns_rdf_size(o);
		if (tlen < alen || !same_lower(t + tlen - alen, a, alen) ||
		    set_put(&addr, t, tlen, false))
			continue;
		/* In the zone, and no address: is it at or below this delegation (glue needed),
		 * this zone's own data, or below another delegation (whose servers may know it)? */
		bool lame = false;
		for (size_t off = 0; off + alen <= tlen; off += 1u + t[off]) {
			size_t rest = tlen - off;
			if (rest == alen ||
			    (rest == olen && same_lower(t + off, ldns_rdf_data(o), olen))) {
				lame = true;
				break;
			}
			if (set_put(&cuts, t + off, rest, false) || t[off] == 0)
				break;
		}
		if (!lame)
			continue;
		char *owner = ldns_rdf2str(o), *ns = ldns_rdf2str(target);
		warn(
		    z,
		    "%s:%d:1: %s: delegation to %s, which is in this zone but has no address (A or "
		    "AAAA glue) in it: resolvers cannot reach that name server",
		    where[i].source, where[i].line, owner ? owner : "?", ns ? ns : "?");
		free(owner);
		free(ns);
	}
	set_free(&addr);
	set_free(&cuts);
	return ret;
}
