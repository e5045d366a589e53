/* SPDX-License-Identifier: MIT */
/* ecs.h -- the EDNS Client Subnet option of a response (RFC 7871 7.2.1): the query's FAMILY,
 * SOURCE PREFIX-LENGTH and ADDRESS echoed, with the SCOPE PREFIX-LENGTH the answer holds
 * for (0: the same for every client). */
#ifndef FDNS_SERVER_ECS_H
#define FDNS_SERVER_ECS_H

#include <stddef.h>
#include <stdint.h>

#include "fleetdns/query.h"

/** The octets the option takes in a response to q (q->has_ecs). */
size_t ecs_option_len(const query_t *q);

/** resp (len bytes, its OPT record ending at opt_end) with the option appended and the
 * OPT's RDLENGTH grown; the caller keeps ecs_option_len(q) bytes of room. Returns the new
 * length. */
size_t ecs_append(uint8_t *resp, size_t opt_end, size_t len, const query_t *q, uint8_t scope);

#endif
