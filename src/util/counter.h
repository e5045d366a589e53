/* SPDX-License-Identifier: MIT */
/* counter.h -- counters that one thread writes and others read (metrics): relaxed atomic
 * loads and stores, which compile to a plain load, add and store on x86-64 and arm64 (no lock
 * prefix, no fence), so the writer pays what a plain increment costs, a reader sees whole
 * values, and ThreadSanitizer sees no race. Only the owning thread may write a counter. */
#ifndef FDNS_UTIL_COUNTER_H
#define FDNS_UTIL_COUNTER_H

#include <stdint.h>

static inline void counter_add(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED);
}

static inline void counter_set(uint64_t *c, uint64_t v)
{
	__atomic_store_n(c, v, __ATOMIC_RELAXED);
}

static inline uint64_t counter_get(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

#endif
