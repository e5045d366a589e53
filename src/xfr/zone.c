/* SPDX-License-Identifier: MIT */
/* zone.c -- the transfer data of one zone version (records in wire format, SOA, ACL) and
 * the per-snapshot set of them. Built on the control thread (or the loader), then immutable.
 */
#include <stdlib.h>
#include <string.h>

#include "fleetdns/error.h"
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

void xfr__rrs_free(xfr_rrs_t *r)
{
	free(r->rr);
	free(r->len);
	free(r->blob);
	memset(r, 0, sizeof(*r));
}

typedef struct wire_rr {
	uint8_t *data;
	size_t len;
} wire_rr_t;

static int wire_cmp(const void *a, const void *b)
{
	const wire_rr_t *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->data, y->data, n);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

int xfr__rrs_from_list(xfr_rrs_t *out, ldns_rr_list *list)
{
	size_t n = ldns_rr_list_rr_count(list), total = 0, k = 0;
	wire_rr_t *w = calloc(n ? n : 1, sizeof(*w));
	int ret = FDNS_ENOMEM;
	memset(out, 0, sizeof(*out));
	if (!w)
		return ret;
	for (size_t i = 0; i < n; i++) {
		if (ldns_rr2wire(&w[i].data, ldns_rr_list_rr(list, i), LDNS_SECTION_ANSWER,
		                 &w[i].len) != LDNS_STATUS_OK)
			goto done;
		total += w[i].len;
	}
	qsort(w, n, sizeof(*w), wire_cmp);
	out->rr = calloc(n ? n : 1, sizeof(*out->rr));
	out->len = calloc(n ? n : 1, sizeof(*out->len));
	out->blob = malloc(total ? total : 1);
	if (!out->rr || !out->len || !out->blob)
		goto done;
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && wire_cmp(&w[i], &w[i - 1]) == 0)
			continue;
		memcpy(out->blob + out->bytes, w[i].data, w[i].len);
		out->rr[k] = out->blob + out->bytes;
		out->len[k++] = (uint16_t)w[i].len;
		out->bytes += w[i].len;
	}
	out->n = k;
	ret = FDNS_OK;
done:
	for (size_t i = 0; i < n; i++)
		free(w[i].data);
	free(w);
	if (ret != FDNS_OK)
		xfr__rrs_free(out);
	return ret;
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

static xfr_zone_t *zone_build(const zone_data_t *zd, const conf_zone_t *cz, const conf_t *conf,
                              const conf_key_t **keys)
{
	xfr_zone_t *z = calloc(1, sizeof(*z));
	ldns_rr_list *list = ldns_rr_list_new();
	if (!z || !list)
		goto fail;
	z->refs = 1;
	z->serial = zd->serial;
	z->name = ldns_rdf2str(zd->apex);
	ldns_rdf *apex = ldns_rdf_clone(zd->apex);
	if (!z->name || !apex)
		goto fail;
	ldns_dname2canonical(apex);
	z->apex_len = (uint8_t)ldns_rdf_size(apex);
	memcpy(z->apex, ldns_rdf_data(apex), z->apex_len);
	ldns_rdf_deep_free(apex);
	/* A zone nobody may transfer or is notified of needs its SOA only (for the serial
	 * and the refusal); copying its records would double the memory of big zones. */
	bool transfers = cz && (cz->nallow_transfer > 0 || cz->nnotify > 0);
	for (size_t i = 0; i < ldns_rr_list_rr_count(zd->rrs); i++) {
		if (!transfers && ldns_rr_get_type(ldns_rr_list_rr(zd->rrs, i)) != LDNS_RR_TYPE_SOA)
			continue;
		ldns_rr *rr = ldns_rr_clone(ldns_rr_list_rr(zd->rrs, i));
		if (!rr)
			goto fail;
		ldns_rr2canonical(rr);
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA && !z->soa) {
			size_t len;
			ldns_status st = ldns_rr2wire(&z->soa, rr, LDNS_SECTION_ANSWER, &len);
			ldns_rr_free(rr);
			if (st != LDNS_STATUS_OK)
				goto fail;
			z->soa_len = (uint16_t)len;
			continue;
		}
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA || !ldns_rr_list_push_rr(list, rr)) {
			ldns_rr_free(rr);
			continue; /* a second SOA cannot be: the zone was checked */
		}
	}
	if (!z->soa || xfr__rrs_from_list(&z->rrs, list) < 0 || build_acl(z, cz, conf, keys) < 0)
		goto fail;
	ldns_rr_list_deep_free(list);
	return z;
fail:
	ldns_rr_list_deep_free(list);
	xfr__zone_unref(z);
	return NULL;
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
	xfr__rrs_free(&z->rrs);
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
