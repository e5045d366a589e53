/* SPDX-License-Identifier: MIT */
/* build.h -- writes one response tail (a block) with name compression, at compile time.
 *
 * Used only when zone data changes, never per query. The builder is a large object
 * (64 KiB buffer); callers keep one and reset it for every block.
 */
#ifndef FDNS_ANSWER_BUILD_H
#define FDNS_ANSWER_BUILD_H

#include <ldns/ldns.h>

#include "answer/snapshot.h"

#define BUILD_DICT_MAX   512
#define BUILD_CUTS_MAX   1024
#define BUILD_RELOCS_MAX 2048
#define BUILD_MAX_LEN    65000
#define BUILD_QREFS_MAX  (BUILD_MAX_LEN / 12) /* one per record at most */

enum build_section { SECTION_ANSWER, SECTION_AUTHORITY, SECTION_ADDITIONAL };

typedef struct build_dict_entry {
	uint16_t name_off; /* lowercased suffix in names[] */
	uint8_t len;
	int32_t ptr; /* pointer value (relative to block start when rel: < 0 is in the question) */
	bool rel;
} build_dict_entry_t;

typedef struct build {
	uint8_t buf[65536];
	size_t len;
	bool movable;  /* block start unknown until query time */
	uint16_t base; /* where the block starts in the response, when not movable */
	bool overflow; /* something did not fit; the block is unusable */
	uint16_t an, ns, ar;
	size_t ncuts, nrelocs, ndict, names_len;
	size_t nrequired; /* RRsets (cuts) that must fit, or TC is set; see build_require() */
	ans_cut_t cuts[BUILD_CUTS_MAX];
	uint16_t relocs[BUILD_RELOCS_MAX];
	size_t nqrefs;
	uint16_t qrefs[BUILD_QREFS_MAX]; /* movable blocks: pointers to the question name */
	build_dict_entry_t dict[BUILD_DICT_MAX];
	uint8_t names[BUILD_DICT_MAX * 64];
} build_t;

/** Start a block. With qname (lowercased wire), the block is laid out right after that
 * question and may compress against it; without, it is movable. */
void build_reset(build_t *b, const uint8_t *qname, size_t qname_len);

/** For a movable block: every question it will follow ends with this name (lowercased
 * wire), so the block's names may point into the question like Knot's and fixed blocks do. */
void build_question_suffix(build_t *b, const uint8_t *lc, size_t len);

/** Write one RRset. owner NULL writes a pointer to the question name (offset 12). */
void build_rrset(build_t *b, enum build_section sec, const ldns_rdf *owner, const ldns_rr_list *rrs,
                 uint32_t ttl);

/** Everything written so far must fit in a response, or it gets TC=1. Answer and
 * authority always must; additional records only up to this mark (RFC 9471 glue). */
void build_require(build_t *b);

/** Copy the block into the arena. Returns NULL when it overflowed or memory ran out. */
const ans_block_t *build_finish(build_t *b, arena_t *a, uint8_t rcode, bool aa);

#endif
