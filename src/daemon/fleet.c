/* SPDX-License-Identifier: MIT */
/* fleet.c -- engine callbacks into the registry, and coalesced publishing.
 *
 * A reload changes what it must and nothing else. An engine whose settings are the same
 * keeps its session and its replicas; only engines added, removed or changed start, stop
 * or restart (a changed engine's replicas stay until its new session has listed, or has
 * failed). When the zones are the same (daemon_zones_same()), the published snapshot stays
 * the base of the next one, so services, serials and round-robin positions carry over, and
 * a reload that changes nothing served publishes nothing.
 *
 * Serials, and with them transfer data and NOTIFY, wait for the engines: at start nothing
 * is published, and after a reload no serial moves, until every engine just started has
 * been listed once or has failed (at most twice its timeout). Answers do not wait after a
 * reload (a removed engine's replicas leave them at once). So a secondary never gets a
 * fleet zone with fewer replicas than the engines have.
 *
 * An engine that goes down with a grace (conf_engine_t.grace_ms) keeps its served replicas,
 * marked stale, while the prober (probe.h) finds their service ports answering; a replica
 * that does not answer leaves at once, the rest when the grace is over, and the engine's
 * next listing replaces them all.
 *
 * Hold-down and flap damping (registry.h) need time, which the registry does not read: each
 * engine callback first tells it the loop's time (fleet_clock), and the damping timer fires
 * at the registry's next due time, when a hold-down or a suppression ends.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "daemon/fleet.h"
#include "daemon/probe.h"
#include "daemon/status.h"
#include "fleetdns/engine.h"
#include "fleetdns/error.h"
#include "fleetdns/registry.h"
#include "publish/publish.h"
#include "registry/sites.h"
#include "util/log.h"
#include "xfr/xfr.h"

/* Answers follow a change after a short pause that gathers a burst of events; the zones'
 * serials (and what secondaries can transfer) advance at most once a second. */
#define ANSWER_DELAY_MS    20
#define SERIAL_INTERVAL_MS 1000
/* Probe connections at once over every engine in its grace (docs/fleet.md): a partitioned
 * fleet of thousands of replicas costs this many sockets, its probes come round slower. */
#define PROBE_MAX_CONNECTING 256
/* Renderings of the status for readers waiting (fleet_status_fresh), at most one this often. */
#define FRESH_MIN_MS 250

/* Which TLS file an engine read: a file replaced or rewritten in place (a new certificate
 * under the same name) is a change of settings. */
typedef struct file_stamp {
	bool exists;
	dev_t dev;
	ino_t ino;
	off_t size;
	int64_t mtime_ns;
} file_stamp_t;

typedef struct engine_slot {
	struct fleet *fleet;
	engine_t *engine;
	const conf_engine_t *conf; /* in fleet->cur.conf, or fleet->cur.default_engine */
	file_stamp_t tls[3];       /* tls_ca, tls_cert, tls_key when the engine started */
	bool first_pending;        /* started; neither listed nor failed yet */
	uint64_t first_deadline_ms;
} engine_slot_t;

struct fleet {
	uv_loop_t *loop;
	server_t *srv;
	loaded_t cur;
	registry_t *reg;
	engine_slot_t **slots; /* each allocated alone: it is its engine's callback ctx */
	size_t nslots;
	size_t closing;          /* engines still closing */
	size_t holding;          /* engines started and not yet listed or failed */
	uv_timer_t timer;        /* publishes answers */
	uv_timer_t serial_timer; /* raises the serials of what answers already show */
	uv_timer_t hold_timer;   /* stops waiting for an engine that neither lists nor fails */
	uv_timer_t damp_timer;   /* the registry's next hold-down or suppression to end */
	uv_timer_t trim_timer;   /* gives freed heap back once a reload's old version is gone */
	int open_timers;
	bool applied;            /* fleet_apply() ran once */
	uint64_t last_serial_ms; /* when the serials last went up */
	uint64_t published_gen;  /* registry generation the answers show */
	uint64_t serial_gen;     /* registry generation the current serials stand for */
	uint64_t last_cost_ms;   /* how long the last publication took */
	bool published_once;
	uint32_t *serials;  /* last serial of each dynamic zone */
	bool reloaded;      /* the next publication starts from the files' snapshot */
	bool raise_due;     /* a dynamic zone's own data changed: its serial must move */
	bool xfr_stale;     /* xfr_apply() ran: transfer data must be built anew */
	fleet_zone_t zone;  /* the fleet zone, compiled in parts */
	size_t parts_since; /* services compiled since the serials went up, for the log */
	bool *part_seen;    /* by service id: counted in parts_since already */
	size_t part_seen_n;
	bool whole_since;           /* ... or the fleet zone was compiled whole */
	xfr_t *xfr;                 /* transfer data and NOTIFY */
	prober_t *prober;           /* probes of the replicas kept by engines' grace */
	board_t *board;             /* what /status shows, or NULL (no HTTP listener) */
	uv_timer_t status_timer;    /* renders the status, at most once a second, when read */
	bool status_dirty;          /* something /status shows changed since it was rendered */
	uint64_t counters_seen;     /* counters_sum() at the last rendering */
	status_counters_t counters; /* publications, for /metrics */
	uint64_t counted_seen;      /* counted_sum() at the last post of /metrics */
	char *metrics_state;        /* status_metrics_state() of the last rendering */
	uint64_t rendered_at;       /* uv_now() of the last rendering */
	uint64_t change_ns;         /* uv_hrtime() of the oldest event not yet published; 0: none */
	time_t started;
	void (*on_closed)(void *);
	void *on_closed_arg;
};

static void schedule(fleet_t *f);

/* --- time for the registry (hold-down and damping) ---------------------------------------- */

static void on_damp_timer(uv_timer_t *t);

/* The damping timer fires when the registry next has something to do; never at 0 ms, which
 * libuv 1.44 would run again in the same pass when restarted from its own callback. */
static void damp_arm(fleet_t *f)
{
	uint64_t next = f->reg ? registry_next_due(f->reg) : UINT64_MAX, now = uv_now(f->loop);
	if (next == UINT64_MAX)
		uv_timer_stop(&f->damp_timer);
	else
		uv_timer_start(&f->damp_timer, on_damp_timer, next > now ? next - now : 1, 0);
}

/* Tell the registry the time before reporting anything to it; what that released is
 * published like any change. */
static void fleet_clock(fleet_t *f)
{
	if (!f->reg)
		return;
	uint64_t gen = registry_generation(f->reg);
	registry_advance(f->reg, uv_now(f->loop));
	if (registry_generation(f->reg) != gen)
		schedule(f);
	else
		damp_arm(f);
}

static void on_damp_timer(uv_timer_t *t)
{
	fleet_clock(t->data);
}

/* --- status (what /status and fleetdnsctl show) ------------------------------------------ */

static bool fleet_ready(const fleet_t *f)
{
	return f->published_once && !f->holding;
}

/* The counters /metrics shows from the control loop (status_counters_t: publications,
 * NOTIFY), summed: cheap, posted whenever the sum moved. */
static uint64_t counted_sum(const fleet_t *f)
{
	xfr_notify_stats_t n;
	xfr_notify_stats(f->xfr, &n);
	return f->counters.publication.count + f->counters.event_to_answer.count + n.sent +
	       n.acked + n.rejected + n.send_errors;
}

/* Those and the engines' counters (events, failures), which move without anything served
 * changing: when the sum moved, the status is rendered again though not dirty. */
static uint64_t counters_sum(const fleet_t *f)
{
	uint64_t sum = counted_sum(f);
	for (size_t i = 0; i < f->nslots; i++) {
		engine_info_t info;
		if (!f->slots[i]->engine)
			continue;
		engine_info(f->slots[i]->engine, &info);
		sum += info.events + info.reconnects + (uint64_t)info.last_sync;
		for (int k = 0; k < ENGINE_ERRORS; k++)
			sum += info.errors[k];
	}
	return sum;
}

/* The status for the board, and the part of /metrics that comes from it. */
static void status_render(fleet_t *f)
{
	json_object *st = status_new(&f->cur.conf, f->started, fleet_ready(f));
	if (!st)
		return;
	for (size_t i = 0; i < f->nslots; i++)
		status_engine_add(st, f->slots[i]->conf, f->slots[i]->engine,
		                  f->reg &&
		                      registry_engine_drained(f->reg, f->slots[i]->conf->name));
	status_services_set(st, f->reg);
	status_zones_set(st, &f->cur.conf, server_snapshot(f->srv));
	board_post(f->board, json_object_to_json_string_ext(st, JSON_C_TO_STRING_PLAIN),
	           fleet_ready(f));
	char *state = status_metrics_state(st);
	if (state) {
		free(f->metrics_state);
		f->metrics_state = state;
	}
	json_object_put(st);
	f->status_dirty = false;
}

/* Render the status for the board. Rendering costs time in proportion to the fleet, so it
 * happens only when something changed and someone reads: read_now, a reader waits for it
 * (fleet_status_fresh, so a scrape shows the state at the scrape); else once a second, when
 * the board was read since the last rendering. Nobody reading, no cost. The counters of
 * /metrics cost nothing and are posted whenever they moved, read or not. Readiness goes up
 * at once. */
static void status_update(fleet_t *f, bool read_now)
{
	board_ready_set(f->board, fleet_ready(f));
	fleet_clock(f);
	if (f->reg && registry_next_due(f->reg) != UINT64_MAX)
		f->status_dirty = true; /* held_ms, penalty and damped_ms count down */
	uint64_t counters = counters_sum(f), counted = counted_sum(f);
	/* A reader waiting is served at once, but a client reading in a loop gets at most one
	 * rendering per FRESH_MIN_MS of the control loop's time. */
	uint64_t now = uv_now(f->loop);
	read_now = read_now && now - f->rendered_at >= FRESH_MIN_MS;
	bool render = (f->status_dirty || counters != f->counters_seen) &&
	              (read_now || board_wanted(f->board));
	if (!render && counted == f->counted_seen)
		return;
	if (render) {
		f->counters_seen = counters;
		f->rendered_at = now;
		status_render(f);
	}
	f->counted_seen = counted;
	xfr_notify_stats(f->xfr, &f->counters.notify);
	const snapshot_t *snap = server_snapshot(f->srv);
	f->counters.snapshot_bytes = snap ? snapshot_memory(snap) : 0;
	char *metrics = status_metrics(f->metrics_state, &f->counters);
	if (metrics)
		board_metrics_post(f->board, metrics);
	free(metrics);
}

static void on_status_timer(uv_timer_t *t)
{
	status_update(t->data, false);
}

void fleet_status_fresh(fleet_t *f)
{
	if (f->board)
		status_update(f, true);
}

static void status_changed(fleet_t *f)
{
	f->status_dirty = true;
	if (f->board)
		board_ready_set(f->board, fleet_ready(f));
}

/* For the log: "1 replica", "2 replicas". */
static const char *replicas_word(size_t n)
{
	return n == 1 ? "replica" : "replicas";
}

/* The engine of s has been listed, or has failed, for the first time since it started. */
static void first_result(engine_slot_t *s)
{
	fleet_t *f = s->fleet;
	if (!s->first_pending)
		return;
	s->first_pending = false;
	if (--f->holding == 0) {
		uv_timer_stop(&f->hold_timer);
		if (!f->published_once)
			log_info("fleet: every engine listed or failed; serving");
	}
}

static void on_synced(void *ctx, engine_t *e, const engine_container_t *const *list, size_t n)
{
	engine_slot_t *s = ctx;
	size_t probed;
	fleet_clock(s->fleet);
	if (prober_group_running(s->fleet->prober, s->conf->name, &probed)) {
		prober_group_stop(s->fleet->prober, s->conf->name);
		log_info("engine %s: up again within its grace; its listing replaces the %zu %s "
		         "kept",
		         s->conf->name, probed, replicas_word(probed));
	}
	if (registry_engine_sync(s->fleet->reg, s->conf, list, n) < 0)
		log_error("engine %s: out of memory", s->conf->name);
	first_result(s);
	schedule(s->fleet);
}

/* An event changed the registry (its generation moved since gen): remember when the
 * oldest such event came, for the event-to-answer histogram. */
static void change_note(fleet_t *f, engine_t *e, uint64_t gen)
{
	uint64_t at = engine_change_time(e);
	if (at && registry_generation(f->reg) != gen && (!f->change_ns || at < f->change_ns))
		f->change_ns = at;
}

static void on_updated(void *ctx, engine_t *e, const engine_container_t *c)
{
	engine_slot_t *s = ctx;
	fleet_clock(s->fleet);
	uint64_t gen = registry_generation(s->fleet->reg);
	if (registry_container_update(s->fleet->reg, s->conf, c) < 0)
		log_error("engine %s: out of memory", s->conf->name);
	change_note(s->fleet, e, gen);
	schedule(s->fleet);
}

static void on_removed(void *ctx, engine_t *e, const char *id)
{
	engine_slot_t *s = ctx;
	fleet_clock(s->fleet);
	uint64_t gen = registry_generation(s->fleet->reg);
	registry_container_remove(s->fleet->reg, s->conf->name, id);
	change_note(s->fleet, e, gen);
	schedule(s->fleet);
}

/* A container's health results are wanted after each check while its replica waits for
 * enough passing ones (fleet.hold_down_checks). */
static bool on_check_wanted(void *ctx, engine_t *e, const char *id)
{
	(void)e;
	engine_slot_t *s = ctx;
	return registry_checks_wanted(s->fleet->reg, s->conf->name, id);
}

typedef struct stale_add {
	fleet_t *f;
	const char *engine;
} stale_add_t;

static bool stale_probe(void *arg, const char *id, const char *address, uint16_t port)
{
	stale_add_t *a = arg;
	int rc = prober_add(a->f->prober, a->engine, id, address, port);
	if (rc < 0)
		log_warning("engine %s: container %s: cannot probe %s port %u: %s", a->engine, id,
		            address, port, fdns_strerror(rc));
	return rc == FDNS_OK;
}

/* The engine went down with a grace: its served replicas with a TCP port stay while they
 * answer. Returns how many stay (0: the grace could not start, or nothing can be probed). */
static size_t grace_start(fleet_t *f, const conf_engine_t *c)
{
	const char *engine = c->name;
	prober_timing_t timing = {c->grace_ms, c->probe_interval_ms, c->probe_timeout_ms};
	if (prober_group_start(f->prober, engine, &timing) < 0)
		return 0;
	stale_add_t a = {f, engine};
	size_t kept = registry_engine_stale(f->reg, engine, stale_probe, &a);
	if (!kept)
		prober_group_stop(f->prober, engine);
	return kept;
}

static void on_down(void *ctx, engine_t *e, const char *reason)
{
	engine_slot_t *s = ctx;
	fleet_t *f = s->fleet;
	const char *name = s->conf->name;
	size_t kept = 0;
	fleet_clock(f);
	if (prober_group_running(f->prober, name, &kept)) {
		/* A restarted session (new settings) failed within the old one's grace. */
		log_warning("engine %s: down (%s); still within its grace, %zu %s kept", name,
		            reason, kept, replicas_word(kept));
	} else if (s->conf->grace_ms && (kept = grace_start(f, s->conf))) {
		log_warning("engine %s: down (%s); keeping %zu %s for up to %u ms while they "
		            "answer",
		            name, reason, kept, replicas_word(kept), s->conf->grace_ms);
	} else {
		log_warning("engine %s: down (%s); its replicas are withdrawn", name, reason);
		registry_engine_down(f->reg, name);
	}
	first_result(s);
	schedule(f);
}

/* A kept replica did not answer its probe. */
static void on_probe_dead(void *ctx, const char *engine, const char *id, const char *why)
{
	fleet_t *f = ctx;
	char reason[160];
	fleet_clock(f);
	snprintf(reason, sizeof(reason), "engine down, probe failed: %s", why);
	if (registry_stale_withdraw(f->reg, engine, id, reason))
		schedule(f);
}

/* The engine did not come back within its grace: what it kept goes. */
static void on_grace_over(void *ctx, const char *engine)
{
	fleet_t *f = ctx;
	fleet_clock(f);
	size_t before = registry_replica_count(f->reg, NULL);
	registry_engine_down(f->reg, engine);
	size_t gone = before - registry_replica_count(f->reg, NULL);
	log_warning("engine %s: still down at the end of its grace; the %zu %s kept %s "
	            "withdrawn",
	            engine, gone, replicas_word(gone), gone == 1 ? "is" : "are");
	schedule(f);
}

static const prober_callbacks_t probe_callbacks = {on_probe_dead, on_grace_over};

static const engine_callbacks_t callbacks = {on_synced, on_updated, on_removed, on_down,
                                             on_check_wanted};

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

/* Count the services this publication compiled into parts_since, each once however many
 * publications compiled it before the serials went up (the log said "2 of 1" otherwise). */
static void parts_count(fleet_t *f)
{
	size_t need = f->reg ? registry_service_count(f->reg) : 0;
	if (need > f->part_seen_n) {
		bool *grown = realloc(f->part_seen, need * sizeof(*grown));
		if (!grown)
			return; /* only the log's count suffers */
		memset(grown + f->part_seen_n, 0, (need - f->part_seen_n) * sizeof(*grown));
		f->part_seen = grown;
		f->part_seen_n = need;
	}
	for (size_t i = 0; i < f->zone.nparts; i++) {
		size_t id = f->zone.ids[i];
		if (id < f->part_seen_n && !f->part_seen[id]) {
			f->part_seen[id] = true;
			f->parts_since++;
		}
	}
}

/* After a reload, the version it replaced (a whole compile of every zone) is freed by
 * call_rcu once no worker reads it, and glibc keeps that heap resident: trim it then, on
 * the thread pool (malloc_trim takes ~0.5 s at 4M records), not on the loop. */
#define TRIM_DELAY_MS 2000

static void trim_work(uv_work_t *w)
{
	(void)w;
	malloc_trim(0);
}

static void trim_done(uv_work_t *w, int status)
{
	(void)status;
	free(w);
}

static void on_trim_timer(uv_timer_t *t)
{
	uv_work_t *w = malloc(sizeof(*w));
	if (w && uv_queue_work(t->loop, w, trim_work, trim_done) < 0)
		free(w);
}

/* The publish step's input for this publication (src/publish/publish.h). */
static int step_zones(const fleet_t *f, size_t n, publish_zone_t **zones, const ldns_rdf ***apexes)
{
	*zones = calloc(n ? n : 1, sizeof(**zones));
	*apexes = calloc(n ? n : 1, sizeof(**apexes));
	if (!*zones || !*apexes)
		return FDNS_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const zone_data_t *zd = f->cur.dynamic[i];
		(*zones)[i] = (publish_zone_t){.own = zd, .transfers = zone_transfers(f, zd->apex)};
		(*apexes)[i] = zd->apex;
	}
	return FDNS_OK;
}

/* What a publication that went out leaves behind: the generation the answers show, the
 * serials, the log line and the state file when the serials moved. */
static void published(fleet_t *f, const snapshot_t *snap, uint64_t gen, const uint32_t *serials,
                      size_t n, bool transfer, bool raise, bool compiled_whole)
{
	if (f->change_ns && gen != f->published_gen)
		status_observe(&f->counters.event_to_answer,
		               (double)(uv_hrtime() - f->change_ns) / 1e9);
	f->change_ns = 0;
	f->reloaded = false;
	f->published_gen = gen;
	f->published_once = true;
	if (f->reg)
		registry_changes_clear(f->reg);
	parts_count(f);
	f->whole_since = f->whole_since || compiled_whole;
	memcpy(f->serials, serials, n * sizeof(*serials)); /* new zones keep their first */
	if (transfer) {
		xfr_published(f->xfr, snap);
		f->xfr_stale = false;
	}
	if (!raise)
		return;
	f->serial_gen = gen;
	f->raise_due = false;
	f->last_serial_ms = uv_now(f->loop);
	if (!n)
		return;
	size_t served, total = registry_replica_count(f->reg, &served);
	char how[96];
	if (f->whole_since)
		snprintf(how, sizeof(how), "compiled whole");
	else
		snprintf(how, sizeof(how), "%zu of %zu services compiled", f->parts_since,
		         registry_service_count(f->reg));
	log_info("published: %zu replicas, %zu served, serial %u; fleet zone %s", total, served,
	         serials[0], how);
	f->parts_since = 0;
	if (f->part_seen)
		memset(f->part_seen, 0, f->part_seen_n * sizeof(*f->part_seen));
	f->whole_since = false;
	state_save(f);
}

/* Compile the dynamic zones on top of the file zones (publish_next()) and hand the result
 * to the workers. With transfer, the zones get new transfer data (and secondaries a NOTIFY
 * when a serial moved); the dynamic zones' serials move when their records changed since
 * the last time (or this is the first publication). Without, the answers change under the
 * serials and transfer data they have. */
static int publish_try(fleet_t *f, bool transfer)
{
	size_t n = f->reg ? f->cur.ndynamic : 0;
	uint64_t gen = f->reg ? registry_generation(f->reg) : 0;
	bool raise = transfer && (!f->published_once || gen != f->serial_gen || f->raise_due);
	publish_zone_t *zones = NULL;
	const ldns_rdf **apexes = NULL; /* for transfer data */
	uint32_t *serials = calloc(n ? n : 1, sizeof(*serials));
	int ret = serials && (!n || f->serials) ? step_zones(f, n, &zones, &apexes) : FDNS_ENOMEM;
	answer_opts_t opts = daemon_answer_opts(&f->cur.conf);
	/* After a reload the files' snapshot is the base; then what we published last. */
	publish_step_t step = {.prev = f->reloaded ? f->cur.snap : server_snapshot(f->srv),
	                       .reset = f->reloaded,
	                       .reg = f->reg,
	                       .fleet_apex = f->cur.fleet_apex,
	                       .zones = zones,
	                       .nzones = n,
	                       .serials = f->serials,
	                       .raise = raise,
	                       .now = (uint32_t)time(NULL),
	                       .opts = &opts};
	snapshot_t *snap = NULL;
	bool compiled_whole = true;
	if (ret == FDNS_OK)
		ret = publish_next(&snap, serials, &compiled_whole, &f->zone, &step);
	if (ret == FDNS_OK) {
		ret = transfer ? xfr_prepare(f->xfr, snap, apexes, n) : xfr_reattach(f->xfr, snap);
		if (ret < 0)
			snapshot_free(snap);
	}
	if (ret == FDNS_OK) {
		server_publish(f->srv, snap);
		if (step.reset)
			uv_timer_start(&f->trim_timer, on_trim_timer, TRIM_DELAY_MS, 0);
		published(f, snap, gen, serials, n, transfer, raise, compiled_whole);
	}
	fleet_zone_parts_free(&f->zone);
	free(zones);
	free(apexes);
	free(serials);
	return ret;
}

static void publish(fleet_t *f, bool transfer)
{
	uint64_t start_ns = uv_hrtime();
	bool was_whole = f->zone.whole;
	int ret = publish_try(f, transfer);
	if (ret == FDNS_EEXIST && f->zone.whole && !was_whole) {
		log_info("fleet zone: a service's names meet the zone file's; compiling the zone "
		         "whole until a reload changes the zones");
		ret = publish_try(f, transfer);
	}
	if (ret < 0) {
		/* Nothing was published: the next publication renders every service again. */
		f->reloaded = f->reloaded || !f->published_once;
		log_error("publishing fleet data failed: %s; still serving the previous data",
		          fdns_strerror(ret));
	}
	uint64_t took_ns = uv_hrtime() - start_ns;
	f->last_cost_ms = took_ns / 1000000;
	status_publication_count(&f->counters, (double)took_ns / 1e9, ret < 0);
	status_changed(f);
}

static void on_serial_timer(uv_timer_t *t);

/* Publish what is due now: answers as soon as they change; serials (with transfer data and
 * NOTIFY) at most once a second and never while an engine's first listing is awaited;
 * nothing at all before the first publication may carry every engine's replicas. */
static void publish_due(fleet_t *f)
{
	uint64_t gen = f->reg ? registry_generation(f->reg) : 0;
	if (!f->published_once) {
		if (!f->holding)
			publish(f, true);
		return;
	}
	bool answers = f->reloaded || gen != f->published_gen;
	bool raise = gen != f->serial_gen || f->raise_due;
	bool transfer = !f->holding && (raise || f->xfr_stale);
	uint64_t now = uv_now(f->loop), due = f->last_serial_ms + SERIAL_INTERVAL_MS;
	if (transfer && raise && now < due) {
		/* The serials went up less than a second ago: show the change now, and raise the
		 * serials (with transfer data and NOTIFY) once the second is over. */
		transfer = false;
		if (!uv_is_active((uv_handle_t *)&f->serial_timer))
			uv_timer_start(&f->serial_timer, on_serial_timer, due - now, 0);
	}
	if (answers || transfer)
		publish(f, transfer);
}

static void on_serial_timer(uv_timer_t *t)
{
	publish_due(t->data);
}

static void on_timer(uv_timer_t *t)
{
	publish_due(t->data);
}

/* A publication costs time in proportion to the fleet zone; waiting at least as long as
 * the last one took keeps the control thread at most half busy under constant churn, so
 * engines keep being served (events, pings) while answers follow at twice that cost. */
static void schedule(fleet_t *f)
{
	status_changed(f);
	damp_arm(f);
	if (uv_is_active((uv_handle_t *)&f->timer))
		return;
	uint64_t delay = f->last_cost_ms > ANSWER_DELAY_MS ? f->last_cost_ms : ANSWER_DELAY_MS;
	uv_timer_start(&f->timer, on_timer, delay, 0);
}

fleet_t *fleet_new(uv_loop_t *loop, server_t *srv, board_t *board)
{
	fleet_t *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->loop = loop;
	f->srv = srv;
	f->board = board;
	f->started = time(NULL);
	if (!(f->xfr = xfr_new(loop))) {
		free(f);
		return NULL;
	}
	if (!(f->prober = prober_new(loop, &probe_callbacks, f, PROBE_MAX_CONNECTING))) {
		xfr_close(f->xfr, NULL, NULL);
		free(f);
		return NULL;
	}
	uv_timer_init(loop, &f->timer);
	uv_timer_init(loop, &f->serial_timer);
	uv_timer_init(loop, &f->hold_timer);
	uv_timer_init(loop, &f->status_timer);
	uv_timer_init(loop, &f->damp_timer);
	uv_timer_init(loop, &f->trim_timer);
	f->timer.data = f->serial_timer.data = f->hold_timer.data = f->status_timer.data = f;
	f->damp_timer.data = f->trim_timer.data = f;
	f->open_timers = 6;
	if (board) {
		uv_timer_start(&f->status_timer, on_status_timer, 0, 1000);
		uv_unref((uv_handle_t *)&f->status_timer); /* never what keeps the loop alive */
	}
	return f;
}

/* The last step of fleet_close(): once every timer handle is closed, f may go (libuv's
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
		free(f->part_seen);
		free(f->metrics_state);
		uv_close((uv_handle_t *)&f->timer, fleet_freed);
		uv_close((uv_handle_t *)&f->serial_timer, fleet_freed);
		uv_close((uv_handle_t *)&f->hold_timer, fleet_freed);
		uv_close((uv_handle_t *)&f->status_timer, fleet_freed);
		uv_close((uv_handle_t *)&f->damp_timer, fleet_freed);
		uv_close((uv_handle_t *)&f->trim_timer, fleet_freed);
	}
}

/* --- engines ----------------------------------------------------------------------------- */

static unsigned engine_timeout_ms(const conf_engine_t *c)
{
	return c->timeout_ms ? c->timeout_ms : CONF_DEFAULT_ENGINE_TIMEOUT_MS;
}

static void file_stamps(const conf_engine_t *c, file_stamp_t out[3])
{
	const char *files[3] = {c->tls_ca, c->tls_cert, c->tls_key};
	for (size_t i = 0; i < 3; i++) {
		struct stat st;
		out[i] = (file_stamp_t){.exists = false};
		if (files[i] && stat(files[i], &st) == 0)
			out[i] = (file_stamp_t){
			    .exists = true,
			    .dev = st.st_dev,
			    .ino = st.st_ino,
			    .size = st.st_size,
			    .mtime_ns =
			        (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec,
			};
	}
}

static bool file_stamps_same(const file_stamp_t a[3], const file_stamp_t b[3])
{
	for (size_t i = 0; i < 3; i++)
		if (a[i].exists != b[i].exists ||
		    (a[i].exists && (a[i].dev != b[i].dev || a[i].ino != b[i].ino ||
		                     a[i].size != b[i].size || a[i].mtime_ns != b[i].mtime_ns)))
			return false;
	return true;
}

static bool text_same(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* Every setting of the engine itself. */
static bool engine_same(const conf_engine_t *a, const conf_engine_t *b)
{
	return text_same(a->name, b->name) && text_same(a->url, b->url) &&
	       text_same(a->tls_ca, b->tls_ca) && text_same(a->tls_cert, b->tls_cert) &&
	       text_same(a->tls_key, b->tls_key) && a->address == b->address &&
	       text_same(a->host_address, b->host_address) && text_same(a->network, b->network) &&
	       engine_timeout_ms(a) == engine_timeout_ms(b) && a->follow_checks == b->follow_checks;
}

/* The fleet settings that decide what a container becomes when it is read (its service
 * label, whether "starting" is served): a change needs every container read again. */
static bool reading_same(const conf_fleet_t *a, const conf_fleet_t *b)
{
	return a->compose_labels == b->compose_labels && a->swarm_labels == b->swarm_labels &&
	       a->serve_starting == b->serve_starting && a->expose == b->expose;
}

/* The fleet settings that decide how services render (and the above); hold-down and
 * damping are apart, since they change no record by themselves. */
static bool registry_settings_same(const conf_fleet_t *a, const conf_fleet_t *b)
{
	return reading_same(a, b) && a->ttl == b->ttl && a->max_answers == b->max_answers &&
	       a->unhealthy == b->unhealthy;
}

static bool damping_same(const conf_fleet_t *a, const conf_fleet_t *b)
{
	return a->hold_down_ms == b->hold_down_ms && a->hold_down_checks == b->hold_down_checks &&
	       a->damping.half_life_ms == b->damping.half_life_ms &&
	       a->damping.suppress == b->damping.suppress && a->damping.reuse == b->damping.reuse;
}

/* Start watching the engine of s->conf; false (logged) when it cannot start. Its first
 * listing (or failure) is awaited before serials move. */
static bool slot_start(fleet_t *f, engine_slot_t *s)
{
	s->engine = engine_new(f->loop, s->conf, &callbacks, s);
	if (s->engine)
		engine_set_resync(s->engine, f->cur.conf.fleet.resync_ms);
	if (!s->engine || engine_start(s->engine) < 0) {
		log_error("engine %s: cannot start", s->conf->name);
		if (s->engine) {
			f->closing++;
			engine_close(s->engine, engine_closed, f);
			s->engine = NULL;
		}
		return false;
	}
	file_stamps(s->conf, s->tls);
	s->first_pending = true;
	s->first_deadline_ms = uv_now(f->loop) + 2 * (uint64_t)engine_timeout_ms(s->conf);
	f->holding++;
	log_info("engine %s: watching %s", s->conf->name, s->conf->url);
	return true;
}

/* Stop watching: engine_close() promises no callback for s once it returns. The registry
 * keeps the engine's replicas (the caller withdraws them or lets a new session replace
 * them). */
static void slot_stop(fleet_t *f, engine_slot_t *s)
{
	if (s->first_pending) {
		s->first_pending = false;
		if (--f->holding == 0)
			uv_timer_stop(&f->hold_timer);
	}
	f->closing++;
	engine_close(s->engine, engine_closed, f);
	s->engine = NULL;
}

static void on_hold_timer(uv_timer_t *t);

/* The hold timer fires at the first deadline of an engine whose first listing is awaited. */
static void hold_arm(fleet_t *f)
{
	uint64_t next = UINT64_MAX, now = uv_now(f->loop);
	for (size_t i = 0; i < f->nslots; i++)
		if (f->slots[i]->first_pending && f->slots[i]->first_deadline_ms < next)
			next = f->slots[i]->first_deadline_ms;
	if (next != UINT64_MAX)
		uv_timer_start(&f->hold_timer, on_hold_timer, next > now ? next - now : 0, 0);
}

static void on_hold_timer(uv_timer_t *t)
{
	fleet_t *f = t->data;
	uint64_t now = uv_now(f->loop);
	for (size_t i = 0; i < f->nslots; i++) {
		engine_slot_t *s = f->slots[i];
		if (!s->first_pending || s->first_deadline_ms > now)
			continue;
		log_warning("engine %s: neither listed nor failed within %u ms; %s without it",
		            s->conf->name, 2 * engine_timeout_ms(s->conf),
		            f->published_once ? "raising the serials" : "serving");
		first_result(s);
	}
	hold_arm(f);
	schedule(f);
}

static int slot_by_name(const void *a, const void *b)
{
	return strcmp((*(engine_slot_t *const *)a)->conf->name,
	              (*(engine_slot_t *const *)b)->conf->name);
}

static int engine_by_name(const void *a, const void *b)
{
	return strcmp((*(const conf_engine_t *const *)a)->name,
	              (*(const conf_engine_t *const *)b)->name);
}

/* Every engine stopped, its replicas withdrawn. */
static void engines_stop(fleet_t *f)
{
	for (size_t i = 0; i < f->nslots; i++) {
		prober_group_stop(f->prober, f->slots[i]->conf->name);
		if (f->reg)
			registry_engine_down(f->reg, f->slots[i]->conf->name);
		slot_stop(f, f->slots[i]);
		free(f->slots[i]);
	}
	f->nslots = 0;
}

/* Follow the engines of f->cur: the watched ones and the configured ones, matched by name
 * (both sorted), are kept (same settings, fleet settings that read containers unchanged,
 * same TLS files), restarted, added or removed. reread: the fleet settings that read
 * containers changed, so every engine restarts. Returns how many engines started, stopped
 * or restarted. */
static size_t engines_update(fleet_t *f, bool reread, bool quiet)
{
	const conf_t *c = &f->cur.conf;
	size_t nwant = !f->cur.fleet ? 0 : c->nengines ? c->nengines : 1;
	const conf_engine_t **want = calloc(nwant ? nwant : 1, sizeof(*want));
	engine_slot_t **slots = calloc(nwant ? nwant : 1, sizeof(*slots));
	size_t n = 0, changes = 0;
	if (!want || !slots) {
		log_error("engines: out of memory; every engine stops");
		free(want);
		free(slots);
		changes = f->nslots;
		engines_stop(f);
		return changes;
	}
	for (size_t i = 0; i < nwant; i++)
		want[i] = c->nengines ? &c->engines[i] : &f->cur.default_engine;
	qsort(want, nwant, sizeof(*want), engine_by_name);
	if (f->nslots)
		qsort(f->slots, f->nslots, sizeof(*f->slots), slot_by_name);
	for (size_t i = 0, j = 0; i < f->nslots || j < nwant;) {
		int cmp = i == f->nslots ? 1
		          : j == nwant   ? -1
		                         : strcmp(f->slots[i]->conf->name, want[j]->name);
		engine_slot_t *s = cmp <= 0 ? f->slots[i++] : NULL;
		const conf_engine_t *ce = cmp >= 0 ? want[j++] : NULL;
		if (!ce) {
			log_info("engine %s removed", s->conf->name);
			prober_group_stop(f->prober, s->conf->name);
			registry_engine_down(f->reg, s->conf->name);
			slot_stop(f, s);
			free(s);
			changes++;
			continue;
		}
		if (s) {
			file_stamp_t tls[3];
			file_stamps(ce, tls);
			if (!reread && engine_same(s->conf, ce) && file_stamps_same(s->tls, tls)) {
				s->conf = ce;
				engine_set_resync(s->engine, c->fleet.resync_ms);
				slots[n++] = s;
				continue;
			}
			/* Its replicas stay until the new session has listed or failed. */
			log_info("engine %s: settings changed, restarting", ce->name);
			slot_stop(f, s);
		} else {
			if (!quiet)
				log_info("engine %s added", ce->name);
			if (!(s = calloc(1, sizeof(*s)))) {
				log_error("engine %s: out of memory", ce->name);
				continue;
			}
			s->fleet = f;
		}
		changes++;
		s->conf = ce;
		if (slot_start(f, s)) {
			slots[n++] = s;
		} else {
			prober_group_stop(f->prober, ce->name);
			registry_engine_down(f->reg, ce->name);
			free(s);
		}
	}
	free(want);
	free(f->slots);
	f->slots = slots;
	f->nslots = n;
	hold_arm(f);
	return changes;
}

/* --- reloads ----------------------------------------------------------------------------- */

/* The index of apex among l's dynamic zones, or l->ndynamic; hint is tried first. */
static size_t dynamic_find(const loaded_t *l, const ldns_rdf *apex, size_t hint)
{
	if (hint < l->ndynamic && ldns_dname_compare(l->dynamic[hint]->apex, apex) == 0)
		return hint;
	for (size_t i = 0; i < l->ndynamic; i++)
		if (ldns_dname_compare(l->dynamic[i]->apex, apex) == 0)
			return i;
	return l->ndynamic;
}

/* The serials of the dynamic zones that old had too carry over (then the state file may
 * raise them); a zone that is new, or whose own data changed, must get a new serial. */
static void serials_carry(fleet_t *f, const loaded_t *old)
{
	uint32_t *serials = calloc(f->cur.ndynamic ? f->cur.ndynamic : 1, sizeof(*serials));
	for (size_t i = 0; i < f->cur.ndynamic; i++) {
		size_t j = dynamic_find(old, f->cur.dynamic[i]->apex, i);
		if (j == old->ndynamic ||
		    memcmp(&old->dynamic_digests[j], &f->cur.dynamic_digests[i],
		           sizeof(old->dynamic_digests[j])) != 0)
			f->raise_due = true;
		if (j < old->ndynamic && serials && f->serials)
			serials[i] = f->serials[j];
	}
	free(f->serials);
	f->serials = serials; /* NULL: publishing fails with ENOMEM, logged */
	if (serials)
		state_load(f);
}

/* Engines follow the end of every health check (to read its result) only when the
 * hold-down counts checks: those events cost a parse each, for every container. */
static void follow_checks_set(loaded_t *l)
{
	bool follow = l->conf.fleet.hold_down_checks > 0;
	for (size_t i = 0; i < l->conf.nengines; i++)
		l->conf.engines[i].follow_checks = follow;
	l->default_engine.follow_checks = follow;
}

void fleet_apply(fleet_t *f, loaded_t *l)
{
	bool first = !f->applied;
	loaded_t old = f->cur;
	/* The default engine lives in f->cur: compare against the old one's copy. */
	for (size_t i = 0; i < f->nslots; i++)
		if (f->slots[i]->conf == &f->cur.default_engine)
			f->slots[i]->conf = &old.default_engine;
	bool zones_same = !first && daemon_zones_same(&old, l);
	bool transfers_same = zones_same && daemon_transfers_same(&old.conf, &l->conf);
	bool settings_same = registry_settings_same(&old.conf.fleet, &l->conf.fleet);
	bool damping_kept = damping_same(&old.conf.fleet, &l->conf.fleet);
	bool reread = !first && !reading_same(&old.conf.fleet, &l->conf.fleet);
	f->cur = *l;
	memset(l, 0, sizeof(*l));
	f->applied = true;
	follow_checks_set(&f->cur);
	if (zones_same) {
		/* The served version shares its zones with the old compile of the same files:
		 * keep that one, and let the new copy go with old (it doubled the memory of
		 * every file zone at each reload that changed none). */
		snapshot_t *fresh = f->cur.snap;
		f->cur.snap = old.snap;
		old.snap = fresh;
	}
	if (transfers_same) {
		xfr_set_free(f->cur.xfr); /* what f->xfr has already */
	} else {
		xfr_apply(f->xfr, f->cur.xfr, &f->cur.conf);
		f->xfr_stale = true;
	}
	f->cur.xfr = NULL; /* freed, or owned by f->xfr now */
	serials_carry(f, &old);
	if (!zones_same) {
		/* The files' snapshot is the base of the next publication. */
		f->reloaded = true;
		fleet_zone_clear(&f->zone);
		for (size_t i = 0; i < f->cur.ndynamic; i++)
			if (ldns_dname_compare(f->cur.dynamic[i]->apex, f->cur.fleet_apex) == 0)
				fleet_zone_init(&f->zone, f->cur.dynamic[i]);
		if (!first)
			log_info("reload: zones changed");
	}
	fleet_clock(f); /* what is due now is not the reload's doing */
	uint64_t gen = f->reg ? registry_generation(f->reg) : 0;
	if (f->cur.fleet && !f->reg)
		f->reg = registry_new(&f->cur.conf.fleet);
	else if (f->cur.fleet && !settings_same)
		registry_set_fleet(f->reg, &f->cur.conf.fleet);
	else if (f->cur.fleet && !damping_kept)
		registry_set_damping(f->reg, &f->cur.conf.fleet);
	/* Records say which site each replica is in; new sites render every service anew. */
	if (f->reg && registry_set_sites(f->reg, f->cur.conf.sites, f->cur.conf.nsites) < 0)
		log_error("sites: out of memory; answers keep the previous sites");
	fleet_clock(f); /* a new registry starts at time 0 */
	size_t engine_changes = f->reg ? engines_update(f, reread, first) : 0;
	if (!first && zones_same && transfers_same && !engine_changes &&
	    gen == (f->reg ? registry_generation(f->reg) : 0))
		log_info("reload: nothing served changed");
	if (first && f->holding) {
		uint64_t last = 0;
		for (size_t i = 0; i < f->nslots; i++)
			if (f->slots[i]->first_deadline_ms > last)
				last = f->slots[i]->first_deadline_ms;
		log_info("fleet: not answering until every engine has been listed once or has "
		         "failed (at most %llu ms)",
		         (unsigned long long)(last - uv_now(f->loop)));
	}
	publish_due(f);
	/* engine_close() promises no callback after it returns, and engines copy their
	 * configuration, so the old data can go now. */
	daemon_loaded_free(&old);
}

int fleet_drain(fleet_t *f, const char *engine, bool drained)
{
	bool known = false;
	for (size_t i = 0; i < f->nslots && !known; i++)
		known = strcmp(f->slots[i]->conf->name, engine) == 0;
	if (!known || !f->reg)
		return FDNS_ENOENT;
	fleet_clock(f);
	int ret = registry_engine_drain(f->reg, engine, drained);
	if (ret == FDNS_OK) {
		log_info("engine %s: %s by the control socket", engine,
		         drained ? "drained (its replicas are withheld)" : "undrained");
		schedule(f);
	}
	return ret;
}

void fleet_close(fleet_t *f, void (*on_closed)(void *arg), void *arg)
{
	f->on_closed = on_closed;
	f->on_closed_arg = arg;
	uv_timer_stop(&f->timer);
	uv_timer_stop(&f->serial_timer);
	uv_timer_stop(&f->hold_timer);
	uv_timer_stop(&f->status_timer);
	uv_timer_stop(&f->damp_timer);
	uv_timer_stop(&f->trim_timer);
	engines_stop(f);
	/* One for the prober (released when it is closed, which may be at once: with no
	 * engine there is nothing to wait for) and one for us, released below: taken together
	 * so that the last release, and the handles' close, happen once. */
	f->closing += 2;
	prober_close(f->prober, engine_closed, f);
	engine_closed(f);
}
