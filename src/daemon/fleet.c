/* SPDX-License-Identifier: MIT */
/* fleet.c -- engine callbacks into the registry, and coalesced publishing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/fleet.h"
#include "fleetdns/engine.h"
#include "fleetdns/error.h"
#include "fleetdns/registry.h"
#include "util/log.h"
#include "xfr/xfr.h"

/* Answers follow a change after a short pause that gathers a burst of events; the zones'
 * serials (and what secondaries can transfer) advance at most once a second. */
#define ANSWER_DELAY_MS    20
#define SERIAL_INTERVAL_MS 1000

typedef struct engine_slot {
	struct fleet *fleet;
	engine_t *engine;
	const conf_engine_t *conf; /* in fleet->cur.conf, or fleet->cur.default_engine */
} engine_slot_t;

struct fleet {
	uv_loop_t *loop;
	server_t *srv;
	loaded_t cur;
	registry_t *reg;
	engine_slot_t *slots;
	size_t nslots;
	size_t closing;          /* engines still closing */
	uv_timer_t timer;        /* publishes answers */
	uv_timer_t serial_timer; /* raises the serials of what answers already show */
	int open_timers;
	uint64_t last_serial_ms; /* when the serials last went up */
	uint64_t published_gen;  /* registry generation the answers show */
	uint64_t serial_gen;     /* registry generation the current serials stand for */
	uint64_t last_cost_ms;   /* how long the last publication took */
	bool published_once;
	uint32_t *serials; /* last serial of each dynamic zone */
	xfr_t *xfr;        /* transfer data and NOTIFY */
	void (*on_closed)(void *);
	void *on_closed_arg;
};

static void schedule(fleet_t *f);

static void on_synced(void *ctx, engine_t *e, const engine_container_t *const *list, size_t n)
{
	engine_slot_t *s = ctx;
	if (registry_engine_sync(s->fleet->reg, s->conf, list, n) < 0)
		log_error("engine %s: out of memory", s->conf->name);
	schedule(s->fleet);
}

static void on_updated(void *ctx, engine_t *e, const engine_container_t *c)
{
	engine_slot_t *s = ctx;
	if (registry_container_update(s->fleet->reg, s->conf, c) < 0)
		log_error("engine %s: out of memory", s->conf->name);
	schedule(s->fleet);
}

static void on_removed(void *ctx, engine_t *e, const char *id)
{
	engine_slot_t *s = ctx;
	registry_container_remove(s->fleet->reg, s->conf->name, id);
	schedule(s->fleet);
}

static void on_down(void *ctx, engine_t *e, const char *reason)
{
	engine_slot_t *s = ctx;
	log_warning("engine %s: down (%s); its replicas are withdrawn", s->conf->name, reason);
	registry_engine_down(s->fleet->reg, s->conf->name);
	schedule(s->fleet);
}

static const engine_callbacks_t callbacks = {on_synced, on_updated, on_removed, on_down};

/* Serials never go back: at least one more than the last, and at least the time. */
static uint32_t next_serial(uint32_t last, uint32_t base)
{
	uint32_t now = (uint32_t)time(NULL), s = last + 1;
	if ((int32_t)(now - s) > 0)
		s = now;
	if ((int32_t)(base - s) > 0)
		s = base;
	return s;
}

static void state_load(fleet_t *f)
{
	const char *path = f->cur.conf.fleet.state_file;
	FILE *fp = path ? fopen(path, "r") : NULL;
	if (!fp)
		return;
	char zone[256];
	unsigned serial;
	while (fscanf(fp, "%255s %u", zone, &serial) == 2) {
		ldns_rdf *n = NULL;
		if (ldns_str2rdf_dname(&n, zone) != LDNS_STATUS_OK)
			continue;
		for (size_t i = 0; i < f->cur.ndynamic; i++)
			if (ldns_dname_compare(n, f->cur.dynamic[i]->apex) == 0 &&
			    (int32_t)(serial - f->serials[i]) > 0)
				f->serials[i] = serial;
		ldns_rdf_deep_free(n);
	}
	fclose(fp);
}

static void state_save(const fleet_t *f)
{
	const char *path = f->cur.conf.fleet.state_file;
	if (!path)
		return;
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *fp = fopen(tmp, "w");
	if (!fp) {
		log_warning("state file %s: cannot write", tmp);
		return;
	}
	for (size_t i = 0; i < f->cur.ndynamic; i++) {
		char *z = ldns_rdf2str(f->cur.dynamic[i]->apex);
		fprintf(fp, "%s %u\n", z ? z : ".", f->serials[i]);
		free(z);
	}
	if (fclose(fp) != 0 || rename(tmp, path) != 0)
		log_warning("state file %s: cannot write", path);
}

/* Compile the dynamic zones on top of the file zones and hand the result to the workers.
 * With bump, the dynamic zones get new serials and new transfer data (and secondaries a
 * NOTIFY); without, the answers change under the serials they have. */
static void publish(fleet_t *f, bool bump)
{
	uint64_t start_ns = uv_hrtime();
	size_t n = f->reg ? f->cur.ndynamic : 0;
	zone_data_t **zones = calloc(n ? n : 1, sizeof(*zones));
	uint32_t *serials = calloc(n ? n : 1, sizeof(*serials));
	int ret = zones && serials ? FDNS_OK : FDNS_ENOMEM;
	for (size_t i = 0; i < n && ret == FDNS_OK; i++) {
		serials[i] = bump || !f->serials[i]
		                 ? next_serial(f->serials[i], f->cur.dynamic[i]->serial)
		                 : f->serials[i];
		zones[i] = zone_data_clone(f->cur.dynamic[i], serials[i]);
		ret = zones[i] ? registry_render(f->reg, zones[i], f->cur.fleet_apex) : FDNS_ENOMEM;
	}
	snapshot_t *snap = NULL;
	if (ret == FDNS_OK) {
		answer_opts_t opts = {.udp_size = (uint16_t)f->cur.conf.udp_size};
		ret = snapshot_update(&snap, f->cur.snap, zones, n, &opts);
	}
	if (ret == FDNS_OK) {
		ret = bump ? xfr_prepare(f->xfr, snap, zones, n) : xfr_reattach(f->xfr, snap);
		if (ret < 0)
			snapshot_free(snap);
	}
	if (ret == FDNS_OK) {
		server_publish(f->srv, snap);
		f->published_gen = f->reg ? registry_generation(f->reg) : 0;
		f->published_once = true;
		if (bump) {
			xfr_published(f->xfr, snap);
			memcpy(f->serials, serials, n * sizeof(*serials));
			f->serial_gen = f->published_gen;
			f->last_serial_ms = uv_now(f->loop);
		}
		if (n && bump) {
			size_t served, total = registry_replica_count(f->reg, &served);
			log_info("published: %zu replicas, %zu served, serial %u", total, served,
			         serials[0]);
			state_save(f);
		}
	} else {
		log_error("publishing fleet data failed: %s; still serving the previous data",
		          fdns_strerror(ret));
	}
	for (size_t i = 0; zones && i < n; i++)
		zone_data_free(zones[i]);
	free(zones);
	free(serials);
	f->last_cost_ms = (uv_hrtime() - start_ns) / 1000000;
}

static void on_serial_timer(uv_timer_t *t)
{
	fleet_t *f = t->data;
	if (f->reg && registry_generation(f->reg) != f->serial_gen)
		publish(f, true);
}

static void on_timer(uv_timer_t *t)
{
	fleet_t *f = t->data;
	if (!f->reg || registry_generation(f->reg) == f->published_gen)
		return;
	uint64_t now = uv_now(f->loop), due = f->last_serial_ms + SERIAL_INTERVAL_MS;
	if (now >= due) {
		publish(f, true);
		return;
	}
	/* The serials went up less than a second ago: show the change now, and raise the
	 * serials (with transfer data and NOTIFY) once the second is over. */
	publish(f, false);
	if (!uv_is_active((uv_handle_t *)&f->serial_timer))
		uv_timer_start(&f->serial_timer, on_serial_timer, due - now, 0);
}

/* A publication costs time in proportion to the fleet zone; waiting at least as long as
 * the last one took keeps the control thread at most half busy under constant churn, so
 * engines keep being served (events, pings) while answers follow at twice that cost. */
static void schedule(fleet_t *f)
{
	if (uv_is_active((uv_handle_t *)&f->timer))
		return;
	uint64_t delay = f->last_cost_ms > ANSWER_DELAY_MS ? f->last_cost_ms : ANSWER_DELAY_MS;
	uv_timer_start(&f->timer, on_timer, delay, 0);
}

fleet_t *fleet_new(uv_loop_t *loop, server_t *srv)
{
	fleet_t *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->loop = loop;
	f->srv = srv;
	if (!(f->xfr = xfr_new(loop))) {
		free(f);
		return NULL;
	}
	uv_timer_init(loop, &f->timer);
	uv_timer_init(loop, &f->serial_timer);
	f->timer.data = f->serial_timer.data = f;
	f->open_timers = 2;
	return f;
}

/* The last step of fleet_close(): once both timer handles are closed, f may go (libuv's
 * rule). */
static void fleet_freed(uv_handle_t *h)
{
	fleet_t *f = h->data;
	if (--f->open_timers > 0)
		return;
	void (*cb)(void *) = f->on_closed;
	void *cb_arg = f->on_closed_arg;
	free(f->slots);
	free(f);
	cb(cb_arg);
}

static void engine_closed(void *arg)
{
	fleet_t *f = arg;
	if (--f->closing == 0 && f->on_closed) {
		xfr_close(f->xfr, NULL, NULL);
		registry_free(f->reg);
		daemon_loaded_free(&f->cur);
		free(f->serials);
		uv_close((uv_handle_t *)&f->timer, fleet_freed);
		uv_close((uv_handle_t *)&f->serial_timer, fleet_freed);
	}
}

static void engines_stop(fleet_t *f)
{
	for (size_t i = 0; i < f->nslots; i++) {
		registry_engine_down(f->reg, f->slots[i].conf->name);
		f->closing++;
		engine_close(f->slots[i].engine, engine_closed, f);
	}
	f->nslots = 0;
	/* The slots stay allocated until their engines have closed: they are callback ctx. */
}

static void engines_start(fleet_t *f)
{
	const conf_t *c = &f->cur.conf;
	size_t n = c->nengines ? c->nengines : 1;
	f->slots = calloc(n, sizeof(*f->slots));
	if (!f->slots)
		return;
	for (size_t i = 0; i < n; i++) {
		engine_slot_t *s = &f->slots[f->nslots];
		s->fleet = f;
		s->conf = c->nengines ? &c->engines[i] : &f->cur.default_engine;
		s->engine = engine_new(f->loop, s->conf, &callbacks, s);
		if (s->engine)
			engine_set_resync(s->engine, c->fleet.resync_ms);
		if (!s->engine || engine_start(s->engine) < 0) {
			log_error("engine %s: cannot start", s->conf->name);
			if (s->engine) {
				f->closing++;
				engine_close(s->engine, engine_closed, f);
			}
			continue;
		}
		log_info("engine %s: watching %s", s->conf->name, s->conf->url);
		f->nslots++;
	}
}

void fleet_apply(fleet_t *f, loaded_t *l)
{
	/* Engines are restarted on every reload: simple, and a full re-listing follows. */
	engines_stop(f);
	engine_slot_t *old_slots = f->slots;
	f->slots = NULL;
	loaded_t old = f->cur;
	f->cur = *l;
	memset(l, 0, sizeof(*l));
	xfr_apply(f->xfr, f->cur.xfr, &f->cur.conf);
	f->cur.xfr = NULL; /* owned by f->xfr now */
	free(f->serials);
	f->serials = calloc(f->cur.ndynamic ? f->cur.ndynamic : 1, sizeof(*f->serials));
	state_load(f);
	if (f->cur.fleet) {
		if (!f->reg)
			f->reg = registry_new(&f->cur.conf.fleet);
		else
			registry_set_fleet(f->reg, &f->cur.conf.fleet);
		engines_start(f);
	}
	publish(f, true);
	/* engine_close() promises no callback after it returns, and engines copy their
	 * configuration, so the old slots and data can go now. */
	daemon_loaded_free(&old);
	free(old_slots);
}

void fleet_close(fleet_t *f, void (*on_closed)(void *arg), void *arg)
{
	f->on_closed = on_closed;
	f->on_closed_arg = arg;
	uv_timer_stop(&f->timer);
	uv_timer_stop(&f->serial_timer);
	engines_stop(f);
	f->closing++; /* ours, released below */
	engine_closed(f);
}
