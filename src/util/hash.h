/* SPDX-License-Identifier: MIT */
/* hash.h -- FNV-1a (Fowler, Noll, Vo): the hash of the tables of names and strings.
 *
 * Both widths of the published algorithm, over bytes, resumable: start from the offset
 * basis, feed the pieces of a key in turn. The 32-bit one hashes names in the answer tables
 * and zone slots (src/wire/name.h, wire_name_hash), the 64-bit one the registry's keys.
 * Unseeded: only for keys that zones, the configuration or engines bring, never for keys a
 * client chooses (src/server/rrl.c mixes in a secret seed for those). Inline: the query
 * path hashes names with it.
 */
#ifndef FDNS_UTIL_HASH_H
#define FDNS_UTIL_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_FNV1A32_BASIS 2166136261u
#define HASH_FNV1A32_PRIME 16777619u
#define HASH_FNV1A64_BASIS 14695981039346656037u
#define HASH_FNV1A64_PRIME 1099511628211u

/** h (HASH_FNV1A32_BASIS to start) followed by data[0..n). */
static inline uint32_t hash_fnv1a32(uint32_t h, const void *data, size_t n)
{
	const uint8_t *p = data;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * HASH_FNV1A32_PRIME;
	return h;
}

/** h (HASH_FNV1A64_BASIS to start) followed by data[0..n). */
static inline uint64_t hash_fnv1a64(uint64_t h, const void *data, size_t n)
{
	const uint8_t *p = data;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * HASH_FNV1A64_PRIME;
	return h;
}

/** h followed by the bytes of the string s, without its terminating NUL. */
static inline uint64_t hash_fnv1a64_str(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * HASH_FNV1A64_PRIME;
	return h;
}

/** The hash of the pair of strings (a, b): a, an octet 0xff (in no UTF-8 text), then b. */
static inline uint64_t hash_fnv1a64_pair(const char *a, const char *b)
{
	uint64_t h = hash_fnv1a64_str(HASH_FNV1A64_BASIS, a);
	h = (h ^ 0xff) * HASH_FNV1A64_PRIME;
	return hash_fnv1a64_str(h, b);
}

#endif
