/* SPDX-License-Identifier: MIT */
/* answer_msg.c -- one message in, one response out: the reader and the responder joined. */
#include "fleetdns/query.h"
#include "server/worker.h"
#include "xfr/xfr.h"

size_t worker_answer(const snapshot_t *snap, const uint8_t *msg, size_t len, uint8_t *out,
                     size_t outcap, bool tcp, const struct sockaddr *peer)
{
	query_t q;
	enum query_verdict v = query_parse(&q, msg, len);
	if (v == QUERY_DROP || !snap)
		return 0;
	q.tcp = tcp;
	size_t max = tcp ? 65535 : answer_udp_limit(snap, &q);
	if (max > outcap)
		max = outcap;
	/* IXFR over UDP (TCP transfers never get here): off the hot path, in src/xfr. AXFR over
	 * UDP is REFUSED by answer_respond (RFC 5936 4.2: TCP only). */
	if (v == QUERY_OK && !tcp && peer && q.qtype == TYPE_IXFR)
		return xfr_answer_udp(snap, &q, peer, out, max);
	if (v == QUERY_OK && q.has_tsig && peer) /* signed queries: SOA checks of secondaries */
		return xfr_answer_signed(snap, &q, peer, out, max);
	return answer_respond(snap, &q, v, out, max);
}
