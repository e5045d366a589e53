/* SPDX-License-Identifier: MIT */
/* bytes.h -- 16- and 32-bit integers in network byte order (RFC 1035 2.3.2), read and
 * written at any alignment. Inline, for the query path; the caller checks the bounds. */
#ifndef FDNS_WIRE_BYTES_H
#define FDNS_WIRE_BYTES_H

#include <stdint.h>

static inline uint16_t wire_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t wire_rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void wire_wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void wire_wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif
