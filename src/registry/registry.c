/* SPDX-License-Identifier: MIT */
/* registry.c -- the set of replicas, kept per engine, and the services ever seen. */
#include <stdlib.h>
#include <string.h>

#include "fleetdns/error.h"
#include "registry/registry_internal.h"

registry_t *registry_new(const conf_fleet_t *fleet)
{
	registry_t *r = calloc(1, sizeof(*r));
	if (!r || registry_set_fleet(r, fleet) < 0) {
		free(r);
		return NULL;
	}
	return r;
}

void registry_free(registry_t *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nreplicas; i++)
		replica_clear(&r->replicas[i]);
	free(r->replicas);
	for (size_t i = 0; i < r->nknown; i++)
		free(r->known[i]);
	free(r->known);
	free(r);
}

int registry_set_fleet(registry_t *r, const conf_fleet_t *fleet)
{
	/* Only scalar settings are kept; names of zones are the caller's business. */
	r->fleet = *fleet;
	r->fleet.zone = NULL;
	r->fleet.reverse_zones = NULL;
	r->fleet.nreverse_zones = 0;
	r->fleet.state_file = NULL;
	r->generation++;
	return FDNS_OK;
}

uint64_t registry_generation(const registry_t *r)
{
	return r->generation;
}

size_t registry_replica_count(const registry_t *r, size_t *served)
{
	size_t s = 0;
	for (size_t i = 0; i < r->nreplicas; i++)
		s += r->replicas[i].served;
	if (served)
		*served = s;
	return r->nreplicas;
}

static int know_service(registry_t *r, const char *service)
{
	for (size_t i = 0; i < r->nknown; i++)
		if (strcmp(r->known[i], service) == 0)
			return FDNS_OK;
	char **k = realloc(r->known, (r->nknown + 1) * sizeof(*k));
	if (!k)
		return FDNS_ENOMEM;
	r->known = k;
	if (!(k[r->nknown] = strdup(service)))
		return FDNS_ENOMEM;
	r->nknown++;
	r->generation++;
	return FDNS_OK;
}

static ssize_t find(const registry_t *r, const char *engine, const char *id)
{
	for (size_t i = 0; i < r->nreplicas; i++)
		if (strcmp(r->replicas[i].id, id) == 0 &&
		    strcmp(r->replicas[i].engine, engine) == 0)
			return (ssize_t)i;
	return -1;
}

static void remove_at(registry_t *r, size_t i)
{
	replica_clear(&r->replicas[i]);
	r->replicas[i] = r->replicas[--r->nreplicas];
	r->generation++;
}

/* Insert or replace; takes ownership of rep's strings. */
static int put(registry_t *r, replica_t *rep)
{
	int ret = know_service(r, rep->service);
	if (ret < 0) {
		replica_clear(rep);
		return ret;
	}
	ssize_t i = find(r, rep->engine, rep->id);
	if (i >= 0) {
		if (!replica_same(&r->replicas[i], rep))
			r->generation++;
		replica_clear(&r->replicas[i]);
		r->replicas[i] = *rep;
		return FDNS_OK;
	}
	if (r->nreplicas == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		replica_t *n = realloc(r->replicas, cap * sizeof(*n));
		if (!n) {
			replica_clear(rep);
			return FDNS_ENOMEM;
		}
		r->replicas = n;
		r->cap = cap;
	}
	r->replicas[r->nreplicas++] = *rep;
	r->generation++;
	return FDNS_OK;
}

int registry_container_update(registry_t *r, const conf_engine_t *engine,
                              const engine_container_t *c)
{
	replica_t rep;
	int ret = replica_from_container(&rep, engine, &r->fleet, c);
	if (ret < 0)
		return ret;
	if (ret == 0) {
		registry_container_remove(r, engine->name, c->id);
		return FDNS_OK;
	}
	return put(r, &rep);
}

void registry_container_remove(registry_t *r, const char *engine, const char *id)
{
	ssize_t i = find(r, engine, id);
	if (i >= 0)
		remove_at(r, (size_t)i);
}

void registry_engine_down(registry_t *r, const char *engine)
{
	for (size_t i = r->nreplicas; i-- > 0;)
		if (strcmp(r->replicas[i].engine, engine) == 0)
			remove_at(r, i);
}

int registry_engine_sync(registry_t *r, const conf_engine_t *engine,
                         const engine_container_t *const *list, size_t n)
{
	/* Drop what the engine no longer lists, then update the rest. */
	for (size_t i = r->nreplicas; i-- > 0;) {
		if (strcmp(r->replicas[i].engine, engine->name) != 0)
			continue;
		bool listed = false;
		for (size_t k = 0; k < n && !listed; k++)
			listed = strcmp(list[k]->id, r->replicas[i].id) == 0;
		if (!listed)
			remove_at(r, i);
	}
	for (size_t k = 0; k < n; k++) {
		int ret = registry_container_update(r, engine, list[k]);
		if (ret < 0)
			return ret;
	}
	return FDNS_OK;
}
