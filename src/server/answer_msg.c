/* SPDX-License-Identifier: MIT */
/* answer_msg.c -- one message in, one response out: the reader and the responder joined,
 * with what depends on the client's address (transfers, TSIG, cookies). */
#include <time.h>

#include "fleetdns/query.h"
#include "server/worker.h"
#include "xfr/xfr.h"

size_t worker_answer(const worker_t *w, const snapshot_t *snap, exchange_t *x)
{
	query_t q;
	x->cookie_valid = false;
	x->zone_slot = 0;
	enum query_verdict v = query_parse(&q, x->msg, x->len);
	if (v == QUERY_DROP || !snap)
		return 0;
	q.tcp = x->tcp;
	size_t max = x->tcp ? 65535 : answer_udp_limit(snap, &q);
	if (max > x->outcap)
		max = x->outcap;
	/* IXFR over UDP (TCP transfers never get here): off the hot path, in src/xfr. AXFR over
	 * UDP is REFUSED by answer_respond (RFC 5936 4.2: TCP only). */
	if (v == QUERY_OK && !x->tcp && x->peer && q.qtype == TYPE_IXFR)
		return xfr_answer_udp(snap, &q, x->peer, x->out, max);
	if (v == QUERY_OK && q.has_tsig && x->peer) /* signed queries: SOA checks of secondaries */
		return xfr_answer_signed(snap, &q, x->peer, x->out, max);
	if (!q.cookie || !w || !x->peer)
		return answer_respond_zone(snap, &q, v, x->out, max, &x->zone_slot);
	/* RFC 7873 5.2: a query with a COOKIE gets a fresh server cookie in its answer. */
	uint32_t now = (uint32_t)time(NULL);
	x->cookie_valid = cookie_valid(&q, x->peer, w->cookie_secret, now);
	size_t n = answer_respond_zone(snap, &q, v, x->out, max - COOKIE_OPTION_LEN, &x->zone_slot);
	return n && q.has_opt ? cookie_append(x->out, n, &q, x->peer, w->cookie_secret, now) : n;
}
