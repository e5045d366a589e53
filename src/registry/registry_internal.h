/* SPDX-License-Identifier: MIT */
/* registry_internal.h -- the registry's state, shared by its files.
 *
 * Replicas are found by (engine, container id) through a hash table and listed per engine,
 * so an event, a removal and an engine's full re-listing cost what they touch, not the
 * size of the fleet. Services ever seen are a hash set too.
 */
#ifndef FDNS_REGISTRY_INTERNAL_H
#define FDNS_REGISTRY_INTERNAL_H

#include <sys/types.h>

#include "fleetdns/registry.h"
#include "registry/replica.h"

typedef struct rep_node rep_node_t;
struct rep_node {
	replica_t rep;
	rep_node_t *hnext;         /* hash chain on (engine, id) */
	rep_node_t *enext, *eprev; /* the engine's replicas */
	rep_node_t *snext, *sprev; /* the service's replicas */
	unsigned seen;             /* stamp of the last listing that had it */
	size_t engine;             /* index in registry.engines */
	size_t service;            /* index in registry.known */
};

typedef struct reg_engine {
	char *name;
	rep_node_t *head;
	bool drained; /* maintenance: its replicas are withheld ("drained") */
} reg_engine_t;

struct registry {
	conf_fleet_t fleet; /* scalar settings only */
	rep_node_t **buckets;
	size_t nbuckets, nreplicas, nserved, nstale;
	reg_engine_t *engines;
	size_t nengines;
	char **known; /* every service seen since start, in order: never NXDOMAIN for these */
	size_t nknown;
	size_t *known_set; /* open addressing: index in known[] + 1, 0 when free */
	size_t known_slots;
	rep_node_t **service_head; /* each known service's replicas, by index in known[] */
	/* Services whose records changed since registry_changes_clear(), so a publication
	 * renders and compiles those only. */
	bool *changed; /* by index in known[] */
	size_t *changed_ids;
	size_t nchanged;
	bool all_changed; /* the settings changed: every service */
	/* Sites (registry_set_sites, sites.c): the engines in each, each one's local-only. */
	char **site_engines;     /* owned names */
	uint8_t *site_of_engine; /* parallel: the site's index */
	size_t nsite_engines;
	uint8_t nsites;
	uint16_t site_local_only[ZONE_SITES_MAX];
	struct damping *damping; /* hold-down and flap histories (damping.h), owned */
	unsigned stamp;
	uint64_t generation;
};

/** Every replica, engine by engine; for (rep_node_t *n = first; n; n = next(r, n)). */
rep_node_t *registry__first(const registry_t *r);
rep_node_t *registry__next(const registry_t *r, const rep_node_t *n);

/** 1 + the index of engine's site, 0 when it is in none (sites.c). */
uint8_t registry__site_of(const registry_t *r, const char *engine);
void registry__sites_free(registry_t *r);

#endif
