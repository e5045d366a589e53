/* SPDX-License-Identifier: MIT */
/* rrl.h -- response rate limiting over UDP, with the semantics of BIND's, Knot's and NSD's.
 *
 * A token bucket per (client prefix, response class, name): the class is read from the
 * response (positive, NODATA, NXDOMAIN, referral, error) and the name is the question's,
 * except for NXDOMAIN and errors, which count per prefix whatever the name (random names
 * must not each get their own allowance). A bucket refills at `rate` responses a second up to
 * `burst`; a response that finds it empty is dropped, except every `slip`-th one, which goes
 * out truncated (TC, no records) so that a real client behind a spoofed flood retries over
 * TCP, where it is never limited.
 *
 * Each worker has its own table (fixed size, allocated once, direct-mapped by a seeded hash;
 * a colliding key takes the bucket over with a full allowance): no lock, no shared cache line,
 * no allocation per query. A client whose queries the kernel spreads over several workers
 * (SO_REUSEPORT hashes source ports) can therefore get up to workers x rate, as with NSD's
 * per-process tables.
 */
#ifndef FDNS_SERVER_RRL_H
#define FDNS_SERVER_RRL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "fleetdns/conf.h"

enum rrl_class { RRL_POSITIVE, RRL_NODATA, RRL_NXDOMAIN, RRL_REFERRAL, RRL_ERROR, RRL_CLASSES };
enum rrl_action { RRL_SEND, RRL_DROP, RRL_SLIP };

typedef struct rrl_bucket {
	uint64_t key;      /* 0: never used */
	uint64_t stamp_ms; /* last refill */
	int64_t tokens;    /* thousandths of a response */
	uint32_t limited;  /* responses limited since the bucket last had tokens */
	uint32_t unused;
} rrl_bucket_t;

typedef struct rrl_stats {
	uint64_t dropped[RRL_CLASSES], slipped[RRL_CLASSES];
} rrl_stats_t;

typedef struct rrl {
	unsigned rate, burst, slip, v4_prefix, v6_prefix;
	conf_prefix_t *exempt; /* owned copy */
	size_t nexempt;
	uint64_t seed;
	size_t mask;         /* buckets - 1 (a power of two) */
	rrl_bucket_t *table; /* owned; NULL when rate limiting is off */
	rrl_stats_t stats;   /* written by the owning worker only (util/counter.h) */
} rrl_t;

/** Set r up from c (rate 0: off, nothing allocated). Returns 0 or FDNS_ENOMEM. */
int rrl_init(rrl_t *r, const conf_rrl_t *c);
void rrl_free(rrl_t *r);

/** The class of a response (wire, len >= 12). */
enum rrl_class rrl_classify(const uint8_t *resp, size_t len);

/** What to do with resp (len bytes, its question first) for peer at now_ms. */
enum rrl_action rrl_check(rrl_t *r, const struct sockaddr *peer, const uint8_t *resp, size_t len,
                          uint64_t now_ms);

/** resp cut to its header and question, with TC set: the slip answer. Returns its length. */
size_t rrl_slip(uint8_t *resp, size_t len);

#endif
