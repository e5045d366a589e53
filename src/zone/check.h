/* SPDX-License-Identifier: MIT */
/* check.h -- semantic checks on a freshly read zone (what the syntax cannot catch). */
#ifndef FDNS_ZONE_CHECK_H
#define FDNS_ZONE_CHECK_H

#include <ldns/ldns.h>

#include "fleetdns/zone.h"

/** Where a record was read: its file (a zone file may include others) and line. */
typedef struct zone_where {
	const char *source;
	int line;
} zone_where_t;

/**
 * Check rrs as the content of the zone at apex: every owner inside the zone, class IN,
 * exactly one SOA and at least one NS at the apex, CNAME alone at its name, and DNAME as
 * RFC 6672 2.3-2.4 has it (one per name, no CNAME beside it, no NS beside it below the
 * apex, no name below it; what Knot's semantic checks refuse). where[i] is
 * the place of rrs[i] (for messages), or where is NULL and messages name source. Sets
 * *serial from the SOA. Returns 0 or FDNS_EZONE with "source:line:column: message" in err.
 */
int zone_check(const ldns_rdf *apex, const ldns_rr_list *rrs, const zone_where_t *where,
               const char *source, uint32_t *serial, char *err, size_t errlen);

/**
 * What is served but cannot work: a delegation (NS below the apex) to a name server inside
 * the zone that has no address (A or AAAA) in it, unless that name is below another
 * delegation (then that one's servers may know it). Adds "source:line:1: message" lines to
 * z->warnings (nothing without where). Returns 0 or FDNS_ENOMEM.
 */
int zone_check_glue(const ldns_rdf *apex, const ldns_rr_list *rrs, const zone_where_t *where,
                    zone_data_t *z);

#endif
