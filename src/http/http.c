/* SPDX-License-Identifier: MIT */
/* http.c -- the status and metrics listener on libmicrohttpd (see http.h). */
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fleetdns/error.h"
#include "http/http.h"
#include "http/metrics.h"
#include "util/log.h"

#define HTTP_CONNECTIONS        64
#define HTTP_PER_CLIENT         8
#define HTTP_IDLE_S             10
#define HTTP_MEMORY_PER_REQUEST (16 * 1024)

struct http {
	server_t *srv;
	board_t *board;
	time_t started;
	size_t n;
	struct MHD_Daemon **daemons;
};

static void mhd_logged(void *cls, const char *fmt, va_list ap)
{
	char text[512];
	vsnprintf(text, sizeof(text), fmt, ap);
	size_t n = strlen(text);
	if (n && text[n - 1] == '\n')
		text[n - 1] = '\0';
	log_warning("http: %s", text);
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *type,
                             char *body, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	enum MHD_Result ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply_text(struct MHD_Connection *conn, unsigned status, const char *text)
{
	char *body = strdup(text);
	return body ? reply(conn, status, "text/plain; charset=utf-8", body, strlen(body)) : MHD_NO;
}

static enum MHD_Result metrics_page(struct MHD_Connection *conn, const http_t *h)
{
	server_stats_t st;
	server_stats_read(h->srv, &st);
	char *body = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&body, &len);
	if (!out)
		return MHD_NO;
	metrics_write(out, &st, h->started);
	if (fclose(out) != 0) {
		free(body);
		return MHD_NO;
	}
	return reply(conn, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", body, len);
}

static enum MHD_Result status_page(struct MHD_Connection *conn, const http_t *h)
{
	bool ready;
	char *body = board_read(h->board, &ready);
	if (!body)
		return reply_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "starting\n");
	return reply(conn, MHD_HTTP_OK, "application/json", body, strlen(body));
}

static enum MHD_Result ready_page(struct MHD_Connection *conn, const http_t *h)
{
	bool ready;
	free(board_read(h->board, &ready));
	return ready ? reply_text(conn, MHD_HTTP_OK, "ready\n")
	             : reply_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "not ready\n");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **state)
{
	const http_t *h = cls;
	if (*upload_data_size) { /* a body on a GET: read and ignored */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n");
	if (strcmp(url, "/metrics") == 0)
		return metrics_page(conn, h);
	if (strcmp(url, "/health") == 0)
		return reply_text(conn, MHD_HTTP_OK, "ok\n");
	if (strcmp(url, "/ready") == 0)
		return ready_page(conn, h);
	if (strcmp(url, "/status") == 0)
		return status_page(conn, h);
	return reply_text(conn, MHD_HTTP_NOT_FOUND,
	                  "not found: /metrics, /health, /ready and /status are here\n");
}

int http_start(http_t **out, const conf_t *conf, server_t *srv, board_t *board, char *err,
               size_t errlen)
{
	*out = NULL;
	if (conf->nhttp_listen == 0)
		return FDNS_OK;
	http_t *h = calloc(1, sizeof(*h));
	if (!h || !(h->daemons = calloc(conf->nhttp_listen, sizeof(*h->daemons)))) {
		free(h);
		return FDNS_ENOMEM;
	}
	h->srv = srv;
	h->board = board;
	h->started = time(NULL);
	for (size_t i = 0; i < conf->nhttp_listen; i++) {
		const conf_listen_t *l = &conf->http_listen[i];
		unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
		                 (l->addr.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0);
		/* The logger first, so that libmicrohttpd never writes stderr itself. */
		h->daemons[i] = MHD_start_daemon(
		    flags, 0, NULL, NULL, on_request, h, MHD_OPTION_EXTERNAL_LOGGER, mhd_logged, NULL,
		    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&l->addr, MHD_OPTION_CONNECTION_LIMIT,
		    (unsigned)HTTP_CONNECTIONS, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		    (unsigned)HTTP_PER_CLIENT, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_IDLE_S,
		    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_MEMORY_PER_REQUEST, MHD_OPTION_END);
		if (!h->daemons[i]) {
			snprintf(err, errlen, "http listen %s: cannot listen (address in use?)", l->text);
			http_stop(h);
			return FDNS_EADDR;
		}
		h->n++;
		log_info("http: status and metrics on %s", l->text);
	}
	*out = h;
	return FDNS_OK;
}

void http_stop(http_t *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->n; i++)
		MHD_stop_daemon(h->daemons[i]);
	free(h->daemons);
	free(h);
}
