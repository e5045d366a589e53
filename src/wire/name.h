/* SPDX-License-Identifier: MIT */
/* name.h -- domain names in wire format (RFC 1035 3.1): letter case, labels, length, hash.
 *
 * One set of name helpers for the reader, the responder, the compiler, rate limiting and
 * transfers, so that a name is lowercased and hashed the same way where tables are built
 * and where they are read. Letter case follows RFC 4343: only ASCII A-Z fold, and a length
 * octet (at most 63) is never a letter, so a whole wire name folds byte by byte.
 *
 * wire_name_len() reads a received message and checks every byte against its length; the
 * others take names already checked (by query_parse() or ldns): uncompressed, at most
 * DNS_NAME_MAX octets, the root label last. Nothing here allocates; what the query path
 * uses is inline.
 */
#ifndef FDNS_WIRE_NAME_H
#define FDNS_WIRE_NAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/hash.h"

/** c lowercased if it is an ASCII capital letter, else c. */
static inline uint8_t wire_lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

/** dst[0..n) = src[0..n) lowercased: a whole name, or the octets of a range of its labels.
 * dst may be src. */
static inline void wire_name_lower(uint8_t *dst, const uint8_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = wire_lower(src[i]);
}

/** The hash of the lowercased name name[0..len) (FNV-1a, 32 bits): what the zone and name
 * tables of a snapshot and the zone slots are indexed by. */
static inline uint32_t wire_name_hash(const uint8_t *name, size_t len)
{
	return hash_fnv1a32(HASH_FNV1A32_BASIS, name, len);
}

/** The offset in name of each of its labels, the root not counted, into label_off (room
 * for DNS_LABELS_MAX). Returns the number of labels. */
static inline unsigned wire_name_labels(const uint8_t *name, uint8_t *label_off)
{
	unsigned n = 0;
	for (size_t off = 0; name[off] != 0; off += 1u + name[off])
		label_off[n++] = (uint8_t)off;
	return n;
}

/** The length of the uncompressed name at msg[pos..len), root label included, or 0 when it
 * is cut off, compressed, has a label of a reserved type or is longer than DNS_NAME_MAX. */
size_t wire_name_len(const uint8_t *msg, size_t len, size_t pos);

/** Whether name[0..len) is at or below at[0..at_len), label by label (both lowercased). */
bool wire_name_under(const uint8_t *name, size_t len, const uint8_t *at, size_t at_len);

#endif
