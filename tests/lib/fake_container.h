/* SPDX-License-Identifier: MIT */
/* fake_container.h -- a container as an engine reports it (fleetdns/engine.h), for programs
 * that feed a registry without an engine: tests/unit/test_publish.c, bench/change_cost.c.
 * The container points into its own struct, so keep it where it is once made. */
#ifndef FDNS_TESTS_LIB_FAKE_CONTAINER_H
#define FDNS_TESTS_LIB_FAKE_CONTAINER_H

#include <stdio.h>

#include "fleetdns/engine.h"

typedef struct fake_container {
	engine_container_t c;
	engine_label_t label;
	engine_network_t net;
	char id[65], name[24], service[24], ip[24];
} fake_container_t;

/** f: running and healthy, labelled fleetdns.service=service, one address ip on "bridge".
 * The texts are copied (cut to their fields' sizes). */
static inline void fake_container_init(fake_container_t *f, const char *id, const char *name,
                                       const char *service, const char *ip)
{
	snprintf(f->id, sizeof(f->id), "%s", id);
	snprintf(f->name, sizeof(f->name), "%s", name);
	snprintf(f->service, sizeof(f->service), "%s", service);
	snprintf(f->ip, sizeof(f->ip), "%s", ip);
	f->label = (engine_label_t){"fleetdns.service", f->service};
	f->net = (engine_network_t){"bridge", f->ip, ""};
	f->c = (engine_container_t){.id = f->id,
	                            .name = f->name,
	                            .running = true,
	                            .health = HEALTH_HEALTHY,
	                            .labels = &f->label,
	                            .nlabels = 1,
	                            .networks = &f->net,
	                            .nnetworks = 1};
}

#endif
