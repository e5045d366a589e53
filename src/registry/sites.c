/* SPDX-License-Identifier: MIT */
/* sites.c -- which site each engine is in, for render.c, and each site's local-only. */
#include <stdlib.h>
#include <string.h>

#include "fleetdns/error.h"
#include "registry/registry_internal.h"
#include "registry/sites.h"

void registry__sites_free(registry_t *r)
{
	for (size_t i = 0; i < r->nsite_engines; i++)
		free(r->site_engines[i]);
	free(r->site_engines);
	free(r->site_of_engine);
	r->site_engines = NULL;
	r->site_of_engine = NULL;
	r->nsite_engines = 0;
	r->nsites = 0;
}

uint8_t registry__site_of(const registry_t *r, const char *engine)
{
	for (size_t i = 0; i < r->nsite_engines; i++)
		if (strcmp(r->site_engines[i], engine) == 0)
			return (uint8_t)(1 + r->site_of_engine[i]);
	return 0;
}

/* Whether sites[0..n) say what the registry has. */
static bool sites_same(const registry_t *r, const conf_site_t *sites, size_t n)
{
	size_t engines = 0;
	for (size_t i = 0; i < n; i++) {
		if (r->site_local_only[i] != sites[i].local_only)
			return false;
		for (size_t k = 0; k < sites[i].nengines; k++, engines++)
			if (registry__site_of(r, sites[i].engines[k]) != i + 1)
				return false;
	}
	return r->nsites == n && r->nsite_engines == engines;
}

int registry_set_sites(registry_t *r, const conf_site_t *sites, size_t n)
{
	if (n > ZONE_SITES_MAX)
		return FDNS_EINVAL;
	if (sites_same(r, sites, n))
		return 0;
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += sites[i].nengines;
	char **names = calloc(total ? total : 1, sizeof(*names));
	uint8_t *site_of = malloc(total ? total : 1);
	size_t k = 0;
	for (size_t i = 0; names && site_of && i < n; i++)
		for (size_t e = 0; e < sites[i].nengines; e++, k++) {
			names[k] = strdup(sites[i].engines[e]);
			site_of[k] = (uint8_t)i;
			if (!names[k])
				break;
		}
	if (!names || !site_of || k < total) {
		for (size_t i = 0; names && i < total; i++)
			free(names[i]);
		free(names);
		free(site_of);
		return FDNS_ENOMEM;
	}
	registry__sites_free(r);
	r->site_engines = names;
	r->site_of_engine = site_of;
	r->nsite_engines = total;
	r->nsites = (uint8_t)n;
	for (size_t i = 0; i < ZONE_SITES_MAX; i++)
		r->site_local_only[i] = i < n ? (uint16_t)sites[i].local_only : 0;
	r->all_changed = true; /* every service's records say where its replicas are */
	return 0;
}
