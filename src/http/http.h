/* SPDX-License-Identifier: MIT */
/* http.h -- the status and metrics listener (http: listen: in the configuration), built on
 * libmicrohttpd, which runs it in a thread of its own: a slow, broken or hostile HTTP client
 * never touches the DNS workers or the control loop. Limits (per listener): 64 connections,
 * 8 per client address, 16 KiB of memory and 10 s of silence per connection; GET and HEAD
 * only.
 *
 * Pages: /metrics (Prometheus text exposition, 0.0.4), /health ("ok" while the process
 * runs), /ready (200 once zones are loaded and every engine was listed or failed once, 503
 * before) and /status (the JSON the control loop last posted on the board). The control
 * socket (fleetdnsctl's) serves the same and takes POST /reload, /drain/ENGINE and
 * /undrain/ENGINE too: who can open it is who may change things, as with knotc's socket.
 */
#ifndef FDNS_HTTP_HTTP_H
#define FDNS_HTTP_HTTP_H

#include <stddef.h>

#include "fleetdns/conf.h"
#include "fleetdns/server.h"
#include "http/board.h"

typedef struct http http_t;

/** What the listener reads and whom it tells. */
typedef struct http_deps {
	server_t *srv;  /* counters, for /metrics */
	board_t *board; /* /status and /ready */
	/* Wakes the control loop to take a command from the board (POST /reload, /drain/NAME,
	 * /undrain/NAME on the control socket): called from the listener's thread, so it must
	 * only hand over (uv_async_send). */
	void (*wake)(void *arg);
	void *arg;
} http_deps_t;

/** Listen on each of conf->http_listen and on conf->control_socket (a unix socket, mode 0600,
 * replacing a stale one). *out stays NULL when there is neither. deps are used from the
 * listener's threads until http_stop(). Returns 0 or FDNS_EADDR (err says which address)
 * or FDNS_ENOMEM. */
int http_start(http_t **out, const conf_t *conf, const http_deps_t *deps, char *err, size_t errlen);

/** Stop listening and free h (NULL: nothing). Call before server_stop(). */
void http_stop(http_t *h);

#endif
