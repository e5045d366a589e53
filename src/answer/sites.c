/* SPDX-License-Identifier: MIT */
/* sites.c -- client prefixes to sorted ranges (when a snapshot is built), and the query
 * path's lookup in them (see sites.h). */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "answer/sites.h"
#include "fleetdns/error.h"

typedef unsigned __int128 u128;

_Static_assert(CONF_SITES_MAX <= ZONE_SITES_MAX && CONF_SITES_MAX < SITE_NONE,
               "a site index fits the zone's entries and a byte");

/* One configured prefix as a range of addresses. */
typedef struct prefix_range {
	u128 lo, hi;
	unsigned len;
	uint8_t site;
} prefix_range_t;

static u128 all_ones(unsigned width)
{
	return width == 128 ? ~(u128)0 : ((u128)1 << width) - 1;
}

/* The first len bits of a width-bit address. */
static u128 prefix_mask(unsigned len, unsigned width)
{
	return len == 0 ? 0 : (all_ones(width) << (width - len)) & all_ones(width);
}

static u128 value_of(const uint8_t *a, size_t octets)
{
	u128 v = 0;
	for (size_t i = 0; i < octets; i++)
		v = v << 8 | a[i];
	return v;
}

static const uint8_t *prefix_bytes(const conf_prefix_t *p)
{
	return p->addr.ss_family == AF_INET
	           ? (const uint8_t *)&((const struct sockaddr_in *)&p->addr)->sin_addr
	           : ((const struct sockaddr_in6 *)&p->addr)->sin6_addr.s6_addr;
}

static int cmp_u128(const void *a, const void *b)
{
	u128 x = *(const u128 *)a, y = *(const u128 *)b;
	return x < y ? -1 : x > y;
}

/* The site of the longest prefix holding addr, or SITE_NONE. */
static uint8_t longest_match(const prefix_range_t *p, size_t n, u128 addr)
{
	int best = -1;
	for (size_t i = 0; i < n; i++)
		if (p[i].lo <= addr && addr <= p[i].hi && (best < 0 || p[i].len > p[best].len))
			best = (int)i;
	return best < 0 ? SITE_NONE : p[best].site;
}

/* The ranges of one family: every prefix's first address and the one past its last cut the
 * address space into pieces in each of which every address has the same longest match;
 * neighbours with the same site are one range. Quadratic, on few prefixes, once per
 * snapshot. */
static int build_ranges(ans_range_t **out, size_t *nout, const prefix_range_t *p, size_t n,
                        unsigned width)
{
	*out = NULL;
	*nout = 0;
	if (!n)
		return 0;
	u128 *cuts = malloc((2 * n + 1) * sizeof(*cuts));
	ans_range_t *r = malloc((2 * n + 1) * sizeof(*r));
	if (!cuts || !r) {
		free(cuts);
		free(r);
		return FDNS_ENOMEM;
	}
	size_t ncuts = 0, nr = 0;
	cuts[ncuts++] = 0;
	for (size_t i = 0; i < n; i++) {
		cuts[ncuts++] = p[i].lo;
		if (p[i].hi < all_ones(width))
			cuts[ncuts++] = p[i].hi + 1;
	}
	qsort(cuts, ncuts, sizeof(*cuts), cmp_u128);
	for (size_t i = 0; i < ncuts; i++) {
		if (i && cuts[i] == cuts[i - 1])
			continue;
		uint8_t site = longest_match(p, n, cuts[i]);
		if (nr && r[nr - 1].site == site)
			continue;
		r[nr++] = (ans_range_t){.start = cuts[i], .site = site};
	}
	free(cuts);
	*out = r;
	*nout = nr;
	return 0;
}

static int build_family(ans_range_t **out, size_t *nout, const conf_site_t *sites, size_t n,
                        int family)
{
	unsigned width = family == AF_INET ? 32 : 128;
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += sites[i].nclients;
	prefix_range_t *p = malloc((total ? total : 1) * sizeof(*p));
	if (!p)
		return FDNS_ENOMEM;
	size_t np = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < sites[i].nclients; k++) {
			const conf_prefix_t *c = &sites[i].clients[k];
			if (c->addr.ss_family != family)
				continue;
			u128 lo =
			    value_of(prefix_bytes(c), width / 8) & prefix_mask(c->prefix, width);
			p[np++] = (prefix_range_t){
			    .lo = lo,
			    .hi = lo | (all_ones(width) & ~prefix_mask(c->prefix, width)),
			    .len = c->prefix,
			    .site = (uint8_t)i};
		}
	int rc = build_ranges(out, nout, p, np, width);
	free(p);
	return rc;
}

int ans_sites_new(ans_sites_t **out, const conf_site_t *sites, size_t n)
{
	*out = NULL;
	if (!n)
		return 0;
	ans_sites_t *t = calloc(1, sizeof(*t));
	if (!t)
		return FDNS_ENOMEM;
	t->refs = 1;
	int rc = build_family(&t->v4, &t->nv4, sites, n, AF_INET);
	if (rc == 0)
		rc = build_family(&t->v6, &t->nv6, sites, n, AF_INET6);
	if (rc) {
		ans_sites_unref(t);
		return rc;
	}
	*out = t;
	return 0;
}

void ans_sites_ref(ans_sites_t *t)
{
	if (t)
		__atomic_add_fetch(&t->refs, 1, __ATOMIC_RELAXED);
}

void ans_sites_unref(ans_sites_t *t)
{
	if (t && __atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		free(t->v4);
		free(t->v6);
		free(t);
	}
}

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

/* The shortest prefix of addr whose addresses are all in range i (RFC 7871 scope). */
static uint8_t scope_in(const ans_range_t *r, size_t n, size_t i, u128 addr, unsigned width)
{
	u128 end = i + 1 < n ? r[i + 1].start - 1 : all_ones(width);
	for (unsigned len = 0; len < width; len++) {
		u128 lo = addr & prefix_mask(len, width);
		u128 hi = lo | (all_ones(width) & ~prefix_mask(len, width));
		if (lo >= r[i].start && hi <= end)
			return (uint8_t)len;
	}
	return (uint8_t)width;
}

static uint8_t lookup(const ans_range_t *r, size_t n, u128 addr, unsigned width, uint8_t *scope)
{
	if (!n) {
		*scope = 0; /* no site has a prefix of this family: the same for every address */
		return SITE_NONE;
	}
	size_t i = range_of(r, n, addr);
	*scope = scope_in(r, n, i, addr, width);
	return r[i].site;
}

uint8_t ans_sites_lookup(const ans_sites_t *t, const query_t *q, uint8_t *scope)
{
	uint8_t ignored;
	*scope = 0;
	if (!t)
		return SITE_NONE;
	if (q->has_ecs) {
		if (q->ecs_source == 0) /* RFC 7871 7.1.2: the client asked not to be located */
			return SITE_NONE;
		if (q->ecs_family == ECS_FAMILY_IPV4)
			return lookup(t->v4, t->nv4, value_of(q->ecs_addr, 4), 32, scope);
		return lookup(t->v6, t->nv6, value_of(q->ecs_addr, 16), 128, scope);
	}
	const struct sockaddr *sa = q->peer;
	if (!sa)
		return SITE_NONE;
	if (sa->sa_family == AF_INET)
		return lookup(
		    t->v4, t->nv4,
		    value_of((const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr, 4), 32,
		    &ignored);
	if (sa->sa_family != AF_INET6)
		return SITE_NONE;
	const uint8_t *a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
	if (memcmp(a, mapped, sizeof(mapped)) == 0) /* an IPv4 client on a dual-stack socket */
		return lookup(t->v4, t->nv4, value_of(a + 12, 4), 32, &ignored);
	return lookup(t->v6, t->nv6, value_of(a, 16), 128, &ignored);
}
