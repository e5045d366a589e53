/* SPDX-License-Identifier: MIT */
/* zone_slot.h -- a small stable number per zone name, for per-zone counters that workers
 * keep without locks (server_stats_t.zone_responses). A name gets its slot the first time a
 * zone of that name is compiled and keeps it for the life of the process, so counters carry
 * over reloads and new serials. Slots are few on purpose (each worker keeps a row of
 * counters per slot): zones past the first ZONE_SLOTS - 2 names share ZONE_SLOT_OTHER. */
#ifndef FDNS_ANSWER_ZONE_SLOT_H
#define FDNS_ANSWER_ZONE_SLOT_H

#include <stddef.h>
#include <stdint.h>

#define ZONE_SLOTS      256
#define ZONE_SLOT_NONE  0 /* no served zone (REFUSED, FORMERR...) */
#define ZONE_SLOT_OTHER 1 /* every zone named after the slots ran out */

/** The slot of the zone whose lowercased wire apex is apex[0..len). Any thread (a mutex:
 * compile time only, never on the query path). */
uint16_t zone_slot_of(const uint8_t *apex, size_t len);

/** The zone name of slot as text ("example.test."), "(other)" for ZONE_SLOT_OTHER, or NULL
 * when the slot is not assigned. The string stays valid for the life of the process. */
const char *zone_slot_name(uint16_t slot);

#endif
