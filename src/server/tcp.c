/* SPDX-License-Identifier: MIT */
/* tcp.c -- DNS over TCP (RFC 7766): length-prefixed messages, pipelining, limits.
 *
 * Buffers grow on demand: a connection starts with none, reads into a small buffer that grows
 * to the size the next message's prefix announces, and gives big buffers back once they are
 * empty, so an idle or one-query connection costs a few KiB, not two 64 KiB messages. Answers
 * are made in the worker's one scratch buffer and appended to the connection's write buffer;
 * all complete queries are answered and sent with one uv_write, and reading pauses until that
 * write is done, so a client that does not read its answers cannot make us buffer without
 * bound.
 *
 * One timer per connection enforces whichever limit applies now (RFC 7766 6.2.3 and 10, and
 * Knot's practice): a message must arrive whole within io_ms of its first byte, so bytes
 * trickling in cannot hold a slot (slowloris); a connection with nothing to read or write is
 * closed after idle_ms, counted from its last whole message or answer, not from its last
 * byte; a write the client does not take within idle_ms closes it. After max_queries queries
 * a connection is closed once its answers are written. When every slot is taken, the
 * connection least recently active yields to the new client.
 */
#include <stdlib.h>
#include <string.h>
#include <urcu.h>

#include "server/tcp_frame.h"
#include "server/worker.h"
#include "util/counter.h"
#include "util/log.h"
#include "wire/bytes.h"
#include "xfr/xfr.h"

#define RBUF_SMALL 1024         /* kept between queries; larger ones are given back */
#define WBUF_SMALL 4096         /* likewise for answers */
#define WBUF_BATCH (192 * 1024) /* answer queued queries until this much is waiting */
#define EVICT_SCAN 16           /* connections looked at for one that may yield */

struct tcp_conn {
	uv_tcp_t handle;
	uv_timer_t timer;
	uv_write_t wreq;
	worker_t *w;
	tcp_conn_t *prev, *next; /* the worker's list, least recently active first */
	xfr_stream_t *xfr; /* a zone transfer being sent, before any later query is answered */
	struct sockaddr_storage peer;
	int closing_handles; /* close callbacks still to come */
	bool writing, eof;
	bool in_message; /* part of a message has arrived: the io timer runs */
	unsigned queries;
	uint8_t *rbuf, *wbuf;
	size_t rlen, rcap, wlen, wcap;
};

static void list_remove(worker_t *w, tcp_conn_t *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		w->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		w->conns_last = c->prev;
	c->prev = c->next = NULL;
}

static void list_append(worker_t *w, tcp_conn_t *c)
{
	c->prev = w->conns_last;
	c->next = NULL;
	if (w->conns_last)
		w->conns_last->next = c;
	else
		w->conns = c;
	w->conns_last = c;
}

/* c did something useful (a whole query, an answer taken): last to yield. */
static void conn_touch(tcp_conn_t *c)
{
	if (c->w->conns_last != c) {
		list_remove(c->w, c);
		list_append(c->w, c);
	}
}

static void conn_freed(uv_handle_t *h)
{
	tcp_conn_t *c = h->data;
	if (--c->closing_handles == 0) {
		xfr_stream_free(c->xfr);
		free(c->rbuf);
		free(c->wbuf);
		free(c);
	}
}

static void conn_close(tcp_conn_t *c)
{
	if (c->closing_handles)
		return;
	list_remove(c->w, c);
	c->w->nconns--;
	counter_set(&c->w->stats.tcp_open, c->w->nconns);
	c->closing_handles = 2;
	uv_close((uv_handle_t *)&c->handle, conn_freed);
	uv_close((uv_handle_t *)&c->timer, conn_freed);
}

static void conn_on_timer(uv_timer_t *t)
{
	tcp_conn_t *c = t->data;
	counter_add(&c->w->stats.tcp_timed_out, 1);
	conn_close(c);
}

/* Arm the timer for what the connection is waiting for now. A message in progress keeps
 * the deadline its first byte set: later bytes do not extend it. */
static void conn_timer_update(tcp_conn_t *c)
{
	if (c->writing)
		return; /* armed with idle_ms when the write started */
	if (c->rlen > 0) {
		if (!c->in_message) {
			c->in_message = true;
			uv_timer_start(&c->timer, conn_on_timer, c->w->io_ms, 0);
		}
		return;
	}
	c->in_message = false;
	uv_timer_start(&c->timer, conn_on_timer, c->w->idle_ms, 0);
}

/* Resize a buffer to cap bytes (0: free it). Returns false when out of memory. */
static bool buf_resize(uint8_t **buf, size_t *cap, size_t want)
{
	if (want == 0) {
		free(*buf);
		*buf = NULL;
		*cap = 0;
		return true;
	}
	uint8_t *n = realloc(*buf, want);
	if (!n)
		return false;
	*buf = n;
	*cap = want;
	return true;
}

static void conn_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	tcp_conn_t *c = h->data;
	if (c->rlen == c->rcap) {
		const uint8_t *msg;
		size_t mlen, need;
		tcp_frame_next(c->rbuf, c->rlen, &msg, &mlen, &need);
		size_t want = c->rcap * 2 > need ? c->rcap * 2 : need;
		want = want < RBUF_SMALL ? RBUF_SMALL : want > TCP_OUT_SIZE ? TCP_OUT_SIZE : want;
		if (want <= c->rcap || !buf_resize(&c->rbuf, &c->rcap, want)) {
			*buf = uv_buf_init(NULL, 0); /* UV_ENOBUFS: the read callback closes */
			return;
		}
	}
	*buf = uv_buf_init((char *)c->rbuf + c->rlen, (unsigned)(c->rcap - c->rlen));
}

/* Append one answer (the worker's scratch: prefix room, then len bytes) to the write buffer. */
static bool wbuf_append(tcp_conn_t *c, size_t len)
{
	uint8_t *out = c->w->tcp_out;
	wire_wr16(out, (uint16_t)len);
	if (c->wlen + 2 + len > c->wcap) {
		size_t want = c->wcap * 2 > c->wlen + 2 + len ? c->wcap * 2 : c->wlen + 2 + len;
		if (want < WBUF_SMALL)
			want = WBUF_SMALL;
		if (!buf_resize(&c->wbuf, &c->wcap, want))
			return false;
	}
	memcpy(c->wbuf + c->wlen, out, 2 + len);
	c->wlen += 2 + len;
	return true;
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
	if (c->wcap > WBUF_SMALL)
		buf_resize(&c->wbuf, &c->wcap, 0); /* a transfer's or a big answer's buffer */
	conn_touch(c);
	conn_process(c); /* queries that waited for buffer space, the rest of a transfer */
	if (c->writing || c->closing_handles)
		return;
	if (c->eof || c->queries >= c->w->max_queries) {
		conn_close(c); /* RFC 7766 6.2.3: the server may close; clients reconnect */
		return;
	}
	uv_read_start((uv_stream_t *)&c->handle, conn_alloc, conn_on_read);
}

/* Answer the complete queries buffered (and the transfer under way) into the write buffer.
 * Returns the bytes of rbuf used, or -1 when out of memory. */
static ssize_t conn_answer(tcp_conn_t *c)
{
	worker_t *w = c->w;
	size_t pos = 0;
	rcu_read_lock();
	const snapshot_t *snap = server_snapshot(w->srv);
	while (c->wlen < WBUF_BATCH) {
		size_t out;
		if (c->xfr) { /* a transfer goes on until it is complete */
			out = xfr_stream_next(c->xfr, w->tcp_out + 2, TCP_MSG_MAX);
			if (out == 0) {
				xfr_stream_free(c->xfr);
				c->xfr = NULL;
				continue;
			}
			if (!wbuf_append(c, out))
				goto fail;
			continue;
		}
		const uint8_t *msg;
		size_t mlen, need, used;
		if (c->queries >= w->max_queries ||
		    !(used = tcp_frame_next(c->rbuf + pos, c->rlen - pos, &msg, &mlen, &need)))
			break;
		pos += used;
		c->queries++;
		exchange_t x = {.msg = msg,
		                .len = mlen,
		                .peer = (const struct sockaddr *)&c->peer,
		                .tcp = true,
		                .out = w->tcp_out + 2,
		                .outcap = TCP_MSG_MAX};
		out = worker_answer(w, snap, &x);
		counter_add(&w->stats.queries_tcp, 1);
		if (x.stream) { /* sent from the top of the loop, message by message */
			c->xfr = x.stream;
			counter_add(&w->stats.xfr[xfr_stream_result(c->xfr)], 1);
			continue;
		}
		counter_add(&w->stats.cookies_valid, x.cookie_valid);
		if (out) {
			counter_add(&w->stats.responses[w->tcp_out[2 + 3] & 0x0F], 1);
			counter_add(&w->stats.zone_responses[x.zone_slot][w->tcp_out[2 + 3] & 0x0F],
			            1);
		} else
			counter_add(&w->stats.no_response, 1);
		if (out && !wbuf_append(c, out))
			goto fail;
	}
	rcu_read_unlock();
	return (ssize_t)pos;
fail:
	rcu_read_unlock();
	return -1;
}

/* Answer every complete query buffered, then send. */
static void conn_process(tcp_conn_t *c)
{
	ssize_t used = conn_answer(c);
	if (used < 0) {
		log_warning("tcp: out of memory answering a connection; closing it");
		conn_close(c);
		return;
	}
	if (used > 0) {
		memmove(c->rbuf, c->rbuf + used, c->rlen - (size_t)used);
		c->rlen -= (size_t)used;
		c->in_message = false; /* a whole message came: the next one has its own time */
		conn_touch(c);
		if (c->rcap > RBUF_SMALL && c->rlen <= RBUF_SMALL)
			buf_resize(&c->rbuf, &c->rcap, c->rlen ? RBUF_SMALL : 0);
	}
	if (c->wlen == 0) {
		if (c->queries >= c->w->max_queries && !c->xfr)
			conn_close(c);
		else
			conn_timer_update(c);
		return;
	}
	uv_read_stop((uv_stream_t *)&c->handle);
	uv_buf_t b = uv_buf_init((char *)c->wbuf, (unsigned)c->wlen);
	c->wreq.data = c;
	c->writing = true;
	c->in_message = false; /* reading pauses: a partial message gets a new io_ms after */
	uv_timer_start(&c->timer, conn_on_timer, c->w->idle_ms, 0);
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
	if (n == UV_ENOBUFS) {
		conn_close(c);
		return;
	}
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

/* Close the least recently active connection that is not sending answers, to make room.
 * Returns false when the first EVICT_SCAN are all busy. */
static bool evict_one(worker_t *w)
{
	tcp_conn_t *c = w->conns;
	for (int i = 0; c && i < EVICT_SCAN; i++, c = c->next) {
		if (!c->writing && !c->xfr) {
			counter_add(&w->stats.tcp_evicted, 1);
			conn_close(c);
			return true;
		}
	}
	return false;
}

static void reject_closed(uv_handle_t *h)
{
	free(h);
}

/* Accept and close at once: the client learns there is no room (RFC 7766 6.2.3). */
static void reject(worker_t *w, uv_stream_t *server)
{
	uv_tcp_t *t = malloc(sizeof(*t));
	if (t && uv_tcp_init(&w->loop, t) == 0) {
		if (uv_accept(server, (uv_stream_t *)t) < 0)
			log_debug("tcp: accept failed");
		uv_close((uv_handle_t *)t, reject_closed);
		return;
	}
	free(t);
}

static void on_connection(uv_stream_t *server, int status)
{
	tcp_listener_t *l = server->data;
	worker_t *w = l->w;
	if (status < 0)
		return;
	tcp_conn_t *c = calloc(1, sizeof(*c));
	if (!c) {
		reject(w, server);
		return;
	}
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
	if (conns_from(w, &c->peer) >= w->max_per_client ||
	    (w->nconns >= w->max_conns && !evict_one(w))) {
		log_debug("tcp: connection refused, limit reached");
		counter_add(&w->stats.tcp_refused, 1);
		c->closing_handles = 1;
		uv_close((uv_handle_t *)&c->handle, conn_freed);
		return;
	}
	uv_timer_init(&w->loop, &c->timer);
	c->timer.data = c;
	list_append(w, c);
	w->nconns++;
	counter_add(&w->stats.tcp_accepted, 1);
	counter_set(&w->stats.tcp_open, w->nconns);
	uv_tcp_nodelay(&c->handle, 1);
	conn_timer_update(c);
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
	return uv_listen((uv_stream_t *)&l->handle, 1024, on_connection);
}

void worker_tcp_close_all(worker_t *w)
{
	while (w->conns)
		conn_close(w->conns);
}
