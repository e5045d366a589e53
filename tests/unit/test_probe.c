/* SPDX-License-Identifier: MIT */
/* test_probe.c -- the prober of replicas kept by an engine's grace (src/daemon/probe.h;
 * docs/fleet.md "Riding out engine restarts"), on a real libuv loop against real loopback
 * ports: one that refuses, one that accepts, and one that never answers (a listener with
 * backlog 0 whose one queued connection is never accepted: Linux then drops further SYNs).
 * Checked: why a probe fails and when, the probe interval and timeout a group is given, the
 * grace's end, the cap on connections at once (probes wait in line, first come first), and
 * stopping a group or the prober with probes waiting (no callback after, everything freed:
 * the AddressSanitizer build finds a leak or a use after free). Times are checked from
 * below only (a loaded machine makes them later, never earlier). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "daemon/probe.h"
#include "fleetdns/error.h"
#include "tap.h"

#define MAX_EVENTS 64

typedef struct event {
	char id[16];
	char why[64];
	uint64_t at; /* ms after the test's start */
} event_t;

typedef struct run {
	uv_loop_t loop;
	prober_t *prober;
	uint64_t start;
	event_t dead[MAX_EVENTS];
	size_t ndead;
	size_t over;
	uint64_t over_at;
	bool stop_on_dead; /* the first dead() stops its group from inside the callback */
	bool closed;
} run_t;

static void on_dead(void *ctx, const char *engine, const char *id, const char *why)
{
	run_t *r = ctx;
	if (r->ndead < MAX_EVENTS) {
		event_t *e = &r->dead[r->ndead];
		snprintf(e->id, sizeof(e->id), "%s", id);
		snprintf(e->why, sizeof(e->why), "%s", why);
		e->at = uv_now(&r->loop) - r->start;
	}
	r->ndead++;
	if (r->stop_on_dead)
		prober_group_stop(r->prober, engine);
}

static void on_over(void *ctx, const char *engine)
{
	(void)engine;
	run_t *r = ctx;
	r->over++;
	r->over_at = uv_now(&r->loop) - r->start;
}

static const prober_callbacks_t callbacks = {on_dead, on_over};

static void run_init(run_t *r, size_t max_connecting)
{
	memset(r, 0, sizeof(*r));
	uv_loop_init(&r->loop);
	r->prober = prober_new(&r->loop, &callbacks, r, max_connecting);
	uv_update_time(&r->loop);
	r->start = uv_now(&r->loop);
}

static void on_prober_closed(void *arg)
{
	((run_t *)arg)->closed = true;
}

/* Closes the prober and the loop; true when everything was freed. */
static bool run_close(run_t *r)
{
	prober_close(r->prober, on_prober_closed, r);
	uv_run(&r->loop, UV_RUN_DEFAULT);
	return r->closed && uv_loop_close(&r->loop) == 0;
}

/* --- the ports probed ---------------------------------------------------------------------- */

static int bound_socket(uint16_t *port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
		perror("socket");
		exit(1);
	}
	*port = ntohs(a.sin_port);
	return fd;
}

/* A port nothing listens on: connections are refused. */
static uint16_t refused_port(void)
{
	uint16_t port;
	close(bound_socket(&port));
	return port;
}

/* A port that never answers: backlog 0 holds one connection (made here, never accepted);
 * the SYNs of any other are dropped. *fds gets the two sockets to close. */
static uint16_t silent_port(int fds[2])
{
	uint16_t port;
	fds[0] = bound_socket(&port);
	listen(fds[0], 0);
	fds[1] = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET,
	                        .sin_port = htons(port),
	                        .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (connect(fds[1], (struct sockaddr *)&a, sizeof(a)) != 0) {
		perror("connect");
		exit(1);
	}
	return port;
}

/* A port that accepts on r's loop, counting connections. */
typedef struct acceptor {
	uv_tcp_t server;
	size_t accepted;
} acceptor_t;

static void on_accepted_closed(uv_handle_t *h)
{
	free(h);
}

static void on_connection(uv_stream_t *server, int status)
{
	acceptor_t *a = server->data;
	uv_tcp_t *c = malloc(sizeof(*c));
	uv_tcp_init(server->loop, c);
	if (status == 0 && uv_accept(server, (uv_stream_t *)c) == 0)
		a->accepted++;
	uv_close((uv_handle_t *)c, on_accepted_closed);
}

static uint16_t acceptor_start(acceptor_t *a, uv_loop_t *loop)
{
	memset(a, 0, sizeof(*a));
	struct sockaddr_in addr;
	uv_ip4_addr("127.0.0.1", 0, &addr);
	uv_tcp_init(loop, &a->server);
	a->server.data = a;
	uv_tcp_bind(&a->server, (struct sockaddr *)&addr, 0);
	uv_listen((uv_stream_t *)&a->server, 128, on_connection);
	struct sockaddr_in bound;
	int len = sizeof(bound);
	uv_tcp_getsockname(&a->server, (struct sockaddr *)&bound, &len);
	return ntohs(bound.sin_port);
}

/* --- the checks ------------------------------------------------------------------------------ */

static void check_refused_and_timeout(void)
{
	run_t r;
	run_init(&r, 16);
	int fds[2];
	uint16_t silent = silent_port(fds);
	prober_timing_t t = {.grace_ms = 5000, .interval_ms = 100, .timeout_ms = 300};
	ok(prober_group_start(r.prober, "e1", &t) == FDNS_OK, "a group starts");
	ok(prober_add(r.prober, "e1", "refused", "127.0.0.1", refused_port()) == FDNS_OK &&
	       prober_add(r.prober, "e1", "silent", "127.0.0.1", silent) == FDNS_OK,
	   "two probes added");
	ok(prober_add(r.prober, "e2", "x", "127.0.0.1", 1) == FDNS_ENOENT,
	   "no group for e2: FDNS_ENOENT");
	ok(prober_add(r.prober, "e1", "x", "not-an-address", 1) == FDNS_EINVAL,
	   "not an address: FDNS_EINVAL");
	size_t probes = 0;
	while (r.ndead < 2 && uv_run(&r.loop, UV_RUN_ONCE))
		;
	ok(r.ndead == 2, "both probes failed (%zu)", r.ndead);
	ok(strcmp(r.dead[0].id, "refused") == 0 && strcmp(r.dead[0].why, "connection refused") == 0,
	   "first: refused, \"%s\"", r.dead[0].why);
	ok(strcmp(r.dead[1].id, "silent") == 0 &&
	       strcmp(r.dead[1].why, "not connected within 300 ms") == 0,
	   "then the silent one: \"%s\" (the group's timeout)", r.dead[1].why);
	ok(r.dead[1].at >= 300, "not before its timeout: %llu ms",
	   (unsigned long long)r.dead[1].at);
	ok(prober_group_running(r.prober, "e1", &probes) && probes == 0,
	   "the group runs on with no probe");
	ok(r.over == 0, "its grace is not over");
	ok(prober_connecting(r.prober, NULL) == 0, "no connection runs");
	ok(run_close(&r), "closed with the group running, everything freed");
	ok(r.over == 0, "closing calls nothing back");
	close(fds[0]);
	close(fds[1]);
}

static void check_interval_and_grace(void)
{
	run_t r;
	run_init(&r, 16);
	acceptor_t a;
	uint16_t port = acceptor_start(&a, &r.loop);
	prober_timing_t t = {.grace_ms = 1000, .interval_ms = 200, .timeout_ms = 500};
	prober_group_start(r.prober, "e1", &t);
	prober_add(r.prober, "e1", "a1", "127.0.0.1", port);
	while (r.over == 0 && uv_run(&r.loop, UV_RUN_ONCE))
		;
	ok(r.over == 1 && r.over_at >= 1000, "grace over once, after %llu ms",
	   (unsigned long long)r.over_at);
	ok(r.ndead == 0, "a replica that accepts stays");
	/* At once, then every 200 ms: 6 connections in 1,000 ms at most (7 if the last one
	 * was just made as the grace ended); fewer only on a loaded machine. */
	ok(a.accepted >= 2 && a.accepted <= 7, "%zu connections in the grace, every 200 ms",
	   a.accepted);
	ok(!prober_group_running(r.prober, "e1", NULL), "the group ended with its grace");
	uv_close((uv_handle_t *)&a.server, NULL);
	ok(run_close(&r), "everything freed");
}

static int by_time(const void *x, const void *y)
{
	const event_t *a = x, *b = y;
	return a->at < b->at ? -1 : a->at > b->at;
}

static void check_cap(void)
{
	run_t r;
	run_init(&r, 2);
	int fds[2];
	uint16_t silent = silent_port(fds);
	prober_timing_t t = {.grace_ms = 10000, .interval_ms = 100, .timeout_ms = 200};
	prober_group_start(r.prober, "e1", &t);
	prober_group_start(r.prober, "e2", &t);
	/* Three replicas on each of two engines, all silent: two connect at once. */
	char id[8];
	for (int i = 0; i < 6; i++) {
		snprintf(id, sizeof(id), "s%d", i);
		prober_add(r.prober, i % 2 ? "e2" : "e1", id, "127.0.0.1", silent);
	}
	while (r.ndead < 6 && uv_run(&r.loop, UV_RUN_ONCE))
		;
	size_t most = 0;
	size_t now = prober_connecting(r.prober, &most);
	ok(r.ndead == 6, "all six failed (%zu)", r.ndead);
	ok(most == 2, "at most 2 connections at once (%zu)", most);
	ok(now == 0, "none left running");
	qsort(r.dead, 6, sizeof(event_t), by_time);
	bool waves = true;
	for (int i = 0; i < 6; i++) {
		diag("%s failed at %llu ms: %s", r.dead[i].id, (unsigned long long)r.dead[i].at,
		     r.dead[i].why);
		waves &= r.dead[i].at >= (uint64_t)(i / 2 + 1) * 200;
	}
	ok(waves, "in waves of two: the i-th failure after (i/2 + 1) x 200 ms");
	ok(run_close(&r), "everything freed");
	close(fds[0]);
	close(fds[1]);
}

/* A group stopped from its first dead() while its other probes wait for a slot: no more
 * callbacks, and the slot goes to the other engine's probe. */
static void check_stop_with_line(void)
{
	run_t r;
	run_init(&r, 1);
	int fds[2];
	uint16_t silent = silent_port(fds);
	acceptor_t a;
	uint16_t open_port = acceptor_start(&a, &r.loop);
	prober_timing_t t = {.grace_ms = 10000, .interval_ms = 100, .timeout_ms = 200};
	prober_group_start(r.prober, "e1", &t);
	prober_group_start(r.prober, "e2", &t);
	prober_add(r.prober, "e1", "s1", "127.0.0.1", silent);
	prober_add(r.prober, "e1", "s2", "127.0.0.1", silent);
	prober_add(r.prober, "e2", "o1", "127.0.0.1", open_port);
	r.stop_on_dead = true;
	while (a.accepted == 0 && uv_run(&r.loop, UV_RUN_ONCE))
		;
	ok(r.ndead == 1 && strcmp(r.dead[0].id, "s1") == 0, "s1 failed first (%zu)", r.ndead);
	ok(!prober_group_running(r.prober, "e1", NULL), "e1's group stopped from the callback");
	ok(a.accepted == 1, "e2's probe connected after s1's slot was given back");
	size_t probes = 0;
	ok(prober_group_running(r.prober, "e2", &probes) && probes == 1, "e2 probes on");
	/* The prober closes with e2's probe between connections and nothing in line. */
	uv_close((uv_handle_t *)&a.server, NULL);
	ok(run_close(&r) && r.ndead == 1, "closed, s2 never called back");
	close(fds[0]);
	close(fds[1]);
}

int main(void)
{
	check_refused_and_timeout();
	check_interval_and_grace();
	check_cap();
	check_stop_with_line();
	return done_testing();
}
