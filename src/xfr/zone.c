/* SPDX-License-Identifier: MIT */
/* zone.c -- the transfer data of one zone version (records in wire format, SOA, ACL) and
 * the per-snapshot set of them. Built on the control thread (or the loader), then immutable.
 */
#include <stdlib.h>
#include <string.h>

#include "fleetdns/error.h"
#include "wire/name.h"
#include "xfr/xfr_internal.h"

bool serial_gt(uint32_t a, uint32_t b)
{
	return a != b && (int32_t)(a - b) > 0;
}

static char *absolute(const char *name)
{
	size_t n = strlen(name);
	char *s = malloc(n + 2);
	if (!s)
		return NULL;
	memcpy(s, name, n + 1);
	if (n == 0 || name[n - 1] != '.')
		strcat(s, ".");
	return s;
}

void xfr__key_free(xfr_key_t *k)
{
	if (!k)
		return;
	free(k->name);
	free(k->algorithm);
	if (k->secret) /* as the configuration's copy: no secret left in freed memory */
		explicit_bzero(k->secret, strlen(k->secret));
	free(k->secret);
	ldns_rdf_deep_free(k->dname);
	ldns_rdf_deep_free(k->alg);
	free(k);
}

/* conf's keys in strcmp order of their names: src/conf stores every key name an ACL or a
 * NOTIFY target uses exactly as keys: has it, so each is found by binary search. */
static int key_order(const void *a, const void *b)
{
	return strcmp((*(const conf_key_t *const *)a)->name, (*(const conf_key_t *const *)b)->name);
}

const conf_key_t **xfr__keys_index(const conf_t *conf)
{
	const conf_key_t **order = malloc((conf->nkeys + 1) * sizeof(*order));
	if (!order)
		return NULL;
	for (size_t i = 0; i < conf->nkeys; i++)
		order[i] = &conf->keys[i];
	qsort(order, conf->nkeys, sizeof(*order), key_order);
	return order;
}

static const conf_key_t *key_lookup(const conf_t *conf, const conf_key_t **order, const char *name)
{
	conf_key_t want = {.name = (char *)name};
	const conf_key_t *wantp = &want, **found;
	if (!order)
		return NULL;
	found = bsearch(&wantp, order, conf->nkeys, sizeof(*order), key_order);
	return found ? *found : NULL;
}

xfr_key_t *xfr__key_new_indexed(const conf_t *conf, const conf_key_t **order, const char *name)
{
	const conf_key_t *found = key_lookup(conf, order, name);
	xfr_key_t *k = calloc(1, sizeof(*k));
	ldns_rdf *want = NULL;
	if (!k || ldns_str2rdf_dname(&want, name) != LDNS_STATUS_OK)
		goto fail;
	ldns_dname2canonical(want);
	for (size_t i = found ? (size_t)(found - conf->keys) : 0; i < conf->nkeys; i++) {
		const conf_key_t *ck = &conf->keys[i];
		ldns_rdf *n = NULL;
		if (ldns_str2rdf_dname(&n, ck->name) != LDNS_STATUS_OK)
			continue;
		ldns_dname2canonical(n);
		if (ldns_dname_compare(n, want) != 0) {
			ldns_rdf_deep_free(n);
			continue;
		}
		k->dname = n;
		k->name = absolute(ck->name);
		k->algorithm = absolute(ck->algorithm);
		k->secret = strdup(ck->secret);
		if (!k->name || !k->algorithm || !k->secret ||
		    ldns_str2rdf_dname(&k->alg, k->algorithm) != LDNS_STATUS_OK)
			goto fail;
		ldns_dname2canonical(k->alg);
		ldns_rdf_deep_free(want);
		return k;
	}
fail:
	ldns_rdf_deep_free(want);
	xfr__key_free(k);
	return NULL;
}

xfr_key_t *xfr__key_new(const conf_t *conf, const char *name)
{
	return xfr__key_new_indexed(conf, NULL, name);
}

static int build_acl(xfr_zone_t *z, const conf_zone_t *cz, const conf_t *conf,
                     const conf_key_t **keys)
{
	if (!cz || cz->nallow_transfer == 0)
		return FDNS_OK;
	z->acl = calloc(cz->nallow_transfer, sizeof(*z->acl));
	if (!z->acl)
		return FDNS_ENOMEM;
	for (size_t i = 0; i < cz->nallow_transfer; i++) {
		const conf_acl_t *a = &cz->allow_transfer[i];
		z->acl[i].addr = a->addr;
		z->acl[i].prefix = a->prefix;
		z->nacl++;
		if (a->key && !(z->acl[i].key = xfr__key_new_indexed(conf, keys, a->key)))
			return FDNS_ENOMEM;
	}
	return FDNS_OK;
}

/* A zone's name: text for logs, lowercased wire for lookups. */
static int zone_name(xfr_zone_t *z, const ldns_rdf *apex)
{
	z->name = ldns_rdf2str(apex);
	z->apex_len = (uint8_t)ldns_rdf_size(apex);
	wire_name_lower(z->apex, ldns_rdf_data(apex), z->apex_len);
	return z->name ? FDNS_OK : FDNS_ENOMEM;
}

static xfr_zone_t *zone_build(const zone_data_t *zd, const conf_zone_t *cz, const conf_t *conf,
                              const conf_key_t **keys)
{
	xfr_zone_t *z = calloc(1, sizeof(*z));
	if (!z)
		return NULL;
	z->refs = 1;
	z->serial = zd->serial;
	/* A zone nobody may transfer or is notified of needs its SOA only (for the serial
	 * and the refusal); copying its records would double the memory of big zones. */
	bool transfers = cz && (cz->nallow_transfer > 0 || cz->nnotify > 0);
	if (zone_name(z, zd->apex) < 0 || records_soa(&z->soa, &z->soa_len, zd->rrs) < 0 ||
	    (transfers && records_from_list(&z->rrs, zd->rrs) < 0) ||
	    build_acl(z, cz, conf, keys) < 0) {
		xfr__zone_unref(z);
		return NULL;
	}
	return z;
}

void xfr__zone_ref(xfr_zone_t *z)
{
	__atomic_add_fetch(&z->refs, 1, __ATOMIC_ACQ_REL);
}

void xfr__zone_unref(xfr_zone_t *z)
{
	if (!z || __atomic_sub_fetch(&z->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	free(z->name);
	free(z->soa);
	records_free(&z->rrs);
	if (z->version)
		ans_zone_release(z->version);
	for (size_t i = 0; i < z->ndiffs; i++)
		xfr__diff_unref(z->diffs[i]);
	free(z->diffs);
	for (size_t i = 0; i < z->nacl; i++)
		xfr__key_free(z->acl[i].key);
	free(z->acl);
	free(z);
}

const xfr_zone_t *xfr__set_find(const xfr_set_t *set, const uint8_t *apex, size_t len)
{
	for (size_t i = 0; set && i < set->n; i++)
		if (set->zones[i]->apex_len == len && memcmp(set->zones[i]->apex, apex, len) == 0)
			return set->zones[i];
	return NULL;
}

xfr_zone_t *xfr__zone_build(const zone_data_t *zd, const conf_zone_t *cz, const conf_t *conf)
{
	return zone_build(zd, cz, conf, NULL);
}

/* The configured zone whose name is apex, or NULL. */
static const conf_zone_t *conf_zone_of(const conf_t *conf, const ldns_rdf *apex)
{
	for (size_t i = 0; i < conf->nzones; i++) {
		ldns_rdf *n = NULL;
		if (ldns_str2rdf_dname(&n, conf->zones[i].name) != LDNS_STATUS_OK)
			continue;
		bool same = ldns_dname_compare(n, apex) == 0;
		ldns_rdf_deep_free(n);
		if (same)
			return &conf->zones[i];
	}
	return NULL;
}

xfr_zone_t *xfr__zone_build_conf(const zone_data_t *zd, const conf_t *conf)
{
	return xfr__zone_build(zd, conf_zone_of(conf, zd->apex), conf);
}

xfr_zone_t *xfr__zone_of_version(ans_zone_t *version, const conf_t *conf)
{
	xfr_zone_t *z = calloc(1, sizeof(*z));
	uint16_t soa_len;
	const uint8_t *soa = ans_zone_soa(version, &soa_len);
	if (!z || !soa) {
		free(z);
		return NULL;
	}
	z->refs = 1;
	z->version = version;
	z->serial = ans_zone_serial(version);
	ldns_rdf *apex = NULL;
	const uint8_t *wire = ans_zone_apex(version, &z->apex_len);
	if (ldns_wire2dname(&apex, wire, z->apex_len, &(size_t){0}) != LDNS_STATUS_OK)
		goto fail;
	z->soa = malloc(soa_len);
	if (!z->soa || zone_name(z, apex) < 0)
		goto fail;
	memcpy(z->soa, soa, soa_len);
	z->soa_len = soa_len;
	if (build_acl(z, conf_zone_of(conf, apex), conf, NULL) < 0)
		goto fail;
	ldns_rdf_deep_free(apex);
	return z;
fail:
	ldns_rdf_deep_free(apex);
	z->version = NULL; /* not taken: the caller keeps its reference */
	xfr__zone_unref(z);
	return NULL;
}

const records_t *xfr__zone_records_next(const xfr_zone_t *z, size_t *cursor)
{
	if (z->version)
		return ans_zone_records_next(z->version, cursor);
	return (*cursor)++ == 0 ? &z->rrs : NULL;
}

size_t xfr__zone_record_bytes(const xfr_zone_t *z)
{
	return z->version ? ans_zone_record_bytes(z->version) : z->rrs.bytes;
}

int xfr_set_build(xfr_set_t **out, const conf_t *conf, zone_data_t *const *zones, size_t n)
{
	xfr_set_t *set = calloc(1, sizeof(*set));
	*out = NULL;
	if (!set || !(set->zones = calloc(n ? n : 1, sizeof(*set->zones)))) {
		free(set);
		return FDNS_ENOMEM;
	}
	const conf_key_t **keys = xfr__keys_index(conf);
	if (!keys) {
		xfr_set_free(set);
		return FDNS_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		if (!zones[i])
			continue;
		/* zones[] is parallel to conf->zones: check that, rather than search. */
		const conf_zone_t *cz = i < conf->nzones ? &conf->zones[i] : NULL;
		ldns_rdf *name = NULL;
		if (!cz || ldns_str2rdf_dname(&name, cz->name) != LDNS_STATUS_OK ||
		    ldns_dname_compare(name, zones[i]->apex) != 0)
			cz = conf_zone_of(conf, zones[i]->apex);
		ldns_rdf_deep_free(name);
		xfr_zone_t *z = zone_build(zones[i], cz, conf, keys);
		if (!z) {
			free((void *)keys);
			xfr_set_free(set);
			return FDNS_ENOMEM;
		}
		set->zones[set->n++] = z;
	}
	free((void *)keys);
	*out = set;
	return FDNS_OK;
}

void xfr_set_free(xfr_set_t *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->n; i++)
		xfr__zone_unref(set->zones[i]);
	free(set->zones);
	free(set);
}
