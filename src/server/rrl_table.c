/* SPDX-License-Identifier: MIT */
/* rrl_table.c -- a worker's rate limiting table: allocated once at start, freed at stop. */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "fleetdns/error.h"
#include "server/rrl.h"

int rrl_init(rrl_t *r, const conf_rrl_t *c)
{
	memset(r, 0, sizeof(*r));
	if (c->rate == 0)
		return 0;
	size_t n = 1024;
	while (n < c->table_size)
		n <<= 1;
	r->table = calloc(n, sizeof(*r->table));
	r->exempt = c->nexempt ? malloc(c->nexempt * sizeof(*r->exempt)) : NULL;
	if (!r->table || (c->nexempt && !r->exempt)) {
		rrl_free(r);
		return FDNS_ENOMEM;
	}
	if (c->nexempt)
		memcpy(r->exempt, c->exempt, c->nexempt * sizeof(*r->exempt));
	r->nexempt = c->nexempt;
	r->mask = n - 1;
	r->rate = c->rate;
	r->burst = c->burst;
	r->slip = c->slip;
	r->v4_prefix = c->ipv4_prefix;
	r->v6_prefix = c->ipv6_prefix;
	/* A secret seed: nobody outside can aim different clients at one bucket. */
	if (getrandom(&r->seed, sizeof(r->seed), GRND_NONBLOCK) != sizeof(r->seed))
		r->seed = (uint64_t)time(NULL) * 0x9E3779B97F4A7C15ull ^ (uintptr_t)r;
	return 0;
}

void rrl_free(rrl_t *r)
{
	free(r->table);
	free(r->exempt);
	memset(r, 0, sizeof(*r));
}
