/* SPDX-License-Identifier: MIT */
/* snapshot.h -- the layout of compiled answers, shared by the compiler and the responder.
 *
 * A block is the tail of a response (answer, authority and additional sections) in wire
 * format, ready to copy after the question. Blocks compiled for an exact name know where
 * they will sit (right after a question of known length) and may point into the question.
 * Blocks for names only known at query time (wildcards, negative answers, referrals) are
 * "movable": their self-pointers are listed in relocs and shifted by the real start.
 * cuts[] lists where each RRset ends, so a truncated response keeps whole RRsets only.
 */
#ifndef FDNS_ANSWER_SNAPSHOT_H
#define FDNS_ANSWER_SNAPSHOT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "answer/arena.h"
#include "answer/sites.h"
#include "answer/table.h"
#include "fleetdns/answer.h"
#include "zone/records.h"

#define ANS_RCODE_YXDOMAIN 6 /* RFC 2136: the name a DNAME makes is too long (RFC 6672 2.2) */

typedef struct ans_cut {
	uint16_t end;        /* block offset just past this RRset */
	uint16_t an, ns, ar; /* record counts up to here */
} ans_cut_t;

typedef struct ans_block {
	uint8_t rcode;
	bool aa;
	bool movable; /* relocs apply; otherwise the block was laid out for its exact name */
	uint16_t an, ns, ar;
	uint16_t len;
	uint16_t ncuts;
	uint16_t nrequired; /* cuts that must all fit, or TC is set (answer + authority) */
	uint16_t nrelocs;
	uint16_t nqrefs;
	const ans_cut_t *cuts;
	const uint16_t *relocs; /* offsets of 2-byte compression pointers to shift */
	const uint16_t *qrefs;  /* movable blocks: offsets of pointers to the whole question name
	                         * (0xC00C), aimed elsewhere when the block answers for the name
	                         * a DNAME led to */
	const uint8_t *wire;
} ans_block_t;

typedef struct ans_type ans_type_t;
struct ans_type {
	uint16_t type;
	uint16_t nrotations; /* > 1: blocks[] hold the RRset rotated, one per starting record */
	uint16_t nsequence;  /* > 0: a weighted RRset, answered rotations[sequence[k % nsequence]]
	                      * for the node's k-th query (one smooth weighted round-robin cycle,
	                      * see compile.c); 0: rotations[k % nrotations] */
	const ans_block_t *block;
	const ans_block_t *const *rotations;
	const uint8_t *sequence; /* rotation indexes, in the part's arena */
	/* NULL, or one per site of the zone (zone_data_t nsites): what a client of that site
	 * gets, answered with the node's counter 1 + site; block NULL: what everyone gets. */
	const ans_type_t *sited;
	uint8_t nsited;
};

enum ans_node_flags {
	NODE_DELEGATION = 1 << 0, /* has NS and is not the apex: a zone cut */
	NODE_OCCLUDED = 1 << 1,   /* below a zone cut: answered with the cut's referral */
	NODE_DNAME = 1 << 2,      /* owns a DNAME (and is authoritative): names below it are
	                           * answered by substitution (RFC 6672 3.2, see ans_dname_t) */
};

/* A DNAME's half of every answer below its owner. The block holds the DNAME RRset, movable,
 * laid out for a question name that ends with the owner (its owner is a pointer into the
 * question). The synthesized CNAME depends on the query name and is written at query time
 * after the block: owner 0xC00C, the DNAME's TTL, RDATA the query's labels above the owner
 * (lowercased, as Knot writes them), then a pointer to the target, which the block holds
 * uncompressed (RFC 6672 2.5) at target_off. */
typedef struct ans_dname {
	const ans_block_t *block;
	uint32_t ttl;
	uint16_t target_off; /* block offset of the first DNAME's RDATA */
	uint8_t target_len;  /* its length in octets */
} ans_dname_t;

typedef struct ans_node ans_node_t;

/* What few names have, apart from the node: most names of a zone are none of these, and a
 * node without them is 56 bytes instead of 88 (8 bytes a record at 4 records a name). */
typedef struct ans_node_rare {
	const ans_block_t *referral; /* NODE_DELEGATION: the referral to this cut */
	const ans_node_t *cut;       /* NODE_OCCLUDED: the delegation above */
	const ans_node_t *wildcard;  /* answers synthesised from "*.<this name>", or NULL */
	const ans_dname_t *dname;    /* NODE_DNAME: the substitution for names below */
	const ans_node_t *moved;     /* the same answers, movable, for a name reached through a
	                              * DNAME of this zone (nodes at or below a DNAME target) */
} ans_node_rare_t;

struct ans_node {
	const uint8_t *name; /* lowercased wire format */
	uint8_t name_len;
	uint8_t flags;
	uint16_t ntypes;
	uint16_t any_udp_type;    /* ANY over UDP answers this type's RRset only (RFC 8482
	                           * 4.2); 0: the name has one RRset, ANY is that */
	const ans_type_t *types;  /* sorted by type */
	const ans_block_t *other; /* any type not in types: a CNAME chain's end; NULL: the
	                           * zone's NODATA (looked up at query time, so that a new
	                           * serial does not touch every name) */
	const ans_block_t *any;   /* NULL: the zone's NODATA */
	ans_node_rare_t *rare;    /* set for cuts, occluded names, DNAME owners, parents of a
	                           * wildcard and names below an in-zone DNAME target; else NULL.
	                           * Written only while its part is compiled. */
	uint32_t *rotation; /* queries so far, for round-robin (written with atomics), or NULL */
};

/* The node's wildcard child's answers, or NULL. */
static inline const ans_node_t *node_wildcard(const ans_node_t *n)
{
	return n->rare ? n->rare->wildcard : NULL;
}

/* The node's movable twin, or NULL. */
static inline const ans_node_t *node_moved(const ans_node_t *n)
{
	return n->rare ? n->rare->moved : NULL;
}

/* Compiled names with their own memory. A zone is its base (the zone's own data: SOA,
 * negative answers, everything loaded from its file) plus numbered parts, each a subtree
 * whose answers depend on nothing outside it (a fleet service: its name, replica names and
 * SRV records), so a change to one service compiles that service only. */
struct ans_part {
	unsigned refs; /* atomic */
	const ans_node_t **nodes;
	size_t nnodes;
	/* The base only: */
	const ans_block_t *nodata;
	const ans_block_t *nxdomain;
	uint32_t serial;
	uint8_t apex_labels;
	arena_t arena; /* everything the part holds, nodes[] included */
	/* Its records in canonical wire form, SOA apart, when its zone keeps them for
	 * transfers (zone_patch_t.records): AXFR sends them, IXFR diffs them. Owned. */
	records_t records;
	uint8_t *soa; /* the base only */
	uint16_t soa_len;
};

typedef struct ans_zone ans_zone_t;
struct ans_zone {
	uint8_t apex[DNS_NAME_MAX]; /* lowercased wire format */
	uint8_t apex_len;
	uint8_t apex_labels;
	ans_table_t names; /* every node of the base and the parts */
	ans_part_t *base;
	ans_vec_t parts;
	const ans_block_t *nodata; /* the base's */
	const ans_block_t *nxdomain;
	uint32_t serial;
	bool records;        /* its parts keep their records (zone_patch_t.records) */
	uint64_t lineage;    /* the same for versions patched from one another; a new one on
	                      * every compile from nothing (records may move between parts) */
	size_t record_bytes; /* theirs, the base's and the parts', SOA apart */
	uint16_t slot;       /* its per-zone counters (zone_slot.h) */
	unsigned refs;       /* snapshots sharing this version of the zone (atomic) */
};

/* Zones are compiled one by one and shared between successive snapshots, so a change to
 * one zone recompiles that zone only. */
struct snapshot {
	size_t nzones, nnames;
	size_t zmask;
	ans_zone_t **ztable; /* open addressing on the apex name; NULL marks a free slot */
	uint16_t udp_size;
	ans_sites_t *sites;   /* shared with the snapshots made from this one; NULL: no sites */
	xfr_set_t *transfers; /* see snapshot_set_transfers() */
	void (*transfers_free)(xfr_set_t *);
};

/* The query path's lookup: the page by the top bits of the hash, then linear probing. */
static inline const ans_node_t *table_find(const ans_table_t *t, const uint8_t *name, size_t len)
{
	uint32_t h = wire_name_hash(name, len);
	const ans_page_t *p = t->pages[(uint64_t)h >> t->shift];
	if (!p)
		return NULL;
	for (uint32_t i = h & p->mask;; i = (i + 1) & p->mask) {
		const ans_node_t *n = p->slot[i];
		if (!n)
			return NULL;
		if (n->name_len == len && memcmp(n->name, name, len) == 0)
			return n;
	}
}

static inline const ans_node_t *ans_zone_find(const ans_zone_t *z, const uint8_t *name, size_t len)
{
	return table_find(&z->names, name, len);
}
const ans_zone_t *snapshot_find_zone(const snapshot_t *s, const uint8_t *name, size_t len);

#endif
