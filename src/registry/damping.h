/* SPDX-License-Identifier: MIT */
/* damping.h -- hold-down and flap damping: when a replica that was withdrawn may be served
 * again (docs/fleet.md, "Flap damping").
 *
 * Withdrawal is always immediate; only the return waits. Hold-down: a replica that becomes
 * servable by its own state (running, healthy enough, on its network) is served once it has
 * stayed so for hold_down_ms, and, with hold_down_checks, once its health check's last
 * results passed that many times in a row (told by damping_note(), as the engine reports
 * them). Damping, on RFC 2439's model: every time a replica stops being
 * servable adds 1 to its penalty, which halves every half-life; a replica whose penalty
 * reaches suppress is withheld ("damped") until the penalty has decayed to reuse. Losses
 * keep counting while it is damped, so a replica that keeps flapping stays damped.
 *
 * Histories are kept by (engine, container id), apart from the registry's replicas: a
 * container that dies and starts again is removed from the registry and comes back under
 * the same id, with its penalty. A history is forgotten once nothing is held or damped and
 * its penalty is at most half of reuse (Cisco IOS's rule). Pure bookkeeping: no clock, no
 * I/O; the time is the last one damping_advance() was given.
 */
#ifndef FDNS_REGISTRY_DAMPING_H
#define FDNS_REGISTRY_DAMPING_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "fleetdns/conf.h"
#include "fleetdns/registry.h"

typedef struct damping damping_t;

/* damping_note()'s checks for a replica without a health check: never held by checks. */
#define DAMPING_NO_CHECKS UINT_MAX

enum damping_verdict {
	DAMPING_SERVE = 0, /* nothing of damping stands in the way */
	DAMPING_HELD,      /* servable, not yet for hold-down */
	DAMPING_DAMPED,    /* its penalty reached suppress and has not decayed to reuse yet */
};

/** Empty, with everything off and the time at 0. NULL when out of memory. */
damping_t *damping_new(void);
void damping_free(damping_t *d);

/** The hold-down and damping settings of fleet (copied). Histories carry over: holds count
 * from when each replica became servable; damping switched off forgets every penalty.
 * Verdicts that change are reported by the next damping_advance(). */
void damping_configure(damping_t *d, const conf_fleet_t *fleet);

/**
 * Record what a replica's own state did now: was and is say whether it was and is
 * servable; checks, how many of its health check's last results passed in a row
 * (DAMPING_NO_CHECKS: it has no health check). flap: a loss is the replica's own (unhealthy,
 * stopped, paused, gone), not its engine's failure; only those add to the penalty. exempt: a
 * replica becoming servable is served at once (a replica of an engine's first listing). Returns its
 * verdict now; *damped_now is set when this loss damped it. engine and id are copied when kept.
 */
enum damping_verdict damping_note(damping_t *d, const char *engine, const char *id, bool was,
                                  bool is, unsigned checks, bool flap, bool exempt,
                                  bool *damped_now);
/** The verdict for a replica now (DAMPING_SERVE when it has no history). */
enum damping_verdict damping_verdict(const damping_t *d, const char *engine, const char *id);

/** Called by damping_advance() for each history whose verdict changed (before: the old
 * one). It may call damping_verdict() and damping_state(), nothing that changes d. */
typedef void (*damping_changed_fn)(void *arg, const char *engine, const char *id,
                                   enum damping_verdict now, enum damping_verdict before);
/** Move the time to now (never back: an earlier now is taken as the current time), end the
 * holds and suppressions due by then, reporting each verdict that changed, and forget the
 * histories that no longer matter. Returns damping_next_due(). */
uint64_t damping_advance(damping_t *d, uint64_t now, damping_changed_fn changed, void *arg);
/** When the next hold, suppression or history ends; UINT64_MAX when none will. It may be
 * early (a history dropped since is not looked for): the advance then finds nothing to do. */
uint64_t damping_next_due(const damping_t *d);

/** A replica's history as it stands at the current time, for /status. */
typedef struct damping_state {
	enum damping_verdict verdict;
	double penalty;         /* decayed to now; 0 with damping off */
	uint64_t held_ms;       /* left of its hold-down (DAMPING_HELD) */
	bool held_checks;       /* DAMPING_HELD until enough health checks have passed in a row */
	unsigned checks_passed; /* ... of which this many have */
	bool damped;            /* even when not servable (then the verdict matters later) */
	uint64_t damped_ms;     /* until the penalty has decayed to reuse, without more flaps */
} damping_state_t;
/** false when the replica has no history (nothing to show). */
bool damping_state(const damping_t *d, const char *engine, const char *id, damping_state_t *out);

/** Engines listed once: from then on, their containers that become servable, new ones
 * included, are held down. Returns 0 or FDNS_ENOMEM. */
int damping_engine_listed_set(damping_t *d, const char *engine);
bool damping_engine_listed(const damping_t *d, const char *engine);

/** The registry's damping (registry.c). */
damping_t *registry__damping(const registry_t *r);

#endif
