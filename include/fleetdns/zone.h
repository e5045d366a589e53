/* SPDX-License-Identifier: MIT */
/* zone.h -- loading zone data from RFC 1035 master files (through ldns) and checking it.
 *
 * A zone_data_t owns its ldns objects; zone_data_free() releases them. Loading is all or
 * nothing: on error *out is NULL and err holds "file:line:column: message".
 */
#ifndef FLEETDNS_ZONE_H
#define FLEETDNS_ZONE_H

#include <stddef.h>
#include <stdint.h>
#include <ldns/ldns.h>

#include "fleetdns/conf.h"

#define ZONE_WARNINGS_MAX 10 /* warning lines kept per zone; the rest are counted */

#define ZONE_WEIGHT_DEFAULT 1  /* a record of a rotated RRset without a weight entry */
#define ZONE_SITES_MAX      32 /* sites a zone's entries may name (CONF_SITES_MAX) */

/**
 * An RRset answered in rotating order: each query starts at the next record. Or, when
 * rdata_len > 0, the weight of one record of such an RRset (owner, type), named by its
 * RDATA (an A or AAAA address): the RRset's records then come first in proportion to their
 * weights, in a smooth weighted round-robin sequence (see docs/fleet.md, "Weights and
 * canaries"). Records without an entry weigh ZONE_WEIGHT_DEFAULT; records with the same
 * RDATA (served once) take the largest of their weights. Entries only for RRsets whose
 * weights differ or whose records are in sites: equal weights are plain rotation. site: the
 * record's replica runs in site site - 1 (0: in none); a client of a site then gets the
 * site's records first (see zone_data_t's nsites).
 */
typedef struct zone_rotation {
	ldns_rdf *owner;
	uint16_t type;
	uint16_t window; /* records per answer; 0: all (ignored in weight entries) */
	uint16_t weight; /* weight entries: 0..65535 */
	uint8_t site;    /* weight entries: 1 + the record's site, 0: none */
	uint8_t rdata_len;
	uint8_t rdata[16];
} zone_rotation_t;

typedef struct zone_data {
	ldns_rdf *apex;    /* zone origin, absolute */
	ldns_rr_list *rrs; /* every record of the zone, checked */
	uint32_t serial;   /* from the SOA */
	char *source;      /* file name, or "(built-in)", for messages */
	/* Set by the fleet when it adds service records; owned, freed by zone_data_free. */
	zone_rotation_t *rotations;
	size_t nrotations;
	/* The sites the rotations' entries may name (docs/fleet.md, "Nearest replicas"): each
	 * site's clients get its records first, or only them when it has at least
	 * site_local_only[site] (> 0) of an RRset. */
	uint8_t nsites;
	uint16_t site_local_only[ZONE_SITES_MAX];
	/* What loading found served but broken ("file:line:column: message"), owned: the first
	 * ZONE_WARNINGS_MAX; nwarnings counts them all. Not kept by zone_data_clone. */
	char *warnings[ZONE_WARNINGS_MAX];
	size_t nwarnings;
} zone_data_t;

/** Load and check a master file. origin is the zone name ("example.test" or "example.test.").
 * $INCLUDE FILE [ORIGIN] is read relative to the including file's folder (at most 8 files
 * deep; a file that includes itself is an error). Returns 0, FDNS_EIO when path cannot be
 * read ("path: reason" in err), FDNS_EPARSE or FDNS_EZONE (a file it includes that cannot be
 * read is FDNS_EPARSE, at the $INCLUDE), FDNS_EINVAL (origin), FDNS_ENOMEM. */
int zone_load_file(zone_data_t **out, const char *origin, const char *path, char *err,
                   size_t errlen);

/** Same, from text in memory; source names it in messages (and its folder is where
 * $INCLUDE paths start, the current one when it has no '/'). */
int zone_load_text(zone_data_t **out, const char *origin, const char *text, const char *source,
                   char *err, size_t errlen);

/** A zone with only the SOA, NS and glue that fleetdns makes itself, as gen says (NULL:
 * every default; no ns: one NS, ns.<origin>, without address), serial: serial. An ns entry
 * without a name is ns.<origin>. gen's names must be valid (conf_build checked them). */
int zone_make_generated(zone_data_t **out, const char *origin, const conf_zone_gen_t *gen,
                        uint32_t serial, char *err, size_t errlen);

/** zone_make_generated() with every default. */
int zone_make_empty(zone_data_t **out, const char *origin, uint32_t serial, char *err,
                    size_t errlen);

void zone_data_free(zone_data_t *zone);

/** A deep copy of zone's apex and records (not its rotations), with the
 * SOA serial set to serial. NULL when out of memory. */
zone_data_t *zone_data_clone(const zone_data_t *zone, uint32_t serial);

/** The zone shipped in zones/ and compiled into the binary. */
extern const char zone_default_text[];

#endif
