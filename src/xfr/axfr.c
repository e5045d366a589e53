/* SPDX-License-Identifier: MIT */
/* axfr.c -- answering transfer requests: access (ACL, TSIG), then AXFR (RFC 5936) or IXFR
 * (RFC 1995) as a stream of messages over TCP, or the SOA alone for IXFR over UDP.
 *
 * A response is a list of segments (one record, or a sorted record list) written in order
 * into as many messages as needed, each up to XFR_MSG_MAX bytes, names uncompressed. AXFR is
 * SOA, records, SOA. IXFR is the current SOA, then per journal entry the old SOA, deleted
 * records, the new SOA, added records, and the current SOA again; when the journal does not
 * reach back to the client's serial (or the differences would be larger than the zone) the
 * IXFR is answered with the whole zone, as RFC 1995 4 allows. With TSIG every message is
 * signed (RFC 8945 5.3.1). Refusals are logged with the client's address.
 */
#include <stdlib.h>
#include <string.h>

#include "fleetdns/error.h"
#include "util/log.h"
#include "wire/bytes.h"
#include "wire/name.h"
#include "xfr/xfr_internal.h"

/* What a transfer sends, in order: single records (SOAs), record sets (a journal entry's)
 * and a whole zone's records (walked part by part as they are sent). One of the three. */
typedef struct seg {
	const uint8_t *one;
	uint16_t one_len;
	const records_t *rrs;
	const xfr_zone_t *zone;
} seg_t;

struct xfr_stream {
	xfr_zone_t *zone; /* one reference, or NULL */
	uint16_t id;
	bool rd;
	uint8_t question[DNS_NAME_MAX + 4]; /* as the client wrote it */
	size_t qlen;
	seg_t *segs;
	size_t nsegs, seg;
	size_t off;           /* the next record's offset in the current record set */
	const records_t *cur; /* a zone segment's current set */
	size_t cursor;        /* ... and where the next one is (xfr__zone_records_next) */
	uint8_t *single;      /* a one-message response (refusals, errors, SOA only) */
	size_t single_len;
	const xfr_key_t *key; /* lives in zone's ACL */
	ldns_rdf *mac;        /* the MAC the next message's digest starts with */
	unsigned nmsg;
	enum xfr_result result;
};

static const char *type_name(uint16_t t)
{
	return t == TYPE_AXFR ? "AXFR" : "IXFR";
}

/* A response of one message (no records, or the SOA) built with ldns, signed when key. With
 * tsig_error, a TSIG error response: unsigned for BADKEY and BADSIG, signed with key for
 * BADTIME (RFC 8945 5.3.2, xfr__tsig_error_wire). */
static size_t single_response(ldns_pkt *req, uint8_t rcode, bool aa, const xfr_zone_t *soa_of,
                              const xfr_key_t *key, uint16_t tsig_error, uint8_t *out, size_t cap)
{
	ldns_pkt *p = ldns_pkt_new();
	size_t len = 0;
	if (!p)
		return 0;
	ldns_pkt_set_id(p, ldns_pkt_id(req));
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_opcode(p, ldns_pkt_get_opcode(req));
	ldns_pkt_set_rd(p, ldns_pkt_rd(req));
	ldns_pkt_set_aa(p, aa);
	ldns_pkt_set_rcode(p, rcode);
	if (ldns_pkt_edns(req)) /* OPT in the response iff the request had one (RFC 6891) */
		ldns_pkt_set_edns_udp_size(p, 1232);
	for (size_t i = 0; i < ldns_rr_list_rr_count(ldns_pkt_question(req)); i++) {
		ldns_rr *q = ldns_rr_clone(ldns_rr_list_rr(ldns_pkt_question(req), i));
		if (!q || !ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, q)) {
			ldns_rr_free(q);
			goto done;
		}
	}
	if (soa_of) {
		ldns_rr *soa = NULL;
		size_t pos = 0;
		if (ldns_wire2rr(&soa, soa_of->soa, soa_of->soa_len, &pos, LDNS_SECTION_ANSWER) !=
		        LDNS_STATUS_OK ||
		    !ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, soa)) {
			ldns_rr_free(soa);
			goto done;
		}
	}
	if (tsig_error) {
		len = xfr__tsig_error_wire(p, req, tsig_error, key, out, cap);
	} else {
		uint8_t *w = NULL;
		if (ldns_pkt2wire(&w, p, &len) != LDNS_STATUS_OK || len > cap)
			len = 0;
		else
			memcpy(out, w, len);
		free(w);
		ldns_rdf *mac = key ? ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(req), 3)) : NULL;
		if (len && key && (!mac || xfr__tsig_sign(key, out, &len, cap, &mac, false) < 0))
			len = 0;
		ldns_rdf_deep_free(mac);
	}
done:
	ldns_pkt_free(p);
	return len;
}

/* Header and question only, straight from the bytes (requests ldns cannot read). */
static size_t bare_response(const uint8_t *msg, size_t len, uint8_t rcode, const uint8_t *q,
                            size_t qlen, uint8_t *out)
{
	memset(out, 0, DNS_HEADER_LEN);
	if (len >= 2)
		memcpy(out, msg, 2);
	out[2] = (uint8_t)(0x80 | (len > 2 ? (msg[2] & 0x79) : 0));
	out[3] = rcode;
	if (qlen) {
		wire_wr16(out + 4, 1);
		memcpy(out + DNS_HEADER_LEN, q, qlen);
	}
	return DNS_HEADER_LEN + qlen;
}

/* Access to z for this request: 0 when allowed, else the RCODE; *tsig_error is set for TSIG
 * failures, *key to the key that signed the request (also for BADTIME: the MAC verified, and
 * the error response is signed with it, RFC 8945 5.2.3). Refusals are logged. */
static uint8_t access_check(const xfr_zone_t *z, ldns_pkt *req, const uint8_t *msg, size_t len,
                            const struct sockaddr *peer, uint16_t qtype, const xfr_key_t **key,
                            uint16_t *tsig_error)
{
	char who[80];
	const char *why;
	xfr__addr_text(peer, who, sizeof(who));
	*tsig_error = 0;
	enum xfr_tsig_result t = xfr__tsig_verify(z, req, msg, len, key);
	if (t == TSIG_FORMERR) {
		*key = NULL;
		log_warning("xfr: %s of %s from %s refused: TSIG record malformed",
		            type_name(qtype), z->name, who);
		return RCODE_FORMERR;
	}
	if (t == TSIG_BADKEY || t == TSIG_BADSIG || t == TSIG_BADTIME) {
		*tsig_error = (uint16_t)t;
		if (t != TSIG_BADTIME)
			*key = NULL;
		log_warning("xfr: %s of %s from %s refused: TSIG %s", type_name(qtype), z->name,
		            who,
		            t == TSIG_BADKEY   ? "key unknown (BADKEY)"
		            : t == TSIG_BADSIG ? "signature wrong (BADSIG)"
		                               : "time out of range (BADTIME)");
		return RCODE_NOTAUTH;
	}
	for (size_t i = 0; i < z->nacl; i++) {
		const xfr_acl_t *a = &z->acl[i];
		if (xfr__addr_match(peer, &a->addr, a->prefix) &&
		    (!a->key || (*key && ldns_dname_compare(a->key->dname, (*key)->dname) == 0)))
			return 0;
	}
	why = z->nacl == 0 ? "no allow-transfer for this zone"
	      : *key       ? "no allow-transfer entry matches this address and key"
	                   : "no allow-transfer entry matches this address without a key";
	log_warning("xfr: %s of %s from %s refused: %s", type_name(qtype), z->name, who, why);
	return RCODE_REFUSED;
}

static bool soa_serial(ldns_pkt *req, uint32_t *serial)
{
	ldns_rr_list *auth = ldns_pkt_authority(req);
	if (!auth || ldns_rr_list_rr_count(auth) < 1)
		return false;
	ldns_rr *soa = ldns_rr_list_rr(auth, 0);
	if (ldns_rr_get_type(soa) != LDNS_RR_TYPE_SOA || ldns_rr_rd_count(soa) < 7)
		return false;
	*serial = ldns_rdf2native_int32(ldns_rr_rdf(soa, 2));
	return true;
}

static void seg_next(xfr_stream_t *s)
{
	s->seg++;
	s->off = 0;
	s->cur = NULL;
	s->cursor = 0;
}

/* The record set the next record of segment g comes from, or NULL when g is done. */
static const records_t *seg_records(xfr_stream_t *s, const seg_t *g)
{
	if (g->rrs)
		return s->off < g->rrs->bytes ? g->rrs : NULL;
	while (!s->cur || s->off >= s->cur->bytes) {
		s->cur = xfr__zone_records_next(g->zone, &s->cursor);
		s->off = 0;
		if (!s->cur)
			return NULL;
	}
	return s->cur;
}

/* Segments of a full zone: SOA, records, SOA. */
static bool plan_axfr(xfr_stream_t *s, const xfr_zone_t *z)
{
	s->segs = calloc(3, sizeof(*s->segs));
	if (!s->segs)
		return false;
	s->segs[0] = (seg_t){.one = z->soa, .one_len = z->soa_len};
	s->segs[1] = (seg_t){.zone = z};
	s->segs[2] = s->segs[0];
	s->nsegs = 3;
	return true;
}

/* The journal entry that starts at serial, or z->ndiffs when there is none. */
static size_t journal_from(const xfr_zone_t *z, uint32_t serial)
{
	for (size_t i = 0; i < z->ndiffs; i++)
		if (z->diffs[i]->from == serial)
			return i;
	return z->ndiffs;
}

/* Segments of an incremental answer from diffs[first..]. */
static bool plan_ixfr(xfr_stream_t *s, const xfr_zone_t *z, size_t first)
{
	size_t n = 2 + 4 * (z->ndiffs - first);
	s->segs = calloc(n, sizeof(*s->segs));
	if (!s->segs)
		return false;
	s->segs[s->nsegs++] = (seg_t){.one = z->soa, .one_len = z->soa_len};
	for (size_t i = first; i < z->ndiffs; i++) {
		const xfr_diff_t *d = z->diffs[i];
		s->segs[s->nsegs++] = (seg_t){.one = d->old_soa, .one_len = d->old_soa_len};
		s->segs[s->nsegs++] = (seg_t){.rrs = &d->del};
		s->segs[s->nsegs++] = (seg_t){.one = d->new_soa, .one_len = d->new_soa_len};
		s->segs[s->nsegs++] = (seg_t){.rrs = &d->add};
	}
	s->segs[s->nsegs++] = (seg_t){.one = z->soa, .one_len = z->soa_len};
	return true;
}

/* Plan the transfer z -> client; false when out of memory. */
static bool plan(xfr_stream_t *s, const xfr_zone_t *z, uint16_t qtype, uint32_t client,
                 const struct sockaddr *peer)
{
	char who[80];
	xfr__addr_text(peer, who, sizeof(who));
	if (qtype == TYPE_AXFR) {
		log_info("xfr: AXFR of %s serial %u to %s", z->name, z->serial, who);
		s->result = XFR_RESULT_AXFR;
		return plan_axfr(s, z);
	}
	size_t first = journal_from(z, client);
	size_t bytes = 0;
	for (size_t i = first; i < z->ndiffs; i++)
		bytes += z->diffs[i]->bytes;
	if (first < z->ndiffs && bytes <= xfr__zone_record_bytes(z) + 2u * z->soa_len) {
		log_info("xfr: IXFR of %s %u -> %u to %s: incremental, %zu differences", z->name,
		         client, z->serial, who, z->ndiffs - first);
		s->result = XFR_RESULT_IXFR;
		return plan_ixfr(s, z, first);
	}
	log_info("xfr: IXFR of %s %u -> %u to %s: full zone (the journal %s)", z->name, client,
	         z->serial, who, first < z->ndiffs ? "is larger" : "does not reach back");
	s->result = XFR_RESULT_IXFR_FULL;
	return plan_axfr(s, z);
}

static bool set_single(xfr_stream_t *s, const uint8_t *buf, size_t len)
{
	s->single = malloc(len ? len : 1);
	if (!s->single)
		return false;
	memcpy(s->single, buf, len);
	s->single_len = len;
	return true;
}

/* What a one-message answer was, by its RCODE (NOERROR: an up-to-date IXFR's SOA). */
static enum xfr_result single_result(uint8_t rcode)
{
	switch (rcode) {
	case RCODE_NOERROR:
		return XFR_RESULT_UPTODATE;
	case RCODE_REFUSED:
		return XFR_RESULT_REFUSED;
	case RCODE_NOTAUTH:
		return XFR_RESULT_NOTAUTH;
	default:
		return XFR_RESULT_ERROR;
	}
}

enum xfr_result xfr_stream_result(const xfr_stream_t *s)
{
	return s->result;
}

xfr_stream_t *xfr_stream_open(const snapshot_t *snap, const uint8_t *msg, size_t len,
                              const struct sockaddr *peer)
{
	xfr_stream_t *s = calloc(1, sizeof(*s));
	uint8_t *buf = malloc(65535);
	query_t q;
	size_t n = 0;
	ldns_pkt *req = NULL;
	if (!s || !buf)
		goto fail;
	/* The question as the query path reads it (one that xfr_wanted() let through always
	 * reads): echoed as the client wrote it, its lowercased name finds the zone. */
	query_parse(&q, msg, len);
	if (!q.has_question) {
		n = bare_response(msg, len, RCODE_FORMERR, NULL, 0, buf);
		goto single;
	}
	s->qlen = q.question_end - DNS_HEADER_LEN;
	memcpy(s->question, msg + DNS_HEADER_LEN, s->qlen);
	uint16_t qtype = q.qtype;
	if (ldns_wire2pkt(&req, msg, len) != LDNS_STATUS_OK) {
		n = bare_response(msg, len, RCODE_FORMERR, s->question, s->qlen, buf);
		goto single;
	}
	const xfr_zone_t *z = xfr__set_find(snapshot_transfers(snap), q.qname, q.qname_len);
	if (!z || q.qclass != CLASS_IN) {
		n = single_response(req, RCODE_NOTAUTH, false, NULL, NULL, 0, buf, 65535);
		goto single;
	}
	uint16_t tsig_error;
	uint8_t rcode = access_check(z, req, msg, len, peer, qtype, &s->key, &tsig_error);
	uint32_t client = 0;
	if (rcode == 0 && qtype == TYPE_IXFR && !soa_serial(req, &client))
		rcode = RCODE_FORMERR;
	if (rcode != 0 || (qtype == TYPE_IXFR && !serial_gt(z->serial, client))) {
		/* a refusal, or an IXFR from a client that is up to date: one message */
		n = single_response(req, rcode, rcode == 0, rcode == 0 ? z : NULL, s->key,
		                    tsig_error, buf, 65535);
		goto single;
	}
	s->zone = (xfr_zone_t *)z;
	xfr__zone_ref(s->zone);
	s->id = ldns_pkt_id(req);
	s->rd = ldns_pkt_rd(req);
	if (s->key && !(s->mac = ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(req), 3))))
		goto fail;
	if (!plan(s, z, qtype, client, peer))
		goto fail;
	ldns_pkt_free(req);
	free(buf);
	return s;
single:
	if (n == 0)
		n = bare_response(msg, len, RCODE_SERVFAIL, s->question, s->qlen, buf);
	s->result = single_result(buf[3] & 0x0F);
	if (!set_single(s, buf, n))
		goto fail;
	ldns_pkt_free(req);
	free(buf);
	return s;
fail:
	ldns_pkt_free(req);
	free(buf);
	xfr_stream_free(s);
	return NULL;
}

size_t xfr_stream_next(xfr_stream_t *s, uint8_t *out, size_t cap)
{
	if (s->single) {
		size_t n = s->single_len <= cap ? s->single_len : 0;
		memcpy(out, s->single, n);
		free(s->single);
		s->single = NULL;
		s->nsegs = 0;
		return n;
	}
	if (s->seg >= s->nsegs)
		return 0;
	size_t limit = cap < XFR_MSG_MAX ? cap : XFR_MSG_MAX;
	wire_wr16(out, s->id);
	out[2] = (uint8_t)(0x80 | 0x04 | (s->rd ? 0x01 : 0)); /* QR, AA */
	out[3] = 0;
	wire_wr16(out + 4, 1);
	memset(out + 6, 0, 6);
	memcpy(out + DNS_HEADER_LEN, s->question, s->qlen);
	size_t pos = DNS_HEADER_LEN + s->qlen;
	uint16_t an = 0;
	while (s->seg < s->nsegs) {
		const seg_t *g = &s->segs[s->seg];
		const uint8_t *rr;
		uint16_t rlen;
		const records_t *r = g->one ? NULL : seg_records(s, g);
		if (g->one) {
			rr = g->one;
			rlen = g->one_len;
		} else if (r) {
			rr = r->blob + s->off;
			rlen = (uint16_t)records_len_at(r, s->off);
		} else {
			seg_next(s);
			continue;
		}
		if (pos + rlen > limit && an > 0)
			break;
		if (pos + rlen > limit) { /* cannot be: records are far smaller than a message */
			s->seg = s->nsegs;
			return 0;
		}
		memcpy(out + pos, rr, rlen);
		pos += rlen;
		an++;
		if (g->one)
			seg_next(s);
		else
			s->off += rlen;
	}
	wire_wr16(out + 6, an);
	if (s->key && xfr__tsig_sign(s->key, out, &pos, cap, &s->mac, s->nmsg > 0) < 0) {
		log_error("xfr: signing a transfer message of %s failed", s->zone->name);
		s->seg = s->nsegs;
		return 0;
	}
	s->nmsg++;
	return pos;
}

void xfr_stream_free(xfr_stream_t *s)
{
	if (!s)
		return;
	xfr__zone_unref(s->zone);
	free(s->segs);
	free(s->single);
	ldns_rdf_deep_free(s->mac);
	free(s);
}

size_t xfr_answer_udp(const snapshot_t *snap, const query_t *q, const struct sockaddr *peer,
                      uint8_t *out, size_t max)
{
	const uint8_t *question = q->msg + DNS_HEADER_LEN;
	size_t qlen = q->question_end - DNS_HEADER_LEN;
	const xfr_zone_t *z = xfr__set_find(snapshot_transfers(snap), q->qname, q->qname_len);
	if (q->qtype != TYPE_IXFR || !z || q->qclass != CLASS_IN)
		return answer_respond(snap, q, QUERY_OK, out, max); /* as any other query */
	ldns_pkt *req = NULL;
	if (ldns_wire2pkt(&req, q->msg, q->len) != LDNS_STATUS_OK)
		return bare_response(q->msg, q->len, RCODE_FORMERR, question, qlen, out);
	const xfr_key_t *key = NULL;
	uint16_t tsig_error = 0;
	uint32_t client;
	uint8_t rcode = access_check(z, req, q->msg, q->len, peer, TYPE_IXFR, &key, &tsig_error);
	if (rcode == 0 && !soa_serial(req, &client))
		rcode = RCODE_FORMERR;
	/* RFC 1995 2: the SOA alone tells the client to come back over TCP */
	size_t n = single_response(req, rcode, rcode == 0, rcode == 0 ? z : NULL, key, tsig_error,
	                           out, max);
	ldns_pkt_free(req);
	return n;
}

/* The zone of the set that q's name falls in (the closest enclosing apex), or NULL. */
static const xfr_zone_t *zone_enclosing(const xfr_set_t *set, const query_t *q)
{
	for (unsigned i = 0; i <= q->nlabels; i++) {
		unsigned off = i < q->nlabels ? q->label_off[i] : (unsigned)q->qname_len - 1;
		const xfr_zone_t *z = xfr__set_find(set, q->qname + off, q->qname_len - off);
		if (z)
			return z;
	}
	return NULL;
}

size_t xfr_answer_signed(const snapshot_t *snap, const query_t *q, const struct sockaddr *peer,
                         uint8_t *out, size_t max)
{
	ldns_pkt *req = NULL;
	const xfr_key_t *key = NULL;
	size_t n = 0;
	const uint8_t *question = q->msg + DNS_HEADER_LEN;
	size_t qlen = q->question_end - DNS_HEADER_LEN;
	if (ldns_wire2pkt(&req, q->msg, q->len) != LDNS_STATUS_OK)
		return bare_response(q->msg, q->len, RCODE_FORMERR, question, qlen, out);
	const xfr_zone_t *z = zone_enclosing(snapshot_transfers(snap), q);
	enum xfr_tsig_result t = xfr__tsig_verify(z, req, q->msg, q->len, &key);
	if (t != TSIG_OK) {
		char who[80];
		xfr__addr_text(peer, who, sizeof(who));
		log_warning("xfr: signed query from %s refused: TSIG %s", who,
		            t == TSIG_FORMERR   ? "malformed"
		            : t == TSIG_BADSIG  ? "BADSIG"
		            : t == TSIG_BADTIME ? "BADTIME"
		                                : "BADKEY");
		if (t == TSIG_FORMERR) /* RFC 8945 5.2: FORMERR, no TSIG in the response */
			n = single_response(req, RCODE_FORMERR, false, NULL, NULL, 0, out, max);
		else if (t == TSIG_BADTIME) /* RFC 8945 5.2.3: signed with the request's key */
			n = single_response(req, RCODE_NOTAUTH, false, NULL, key, TSIG_BADTIME, out,
			                    max);
		else /* RFC 8945 5.3.2: errors of the key or the MAC are unsigned */
			n = single_response(req, RCODE_NOTAUTH, false, NULL, NULL,
			                    t == TSIG_BADSIG ? TSIG_BADSIG : TSIG_BADKEY, out, max);
		ldns_pkt_free(req);
		return n;
	}
	/* The answer as for an unsigned query, with room kept for the TSIG record. */
	size_t room = max > 600 ? max - 200 : max;
	n = answer_respond(snap, q, QUERY_OK, out, room);
	ldns_rdf *mac = ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(req), 3));
	if (n && (!mac || xfr__tsig_sign(key, out, &n, max, &mac, false) < 0))
		n = 0;
	ldns_rdf_deep_free(mac);
	ldns_pkt_free(req);
	return n;
}
