/* SPDX-License-Identifier: MIT */
/* udp.c -- UDP serving: readiness from uv_poll, then batches of recvmmsg/sendmmsg.
 *
 * Buffers live in the worker and are reused for every batch. On wildcard addresses the
 * destination address of each query (IP_PKTINFO / IPV6_PKTINFO) is sent back as the
 * source of the reply (RFC 2181 4).
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <urcu.h>

#include "server/worker.h"
#include "util/counter.h"
#include "util/log.h"

#define UDP_BATCHES_PER_WAKEUP 8

/* Turn a received control message into the one that sets the reply's source. */
static size_t reply_control(struct msghdr *rx, uint8_t *ctl, size_t ctlcap)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(rx); c; c = CMSG_NXTHDR(rx, c)) {
		struct msghdr tmp = {.msg_control = ctl, .msg_controllen = ctlcap};
		struct cmsghdr *o = CMSG_FIRSTHDR(&tmp);
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			pi.ipi_spec_dst = pi.ipi_addr;
			pi.ipi_ifindex = 0;
			o->cmsg_level = IPPROTO_IP;
			o->cmsg_type = IP_PKTINFO;
			o->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(o), &pi, sizeof(pi));
			return CMSG_SPACE(sizeof(pi));
		}
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			pi.ipi6_ifindex = 0;
			o->cmsg_level = IPPROTO_IPV6;
			o->cmsg_type = IPV6_PKTINFO;
			o->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(o), &pi, sizeof(pi));
			return CMSG_SPACE(sizeof(pi));
		}
	}
	return 0;
}

/* Make the receive headers ready for u. recvmmsg() changes only the headers it fills (their
 * lengths and flags), so after a batch for the same socket only those are set again: at low
 * load a batch is one query, and resetting all 64 headers cost a fifth of its instructions. */
static void udp_prepare_rx(worker_t *w, const udp_sock_t *u)
{
	int count = w->rx_for == u ? w->rx_used : UDP_BATCH;
	w->rx_for = u;
	w->rx_used = 0;
	for (int i = 0; i < count; i++) {
		w->rx_iov[i] = (struct iovec){w->rx_buf[i], UDP_RX_SIZE};
		struct msghdr *h = &w->rx_msgs[i].msg_hdr;
		*h = (struct msghdr){
		    .msg_name = &w->addrs[i],
		    .msg_namelen = sizeof(w->addrs[i]),
		    .msg_iov = &w->rx_iov[i],
		    .msg_iovlen = 1,
		    .msg_control = u->pktinfo ? w->rx_ctl[i] : NULL,
		    .msg_controllen = u->pktinfo ? sizeof(w->rx_ctl[i]) : 0,
		};
	}
}

/* Receive one batch and answer it. Returns the number of messages received. */
static int udp_batch(worker_t *w, udp_sock_t *u)
{
	udp_prepare_rx(w, u);
	int n = recvmmsg(u->fd, w->rx_msgs, UDP_BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0)
		return 0;
	w->rx_used = n;
	int out = 0;
	uint64_t now_ms = uv_now(&w->loop); /* the loop's clock: no system call per query */
	rcu_read_lock();
	const snapshot_t *snap = server_snapshot(w->srv);
	for (int i = 0; i < n; i++) {
		struct msghdr *rx = &w->rx_msgs[i].msg_hdr;
		if (rx->msg_flags & MSG_TRUNC)
			continue; /* larger than any query we accept */
		exchange_t x = {.msg = w->rx_buf[i],
		                .len = w->rx_msgs[i].msg_len,
		                .peer = (const struct sockaddr *)rx->msg_name,
		                .out = w->tx_buf[out],
		                .outcap = UDP_TX_SIZE};
		size_t len = worker_answer(w, snap, &x);
		counter_add(&w->stats.queries_udp, 1);
		if (len == 0) {
			counter_add(&w->stats.no_response, 1);
			continue;
		}
		counter_add(&w->stats.cookies_valid, x.cookie_valid);
		/* A valid server cookie proves the address: never limited (RFC 7873 5.3). */
		switch (x.cookie_valid
		            ? RRL_SEND
		            : rrl_check(&w->rrl, rx->msg_name, w->tx_buf[out], len, now_ms)) {
		case RRL_DROP:
			continue;
		case RRL_SLIP:
			len = rrl_slip(w->tx_buf[out], len);
			break;
		case RRL_SEND:
			break;
		}
		counter_add(&w->stats.responses[w->tx_buf[out][3] & 0x0F], 1);
		counter_add(&w->stats.zone_responses[x.zone_slot][w->tx_buf[out][3] & 0x0F], 1);
		counter_add(&w->stats.truncated, (w->tx_buf[out][2] & 0x02) != 0);
		w->tx_iov[out] = (struct iovec){w->tx_buf[out], len};
		struct msghdr *tx = &w->tx_msgs[out].msg_hdr;
		*tx = (struct msghdr){
		    .msg_name = rx->msg_name,
		    .msg_namelen = rx->msg_namelen,
		    .msg_iov = &w->tx_iov[out],
		    .msg_iovlen = 1,
		};
		if (u->pktinfo) {
			tx->msg_control = w->tx_ctl[out];
			tx->msg_controllen =
			    reply_control(rx, w->tx_ctl[out], sizeof(w->tx_ctl[out]));
			if (tx->msg_controllen == 0)
				tx->msg_control = NULL;
		}
		out++;
	}
	rcu_read_unlock();
	for (int sent = 0; sent < out;) {
		int r = sendmmsg(u->fd, w->tx_msgs + sent, (unsigned)(out - sent), MSG_DONTWAIT);
		if (r <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			break; /* socket buffer full: UDP may drop, the client retries */
		}
		sent += r;
	}
	return n;
}

static void udp_on_readable(uv_poll_t *handle, int status, int events)
{
	udp_sock_t *u = handle->data;
	if (status < 0) {
		log_warning("udp socket: %s", uv_strerror(status));
		return;
	}
	/* Keep reading until the socket is empty (or for a few batches, to let TCP in):
	 * under load this saves a wakeup per batch, idle it costs one EAGAIN. */
	for (int i = 0; i < UDP_BATCHES_PER_WAKEUP; i++)
		if (udp_batch(u->w, u) == 0)
			break;
}

int worker_udp_start(worker_t *w, udp_sock_t *u)
{
	u->w = w;
	int r = uv_poll_init_socket(&w->loop, &u->poll, u->fd);
	if (r < 0)
		return r;
	u->poll.data = u;
	return uv_poll_start(&u->poll, UV_READABLE, udp_on_readable);
}
