/* SPDX-License-Identifier: MIT */
/* compile.h -- one zone's data into compiled answers, allocated in a snapshot's arena. */
#ifndef FDNS_ANSWER_COMPILE_H
#define FDNS_ANSWER_COMPILE_H

#include "answer/build.h"
#include "fleetdns/zone.h"

/** Compile zone into *out (memory from arena; b is scratch). Returns 0 or FDNS_E*. */
int compile_zone(ans_zone_t **out, zone_data_t *zone, arena_t *arena, build_t *b);

#endif
