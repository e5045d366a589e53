/* SPDX-License-Identifier: MIT */
/* server.c -- sockets, worker threads and the published snapshot. */
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <urcu.h>

#include "fleetdns/error.h"
#include "fleetdns/server.h"
#include "server/worker.h"
#include "util/counter.h"
#include "util/log.h"

/* A published snapshot with what call_rcu needs to free it later. */
typedef struct published {
	struct rcu_head rcu;
	snapshot_t *snap;
} published_t;

struct server {
	published_t *current; /* RCU-protected */
	unsigned nworkers;
	worker_t **workers;
	uint8_t cookie_secret[COOKIE_SECRET_LEN]; /* made at start: cookies end with the process */
	chaos_t chaos; /* CHAOS TXT and NSID, prepared at start from conf (read by every worker) */
};

const snapshot_t *server_snapshot(server_t *srv)
{
	/* An acquire load pairs with the exchange in server_publish(): the snapshot is fully
	 * built before a worker can see it (C11 atomics, which ThreadSanitizer understands;
	 * the RCU read-side section around the caller keeps it alive). */
	published_t *p = __atomic_load_n(&srv->current, __ATOMIC_ACQUIRE);
	return p ? p->snap : NULL;
}

static void published_free(struct rcu_head *head)
{
	published_t *p = caa_container_of(head, published_t, rcu);
	snapshot_free(p->snap);
	free(p);
}

void server_publish(server_t *srv, snapshot_t *snap)
{
	published_t *p = malloc(sizeof(*p));
	if (!p) {
		log_error("out of memory publishing new data; keeping the old");
		snapshot_free(snap);
		return;
	}
	p->snap = snap;
	published_t *old = __atomic_exchange_n(&srv->current, p, __ATOMIC_ACQ_REL);
	if (old)
		call_rcu(&old->rcu, published_free); /* freed when no reader can see it */
}

static bool is_wildcard(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ((const struct sockaddr_in *)ss)->sin_addr.s_addr == htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)ss)->sin6_addr);
}

static int open_socket(const conf_listen_t *l, int type, char *err, size_t errlen)
{
	int fam = l->addr.ss_family, one = 1;
	int fd = socket(fam, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0)
		goto fail;
	if (fam == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (type == SOCK_DGRAM && is_wildcard(&l->addr)) {
		if (fam == AF_INET)
			setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
		else
			setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
	}
	if (bind(fd, (const struct sockaddr *)&l->addr, l->addrlen) < 0)
		goto fail;
	return fd;
fail:
	snprintf(err, errlen, "listen %s (%s): %s", l->text, type == SOCK_DGRAM ? "udp" : "tcp",
	         strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

static void worker_on_stop(uv_async_t *a)
{
	worker_t *w = a->data;
	for (size_t i = 0; i < w->nudp; i++)
		uv_close((uv_handle_t *)&w->udp[i].poll, NULL);
	for (size_t i = 0; i < w->ntcp; i++)
		uv_close((uv_handle_t *)&w->tcp[i].handle, NULL);
	worker_tcp_close_all(w);
	uv_close((uv_handle_t *)&w->stop, NULL);
}

static void worker_main(void *arg)
{
	worker_t *w = arg;
	rcu_register_thread();
	for (size_t i = 0; i < w->nudp; i++)
		if (worker_udp_start(w, &w->udp[i]) < 0)
			log_error("worker %u: cannot poll udp socket", w->id);
	for (size_t i = 0; i < w->ntcp; i++)
		if (worker_tcp_start(w, &w->tcp[i]) < 0)
			log_error("worker %u: cannot listen on tcp socket", w->id);
	uv_run(&w->loop, UV_RUN_DEFAULT);
	rcu_unregister_thread();
}

static void worker_free(worker_t *w)
{
	if (!w)
		return;
	uv_loop_close(&w->loop);
	for (size_t i = 0; i < w->nudp; i++)
		close(w->udp[i].fd);
	free(w->udp);
	free(w->tcp); /* uv_close closed the tcp fds */
	free(w->tcp_out);
	rrl_free(&w->rrl);
	free(w);
}

static worker_t *worker_new(server_t *srv, unsigned id, const conf_t *conf, char *err,
                            size_t errlen)
{
	worker_t *w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->srv = srv;
	w->id = id;
	memcpy(w->cookie_secret, srv->cookie_secret, sizeof(w->cookie_secret));
	w->chaos = &srv->chaos;
	w->max_conns = conf->tcp_max_clients;
	w->max_per_client = conf->tcp_max_per_client;
	w->idle_ms = conf->tcp_idle_ms;
	w->io_ms = conf->tcp_io_ms;
	w->max_queries = conf->tcp_max_queries ? conf->tcp_max_queries : UINT_MAX;
	w->udp = calloc(conf->nlisten, sizeof(*w->udp));
	w->tcp = calloc(conf->nlisten, sizeof(*w->tcp));
	w->tcp_out = malloc(TCP_OUT_SIZE);
	if (!w->udp || !w->tcp || !w->tcp_out || rrl_init(&w->rrl, &conf->rrl) < 0 ||
	    uv_loop_init(&w->loop) < 0) {
		free(w->udp);
		free(w->tcp);
		free(w->tcp_out);
		rrl_free(&w->rrl);
		free(w);
		return NULL;
	}
	uv_async_init(&w->loop, &w->stop, worker_on_stop);
	w->stop.data = w;
	for (size_t i = 0; i < conf->nlisten; i++) {
		bool wild = is_wildcard(&conf->listen[i].addr);
		int u = open_socket(&conf->listen[i], SOCK_DGRAM, err, errlen);
		if (u < 0)
			goto fail;
		w->udp[w->nudp++] = (udp_sock_t){.fd = u, .pktinfo = wild};
		int t = open_socket(&conf->listen[i], SOCK_STREAM, err, errlen);
		if (t < 0)
			goto fail;
		w->tcp[w->ntcp++] = (tcp_listener_t){.fd = t};
	}
	return w;
fail:
	for (size_t i = 0; i < w->ntcp; i++)
		close(w->tcp[i].fd);
	w->ntcp = 0;
	uv_close((uv_handle_t *)&w->stop, NULL);
	uv_run(&w->loop, UV_RUN_DEFAULT);
	worker_free(w);
	return NULL;
}

int server_start(server_t **out, const conf_t *conf, char *err, size_t errlen)
{
	*out = NULL;
	server_t *srv = calloc(1, sizeof(*srv));
	if (!srv)
		return FDNS_ENOMEM;
	unsigned n = conf->workers;
	if (n == 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		n = cpus > 0 ? (unsigned)cpus : 1;
	}
	srv->workers = calloc(n, sizeof(*srv->workers));
	/* The default identity is the host name, as Knot's and NSD's. */
	char host[256] = "";
	if (gethostname(host, sizeof(host) - 1) < 0)
		host[0] = '\0';
	if (!srv->workers || cookie_secret_new(srv->cookie_secret) < 0 ||
	    chaos_prepare(&srv->chaos, &conf->process, host) < 0) {
		free(srv->workers);
		free(srv);
		return FDNS_ENOMEM;
	}
	snprintf(err, errlen, "out of memory");
	for (unsigned i = 0; i < n; i++) {
		srv->workers[i] = worker_new(srv, i, conf, err, errlen);
		if (!srv->workers[i]) {
			for (unsigned j = 0; j < i; j++) {
				uv_close((uv_handle_t *)&srv->workers[j]->stop, NULL);
				uv_run(&srv->workers[j]->loop, UV_RUN_DEFAULT);
				for (size_t k = 0; k < srv->workers[j]->ntcp; k++)
					close(srv->workers[j]->tcp[k].fd);
				worker_free(srv->workers[j]);
			}
			free(srv->workers);
			free(srv);
			return FDNS_EADDR;
		}
	}
	srv->nworkers = n;
	for (unsigned i = 0; i < n; i++)
		uv_thread_create(&srv->workers[i]->thread, worker_main, srv->workers[i]);
	*out = srv;
	return FDNS_OK;
}

_Static_assert(RRL_CLASSES == 5, "server_stats_t's rate limiting arrays");
_Static_assert(sizeof(server_stats_t) % sizeof(uint64_t) == 0, "only uint64_t counters");

void server_stats_read(server_t *srv, server_stats_t *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < srv->nworkers; i++) {
		const worker_t *w = srv->workers[i];
		/* The struct as an array of counters: every field is a uint64_t. */
		const uint64_t *from = (const uint64_t *)&w->stats;
		uint64_t *to = (uint64_t *)out;
		for (size_t k = 0; k < sizeof(*out) / sizeof(uint64_t); k++)
			to[k] += counter_get(&from[k]);
		for (int k = 0; k < RRL_CLASSES; k++) {
			out->rrl_dropped[k] += counter_get(&w->rrl.stats.dropped[k]);
			out->rrl_slipped[k] += counter_get(&w->rrl.stats.slipped[k]);
		}
	}
}

void server_stop(server_t *srv)
{
	if (!srv)
		return;
	for (unsigned i = 0; i < srv->nworkers; i++)
		uv_async_send(&srv->workers[i]->stop);
	for (unsigned i = 0; i < srv->nworkers; i++) {
		uv_thread_join(&srv->workers[i]->thread);
		worker_free(srv->workers[i]);
	}
	free(srv->workers);
	published_t *last = __atomic_exchange_n(&srv->current, NULL, __ATOMIC_ACQ_REL);
	synchronize_rcu();
	if (last) {
		snapshot_free(last->snap);
		free(last);
	}
	rcu_barrier(); /* run pending frees before we return */
	free(srv);
}
