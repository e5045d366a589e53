/* SPDX-License-Identifier: MIT */
/* fleet_zone.c -- the fleet zone in parts, one per service (see fleet_zone.h). */
#include <stdlib.h>
#include <string.h>

#include "publish/fleet_zone.h"
#include "fleetdns/error.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void fleet_zone_parts_free(fleet_zone_t *fz)
{
	for (size_t i = 0; i < fz->nparts; i++) {
		ldns_rdf_deep_free(fz->roots[i]);
		zone_data_free(fz->zones[i]);
	}
	free(fz->ids);
	free(fz->roots);
	free(fz->zones);
	fz->ids = NULL;
	fz->roots = NULL;
	fz->zones = NULL;
	fz->nparts = 0;
}

void fleet_zone_clear(fleet_zone_t *fz)
{
	fleet_zone_parts_free(fz);
	for (size_t i = 0; i < fz->nfile_labels; i++)
		free(fz->file_labels[i]);
	free(fz->file_labels);
	memset(fz, 0, sizeof(*fz));
}

/* The label just below apex of name, lowercased, when name is strictly below apex. */
static char *label_below(const ldns_rdf *name, const ldns_rdf *apex)
{
	if (!ldns_dname_is_subdomain(name, apex))
		return NULL;
	ldns_rdf *label =
	    ldns_dname_label(name, ldns_dname_label_count(name) - ldns_dname_label_count(apex) - 1);
	char *text = label ? ldns_rdf2str(label) : NULL;
	ldns_rdf_deep_free(label);
	if (text) {
		size_t len = strlen(text);
		if (len && text[len - 1] == '.')
			text[len - 1] = '\0';
		for (char *c = text; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c + 32);
	}
	return text;
}

/* Every label below the fleet apex that the zone file's names use, as owners or as names
 * in record data (CNAME, NS, MX and SRV targets...). A service with one of these names is
 * not independent of the file's records, and the zone is then compiled whole. */
void fleet_zone_init(fleet_zone_t *fz, const zone_data_t *zd)
{
	fleet_zone_clear(fz);
	size_t n = ldns_rr_list_rr_count(zd->rrs), cap = 0;
	for (size_t i = 0; i < n; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(zd->rrs, i);
		for (size_t k = 0; k <= ldns_rr_rd_count(rr); k++) {
			const ldns_rdf *name = k == 0 ? ldns_rr_owner(rr) : ldns_rr_rdf(rr, k - 1);
			if (ldns_rdf_get_type(name) != LDNS_RDF_TYPE_DNAME)
				continue;
			char *label = label_below(name, zd->apex);
			if (!label)
				continue;
			if (fz->nfile_labels == cap) {
				cap = cap ? cap * 2 : 16;
				char **l = realloc(fz->file_labels, cap * sizeof(*l));
				if (!l) {
					free(label);
					fz->whole = true; /* cannot tell: the safe way */
					return;
				}
				fz->file_labels = l;
			}
			fz->file_labels[fz->nfile_labels++] = label;
		}
	}
	if (fz->nfile_labels)
		qsort(fz->file_labels, fz->nfile_labels, sizeof(char *), cmp_str);
}

/* A service compiles as a part of its own when its names meet nothing else: one label (a
 * dotted service would need the empty non-terminals between it and the apex) that the zone
 * file does not use. */
static bool part_fits(const fleet_zone_t *fz, const char *service)
{
	return !strchr(service, '.') &&
	       !bsearch(&service, fz->file_labels, fz->nfile_labels, sizeof(char *), cmp_str);
}

/* The records of each service that changed (every service with all), one zone_data each. */
int fleet_zone_parts(fleet_zone_t *fz, zone_patch_t *p, const registry_t *reg, const ldns_rdf *apex,
                     bool all)
{
	const size_t *changed;
	bool every;
	size_t n = registry_changed(reg, &changed, &every);
	all = all || every;
	if (all)
		n = registry_service_count(reg);
	fleet_zone_parts_free(fz);
	fz->ids = calloc(n ? n : 1, sizeof(*fz->ids));
	fz->roots = calloc(n ? n : 1, sizeof(*fz->roots));
	fz->zones = calloc(n ? n : 1, sizeof(*fz->zones));
	if (!fz->ids || !fz->roots || !fz->zones)
		return FDNS_ENOMEM;
	p->part_ids = fz->ids;
	p->roots = (const ldns_rdf *const *)fz->roots;
	p->parts = fz->zones;
	for (size_t i = 0; i < n; i++) {
		size_t id = all ? i : changed[i];
		const char *name = registry_service_name(reg, id);
		if (!part_fits(fz, name)) {
			fz->whole = true;
			return FDNS_EEXIST;
		}
		ldns_rdf *label = ldns_dname_new_frm_str(name);
		zone_data_t *z = calloc(1, sizeof(*z));
		fz->ids[fz->nparts] = id;
		fz->zones[fz->nparts] = z;
		fz->roots[fz->nparts] = label ? ldns_dname_cat_clone(label, apex) : NULL;
		p->nparts = ++fz->nparts;
		ldns_rdf_deep_free(label);
		if (!z || !fz->roots[i] || !(z->apex = ldns_rdf_clone(apex)) ||
		    !(z->rrs = ldns_rr_list_new()) || !(z->source = strdup("(fleet)")))
			return FDNS_ENOMEM;
		int ret = registry_render_service(reg, z, id, apex);
		if (ret < 0)
			return ret;
	}
	return FDNS_OK;
}
