/* SPDX-License-Identifier: MIT */
/* load.h -- from the command line to everything a (re)load produces: the configuration,
 * the zones compiled from files, and the base data of the zones the fleet adds to. */
#ifndef FDNS_DAEMON_LOAD_H
#define FDNS_DAEMON_LOAD_H

#include <stdbool.h>

#include "fleetdns/answer.h"
#include "fleetdns/conf.h"
#include "fleetdns/zone.h"

typedef struct loaded {
	conf_t conf;
	snapshot_t *snap; /* every configured zone as its file (or generated SOA/NS) says */
	bool fleet;       /* engines to watch: conf.engines (or the local default engine) */
	conf_engine_t default_engine; /* used when conf.engines_default and the socket exists */
	ldns_rdf *fleet_apex;         /* the zone service names go in */
	zone_data_t **dynamic;        /* base data of the fleet zone and the reverse zones */
	size_t ndynamic;
	struct xfr_set *xfr; /* transfer data of every zone as loaded (src/xfr) */
} loaded_t;

/** Build the configuration from cl, read every zone and compile them. All or nothing: on
 * error nothing is kept and err names the file, line and column. */
int daemon_load(loaded_t *out, const conf_cmdline_t *cl, char *err, size_t errlen);
void daemon_loaded_free(loaded_t *l);

#endif
