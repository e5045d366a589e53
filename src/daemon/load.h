/* SPDX-License-Identifier: MIT */
/* load.h -- from the command line to everything a (re)load produces: the configuration,
 * the zones compiled from files, and the base data of the zones the fleet adds to. */
#ifndef FDNS_DAEMON_LOAD_H
#define FDNS_DAEMON_LOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "fleetdns/answer.h"
#include "fleetdns/conf.h"
#include "fleetdns/zone.h"

/** What a zone's data hashes to (BLAKE2b-256 of its apex and records, in file order): two
 * loads of a zone with the same digest serve the same answers. A zone whose SOA and NS
 * fleetdns makes itself digests everything but its SOA serial, the time it was made: its
 * soa: and ns: settings (and the listen addresses its default name server's come from). */
typedef struct zone_digest {
	uint8_t bytes[32];
} zone_digest_t;

typedef struct loaded {
	conf_t conf;
	snapshot_t *snap; /* every configured zone as its file (or generated SOA/NS) says */
	bool fleet;       /* engines to watch: conf.engines (or the local default engine) */
	conf_engine_t default_engine;   /* used when conf.engines_default and the socket exists */
	ldns_rdf *fleet_apex;           /* the zone service names go in */
	zone_data_t **dynamic;          /* base data of the fleet zone and the reverse zones */
	zone_digest_t *dynamic_digests; /* parallel to dynamic */
	size_t ndynamic;
	zone_digest_t *digests; /* one per conf.zones entry */
	struct xfr_set *xfr;    /* transfer data of every zone as loaded (src/xfr) */
} loaded_t;

/** Build the configuration from cl, read every zone and compile them. All or nothing: on
 * error nothing is kept and err names the file, line and column. What a zone has that is
 * served but cannot work (a delegation without glue) is logged as a warning; a default name
 * server that cannot have an address, at level info. */
int daemon_load(loaded_t *out, const conf_cmdline_t *cl, char *err, size_t errlen);
void daemon_loaded_free(loaded_t *l);

/** The options answers are compiled with under c: its UDP size and its sites. */
answer_opts_t daemon_answer_opts(const conf_t *c);

/** Whether b serves the same zones as a: the same zones in the same order with the same
 * digests, the same UDP size and sites, and the same fleet zone and reverse zones. Then the answers
 * compiled for a still hold for b (the fleet's records aside). */
bool daemon_zones_same(const loaded_t *a, const loaded_t *b);
/** Whether b's zone transfer settings are a's: keys, allow-transfer and notify of every
 * zone (zones compared by position, as daemon_zones_same does). */
bool daemon_transfers_same(const conf_t *a, const conf_t *b);

#endif
