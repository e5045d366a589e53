/* SPDX-License-Identifier: MIT */
/* publish.h -- the fleet's publish step as a function: the version published before and
 * the registry (with the services that changed since) in, the next version out. Each
 * dynamic zone is patched: the fleet zone service by service (fleet_zone.h), the others
 * (reverse zones, a fleet zone whose names meet its file's) rendered and compiled whole;
 * a zone that secondaries transfer keeps its records in its compiled parts, so the new
 * version is also what AXFR and IXFR serve (src/answer/version.h).
 *
 * No I/O, no clock (the time is given), no libuv: src/daemon/fleet.c decides when to
 * publish and whether serials move, attaches transfer data (src/xfr) and hands the result
 * to the workers. tests/unit/test_publish.c drives it with a real registry over random
 * container changes against the same records compiled whole.
 */
#ifndef FDNS_PUBLISH_PUBLISH_H
#define FDNS_PUBLISH_PUBLISH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fleetdns/answer.h"
#include "fleetdns/registry.h"
#include "publish/fleet_zone.h"

/** One dynamic zone: its own data and whether secondaries transfer it. */
typedef struct publish_zone {
	const zone_data_t *own; /* the file's records, or the generated SOA and NS */
	bool transfers;         /* allow-transfer or notify: its parts keep their records */
} publish_zone_t;

typedef struct publish_step {
	const snapshot_t *prev; /* the version to patch; after a reload, the files' snapshot */
	bool reset;             /* prev has none of the registry's records: compile them all */
	const registry_t *reg;
	const ldns_rdf *fleet_apex; /* the zone whose services are parts */
	const publish_zone_t *zones;
	size_t nzones;
	const uint32_t *serials; /* each zone's serial in prev (0: none published yet) */
	bool raise;              /* the serials move (else a zone keeps its serial) */
	uint32_t now;            /* seconds since the epoch: serials follow the clock */
	const answer_opts_t *opts;
} publish_step_t;

/** The next version of step's zones into *out (the caller's; NULL on failure), with each
 * zone's serial in serials_out[0..nzones). fz is the fleet zone's state: its parts stay
 * filled with what this step compiled until fleet_zone_parts_free(). *whole tells whether
 * the fleet zone was compiled whole (or is not among the zones). Returns 0, FDNS_ENOMEM, or
 * FDNS_EEXIST when a service's names meet the zone file's (fz->whole is then set, so the same step
 * again compiles the fleet zone whole). */
int publish_next(snapshot_t **out, uint32_t *serials_out, bool *whole, fleet_zone_t *fz,
                 const publish_step_t *step);

/** A zone's next serial (RFC 1982 order): at least one more than last, the time now, and
 * base (the serial of its own data). */
uint32_t publish_serial_next(uint32_t last, uint32_t base, uint32_t now);

#endif
