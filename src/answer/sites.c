/* SPDX-License-Identifier: MIT */
/* sites.c -- client prefixes to sorted ranges, when a snapshot is built (see sites.h; the
 * query path's lookup is in site_lookup.c). */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "answer/sites.h"
#include "fleetdns/error.h"

_Static_assert(CONF_SITES_MAX <= ZONE_SITES_MAX && CONF_SITES_MAX < SITE_NONE,
               "a site index fits the zone's entries and a byte");

/* One configured prefix as a range of addresses. */
typedef struct prefix_range {
	u128 lo, hi;
	unsigned len;
	uint8_t site;
} prefix_range_t;

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
		if (p[i].hi < sites_all_ones(width))
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
			u128 lo = sites_value_of(prefix_bytes(c), width / 8) &
			          sites_prefix_mask(c->prefix, width);
			p[np++] =
			    (prefix_range_t){.lo = lo,
			                     .hi = lo | (sites_all_ones(width) &
			                                 ~sites_prefix_mask(c->prefix, width)),
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
