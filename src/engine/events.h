/* SPDX-License-Identifier: MIT */
/* events.h -- incremental parsing of the GET /events stream: JSON objects written one after
 * another, split across reads at any byte and several per read, handed out one by one.
 *
 * Pure logic (json-c's json_tokener), no I/O. Ownership: the strings of an engine_event_t
 * live in a json object freed right after the callback returns.
 */
#ifndef FDNS_ENGINE_EVENTS_H
#define FDNS_ENGINE_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One event object larger than this is refused as garbage. */
#define ENGINE_EVENT_MAX_BYTES (1024 * 1024)

typedef struct engine_event {
	const char *type;   /* "container", "network", ...; "" when absent */
	const char *action; /* "start", "health_status: healthy", ...; "" when absent */
	const char *id;     /* Actor.ID, else id; "" when absent */
} engine_event_t;

typedef struct engine_events engine_events_t;

/** Returns NULL on allocation failure. */
engine_events_t *engine_events_new(void);
void engine_events_free(engine_events_t *p);
/** Forget any partial object (for a new stream). */
void engine_events_reset(engine_events_t *p);

/**
 * Feed the next bytes of the stream. on_event runs for every complete object; a nonzero
 * return from it stops and is returned. Returns 0, that value, or FDNS_EPARSE (garbage,
 * a value that is not an object, or an object over ENGINE_EVENT_MAX_BYTES) with a message
 * in err; after an error the parser must be reset before it is fed again.
 */
int engine_events_feed(engine_events_t *p, const char *data, size_t len,
                       int (*on_event)(void *arg, const engine_event_t *ev), void *arg, char *err,
                       size_t errlen);

/**
 * Like engine_events_feed(), but stops after max_events complete objects: *used receives
 * how many bytes of data were taken (the rest is to be fed again later, from its first
 * byte) and *nevents how many objects were handed out. Every byte is taken when fewer than
 * max_events objects end in data (a partial object at the end stays in the parser).
 */
int engine_events_feed_max(engine_events_t *p, const char *data, size_t len, size_t max_events,
                           size_t *used, size_t *nevents,
                           int (*on_event)(void *arg, const engine_event_t *ev), void *arg,
                           char *err, size_t errlen);

/** Whether a container event can change what is served: start, die, health_status: ...
 * (exec_*, attach, create and others cannot). */
bool engine_event_relevant(const engine_event_t *ev);

/** The same for Podman's Docker-compatible API, which also sends "remove" where Docker sends
 * "destroy", and whose health result is stored only after the check's "exec_died" (its
 * "health_status" event comes when the check starts, with the status before it): both are
 * relevant there. Tested with Podman 4.3.1 (docs/fleet.md, "Podman"). */
bool engine_event_relevant_podman(const engine_event_t *ev);

#endif
