/* SPDX-License-Identifier: MIT */
/* sites.h -- which site a client is in (docs/fleet.md, "Nearest replicas"), for the query
 * path: the sites' client prefixes flattened, when a snapshot is built, into sorted disjoint
 * address ranges, each with the site of its longest matching prefix. A lookup is a binary
 * search; nothing is allocated or locked.
 *
 * The client is the query's EDNS Client Subnet (RFC 7871) when it has one, else its source
 * address. With a subnet the lookup also gives the scope to answer with (RFC 7871 7.2.1):
 * the shortest prefix of the subnet's address whose every address is in the same range, so
 * a resolver may reuse the answer for exactly the clients that would get it.
 */
#ifndef FDNS_ANSWER_SITES_H
#define FDNS_ANSWER_SITES_H

#include <stddef.h>
#include <stdint.h>

#include "fleetdns/conf.h"
#include "fleetdns/query.h"
#include "fleetdns/zone.h"

#define SITE_NONE 0xFF

typedef unsigned __int128 u128;

/* All ones in a width-bit address (32 or 128). */
static inline u128 sites_all_ones(unsigned width)
{
	return width == 128 ? ~(u128)0 : ((u128)1 << width) - 1;
}

/* The first len bits of a width-bit address. */
static inline u128 sites_prefix_mask(unsigned len, unsigned width)
{
	return len == 0 ? 0 : (sites_all_ones(width) << (width - len)) & sites_all_ones(width);
}

/* An address of octets bytes, most significant first, as a number. */
static inline u128 sites_value_of(const uint8_t *a, size_t octets)
{
	u128 v = 0;
	for (size_t i = 0; i < octets; i++)
		v = v << 8 | a[i];
	return v;
}

typedef struct ans_range {
	u128 start;   /* IPv4 addresses in the low 32 bits */
	uint8_t site; /* SITE_NONE: in no site */
} ans_range_t;

typedef struct ans_sites {
	unsigned refs; /* atomic: snapshots that share the table */
	ans_range_t *v4, *v6;
	size_t nv4, nv6;
} ans_sites_t;

/** A table for sites[0..n) (NULL with n 0: no sites). Returns 0 or FDNS_ENOMEM. */
int ans_sites_new(ans_sites_t **out, const conf_site_t *sites, size_t n);
void ans_sites_ref(ans_sites_t *t);
void ans_sites_unref(ans_sites_t *t);

/** The site of q's client (its ECS subnet, or q->peer), or SITE_NONE; *scope is the ECS
 * scope prefix length to answer with (0 without a subnet). t may be NULL. */
uint8_t ans_sites_lookup(const ans_sites_t *t, const query_t *q, uint8_t *scope);

#endif
