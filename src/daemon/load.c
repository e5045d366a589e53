/* SPDX-License-Identifier: MIT */
/* load.c -- reads the configuration and the zones it names, and compiles them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon/load.h"
#include "fleetdns/error.h"
#include "xfr/xfr.h"

static int load_one(zone_data_t **z, const conf_zone_t *cz, char *err, size_t errlen)
{
	if (cz->embedded)
		return zone_load_text(z, cz->name, zone_default_text,
		                      "(built-in " CONF_DEFAULT_ZONE " zone)", err, errlen);
	if (cz->file)
		return zone_load_file(z, cz->name, cz->file, err, errlen);
	return zone_make_empty(z, cz->name, (uint32_t)time(NULL), err, errlen);
}

static int dname_cmp(const void *a, const void *b)
{
	return ldns_dname_compare(*(ldns_rdf *const *)a, *(ldns_rdf *const *)b);
}

/* The fleet's reverse zones as names, sorted, so that each loaded zone is looked up in
 * log time (a loop over them for every zone was quadratic). *n: how many. NULL when out of
 * memory. */
static ldns_rdf **reverse_names(const conf_fleet_t *fleet, size_t *n)
{
	ldns_rdf **names = calloc(fleet->nreverse_zones + 1, sizeof(*names));

	*n = 0;
	if (!names)
		return NULL;
	for (size_t i = 0; i < fleet->nreverse_zones; i++) {
		if (ldns_str2rdf_dname(&names[*n], fleet->reverse_zones[i]) == LDNS_STATUS_OK)
			(*n)++;
		else
			names[*n] = NULL; /* no zone can have it (conf checked every name) */
	}
	qsort(names, *n, sizeof(*names), dname_cmp);
	return names;
}

static void reverse_names_free(ldns_rdf **names, size_t n)
{
	for (size_t i = 0; names && i < n; i++)
		ldns_rdf_deep_free(names[i]);
	free(names);
}

/* Whether zone z is one the fleet adds records to. */
static bool is_dynamic(const loaded_t *l, ldns_rdf *const *reverse, size_t nreverse,
                       const zone_data_t *z)
{
	if (ldns_dname_compare(z->apex, l->fleet_apex) == 0)
		return true;
	return bsearch(&z->apex, reverse, nreverse, sizeof(*reverse), dname_cmp) != NULL;
}

static void decide_fleet(loaded_t *l)
{
	const conf_t *c = &l->conf;
	l->fleet = c->nengines > 0;
	if (!l->fleet && c->engines_default &&
	    access(CONF_DEFAULT_ENGINE_URL + strlen("unix://"), R_OK | W_OK) == 0) {
		l->fleet = true;
		l->default_engine = (conf_engine_t){
		    .name = "local",
		    .url = CONF_DEFAULT_ENGINE_URL,
		    .timeout_ms = CONF_DEFAULT_ENGINE_TIMEOUT_MS,
		};
	}
	if (l->fleet && c->nzones > 0) {
		const char *zone = c->fleet.zone ? c->fleet.zone : c->zones[0].name;
		if (ldns_str2rdf_dname(&l->fleet_apex, zone) != LDNS_STATUS_OK)
			l->fleet = false;
		else
			ldns_dname2canonical(l->fleet_apex);
	} else {
		l->fleet = false;
	}
}

/* A zone with an RRset too big for any DNS message (64 KiB) cannot be served: say which,
 * by compiling the zones one at a time (only on this error path). */
static void name_oversized_zone(zone_data_t *const *zones, size_t n, const answer_opts_t *opts,
                                char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		snapshot_t *one = NULL;
		if (!zones[i] || snapshot_build(&one, &zones[i], 1, opts) != FDNS_ESPACE) {
			snapshot_free(one);
			continue;
		}
		char *name = ldns_rdf2str(zones[i]->apex);
		snprintf(
		    err, errlen,
		    "%s: zone %s: the records of one name and type do not fit in a DNS message "
		    "(64 KiB); split the RRset",
		    zones[i]->source, name ? name : "?");
		free(name);
		return;
	}
	snprintf(err, errlen, "compiling zones: %s", fdns_strerror(FDNS_ESPACE));
}

int daemon_load(loaded_t *l, const conf_cmdline_t *cl, char *err, size_t errlen)
{
	memset(l, 0, sizeof(*l));
	int ret = conf_build(&l->conf, cl, err, errlen);
	if (ret < 0)
		return ret;
	decide_fleet(l);
	const conf_t *c = &l->conf;
	zone_data_t **zones = calloc(c->nzones ? c->nzones : 1, sizeof(*zones));
	l->dynamic = calloc(c->nzones ? c->nzones : 1, sizeof(*l->dynamic));
	size_t nreverse = 0;
	ldns_rdf **reverse = l->fleet ? reverse_names(&c->fleet, &nreverse) : NULL;
	if (!zones || !l->dynamic || (l->fleet && !reverse)) {
		free(zones);
		reverse_names_free(reverse, nreverse);
		daemon_loaded_free(l);
		return FDNS_ENOMEM;
	}
	for (size_t i = 0; i < c->nzones && ret == FDNS_OK; i++)
		ret = load_one(&zones[i], &c->zones[i], err, errlen);
	if (ret == FDNS_OK) {
		answer_opts_t opts = {.udp_size = (uint16_t)c->udp_size};
		ret = snapshot_build(&l->snap, zones, c->nzones, &opts);
		if (ret == FDNS_ESPACE)
			name_oversized_zone(zones, c->nzones, &opts, err, errlen);
		else if (ret < 0)
			snprintf(err, errlen, "compiling zones: %s", fdns_strerror(ret));
	}
	if (ret == FDNS_OK && (ret = xfr_set_build(&l->xfr, c, zones, c->nzones)) < 0)
		snprintf(err, errlen, "zone transfer data: %s", fdns_strerror(ret));
	for (size_t i = 0; i < c->nzones; i++) {
		if (ret == FDNS_OK && l->fleet && zones[i] &&
		    is_dynamic(l, reverse, nreverse, zones[i]))
			l->dynamic[l->ndynamic++] = zones[i]; /* kept: the fleet adds to it */
		else
			zone_data_free(zones[i]);
	}
	free(zones);
	reverse_names_free(reverse, nreverse);
	if (ret < 0)
		daemon_loaded_free(l);
	return ret;
}

void daemon_loaded_free(loaded_t *l)
{
	snapshot_free(l->snap);
	xfr_set_free(l->xfr);
	for (size_t i = 0; i < l->ndynamic; i++)
		zone_data_free(l->dynamic[i]);
	free(l->dynamic);
	ldns_rdf_deep_free(l->fleet_apex);
	conf_free(&l->conf);
	memset(l, 0, sizeof(*l));
}
