/* SPDX-License-Identifier: MIT */
/* answer_msg.c -- the dispatcher: one message in, one response (or a transfer) out, for UDP
 * and TCP alike. The reader and the responder joined, with what depends on the client's
 * address (transfers, TSIG, cookies) and what the server says about itself (CHAOS TXT,
 * NSID: src/answer/chaos.c). */
#include <time.h>

#include "fleetdns/query.h"
#include "server/ecs.h"
#include "server/worker.h"
#include "xfr/xfr.h"

/* CHAOS questions from the server's prepared texts, the rest from the zones. */
static size_t respond(const worker_t *w, const snapshot_t *snap, const query_t *q,
                      enum query_verdict v, exchange_t *x, size_t max, answer_meta_t *meta)
{
	*meta = (answer_meta_t){0};
	if (v == QUERY_OK && q->qclass == CLASS_CH)
		return chaos_respond(w ? w->chaos : NULL, snap, q, x->out, max);
	size_t n = answer_respond_zone(snap, q, v, x->out, max, meta);
	x->zone_slot = meta->zone_slot;
	return n;
}

size_t worker_answer(const worker_t *w, const snapshot_t *snap, exchange_t *x)
{
	query_t q;
	x->cookie_valid = false;
	x->zone_slot = 0;
	x->stream = NULL;
	enum query_verdict v = query_parse(&q, x->msg, x->len);
	if (v == QUERY_DROP || !snap)
		return 0;
	q.tcp = x->tcp;
	q.peer = x->peer;
	/* Transfers, off the hot path, in src/xfr: over TCP a stream of messages (one that
	 * cannot be opened, out of memory, is answered as below: REFUSED); IXFR over UDP gets
	 * the SOA alone (RFC 1995 2); AXFR over UDP is REFUSED by answer_respond (RFC 5936 4.2:
	 * TCP only). A malformed request (a TSIG not last, a bad OPT) is FORMERR below. */
	bool transfer = v == QUERY_OK && x->peer && (q.qtype == TYPE_AXFR || q.qtype == TYPE_IXFR);
	if (transfer && x->tcp && (x->stream = xfr_stream_open(snap, x->msg, x->len, x->peer)))
		return 0;
	size_t max = x->tcp ? 65535 : answer_udp_limit(snap, &q);
	if (max > x->outcap)
		max = x->outcap;
	if (transfer && !x->tcp && q.qtype == TYPE_IXFR)
		return xfr_answer_udp(snap, &q, x->peer, x->out, max);
	if (v == QUERY_OK && q.has_tsig && x->peer) /* signed queries: SOA checks of secondaries */
		return xfr_answer_signed(snap, &q, x->peer, x->out, max);
	/* The OPT's options, each with its room kept first: ECS (RFC 7871 7.2.1: echoed, with the
	 * scope the answer holds for), the server cookie (RFC 7873 5.2: a query with a COOKIE
	 * gets a fresh one), NSID last (RFC 5001). None is usual: nothing is called then. */
	const chaos_t *ch = w ? w->chaos : NULL;
	bool ecs = v == QUERY_OK && q.has_ecs && q.edns_version == 0;
	bool cookie = q.cookie && w && x->peer;
	size_t nsid = q.nsid ? chaos_nsid_room(ch, &q) : 0;
	size_t room = nsid + (ecs ? ecs_option_len(&q) : 0) + (cookie ? COOKIE_OPTION_LEN : 0);
	uint32_t now = 0;
	if (cookie) {
		now = (uint32_t)time(NULL);
		x->cookie_valid = cookie_valid(&q, x->peer, w->cookie_secret, now);
	}
	answer_meta_t meta;
	size_t n = respond(w, snap, &q, v, x, max - room, &meta);
	if (!room || !n || !q.has_opt)
		return n;
	size_t m = ecs ? ecs_append(x->out, n, n, &q, meta.ecs_scope) : n;
	m = cookie ? cookie_append(x->out, n, m, &q, x->peer, w->cookie_secret, now) : m;
	return nsid ? chaos_nsid_append(ch, &q, x->out, n, m) : m;
}
