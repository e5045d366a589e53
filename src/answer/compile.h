/* SPDX-License-Identifier: MIT */
/* compile.h -- one zone's data into compiled answers, allocated in a snapshot's arena. */
#ifndef FDNS_ANSWER_COMPILE_H
#define FDNS_ANSWER_COMPILE_H

#include "answer/build.h"
#include "fleetdns/zone.h"

/** Compile zone into a part (see snapshot.h), which owns its memory and starts with one
 * reference; b is scratch. With root NULL, the whole zone: the base, with its negative
 * answers and its SOA in wire form. With root, the records of one subtree, which must all be
 * at or below root with no CNAME, DNAME, NS, SOA or wildcard (FDNS_EINVAL); no records give
 * *out NULL. With records, the part also keeps its records in canonical wire form (for
 * transfers). Returns 0 or FDNS_E*. */
int compile_part(ans_part_t **out, zone_data_t *zone, const ldns_rdf *root, bool records,
                 build_t *b);

/** About how many names rrs has: its runs of records with the same owner, exact for a zone
 * whose records are grouped by name (as master files usually are), more otherwise; empty
 * non-terminals not counted. For sizing tables that grow when it falls short. */
size_t compile_names_estimate(const ldns_rr_list *rrs);

#endif
