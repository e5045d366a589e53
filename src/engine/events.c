/* SPDX-License-Identifier: MIT */
/* events.c -- the GET /events stream cut into objects with one json_tokener kept across
 * reads: it resumes in the middle of an object, and after each complete object the rest of
 * the read is parsed again from where the tokener stopped.
 */
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/events.h"
#include "fleetdns/error.h"

struct engine_events {
	json_tokener *tok;
	bool mid;       /* inside an object: the tokener holds its beginning */
	size_t pending; /* bytes of the current object so far */
};

engine_events_t *engine_events_new(void)
{
	engine_events_t *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	if (!(p->tok = json_tokener_new())) {
		free(p);
		return NULL;
	}
	json_tokener_set_flags(p->tok, JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS);
	return p;
}

void engine_events_free(engine_events_t *p)
{
	if (!p)
		return;
	json_tokener_free(p->tok);
	free(p);
}

void engine_events_reset(engine_events_t *p)
{
	json_tokener_reset(p->tok);
	p->mid = false;
	p->pending = 0;
}

static const char *str_member(json_object *o, const char *key)
{
	json_object *v;

	if (o && json_object_is_type(o, json_type_object) &&
	    json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return NULL;
}

static int deliver(json_object *o, int (*on_event)(void *, const engine_event_t *), void *arg)
{
	json_object *actor = NULL;
	engine_event_t ev;

	json_object_object_get_ex(o, "Actor", &actor);
	ev.type = str_member(o, "Type");
	ev.action = str_member(o, "Action");
	ev.id = str_member(actor, "ID");
	/* Engines before API 1.22 only had status and id. */
	if (!ev.action)
		ev.action = str_member(o, "status");
	if (!ev.id)
		ev.id = str_member(o, "id");
	if (!ev.type)
		ev.type = "";
	if (!ev.action)
		ev.action = "";
	if (!ev.id)
		ev.id = "";
	return on_event(arg, &ev);
}

int engine_events_feed(engine_events_t *p, const char *data, size_t len,
                       int (*on_event)(void *arg, const engine_event_t *ev), void *arg, char *err,
                       size_t errlen)
{
	size_t used, n;

	return engine_events_feed_max(p, data, len, SIZE_MAX, &used, &n, on_event, arg, err,
	                              errlen);
}

int engine_events_feed_max(engine_events_t *p, const char *data, size_t len, size_t max_events,
                           size_t *used_out, size_t *nevents,
                           int (*on_event)(void *arg, const engine_event_t *ev), void *arg,
                           char *err, size_t errlen)
{
	const char *start = data;

	*nevents = 0;
	*used_out = 0;
	while (len > 0 && *nevents < max_events) {
		if (!p->mid) {
			while (len > 0 && strchr(" \t\r\n", *data)) {
				data++;
				len--;
			}
			if (len == 0)
				break;
			if (*data != '{') {
				snprintf(err, errlen, "event stream: expected '{', got 0x%02x",
				         (unsigned char)*data);
				return FDNS_EPARSE;
			}
		}
		size_t chunk = len;
		if (chunk > ENGINE_EVENT_MAX_BYTES + 1)
			chunk = ENGINE_EVENT_MAX_BYTES + 1;
		json_object *o = json_tokener_parse_ex(p->tok, data, (int)chunk);
		enum json_tokener_error je = json_tokener_get_error(p->tok);
		if (je == json_tokener_continue) {
			p->mid = true;
			p->pending += chunk;
			if (p->pending > ENGINE_EVENT_MAX_BYTES) {
				snprintf(err, errlen, "event stream: event over %d bytes",
				         ENGINE_EVENT_MAX_BYTES);
				return FDNS_EPARSE;
			}
			data += chunk;
			len -= chunk;
			continue;
		}
		if (je != json_tokener_success || !o) {
			snprintf(err, errlen, "event stream: bad JSON: %s",
			         json_tokener_error_desc(je));
			json_object_put(o);
			return FDNS_EPARSE;
		}
		size_t used = json_tokener_get_parse_end(p->tok);
		json_tokener_reset(p->tok);
		p->mid = false;
		p->pending = 0;
		data += used;
		len -= used;
		if (!json_object_is_type(o, json_type_object)) {
			snprintf(err, errlen, "event stream: an event is not a JSON object");
			json_object_put(o);
			return FDNS_EPARSE;
		}
		int rc = deliver(o, on_event, arg);
		json_object_put(o);
		++*nevents;
		*used_out = (size_t)(data - start);
		if (rc)
			return rc;
	}
	*used_out = (size_t)(data - start);
	return 0;
}

bool engine_event_relevant(const engine_event_t *ev)
{
	static const char *const actions[] = {"start", "unpause", "pause", "die",     "stop",
	                                      "kill",  "restart", "oom",   "destroy", NULL};

	if (strcmp(ev->type, "container") != 0 && ev->type[0] != '\0')
		return false;
	if (strncmp(ev->action, "health_status", 13) == 0)
		return true;
	for (size_t i = 0; actions[i]; i++)
		if (strcmp(ev->action, actions[i]) == 0)
			return true;
	return false;
}

bool engine_event_relevant_podman(const engine_event_t *ev)
{
	if (engine_event_relevant(ev))
		return true;
	if (strcmp(ev->type, "container") != 0 && ev->type[0] != '\0')
		return false;
	return strcmp(ev->action, "remove") == 0 || strcmp(ev->action, "exec_died") == 0;
}
