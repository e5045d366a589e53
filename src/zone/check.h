/* SPDX-License-Identifier: MIT */
/* check.h -- semantic checks on a freshly read zone (what the syntax cannot catch). */
#ifndef FDNS_ZONE_CHECK_H
#define FDNS_ZONE_CHECK_H

#include <ldns/ldns.h>

/**
 * Check rrs as the content of the zone at apex: every owner inside the zone, class IN,
 * exactly one SOA and at least one NS at the apex, CNAME alone at its name. lines[i] is
 * the line of rrs[i] (for messages) or NULL. Sets *serial from the SOA.
 * Returns 0 or FDNS_EZONE with "source:line:column: message" in err.
 */
int zone_check(const ldns_rdf *apex, const ldns_rr_list *rrs, const int *lines, const char *source,
               uint32_t *serial, char *err, size_t errlen);

#endif
