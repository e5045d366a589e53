/* SPDX-License-Identifier: MIT */
/* server.h -- the serving side: worker threads, each with its own libuv loop and its own
 * SO_REUSEPORT UDP and TCP sockets, answering from the current snapshot.
 *
 * The snapshot is published by pointer swap (userspace RCU); the old one is freed once no
 * worker can still be reading it. Workers never wait for loading or reloading.
 */
#ifndef FLEETDNS_SERVER_H
#define FLEETDNS_SERVER_H

#include <stddef.h>

#include "fleetdns/answer.h"
#include "fleetdns/conf.h"

typedef struct server server_t;

/** What the serving side did, summed over the workers by server_stats_read(). */
/** What a transfer request over TCP got (src/xfr: xfr_stream_result). */
enum xfr_result {
	XFR_RESULT_AXFR,      /* the whole zone, asked for with AXFR */
	XFR_RESULT_IXFR,      /* the differences since the client's serial */
	XFR_RESULT_IXFR_FULL, /* IXFR answered with the whole zone (RFC 1995 4) */
	XFR_RESULT_UPTODATE,  /* IXFR from a client that has the current serial: the SOA */
	XFR_RESULT_REFUSED,   /* not allowed by allow-transfer */
	XFR_RESULT_NOTAUTH,   /* TSIG failed (RFC 8945 5.2), or not a zone served here */
	XFR_RESULT_ERROR,     /* malformed (FORMERR) or failed (SERVFAIL) */
	XFR_RESULTS
};

/** Per-zone counters: one row per zone slot (src/answer/zone_slot.h). */
#define SERVER_ZONE_SLOTS 256

typedef struct server_stats {
	uint64_t queries_udp, queries_tcp; /* messages received */
	uint64_t responses[16];            /* responses sent, by RCODE (the header's 4 bits) */
	uint64_t no_response;              /* messages left unanswered (QR set, too short...) */
	uint64_t truncated;                /* UDP responses with TC set (rate limiting's too) */
	uint64_t tcp_accepted, tcp_refused, tcp_evicted, tcp_timed_out;
	uint64_t tcp_open;                       /* connections open now */
	uint64_t rrl_dropped[5], rrl_slipped[5]; /* by class, as enum rrl_class */
	uint64_t cookies_valid;                  /* queries proven by a server cookie */
	/* Responses by zone slot (src/answer/zone_slot.h) and RCODE; slot 0: no zone. */
	uint64_t zone_responses[SERVER_ZONE_SLOTS][16];
	uint64_t xfr[XFR_RESULTS]; /* TCP transfer requests, by enum xfr_result */
} server_stats_t;

/** Bind every listen address of conf (UDP and TCP) and start the workers, which answer
 * REFUSED until a snapshot is published. Returns 0 or FDNS_EADDR/FDNS_EIO with err set. */
int server_start(server_t **out, const conf_t *conf, char *err, size_t errlen);

/** Make snap the data every worker answers from; the server owns it from now on. */
void server_publish(server_t *srv, snapshot_t *snap);

/** The current snapshot, NULL before the first publish. Workers call it between
 * rcu_read_lock() and rcu_read_unlock(); the publishing thread may use it until its next
 * server_publish(), as only that replaces it. */
const snapshot_t *server_snapshot(server_t *srv);

/** The workers' counters summed into out. Any thread, any time: each counter is written by
 * its worker alone and read without a lock (src/util/counter.h). */
void server_stats_read(server_t *srv, server_stats_t *out);

/** Stop the workers, close the sockets, free everything. */
void server_stop(server_t *srv);

#endif
