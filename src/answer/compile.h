/* SPDX-License-Identifier: MIT */
/* compile.h -- one zone's data into compiled answers, allocated in a snapshot's arena. */
#ifndef FDNS_ANSWER_COMPILE_H
#define FDNS_ANSWER_COMPILE_H

#include "answer/build.h"
#include "fleetdns/zone.h"

/** Compile zone into *out, which owns its memory (its own arena) and starts with one
 * reference; b is scratch. Returns 0 or FDNS_E*. */
int compile_zone(ans_zone_t **out, zone_data_t *zone, build_t *b);

#endif
