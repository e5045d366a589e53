/* SPDX-License-Identifier: MIT */
/* main.c -- the fleetdns daemon: configuration, signals, reloads; workers do the serving. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "daemon/load.h"
#include "fleetdns/conf.h"
#include "fleetdns/error.h"
#include "fleetdns/server.h"
#include "util/log.h"

typedef struct daemon {
	uv_loop_t *loop;
	conf_cmdline_t cmdline;
	server_t *server;
	uv_signal_t sighup, sigterm, sigint;
	uv_work_t reload;
	bool reloading, reload_again;
	/* Result of the reload running on the thread pool. */
	snapshot_t *new_snap;
	int reload_ret;
	char reload_err[1024];
} daemon_t;

static void reload_work(uv_work_t *req)
{
	daemon_t *d = req->data;
	conf_t conf;
	d->new_snap = NULL;
	d->reload_ret = conf_build(&conf, &d->cmdline, d->reload_err, sizeof(d->reload_err));
	if (d->reload_ret == FDNS_OK) {
		d->reload_ret = daemon_load(&d->new_snap, &conf, d->reload_err,
					    sizeof(d->reload_err));
		conf_free(&conf);
	}
}

static void reload_start(daemon_t *d);

static void reload_done(uv_work_t *req, int status)
{
	daemon_t *d = req->data;
	d->reloading = false;
	if (d->reload_ret == FDNS_OK && d->new_snap) {
		log_info("reloaded: %zu zones, %zu names", snapshot_zone_count(d->new_snap),
			 snapshot_name_count(d->new_snap));
		server_publish(d->server, d->new_snap);
		d->new_snap = NULL;
	} else {
		log_error("reload failed, still serving the previous data: %s", d->reload_err);
	}
	if (d->reload_again) {
		d->reload_again = false;
		reload_start(d);
	}
}

static void reload_start(daemon_t *d)
{
	if (d->reloading) {
		d->reload_again = true;
		return;
	}
	d->reloading = true;
	d->reload.data = d;
	uv_queue_work(d->loop, &d->reload, reload_work, reload_done);
}

static void on_sighup(uv_signal_t *h, int sig)
{
	log_info("SIGHUP: reloading configuration and zones");
	reload_start(h->data);
}

static void on_stop_signal(uv_signal_t *h, int sig)
{
	daemon_t *d = h->data;
	log_info("%s: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	uv_signal_stop(&d->sighup);
	uv_signal_stop(&d->sigterm);
	uv_signal_stop(&d->sigint);
	uv_close((uv_handle_t *)&d->sighup, NULL);
	uv_close((uv_handle_t *)&d->sigterm, NULL);
	uv_close((uv_handle_t *)&d->sigint, NULL);
}

int main(int argc, char **argv)
{
	daemon_t d = {0};
	char err[1024] = "";
	int r = conf_cmdline_parse(&d.cmdline, argc, argv, err, sizeof(err));
	if (r == 1)
		return 0;
	if (r < 0) {
		fprintf(stderr, "fleetdns: %s\n", err);
		return 2;
	}
	conf_t conf;
	if (conf_build(&conf, &d.cmdline, err, sizeof(err)) < 0) {
		fprintf(stderr, "fleetdns: %s\n", err);
		conf_cmdline_free(&d.cmdline);
		return 1;
	}
	log_level_set((enum log_level)conf.log_level);
	snapshot_t *snap = NULL;
	if (daemon_load(&snap, &conf, err, sizeof(err)) < 0) {
		fprintf(stderr, "fleetdns: %s\n", err);
		conf_free(&conf);
		conf_cmdline_free(&d.cmdline);
		return 1;
	}
	if (d.cmdline.check_only) {
		printf("fleetdns: configuration OK: %zu zones, %zu names\n",
		       snapshot_zone_count(snap), snapshot_name_count(snap));
		snapshot_free(snap);
		conf_free(&conf);
		conf_cmdline_free(&d.cmdline);
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);
	if (server_start(&d.server, &conf, err, sizeof(err)) < 0) {
		fprintf(stderr, "fleetdns: %s\n", err);
		snapshot_free(snap);
		conf_free(&conf);
		conf_cmdline_free(&d.cmdline);
		return 1;
	}
	log_info("serving %zu zones, %zu names", snapshot_zone_count(snap),
		 snapshot_name_count(snap));
	server_publish(d.server, snap);
	for (size_t i = 0; i < conf.nlisten; i++)
		log_info("listening on %s (udp, tcp)", conf.listen[i].text);
	conf_free(&conf);

	d.loop = uv_default_loop();
	uv_signal_init(d.loop, &d.sighup);
	uv_signal_init(d.loop, &d.sigterm);
	uv_signal_init(d.loop, &d.sigint);
	d.sighup.data = d.sigterm.data = d.sigint.data = &d;
	uv_signal_start(&d.sighup, on_sighup, SIGHUP);
	uv_signal_start(&d.sigterm, on_stop_signal, SIGTERM);
	uv_signal_start(&d.sigint, on_stop_signal, SIGINT);
	uv_run(d.loop, UV_RUN_DEFAULT); /* returns once the signal handles are closed */

	server_stop(d.server);
	if (d.new_snap)
		snapshot_free(d.new_snap);
	uv_loop_close(d.loop);
	conf_cmdline_free(&d.cmdline);
	log_info("stopped");
	return 0;
}
