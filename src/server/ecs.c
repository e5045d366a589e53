/* SPDX-License-Identifier: MIT */
/* ecs.c -- the EDNS Client Subnet option of a response (RFC 7871 6 and 7.2.1). */
#include <string.h>

#include "server/ecs.h"

#define ECS_FIXED_LEN 8 /* OPTION-CODE, OPTION-LENGTH, FAMILY, SOURCE and SCOPE lengths */

static size_t address_octets(const query_t *q)
{
	return (q->ecs_source + 7u) / 8u;
}

size_t ecs_option_len(const query_t *q)
{
	return ECS_FIXED_LEN + address_octets(q);
}

size_t ecs_append(uint8_t *resp, size_t opt_end, size_t len, const query_t *q, uint8_t scope)
{
	size_t octets = address_octets(q), olen = 4 + octets;
	uint8_t *p = resp + len;
	p[0] = 0;
	p[1] = EDNS_ECS;
	p[2] = 0;
	p[3] = (uint8_t)olen;
	p[4] = 0;
	p[5] = q->ecs_family;
	p[6] = q->ecs_source;
	p[7] = scope;
	memcpy(p + 8, q->ecs_addr, octets);
	uint16_t rdlen = (uint16_t)(resp[opt_end - 2] << 8 | resp[opt_end - 1]);
	rdlen = (uint16_t)(rdlen + ECS_FIXED_LEN + octets);
	resp[opt_end - 2] = (uint8_t)(rdlen >> 8);
	resp[opt_end - 1] = (uint8_t)rdlen;
	return len + ECS_FIXED_LEN + octets;
}
