/* SPDX-License-Identifier: MIT */
/* fleet.c -- engine callbacks into the registry, and coalesced publishing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/fleet.h"
#include "daemon/fleet_zone.h"
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
	uint32_t *serials;  /* last serial of each dynamic zone */
	bool reloaded;      /* the next publication starts from the files' snapshot */
	fleet_zone_t zone;  /* the fleet zone, compiled in parts */
	size_t parts_since; /* services compiled since the serials went up, for the log */
	bool whole_since;   /* ... or the fleet zone was compiled whole */
	xfr_t *xfr;         /* transfer data and NOTIFY */
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

/* Whether secondaries may transfer the zone: then its transfer data needs every record. */
static bool zone_transfers(const fleet_t *f, const ldns_rdf *apex)
{
	for (size_t i = 0; i < f->cur.conf.nzones; i++) {
		const conf_zone_t *z = &f->cur.conf.zones[i];
		ldns_rdf *name = NULL;
		if (ldns_str2rdf_dname(&name, z->name) != LDNS_STATUS_OK)
			continue;
		bool same = ldns_dname_compare(name, apex) == 0;
		ldns_rdf_deep_free(name);
		if (same)
			return z->nallow_transfer > 0 || z->nnotify > 0;
	}
	return false;
}

/* Dynamic zone i whole: its file data and everything the registry renders into it. */
static zone_data_t *render_whole(fleet_t *f, size_t i, uint32_t serial)
{
	zone_data_t *z = zone_data_clone(f->cur.dynamic[i], serial);
	if (z && f->reg && registry_render(f->reg, z, f->cur.fleet_apex) < 0) {
		zone_data_free(z);
		return NULL;
	}
	return z;
}

/* Compile the dynamic zones on top of the file zones and hand the result to the workers.
 * The fleet zone is patched: its changed services, and its own data when the serial moves.
 * With bump, the dynamic zones get new serials and new transfer data (and secondaries a
 * NOTIFY); without, the answers change under the serials they have. */
static int publish_try(fleet_t *f, bool bump)
{
	size_t n = f->reg ? f->cur.ndynamic : 0;
	zone_patch_t *patches = calloc(n ? n : 1, sizeof(*patches));
	zone_data_t **whole = calloc(n ? n : 1, sizeof(*whole)); /* for transfer data */
	uint32_t *serials = calloc(n ? n : 1, sizeof(*serials));
	int ret = patches && whole && serials ? FDNS_OK : FDNS_ENOMEM;
	bool compiled_whole = true;
	/* After a reload the files' snapshot is the base; then what we published last. */
	const snapshot_t *old = f->reloaded ? f->cur.snap : server_snapshot(f->srv);
	for (size_t i = 0; i < n && ret == FDNS_OK; i++) {
		const zone_data_t *zd = f->cur.dynamic[i];
		serials[i] =
		    bump || !f->serials[i] ? next_serial(f->serials[i], zd->serial) : f->serials[i];
		zone_patch_t *p = &patches[i];
		p->apex = zd->apex;
		bool fleet_zone = ldns_dname_compare(zd->apex, f->cur.fleet_apex) == 0;
		if (fleet_zone && !f->zone.whole) {
			compiled_whole = false; /* after a reload: every service, as parts */
			p->reset = f->reloaded;
			if (bump || p->reset)
				p->base = zone_data_clone(zd, serials[i]);
			ret = (bump || p->reset) && !p->base
			          ? FDNS_ENOMEM
			          : fleet_zone_parts(&f->zone, p, f->reg, zd->apex, p->reset);
			if (bump && ret == FDNS_OK)
				whole[i] = zone_transfers(f, zd->apex)
				               ? render_whole(f, i, serials[i])
				               : zone_data_clone(p->base, serials[i]);
		} else {
			p->reset = true;
			whole[i] = p->base = render_whole(f, i, serials[i]);
		}
		if (ret == FDNS_OK && ((bump && !whole[i]) || (p->reset && !p->base)))
			ret = FDNS_ENOMEM;
	}
	snapshot_t *snap = NULL;
	if (ret == FDNS_OK) {
		answer_opts_t opts = {.udp_size = (uint16_t)f->cur.conf.udp_size};
		ret = snapshot_patch(&snap, old, patches, n, &opts);
		if (ret == FDNS_EEXIST)
			f->zone.whole = true;
	}
	if (ret == FDNS_OK) {
		ret = bump ? xfr_prepare(f->xfr, snap, whole, n) : xfr_reattach(f->xfr, snap);
		if (ret < 0)
			snapshot_free(snap);
	}
	if (ret == FDNS_OK) {
		server_publish(f->srv, snap);
		f->reloaded = false;
		f->published_gen = f->reg ? registry_generation(f->reg) : 0;
		f->published_once = true;
		if (f->reg)
			registry_changes_clear(f->reg);
		f->parts_since += f->zone.nparts;
		f->whole_since = f->whole_since || compiled_whole;
		if (bump) {
			xfr_published(f->xfr, snap);
			memcpy(f->serials, serials, n * sizeof(*serials));
			f->serial_gen = f->published_gen;
			f->last_serial_ms = uv_now(f->loop);
		}
		if (n && bump) {
			size_t served, total = registry_replica_count(f->reg, &served);
			char how[96];
			if (f->whole_since)
				snprintf(how, sizeof(how), "compiled whole");
			else
				snprintf(how, sizeof(how), "%zu of %zu services compiled",
				         f->parts_since, registry_service_count(f->reg));
			log_info("published: %zu replicas, %zu served, serial %u; fleet zone %s",
			         total, served, serials[0], how);
			f->parts_since = 0;
			f->whole_since = false;
			state_save(f);
		}
	}
	for (size_t i = 0; patches && whole && i < n; i++) {
		if (whole[i] != patches[i].base)
			zone_data_free(whole[i]);
		zone_data_free(patches[i].base);
	}
	fleet_zone_parts_free(&f->zone);
	free(patches);
	free(whole);
	free(serials);
	return ret;
}

static void publish(fleet_t *f, bool bump)
{
	uint64_t start_ns = uv_hrtime();
	bool was_whole = f->zone.whole;
	int ret = publish_try(f, bump);
	if (ret == FDNS_EEXIST && f->zone.whole && !was_whole) {
		log_info("fleet zone: a service's names meet the zone file's; compiling the zone "
		         "whole until the next reload");
		ret = publish_try(f, bump);
	}
	if (ret < 0) {
		/* Nothing was published: the next publication renders every service again. */
		f->reloaded = f->reloaded || !f->published_once;
		log_error("publishing fleet data failed: %s; still serving the previous data",
		          fdns_strerror(ret));
	}
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
		fleet_zone_clear(&f->zone);
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
	f->reloaded = true;
	fleet_zone_clear(&f->zone);
	for (size_t i = 0; i < f->cur.ndynamic; i++)
		if (ldns_dname_compare(f->cur.dynamic[i]->apex, f->cur.fleet_apex) == 0)
			fleet_zone_init(&f->zone, f->cur.dynamic[i]);
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
