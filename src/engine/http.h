/* SPDX-License-Identifier: MIT */
/* http.h -- asynchronous HTTP GETs with libcurl's multi interface driven by a libuv loop.
 *
 * One http_client_t wraps one CURLM: a uv_poll_t per socket curl asks to watch, one
 * uv_timer_t for curl's timeout and one uv_idle_t for curl's "call me again now" (a zero
 * timeout). A request ends with exactly one call of its done callback, unless it is
 * cancelled first; the body is collected up to a limit, or handed out in pieces to a data
 * callback (for endless streams such as GET /events), which may pause its transfer.
 *
 * Fair to the other clients on the loop: libcurl is entered at most once per socket
 * readiness and once per loop turn for its own timers, never in a loop of zero timeouts
 * (libuv 1.44 runs a zero timer re-armed from a timer callback again in the same pass, so
 * a socket that never runs dry kept the loop in its timer phase, away from every other
 * socket). Time spent in libcurl and in the callbacks is counted per client
 * (http_client_busy_ns), for callers that share the loop out.
 *
 * Deadlines are judged by what the peer did, not by how late the loop is: when a request's
 * deadline passes, its client's sockets are read first (whatever has arrived completes
 * normally) and only then does a request that is still unanswered fail ("timed out").
 *
 * Re-entrancy: done callbacks run outside libcurl, so they may start requests, cancel
 * other requests and even close the client. Data callbacks run inside libcurl: they must
 * not start, cancel, resume or close anything; they return 0, HTTP_DATA_PAUSE or another
 * nonzero value to abort their own transfer.
 *
 * Ownership: a request is freed by the client right after its done callback returns, or by
 * http_cancel(). The client is freed after http_client_close(), once its handles are closed.
 */
#ifndef FDNS_ENGINE_HTTP_H
#define FDNS_ENGINE_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <uv.h>

/** Where requests go: the base URL and how to reach it. Every string is owned. */
typedef struct http_target {
	char *base;      /* "http://localhost", "http://host:port" or "https://host:port" */
	char *unix_path; /* socket path for unix:// URLs, else NULL */
	char *tls_ca, *tls_cert, *tls_key; /* PEM files, or NULL */
} http_target_t;

/**
 * Build a target from an engine URL: unix:///path, tcp://host:port (https when tls files
 * are given), http://host:port or https://host:port. The tls strings may be NULL.
 * Returns 0, FDNS_EINVAL (message in err) or FDNS_ENOMEM. On error *t is left empty.
 */
int http_target_parse(http_target_t *t, const char *url, const char *tls_ca, const char *tls_cert,
                      const char *tls_key, char *err, size_t errlen);
void http_target_free(http_target_t *t);

typedef struct http_client http_client_t;
typedef struct http_req http_req_t;

/** What a finished request produced; valid only during the done callback. */
typedef struct http_result {
	int err;          /* 0: a response was received in full; else FDNS_EIO */
	bool timed_out;   /* with err: the deadline passed (see http_opts_t) */
	bool unusable;    /* with err: the answer came but cannot be used (too big, aborted) */
	const char *what; /* with err: why ("timed out after 3000 ms", "body over 16 MiB") */
	long status;      /* HTTP status, 0 when none was received */
	const char *body; /* collected body, NUL-terminated (not counted in len); never NULL */
	size_t len;
	time_t date; /* the response's Date header, or 0 */
} http_result_t;

typedef void (*http_done_cb)(void *arg, const http_result_t *res);
/** A piece of a 2xx body. Return 0 to go on (the piece is taken), HTTP_DATA_PAUSE to
 * pause the transfer (the piece is not taken: libcurl keeps it, stops reading the socket,
 * and hands it out again after http_resume()), any other nonzero value to abort the
 * transfer (done then reports an error). Non-2xx bodies are collected instead, for the
 * error message. */
typedef int (*http_data_cb)(void *arg, const char *data, size_t len);
#define HTTP_DATA_PAUSE 0x7fff

typedef struct http_opts {
	/* The whole transfer, from http_get(); 0: none (streams). Judged only after the
	 * client's sockets have been read, so a response that has arrived is never late. */
	unsigned timeout_ms;
	/* Without timeout_ms (streams): connecting may take this long (libcurl's check);
	 * 0: libcurl's default. With timeout_ms, that deadline covers connecting too. */
	unsigned connect_timeout_ms;
	size_t max_body;      /* larger bodies fail the request; 0: no limit */
	http_data_cb on_data; /* NULL: collect the body */
} http_opts_t;

/** Create a client on loop. Returns NULL on failure. */
http_client_t *http_client_new(uv_loop_t *loop);

/**
 * Cancel every request (their callbacks do not run) and free the client once its handles
 * are closed; on_closed(arg) runs then (may be NULL). Safe from a done callback.
 */
void http_client_close(http_client_t *c, void (*on_closed)(void *arg), void *arg);

/**
 * Start GET target->base + path. done(arg, result) runs once, later (never from inside this
 * call). *out (may be NULL) receives the request for http_cancel(); it is invalid once done
 * has been called. Returns 0, FDNS_ENOMEM, or FDNS_EIO when libcurl refuses the request.
 */
int http_get(http_client_t *c, const http_target_t *target, const char *path,
             const http_opts_t *opts, http_done_cb done, void *arg, http_req_t **out);

/** Abort a request that has not completed; its done callback will not run. */
void http_cancel(http_req_t *req);

/** Undo a pause asked for by the data callback (no-op when not paused): libcurl hands out
 * what it kept (the data callback may run, and pause again, inside this call) and reads
 * the socket again from the next loop turn. Never from a data callback; no done callback
 * runs inside this call. */
void http_resume(http_req_t *req);

/** Nanoseconds spent so far inside libcurl and the callbacks on this client's behalf. */
uint64_t http_client_busy_ns(const http_client_t *c);

/** Bytes received so far (headers and bodies) on all of this client's transfers: a peer
 * that sent anything since a given moment was alive then. */
uint64_t http_client_rx_bytes(const http_client_t *c);

#endif
