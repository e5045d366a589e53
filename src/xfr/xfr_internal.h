/* SPDX-License-Identifier: MIT */
/* xfr_internal.h -- what the files of src/xfr share: the immutable per-zone transfer data,
 * keys, ACLs and the TSIG helpers.
 *
 * Ownership: an xfr_zone_t is reference counted (atomically: workers drop their reference
 * when a transfer ends). It owns its records, SOA, ACL (with copies of the keys it names)
 * and one reference to each journal entry (xfr_diff_t, also reference counted, shared by the
 * successive versions of the zone). Nothing in a published xfr_zone_t changes again.
 */
#ifndef FDNS_XFR_INTERNAL_H
#define FDNS_XFR_INTERNAL_H

#include <ldns/ldns.h>

#include "answer/version.h"
#include "xfr/xfr.h"
#include "zone/records.h"

#define XFR_TSIG_FUDGE 300
/* Journal bound per zone: the oldest differences go first. */
#define XFR_JOURNAL_MAX_BYTES (1024 * 1024)
#define XFR_JOURNAL_MAX_DIFFS 1000
/* Room left in every message for a TSIG record. */
#define XFR_MSG_MAX (65535 - 512)

typedef struct xfr_key {
	char *name;      /* absolute, as configured ("xfr.") */
	char *algorithm; /* ldns form: "hmac-sha256." */
	char *secret;    /* base64 */
	ldns_rdf *dname; /* canonical name, for comparisons */
	ldns_rdf *alg;   /* canonical algorithm name */
} xfr_key_t;

typedef struct xfr_acl {
	struct sockaddr_storage addr;
	unsigned prefix;
	xfr_key_t *key; /* owned copy; NULL: no key required */
} xfr_acl_t;

/** The differences from one serial to the next (RFC 1995 4), SOA records excluded. */
typedef struct xfr_diff {
	unsigned refs;
	uint32_t from, to;
	uint8_t *old_soa, *new_soa;
	uint16_t old_soa_len, new_soa_len;
	records_t del, add; /* each sorted part by part (records_append_missing) */
	size_t bytes;
} xfr_diff_t;

struct xfr_zone {
	unsigned refs;
	bool chained;               /* its journal has been joined to the previous version's */
	char *name;                 /* for logs */
	uint8_t apex[DNS_NAME_MAX]; /* lowercased wire */
	uint8_t apex_len;
	uint32_t serial;
	uint8_t *soa;
	uint16_t soa_len;
	/* Its records, SOA apart: a dynamic zone's are in its compiled version's parts (one
	 * reference; answers and transfers share them); a file's are its own (rrs). */
	ans_zone_t *version;
	records_t rrs;
	xfr_diff_t **diffs; /* oldest first; the last one ends at serial */
	size_t ndiffs;
	xfr_acl_t *acl;
	size_t nacl;
};

struct xfr_set {
	size_t n;
	xfr_zone_t **zones; /* one reference each */
};

/* zone.c */
/** The transfer data of a compiled zone version, with the ACL of its entry in conf. Takes
 * over the caller's reference on version, except on failure: NULL when out of memory or
 * when the version has no SOA in wire form. */
xfr_zone_t *xfr__zone_of_version(ans_zone_t *version, const conf_t *conf);
/** z's records, SOA apart, a set at a time; *cursor starts at 0; NULL after the last. */
const records_t *xfr__zone_records_next(const xfr_zone_t *z, size_t *cursor);
/** Their bytes: the size of an AXFR, SOAs apart. */
size_t xfr__zone_record_bytes(const xfr_zone_t *z);
xfr_zone_t *xfr__zone_build(const zone_data_t *zd, const conf_zone_t *cz, const conf_t *conf);
/** The same, with the ACL of zd's entry in conf (none when conf has no such zone). */
xfr_zone_t *xfr__zone_build_conf(const zone_data_t *zd, const conf_t *conf);
void xfr__zone_ref(xfr_zone_t *z);
void xfr__zone_unref(xfr_zone_t *z);
const xfr_zone_t *xfr__set_find(const xfr_set_t *set, const uint8_t *apex, size_t len);
/** A copy of conf's key named name (NULL when out of memory or unknown). */
xfr_key_t *xfr__key_new(const conf_t *conf, const char *name);
/** conf's keys sorted by name, for xfr__key_new_indexed (malloc'ed; NULL: out of memory). */
const conf_key_t **xfr__keys_index(const conf_t *conf);
/** xfr__key_new, finding the key through order (from xfr__keys_index) first. */
xfr_key_t *xfr__key_new_indexed(const conf_t *conf, const conf_key_t **order, const char *name);
void xfr__key_free(xfr_key_t *k);
bool serial_gt(uint32_t a, uint32_t b); /* RFC 1982 */

/* ixfr/journal.c */
/** Join z's journal to prev's (prev: the version published before, same apex; may be NULL),
 * adding the difference prev -> z when z's serial is newer. Returns 0 or FDNS_ENOMEM. */
int xfr__journal_chain(xfr_zone_t *z, const xfr_zone_t *prev);
void xfr__diff_unref(xfr_diff_t *d);

/* acl.c */
bool xfr__addr_match(const struct sockaddr *peer, const struct sockaddr_storage *net,
                     unsigned prefix);
/** Text of peer ("192.0.2.1#53"), for logs. */
void xfr__addr_text(const struct sockaddr *peer, char *buf, size_t len);

/* tsig.c */
enum xfr_tsig_result {
	TSIG_NONE = 0, /* the request is not signed */
	TSIG_OK,
	TSIG_BADKEY = 17,
	TSIG_BADSIG = 16,
	TSIG_BADTIME = 18,
	TSIG_FORMERR = 0x1001, /* not a TSIG error code: the TSIG record cannot be read */
};
/** Check the TSIG of request (its wire form: wire, len) against z's keys (z NULL: no keys,
 * so a readable TSIG is BADKEY). *key is the key used: for TSIG_OK, and for TSIG_BADTIME
 * (the MAC verified; the error response is signed with it), else NULL. */
enum xfr_tsig_result xfr__tsig_verify(const xfr_zone_t *z, ldns_pkt *request, const uint8_t *wire,
                                      size_t len, const xfr_key_t **key);
/** Sign msg (wire, *len bytes, capacity cap) in place. prev_mac: the request's MAC for the
 * first message, then the last message's; replaced by this message's MAC. Returns 0 or
 * FDNS_E*. */
int xfr__tsig_sign(const xfr_key_t *key, uint8_t *msg, size_t *len, size_t cap, ldns_rdf **prev_mac,
                   bool timers_only);
/** pkt's wire form into out (cap bytes), with a TSIG record carrying error when request had
 * one, and RCODE as set in pkt (NOTAUTH). The record keeps the request's algorithm, Time
 * Signed, Fudge and Original ID. RFC 8945 5.3.2: for an error of the key or the MAC (BADKEY,
 * BADSIG) it is unsigned (MAC size 0) and key is ignored; for BADTIME with key (the key the
 * request was signed with, whose MAC verified) it is signed like a first response, over the
 * request's MAC, with the server's time in Other Data (5.2.3). Returns the length or 0. */
size_t xfr__tsig_error_wire(ldns_pkt *pkt, const ldns_pkt *request, uint16_t error,
                            const xfr_key_t *key, uint8_t *out, size_t cap);
/** HMAC (RFC 2104) of data (len bytes) with secret, for algorithm ("hmac-sha256.": ldns form,
 * any case; hmac-sha1, -sha256, -sha384, -sha512), into mac (room for EVP_MAX_MD_SIZE). Returns the
 * length of the MAC, FDNS_EINVAL for another algorithm or FDNS_ENOMEM. */
int xfr__hmac(const char *algorithm, const uint8_t *secret, size_t secret_len, const uint8_t *data,
              size_t len, uint8_t *mac);

#endif
