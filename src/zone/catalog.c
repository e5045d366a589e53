/* SPDX-License-Identifier: MIT */
/* catalog.c -- the catalog zone's records (RFC 9432), made from the served zones' names.
 *
 * The SOA, NS and version TXT go through the master-file reader (zone_load_text), as a
 * generated zone's SOA and NS do, so they are checked like any zone's. The member PTR
 * records are built from the names themselves: a zone name may hold any octet, and written
 * out and read back it could meet a quirk of the text format; as DNS names it cannot. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium/crypto_generichash.h>

#include "fleetdns/error.h"
#include "wire/name.h"
#include "zone/catalog.h"

static int dname_cmp(const void *a, const void *b)
{
	return ldns_dname_compare(*(ldns_rdf *const *)a, *(ldns_rdf *const *)b);
}

void zone_catalog_id(const ldns_rdf *name, char id[ZONE_CATALOG_ID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t wire[LDNS_MAX_DOMAINLEN + 1], hash[ZONE_CATALOG_ID_LEN / 2];
	size_t len = ldns_rdf_size(name);

	if (len > sizeof(wire))
		len = sizeof(wire); /* no valid name is longer */
	wire_name_lower(wire, ldns_rdf_data(name), len);
	crypto_generichash(hash, sizeof(hash), wire, len, NULL, 0);
	for (size_t i = 0; i < sizeof(hash); i++) {
		id[2 * i] = hex[hash[i] >> 4];
		id[2 * i + 1] = hex[hash[i] & 15];
	}
	id[ZONE_CATALOG_ID_LEN] = '\0';
}

/* The members as lowercased names, sorted, each once; *n: how many. FDNS_EINVAL when one
 * is not a domain name (conf_build lets none through). */
static int members_sort(const char *const *names, size_t count, ldns_rdf ***out, size_t *n,
                        const char **bad)
{
	ldns_rdf **m = calloc(count ? count : 1, sizeof(*m));
	size_t k = 0;

	*out = NULL;
	*n = 0;
	if (!m)
		return FDNS_ENOMEM;
	for (size_t i = 0; i < count; i++) {
		if (ldns_str2rdf_dname(&m[k], names[i]) != LDNS_STATUS_OK) {
			*bad = names[i];
			for (size_t j = 0; j < k; j++)
				ldns_rdf_deep_free(m[j]);
			free(m);
			return FDNS_EINVAL;
		}
		ldns_dname2canonical(m[k]);
		k++;
	}
	qsort(m, k, sizeof(*m), dname_cmp);
	size_t kept = 0;
	for (size_t i = 0; i < k; i++) {
		if (kept > 0 && ldns_dname_compare(m[kept - 1], m[i]) == 0)
			ldns_rdf_deep_free(m[i]);
		else
			m[kept++] = m[i];
	}
	*out = m;
	*n = kept;
	return FDNS_OK;
}

/* <id>.zones.<apex> PTR <member>., TTL 0. NULL when out of memory. */
static ldns_rr *member_ptr(const ldns_rdf *zones, const ldns_rdf *member)
{
	char id[ZONE_CATALOG_ID_LEN + 1];
	ldns_rdf *label, *owner = NULL, *target = ldns_rdf_clone(member);
	ldns_rr *rr = ldns_rr_new();

	zone_catalog_id(member, id);
	label = ldns_dname_new_frm_str(id);
	if (label && ldns_dname_cat(label, zones) == LDNS_STATUS_OK) {
		owner = label;
		label = NULL;
	}
	ldns_rdf_deep_free(label);
	if (!rr || !owner || !target || !ldns_rr_push_rdf(rr, target)) {
		ldns_rr_free(rr);
		ldns_rdf_deep_free(owner);
		ldns_rdf_deep_free(target);
		return NULL;
	}
	ldns_rr_set_owner(rr, owner);
	ldns_rr_set_type(rr, LDNS_RR_TYPE_PTR);
	ldns_rr_set_class(rr, LDNS_RR_CLASS_IN);
	ldns_rr_set_ttl(rr, 0);
	return rr;
}

int zone_make_catalog(zone_data_t **out, const char *origin, const conf_zone_gen_t *gen,
                      const char *const *members, size_t nmembers, uint32_t serial, char *err,
                      size_t errlen)
{
	static const conf_zone_gen_t defaults = {.refresh = CONF_DEFAULT_SOA_REFRESH,
	                                         .retry = CONF_DEFAULT_SOA_RETRY,
	                                         .expire = CONF_DEFAULT_SOA_EXPIRE,
	                                         .minimum = CONF_DEFAULT_SOA_MINIMUM};
	char source[1100], *text = NULL;
	const char *bad = NULL;
	ldns_rdf **m = NULL;
	size_t n = 0;
	ldns_rdf *zones = NULL;
	int ret;

	*out = NULL;
	if (!gen)
		gen = &defaults;
	snprintf(source, sizeof(source), "(catalog zone %s)", origin);
	ret = members_sort(members, nmembers, &m, &n, &bad);
	if (ret == FDNS_EINVAL)
		snprintf(err, errlen, "%s: invalid member zone name '%s'", source, bad);
	if (ret != FDNS_OK)
		goto out;
	/* The SOA's TTL is the negative TTL, as in every zone fleetdns makes (RFC 2308 5);
	 * the rest have TTL 0, as in RFC 9432's examples: no resolver is meant to cache them. */
	if (asprintf(&text,
	             "@ %u IN SOA %s %s %u %u %u %u %u\n"
	             "@ 0 IN NS " ZONE_CATALOG_NS "\n"
	             "version 0 IN TXT \"2\"\n",
	             gen->minimum, gen->mname ? gen->mname : ZONE_CATALOG_NS,
	             gen->rname ? gen->rname : ZONE_CATALOG_RNAME, serial, gen->refresh, gen->retry,
	             gen->expire, gen->minimum) < 0) {
		text = NULL;
		ret = FDNS_ENOMEM;
		goto out;
	}
	ret = zone_load_text(out, origin, text, source, err, errlen);
	if (ret != FDNS_OK)
		goto out;
	zones = ldns_dname_new_frm_str("zones");
	if (!zones || ldns_dname_cat(zones, (*out)->apex) != LDNS_STATUS_OK) {
		ret = FDNS_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		ldns_rr *rr = member_ptr(zones, m[i]);
		if (!rr || !ldns_rr_list_push_rr((*out)->rrs, rr)) {
			ldns_rr_free(rr);
			ret = FDNS_ENOMEM;
			goto out;
		}
	}
out:
	if (ret == FDNS_ENOMEM)
		snprintf(err, errlen, "%s: out of memory", source);
	if (ret != FDNS_OK) {
		zone_data_free(*out);
		*out = NULL;
	}
	ldns_rdf_deep_free(zones);
	for (size_t i = 0; i < n; i++)
		ldns_rdf_deep_free(m[i]);
	free(m);
	free(text);
	return ret;
}
