/* SPDX-License-Identifier: MIT */
/* status.c -- the /status document (see status.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/status.h"
#include "http/metrics.h"
#include "util/json_get.h"

static void put_str(json_object *o, const char *key, const char *value)
{
	json_object_object_add(o, key, value ? json_object_new_string(value) : NULL);
}

json_object *status_new(const conf_t *conf, time_t started, bool ready)
{
	json_object *st = json_object_new_object(), *p = json_object_new_object();
	if (!st || !p) {
		json_object_put(st);
		json_object_put(p);
		return NULL;
	}
	put_str(p, "version", PACKAGE_VERSION);
	json_object_object_add(p, "started", json_object_new_int64((int64_t)started));
	put_str(p, "config", conf->path);
	json_object_object_add(st, "process", p);
	json_object_object_add(st, "ready", json_object_new_boolean(ready));
	json_object_object_add(st, "engines", json_object_new_array());
	return st;
}

void status_engine_add(json_object *st, const conf_engine_t *ce, const engine_t *e, bool drained)
{
	json_object *list, *o = json_object_new_object();
	if (!o || !json_object_object_get_ex(st, "engines", &list)) {
		json_object_put(o);
		return;
	}
	engine_info_t info = {0};
	if (e)
		engine_info(e, &info);
	put_str(o, "name", ce->name);
	put_str(o, "url", ce->url);
	put_str(o, "state", !e ? "stopped" : info.up ? "up" : info.since ? "down" : "starting");
	json_object_object_add(o, "since", json_object_new_int64((int64_t)info.since));
	json_object_object_add(o, "containers", json_object_new_int64((int64_t)info.containers));
	put_str(o, "last_error", info.last_error && info.last_error[0] ? info.last_error : NULL);
	json_object_object_add(o, "drained", json_object_new_boolean(drained));
	json_object_object_add(o, "events", json_object_new_int64((int64_t)info.events));
	json_object_object_add(o, "reconnects", json_object_new_int64((int64_t)info.reconnects));
	json_object_object_add(o, "last_sync", json_object_new_int64((int64_t)info.last_sync));
	json_object *errors = json_object_new_object();
	for (int k = 0; errors && k < ENGINE_ERRORS; k++)
		json_object_object_add(errors, engine_error_name((enum engine_error)k),
		                       json_object_new_int64((int64_t)info.errors[k]));
	json_object_object_add(o, "errors", errors);
	json_object_array_add(list, o);
}

void status_services_set(json_object *st, const registry_t *reg)
{
	json_object_object_add(st, "services",
	                       reg ? registry_status(reg) : json_object_new_array());
}

static json_object *addresses(const conf_acl_t *acl, size_t n)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; a && i < n; i++)
		json_object_array_add(a, json_object_new_string(acl[i].text ? acl[i].text : "?"));
	return a;
}

static json_object *targets(const conf_notify_t *to, size_t n)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; a && i < n; i++)
		json_object_array_add(a, json_object_new_string(to[i].text ? to[i].text : "?"));
	return a;
}

void status_zones_set(json_object *st, const conf_t *conf, const snapshot_t *snap)
{
	json_object *list = json_object_new_array();
	for (size_t i = 0; list && i < conf->nzones; i++) {
		const conf_zone_t *cz = &conf->zones[i];
		json_object *o = json_object_new_object();
		uint32_t serial = 0;
		size_t names = 0;
		if (!o)
			break;
		bool served = snap && snapshot_zone_info(snap, cz->name, &serial, &names) == 0;
		put_str(o, "name", cz->name);
		json_object_object_add(o, "serial", served ? json_object_new_int64(serial) : NULL);
		json_object_object_add(o, "names", json_object_new_int64((int64_t)names));
		put_str(o, "file", cz->file);
		json_object_object_add(o, "allow_transfer",
		                       addresses(cz->allow_transfer, cz->nallow_transfer));
		json_object_object_add(o, "notify", targets(cz->notify, cz->nnotify));
		json_object_array_add(list, o);
	}
	json_object_object_add(st, "zones", list);
}

const double status_bounds[STATUS_BUCKETS] = {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5};

void status_observe(status_histogram_t *h, double seconds)
{
	h->count++;
	h->sum += seconds;
	for (int i = 0; i < STATUS_BUCKETS; i++)
		h->le[i] += seconds <= status_bounds[i];
}

void status_publication_count(status_counters_t *c, double seconds, bool failed)
{
	c->failures += failed;
	status_observe(&c->publication, seconds);
}

static void engines_write(FILE *out, json_object *engines)
{
	static const char *const gauges[][3] = {
	    {"fleetdns_engine_up", "state", "1 when the engine answers and was listed, else 0."},
	    {"fleetdns_engine_drained", "drained", "1 while the engine is drained (fleetdnsctl)."},
	    {"fleetdns_engine_containers", "containers", "Running or paused containers known."},
	    {"fleetdns_engine_last_change_timestamp_seconds", "since",
	     "When the engine last went up or down, seconds since the Unix epoch."}};
	size_t n = engines ? json_object_array_length(engines) : 0;
	for (size_t g = 0; g < sizeof(gauges) / sizeof(gauges[0]); g++) {
		metrics_family(out, gauges[g][0], "gauge", gauges[g][2]);
		for (size_t i = 0; i < n; i++) {
			json_object *e = json_object_array_get_idx(engines, i), *v = NULL;
			long long value;
			if (g == 0)
				value = strcmp(json_get_str(e, "state") ?: "", "up") == 0;
			else if (g == 1)
				value = json_object_object_get_ex(e, "drained", &v) &&
				        json_object_get_boolean(v);
			else
				value = (long long)json_get_num(e, gauges[g][1]);
			fprintf(out, "%s{engine=\"", gauges[g][0]);
			metrics_label(out, json_get_str(e, "name"));
			fprintf(out, "\"} %lld\n", value);
		}
	}
}

/* One line per engine: name{engine="E"} value. */
static void engine_line(FILE *out, const char *name, json_object *e, const char *kind,
                        long long value)
{
	fprintf(out, "%s{engine=\"", name);
	metrics_label(out, json_get_str(e, "name"));
	if (kind)
		fprintf(out, "\",kind=\"%s", kind);
	fprintf(out, "\"} %lld\n", value);
}

static void engine_counters_write(FILE *out, json_object *engines)
{
	static const char *const counters[][4] = {
	    {"fleetdns_engine_events_total", "counter", "events",
	     "Events read from the engine's event stream."},
	    {"fleetdns_engine_reconnects_total", "counter", "reconnects",
	     "Sessions with the engine begun again after a failure."},
	    {"fleetdns_engine_last_sync_timestamp_seconds", "gauge", "last_sync",
	     "When the engine was last listed whole, seconds since the Unix epoch; 0: never."}};
	size_t n = engines ? json_object_array_length(engines) : 0;
	for (size_t c = 0; c < sizeof(counters) / sizeof(counters[0]); c++) {
		metrics_family(out, counters[c][0], counters[c][1], counters[c][3]);
		for (size_t i = 0; i < n; i++) {
			json_object *e = json_object_array_get_idx(engines, i);
			engine_line(out, counters[c][0], e, NULL,
			            (long long)json_get_num(e, counters[c][2]));
		}
	}
	metrics_family(out, "fleetdns_engine_errors_total", "counter",
	               "Failed sessions with each engine, by why (the engine is retried).");
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(engines, i), *errors, *v;
		if (!json_object_object_get_ex(e, "errors", &errors))
			continue;
		for (int k = 0; k < ENGINE_ERRORS; k++) {
			const char *kind = engine_error_name((enum engine_error)k);
			engine_line(out, "fleetdns_engine_errors_total", e, kind,
			            json_object_object_get_ex(errors, kind, &v)
			                ? json_object_get_int64(v)
			                : 0);
		}
	}
}

static void histogram_write(FILE *out, const char *name, const char *help,
                            const status_histogram_t *h)
{
	metrics_family(out, name, "histogram", help);
	for (int i = 0; i < STATUS_BUCKETS; i++)
		fprintf(out, "%s_bucket{le=\"%g\"} %" PRIu64 "\n", name, status_bounds[i],
		        h->le[i]);
	fprintf(out, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n", name, h->count);
	fprintf(out, "%s_sum %.6f\n%s_count %" PRIu64 "\n", name, h->sum, name, h->count);
}

static void notify_write(FILE *out, const xfr_notify_stats_t *n)
{
	static const char *const results[] = {"acked", "rejected", "send_error"};
	const uint64_t values[] = {n->acked, n->rejected, n->send_errors};
	metrics_family(out, "fleetdns_notify_sent_total", "counter",
	               "NOTIFY messages sent to secondaries (RFC 1996), retries included.");
	fprintf(out, "fleetdns_notify_sent_total %" PRIu64 "\n", n->sent);
	metrics_family(out, "fleetdns_notify_retries_total", "counter",
	               "NOTIFY messages sent again because no answer came.");
	fprintf(out, "fleetdns_notify_retries_total %" PRIu64 "\n", n->retries);
	metrics_family(out, "fleetdns_notify_results_total", "counter",
	               "NOTIFY outcomes: answered NOERROR (acked), answered otherwise, not sent.");
	for (int i = 0; i < 3; i++)
		fprintf(out, "fleetdns_notify_results_total{result=\"%s\"} %" PRIu64 "\n",
		        results[i], values[i]);
}

static void services_write(FILE *out, json_object *services)
{
	/* A partition: "served" and "stale" (served while its engine is down, by the engine's
	 * grace) are the replicas in the answers; the rest are withheld, by reason. */
	static const char *const states[] = {"served",    "stale",     "stopped", "paused",
	                                     "starting",  "unhealthy", "drained", "network",
	                                     "held-down", "damped"};
	enum { NSTATES = sizeof(states) / sizeof(states[0]) };
	metrics_family(out, "fleetdns_service_replicas", "gauge",
	               "Replicas of each service by state: served, stale (served while their "
	               "engine is down), or the reason they are withheld.");
	for (size_t i = 0; services && i < json_object_array_length(services); i++) {
		json_object *s = json_object_array_get_idx(services, i);
		json_object *reps = json_get_array(s, "replicas");
		long long count[NSTATES] = {0};
		for (size_t k = 0; reps && k < json_object_array_length(reps); k++) {
			json_object *r = json_object_array_get_idx(reps, k), *v;
			const char *why = json_get_str(r, "reason");
			bool served = json_object_object_get_ex(r, "served", &v) &&
			              json_object_get_boolean(v);
			bool stale =
			    json_object_object_get_ex(r, "stale", &v) && json_object_get_boolean(v);
			if (served)
				why = stale ? "stale" : "served";
			for (int j = 0; j < NSTATES; j++)
				count[j] += why && strcmp(why, states[j]) == 0;
		}
		for (int j = 0; j < NSTATES; j++) {
			fputs("fleetdns_service_replicas{service=\"", out);
			metrics_label(out, json_get_str(s, "name"));
			fprintf(out, "\",state=\"%s\"} %lld\n", states[j], count[j]);
		}
	}
}

/* The text of an open_memstream() out, once closed: *text, or NULL when out of memory. */
static char *text_close(FILE *out, char **text)
{
	if (fclose(out) != 0) {
		free(*text);
		return NULL;
	}
	return *text;
}

char *status_metrics_state(json_object *st)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	if (!out)
		return NULL;
	json_object *v;
	metrics_family(out, "fleetdns_ready", "gauge",
	               "1 once zones are loaded and every engine was listed or failed once.");
	fprintf(out, "fleetdns_ready %d\n",
	        json_object_object_get_ex(st, "ready", &v) && json_object_get_boolean(v));
	engines_write(out, json_get_array(st, "engines"));
	engine_counters_write(out, json_get_array(st, "engines"));
	services_write(out, json_get_array(st, "services"));
	json_object *zones = json_get_array(st, "zones");
	metrics_family(out, "fleetdns_zone_serial", "gauge",
	               "The SOA serial each zone is served with.");
	for (size_t i = 0; zones && i < json_object_array_length(zones); i++) {
		json_object *z = json_object_array_get_idx(zones, i);
		fputs("fleetdns_zone_serial{zone=\"", out);
		metrics_label(out, json_get_str(z, "name"));
		fprintf(out, "\"} %lld\n", (long long)json_get_num(z, "serial"));
	}
	return text_close(out, &text);
}

char *status_metrics(const char *state, const status_counters_t *c)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	if (!out)
		return NULL;
	if (state)
		fputs(state, out);
	metrics_family(out, "fleetdns_publication_failures_total", "counter",
	               "Publications of new data that failed (the previous data kept serving).");
	fprintf(out, "fleetdns_publication_failures_total %" PRIu64 "\n", c->failures);
	histogram_write(out, "fleetdns_publication_duration_seconds",
	                "How long each publication of new data took (render, compile, publish).",
	                &c->publication);
	histogram_write(out, "fleetdns_event_to_answer_seconds",
	                "From an engine event read from its stream to the answers that show it "
	                "published (the container inspected, the registry updated, compiled).",
	                &c->event_to_answer);
	notify_write(out, &c->notify);
	metrics_family(out, "fleetdns_snapshot_bytes", "gauge",
	               "Memory held by the compiled answers now served (all zones).");
	fprintf(out, "fleetdns_snapshot_bytes %zu\n", c->snapshot_bytes);
	return text_close(out, &text);
}
