/* SPDX-License-Identifier: MIT */
/* docker.c -- the state machine of one Docker Engine client (see fleetdns/engine.h).
 *
 * A session is: GET /version (pick the API version), then at once GET /events (replaying
 * from a second before, so nothing between the listing and the stream is lost), GET /_ping
 * every timeout/4, and a sync: GET /containers/json and GET /containers/ID/json for each,
 * a few at a time, ending in synced(). Events only queue container ids (coalesced); the
 * ids are inspected when no sync is running, so an update never precedes the listing it
 * refines. Any failed, refused or timed-out request ends the session: down() once,
 * everything cancelled, and a new session after a backoff of 250 ms doubling to 5 s.
 *
 * One engine cannot starve the others that share the control loop (docs/fleet.md, "Engine
 * health"):
 * - Bounded work per loop turn. The event stream's bytes go into a buffer of at most
 *   EVENTS_BUF_HIGH unparsed bytes (then the transfer is paused: libcurl stops reading the
 *   socket and TCP makes the engine wait); a uv_idle_t parses at most EVENTS_PER_TURN
 *   events per loop turn from it, so every other socket is polled between two batches.
 * - A bounded share. Each engine may use 1/ENGINE_SHARE_DIV of the control thread's time,
 *   counted as the time spent in its libcurl transfers and callbacks (http_client_busy_ns)
 *   plus its event batches, with a burst allowance of CREDIT_MAX_NS. Past it, its events
 *   wait (and its stream is paused) until its share has built up again; its pings and
 *   inspects go on.
 * - Bounded memory. At most MAX_PENDING container ids wait to be inspected; an event that
 *   would queue one more drops the queue and re-lists the engine instead (one listing,
 *   which inspects only what changed), so a flood never takes the engine down.
 * - Pings are judged by the engine, not by our lateness: a deadline is only checked after
 *   the engine's sockets have been read (http.c), and a ping that is not answered in time
 *   still does not count while anything else arrives from the engine (bytes are evidence
 *   that it is alive). Only an engine that sent nothing at all since the ping went out is
 *   down.
 *
 * Podman's Docker-compatible API (`podman system service`, recognised by GET /version) is
 * followed the same way, with what differs from Docker (docs/fleet.md, "Podman"): its event
 * filter matches Podman's own event names ("died", "remove"), so it gets a filter of its own,
 * and it stores a health check's result only after the check's "exec_died" event (its
 * "health_status" event comes when the check starts), so an exec_died is inspected at once
 * and again RECHECK_MS later.
 *
 * With conf.follow_checks (the hold-down counts health checks), Docker's "exec_die" events,
 * which end every health check (and every `docker exec`), are followed too, for the
 * containers the callbacks' check_wanted() names: each is inspected at once and again
 * RECHECK_MS later (Docker stores the result after the exec ends), so that the results in
 * State.Health.Log are read after each check.
 *
 * Memory: user callbacks may call engine_close(); after each one the code checks
 * e->closing and returns. engine_close() only cancels; memory goes in the last close
 * callback, so nothing the caller still holds is freed under it.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/events.h"
#include "engine/http.h"
#include "engine/parse.h"
#include "fleetdns/engine.h"
#include "fleetdns/error.h"
#include "util/log.h"

#define API_MAX_MAJOR  1
#define API_MAX_MINOR  41
#define API_MIN_MINOR  24   /* the oldest 1.x API this client speaks */
#define MAX_INSPECTS   4    /* inspects in flight at once */
#define MAX_PENDING    4096 /* queued event ids; one more and the engine is re-listed */
#define BACKOFF_MIN_MS 250
#define BACKOFF_MAX_MS 5000
#define MAX_BODY       (16u * 1024 * 1024)

#define EVENTS_PER_TURN  256                /* events parsed per engine and loop turn */
#define EVENTS_BUF_HIGH  (64u * 1024)       /* unparsed event bytes before reading pauses */
#define ENGINE_SHARE_DIV 4                  /* an engine may use 1/4 of the control thread */
#define CREDIT_MAX_NS    INT64_C(100000000) /* ... in bursts of up to 100 ms */
#define STATS_WINDOW_MS  10000              /* how often a busy stream is logged */

#define RECHECKS   64  /* containers waiting for a second inspect after a check's end */
#define RECHECK_MS 250 /* ... this long after it */

/* {"status":["running","paused"]} and the container event filter, URL-encoded. */
#define LIST_QUERY "?filters=%7B%22status%22%3A%5B%22running%22%2C%22paused%22%5D%7D"
#define EVENTS_FILTER                                                                              \
	"%7B%22type%22%3A%5B%22container%22%5D%2C%22event%22%3A%5B%22start%22%2C%22unpause%22%2C"  \
	"%22pause%22%2C%22die%22%2C%22stop%22%2C%22kill%22%2C%22restart%22%2C%22oom%22%2C"         \
	"%22destroy%22%2C%22health_status%22%5D%7D"
/* The same and "exec_die", the end of each health check (conf.follow_checks). */
#define EVENTS_FILTER_CHECKS                                                                       \
	"%7B%22type%22%3A%5B%22container%22%5D%2C%22event%22%3A%5B%22start%22%2C%22unpause%22%2C"  \
	"%22pause%22%2C%22die%22%2C%22stop%22%2C%22kill%22%2C%22restart%22%2C%22oom%22%2C"         \
	"%22destroy%22%2C%22health_status%22%2C%22exec_die%22%5D%7D"
/* Podman filters by its own names: "died" (sent as "die"), "remove" (Docker's "destroy"), and
 * "exec_died" for health results (see the file comment). Tested with Podman 4.3.1. */
#define PODMAN_EVENTS_FILTER                                                                       \
	"%7B%22type%22%3A%5B%22container%22%5D%2C%22event%22%3A%5B%22start%22%2C%22unpause%22%2C"  \
	"%22pause%22%2C%22die%22%2C%22died%22%2C%22stop%22%2C%22kill%22%2C%22restart%22%2C"        \
	"%22remove%22%2C%22health_status%22%2C%22exec_died%22%5D%7D"

enum engine_state {
	ST_IDLE = 0,   /* not started */
	ST_CONNECTING, /* GET /version */
	ST_RUNNING,    /* events followed, pings going, syncing or up */
	ST_BACKOFF,    /* waiting to retry */
};

struct inspect_slot {
	engine_t *e;
	http_req_t *req; /* NULL: free */
	bool for_sync;
	char id[ENGINE_ID_LEN + 1];
};

struct pending_id {
	char id[ENGINE_ID_LEN + 1];
	bool inflight;        /* being inspected */
	bool again;           /* another event came while inflight */
	uint64_t event_ns;    /* uv_hrtime() of the first event not inspected yet */
	uint64_t inflight_ns; /* event_ns of what the inspect in flight will report */
};

struct recheck {
	char id[ENGINE_ID_LEN + 1];
	uint64_t due_ms; /* uv_now() when it is inspected again */
};

struct engine {
	uv_loop_t *loop;
	conf_engine_t conf;
	engine_callbacks_t cb;
	void *ctx;
	unsigned timeout_ms, resync_ms, backoff_ms;
	http_client_t *http;
	http_target_t target;
	char api[16]; /* "/v1.41" */
	bool podman;  /* GET /version says Podman: see the file comment */
	enum engine_state state;
	bool up, down_reported, closing;
	time_t since;         /* when it last went up or down; 0: neither yet */
	char last_error[512]; /* why it last went down, "" when it never did */
	uv_timer_t retry_timer, resync_timer, ping_timer, share_timer, recheck_timer;
	uv_idle_t batch_idle; /* parses one batch of buffered events per loop turn */
	int handles_open;
	http_req_t *req_version, *req_list, *req_events, *req_ping;
	struct inspect_slot slots[MAX_INSPECTS];

	bool syncing, listed;
	char **sync_ids; /* listed ids, those to inspect first */
	char **sync_summaries;
	size_t sync_nids, sync_ninspect, sync_next;
	engine_container_t **found;
	size_t nfound;
	/* The last inspect of every running container, sorted by id: a re-listing inspects
	 * only the containers whose listed state differs from it (engine_parse_list_summaries),
	 * so the periodic safety net costs one listing, not an inspect per container. */
	engine_container_t **known;
	size_t nknown, known_cap;

	engine_events_t *events;
	char events_err[256];
	struct pending_id *pending;
	size_t npending, pending_cap;
	bool relist_again; /* the queue overflowed during a sync: list once more after it */
	struct recheck rechecks[RECHECKS]; /* in order of due_ms */
	size_t nrechecks;

	/* Event stream bytes not parsed yet: evbuf[evoff..evlen). */
	char *evbuf;
	size_t evoff, evlen, evcap;
	bool stream_paused;            /* the data callback paused the transfer: resume it */
	bool over_share;               /* waiting on share_timer */
	int64_t credit_ns;             /* control-thread time this engine may still use */
	uint64_t credit_at, busy_seen; /* uv_hrtime() and http busy time at the last update */

	/* Since stats_from: how the stream was paced (logged when it was). */
	uint64_t stats_from, stats_events;
	size_t stats_max_batch;
	unsigned stats_full, stats_pauses, stats_throttled, stats_relists;

	uint64_t ping_sent_ms, ping_rx; /* when the ping in flight left, rx bytes then */

	/* For metrics (engine_info); only this loop writes them. */
	uint64_t events_total, reconnects, errors[ENGINE_ERRORS];
	time_t last_sync;
	bool session_failed; /* the next session is a reconnect */
	uint64_t change_ns;  /* see engine_change_time() */

	void (*on_closed)(void *arg);
	void *closed_arg;
};

static void session_begin(engine_t *e);
static void pump(engine_t *e);
static void on_resync(uv_timer_t *t);
static void sync_start(engine_t *e);

static uint64_t now_ms(void)
{
	return uv_hrtime() / 1000000;
}

const char *engine_health_name(enum engine_health h)
{
	switch (h) {
	case HEALTH_NONE:
		return "none";
	case HEALTH_STARTING:
		return "starting";
	case HEALTH_HEALTHY:
		return "healthy";
	case HEALTH_UNHEALTHY:
		return "unhealthy";
	}
	return "unknown";
}

const char *engine_name(const engine_t *e)
{
	return e->conf.name;
}

bool engine_is_up(const engine_t *e)
{
	return e->up;
}

void engine_info(const engine_t *e, engine_info_t *out)
{
	*out = (engine_info_t){.up = e->up,
	                       .since = e->since,
	                       .last_error = e->last_error,
	                       .containers = e->nknown,
	                       .events = e->events_total,
	                       .reconnects = e->reconnects,
	                       .last_sync = e->last_sync};
	memcpy(out->errors, e->errors, sizeof(out->errors));
}

uint64_t engine_change_time(const engine_t *e)
{
	return e->change_ns;
}

const char *engine_error_name(enum engine_error kind)
{
	static const char *const names[ENGINE_ERRORS] = {
	    "connection", "timeout", "http_status", "protocol", "stream_ended", "internal"};
	return (unsigned)kind < ENGINE_ERRORS ? names[kind] : "unknown";
}

void engine_set_resync(engine_t *e, unsigned resync_ms)
{
	e->resync_ms = resync_ms ? resync_ms : CONF_DEFAULT_RESYNC_MS;
}

/* ---- the last inspect of each container ---- */

static size_t known_pos(const engine_t *e, const char *id, bool *found)
{
	size_t lo = 0, hi = e->nknown;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(e->known[mid]->id, id);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

/* Remove and return the container with id, or NULL. */
static engine_container_t *known_take(engine_t *e, const char *id)
{
	bool found;
	size_t i = known_pos(e, id, &found);
	if (!found)
		return NULL;
	engine_container_t *c = e->known[i];
	memmove(&e->known[i], &e->known[i + 1], (e->nknown - i - 1) * sizeof(*e->known));
	e->nknown--;
	return c;
}

/* Keep c (taken over) as the last inspect of its container. Without memory it is dropped:
 * the next re-listing then inspects that container again. */
static void known_put(engine_t *e, engine_container_t *c)
{
	free(known_take(e, c->id));
	if (e->nknown == e->known_cap) {
		size_t cap = e->known_cap ? e->known_cap * 2 : 64;
		engine_container_t **k = realloc(e->known, cap * sizeof(*k));
		if (!k) {
			free(c);
			return;
		}
		e->known = k;
		e->known_cap = cap;
	}
	bool found;
	size_t i = known_pos(e, c->id, &found);
	memmove(&e->known[i + 1], &e->known[i], (e->nknown - i) * sizeof(*e->known));
	e->known[i] = c;
	e->nknown++;
}

static void known_clear(engine_t *e)
{
	for (size_t i = 0; i < e->nknown; i++)
		free(e->known[i]);
	e->nknown = 0;
}

/* Whether the listing shows container id as its last inspect did. */
static bool known_same(engine_t *e, const char *id, const char *summary)
{
	bool found;
	size_t i = known_pos(e, id, &found);
	if (!found || !summary)
		return false;
	char *mine = engine_container_summary(e->known[i]);
	bool same = mine && strcmp(mine, summary) == 0;
	free(mine);
	return same;
}

static void sync_reset(engine_t *e)
{
	engine_parse_ids_free(e->sync_ids, e->sync_nids);
	engine_parse_ids_free(e->sync_summaries, e->sync_nids);
	e->sync_summaries = NULL;
	for (size_t i = 0; i < e->nfound; i++)
		free(e->found[i]);
	free(e->found);
	e->sync_ids = NULL;
	e->found = NULL;
	e->sync_nids = e->sync_ninspect = e->sync_next = e->nfound = 0;
	e->syncing = e->listed = false;
}

static void cancel_req(http_req_t **r)
{
	if (*r) {
		http_cancel(*r);
		*r = NULL;
	}
}

/* Stop every transfer and timer of the session; memory stays (see the file comment). */
static void session_stop(engine_t *e)
{
	cancel_req(&e->req_version);
	cancel_req(&e->req_list);
	cancel_req(&e->req_events);
	cancel_req(&e->req_ping);
	for (size_t i = 0; i < MAX_INSPECTS; i++)
		cancel_req(&e->slots[i].req);
	uv_timer_stop(&e->ping_timer);
	uv_timer_stop(&e->resync_timer);
	uv_timer_stop(&e->share_timer);
	uv_timer_stop(&e->retry_timer);
	uv_timer_stop(&e->recheck_timer);
	e->nrechecks = 0;
	uv_idle_stop(&e->batch_idle);
	e->over_share = false;
	e->syncing = e->listed = false;
}

/* A new stream (or none): nothing buffered, nothing paused. */
static void stream_reset(engine_t *e)
{
	e->evoff = e->evlen = 0;
	e->stream_paused = false;
	e->relist_again = false;
	e->events_err[0] = '\0';
	engine_events_reset(e->events);
}

static void on_retry(uv_timer_t *t)
{
	session_begin(t->data);
}

static void __attribute__((format(printf, 3, 4)))
fail(engine_t *e, enum engine_error kind, const char *fmt, ...)
{
	char reason[512];
	va_list ap;

	if (e->closing)
		return;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	bool report = !e->down_reported;
	if (report)
		log_warning("engine %s: %s; down, retrying in %u ms", e->conf.name, reason,
		            e->backoff_ms);
	else
		log_info("engine %s: still down: %s; retrying in %u ms", e->conf.name, reason,
		         e->backoff_ms);
	snprintf(e->last_error, sizeof(e->last_error), "%s", reason);
	e->errors[kind]++;
	e->session_failed = true;
	if (e->up || e->since == 0)
		e->since = time(NULL);
	session_stop(e);
	sync_reset(e);
	known_clear(e); /* the registry withdraws everything: the next listing inspects all */
	e->npending = 0;
	stream_reset(e);
	e->up = false;
	e->down_reported = true;
	e->state = ST_BACKOFF;
	uv_timer_start(&e->retry_timer, on_retry, e->backoff_ms, 0);
	e->backoff_ms = e->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : e->backoff_ms * 2;
	if (report)
		e->cb.down(e->ctx, e, reason);
}

/* A short printable copy of an error body, for the log. */
static void body_excerpt(const http_result_t *res, char *out, size_t size)
{
	size_t n = 0;

	for (size_t i = 0; i < res->len && n + 1 < size; i++) {
		char ch = res->body[i];
		if (ch == '\n' || ch == '\r')
			continue;
		out[n++] = (ch >= 0x20 && ch < 0x7f) ? ch : '?';
	}
	out[n] = '\0';
}

/* Whether res is a complete 2xx response; if not, the session fails. */
static bool response_ok(engine_t *e, const http_result_t *res, const char *what)
{
	char excerpt[128];

	if (res->err) {
		fail(e,
		     res->timed_out  ? ENGINE_ERR_TIMEOUT
		     : res->unusable ? ENGINE_ERR_PROTOCOL
		                     : ENGINE_ERR_CONNECTION,
		     "%s: %s", what, res->what);
		return false;
	}
	if (res->status < 200 || res->status > 299) {
		body_excerpt(res, excerpt, sizeof(excerpt));
		fail(e, ENGINE_ERR_HTTP_STATUS, "%s: HTTP status %ld%s%s", what, res->status,
		     excerpt[0] ? ": " : "", excerpt);
		return false;
	}
	return true;
}

static int start_get(engine_t *e, const char *path, bool stream, http_data_cb on_data,
                     http_done_cb done, void *arg, http_req_t **out)
{
	http_opts_t o = {
	    .timeout_ms = stream ? 0 : e->timeout_ms,
	    .connect_timeout_ms = e->timeout_ms,
	    .max_body = MAX_BODY,
	    .on_data = on_data,
	};
	int rc = http_get(e->http, &e->target, path, &o, done, arg, out);
	if (rc)
		fail(e, ENGINE_ERR_INTERNAL, "GET %s: cannot start: %s", path, fdns_strerror(rc));
	return rc;
}

static void finish_sync(engine_t *e)
{
	bool was_up = e->up;

	e->syncing = e->listed = false;
	e->last_sync = time(NULL);
	if (!was_up)
		e->since = time(NULL);
	e->up = true;
	e->down_reported = false;
	e->backoff_ms = BACKOFF_MIN_MS;
	if (!was_up)
		log_info("engine %s: up, %zu running or paused containers", e->conf.name,
		         e->nfound);
	else
		log_debug("engine %s: resynced, %zu containers", e->conf.name, e->nfound);
	e->cb.synced(e->ctx, e, (const engine_container_t *const *)e->found, e->nfound);
	if (e->closing)
		return;
	/* What was found is what runs now: it replaces the last inspects (those not listed
	 * are gone). */
	known_clear(e);
	for (size_t i = 0; i < e->nfound; i++)
		known_put(e, e->found[i]);
	e->nfound = 0;
	sync_reset(e);
	/* Spread re-listings over +-25% of the interval: engines that started together must
	 * not all re-list (and re-inspect every container) in the same second. */
	uint64_t jitter = (uint64_t)e->resync_ms / 2 * (uint64_t)(rand() % 1001) / 1000;
	uv_timer_start(&e->resync_timer, on_resync, e->resync_ms - e->resync_ms / 4 + jitter, 0);
	if (e->relist_again) {
		/* Events were dropped during this sync (see pending_overflow): they may be newer
		 * than its listing. */
		e->relist_again = false;
		sync_start(e);
		return;
	}
	pump(e);
}

/* The inspect of id is answered: returns the time of the event it reports (0: unknown). */
static uint64_t pending_done(engine_t *e, const char *id)
{
	for (size_t i = 0; i < e->npending; i++) {
		struct pending_id *p = &e->pending[i];
		if (strcmp(p->id, id) != 0)
			continue;
		uint64_t at = p->inflight_ns;
		if (p->again) {
			p->again = false;
			p->inflight = false;
		} else {
			memmove(p, p + 1, (e->npending - i - 1) * sizeof(*p));
			e->npending--;
		}
		return at;
	}
	return 0;
}

static void on_inspect(void *arg, const http_result_t *res)
{
	struct inspect_slot *s = arg;
	engine_t *e = s->e;
	char id[ENGINE_ID_LEN + 1], what[128], err[256];
	bool for_sync = s->for_sync;
	engine_container_t *c = NULL;

	s->req = NULL;
	memcpy(id, s->id, sizeof(id));
	snprintf(what, sizeof(what), "GET %s/containers/%.12s/json", e->api, id);
	if (res->err == 0 && res->status == 404) {
		/* Gone between the event (or the listing) and the inspect. */
		free(known_take(e, id));
		if (!for_sync) {
			e->change_ns = pending_done(e, id);
			e->cb.removed(e->ctx, e, id);
			e->change_ns = 0;
			if (e->closing)
				return;
		}
		pump(e);
		return;
	}
	if (!response_ok(e, res, what))
		return;
	int rc = engine_parse_inspect(res->body, res->len, &c, err, sizeof(err));
	if (rc) {
		fail(e, ENGINE_ERR_PROTOCOL, "%s: %s", what, err);
		return;
	}
	if (strcmp(c->id, id) != 0) {
		free(c);
		fail(e, ENGINE_ERR_PROTOCOL, "%s: the engine answered with another container",
		     what);
		return;
	}
	bool alive = c->running || c->paused;
	if (for_sync) {
		if (alive)
			e->found[e->nfound++] = c;
		else
			free(c);
	} else {
		e->change_ns = pending_done(e, id);
		if (alive)
			e->cb.updated(e->ctx, e, c);
		else
			e->cb.removed(e->ctx, e, id);
		e->change_ns = 0;
		if (alive)
			known_put(e, c);
		else
			free(known_take(e, id)), free(c);
		if (e->closing)
			return;
	}
	pump(e);
}

static struct inspect_slot *free_slot(engine_t *e)
{
	for (size_t i = 0; i < MAX_INSPECTS; i++)
		if (!e->slots[i].req)
			return &e->slots[i];
	return NULL;
}

static bool sync_inspects_running(const engine_t *e)
{
	for (size_t i = 0; i < MAX_INSPECTS; i++)
		if (e->slots[i].req && e->slots[i].for_sync)
			return true;
	return false;
}

static int start_inspect(engine_t *e, struct inspect_slot *s, const char *id, bool for_sync)
{
	char path[160];

	snprintf(s->id, sizeof(s->id), "%s", id);
	s->for_sync = for_sync;
	snprintf(path, sizeof(path), "%s/containers/%s/json", e->api, id);
	return start_get(e, path, false, NULL, on_inspect, s, &s->req);
}

/* Start what can start: the sync's inspects first, else the queued event ids. */
static void pump(engine_t *e)
{
	struct inspect_slot *s;

	if (e->closing || e->state != ST_RUNNING)
		return;
	while ((s = free_slot(e))) {
		if (e->syncing) {
			if (!e->listed || e->sync_next >= e->sync_ninspect)
				break;
			if (start_inspect(e, s, e->sync_ids[e->sync_next++], true))
				return;
			continue;
		}
		struct pending_id *p = NULL;
		for (size_t i = 0; i < e->npending && !p; i++)
			if (!e->pending[i].inflight)
				p = &e->pending[i];
		if (!p)
			break;
		p->inflight = true;
		p->inflight_ns = p->event_ns;
		if (start_inspect(e, s, p->id, false))
			return;
	}
	if (e->syncing && e->listed && e->sync_next >= e->sync_ninspect &&
	    !sync_inspects_running(e))
		finish_sync(e);
}

static void on_list(void *arg, const http_result_t *res)
{
	engine_t *e = arg;
	char what[64], err[256];

	e->req_list = NULL;
	snprintf(what, sizeof(what), "GET %s/containers/json", e->api);
	if (!response_ok(e, res, what))
		return;
	if (engine_parse_list_summaries(res->body, res->len, &e->sync_ids, &e->sync_summaries,
	                                &e->sync_nids, err, sizeof(err))) {
		fail(e, ENGINE_ERR_PROTOCOL, "%s: %s", what, err);
		return;
	}
	if (e->sync_nids && !(e->found = calloc(e->sync_nids, sizeof(*e->found)))) {
		fail(e, ENGINE_ERR_INTERNAL, "%s: out of memory", what);
		return;
	}
	e->sync_next = e->nfound = 0;
	/* Containers listed as their last inspect saw them are found without a new inspect;
	 * the others move to the front of sync_ids, to be inspected. */
	e->sync_ninspect = 0;
	for (size_t i = 0; i < e->sync_nids; i++) {
		const char *id = e->sync_ids[i];
		if (known_same(e, id, e->sync_summaries[i])) {
			e->found[e->nfound++] = known_take(e, id);
			continue;
		}
		char *tmp = e->sync_ids[e->sync_ninspect];
		e->sync_ids[e->sync_ninspect++] = e->sync_ids[i];
		e->sync_ids[i] = tmp;
	}
	log_debug("engine %s: listed %zu containers, %zu to inspect", e->conf.name, e->sync_nids,
	          e->sync_ninspect);
	e->listed = true;
	pump(e);
}

static void sync_start(engine_t *e)
{
	char path[160];

	sync_reset(e);
	e->syncing = true;
	snprintf(path, sizeof(path), "%s/containers/json%s", e->api, LIST_QUERY);
	start_get(e, path, false, NULL, on_list, e, &e->req_list);
}

static void on_resync(uv_timer_t *t)
{
	engine_t *e = t->data;

	if (e->state == ST_RUNNING && !e->syncing)
		sync_start(e);
}

static int pending_add(engine_t *e, const char *id)
{
	for (size_t i = 0; i < e->npending; i++) {
		if (strcmp(e->pending[i].id, id) == 0) {
			if (e->pending[i].inflight && !e->pending[i].again) {
				e->pending[i].again = true;
				/* the inflight one is reported */
				e->pending[i].event_ns = uv_hrtime();
			}
			return 0;
		}
	}
	if (e->npending == e->pending_cap) {
		size_t cap = e->pending_cap ? e->pending_cap * 2 : 16;
		if (cap > MAX_PENDING)
			return FDNS_ENOMEM;
		struct pending_id *p = realloc(e->pending, cap * sizeof(*p));
		if (!p)
			return FDNS_ENOMEM;
		e->pending = p;
		e->pending_cap = cap;
	}
	struct pending_id *p = &e->pending[e->npending++];
	snprintf(p->id, sizeof(p->id), "%s", id);
	p->inflight = p->again = false;
	p->event_ns = uv_hrtime();
	return 0;
}

/* The queue of ids to inspect is full: a listing tells more for less. Ids being inspected
 * stay (their answers look them up); the others go. */
static void pending_overflow(engine_t *e)
{
	size_t k = 0;

	for (size_t i = 0; i < e->npending; i++)
		if (e->pending[i].inflight) {
			e->pending[k] = e->pending[i];
			e->pending[k++].again = false;
		}
	e->npending = k;
	if (e->stats_relists++ == 0)
		log_info("engine %s: events name over %d containers not inspected yet; dropping "
		         "them and re-listing the engine instead",
		         e->conf.name, MAX_PENDING);
	if (e->syncing)
		e->relist_again = true;
	else
		sync_start(e);
}

/* ---- Podman: a second inspect after a health check ---- */

static void on_recheck(uv_timer_t *t)
{
	engine_t *e = t->data;
	uint64_t now = uv_now(e->loop);

	if (e->state != ST_RUNNING)
		return;
	while (e->nrechecks && e->rechecks[0].due_ms <= now) {
		char id[ENGINE_ID_LEN + 1];
		memcpy(id, e->rechecks[0].id, sizeof(id));
		memmove(e->rechecks, e->rechecks + 1, --e->nrechecks * sizeof(*e->rechecks));
		log_debug("engine %s: health check of %.12s ended; inspecting it again",
		          e->conf.name, id);
		if (pending_add(e, id)) {
			pending_overflow(e); /* a listing covers the rest */
			break;
		}
	}
	if (e->closing || e->state != ST_RUNNING)
		return;
	if (e->nrechecks) {
		uint64_t due = e->rechecks[0].due_ms;
		uv_timer_start(&e->recheck_timer, on_recheck, due > now ? due - now : 0, 0);
	}
	pump(e);
}

/* Podman writes a health check's result right after the check's exec_died event, so the
 * inspect that event queues may still see the status before it: inspect once more a little
 * later (Docker's exec_die, followed for the hold-down by checks, likewise). When RECHECKS
 * wait already, the resync is the safety net for this one. */
static void recheck_add(engine_t *e, const char *id)
{
	uint64_t due = uv_now(e->loop) + RECHECK_MS;

	for (size_t i = 0; i < e->nrechecks; i++)
		if (strcmp(e->rechecks[i].id, id) == 0) {
			memmove(&e->rechecks[i], &e->rechecks[i + 1],
			        (e->nrechecks - i - 1) * sizeof(*e->rechecks));
			e->nrechecks--;
			break;
		}
	if (e->nrechecks == RECHECKS) {
		log_debug("engine %s: %d containers wait for a second inspect; %.12s does not",
		          e->conf.name, RECHECKS, id);
		return;
	}
	struct recheck *r = &e->rechecks[e->nrechecks++];
	snprintf(r->id, sizeof(r->id), "%s", id);
	r->due_ms = due;
	if (e->nrechecks == 1)
		uv_timer_start(&e->recheck_timer, on_recheck, RECHECK_MS, 0);
}

/* Docker's exec_die, followed for the hold-down by checks: wanted only for the containers
 * the callbacks name (the others' checks are many and change nothing). */
static bool check_end_wanted(engine_t *e, const engine_event_t *ev)
{
	return !e->podman && e->conf.follow_checks && strcmp(ev->action, "exec_die") == 0 &&
	       strcmp(ev->type, "container") == 0 && e->cb.check_wanted &&
	       e->cb.check_wanted(e->ctx, e, ev->id);
}

/* Runs from on_batch (outside libcurl). Nonzero stops the batch: the session ended. */
static int on_event(void *arg, const engine_event_t *ev)
{
	engine_t *e = arg;
	bool check_end = check_end_wanted(e, ev);

	if (!check_end &&
	    !(e->podman ? engine_event_relevant_podman(ev) : engine_event_relevant(ev)))
		return 0;
	if (!engine_id_valid(ev->id)) {
		log_debug("engine %s: event '%s' without a valid id ignored", e->conf.name,
		          ev->action);
		return 0;
	}
	log_debug("engine %s: event %s %.12s", e->conf.name, ev->action, ev->id);
	if (pending_add(e, ev->id)) {
		pending_overflow(e);
		return e->closing || e->state != ST_RUNNING;
	}
	if (check_end || (e->podman && !strcmp(ev->action, "exec_died")))
		recheck_add(e, ev->id);
	/* die, pause and destroy settle it: withdraw the replica now instead of after the
	 * inspect round trip; the inspect queued above confirms (and "start" or "unpause"
	 * brings it back). */
	if (e->up && !e->syncing &&
	    (!strcmp(ev->action, "die") || !strcmp(ev->action, "destroy") ||
	     !strcmp(ev->action, "pause") || (e->podman && !strcmp(ev->action, "remove")))) {
		e->change_ns = uv_hrtime();
		e->cb.removed(e->ctx, e, ev->id);
		e->change_ns = 0;
	}
	return e->closing || e->state != ST_RUNNING;
}

/* ---- the share of the control thread ---- */

/* Credit grows with time at 1/ENGINE_SHARE_DIV and shrinks with what the engine cost: its
 * transfers (measured by http.c) and its event batches (charged by on_batch). */
static void credit_update(engine_t *e)
{
	uint64_t now = uv_hrtime(), busy = http_client_busy_ns(e->http);

	e->credit_ns += (int64_t)((now - e->credit_at) / ENGINE_SHARE_DIV);
	e->credit_ns -= (int64_t)(busy - e->busy_seen);
	e->credit_at = now;
	e->busy_seen = busy;
	if (e->credit_ns > CREDIT_MAX_NS)
		e->credit_ns = CREDIT_MAX_NS;
	if (e->credit_ns < -CREDIT_MAX_NS)
		e->credit_ns = -CREDIT_MAX_NS; /* the longest wait: 400 ms */
}

/* Take the stream's bytes again once what is buffered has shrunk and the share allows. */
static void stream_resume(engine_t *e)
{
	if (!e->stream_paused || e->over_share || !e->req_events ||
	    e->evlen - e->evoff > EVENTS_BUF_HIGH / 2)
		return;
	e->stream_paused = false;
	http_resume(e->req_events); /* on_events_data may run (and pause again) in here */
}

static void on_batch(uv_idle_t *h);

static void on_share(uv_timer_t *t)
{
	engine_t *e = t->data;

	e->over_share = false;
	if (e->state != ST_RUNNING)
		return;
	if (e->evoff != e->evlen)
		uv_idle_start(&e->batch_idle, on_batch);
	stream_resume(e);
}

static void stats_log(engine_t *e, uint64_t now)
{
	if (e->stats_full || e->stats_pauses || e->stats_throttled || e->stats_relists)
		log_info("engine %s: busy event stream: %" PRIu64 " events in %.1f s, at most %zu "
		         "per loop turn (%u turns full); reading paused %u times (%u KiB waiting) "
		         "and %u times (over 1/%d of the control thread); %u re-listings (over %d "
		         "containers queued)",
		         e->conf.name, e->stats_events, (double)(now - e->stats_from) / 1000.0,
		         e->stats_max_batch, e->stats_full, e->stats_pauses, EVENTS_BUF_HIGH / 1024,
		         e->stats_throttled, ENGINE_SHARE_DIV, e->stats_relists, MAX_PENDING);
	e->stats_from = now;
	e->stats_events = 0;
	e->stats_max_batch = 0;
	e->stats_full = e->stats_pauses = e->stats_throttled = e->stats_relists = 0;
}

/* One batch of the buffered events per loop turn (an idle handle runs once per turn,
 * between two polls of every socket). */
static void on_batch(uv_idle_t *h)
{
	engine_t *e = h->data;
	char err[256];
	size_t used, n;

	if (e->closing || e->state != ST_RUNNING || e->evoff == e->evlen) {
		uv_idle_stop(h);
		if (!e->closing && e->state == ST_RUNNING)
			stream_resume(e);
		return;
	}
	credit_update(e);
	if (e->credit_ns < 0) {
		uv_idle_stop(h);
		e->over_share = true;
		e->stats_throttled++;
		uint64_t wait_ms = (uint64_t)(-e->credit_ns) * ENGINE_SHARE_DIV / 1000000 + 1;
		uv_timer_start(&e->share_timer, on_share, wait_ms, 0);
		return;
	}
	uint64_t t0 = uv_hrtime();
	int rc = engine_events_feed_max(e->events, e->evbuf + e->evoff, e->evlen - e->evoff,
	                                EVENTS_PER_TURN, &used, &n, on_event, e, err, sizeof(err));
	if (e->closing || e->state != ST_RUNNING)
		return; /* a callback closed the engine, or the session failed */
	if (rc) {
		fail(e, ENGINE_ERR_PROTOCOL, "GET %s/events: %s", e->api, err);
		return;
	}
	e->evoff += used;
	if (e->evoff == e->evlen)
		e->evoff = e->evlen = 0;
	e->stats_events += n;
	e->events_total += n;
	if (n > e->stats_max_batch)
		e->stats_max_batch = n;
	if (n == EVENTS_PER_TURN)
		e->stats_full++;
	pump(e); /* inspect what the events queued */
	if (e->closing || e->state != ST_RUNNING)
		return;
	e->credit_ns -= (int64_t)(uv_hrtime() - t0);
	if (e->evoff == e->evlen)
		uv_idle_stop(h);
	stream_resume(e);
	uint64_t now = uv_now(e->loop);
	if (!e->stats_from)
		e->stats_from = now;
	else if (now - e->stats_from >= STATS_WINDOW_MS)
		stats_log(e, now);
}

/* Runs inside libcurl (see http.h): only buffer, never start or cancel transfers here. */
static int on_events_data(void *arg, const char *data, size_t len)
{
	engine_t *e = arg;

	if (e->over_share || e->evlen - e->evoff >= EVENTS_BUF_HIGH) {
		if (!e->over_share)
			e->stats_pauses++;
		e->stream_paused = true;
		return HTTP_DATA_PAUSE; /* libcurl keeps these bytes until stream_resume() */
	}
	if (e->evoff) {
		memmove(e->evbuf, e->evbuf + e->evoff, e->evlen - e->evoff);
		e->evlen -= e->evoff;
		e->evoff = 0;
	}
	if (e->evlen + len > e->evcap) {
		size_t cap = e->evcap ? e->evcap : 16 * 1024;
		while (cap < e->evlen + len)
			cap *= 2;
		char *b = realloc(e->evbuf, cap);
		if (!b) {
			snprintf(e->events_err, sizeof(e->events_err), "out of memory");
			return 1;
		}
		e->evbuf = b;
		e->evcap = cap;
	}
	memcpy(e->evbuf + e->evlen, data, len);
	e->evlen += len;
	uv_idle_start(&e->batch_idle, on_batch);
	return 0;
}

static void on_events_done(void *arg, const http_result_t *res)
{
	engine_t *e = arg;
	char what[64];

	e->req_events = NULL;
	snprintf(what, sizeof(what), "GET %s/events", e->api);
	if (res->err && e->events_err[0])
		fail(e, ENGINE_ERR_PROTOCOL, "%s: %s", what, e->events_err);
	else if (response_ok(e, res, what))
		fail(e, ENGINE_ERR_STREAM_ENDED, "%s: the event stream ended", what);
}

static void on_ping(void *arg, const http_result_t *res)
{
	engine_t *e = arg;
	uint64_t took = now_ms() - e->ping_sent_ms;
	uint64_t rx = http_client_rx_bytes(e->http) - e->ping_rx;

	e->req_ping = NULL;
	/* Anything that came from the engine meanwhile (events, other answers, part of this
	 * one) shows it alive: only silence since the ping went out makes it down. */
	if (res->err && res->timed_out && rx > 0) {
		log_info("engine %s: ping not answered within %" PRIu64 " ms, but %" PRIu64
		         " bytes came from the engine meanwhile; still up",
		         e->conf.name, took, rx);
		return;
	}
	if (!response_ok(e, res, "GET /_ping"))
		return;
	if (took > e->timeout_ms / 4)
		log_info("engine %s: ping answered after %" PRIu64 " ms (pings go every %u ms)",
		         e->conf.name, took, e->timeout_ms / 4);
}

static void on_ping_tick(uv_timer_t *t)
{
	engine_t *e = t->data;

	if (e->state != ST_RUNNING || e->req_ping)
		return;
	/* A ping every timeout/4 that may take 3/4 of the timeout: an engine that stops
	 * answering right after a good ping is noticed within the timeout. */
	http_opts_t o = {
	    .timeout_ms = e->timeout_ms - e->timeout_ms / 4,
	    .max_body = MAX_BODY,
	};
	e->ping_sent_ms = now_ms();
	e->ping_rx = http_client_rx_bytes(e->http);
	int rc = http_get(e->http, &e->target, "/_ping", &o, on_ping, e, &e->req_ping);
	if (rc)
		fail(e, ENGINE_ERR_INTERNAL, "GET /_ping: cannot start: %s", fdns_strerror(rc));
}

static void on_version(void *arg, const http_result_t *res)
{
	engine_t *e = arg;
	engine_version_info_t vi;
	char err[256], path[512];

	e->req_version = NULL;
	if (!response_ok(e, res, "GET /version"))
		return;
	if (engine_parse_version(res->body, res->len, &vi, err, sizeof(err))) {
		fail(e, ENGINE_ERR_PROTOCOL, "GET /version: %s", err);
		return;
	}
	unsigned major = vi.api_major, minor = vi.api_minor;
	if (major > API_MAX_MAJOR || (major == API_MAX_MAJOR && minor > API_MAX_MINOR)) {
		major = API_MAX_MAJOR;
		minor = API_MAX_MINOR;
	}
	if (major < API_MAX_MAJOR || (major == API_MAX_MAJOR && minor < API_MIN_MINOR)) {
		fail(e, ENGINE_ERR_PROTOCOL, "GET /version: API %u.%u is older than 1.%u",
		     vi.api_major, vi.api_minor, API_MIN_MINOR);
		return;
	}
	if (vi.min_major > major || (vi.min_major == major && vi.min_minor > minor))
		log_warning("engine %s: needs API %u.%u or newer; trying %u.%u anyway",
		            e->conf.name, vi.min_major, vi.min_minor, major, minor);
	snprintf(e->api, sizeof(e->api), "/v%u.%u", major, minor);
	e->podman = vi.podman;
	log_info("engine %s: %s %s, API %u.%u, using %s", e->conf.name,
	         vi.podman ? "Podman" : "Docker", vi.version[0] ? vi.version : "(unknown)",
	         vi.api_major, vi.api_minor, e->api + 2);

	/* The engine's clock decides which events come after `since`. */
	long long since = (long long)(res->date ? res->date : time(NULL)) - 1;
	e->state = ST_RUNNING;
	stream_reset(e);
	snprintf(path, sizeof(path), "%s/events?since=%lld&filters=%s", e->api, since,
	         e->podman               ? PODMAN_EVENTS_FILTER
	         : e->conf.follow_checks ? EVENTS_FILTER_CHECKS
	                                 : EVENTS_FILTER);
	if (start_get(e, path, true, on_events_data, on_events_done, e, &e->req_events))
		return;
	unsigned every = e->timeout_ms / 4 ? e->timeout_ms / 4 : 1;
	uv_timer_start(&e->ping_timer, on_ping_tick, every, every);
	sync_start(e);
}

static void session_begin(engine_t *e)
{
	if (e->closing)
		return;
	e->reconnects += e->session_failed;
	e->session_failed = false;
	e->state = ST_CONNECTING;
	start_get(e, "/version", false, NULL, on_version, e, &e->req_version);
}

static char *dup_opt(const char *s, bool *oom)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		*oom = true;
	return d;
}

static void conf_engine_free_copy(conf_engine_t *c)
{
	free(c->name);
	free(c->url);
	free(c->tls_ca);
	free(c->tls_cert);
	free(c->tls_key);
	free(c->host_address);
	free(c->network);
}

engine_t *engine_new(uv_loop_t *loop, const conf_engine_t *conf, const engine_callbacks_t *cb,
                     void *ctx)
{
	engine_t *e = calloc(1, sizeof(*e));
	bool oom = false;

	if (!e)
		return NULL;
	e->loop = loop;
	e->conf = *conf;
	e->conf.name = dup_opt(conf->name ? conf->name : "engine", &oom);
	e->conf.url = dup_opt(conf->url ? conf->url : CONF_DEFAULT_ENGINE_URL, &oom);
	e->conf.tls_ca = dup_opt(conf->tls_ca, &oom);
	e->conf.tls_cert = dup_opt(conf->tls_cert, &oom);
	e->conf.tls_key = dup_opt(conf->tls_key, &oom);
	e->conf.host_address = dup_opt(conf->host_address, &oom);
	e->conf.network = dup_opt(conf->network, &oom);
	e->cb = *cb;
	e->ctx = ctx;
	e->timeout_ms = conf->timeout_ms ? conf->timeout_ms : CONF_DEFAULT_ENGINE_TIMEOUT_MS;
	e->resync_ms = CONF_DEFAULT_RESYNC_MS;
	e->backoff_ms = BACKOFF_MIN_MS;
	e->credit_ns = CREDIT_MAX_NS;
	e->credit_at = uv_hrtime();
	e->events = engine_events_new();
	if (!oom && e->events)
		e->http = http_client_new(loop);
	if (oom || !e->http) {
		engine_events_free(e->events);
		conf_engine_free_copy(&e->conf);
		free(e);
		return NULL;
	}
	uv_timer_t *timers[] = {&e->retry_timer, &e->resync_timer, &e->ping_timer, &e->share_timer,
	                        &e->recheck_timer};
	for (size_t i = 0; i < sizeof(timers) / sizeof(*timers); i++) {
		uv_timer_init(loop, timers[i]);
		timers[i]->data = e;
	}
	uv_idle_init(loop, &e->batch_idle);
	e->batch_idle.data = e;
	for (size_t i = 0; i < MAX_INSPECTS; i++)
		e->slots[i].e = e;
	return e;
}

int engine_start(engine_t *e)
{
	char err[256];

	if (e->closing || e->state != ST_IDLE)
		return FDNS_EINVAL;
	int rc = http_target_parse(&e->target, e->conf.url, e->conf.tls_ca, e->conf.tls_cert,
	                           e->conf.tls_key, err, sizeof(err));
	if (rc) {
		log_error("engine %s: %s", e->conf.name, err);
		return rc;
	}
	session_begin(e);
	return 0;
}

static void engine_free_now(engine_t *e)
{
	void (*cb)(void *) = e->on_closed;
	void *arg = e->closed_arg;

	sync_reset(e);
	known_clear(e);
	free(e->known);
	free(e->pending);
	free(e->evbuf);
	engine_events_free(e->events);
	http_target_free(&e->target);
	conf_engine_free_copy(&e->conf);
	free(e);
	if (cb)
		cb(arg);
}

static void on_part_closed(engine_t *e)
{
	if (--e->handles_open == 0)
		engine_free_now(e);
}

static void on_timer_closed(uv_handle_t *h)
{
	on_part_closed(h->data);
}

static void on_http_closed(void *arg)
{
	on_part_closed(arg);
}

void engine_close(engine_t *e, void (*on_closed)(void *arg), void *arg)
{
	if (e->closing)
		return;
	session_stop(e);
	e->closing = true;
	e->up = false;
	e->on_closed = on_closed;
	e->closed_arg = arg;
	e->handles_open = 7; /* five timers, the batch idle handle and the HTTP client */
	uv_close((uv_handle_t *)&e->retry_timer, on_timer_closed);
	uv_close((uv_handle_t *)&e->resync_timer, on_timer_closed);
	uv_close((uv_handle_t *)&e->ping_timer, on_timer_closed);
	uv_close((uv_handle_t *)&e->share_timer, on_timer_closed);
	uv_close((uv_handle_t *)&e->recheck_timer, on_timer_closed);
	uv_close((uv_handle_t *)&e->batch_idle, on_timer_closed);
	http_client_close(e->http, on_http_closed, e);
}
