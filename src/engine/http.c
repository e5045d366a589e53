/* SPDX-License-Identifier: MIT */
/* http.c -- libcurl multi_socket on a libuv loop: one uv_poll_t per socket, one timer.
 *
 * libcurl says which sockets to watch (socket callback) and when to call it back without
 * activity (timer callback); the loop calls curl_multi_socket_action() on readiness or
 * timeout, then reads the finished transfers off curl_multi_info_read() and runs their
 * done callbacks. `depth` counts those entry points on the stack so that a close requested
 * from a callback is carried out only once libcurl has returned; the time spent between
 * the outermost entry and its return is the client's busy time.
 *
 * A zero timeout ("call me again at once", which libcurl asks for while a socket still has
 * data after its read loop) is served by a uv_idle_t, once per loop turn, never by a zero
 * uv_timer_t: libuv 1.44 runs a timer re-armed from a timer callback with timeout 0 again
 * in the same pass, so one engine flooding its event stream kept the loop in its timer
 * phase and every other engine's responses sat unread until libcurl timed them out.
 *
 * libcurl's own timeouts are not used, for the same reason: it checks them before it
 * reads, so a response already in the socket buffer counted as late when the loop was.
 * Each request has a deadline instead; when one passes, every socket of the client is read
 * first (curl_multi_socket_action with no event bits: libcurl polls the socket itself), and
 * only the requests still unanswered fail. When the deadline timer itself fires late (the
 * loop was held up elsewhere), every deadline moves by that much first: the time the loop
 * was not running is not the peer's.
 */
#include <ctype.h>
#include <curl/curl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/http.h"
#include "fleetdns/error.h"

/* A deadline timer this much late means the loop was held up: deadlines move by as much. */
#define LATE_MS 50

struct http_sock {
	uv_poll_t poll;
	curl_socket_t fd;
	http_client_t *c;
	struct http_sock *prev, *next;
};

struct http_req {
	http_client_t *c;
	CURL *easy;
	struct http_req *prev, *next;
	http_done_cb done;
	http_data_cb on_data;
	void *arg;
	char *buf; /* collected body, NUL-terminated */
	size_t len, cap, max_body;
	uint64_t deadline_ms; /* uv_hrtime() in ms; 0: none */
	unsigned limit_ms;    /* what the deadline allows, for the message */
	uint64_t rx;          /* bytes received (headers and body) */
	bool too_large, aborted, paused;
	const char *unix_path; /* the target's, for messages: it outlives its requests */
	time_t date;
	char errbuf[CURL_ERROR_SIZE];
};

struct http_client {
	uv_loop_t *loop;
	CURLM *multi;
	uv_timer_t timer;      /* libcurl's timeout, when above zero */
	uv_idle_t run_now;     /* libcurl's zero timeout: once per loop turn */
	uv_timer_t deadlines;  /* the earliest request deadline */
	uint64_t deadline_due; /* when it should fire (uv_hrtime() in ms) */
	struct http_req *reqs;
	struct http_sock *socks;
	int depth;          /* libcurl entry points on the stack */
	uint64_t busy_ns;   /* time spent at depth > 0 */
	uint64_t busy_from; /* uv_hrtime() when depth left 0 */
	uint64_t rx_bytes;
	bool closing;       /* http_client_close() was called */
	bool close_started; /* the multi handle is gone, handles are closing */
	int handles_open;   /* timers, idle and polls not yet through their close callback */
	void (*on_closed)(void *arg);
	void *closed_arg;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static char *strdup_or_null(const char *s, bool *oom)
{
	if (!s || !*s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		*oom = true;
	return d;
}

void http_target_free(http_target_t *t)
{
	free(t->base);
	free(t->unix_path);
	free(t->tls_ca);
	free(t->tls_cert);
	free(t->tls_key);
	memset(t, 0, sizeof(*t));
}

int http_target_parse(http_target_t *t, const char *url, const char *tls_ca, const char *tls_cert,
                      const char *tls_key, char *err, size_t errlen)
{
	bool tls = (tls_ca && *tls_ca) || (tls_cert && *tls_cert) || (tls_key && *tls_key);
	bool oom = false;
	const char *rest;

	memset(t, 0, sizeof(*t));
	for (const char *p = url; *p; p++) {
		if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p)) {
			snprintf(err, errlen,
			         "engine URL '%s' contains a space or control character", url);
			return FDNS_EINVAL;
		}
	}
	if (strncmp(url, "unix://", 7) == 0) {
		rest = url + 7;
		if (rest[0] != '/' || rest[1] == '\0') {
			snprintf(err, errlen, "engine URL '%s': unix:// needs an absolute path",
			         url);
			return FDNS_EINVAL;
		}
		t->unix_path = strdup(rest);
		t->base = strdup("http://localhost");
		oom = !t->unix_path || !t->base;
	} else {
		const char *scheme;
		if (strncmp(url, "tcp://", 6) == 0) {
			rest = url + 6;
			scheme = tls ? "https://" : "http://";
		} else if (strncmp(url, "http://", 7) == 0) {
			rest = url + 7;
			scheme = "http://";
		} else if (strncmp(url, "https://", 8) == 0) {
			rest = url + 8;
			scheme = "https://";
		} else {
			snprintf(err, errlen,
			         "engine URL '%s': use unix:///path, tcp://host:port, http:// or "
			         "https://",
			         url);
			return FDNS_EINVAL;
		}
		size_t n = strlen(rest);
		while (n > 0 && rest[n - 1] == '/')
			n--;
		if (n == 0 || rest[0] == '/') {
			snprintf(err, errlen, "engine URL '%s' has no host", url);
			return FDNS_EINVAL;
		}
		size_t sl = strlen(scheme);
		t->base = malloc(sl + n + 1);
		if (t->base) {
			memcpy(t->base, scheme, sl);
			memcpy(t->base + sl, rest, n);
			t->base[sl + n] = '\0';
		}
		oom = !t->base;
		if (strcmp(scheme, "https://") == 0) {
			t->tls_ca = strdup_or_null(tls_ca, &oom);
			t->tls_cert = strdup_or_null(tls_cert, &oom);
			t->tls_key = strdup_or_null(tls_key, &oom);
		}
	}
	if (oom) {
		http_target_free(t);
		snprintf(err, errlen, "out of memory");
		return FDNS_ENOMEM;
	}
	return 0;
}

static void client_maybe_freed(http_client_t *c)
{
	if (c->close_started && c->handles_open == 0) {
		void (*cb)(void *) = c->on_closed;
		void *arg = c->closed_arg;
		free(c);
		if (cb)
			cb(arg);
	}
}

static void on_sock_closed(uv_handle_t *h)
{
	struct http_sock *hs = h->data;
	http_client_t *c = hs->c;

	free(hs);
	c->handles_open--;
	client_maybe_freed(c);
}

static void sock_close(struct http_sock *hs)
{
	http_client_t *c = hs->c;

	if (hs->prev)
		hs->prev->next = hs->next;
	else
		c->socks = hs->next;
	if (hs->next)
		hs->next->prev = hs->prev;
	/* uv_close stops watching at once; only the memory waits for the callback. */
	uv_close((uv_handle_t *)&hs->poll, on_sock_closed);
}

static void req_unlink(http_req_t *r)
{
	http_client_t *c = r->c;

	if (r->prev)
		r->prev->next = r->next;
	else
		c->reqs = r->next;
	if (r->next)
		r->next->prev = r->prev;
	r->prev = r->next = NULL;
}

static void req_free(http_req_t *r)
{
	curl_easy_cleanup(r->easy);
	free(r->buf);
	free(r);
}

static uint64_t now_ms(void)
{
	return uv_hrtime() / 1000000;
}

static void req_finish(http_req_t *r, CURLcode code)
{
	http_result_t res = {0};
	char what[CURL_ERROR_SIZE + 64];

	res.body = r->buf ? r->buf : "";
	res.len = r->len;
	res.date = r->date;
	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &res.status);
	if (code != CURLE_OK) {
		res.err = FDNS_EIO;
		res.unusable = r->too_large || code == CURLE_FILESIZE_EXCEEDED || r->aborted;
		if (r->too_large || code == CURLE_FILESIZE_EXCEEDED)
			snprintf(what, sizeof(what), "body over %zu bytes", r->max_body);
		else if (r->aborted)
			snprintf(what, sizeof(what), "aborted by the reader");
		else if (code == CURLE_OPERATION_TIMEDOUT)
			snprintf(what, sizeof(what), "timed out (%s)",
			         r->errbuf[0] ? r->errbuf : curl_easy_strerror(code));
		else if (r->unix_path && code == CURLE_COULDNT_CONNECT)
			snprintf(what, sizeof(what), "cannot connect to %s", r->unix_path);
		else
			snprintf(what, sizeof(what), "%s",
			         r->errbuf[0] ? r->errbuf : curl_easy_strerror(code));
		res.what = what;
	}
	r->done(r->arg, &res);
}

/* Run the done callbacks of finished transfers. They may close the client: stop then. */
static void drain(http_client_t *c)
{
	CURLMsg *m;
	int left;

	while (!c->closing && (m = curl_multi_info_read(c->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		http_req_t *r = NULL;
		CURLcode code = m->data.result;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
		curl_multi_remove_handle(c->multi, r->easy);
		req_unlink(r);
		req_finish(r, code);
		req_free(r);
	}
}

static void on_timer_closed(uv_handle_t *h)
{
	http_client_t *c = h->data;

	c->handles_open--;
	client_maybe_freed(c);
}

static void finish_close(http_client_t *c)
{
	c->close_started = true;
	/* Cleanup may report sockets to remove through on_socket; c is still valid then. */
	curl_multi_cleanup(c->multi);
	c->multi = NULL;
	while (c->socks)
		sock_close(c->socks);
	uv_close((uv_handle_t *)&c->timer, on_timer_closed);
	uv_close((uv_handle_t *)&c->run_now, on_timer_closed);
	uv_close((uv_handle_t *)&c->deadlines, on_timer_closed);
}

static void enter(http_client_t *c)
{
	if (c->depth++ == 0)
		c->busy_from = uv_hrtime();
}

static void leave(http_client_t *c)
{
	c->depth--;
	if (c->depth == 0) {
		c->busy_ns += uv_hrtime() - c->busy_from;
		if (c->closing && !c->close_started)
			finish_close(c);
	}
}

static void on_poll(uv_poll_t *h, int status, int events)
{
	struct http_sock *hs = h->data;
	http_client_t *c = hs->c;
	curl_socket_t fd = hs->fd;
	int flags = 0, running;

	if (c->closing)
		return;
	if (status < 0)
		flags = CURL_CSELECT_ERR;
	else {
		if (events & UV_READABLE)
			flags |= CURL_CSELECT_IN;
		if (events & UV_WRITABLE)
			flags |= CURL_CSELECT_OUT;
	}
	enter(c);
	/* hs may be closed by libcurl in this call: only fd and c are used. */
	curl_multi_socket_action(c->multi, fd, flags, &running);
	drain(c);
	leave(c);
}

static void run_timeouts(http_client_t *c)
{
	int running;

	if (c->closing)
		return;
	enter(c);
	curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	drain(c);
	leave(c);
}

static void on_timeout(uv_timer_t *t)
{
	run_timeouts(t->data);
}

static void on_run_now(uv_idle_t *h)
{
	/* Once: libcurl asks again (from inside this call) when it needs another turn. */
	uv_idle_stop(h);
	run_timeouts(h->data);
}

/* ---- deadlines ---- */

static void on_deadline(uv_timer_t *t);

static void deadlines_arm(http_client_t *c)
{
	uint64_t first = 0;

	for (http_req_t *r = c->reqs; r; r = r->next)
		if (r->deadline_ms && (!first || r->deadline_ms < first))
			first = r->deadline_ms;
	if (!first || c->closing) {
		uv_timer_stop(&c->deadlines);
		return;
	}
	uint64_t now = now_ms();
	/* Never 0: a zero timer started from a timer callback would run in the same pass. */
	c->deadline_due = first > now ? first : now + 1;
	uv_timer_start(&c->deadlines, on_deadline, c->deadline_due - now, 0);
}

static void expire(http_req_t *r)
{
	http_client_t *c = r->c;
	http_result_t res = {.err = FDNS_EIO, .timed_out = !r->aborted};
	char what[128];

	curl_multi_remove_handle(c->multi, r->easy);
	req_unlink(r);
	res.body = r->buf ? r->buf : "";
	res.len = r->len;
	res.date = r->date;
	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &res.status);
	if (r->aborted)
		snprintf(what, sizeof(what), "aborted by the reader");
	else if (r->rx)
		snprintf(what, sizeof(what), "timed out after %u ms (%" PRIu64 " bytes received)",
		         r->limit_ms, r->rx);
	else
		snprintf(what, sizeof(what), "timed out after %u ms (nothing received)",
		         r->limit_ms);
	res.what = what;
	r->done(r->arg, &res);
	req_free(r);
}

static void on_deadline(uv_timer_t *t)
{
	http_client_t *c = t->data;
	curl_socket_t fds[64];
	size_t n = 0;
	int running;

	if (c->closing)
		return;
	uint64_t start = now_ms();
	if (start > c->deadline_due + LATE_MS)
		for (http_req_t *r = c->reqs; r; r = r->next)
			if (r->deadline_ms)
				r->deadline_ms += start - c->deadline_due;
	enter(c);
	/* Read what has arrived before judging: a late loop is not a late engine. The list may
	 * change under libcurl, so the descriptors are copied first. */
	for (struct http_sock *hs = c->socks; hs && n < sizeof(fds) / sizeof(*fds); hs = hs->next)
		fds[n++] = hs->fd;
	for (size_t i = 0; i < n && !c->closing; i++)
		curl_multi_socket_action(c->multi, fds[i], 0, &running);
	drain(c);
	for (;;) {
		uint64_t now = now_ms();
		http_req_t *r = c->reqs;
		while (r && !(r->deadline_ms && r->deadline_ms <= now))
			r = r->next;
		if (!r || c->closing)
			break;
		expire(r); /* its done callback may cancel others: look again from the start */
	}
	leave(c);
	deadlines_arm(c);
}

static int on_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	http_client_t *c = userp;
	struct http_sock *hs = socketp;

	if (what == CURL_POLL_REMOVE) {
		if (hs) {
			if (c->multi)
				curl_multi_assign(c->multi, s, NULL);
			sock_close(hs);
		}
		return 0;
	}
	if (c->close_started)
		return -1; /* curl_multi_cleanup() is running: nothing new to watch */
	if (!hs) {
		hs = calloc(1, sizeof(*hs));
		if (!hs)
			return -1;
		if (uv_poll_init_socket(c->loop, &hs->poll, s) != 0) {
			free(hs);
			return -1;
		}
		hs->fd = s;
		hs->c = c;
		hs->poll.data = hs;
		hs->next = c->socks;
		if (c->socks)
			c->socks->prev = hs;
		c->socks = hs;
		c->handles_open++;
		curl_multi_assign(c->multi, s, hs);
	}
	int ev = 0;
	if (what & CURL_POLL_IN)
		ev |= UV_READABLE;
	if (what & CURL_POLL_OUT)
		ev |= UV_WRITABLE;
	uv_poll_start(&hs->poll, ev, on_poll);
	return 0;
}

static int on_timer_set(CURLM *multi, long timeout_ms, void *userp)
{
	http_client_t *c = userp;

	if (c->closing || timeout_ms < 0) {
		uv_timer_stop(&c->timer);
		uv_idle_stop(&c->run_now);
	} else if (timeout_ms == 0) {
		uv_timer_stop(&c->timer);
		uv_idle_start(&c->run_now, on_run_now);
	} else {
		uv_idle_stop(&c->run_now);
		uv_timer_start(&c->timer, on_timeout, (uint64_t)timeout_ms, 0);
	}
	return 0;
}

http_client_t *http_client_new(uv_loop_t *loop)
{
	pthread_once(&curl_once, curl_init_once);
	http_client_t *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->loop = loop;
	c->multi = curl_multi_init();
	if (!c->multi) {
		free(c);
		return NULL;
	}
	uv_timer_init(loop, &c->timer);
	uv_idle_init(loop, &c->run_now);
	uv_timer_init(loop, &c->deadlines);
	c->timer.data = c->run_now.data = c->deadlines.data = c;
	c->handles_open = 3;
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, on_timer_set);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
	return c;
}

void http_cancel(http_req_t *r)
{
	req_unlink(r);
	curl_multi_remove_handle(r->c->multi, r->easy);
	req_free(r);
}

void http_resume(http_req_t *r)
{
	http_client_t *c = r->c;

	if (!r->paused || c->closing)
		return;
	r->paused = false;
	enter(c);
	/* Hands out what libcurl kept (on_write may pause again) and asks for a zero timeout,
	 * so the socket is read again from the next loop turn (on_run_now). */
	if (curl_easy_pause(r->easy, CURLPAUSE_CONT) != CURLE_OK) {
		/* The data callback refused what was kept: end the transfer from the next loop
		 * turn, through the deadline path (no done callback in here). */
		r->aborted = true;
		r->deadline_ms = now_ms();
		deadlines_arm(c);
	}
	leave(c);
}

uint64_t http_client_busy_ns(const http_client_t *c)
{
	return c->busy_ns + (c->depth ? uv_hrtime() - c->busy_from : 0);
}

uint64_t http_client_rx_bytes(const http_client_t *c)
{
	return c->rx_bytes;
}

static void count_rx(http_req_t *r, size_t n)
{
	r->rx += n;
	r->c->rx_bytes += n;
}

void http_client_close(http_client_t *c, void (*on_closed)(void *arg), void *arg)
{
	if (c->closing)
		return;
	c->closing = true;
	c->on_closed = on_closed;
	c->closed_arg = arg;
	while (c->reqs)
		http_cancel(c->reqs);
	uv_timer_stop(&c->timer);
	uv_idle_stop(&c->run_now);
	uv_timer_stop(&c->deadlines);
	if (c->depth == 0)
		finish_close(c);
}

static size_t on_write(char *data, size_t size, size_t nmemb, void *userdata)
{
	http_req_t *r = userdata;
	size_t n = size * nmemb;
	long status = 0;

	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	if (r->on_data && status >= 200 && status <= 299) {
		int rc = r->on_data(r->arg, data, n);
		if (rc == HTTP_DATA_PAUSE) {
			r->paused = true;
			return CURL_WRITEFUNC_PAUSE; /* libcurl keeps the piece for http_resume() */
		}
		if (rc != 0) {
			r->aborted = true;
			return n == 0 ? 1 : 0;
		}
		count_rx(r, n);
		return n;
	}
	count_rx(r, n);
	if (r->max_body && n > r->max_body - r->len) {
		r->too_large = true;
		return 0;
	}
	if (r->len + n + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 4096;
		while (cap < r->len + n + 1)
			cap *= 2;
		char *b = realloc(r->buf, cap);
		if (!b)
			return 0;
		r->buf = b;
		r->cap = cap;
	}
	memcpy(r->buf + r->len, data, n);
	r->len += n;
	r->buf[r->len] = '\0';
	return n;
}

static size_t on_header(char *line, size_t size, size_t nitems, void *userdata)
{
	http_req_t *r = userdata;
	size_t n = size * nitems;

	count_rx(r, n);
	if (n > 5 && n < 128 && strncasecmp(line, "date:", 5) == 0) {
		char v[128];
		memcpy(v, line + 5, n - 5);
		v[n - 5] = '\0';
		time_t d = curl_getdate(v, NULL);
		if (d > 0)
			r->date = d;
	}
	return n;
}

int http_get(http_client_t *c, const http_target_t *t, const char *path, const http_opts_t *o,
             http_done_cb done, void *arg, http_req_t **out)
{
	if (out)
		*out = NULL;
	if (c->closing)
		return FDNS_EINVAL;
	http_req_t *r = calloc(1, sizeof(*r));
	size_t ul = strlen(t->base) + strlen(path) + 1;
	char *url = malloc(ul);
	if (!r || !url || !(r->easy = curl_easy_init())) {
		free(url);
		free(r);
		return FDNS_ENOMEM;
	}
	snprintf(url, ul, "%s%s", t->base, path);
	r->c = c;
	r->done = done;
	r->on_data = o->on_data;
	r->arg = arg;
	r->max_body = o->max_body;
	r->unix_path = t->unix_path;
	/* The deadline is ours, not libcurl's (see the file comment). */
	if (o->timeout_ms) {
		r->deadline_ms = now_ms() + o->timeout_ms;
		r->limit_ms = o->timeout_ms;
	}

	CURL *e = r->easy;
	int bad = 0;
	bad |= curl_easy_setopt(e, CURLOPT_URL, url);
	if (t->unix_path)
		bad |= curl_easy_setopt(e, CURLOPT_UNIX_SOCKET_PATH, t->unix_path);
	if (t->tls_ca)
		bad |= curl_easy_setopt(e, CURLOPT_CAINFO, t->tls_ca);
	if (t->tls_cert)
		bad |= curl_easy_setopt(e, CURLOPT_SSLCERT, t->tls_cert);
	if (t->tls_key)
		bad |= curl_easy_setopt(e, CURLOPT_SSLKEY, t->tls_key);
	/* Never go through a proxy from the environment: engines are reached directly. */
	bad |= curl_easy_setopt(e, CURLOPT_PROXY, "");
	bad |= curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	bad |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	bad |= curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	bad |= curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)r);
	bad |= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
	bad |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
	bad |= curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	bad |= curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	bad |= curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
	if (!o->timeout_ms && o->connect_timeout_ms)
		bad |= curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)o->connect_timeout_ms);
	if (o->max_body && !o->on_data)
		bad |= curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_body);
	free(url); /* libcurl keeps its own copy */
	if (bad || curl_multi_add_handle(c->multi, e) != CURLM_OK) {
		req_free(r);
		return FDNS_EIO;
	}
	r->next = c->reqs;
	if (c->reqs)
		c->reqs->prev = r;
	c->reqs = r;
	if (out)
		*out = r;
	if (r->deadline_ms)
		deadlines_arm(c);
	return 0;
}
