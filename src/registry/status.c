/* SPDX-License-Identifier: MIT */
/* status.c -- the registry as JSON for /status: every known service with its replicas, each
 * served or with the reason it is not. */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "registry/damping.h"
#include "registry/registry_internal.h"

/* held_ms (checks_passed and checks_needed), penalty and damped_ms, for a replica with a history of
 * flaps only: the status of the others stays as it was before damping existed. */
static void damping_json(json_object *o, const registry_t *r, const replica_t *rep)
{
	damping_state_t st;
	if (!damping_state(registry__damping(r), rep->engine, rep->id, &st))
		return;
	if (st.verdict == DAMPING_HELD && (st.held_ms || !st.held_checks))
		json_object_object_add(o, "held_ms", json_object_new_int64((int64_t)st.held_ms));
	if (st.held_checks) {
		json_object_object_add(o, "checks_passed",
		                       json_object_new_int64((int64_t)st.checks_passed));
		json_object_object_add(o, "checks_needed",
		                       json_object_new_int64((int64_t)r->fleet.hold_down_checks));
	}
	if (st.penalty > 0) {
		char text[32];
		snprintf(text, sizeof(text), "%.2f", st.penalty);
		json_object_object_add(o, "penalty", json_object_new_double_s(st.penalty, text));
	}
	if (st.damped)
		json_object_object_add(o, "damped_ms",
		                       json_object_new_int64((int64_t)st.damped_ms));
}

static json_object *replica_json(const registry_t *r, const replica_t *rep)
{
	json_object *o = json_object_new_object();
	if (!o)
		return NULL;
	json_object_object_add(o, "engine", json_object_new_string(rep->engine));
	json_object_object_add(o, "container", json_object_new_string(rep->id));
	json_object_object_add(o, "name", json_object_new_string(rep->label));
	json_object_object_add(o, "ipv4", rep->ipv4[0] ? json_object_new_string(rep->ipv4) : NULL);
	json_object_object_add(o, "ipv6", rep->ipv6[0] ? json_object_new_string(rep->ipv6) : NULL);
	json_object_object_add(o, "health",
	                       json_object_new_string(engine_health_name(rep->health)));
	json_object_object_add(o, "served", json_object_new_boolean(rep->served));
	json_object_object_add(o, "weight", json_object_new_int(rep->weight));
	json_object_object_add(o, "reason",
	                       rep->withheld ? json_object_new_string(rep->withheld) : NULL);
	if (rep->stale)
		json_object_object_add(o, "stale", json_object_new_boolean(true));
	damping_json(o, r, rep);
	return o;
}

/* Replicas by name, then engine: a stable order for people and for diffs. */
static int replica_order(const void *a, const void *b)
{
	json_object *const *x = a, *const *y = b;
	json_object *v;
	const char *xn = json_object_object_get_ex(*x, "name", &v) ? json_object_get_string(v) : "";
	const char *yn = json_object_object_get_ex(*y, "name", &v) ? json_object_get_string(v) : "";
	int c = strcmp(xn, yn);
	if (c)
		return c;
	const char *xe =
	    json_object_object_get_ex(*x, "engine", &v) ? json_object_get_string(v) : "";
	const char *ye =
	    json_object_object_get_ex(*y, "engine", &v) ? json_object_get_string(v) : "";
	return strcmp(xe, ye);
}

static json_object *service_json(const registry_t *r, size_t id)
{
	json_object *o = json_object_new_object(), *reps = json_object_new_array();
	size_t served = 0, total = 0;
	if (!o || !reps) {
		json_object_put(o);
		json_object_put(reps);
		return NULL;
	}
	for (const rep_node_t *n = r->service_head[id]; n; n = n->snext) {
		json_object_array_add(reps, replica_json(r, &n->rep));
		served += n->rep.served;
		total++;
	}
	json_object_array_sort(reps, replica_order);
	json_object_object_add(o, "name", json_object_new_string(r->known[id]));
	json_object_object_add(o, "replicas_known", json_object_new_int64((int64_t)total));
	json_object_object_add(o, "replicas_served", json_object_new_int64((int64_t)served));
	json_object_object_add(o, "replicas", reps);
	return o;
}

json_object *registry_status(const registry_t *r)
{
	json_object *list = json_object_new_array();
	for (size_t id = 0; list && r && id < r->nknown; id++)
		json_object_array_add(list, service_json(r, id));
	return list;
}
