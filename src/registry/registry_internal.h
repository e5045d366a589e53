/* SPDX-License-Identifier: MIT */
/* registry_internal.h -- the registry's state, shared by its files. */
#ifndef FDNS_REGISTRY_INTERNAL_H
#define FDNS_REGISTRY_INTERNAL_H

#include <sys/types.h>

#include "fleetdns/registry.h"
#include "registry/replica.h"

struct registry {
	conf_fleet_t fleet; /* scalar settings only */
	replica_t *replicas;
	size_t nreplicas, cap;
	char **known; /* every service seen since start: never NXDOMAIN for these */
	size_t nknown;
	uint64_t generation;
};

#endif
