/* SPDX-License-Identifier: MIT */
/* main.c -- the fleetdns daemon: configuration, signals, reloads; workers do the serving
 * and the fleet (engines, registry, publishing) runs on this thread's loop.
 *
 * Start-up order: read the configuration and zones; look the user up and lock the pidfile
 * (a second fleetdns stops here, before binding what the first has bound); restrict what
 * threads inherit; bind the DNS sockets and the HTTP listener; drop to the user; only then
 * start the engines, the first outside input that is not a DNS query. READY=1 goes to the
 * service manager, and the pid into the pidfile, with the first published data: before
 * it, workers answer nothing. */
#include <malloc.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "daemon/check.h"
#include "daemon/fleet.h"
#include "daemon/load.h"
#include "daemon/notify.h"
#include "daemon/pidfile.h"
#include "daemon/privileges.h"
#include "fleetdns/conf.h"
#include "fleetdns/error.h"
#include "fleetdns/server.h"
#include "http/http.h"
#include "util/log.h"

typedef struct daemon {
	uv_loop_t *loop;
	conf_cmdline_t cmdline;
	server_t *server;
	http_t *http;   /* status and metrics, or NULL */
	board_t *board; /* what the fleet posts for the listener */
	fleet_t *fleet;
	uv_signal_t sighup, sigterm, sigint;
	uv_async_t command;       /* a fleetdnsctl command waits on the board */
	uv_prepare_t ready_watch; /* until the first publication: READY=1, pidfile */
	bool ready, ready_watch_closed;
	size_t engines;     /* watched at start, for STATUS= */
	pidfile_t *pidfile; /* or NULL */
	uv_work_t reload;
	bool reloading, reload_again, stopping;
	/* Result of the reload running on the thread pool. */
	loaded_t next;
	int reload_ret;
	char reload_err[1024];
} daemon_t;

static void reload_work(uv_work_t *req)
{
	daemon_t *d = req->data;
	d->reload_ret = daemon_load(&d->next, &d->cmdline, d->reload_err, sizeof(d->reload_err));
}

static void reload_start(daemon_t *d);

/* Engines a load watches: those configured, or the local default one. */
static size_t engine_count(const loaded_t *l)
{
	return !l->fleet ? 0 : l->conf.nengines ? l->conf.nengines : 1;
}

static const char *plural(size_t n)
{
	return n == 1 ? "" : "s";
}

/* READY=1, with what is served as the status systemctl shows. */
static void ready_notify(size_t zones, size_t names, size_t engines)
{
	notify_ready("serving %zu zone%s, %zu name%s; watching %zu engine%s", zones, plural(zones),
	             names, plural(names), engines, plural(engines));
}

/* The service manager hears that a reload is over, failed or not, once the first READY=1
 * went out (before it, a reload is part of starting). After a good one, READY=1 follows
 * fleet_apply(), which publishes the new zones before it returns. */
static void reload_done(uv_work_t *req, int status)
{
	daemon_t *d = req->data;
	d->reloading = false;
	if (d->reload_ret == FDNS_OK && !d->stopping) {
		size_t zones = snapshot_zone_count(d->next.snap);
		size_t names = snapshot_name_count(d->next.snap), engines = engine_count(&d->next);
		log_level_set((enum log_level)d->next.conf.log_level);
		log_info("reloaded: %zu zones, %zu names", zones, names);
		fleet_apply(d->fleet, &d->next);
		if (d->ready)
			ready_notify(zones, names, engines);
	} else if (d->reload_ret != FDNS_OK) {
		log_error("reload failed, still serving the previous data: %s", d->reload_err);
		if (d->ready && !d->stopping)
			notify_ready("reload failed, serving the previous data: %s", d->reload_err);
	}
	daemon_loaded_free(&d->next);
	if (d->reload_again && !d->stopping) {
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
	if (d->ready)
		notify_reloading("reloading configuration and zones");
	d->reload.data = d;
	uv_queue_work(d->loop, &d->reload, reload_work, reload_done);
}

static void on_sighup(uv_signal_t *h, int sig)
{
	log_info("SIGHUP: reloading configuration and zones");
	reload_start(h->data);
}

/* A command from the control socket (fleetdnsctl), waiting on the board. */
static void on_command(uv_async_t *a)
{
	daemon_t *d = a->data;
	char op[16], arg[128], reply[256];
	while (board_command_take(d->board, op, sizeof(op), arg, sizeof(arg))) {
		int ret = FDNS_OK;
		if (strcmp(op, "reload") == 0) {
			log_info("control socket: reloading configuration and zones");
			reload_start(d);
			snprintf(reply, sizeof(reply), "reloading");
		} else {
			bool drain = strcmp(op, "drain") == 0;
			ret = d->fleet ? fleet_drain(d->fleet, arg, drain) : FDNS_ENOENT;
			snprintf(reply, sizeof(reply), "%s %s%s", arg,
			         ret == FDNS_ENOENT ? "is not an engine"
			         : drain            ? "drained"
			                            : "undrained",
			         ret < 0 && ret != FDNS_ENOENT ? ": out of memory" : "");
		}
		board_command_done(d->board, ret, reply);
	}
	/* Readers of /metrics, /status and the page asked for what is true now. */
	unsigned long asked = board_refresh_asked(d->board);
	if (d->fleet)
		fleet_status_fresh(d->fleet);
	board_refresh_done(d->board, asked);
}

/* Called on the HTTP listener's thread: only wake the loop. */
static void command_wake(void *arg)
{
	uv_async_send(arg);
}

static void fleet_closed(void *arg)
{
	daemon_t *d = arg;
	d->fleet = NULL;
}

/* The first publication: workers answer from data now (before, they answer nothing).
 * Runs before each poll of the loop until then, so it sees a publication made in a timer
 * or idle callback in the same turn, and one made in an I/O callback at the start of the
 * next, without waiting for another event. */
static void on_ready_watch(uv_prepare_t *h)
{
	daemon_t *d = h->data;
	const snapshot_t *snap = server_snapshot(d->server);
	if (!snap)
		return;
	d->ready = true;
	uv_close((uv_handle_t *)h, NULL);
	d->ready_watch_closed = true;
	pidfile_write(d->pidfile);
	ready_notify(snapshot_zone_count(snap), snapshot_name_count(snap), d->engines);
}

static void on_stop_signal(uv_signal_t *h, int sig)
{
	daemon_t *d = h->data;
	log_info("%s: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	notify_stopping("stopping");
	d->stopping = true;
	if (!d->ready_watch_closed)
		uv_close((uv_handle_t *)&d->ready_watch, NULL);
	d->ready_watch_closed = true;
	uv_close((uv_handle_t *)&d->sighup, NULL);
	uv_close((uv_handle_t *)&d->sigterm, NULL);
	uv_close((uv_handle_t *)&d->sigint, NULL);
	uv_close((uv_handle_t *)&d->command, NULL);
	fleet_close(d->fleet, fleet_closed, d);
}

/* What the process needs before any thread starts: every TCP slot needs a file descriptor
 * (the soft limit, often 1024, goes up to the hard one), and buffers of a whole TCP message
 * (64 KiB) or more are mapped on their own, so that memory a burst of big messages took is
 * given back when they are done instead of staying in the allocator's arenas. */
static void process_limits_set(void)
{
	struct rlimit fds;
	if (getrlimit(RLIMIT_NOFILE, &fds) == 0 && fds.rlim_cur < fds.rlim_max) {
		fds.rlim_cur = fds.rlim_max;
		setrlimit(RLIMIT_NOFILE, &fds);
	}
	mallopt(M_MMAP_THRESHOLD, 64 * 1024);
}

static int fail(daemon_t *d, loaded_t *l, const char *err, int code)
{
	log_stop();
	fprintf(stderr, "fleetdns: %s\n", err);
	pidfile_close(d->pidfile);
	daemon_loaded_free(l);
	conf_cmdline_free(&d->cmdline);
	return code;
}

int main(int argc, char **argv)
{
	daemon_t d = {0};
	loaded_t first;
	privileges_t priv;
	char err[1024] = "";
	int r = conf_cmdline_parse(&d.cmdline, argc, argv, err, sizeof(err));
	if (r == 1)
		return 0;
	if (r < 0) {
		fprintf(stderr, "fleetdns: %s\n", err);
		return 2;
	}
	if (daemon_load(&first, &d.cmdline, err, sizeof(err)) < 0) {
		fprintf(stderr, "fleetdns: %s\n", err);
		conf_cmdline_free(&d.cmdline);
		return 1;
	}
	log_level_set((enum log_level)first.conf.log_level);
	if (privileges_resolve(&priv, &first.conf.process, err, sizeof(err)) < 0)
		return fail(&d, &first, err, 1);
	if (d.cmdline.check_only) {
		/* What only a running server would otherwise find: TLS files, sockets, folders. */
		bool checked = check_run(&first, stderr) == 0;
		if (checked)
			printf("fleetdns: configuration OK: %zu zones, %zu names\n",
			       snapshot_zone_count(first.snap), snapshot_name_count(first.snap));
		daemon_loaded_free(&first);
		conf_cmdline_free(&d.cmdline);
		return checked ? 0 : 1;
	}
	signal(SIGPIPE, SIG_IGN);
	process_limits_set();
	log_open(first.conf.process.log_target, first.conf.process.log_format);
	if (first.conf.process.pidfile &&
	    pidfile_open(&d.pidfile, first.conf.process.pidfile, err, sizeof(err)) < 0)
		return fail(&d, &first, err, 1);
	if (privileges_restrict(&priv, err, sizeof(err)) < 0) /* before the first thread */
		return fail(&d, &first, err, 1);
	if (log_start() < 0) /* from here on no thread waits for stderr */
		log_warning("cannot start the logging thread; logging straight to stderr");
	srand((unsigned)time(NULL) ^ (unsigned)getpid()); /* spreads engine re-listings */
	if (server_start(&d.server, &first.conf, err, sizeof(err)) < 0)
		return fail(&d, &first, err, 1);
	for (size_t i = 0; i < first.conf.nlisten; i++)
		log_info("listening on %s (udp, tcp)", first.conf.listen[i].text);
	d.loop = uv_default_loop();
	uv_async_init(d.loop, &d.command, on_command);
	d.command.data = &d;
	if (!(d.board = board_new()))
		snprintf(err, sizeof(err), "out of memory");
	http_deps_t deps = {
	    .srv = d.server, .board = d.board, .wake = command_wake, .arg = &d.command};
	if (!d.board || http_start(&d.http, &first.conf, &deps, err, sizeof(err)) < 0) {
		board_free(d.board);
		server_stop(d.server);
		return fail(&d, &first, err, 1);
	}
	/* Everything that needs root is open: give it up before any engine is heard. */
	privileges_hand_over(&priv, first.conf.control_socket);
	if (privileges_drop(&priv, err, sizeof(err)) < 0) {
		http_stop(d.http);
		board_free(d.board);
		server_stop(d.server);
		return fail(&d, &first, err, 1);
	}
	privileges_access_check(&priv, &first);
	log_info("serving %zu zones, %zu names", snapshot_zone_count(first.snap),
	         snapshot_name_count(first.snap));

	d.fleet = fleet_new(d.loop, d.server, d.http ? d.board : NULL);
	if (!d.fleet)
		return fail(&d, &first, "out of memory", 1);
	d.engines = engine_count(&first);
	if (d.engines)
		notify_status("waiting for the first listing of %zu engine%s", d.engines,
		              plural(d.engines));
	uv_prepare_init(d.loop, &d.ready_watch);
	d.ready_watch.data = &d;
	uv_prepare_start(&d.ready_watch, on_ready_watch);
	fleet_apply(d.fleet, &first);
	uv_signal_init(d.loop, &d.sighup);
	uv_signal_init(d.loop, &d.sigterm);
	uv_signal_init(d.loop, &d.sigint);
	d.sighup.data = d.sigterm.data = d.sigint.data = &d;
	uv_signal_start(&d.sighup, on_sighup, SIGHUP);
	uv_signal_start(&d.sigterm, on_stop_signal, SIGTERM);
	uv_signal_start(&d.sigint, on_stop_signal, SIGINT);
	uv_run(d.loop, UV_RUN_DEFAULT); /* returns once every handle is closed */

	http_stop(d.http);
	board_free(d.board);
	server_stop(d.server);
	uv_loop_close(d.loop);
	conf_cmdline_free(&d.cmdline);
	pidfile_close(d.pidfile);
	log_info("stopped");
	log_stop();
	return 0;
}
