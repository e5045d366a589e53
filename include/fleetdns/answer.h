/* SPDX-License-Identifier: MIT */
/* answer.h -- compiled answers: an immutable snapshot of every served zone, and the
 * query-time function that turns a parsed query into a response by lookup, copy and patch.
 *
 * snapshot_build() does all the work that depends on zone data (name compression, CNAME
 * chains, wildcards, referrals, negative answers); answer_respond() does no allocation and
 * calls no ldns function. A snapshot is read by many threads at once and never changes;
 * its owner frees it with snapshot_free() once no reader can still see it.
 */
#ifndef FLEETDNS_ANSWER_H
#define FLEETDNS_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fleetdns/conf.h"
#include "fleetdns/query.h"
#include "fleetdns/zone.h"

typedef struct snapshot snapshot_t;

typedef struct answer_opts {
	uint16_t udp_size; /* the server's largest UDP payload, advertised in OPT */
	/* The sites whose clients get their replicas first (conf.h; zone_data_t nsites and the
	 * entries' sites refer to these by index). Without opts, a new snapshot keeps old's. */
	const struct conf_site *sites;
	size_t nsites;
} answer_opts_t;

/** Compile zones[0..n) into a new snapshot. The zones stay owned by the caller.
 * Returns 0, FDNS_ENOMEM, or FDNS_EEXIST (two zones with the same name). */
int snapshot_build(snapshot_t **out, zone_data_t *const *zones, size_t n,
                   const answer_opts_t *opts);
void snapshot_free(snapshot_t *snap);

/** A new snapshot that shares old's compiled zones, except that zones[0..n) are compiled
 * anew (replacing old's zones of the same name, or added). old may be NULL; it is not
 * changed and stays valid. Returns 0 or FDNS_E*. */
int snapshot_update(snapshot_t **out, const snapshot_t *old, zone_data_t *const *zones, size_t n,
                    const answer_opts_t *opts);

/** A change to one zone, compiled incrementally. A zone is its base (the zone's own data,
 * SOA included) and numbered parts: subtrees whose answers depend on nothing outside them,
 * such as one fleet service's names. A patch recompiles what it names, nothing else. */
typedef struct zone_patch {
	const ldns_rdf *apex;
	bool reset;        /* start from nothing: no part of the old zone is kept */
	zone_data_t *base; /* the zone's own data anew, or NULL: kept (required with reset) */
	size_t nparts;
	const size_t *part_ids;       /* the parts that change, by number */
	const ldns_rdf *const *roots; /* each one's subtree: all its names are at or below */
	zone_data_t *const *parts;    /* each one's records; NULL or none: the part goes away.
	                               * No CNAME, DNAME, NS, SOA or wildcard (FDNS_EINVAL). */
	bool records; /* the zone is transferred: what the patch compiles keeps its records in
	               * canonical wire form too (src/answer/version.h), for AXFR and IXFR.
	               * Without, the base keeps its SOA only. Use the same value for every
	               * patch of a zone until a reset. */
} zone_patch_t;

/** A new snapshot: old (may be NULL; not changed, stays valid) with patches[0..n) applied.
 * A name of a part that another part or the base already has fails with FDNS_EEXIST (the
 * caller then compiles the zone whole). Returns 0 or FDNS_E*. */
int snapshot_patch(snapshot_t **out, const snapshot_t *old, const zone_patch_t *patches, size_t n,
                   const answer_opts_t *opts);

/** The transfer view of snap's zone versions (src/xfr: SOA, ACL, journal, and a reference on
 * each dynamic zone's compiled version), set before snap is published; it lives and dies
 * with snap: free_fn(set) runs when snap is freed. An earlier set is freed. (A function
 * rather than a call into src/xfr: answers do not depend on transfers.) */
typedef struct xfr_set xfr_set_t;
void snapshot_set_transfers(snapshot_t *snap, xfr_set_t *set, void (*free_fn)(xfr_set_t *set));
/** The set snapshot_set_transfers() gave snap, or NULL. */
const xfr_set_t *snapshot_transfers(const snapshot_t *snap);

/** The SOA serial of a served zone (origin in text). Returns 0 or FDNS_ENOENT. */
int snapshot_zone_serial(const snapshot_t *snap, const char *origin, uint32_t *serial);
/** The same, and the zone's number of names (names may be NULL). */
int snapshot_zone_info(const snapshot_t *snap, const char *origin, uint32_t *serial, size_t *names);

/** Bytes the compiled answers of snap hold (shared with older snapshots or not). Walks every
 * part: for metrics, not for the query path. */
size_t snapshot_memory(const snapshot_t *snap);

/** Number of zones and names, for logs. */
size_t snapshot_zone_count(const snapshot_t *snap);
size_t snapshot_name_count(const snapshot_t *snap);

/**
 * Write the response to q (whose reader verdict is v) into out, at most maxsize bytes
 * (maxsize >= 512; UDP callers pass the negotiated size, TCP callers 65535).
 * Returns the response length, or 0 when the query must get no response.
 */
size_t answer_respond(const snapshot_t *snap, const query_t *q, enum query_verdict v, uint8_t *out,
                      size_t maxsize);

/** What a response depended on, for its caller (answer_respond_zone). */
typedef struct answer_meta {
	uint16_t zone_slot; /* the counters' slot of the zone that answered (src/answer/
	                     * zone_slot.h), 0 when no served zone did */
	uint8_t ecs_scope;  /* the SCOPE PREFIX-LENGTH to echo q's ECS option with (RFC 7871
	                     * 7.2.1): 0 unless the answer was chosen by the client's site */
} answer_meta_t;

/** answer_respond(), and *meta filled in. */
size_t answer_respond_zone(const snapshot_t *snap, const query_t *q, enum query_verdict v,
                           uint8_t *out, size_t maxsize, answer_meta_t *meta);

/** The UDP size limit for q: client's EDNS size (or 512 without EDNS) capped by the server's. */
size_t answer_udp_limit(const snapshot_t *snap, const query_t *q);

#endif
