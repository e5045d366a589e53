/* SPDX-License-Identifier: MIT */
/* fleet_zone.h -- the fleet zone compiled in parts: one part per service (its name,
 * replica names, SRV and "0 served" records), so a container change renders and compiles
 * the one service it touches, not the fleet (see snapshot_patch() in fleetdns/answer.h).
 *
 * A service is a part of its own only when its names meet nothing else in the zone: one
 * label, not used by the zone file (as an owner or as a name in record data). Otherwise
 * the zone is compiled whole, as every zone was before, until the next reload.
 */
#ifndef FDNS_PUBLISH_FLEET_ZONE_H
#define FDNS_PUBLISH_FLEET_ZONE_H

#include <stdbool.h>

#include "fleetdns/answer.h"
#include "fleetdns/registry.h"

typedef struct fleet_zone {
	bool whole;         /* compile the fleet zone whole (until fleet_zone_init again) */
	char **file_labels; /* labels below the apex that the zone file uses, sorted */
	size_t nfile_labels;
	/* One publication's parts, until fleet_zone_parts_free(). */
	size_t nparts;
	size_t *ids;
	ldns_rdf **roots;
	zone_data_t **zones;
} fleet_zone_t;

/** Start over for the zone file's data file_data (the fleet zone's base). */
void fleet_zone_init(fleet_zone_t *fz, const zone_data_t *file_data);
void fleet_zone_clear(fleet_zone_t *fz);

/** Fill p's parts with the records of every service of reg that changed since
 * registry_changes_clear() (every service with all). Returns 0, FDNS_ENOMEM, or
 * FDNS_EEXIST when a service cannot be a part (fz->whole is then set). */
int fleet_zone_parts(fleet_zone_t *fz, zone_patch_t *p, const registry_t *reg, const ldns_rdf *apex,
                     bool all);
/** Free what fleet_zone_parts() made, once the patch is compiled. */
void fleet_zone_parts_free(fleet_zone_t *fz);

#endif
