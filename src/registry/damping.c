/* SPDX-License-Identifier: MIT */
/* damping.c -- replicas' histories of flaps: hold-downs, penalties, suppression (damping.h).
 *
 * A history exists only while it matters (held, damped, or a penalty above half of reuse),
 * in a hash table on (engine, id). Each knows when it next changes (due); the table keeps
 * the earliest of those, so damping_advance() costs nothing until something is due, and
 * then one pass over the histories, which are only the replicas that flapped lately.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fleetdns/error.h"
#include "registry/damping.h"
#include "util/hash.h"

typedef struct history history_t;
struct history {
	history_t *next; /* hash chain */
	char *engine;    /* owned; id follows it in the same allocation */
	const char *id;
	double penalty; /* at penalty_at */
	uint64_t penalty_at;
	uint64_t servable_since;
	bool servable;    /* by its own state, since servable_since */
	bool held;        /* servable and waiting out hold-down from servable_since */
	bool held_checks; /* servable and waiting for hold_checks passing health checks */
	unsigned passes;  /* its health check's passing results in a row, as last told */
	bool damped;
	enum damping_verdict verdict; /* as last told */
	uint64_t due;                 /* when held, damped or the history itself ends */
};

struct damping {
	unsigned hold_ms, half_life_ms; /* half_life_ms 0: damping off */
	unsigned hold_checks;           /* 0: no hold-down by checks */
	double suppress, reuse;
	uint64_t now;
	uint64_t next_due; /* earliest due of all histories, UINT64_MAX: none */
	history_t **buckets;
	size_t nbuckets, n;
	char **listed; /* engines listed once */
	size_t nlisted;
};

damping_t *damping_new(void)
{
	damping_t *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->nbuckets = 64;
	d->buckets = calloc(d->nbuckets, sizeof(*d->buckets));
	if (!d->buckets) {
		free(d);
		return NULL;
	}
	d->next_due = UINT64_MAX;
	return d;
}

void damping_free(damping_t *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->nbuckets; i++)
		for (history_t *h = d->buckets[i], *next; h; h = next) {
			next = h->next;
			free(h->engine);
			free(h);
		}
	for (size_t i = 0; i < d->nlisted; i++)
		free(d->listed[i]);
	free(d->listed);
	free(d->buckets);
	free(d);
}

/* --- the table ----------------------------------------------------------------------------- */

static history_t **slot_of(const damping_t *d, const char *engine, const char *id)
{
	history_t **p = &d->buckets[hash_fnv1a64_pair(engine, id) & (d->nbuckets - 1)];
	while (*p && (strcmp((*p)->id, id) != 0 || strcmp((*p)->engine, engine) != 0))
		p = &(*p)->next;
	return p;
}

static void grow(damping_t *d)
{
	size_t nb = d->nbuckets * 2;
	history_t **b = calloc(nb, sizeof(*b));
	if (!b)
		return; /* longer chains, still correct */
	for (size_t i = 0; i < d->nbuckets; i++)
		for (history_t *h = d->buckets[i], *next; h; h = next) {
			next = h->next;
			size_t k = hash_fnv1a64_pair(h->engine, h->id) & (nb - 1);
			h->next = b[k];
			b[k] = h;
		}
	free(d->buckets);
	d->buckets = b;
	d->nbuckets = nb;
}

/* A new, empty history for (engine, id), which has none; its slot, or NULL when out of
 * memory (the replica is then treated as without history: served by its own state). */
static history_t **history_add(damping_t *d, const char *engine, const char *id)
{
	size_t le = strlen(engine) + 1, li = strlen(id) + 1;
	history_t *h = calloc(1, sizeof(*h));
	char *names = h ? malloc(le + li) : NULL;
	if (!names) {
		free(h);
		return NULL;
	}
	memcpy(names, engine, le);
	memcpy(names + le, id, li);
	h->engine = names;
	h->id = names + le;
	h->penalty_at = d->now;
	h->due = UINT64_MAX;
	*slot_of(d, engine, id) = h;
	if (++d->n > d->nbuckets)
		grow(d);
	return slot_of(d, engine, id);
}

static void history_drop(damping_t *d, history_t **slot)
{
	history_t *h = *slot;
	*slot = h->next;
	free(h->engine);
	free(h);
	d->n--;
}

/* --- penalties ----------------------------------------------------------------------------- */

static double penalty_at(const damping_t *d, const history_t *h, uint64_t t)
{
	if (!d->half_life_ms || t <= h->penalty_at)
		return h->penalty;
	return h->penalty * exp2(-(double)(t - h->penalty_at) / d->half_life_ms);
}

/* When the penalty will have decayed to level (h->penalty_at when it is there already). */
static uint64_t decays_to(const damping_t *d, const history_t *h, double level)
{
	if (h->penalty <= level)
		return h->penalty_at;
	return h->penalty_at + (uint64_t)ceil(d->half_life_ms * log2(h->penalty / level));
}

static enum damping_verdict verdict_of(const history_t *h)
{
	return h->damped                                    ? DAMPING_DAMPED
	       : h->servable && (h->held || h->held_checks) ? DAMPING_HELD
	                                                    : DAMPING_SERVE;
}

/* Whether the history still matters at the current time; when it is next due if so. */
static bool history_due(const damping_t *d, const history_t *h, uint64_t *due)
{
	if (h->damped) {
		*due = decays_to(d, h, d->reuse);
		return true;
	}
	if (h->servable && h->held) {
		*due = h->servable_since + d->hold_ms;
		return true;
	}
	if (h->servable && h->held_checks) {
		*due = UINT64_MAX; /* only the replica's next results end it (damping_note) */
		return true;
	}
	/* Forgotten at half of reuse; the same sum decides whether and when, so a due time is
	 * never in the past. */
	*due = d->half_life_ms ? decays_to(d, h, d->reuse / 2) : 0;
	return *due > d->now;
}

/* Bring h up to the current time: a hold or a suppression that is over ends. */
static void history_update(damping_t *d, history_t *h)
{
	if (h->held && (!h->servable || d->now >= h->servable_since + d->hold_ms))
		h->held = false;
	if (h->damped && d->now >= decays_to(d, h, d->reuse)) {
		h->penalty = penalty_at(d, h, d->now);
		h->penalty_at = d->now;
		h->damped = false;
	}
}

/* After a change to *slot's history: forget it, or note when it is next due. */
static void history_settle(damping_t *d, history_t **slot)
{
	history_t *h = *slot;
	uint64_t due;
	h->verdict = verdict_of(h);
	if (!history_due(d, h, &due)) {
		history_drop(d, slot);
		return;
	}
	h->due = due;
	if (due < d->next_due)
		d->next_due = due;
}

/* --- what replicas do ---------------------------------------------------------------------- */

void damping_configure(damping_t *d, const conf_fleet_t *fleet)
{
	d->hold_ms = fleet->hold_down_ms;
	d->hold_checks = fleet->hold_down_checks;
	d->half_life_ms = fleet->damping.half_life_ms;
	d->suppress = fleet->damping.suppress;
	d->reuse = fleet->damping.reuse;
	for (size_t i = 0; i < d->nbuckets; i++)
		for (history_t *h = d->buckets[i]; h; h = h->next) {
			if (!d->half_life_ms) {
				h->penalty = 0;
				h->damped = false;
			}
			h->held = h->held && d->hold_ms;
			h->held_checks = h->held_checks && h->passes < d->hold_checks;
			h->due = d->now; /* the next advance looks again at every verdict */
		}
	if (d->n)
		d->next_due = d->now;
}

/* A loss of the replica's own: one more flap, at the current time. */
static void flap(damping_t *d, history_t *h, bool *damped_now)
{
	h->penalty = penalty_at(d, h, d->now) + 1;
	h->penalty_at = d->now;
	if (!h->damped && h->penalty >= d->suppress) {
		h->damped = true;
		*damped_now = true;
	}
}

enum damping_verdict damping_note(damping_t *d, const char *engine, const char *id, bool was,
                                  bool is, unsigned checks, bool counts, bool exempt,
                                  bool *damped_now)
{
	*damped_now = false;
	bool lost = was && !is, gained = !was && is;
	bool too_few = d->hold_checks && checks != DAMPING_NO_CHECKS && checks < d->hold_checks;
	bool needed =
	    (lost && counts && d->half_life_ms) || (gained && !exempt && (d->hold_ms || too_few));
	history_t **slot = slot_of(d, engine, id);
	if (!*slot && (!needed || !(slot = history_add(d, engine, id))))
		return DAMPING_SERVE;
	history_t *h = *slot;
	history_update(d, h);
	h->passes = checks;
	if (lost) {
		h->servable = h->held = h->held_checks = false;
		if (counts && d->half_life_ms)
			flap(d, h, damped_now);
	} else if (gained) {
		h->servable = true;
		h->servable_since = d->now;
		h->held = d->hold_ms && !exempt;
		h->held_checks = too_few && !exempt;
	} else if (is && !too_few) {
		h->held_checks = false; /* enough results passed in a row */
	}
	enum damping_verdict v = verdict_of(h);
	history_settle(d, slot);
	return v;
}

enum damping_verdict damping_verdict(const damping_t *d, const char *engine, const char *id)
{
	const history_t *h = *slot_of(d, engine, id);
	return h ? h->verdict : DAMPING_SERVE;
}

uint64_t damping_advance(damping_t *d, uint64_t now, damping_changed_fn changed, void *arg)
{
	if (now > d->now)
		d->now = now;
	if (d->now < d->next_due)
		return d->next_due;
	d->next_due = UINT64_MAX;
	for (size_t i = 0; i < d->nbuckets; i++)
		for (history_t **slot = &d->buckets[i]; *slot;) {
			history_t *h = *slot;
			if (h->due > d->now) {
				if (h->due < d->next_due)
					d->next_due = h->due;
				slot = &h->next;
				continue;
			}
			enum damping_verdict before = h->verdict;
			history_update(d, h);
			h->verdict = verdict_of(h);
			if (h->verdict != before && changed)
				changed(arg, h->engine, h->id, h->verdict, before);
			history_settle(d, slot); /* may drop h: *slot is then the next one */
			if (*slot == h)
				slot = &h->next;
		}
	return d->next_due;
}

uint64_t damping_next_due(const damping_t *d)
{
	return d->next_due;
}

bool damping_state(const damping_t *d, const char *engine, const char *id, damping_state_t *out)
{
	const history_t *h = *slot_of(d, engine, id);
	if (!h)
		return false;
	*out = (damping_state_t){
	    .verdict = h->verdict, .penalty = penalty_at(d, h, d->now), .damped = h->damped};
	if (h->verdict == DAMPING_HELD && h->held && h->servable_since + d->hold_ms > d->now)
		out->held_ms = h->servable_since + d->hold_ms - d->now;
	if (h->verdict == DAMPING_HELD && h->held_checks) {
		out->held_checks = true;
		out->checks_passed = h->passes;
	}
	uint64_t reuse_at = h->damped ? decays_to(d, h, d->reuse) : 0;
	if (reuse_at > d->now)
		out->damped_ms = reuse_at - d->now;
	return true;
}

/* --- engines listed once ------------------------------------------------------------------- */

bool damping_engine_listed(const damping_t *d, const char *engine)
{
	for (size_t i = 0; i < d->nlisted; i++)
		if (strcmp(d->listed[i], engine) == 0)
			return true;
	return false;
}

int damping_engine_listed_set(damping_t *d, const char *engine)
{
	if (damping_engine_listed(d, engine))
		return FDNS_OK;
	char **l = realloc(d->listed, (d->nlisted + 1) * sizeof(*l));
	if (!l)
		return FDNS_ENOMEM;
	d->listed = l;
	if (!(l[d->nlisted] = strdup(engine)))
		return FDNS_ENOMEM;
	d->nlisted++;
	return FDNS_OK;
}
