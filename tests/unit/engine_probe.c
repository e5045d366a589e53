/* SPDX-License-Identifier: MIT */
/* engine_probe.c -- runs one engine client against a URL and prints every callback as one
 * line on stdout, for tests/func/engine_fake.py and for trying real engines by hand:
 *
 *   synced N                         then N lines:
 *   item ID STATE HEALTH name=NAME nets=NET:V4:V6,... ports=P/PROTO:HOSTIP:HOSTPORT,...
 *        labels=K=V,...
 *   updated ID STATE HEALTH name=...  (same fields as item)
 *   removed ID
 *   down REASON
 *   closed                           (after SIGTERM/SIGINT, or --exit-after N syncs)
 *
 * STATE is running or paused. Logs go to stderr (-v for debug).
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "fleetdns/engine.h"
#include "fleetdns/error.h"
#include "util/log.h"

struct probe {
	uv_loop_t *loop;
	engine_t *engine;
	uv_signal_t sigterm, sigint;
	long exit_after; /* close after this many synced calls; 0: never */
	long nsynced;
	bool closing;
};

static void print_container(const char *what, const engine_container_t *c)
{
	printf("%s %s %s %s name=%s nets=", what, c->id, c->paused ? "paused" : "running",
	       engine_health_name(c->health), c->name);
	for (size_t i = 0; i < c->nnetworks; i++)
		printf("%s%s:%s:%s", i ? "," : "", c->networks[i].name, c->networks[i].ipv4,
		       c->networks[i].ipv6);
	printf(" ports=");
	for (size_t i = 0; i < c->nports; i++)
		printf("%s%u/%s:%s:%u", i ? "," : "", c->ports[i].container_port,
		       c->ports[i].udp ? "udp" : "tcp", c->ports[i].host_ip, c->ports[i].host_port);
	printf(" labels=");
	for (size_t i = 0; i < c->nlabels; i++)
		printf("%s%s=%s", i ? "," : "", c->labels[i].key, c->labels[i].value);
	putchar('\n');
}

static void on_closed(void *arg)
{
	struct probe *p = arg;

	printf("closed\n");
	uv_close((uv_handle_t *)&p->sigterm, NULL);
	uv_close((uv_handle_t *)&p->sigint, NULL);
}

static void probe_close(struct probe *p)
{
	if (p->closing)
		return;
	p->closing = true;
	engine_close(p->engine, on_closed, p);
}

static void on_synced(void *ctx, engine_t *e, const engine_container_t *const *list, size_t n)
{
	struct probe *p = ctx;
	engine_info_t info;

	/* The counters behind /metrics, before each listing: "stats reconnects=N
	 * errors=KIND:N,..." (events are left out: a re-listing does not wait for them). */
	engine_info(e, &info);
	printf("stats reconnects=%llu errors=", (unsigned long long)info.reconnects);
	for (int k = 0; k < ENGINE_ERRORS; k++)
		printf("%s%s:%llu", k ? "," : "", engine_error_name((enum engine_error)k),
		       (unsigned long long)info.errors[k]);
	printf(" last_sync=%s\n", info.last_sync ? "set" : "0");
	printf("synced %zu\n", n);
	for (size_t i = 0; i < n; i++)
		print_container("item", list[i]);
	if (p->exit_after && ++p->nsynced >= p->exit_after)
		probe_close(p); /* from inside the callback, on purpose */
}

static void on_updated(void *ctx, engine_t *e, const engine_container_t *c)
{
	print_container("updated", c);
}

static void on_removed(void *ctx, engine_t *e, const char *id)
{
	printf("removed %s\n", id);
}

static void on_down(void *ctx, engine_t *e, const char *reason)
{
	printf("down %s\n", reason);
}

static void on_signal(uv_signal_t *h, int signum)
{
	probe_close(h->data);
}

static void usage(void)
{
	fprintf(stderr, "usage: engine_probe [-v] [-t TIMEOUT_MS] [-r RESYNC_MS] [-n NAME]\n"
	                "         [--ca FILE --cert FILE --key FILE] [--exit-after N] URL\n");
	exit(2);
}

int main(int argc, char **argv)
{
	conf_engine_t conf = {.name = "probe", .timeout_ms = 3000};
	engine_callbacks_t cb = {on_synced, on_updated, on_removed, on_down, NULL};
	struct probe p = {.loop = uv_default_loop()};
	unsigned resync = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	log_level_set(LOG_LVL_INFO);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "-v") == 0) {
			log_level_set(LOG_LVL_DEBUG);
			continue;
		}
		if (a[0] != '-') {
			conf.url = argv[i];
			continue;
		}
		if (!v)
			usage();
		i++;
		if (strcmp(a, "-t") == 0)
			conf.timeout_ms = (unsigned)strtoul(v, NULL, 10);
		else if (strcmp(a, "-r") == 0)
			resync = (unsigned)strtoul(v, NULL, 10);
		else if (strcmp(a, "-n") == 0)
			conf.name = argv[i];
		else if (strcmp(a, "--ca") == 0)
			conf.tls_ca = argv[i];
		else if (strcmp(a, "--cert") == 0)
			conf.tls_cert = argv[i];
		else if (strcmp(a, "--key") == 0)
			conf.tls_key = argv[i];
		else if (strcmp(a, "--exit-after") == 0)
			p.exit_after = strtol(v, NULL, 10);
		else
			usage();
	}
	if (!conf.url)
		usage();
	p.engine = engine_new(p.loop, &conf, &cb, &p);
	if (!p.engine) {
		fprintf(stderr, "engine_new failed\n");
		return 1;
	}
	engine_set_resync(p.engine, resync);
	uv_signal_init(p.loop, &p.sigterm);
	uv_signal_init(p.loop, &p.sigint);
	p.sigterm.data = p.sigint.data = &p;
	uv_signal_start(&p.sigterm, on_signal, SIGTERM);
	uv_signal_start(&p.sigint, on_signal, SIGINT);
	int rc = engine_start(p.engine);
	if (rc) {
		printf("start failed: %s\n", fdns_strerror(rc));
		probe_close(&p);
	}
	uv_run(p.loop, UV_RUN_DEFAULT);
	int lc = uv_loop_close(p.loop);
	if (lc)
		fprintf(stderr, "uv_loop_close: %s\n", uv_strerror(lc));
	return rc || lc ? 1 : 0;
}
