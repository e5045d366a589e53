/* SPDX-License-Identifier: MIT */
/* version.h -- a zone version as transfers see it: the one compiled zone (base + numbered
 * parts) that answers queries also carries each part's records in canonical wire form when
 * the zone is transferred (zone_patch_t.records). AXFR streams the parts' records; the IXFR
 * difference between two versions is the union of the differences of the parts that
 * changed, found by pointer: versions share the pages of parts that did not change.
 *
 * Ownership: snapshot_zone_hold() takes a reference on a version (atomically: a transfer
 * stream may release it on a worker), ans_zone_release() drops it. A version never
 * changes; its records stay valid while it is held.
 */
#ifndef FDNS_ANSWER_VERSION_H
#define FDNS_ANSWER_VERSION_H

#include <stddef.h>
#include <stdint.h>

#include "fleetdns/answer.h"
#include "zone/records.h"

typedef struct ans_zone ans_zone_t;

/** The version of the zone whose lowercased wire apex is apex[0..len) in snap, with a
 * reference, or NULL when snap has no such zone. */
ans_zone_t *snapshot_zone_hold(const snapshot_t *snap, const uint8_t *apex, size_t len);
void ans_zone_release(ans_zone_t *z);

uint32_t ans_zone_serial(const ans_zone_t *z);
/** Its apex, lowercased wire (*len its length). */
const uint8_t *ans_zone_apex(const ans_zone_t *z, uint8_t *len);
/** Its SOA in canonical wire form (*len its length), or NULL when it was built without
 * records (snapshot_build(), for files: src/xfr keeps those itself). */
const uint8_t *ans_zone_soa(const ans_zone_t *z, uint16_t *len);
/** Whether its parts keep every record (zone_patch_t.records), not the SOA alone. */
bool ans_zone_has_records(const ans_zone_t *z);
/** Bytes of its records, SOA apart: the size of an AXFR, kept as parts change. */
size_t ans_zone_record_bytes(const ans_zone_t *z);

/** Its records, SOA apart, one part at a time: the base first, then the parts by number.
 * *cursor starts at 0; returns NULL after the last part. */
const records_t *ans_zone_records_next(const ans_zone_t *z, size_t *cursor);

/** Append to del the records from has that to lacks and to add those to has that from
 * lacks (RFC 1995 4: what turns from into to), walking only the parts that differ when to
 * was patched from from (directly or not); versions compiled apart are compared whole.
 * Both versions of one zone, with records. Returns 0 or FDNS_ENOMEM. */
int ans_zone_diff(records_t *del, records_t *add, const ans_zone_t *from, const ans_zone_t *to);

#endif
