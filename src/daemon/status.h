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
#include "xfr/xfr.h"

/** A new status document (NULL when out of memory). */
json_object *status_new(const conf_t *conf, time_t started, bool ready);
/** One engine: its settings, e's state (e NULL: not started), and whether it is drained. */
void status_engine_add(json_object *st, const conf_engine_t *ce, const engine_t *e, bool drained);
/** Every service of reg (reg NULL: none). */
void status_services_set(json_object *st, const registry_t *reg);
/** Every configured zone, with its serial and names in snap. */
void status_zones_set(json_object *st, const conf_t *conf, const snapshot_t *snap);

/** A Prometheus histogram of durations. */
#define STATUS_BUCKETS 8
typedef struct status_histogram {
	uint64_t count;
	double sum;                  /* seconds */
	uint64_t le[STATUS_BUCKETS]; /* observations within each bound */
} status_histogram_t;
/** The upper bounds of every histogram, in seconds. */
extern const double status_bounds[STATUS_BUCKETS];
void status_observe(status_histogram_t *h, double seconds);

/** What the fleet counts for /metrics, on the control loop. */
typedef struct status_counters {
	uint64_t failures;                  /* publications that failed */
	status_histogram_t publication;     /* how long each publication took */
	status_histogram_t event_to_answer; /* engine event to published answers */
	xfr_notify_stats_t notify;          /* copied from the xfr side when rendered */
	size_t snapshot_bytes;              /* of the published snapshot, when rendered */
} status_counters_t;

/** Count one publication that took seconds (failed: it did not publish). */
void status_publication_count(status_counters_t *c, double seconds, bool failed);

/** The part of the control loop's /metrics (Prometheus text) that a status document st
 * holds: readiness, engines, services by replica state, zone serials. It walks the whole
 * fleet, so it is rendered when the board is read. Malloc'ed; NULL when out of memory. */
char *status_metrics_state(json_object *st);

/** The whole of the control loop's /metrics: state (from status_metrics_state(); NULL: none
 * yet) followed by the counters c: publications, event to answer, NOTIFY, snapshot size.
 * These cost nothing to render, so they are rendered whenever they move, read or not: a
 * scrape never shows them as they were at the scrape before. Malloc'ed; NULL when out of
 * memory. */
char *status_metrics(const char *state, const status_counters_t *c);

#endif
