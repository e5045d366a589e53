/* SPDX-License-Identifier: MIT */
/* tcp.c -- DNS over TCP (RFC 7766): length-prefixed messages, pipelining, limits.
 *
 * Each connection has one read and one write buffer, allocated when it is accepted. All
 * complete queries in the read buffer are answered into the write buffer and sent with
 * one uv_write (length prefix and message together); reading pauses until that write is
 * done, so a client that does not read its answers cannot make us buffer without bound.
 * An idle timer closes connections that send nothing, or do not take their answers.
 */
#include <stdlib.h>
#include <string.h>
#include <urcu.h>

#include "server/worker.h"
#include "util/log.h"
#include "xfr/xfr.h"

#define TCP_MSG_MAX 65535
#define TCP_RBUF    (2 + TCP_MSG_MAX)
#define TCP_WBUF    (4 * (2 + TCP_MSG_MAX))

struct tcp_conn {
	uv_tcp_t handle;
	uv_timer_t idle;
	uv_write_t wreq;
	worker_t *w;
	tcp_conn_t *prev, *next;
	xfr_stream_t *xfr; /* a zone transfer being sent, before any later query is answered */
	struct sockaddr_storage peer;
	int closing_handles; /* close callbacks still to come */
	bool writing, eof;
	size_t rlen, wlen;
	uint8_t rbuf[TCP_RBUF];
	uint8_t wbuf[TCP_WBUF];
};

static void conn_freed(uv_handle_t *h)
{
	tcp_conn_t *c = h->data;
	if (--c->closing_handles == 0) {
		xfr_stream_free(c->xfr);
		free(c);
	}
}

static void conn_close(tcp_conn_t *c)
{
	if (c->closing_handles)
		return;
	worker_t *w = c->w;
	if (c->prev)
		c->prev->next = c->next;
	else
		w->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	w->nconns--;
	c->closing_handles = 2;
	uv_close((uv_handle_t *)&c->handle, conn_freed);
	uv_close((uv_handle_t *)&c->idle, conn_freed);
}

static void conn_on_idle(uv_timer_t *t)
{
	conn_close(t->data);
}

static void conn_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	tcp_conn_t *c = h->data;
	*buf = uv_buf_init((char *)c->rbuf + c->rlen, (unsigned)(TCP_RBUF - c->rlen));
}

static void conn_on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf);
static void conn_process(tcp_conn_t *c);

static void conn_on_written(uv_write_t *req, int status)
{
	tcp_conn_t *c = req->data;
	c->writing = false;
	c->wlen = 0;
	if (status < 0 || c->closing_handles) {
		conn_close(c);
		return;
	}
	uv_timer_again(&c->idle); /* the client takes its answers: a long transfer is not idle */
	conn_process(c);          /* queries that waited for buffer space */
	if (c->writing || c->closing_handles)
		return;
	if (c->eof) {
		conn_close(c);
		return;
	}
	uv_read_start((uv_stream_t *)&c->handle, conn_alloc, conn_on_read);
}

/* Answer every complete query buffered, then send. */
static void conn_process(tcp_conn_t *c)
{
	size_t pos = 0;
	rcu_read_lock();
	const snapshot_t *snap = server_snapshot(c->w->srv);
	while (TCP_WBUF - c->wlen >= 2 + TCP_MSG_MAX) {
		size_t out;
		if (c->xfr) { /* a transfer goes on until it is complete */
			out = xfr_stream_next(c->xfr, c->wbuf + c->wlen + 2, TCP_MSG_MAX);
			if (out == 0) {
				xfr_stream_free(c->xfr);
				c->xfr = NULL;
				continue;
			}
			c->wbuf[c->wlen] = (uint8_t)(out >> 8);
			c->wbuf[c->wlen + 1] = (uint8_t)out;
			c->wlen += 2 + out;
			continue;
		}
		if (c->rlen - pos < 2)
			break;
		size_t mlen = (size_t)c->rbuf[pos] << 8 | c->rbuf[pos + 1];
		if (c->rlen - pos - 2 < mlen)
			break;
		if (snap && xfr_wanted(c->rbuf + pos + 2, mlen)) {
			c->xfr = xfr_stream_open(snap, c->rbuf + pos + 2, mlen, &c->peer);
			if (c->xfr) {
				pos += 2 + mlen;
				continue;
			}
		}
		out = worker_answer(snap, c->rbuf + pos + 2, mlen, c->wbuf + c->wlen + 2,
		                    TCP_MSG_MAX, true, (const struct sockaddr *)&c->peer);
		if (out) {
			c->wbuf[c->wlen] = (uint8_t)(out >> 8);
			c->wbuf[c->wlen + 1] = (uint8_t)out;
			c->wlen += 2 + out;
		}
		pos += 2 + mlen;
	}
	rcu_read_unlock();
	memmove(c->rbuf, c->rbuf + pos, c->rlen - pos);
	c->rlen -= pos;
	if (c->wlen == 0)
		return;
	uv_read_stop((uv_stream_t *)&c->handle);
	uv_buf_t b = uv_buf_init((char *)c->wbuf, (unsigned)c->wlen);
	c->wreq.data = c;
	c->writing = true;
	if (uv_write(&c->wreq, (uv_stream_t *)&c->handle, &b, 1, conn_on_written) < 0) {
		c->writing = false;
		conn_close(c);
	}
}

static void conn_on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	tcp_conn_t *c = s->data;
	if (n == 0)
		return;
	if (n < 0) {
		/* EOF: answer what is complete, then close (RFC 7766 6.2.4). */
		c->eof = true;
		uv_read_stop(s);
		conn_process(c);
		if (!c->writing)
			conn_close(c);
		return;
	}
	c->rlen += (size_t)n;
	uv_timer_again(&c->idle);
	conn_process(c);
}

static bool same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
	              &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
}

static unsigned conns_from(const worker_t *w, const struct sockaddr_storage *peer)
{
	unsigned n = 0;
	for (const tcp_conn_t *c = w->conns; c; c = c->next)
		n += same_host(&c->peer, peer);
	return n;
}

static void reject_closed(uv_handle_t *h)
{
	free(h);
}

static void on_connection(uv_stream_t *server, int status)
{
	tcp_listener_t *l = server->data;
	worker_t *w = l->w;
	if (status < 0)
		return;
	tcp_conn_t *c = malloc(sizeof(*c));
	if (!c) {
		uv_tcp_t *t = malloc(sizeof(*t));
		if (t && uv_tcp_init(&w->loop, t) == 0 && uv_accept(server, (uv_stream_t *)t) == 0)
			uv_close((uv_handle_t *)t, reject_closed);
		else
			free(t);
		return;
	}
	memset(c, 0, offsetof(tcp_conn_t, rbuf));
	c->w = w;
	uv_tcp_init(&w->loop, &c->handle);
	c->handle.data = c;
	if (uv_accept(server, (uv_stream_t *)&c->handle) < 0) {
		c->closing_handles = 1;
		uv_close((uv_handle_t *)&c->handle, conn_freed);
		return;
	}
	int plen = sizeof(c->peer);
	uv_tcp_getpeername(&c->handle, (struct sockaddr *)&c->peer, &plen);
	if (w->nconns >= w->max_conns || conns_from(w, &c->peer) >= w->max_per_client) {
		log_debug("tcp: connection refused, limit reached");
		c->closing_handles = 1;
		uv_close((uv_handle_t *)&c->handle, conn_freed);
		return;
	}
	uv_timer_init(&w->loop, &c->idle);
	c->idle.data = c;
	c->next = w->conns;
	if (w->conns)
		w->conns->prev = c;
	w->conns = c;
	w->nconns++;
	uv_tcp_nodelay(&c->handle, 1);
	uv_timer_start(&c->idle, conn_on_idle, w->idle_ms, w->idle_ms);
	uv_read_start((uv_stream_t *)&c->handle, conn_alloc, conn_on_read);
}

int worker_tcp_start(worker_t *w, tcp_listener_t *l)
{
	l->w = w;
	int r = uv_tcp_init(&w->loop, &l->handle);
	if (r < 0)
		return r;
	l->handle.data = l;
	r = uv_tcp_open(&l->handle, l->fd);
	if (r < 0)
		return r;
	return uv_listen((uv_stream_t *)&l->handle, 128, on_connection);
}

void worker_tcp_close_all(worker_t *w)
{
	while (w->conns)
		conn_close(w->conns);
}
