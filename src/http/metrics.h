/* SPDX-License-Identifier: MIT */
/* metrics.h -- the Prometheus text exposition of fleetdns's counters (names and units per
 * the Prometheus conventions: fleetdns_ prefix, _total for counters). */
#ifndef FDNS_HTTP_METRICS_H
#define FDNS_HTTP_METRICS_H

#include <stdio.h>
#include <time.h>

#include "fleetdns/server.h"

/** A family's HELP and TYPE lines. */
void metrics_family(FILE *out, const char *name, const char *type, const char *help);
/** A label value as the exposition format wants it: backslash, quote and newline escaped
 * (value may be NULL: nothing). */
void metrics_label(FILE *out, const char *value);

/** Write every metric of st (and the process's start time) to out. */
void metrics_write(FILE *out, const server_stats_t *st, time_t started);

#endif
