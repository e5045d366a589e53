/* SPDX-License-Identifier: MIT */
/* registry.c -- the set of replicas, kept per engine, and the services ever seen. */
#include <stdlib.h>
#include <string.h>

#include "fleetdns/error.h"
#include "registry/damping.h"
#include "registry/registry_internal.h"
#include "util/hash.h"
#include "util/log.h"

damping_t *registry__damping(const registry_t *r)
{
	return r->damping;
}

registry_t *registry_new(const conf_fleet_t *fleet)
{
	registry_t *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->nbuckets = 1024;
	r->buckets = calloc(r->nbuckets, sizeof(*r->buckets));
	r->known_slots = 64;
	r->known_set = calloc(r->known_slots, sizeof(*r->known_set));
	r->damping = damping_new();
	if (!r->buckets || !r->known_set || !r->damping || registry_set_fleet(r, fleet) < 0) {
		free(r->buckets);
		free(r->known_set);
		damping_free(r->damping);
		free(r);
		return NULL;
	}
	return r;
}

void registry_free(registry_t *r)
{
	if (!r)
		return;
	for (size_t e = 0; e < r->nengines; e++) {
		rep_node_t *n = r->engines[e].head;
		while (n) {
			rep_node_t *next = n->enext;
			replica_clear(&n->rep);
			free(n);
			n = next;
		}
		free(r->engines[e].name);
	}
	free(r->engines);
	free(r->buckets);
	for (size_t i = 0; i < r->nknown; i++)
		free(r->known[i]);
	free(r->known);
	free(r->known_set);
	free(r->service_head);
	free(r->changed);
	free(r->changed_ids);
	registry__sites_free(r);
	damping_free(r->damping);
	free(r);
}

static void damping_settings_apply(registry_t *r, const conf_fleet_t *fleet);

int registry_set_fleet(registry_t *r, const conf_fleet_t *fleet)
{
	/* Only scalar settings are kept; names of zones are the caller's business. */
	r->fleet = *fleet;
	r->fleet.zone = NULL;
	r->fleet.reverse_zones = NULL;
	r->fleet.nreverse_zones = 0;
	r->fleet.state_file = NULL;
	r->all_changed = true; /* TTL, policies: every service renders differently */
	r->generation++;
	damping_settings_apply(r, fleet);
	return FDNS_OK;
}

uint64_t registry_generation(const registry_t *r)
{
	return r->generation;
}

size_t registry_replica_count(const registry_t *r, size_t *served)
{
	if (served)
		*served = r->nserved;
	return r->nreplicas;
}

rep_node_t *registry__first(const registry_t *r)
{
	for (size_t e = 0; e < r->nengines; e++)
		if (r->engines[e].head)
			return r->engines[e].head;
	return NULL;
}

rep_node_t *registry__next(const registry_t *r, const rep_node_t *n)
{
	if (n->enext)
		return n->enext;
	for (size_t e = n->engine + 1; e < r->nengines; e++)
		if (r->engines[e].head)
			return r->engines[e].head;
	return NULL;
}

/* --- services ever seen ------------------------------------------------------------------ */

/* The set's slot for service: 0 when free, else the service's index in known[] plus one. */
static size_t *known_slot(const registry_t *r, const char *service)
{
	size_t i = hash_fnv1a64_pair(service, "") & (r->known_slots - 1);
	while (r->known_set[i] && strcmp(r->known[r->known_set[i] - 1], service) != 0)
		i = (i + 1) & (r->known_slots - 1);
	return &r->known_set[i];
}

static void mark_changed(registry_t *r, size_t service)
{
	if (!r->changed[service]) {
		r->changed[service] = true;
		r->changed_ids[r->nchanged++] = service;
	}
}

size_t registry_changed(const registry_t *r, const size_t **ids, bool *all)
{
	*ids = r->changed_ids;
	*all = r->all_changed;
	return r->nchanged;
}

void registry_changes_clear(registry_t *r)
{
	for (size_t i = 0; i < r->nchanged; i++)
		r->changed[r->changed_ids[i]] = false;
	r->nchanged = 0;
	r->all_changed = false;
}

size_t registry_service_count(const registry_t *r)
{
	return r->nknown;
}

const char *registry_service_name(const registry_t *r, size_t id)
{
	return id < r->nknown ? r->known[id] : NULL;
}

/* The service's index in known[], added (as a change) if new. */
static int know_service(registry_t *r, const char *service, size_t *index)
{
	size_t *slot = known_slot(r, service);
	if (*slot) {
		*index = *slot - 1;
		return FDNS_OK;
	}
	if ((r->nknown + 1) * 2 > r->known_slots) {
		size_t slots = r->known_slots * 2;
		size_t *set = calloc(slots, sizeof(*set));
		if (!set)
			return FDNS_ENOMEM;
		free(r->known_set);
		r->known_set = set;
		r->known_slots = slots;
		for (size_t i = 0; i < r->nknown; i++)
			*known_slot(r, r->known[i]) = i + 1;
	}
	size_t n = r->nknown + 1;
	char **k = realloc(r->known, n * sizeof(*k));
	if (k)
		r->known = k;
	rep_node_t **heads = k ? realloc(r->service_head, n * sizeof(*heads)) : NULL;
	if (heads)
		r->service_head = heads;
	bool *changed = heads ? realloc(r->changed, n * sizeof(*changed)) : NULL;
	if (changed)
		r->changed = changed;
	size_t *ids = changed ? realloc(r->changed_ids, n * sizeof(*ids)) : NULL;
	if (ids)
		r->changed_ids = ids;
	if (!ids || !(k[r->nknown] = strdup(service)))
		return FDNS_ENOMEM;
	*known_slot(r, service) = r->nknown + 1;
	heads[r->nknown] = NULL;
	changed[r->nknown] = false;
	*index = r->nknown++;
	mark_changed(r, *index); /* it exists from now on */
	r->generation++;
	return FDNS_OK;
}

/* --- replicas by (engine, id) ------------------------------------------------------------ */

static reg_engine_t *engine_get(registry_t *r, const char *name, bool create)
{
	for (size_t e = 0; e < r->nengines; e++)
		if (strcmp(r->engines[e].name, name) == 0)
			return &r->engines[e];
	if (!create)
		return NULL;
	reg_engine_t *n = realloc(r->engines, (r->nengines + 1) * sizeof(*n));
	if (!n)
		return NULL;
	r->engines = n;
	n[r->nengines] = (reg_engine_t){.name = strdup(name)};
	if (!n[r->nengines].name)
		return NULL;
	return &n[r->nengines++];
}

static rep_node_t **find_slot(const registry_t *r, const char *engine, const char *id)
{
	rep_node_t **p = &r->buckets[hash_fnv1a64_pair(engine, id) & (r->nbuckets - 1)];
	while (*p && (strcmp((*p)->rep.id, id) != 0 || strcmp((*p)->rep.engine, engine) != 0))
		p = &(*p)->hnext;
	return p;
}

static void grow(registry_t *r)
{
	size_t nb = r->nbuckets * 2;
	rep_node_t **b = calloc(nb, sizeof(*b));
	if (!b)
		return; /* longer chains, still correct */
	for (size_t i = 0; i < r->nbuckets; i++) {
		rep_node_t *n = r->buckets[i];
		while (n) {
			rep_node_t *next = n->hnext;
			size_t h = hash_fnv1a64_pair(n->rep.engine, n->rep.id) & (nb - 1);
			n->hnext = b[h];
			b[h] = n;
			n = next;
		}
	}
	free(r->buckets);
	r->buckets = b;
	r->nbuckets = nb;
}

static void service_link(registry_t *r, rep_node_t *n, size_t service)
{
	n->service = service;
	n->sprev = NULL;
	n->snext = r->service_head[service];
	if (n->snext)
		n->snext->sprev = n;
	r->service_head[service] = n;
	mark_changed(r, service);
}

static void service_unlink(registry_t *r, rep_node_t *n)
{
	if (n->sprev)
		n->sprev->snext = n->snext;
	else
		r->service_head[n->service] = n->snext;
	if (n->snext)
		n->snext->sprev = n->sprev;
	mark_changed(r, n->service);
}

/* "web: +web-1-e1 172.17.0.2 (healthy)": a replica that starts being served. */
static void served_logged(const replica_t *rep)
{
	log_info("%s: +%s %s (%s)", rep->service, rep->label,
	         rep->ipv4[0]   ? rep->ipv4
	         : rep->ipv6[0] ? rep->ipv6
	                        : "no address",
	         rep->health == HEALTH_NONE ? "running" : engine_health_name(rep->health));
}

/* "web: -web-2-e1 (unhealthy)": one that stops being served, and why. */
static void withdrawn_logged(const replica_t *rep, const char *why)
{
	log_info("%s: -%s (%s)", rep->service, rep->label, why);
}

/* "web: web-1-e1 held down for 10000 ms (healthy)", "... held down until 3 health checks
 * pass in a row (1 so far) (healthy)": servable, not served yet. */
static void held_logged(const registry_t *r, const replica_t *rep)
{
	damping_state_t st = {0};
	damping_state(registry__damping(r), rep->engine, rep->id, &st);
	char time_part[32] = "", checks_part[64] = "";
	if (st.held_ms)
		snprintf(time_part, sizeof(time_part), " for %u ms", r->fleet.hold_down_ms);
	if (st.held_checks)
		snprintf(checks_part, sizeof(checks_part),
		         "%s until %u health checks pass in a row (%u so far)",
		         st.held_ms ? " and" : "", r->fleet.hold_down_checks, st.checks_passed);
	log_info("%s: %s held down%s%s (%s)", rep->service, rep->label, time_part, checks_part,
	         rep->health == HEALTH_NONE ? "running" : engine_health_name(rep->health));
}

/* One line when a replica gets damped, with when it may return. */
static void damped_logged(const registry_t *r, const replica_t *rep)
{
	damping_state_t st;
	if (!damping_state(registry__damping(r), rep->engine, rep->id, &st))
		return;
	log_info("%s: %s damped: penalty %.2f reached %g; withheld until it has decayed to %g, "
	         "in %llu ms without more flaps",
	         rep->service, rep->label, st.penalty, r->fleet.damping.suppress,
	         r->fleet.damping.reuse, (unsigned long long)st.damped_ms);
}

/* Why rep is not served, or NULL: its own state first, then its engine's drain, then
 * damping. */
static const char *withheld_reason(const replica_t *rep, bool drained, enum damping_verdict v)
{
	if (!rep->eligible)
		return rep->own_reason;
	if (drained)
		return "drained";
	return v == DAMPING_DAMPED ? "damped" : v == DAMPING_HELD ? "held-down" : NULL;
}

/* Serve n or withhold it, by its own state, its engine's drain and v; a change of served is
 * logged and counted as a change. */
static void served_apply(registry_t *r, rep_node_t *n, enum damping_verdict v)
{
	const char *why = withheld_reason(&n->rep, r->engines[n->engine].drained, v);
	n->rep.withheld = why;
	if (n->rep.served == !why)
		return;
	n->rep.served = !why;
	if (n->rep.served) {
		r->nserved++;
		served_logged(&n->rep);
	} else {
		r->nserved--;
		withdrawn_logged(&n->rep, why);
	}
	mark_changed(r, n->service);
	r->generation++;
}

/* A hold-down or a suppression ended (damping_advance). */
static void verdict_changed(void *arg, const char *engine, const char *id, enum damping_verdict v,
                            enum damping_verdict before)
{
	registry_t *r = arg;
	rep_node_t *n = *find_slot(r, engine, id);
	if (!n)
		return;
	if (before == DAMPING_DAMPED)
		log_info("%s: %s no longer damped: its penalty has decayed to %g", n->rep.service,
		         n->rep.label, r->fleet.damping.reuse);
	served_apply(r, n, v);
}

/* flap: the container itself went (died, paused, destroyed, no longer listed), which adds
 * to its penalty; its engine's failure does not. */
static void remove_node(registry_t *r, rep_node_t **slot, const char *why, bool flap)
{
	rep_node_t *n = *slot;
	bool damped_now = false;
	if (n->rep.eligible)
		damping_note(registry__damping(r), n->rep.engine, n->rep.id, true, false,
		             DAMPING_NO_CHECKS, flap, false, &damped_now);
	if (n->rep.served)
		withdrawn_logged(&n->rep, why);
	if (damped_now)
		damped_logged(r, &n->rep);
	*slot = n->hnext;
	service_unlink(r, n);
	reg_engine_t *e = &r->engines[n->engine];
	if (n->eprev)
		n->eprev->enext = n->enext;
	else
		e->head = n->enext;
	if (n->enext)
		n->enext->eprev = n->eprev;
	r->nreplicas--;
	r->nserved -= n->rep.served;
	r->nstale -= n->rep.stale;
	replica_clear(&n->rep);
	free(n);
	r->generation++;
}

/* rep, decided, replaces n's replica (n keeps its engine and id strings). */
static void replace(registry_t *r, rep_node_t *n, replica_t *rep, size_t service)
{
	if (!replica_same(&n->rep, rep)) {
		r->generation++;
		service_unlink(r, n); /* marks the old service changed */
		service_link(r, n, service);
	}
	r->nserved += (size_t)rep->served - (size_t)n->rep.served;
	r->nstale -= n->rep.stale; /* what the engine reports now is not stale */
	if (rep->served && !n->rep.served)
		served_logged(rep);
	else if (!rep->served && n->rep.served)
		withdrawn_logged(rep, rep->withheld ? rep->withheld : "withheld");
	free(rep->engine);
	free(rep->id);
	rep->engine = n->rep.engine;
	rep->id = n->rep.id;
	n->rep.engine = n->rep.id = NULL;
	replica_clear(&n->rep);
	n->rep = *rep;
}

/* rep, decided, as a new node at slot; NULL when out of memory (rep is cleared). */
static rep_node_t *insert(registry_t *r, rep_node_t **slot, replica_t *rep, size_t service)
{
	reg_engine_t *e = engine_get(r, rep->engine, true);
	rep_node_t *n = e ? calloc(1, sizeof(*n)) : NULL;
	if (!n) {
		replica_clear(rep);
		return NULL;
	}
	n->rep = *rep;
	n->engine = (size_t)(e - r->engines);
	n->hnext = NULL;
	*slot = n;
	service_link(r, n, service);
	n->enext = e->head;
	if (e->head)
		e->head->eprev = n;
	e->head = n;
	r->nreplicas++;
	r->nserved += rep->served;
	if (rep->served)
		served_logged(&n->rep);
	r->generation++;
	if (r->nreplicas > r->nbuckets)
		grow(r);
	return n;
}

/* Insert or replace; takes ownership of rep's strings. checks: its health check's passing
 * results in a row (damping_note()). exempt: a replica that is new and servable is served at
 * once (its engine's first listing), not held down. */
static int put(registry_t *r, replica_t *rep, unsigned checks, unsigned stamp, bool exempt)
{
	size_t service;
	int ret = know_service(r, rep->service, &service);
	if (ret < 0) {
		replica_clear(rep);
		return ret;
	}
	rep_node_t **slot = find_slot(r, rep->engine, rep->id);
	bool was = *slot && (*slot)->rep.eligible, damped_now;
	enum damping_verdict v = damping_note(registry__damping(r), rep->engine, rep->id, was,
	                                      rep->eligible, checks, true, exempt, &damped_now);
	const reg_engine_t *eng = engine_get(r, rep->engine, false);
	rep->withheld = withheld_reason(rep, eng && eng->drained, v);
	rep->served = !rep->withheld;
	rep_node_t *n = *slot;
	if (n)
		replace(r, n, rep, service);
	else if (!(n = insert(r, slot, rep, service)))
		return FDNS_ENOMEM;
	n->seen = stamp;
	if (damped_now)
		damped_logged(r, &n->rep);
	else if (v == DAMPING_HELD && !was)
		held_logged(r, &n->rep);
	return FDNS_OK;
}

static void container_remove(registry_t *r, const char *engine, const char *id, const char *why,
                             bool flap);

static int update(registry_t *r, const conf_engine_t *engine, const engine_container_t *c,
                  unsigned stamp, bool exempt)
{
	replica_t rep;
	const rep_node_t *known = *find_slot(r, engine->name, c->id);
	int ret = replica_from_container(&rep, engine, &r->fleet, c, known ? known->rep.warned : 0);
	if (ret < 0)
		return ret;
	if (ret == 0) {
		/* Hidden, or its service label went: not a flap of its own. */
		container_remove(r, engine->name, c->id, "removed", false);
		return FDNS_OK;
	}
	unsigned checks = c->health == HEALTH_NONE ? DAMPING_NO_CHECKS : c->health_passes;
	return put(r, &rep, checks, stamp, exempt);
}

int registry_container_update(registry_t *r, const conf_engine_t *engine,
                              const engine_container_t *c)
{
	bool exempt = !damping_engine_listed(registry__damping(r), engine->name);
	return update(r, engine, c, 0, exempt);
}

static void container_remove(registry_t *r, const char *engine, const char *id, const char *why,
                             bool flap)
{
	rep_node_t **slot = find_slot(r, engine, id);
	if (*slot)
		remove_node(r, slot, why, flap);
}

void registry_container_remove(registry_t *r, const char *engine, const char *id)
{
	container_remove(r, engine, id, "removed", true);
}

int registry_engine_drain(registry_t *r, const char *engine, bool drained)
{
	reg_engine_t *e = engine_get(r, engine, true);
	if (!e)
		return FDNS_ENOMEM;
	if (e->drained == drained)
		return FDNS_OK;
	e->drained = drained;
	for (rep_node_t *n = e->head; n; n = n->enext)
		served_apply(r, n, damping_verdict(registry__damping(r), n->rep.engine, n->rep.id));
	return FDNS_OK;
}

bool registry_engine_drained(const registry_t *r, const char *engine)
{
	for (size_t e = 0; e < r->nengines; e++)
		if (strcmp(r->engines[e].name, engine) == 0)
			return r->engines[e].drained;
	return false;
}

void registry_engine_down(registry_t *r, const char *engine)
{
	reg_engine_t *e = engine_get(r, engine, false);
	while (e && e->head)
		container_remove(r, engine, e->head->rep.id,
		                 e->head->rep.stale ? "engine down, grace over" : "engine down",
		                 false);
}

/* Where a probe can reach a replica: its address, or NULL. */
static const char *probe_address(const replica_t *rep)
{
	return rep->ipv4[0] ? rep->ipv4 : rep->ipv6[0] ? rep->ipv6 : NULL;
}

size_t registry_engine_stale(registry_t *r, const char *engine, registry_stale_fn each, void *arg)
{
	reg_engine_t *e = engine_get(r, engine, false);
	size_t kept = 0;
	for (rep_node_t *n = e ? e->head : NULL; n;) {
		rep_node_t *next = n->enext;
		uint16_t port = replica_probe_port(&n->rep);
		const char *address = probe_address(&n->rep);
		if (!n->rep.served || !port || !address) {
			container_remove(
			    r, engine, n->rep.id,
			    n->rep.served ? "engine down, nothing to probe" : "engine down", false);
		} else if (!each(arg, n->rep.id, address, port)) {
			container_remove(r, engine, n->rep.id, "engine down, cannot probe", false);
		} else {
			r->nstale += !n->rep.stale;
			n->rep.stale = true;
			kept++;
		}
		n = next;
	}
	return kept;
}

bool registry_stale_withdraw(registry_t *r, const char *engine, const char *id, const char *why)
{
	rep_node_t **slot = find_slot(r, engine, id);
	if (!*slot || !(*slot)->rep.stale)
		return false;
	remove_node(r, slot, why, false);
	return true;
}

size_t registry_stale_count(const registry_t *r)
{
	return r->nstale;
}

int registry_engine_sync(registry_t *r, const conf_engine_t *engine,
                         const engine_container_t *const *list, size_t n)
{
	/* Update what is listed (stamped), then drop this engine's replicas left unstamped. An
	 * engine's first listing shows what ran before fleetdns looked: served at once. */
	damping_t *d = registry__damping(r);
	bool exempt = !damping_engine_listed(d, engine->name);
	unsigned stamp = ++r->stamp ? r->stamp : ++r->stamp;
	for (size_t k = 0; k < n; k++) {
		int ret = update(r, engine, list[k], stamp, exempt);
		if (ret < 0)
			return ret;
	}
	reg_engine_t *e = engine_get(r, engine->name, false);
	for (rep_node_t *p = e ? e->head : NULL; p;) {
		rep_node_t *next = p->enext;
		if (p->seen != stamp)
			container_remove(r, engine->name, p->rep.id, "no longer listed", true);
		p = next;
	}
	return damping_engine_listed_set(d, engine->name);
}

/* --- hold-down and damping (damping.h) ------------------------------------------------------ */

static void damping_settings_apply(registry_t *r, const conf_fleet_t *fleet)
{
	damping_t *d = registry__damping(r);
	r->fleet.hold_down_ms = fleet->hold_down_ms;
	r->fleet.hold_down_checks = fleet->hold_down_checks;
	r->fleet.damping = fleet->damping;
	damping_configure(d, fleet);
	damping_advance(d, 0, verdict_changed, r); /* at the current time */
}

bool registry_checks_wanted(const registry_t *r, const char *engine, const char *id)
{
	damping_state_t st;
	return damping_state(registry__damping(r), engine, id, &st) && st.held_checks;
}

void registry_set_damping(registry_t *r, const conf_fleet_t *fleet)
{
	damping_settings_apply(r, fleet);
}

uint64_t registry_advance(registry_t *r, uint64_t now_ms)
{
	return damping_advance(registry__damping(r), now_ms, verdict_changed, r);
}

uint64_t registry_next_due(const registry_t *r)
{
	return damping_next_due(registry__damping(r));
}
