/* SPDX-License-Identifier: MIT */
/* answer_msg.c -- one message in, one response out: the reader and the responder joined. */
#include "fleetdns/query.h"
#include "server/worker.h"

size_t worker_answer(const snapshot_t *snap, const uint8_t *msg, size_t len, uint8_t *out,
		     size_t outcap, bool tcp)
{
	query_t q;
	enum query_verdict v = query_parse(&q, msg, len);
	if (v == QUERY_DROP || !snap)
		return 0;
	size_t max = tcp ? 65535 : answer_udp_limit(snap, &q);
	if (max > outcap)
		max = outcap;
	return answer_respond(snap, &q, v, out, max);
}
