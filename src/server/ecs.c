/* SPDX-License-Identifier: MIT */
/* ecs.c -- the EDNS Client Subnet option of a response (RFC 7871 6 and 7.2.1). */
#include <string.h>

#include "server/ecs.h"
#include "wire/bytes.h"

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
	wire_wr16(p, EDNS_ECS);
	wire_wr16(p + 2, (uint16_t)olen);
	wire_wr16(p + 4, q->ecs_family);
	p[6] = q->ecs_source;
	p[7] = scope;
	memcpy(p + 8, q->ecs_addr, octets);
	uint16_t rdlen = wire_rd16(resp + opt_end - 2);
	wire_wr16(resp + opt_end - 2, (uint16_t)(rdlen + ECS_FIXED_LEN + octets));
	return len + ECS_FIXED_LEN + octets;
}
