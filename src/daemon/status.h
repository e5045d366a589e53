/* SPDX-License-Identifier: MIT */
/* status.h -- the JSON that /status serves and fleetdnsctl prints, made on the control loop
 * from what the fleet holds:
 *   {"process": {version, started, config}, "ready": bool,
 *    "engines": [{name, url, state ("up", "down", "starting"), since, containers,
 *                 last_error, drained}],
 *    "services": registry_status(),
 *    "zones": [{name, serial, names, file, allow_transfer, notify}]}
 * Build one with status_new(), add to it, and status_text() it; the caller owns each object.
 */
#ifndef FDNS_DAEMON_STATUS_H
#define FDNS_DAEMON_STATUS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <time.h>

#include "fleetdns/answer.h"
#include "fleetdns/conf.h"
#include "fleetdns/engine.h"
#include "fleetdns/registry.h"

/** A new status document (NULL when out of memory). */
json_object *status_new(const conf_t *conf, time_t started, bool ready);
/** One engine: its settings, e's state (e NULL: not started), and whether it is drained. */
void status_engine_add(json_object *st, const conf_engine_t *ce, const engine_t *e, bool drained);
/** Every service of reg (reg NULL: none). */
void status_services_set(json_object *st, const registry_t *reg);
/** Every configured zone, with its serial and names in snap. */
void status_zones_set(json_object *st, const conf_t *conf, const snapshot_t *snap);

/** The fleet's publications, counted by the fleet for /metrics. */
#define STATUS_PUBLISH_BUCKETS 8
typedef struct status_counters {
	uint64_t publications;
	uint64_t failures;
	double seconds;                      /* total time publishing */
	uint64_t le[STATUS_PUBLISH_BUCKETS]; /* publications within each bound */
} status_counters_t;
/** The upper bounds of the publication duration histogram, in seconds. */
extern const double status_publish_bounds[STATUS_PUBLISH_BUCKETS];

/** Count one publication that took seconds (failed: it did not publish). */
void status_publication_count(status_counters_t *c, double seconds, bool failed);

/** The control loop's part of /metrics (Prometheus text) from a status document st and the
 * counters: engines, services by replica state, zone serials, publications. Malloc'ed;
 * NULL when out of memory. */
char *status_metrics(json_object *st, const status_counters_t *c);

#endif
