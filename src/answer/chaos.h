/* SPDX-License-Identifier: MIT */
/* chaos.h -- what the server says about itself: CHAOS TXT (RFC 4892) and NSID (RFC 5001).
 *
 * chaos_prepare() lays out, once, the answer record of each configured text and the NSID
 * option in wire format; at query time chaos_respond() compares the question with four names
 * and copies a block through the responder (answer__respond_block), and chaos_nsid_append()
 * copies one option. Nothing here allocates or calls ldns. As Knot 3.2 does (NSD 4.6 the
 * same, except that it also answers type ANY):
 * - class CH, type TXT, version.bind / version.server (the version) and id.server /
 *   hostname.bind (the identity), in any letter case: NOERROR, one TXT record in class CH
 *   with TTL 0, its owner the question name; AA=0 (no zone is authoritative for it);
 * - any other CHAOS question, and a text that is off (""): REFUSED;
 * - NSID in every response with an OPT to a query whose OPT asked for it, CHAOS or not; its
 *   room is kept before the answer is written, so when the client's UDP size cannot hold
 *   both, the answer is cut (TC) rather than the NSID left out, as Knot does.
 */
#ifndef FDNS_ANSWER_CHAOS_H
#define FDNS_ANSWER_CHAOS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "answer/snapshot.h"
#include "fleetdns/conf.h"
#include "fleetdns/query.h"

#define CHAOS_TEXT_MAX 255 /* one TXT character-string (RFC 1035 3.3) */
#define CHAOS_NSID_MAX 128 /* as conf's server: nsid */
#define CHAOS_RR_FIXED 12  /* owner pointer, type, class, TTL, RDLENGTH */

/* One TXT record and the block that copies it. */
typedef struct chaos_rr {
	ans_block_t block; /* NULL wire: off (REFUSED) */
	ans_cut_t cut;
	uint8_t wire[CHAOS_RR_FIXED + 1 + CHAOS_TEXT_MAX];
} chaos_rr_t;

/** The prepared answers. A plain value with pointers into itself: fill it in place with
 * chaos_prepare() and do not copy it; whoever holds it (the server, for as long as its
 * workers run) keeps it unchanged while queries read it. */
typedef struct chaos {
	chaos_rr_t identity, version;
	uint16_t nsid_len; /* the whole option (code, length, data); 0: no NSID */
	uint8_t nsid[4 + CHAOS_NSID_MAX];
} chaos_t;

/**
 * Fill *c from p's identity, version and nsid: identity NULL is host_name, version NULL is
 * "fleetdns VERSION", "" is off; nsid NULL or empty is off. host_name may be NULL (then a
 * default identity is off). Returns 0, or FDNS_EINVAL when a text or the NSID is too long
 * (conf already refuses those).
 */
int chaos_prepare(chaos_t *c, const conf_process_t *p, const char *host_name);

/** The response to q, a CHAOS (class 3) QUERY the reader accepted, into out (at most
 * maxsize bytes), with s's OPT rules. c NULL answers REFUSED. Returns the length. */
size_t chaos_respond(const chaos_t *c, const snapshot_t *s, const query_t *q, uint8_t *out,
                     size_t maxsize);

/** The room an NSID option needs in the response to q: 0 when q did not ask or c has none. */
size_t chaos_nsid_room(const chaos_t *c, const query_t *q);

/**
 * resp (len bytes) with the NSID option appended when q asked for it: resp's OPT is the last
 * record and ended at opt_end (its options, such as a COOKIE, run from there to len); its
 * RDLENGTH grows by the option. The caller kept chaos_nsid_room() bytes after len. A response
 * without OPT (len 0, or q without one) is returned unchanged. Returns the new length.
 */
size_t chaos_nsid_append(const chaos_t *c, const query_t *q, uint8_t *resp, size_t opt_end,
                         size_t len);

#endif
