/* SPDX-License-Identifier: MIT */
/* engine.h -- a client for one Docker Engine: it lists, inspects and follows containers and
 * reports what it sees through callbacks, on the libuv loop it was created on.
 *
 * All traffic goes through libcurl's multi interface driven by that loop: nothing blocks.
 * Per engine: negotiate the API version (GET /version), list running and paused containers
 * (GET /containers/json), inspect each (GET /containers/ID/json), follow GET /events for
 * container events (parsed incrementally with json_tokener), ping (GET /_ping) every
 * timeout/4, each allowed 3/4 of the timeout, so that an engine that accepts connections
 * but never answers is noticed within the timeout (a ping counts as unanswered only when
 * nothing at all came from the engine meanwhile, and only once what had arrived was read:
 * our own lateness never makes an engine down),
 * reconnect with backoff after any failure, and re-list everything after any gap and
 * every resync interval.
 *
 * Engines on one loop share it fairly: each parses at most a bounded batch of events per
 * loop turn, buffers a bounded amount of its stream (then reading pauses), uses at most a
 * fixed share of the loop's time, and queues a bounded number of containers to inspect
 * (beyond it, it re-lists). A flooding engine slows only itself.
 *
 * Ownership: containers passed to callbacks are valid only during the call; copy what you
 * keep. An engine_t is freed by engine_close(), whose callback runs once every handle and
 * transfer is gone (libuv's close rule).
 */
#ifndef FLEETDNS_ENGINE_H
#define FLEETDNS_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <uv.h>

#include "fleetdns/conf.h"

enum engine_health {
	HEALTH_NONE = 0, /* the container has no health check */
	HEALTH_STARTING,
	HEALTH_HEALTHY,
	HEALTH_UNHEALTHY,
};

typedef struct engine_label {
	const char *key, *value;
} engine_label_t;

typedef struct engine_network {
	const char *name;
	const char *ipv4; /* "" when none */
	const char *ipv6; /* "" when none */
} engine_network_t;

typedef struct engine_port {
	uint16_t container_port;
	bool udp;
	uint16_t host_port;  /* 0: not published */
	const char *host_ip; /* as published ("0.0.0.0", "::", or an address) */
} engine_port_t;

typedef struct engine_container {
	const char *id;   /* full 64-hex id */
	const char *name; /* without the leading '/' */
	bool running, paused;
	enum engine_health health;
	/* Of its health check's last results (the engine keeps five), how many passed in a row,
	 * the newest first; 0 from a listing, which does not show them. */
	unsigned health_passes;
	const engine_label_t *labels;
	size_t nlabels;
	const engine_network_t *networks;
	size_t nnetworks;
	const engine_port_t *ports;
	size_t nports;
} engine_container_t;

typedef struct engine engine_t;

/** Why an engine session failed, for the counters. */
enum engine_error {
	ENGINE_ERR_CONNECTION,   /* could not connect, or the connection broke */
	ENGINE_ERR_TIMEOUT,      /* a request or the ping was not answered in time */
	ENGINE_ERR_HTTP_STATUS,  /* an answer other than 2xx */
	ENGINE_ERR_PROTOCOL,     /* an answer fleetdns could not use (JSON, API version) */
	ENGINE_ERR_STREAM_ENDED, /* the engine closed the event stream */
	ENGINE_ERR_INTERNAL,     /* on our side: out of memory, a request not started */
	ENGINE_ERRORS
};

/** "connection", "timeout", ... for metrics and status; never NULL. */
const char *engine_error_name(enum engine_error kind);

/** What an engine knows of itself, for status pages. */
typedef struct engine_info {
	bool up;
	time_t since;           /* when it last went up or down; 0: neither yet */
	const char *last_error; /* why it last went down ("" when it never did); owned by the
	                         * engine, valid until its next callback */
	size_t containers;      /* running or paused containers it knows */
	uint64_t events;        /* events read from its stream, relevant or not */
	uint64_t reconnects;    /* sessions begun again after a failure */
	time_t last_sync;       /* when its last full listing succeeded; 0: never */
	uint64_t errors[ENGINE_ERRORS]; /* failed sessions, by why */
} engine_info_t;

typedef struct engine_callbacks {
	/** A full listing succeeded: these are all the running or paused containers of the
	 * engine now; everything else it reported before is gone. The engine is up. */
	void (*synced)(void *ctx, engine_t *e, const engine_container_t *const *list, size_t n);
	/** One container changed (after an event it was inspected again). */
	void (*updated)(void *ctx, engine_t *e, const engine_container_t *c);
	/** One container is gone (destroyed, or no longer running/paused). */
	void (*removed)(void *ctx, engine_t *e, const char *id);
	/** The engine stopped answering or its stream broke and could not be re-established:
	 * withdraw everything it reported. reason is for the log. */
	void (*down)(void *ctx, engine_t *e, const char *reason);
	/** Optional (NULL: none is). With conf.follow_checks: whether container id's health
	 * results are wanted after each of its checks (its replica waits for enough passing
	 * ones); it is then inspected again, and updated() follows. Must not close e. */
	bool (*check_wanted)(void *ctx, engine_t *e, const char *id);
} engine_callbacks_t;

/** Create (not started). conf is copied. Returns NULL on allocation failure. */
engine_t *engine_new(uv_loop_t *loop, const conf_engine_t *conf, const engine_callbacks_t *cb,
                     void *ctx);
/** Start connecting; returns 0 or a negative FDNS_E* code. */
int engine_start(engine_t *e);
/** Stop everything; on_closed (may be NULL) runs when the engine has been freed. No other
 * callback runs once this returns; it may be called from inside any callback. */
void engine_close(engine_t *e, void (*on_closed)(void *arg), void *arg);
const char *engine_name(const engine_t *e);
/** Its state now, into out. */
void engine_info(const engine_t *e, engine_info_t *out);
/** Inside an updated or removed callback: uv_hrtime() when the event behind that change was
 * read from the engine's stream; 0 when the change comes from a listing. */
uint64_t engine_change_time(const engine_t *e);
/** Whether the last sync succeeded and nothing has failed since. */
bool engine_is_up(const engine_t *e);

/** Full re-listing interval in ms (conf_fleet_t.resync_ms); 0 restores the default
 * CONF_DEFAULT_RESYNC_MS. Takes effect when the next sync ends. */
void engine_set_resync(engine_t *e, unsigned resync_ms);
/** "none", "starting", "healthy" or "unhealthy", for logs; never NULL. */
const char *engine_health_name(enum engine_health h);

#endif
