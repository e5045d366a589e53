/* SPDX-License-Identifier: MIT */
/* site_lookup.c -- the query path's half of sites.h: which site a client is in, by binary
 * search in the ranges sites.c made. Nothing here allocates. */
#include <netinet/in.h>
#include <string.h>

#include "answer/sites.h"

/* The range holding addr: the last one starting at or before it (the first starts at 0). */
static size_t range_of(const ans_range_t *r, size_t n, u128 addr)
{
	size_t lo = 0, hi = n; /* r[lo].start <= addr; the answer is below hi */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (r[mid].start <= addr)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* How many leading bits of two width-bit addresses agree. */
static unsigned common_prefix(u128 a, u128 b, unsigned width)
{
	u128 x = (a ^ b) & sites_all_ones(width);
	if (!x)
		return width;
	uint64_t hi = (uint64_t)(x >> 64), lo = (uint64_t)x;
	unsigned lz = hi ? (unsigned)__builtin_clzll(hi) : 64 + (unsigned)__builtin_clzll(lo);
	return lz - (128 - width);
}

/* The shortest prefix of addr whose addresses are all in range i (RFC 7871 scope): one bit
 * longer than what addr shares with the address just below the range and with the first
 * one above it, so that neither is inside. Constant time (count leading zeros). */
static uint8_t scope_in(const ans_range_t *r, size_t n, size_t i, u128 addr, unsigned width)
{
	unsigned s = 0, c;
	if (r[i].start > 0 && (c = common_prefix(addr, r[i].start - 1, width) + 1) > s)
		s = c;
	if (i + 1 < n && (c = common_prefix(addr, r[i + 1].start, width) + 1) > s)
		s = c;
	return (uint8_t)(s > width ? width : s);
}

/* The site of addr; with scope (ECS only: a source address needs none), its scope too. */
static uint8_t lookup(const ans_range_t *r, size_t n, u128 addr, unsigned width, uint8_t *scope)
{
	if (!n) {
		if (scope) /* no site has a prefix of this family: the same for every address */
			*scope = 0;
		return SITE_NONE;
	}
	size_t i = range_of(r, n, addr);
	if (scope)
		*scope = scope_in(r, n, i, addr, width);
	return r[i].site;
}

uint8_t ans_sites_lookup(const ans_sites_t *t, const query_t *q, uint8_t *scope)
{
	*scope = 0;
	if (!t)
		return SITE_NONE;
	if (q->has_ecs) {
		if (q->ecs_source == 0) /* RFC 7871 7.1.2: the client asked not to be located */
			return SITE_NONE;
		if (q->ecs_family == ECS_FAMILY_IPV4)
			return lookup(t->v4, t->nv4, sites_value_of(q->ecs_addr, 4), 32, scope);
		return lookup(t->v6, t->nv6, sites_value_of(q->ecs_addr, 16), 128, scope);
	}
	const struct sockaddr *sa = q->peer;
	if (!sa)
		return SITE_NONE;
	if (sa->sa_family == AF_INET)
		return lookup(
		    t->v4, t->nv4,
		    sites_value_of((const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr, 4),
		    32, NULL);
	if (sa->sa_family != AF_INET6)
		return SITE_NONE;
	const uint8_t *a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
	if (memcmp(a, mapped, sizeof(mapped)) == 0) /* an IPv4 client on a dual-stack socket */
		return lookup(t->v4, t->nv4, sites_value_of(a + 12, 4), 32, NULL);
	return lookup(t->v6, t->nv6, sites_value_of(a, 16), 128, NULL);
}
