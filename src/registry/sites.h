/* SPDX-License-Identifier: MIT */
/* sites.h -- the registry's sites (docs/fleet.md, "Nearest replicas"): service records say
 * which site each replica's engine is in, so that a site's clients get its replicas first. */
#ifndef FDNS_REGISTRY_SITES_H
#define FDNS_REGISTRY_SITES_H

#include "fleetdns/conf.h"
#include "fleetdns/registry.h"

/** Take sites[0..n) (copied): when they differ from the registry's, every service renders
 * anew (registry_changes()). Returns 0 or FDNS_ENOMEM (the old sites are kept then). */
int registry_set_sites(registry_t *r, const conf_site_t *sites, size_t n);

#endif
