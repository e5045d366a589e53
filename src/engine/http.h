/* SPDX-License-Identifier: MIT */
/* http.h -- asynchronous HTTP GETs with libcurl's multi interface driven by a libuv loop.
 *
 * One http_client_t wraps one CURLM: a uv_poll_t per socket curl asks to watch and one
 * uv_timer_t for curl's timeout. A request ends with exactly one call of its done callback,
 * unless it is cancelled first; the body is collected up to a limit, or handed out in
 * pieces to a data callback (for endless streams such as GET /events).
 *
 * Re-entrancy: done callbacks run outside libcurl, so they may start requests, cancel
 * other requests and even close the client. Data callbacks run inside libcurl: they must
 * not start, cancel or close anything; they return nonzero to abort their own transfer.
 *
 * Ownership: a request is freed by the client right after its done callback returns, or by
 * http_cancel(). The client is freed after http_client_close(), once its handles are closed.
 */
#ifndef FDNS_ENGINE_HTTP_H
#define FDNS_ENGINE_HTTP_H

#include <stdbool.h>
#include <stddef.h>
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
	const char *what; /* with err: why ("timed out after 3000 ms", "body over 16 MiB") */
	long status;      /* HTTP status, 0 when none was received */
	const char *body; /* collected body, NUL-terminated (not counted in len); never NULL */
	size_t len;
	time_t date; /* the response's Date header, or 0 */
} http_result_t;

typedef void (*http_done_cb)(void *arg, const http_result_t *res);
/** A piece of a 2xx body. Return 0 to go on, nonzero to abort the transfer (done then
 * reports an error). Non-2xx bodies are collected instead, for the error message. */
typedef int (*http_data_cb)(void *arg, const char *data, size_t len);

typedef struct http_opts {
	unsigned timeout_ms;         /* whole transfer; 0: none (streams) */
	unsigned connect_timeout_ms; /* 0: libcurl's default */
	size_t max_body;             /* larger bodies fail the request; 0: no limit */
	http_data_cb on_data;        /* NULL: collect the body */
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

#endif
