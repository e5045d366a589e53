/* SPDX-License-Identifier: MIT */
/* catalog.h -- the catalog zone (RFC 9432, schema version 2) that lists the zones fleetdns
 * serves, so that BIND, Knot or NSD secondaries configured for the catalog alone learn
 * every zone (and forget removed ones) by transferring it.
 *
 * The records, in this order:
 *   @                 SOA   MNAME RNAME SERIAL REFRESH RETRY EXPIRE MINIMUM  (TTL MINIMUM)
 *   @                 NS    invalid.                                        (TTL 0)
 *   version           TXT   "2"                                             (TTL 0)
 *   <id>.zones        PTR   <member>.     one per member, by member name    (TTL 0)
 * where <id> is zone_catalog_id() of the member: the same label for the same zone in every
 * load and every process, so that consumers never see a member "renamed" (RFC 9432 5.4
 * would make them drop the zone's state).
 */
#ifndef FDNS_ZONE_CATALOG_H
#define FDNS_ZONE_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include <ldns/ldns.h>

#include "fleetdns/conf.h"
#include "fleetdns/zone.h"

#define ZONE_CATALOG_ID_LEN 32         /* hex digits of a member's unique ID label */
#define ZONE_CATALOG_NS     "invalid." /* the one NS (RFC 9432 4), and the default MNAME */
#define ZONE_CATALOG_RNAME  "invalid." /* the default RNAME (RFC 9432 appendix A) */

/**
 * The unique ID of member zone name (RFC 9432 4.1): the first 16 bytes of BLAKE2b over
 * the name's wire form in lower case, as 32 lower-case hex digits, NUL-terminated, in id.
 * name need not be canonical: Example.TEST. and example.test. have the same ID.
 */
void zone_catalog_id(const ldns_rdf *name, char id[ZONE_CATALOG_ID_LEN + 1]);

/**
 * Make the catalog zone origin listing members[0..nmembers) (zone names as written in the
 * configuration; each is listed once, however often or in whichever case it is given),
 * with the SOA of gen (mname and rname NULL: ZONE_CATALOG_NS and ZONE_CATALOG_RNAME; its
 * ns list is not used) and serial serial. The records come in the order above, members
 * sorted as DNS names (RFC 4034 6.1), so the zone depends on the set of members only.
 * Returns 0, FDNS_EINVAL (an invalid origin or member name, with "source: message" in
 * err) or FDNS_ENOMEM. *out is owned by the caller (zone_data_free).
 */
int zone_make_catalog(zone_data_t **out, const char *origin, const conf_zone_gen_t *gen,
                      const char *const *members, size_t nmembers, uint32_t serial, char *err,
                      size_t errlen);

#endif
