/* SPDX-License-Identifier: MIT */
/* worker.h -- one serving thread: a libuv loop, its sockets and its buffers. */
#ifndef FDNS_SERVER_WORKER_H
#define FDNS_SERVER_WORKER_H

#include <stdbool.h>
#include <uv.h>

#include "answer/chaos.h"
#include "fleetdns/answer.h"
#include "fleetdns/conf.h"
#include "fleetdns/server.h"
#include "server/cookie.h"
#include "server/rrl.h"

#define UDP_BATCH    64
#define UDP_RX_SIZE  4096
#define UDP_TX_SIZE  4096
#define TCP_MSG_MAX  65535
#define TCP_OUT_SIZE (2 + TCP_MSG_MAX)

typedef struct server server_t;
typedef struct worker worker_t;
typedef struct tcp_conn tcp_conn_t;

typedef struct udp_sock {
	uv_poll_t poll;
	int fd;
	bool pktinfo; /* bound to a wildcard address: reply from the query's destination */
	worker_t *w;
} udp_sock_t;

typedef struct tcp_listener {
	uv_tcp_t handle;
	int fd;
	worker_t *w;
} tcp_listener_t;

struct worker {
	server_t *srv;
	unsigned id;
	uv_loop_t loop;
	uv_async_t stop;
	uv_thread_t thread;
	size_t nudp, ntcp;
	udp_sock_t *udp;
	tcp_listener_t *tcp;
	/* Open TCP connections, least recently active first (the first to yield when all
	 * slots are taken). */
	tcp_conn_t *conns, *conns_last;
	unsigned nconns;
	unsigned max_conns, max_per_client, idle_ms, io_ms, max_queries;
	uint8_t *tcp_out; /* one TCP answer (length prefix first), allocated once */
	rrl_t rrl;
	server_stats_t stats; /* written by this worker only, through util/counter.h */
	uint8_t cookie_secret[COOKIE_SECRET_LEN]; /* the server's, the same in every worker */
	const chaos_t *chaos; /* CHAOS TXT and NSID, the server's (made at start, never changed) */
	/* UDP batch buffers, allocated once. */
	struct mmsghdr rx_msgs[UDP_BATCH], tx_msgs[UDP_BATCH];
	const udp_sock_t *rx_for; /* the socket rx_msgs are ready for (NULL: none yet) */
	int rx_used;              /* headers the last recvmmsg() filled: to be set again */
	struct iovec rx_iov[UDP_BATCH], tx_iov[UDP_BATCH];
	struct sockaddr_storage addrs[UDP_BATCH];
	uint8_t rx_ctl[UDP_BATCH][64], tx_ctl[UDP_BATCH][64];
	uint8_t rx_buf[UDP_BATCH][UDP_RX_SIZE];
	uint8_t tx_buf[UDP_BATCH][UDP_TX_SIZE];
};

/** One query and its response, as a transport hands them to worker_answer(). */
typedef struct exchange {
	const uint8_t *msg; /* the query as received (the transport's buffer) */
	size_t len;
	const struct sockaddr *peer; /* the client; NULL (tests): no transfers, no cookies */
	bool tcp;
	uint8_t *out; /* the response, at most outcap bytes */
	size_t outcap;
	bool cookie_valid;  /* set: the query brought back a server cookie we made for it */
	uint16_t zone_slot; /* set: the zone that answered (answer_respond_zone), 0: none */
	/* Set over TCP for an AXFR or IXFR: the transfer to send instead of one response
	 * (xfr_stream_next() until done), owned by the caller (xfr_stream_free()). */
	struct xfr_stream *stream;
} exchange_t;

/** The one dispatcher every transport calls: reads x->msg once (query_parse) and sends it
 * to the responder (answers, CHAOS, NSID, ECS, cookies), the transfer code (AXFR and IXFR
 * over TCP: x->stream; IXFR over UDP; TSIG-signed queries) or an error answer. Returns the
 * response length in x->out (0: no response, or x->stream set). w gives the cookie secret
 * and the CHAOS/NSID answers; NULL answers without cookies, CHAOS or NSID. Transports only
 * move bytes and count. */
size_t worker_answer(const worker_t *w, const snapshot_t *snap, exchange_t *x);

int worker_udp_start(worker_t *w, udp_sock_t *u);
int worker_tcp_start(worker_t *w, tcp_listener_t *l);
void worker_tcp_close_all(worker_t *w);

#endif
