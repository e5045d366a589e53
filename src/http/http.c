/* SPDX-License-Identifier: MIT */
/* http.c -- the status and metrics listener on libmicrohttpd (see http.h). */
#include <errno.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "fleetdns/error.h"
#include "http/http.h"
#include "http/metrics.h"
#include "http/page.h"
#include "util/log.h"

#define HTTP_CONNECTIONS        64
#define HTTP_PER_CLIENT         8
#define HTTP_IDLE_S             10
#define HTTP_MEMORY_PER_REQUEST (16 * 1024)

/* What a request handler knows: the listener, and whether it came over the control socket. */
typedef struct http_side {
	const struct http *h;
	bool control;
} http_side_t;

struct http {
	http_deps_t deps;
	time_t started;
	size_t n;
	struct MHD_Daemon **daemons; /* the TCP listeners, then the control socket's */
	http_side_t public, control;
	char *control_path; /* unlinked at stop */
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

/* What the control loop renders is brought up to now before it is read; a loop too busy to
 * do it within this long gets the last rendering served. */
#define REFRESH_WAIT_MS 1000

static void refresh(const http_t *h)
{
	if (h->deps.wake)
		board_refresh(h->deps.board, h->deps.wake, h->deps.arg, REFRESH_WAIT_MS);
}

static enum MHD_Result metrics_page(struct MHD_Connection *conn, const http_t *h)
{
	server_stats_t st;
	server_stats_read(h->deps.srv, &st);
	char *body = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&body, &len);
	if (!out)
		return MHD_NO;
	metrics_write(out, &st, h->started);
	refresh(h);
	char *fleet = board_metrics_read(h->deps.board);
	if (fleet)
		fputs(fleet, out);
	free(fleet);
	if (fclose(out) != 0) {
		free(body);
		return MHD_NO;
	}
	return reply(conn, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", body, len);
}

static enum MHD_Result status_page(struct MHD_Connection *conn, const http_t *h)
{
	bool ready;
	refresh(h);
	char *body = board_read(h->deps.board, &ready);
	if (!body)
		return reply_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "starting\n");
	return reply(conn, MHD_HTTP_OK, "application/json", body, strlen(body));
}

static enum MHD_Result front_page(struct MHD_Connection *conn, const http_t *h)
{
	bool ready;
	refresh(h);
	char *status = board_read(h->deps.board, &ready);
	size_t len = 0;
	char *page = page_render(status ? status : "", &len);
	free(status);
	if (!page)
		return MHD_NO;
	return reply(conn, MHD_HTTP_OK, "text/html; charset=utf-8", page, len);
}

static enum MHD_Result ready_page(struct MHD_Connection *conn, const http_t *h)
{
	bool ready;
	free(board_read(h->deps.board, &ready));
	return ready ? reply_text(conn, MHD_HTTP_OK, "ready\n")
	             : reply_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "not ready\n");
}

/* POST /reload, /drain/ENGINE, /undrain/ENGINE on the control socket: done by the control
 * loop while this thread (the control socket's own) waits for the result. */
static enum MHD_Result command(struct MHD_Connection *conn, const http_t *h, const char *url)
{
	static const char *const ops[] = {"reload", "drain", "undrain"};
	char op[16] = "", reply[256];
	const char *arg = "";
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t n = strlen(ops[i]);
		if (url[0] == '/' && strncmp(url + 1, ops[i], n) == 0 &&
		    (url[1 + n] == '\0' || (url[1 + n] == '/' && i > 0))) {
			snprintf(op, sizeof(op), "%s", ops[i]);
			arg = url[1 + n] ? url + 2 + n : "";
		}
	}
	if (!op[0] || (strcmp(op, "reload") != 0 && !arg[0]))
		return reply_text(conn, MHD_HTTP_NOT_FOUND,
		                  "not found: POST /reload, /drain/ENGINE, /undrain/ENGINE\n");
	int ret = board_command(h->deps.board, op, arg, h->deps.wake, h->deps.arg, 5000, reply,
	                        sizeof(reply) - 1);
	strcat(reply, "\n");
	return reply_text(conn,
	                  ret == 0             ? MHD_HTTP_OK
	                  : ret == FDNS_ENOENT ? MHD_HTTP_NOT_FOUND
	                                       : MHD_HTTP_INTERNAL_SERVER_ERROR,
	                  reply);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **state)
{
	const http_side_t *side = cls;
	const http_t *h = side->h;
	if (*upload_data_size) { /* a body: read and ignored */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (side->control && strcmp(method, MHD_HTTP_METHOD_POST) == 0)
		return command(conn, h, url);
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
	if (strcmp(url, "/") == 0)
		return front_page(conn, h);
	return reply_text(conn, MHD_HTTP_NOT_FOUND,
	                  "not found: /, /metrics, /health, /ready and /status are here\n");
}

/* A unix socket at path, mode 0600, listening; a stale socket file is replaced. Returns the
 * descriptor or -1. */
static int control_socket_open(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct stat st;
	if (strlen(path) >= sizeof(sun.sun_path))
		return -1;
	strcpy(sun.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
			close(fd); /* another fleetdns answers there */
			errno = EADDRINUSE;
			return -1;
		}
		unlink(path); /* left by a fleetdns that did not stop cleanly */
		close(fd);
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
			return -1;
	}
	mode_t old = umask(0177); /* created 0600: no window with looser rights */
	int ok = bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0 && listen(fd, 16) == 0;
	umask(old);
	if (!ok) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static struct MHD_Daemon *daemon_start(http_side_t *side, const conf_listen_t *l, int fd)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	if (fd >= 0) /* the control socket: no per-address limit on a unix socket */
		return MHD_start_daemon(flags, 0, NULL, NULL, on_request, side,
		                        MHD_OPTION_EXTERNAL_LOGGER, mhd_logged, NULL,
		                        MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_LIMIT,
		                        (unsigned)HTTP_PER_CLIENT, MHD_OPTION_CONNECTION_TIMEOUT,
		                        (unsigned)HTTP_IDLE_S, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
		                        (size_t)HTTP_MEMORY_PER_REQUEST, MHD_OPTION_END);
	if (l->addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* The logger first, so that libmicrohttpd never writes stderr itself. */
	return MHD_start_daemon(
	    flags, 0, NULL, NULL, on_request, side, MHD_OPTION_EXTERNAL_LOGGER, mhd_logged, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&l->addr, MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned)HTTP_CONNECTIONS, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    (unsigned)HTTP_PER_CLIENT, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_IDLE_S,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_MEMORY_PER_REQUEST, MHD_OPTION_END);
}

int http_start(http_t **out, const conf_t *conf, const http_deps_t *deps, char *err, size_t errlen)
{
	*out = NULL;
	size_t want = conf->nhttp_listen + (conf->control_socket ? 1 : 0);
	if (want == 0)
		return FDNS_OK;
	http_t *h = calloc(1, sizeof(*h));
	if (!h || !(h->daemons = calloc(want, sizeof(*h->daemons)))) {
		free(h);
		return FDNS_ENOMEM;
	}
	h->deps = *deps;
	h->started = time(NULL);
	h->public = (http_side_t){.h = h, .control = false};
	h->control = (http_side_t){.h = h, .control = true};
	for (size_t i = 0; i < conf->nhttp_listen; i++) {
		const conf_listen_t *l = &conf->http_listen[i];
		if (!(h->daemons[h->n] = daemon_start(&h->public, l, -1))) {
			snprintf(err, errlen, "http listen %s: cannot listen (address in use?)",
			         l->text);
			http_stop(h);
			return FDNS_EADDR;
		}
		h->n++;
		log_info("http: status and metrics on %s", l->text);
	}
	if (conf->control_socket) {
		int fd = control_socket_open(conf->control_socket);
		if (fd < 0 || !(h->daemons[h->n] = daemon_start(&h->control, NULL, fd))) {
			snprintf(err, errlen, "control-socket %s: %s", conf->control_socket,
			         fd < 0 ? strerror(errno) : "cannot serve it");
			if (fd >= 0) {
				close(fd);
				unlink(conf->control_socket);
			}
			http_stop(h);
			return FDNS_EADDR;
		}
		h->control_path = strdup(conf->control_socket); /* unlinked at stop (if memory) */
		h->n++;
		log_info("http: control socket %s", conf->control_socket);
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
	if (h->control_path)
		unlink(h->control_path);
	free(h->control_path);
	free(h->daemons);
	free(h);
}
