/* SPDX-License-Identifier: MIT */
/* probe.h -- TCP probes of the replicas an engine's grace keeps while the engine is down.
 *
 * When an engine stops answering, its replicas may be kept for a grace period, each only
 * while its service port accepts a TCP connection (docs/fleet.md, "Riding out engine
 * restarts"). A prober runs on the control loop: per engine a group with a grace timer and
 * its probe timing, per replica a probe that connects at once and then every interval, each
 * connection given the timeout. Nothing blocks: uv_tcp_connect() and timers only.
 *
 * At most max_connecting connections run at once over all groups: a probe whose turn comes
 * while they all run waits in line (first come, first served) and connects when one ends.
 * An engine partitioned away with thousands of replicas then costs a bounded number of
 * sockets; its probes only come round more slowly.
 *
 * A probe that fails (refused, unreachable, not connected in time) reports dead() once and
 * ends; a group whose grace is over reports over() once and ends. Every callback may call
 * back into the prober (prober_group_stop() included): handles are freed only in their
 * close callbacks, never under the caller.
 */
#ifndef FDNS_DAEMON_PROBE_H
#define FDNS_DAEMON_PROBE_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

typedef struct prober prober_t;

/** How one engine's group probes (conf_engine_t's grace, probe-interval, probe-timeout). */
typedef struct prober_timing {
	unsigned grace_ms;    /* over() this long after the group starts */
	unsigned interval_ms; /* from the start of one connection to the next */
	unsigned timeout_ms;  /* a connection not made by then fails the replica */
} prober_timing_t;

typedef struct prober_callbacks {
	/** Replica id of engine did not answer: why is for the log ("connection refused"). */
	void (*dead)(void *ctx, const char *engine, const char *id, const char *why);
	/** The grace of engine is over; its probes have stopped. */
	void (*over)(void *ctx, const char *engine);
} prober_callbacks_t;

/** A prober on loop running at most max_connecting (> 0) connections at once; cb is copied,
 * ctx is passed to every callback. NULL when out of memory. */
prober_t *prober_new(uv_loop_t *loop, const prober_callbacks_t *cb, void *ctx,
                     size_t max_connecting);

/** Start the grace of engine (name copied): over() in timing->grace_ms, unless
 * prober_group_stop() comes first; its probes follow timing (copied; interval and timeout
 * above 0). Replicas are added with prober_add(). A group already running for engine is kept
 * as it is (its grace does not start again, its timing stays). Returns 0 or FDNS_ENOMEM. */
int prober_group_start(prober_t *p, const char *engine, const prober_timing_t *timing);
/** Probe replica id (copied) of engine's running group at address (an IPv4 or IPv6
 * literal) and TCP port, at once and then every interval. Returns 0, FDNS_ENOENT (no group
 * for engine), FDNS_EINVAL (not an address) or FDNS_ENOMEM. */
int prober_add(prober_t *p, const char *engine, const char *id, const char *address, uint16_t port);
/** Stop engine's group and its probes, without callbacks (it came back, or was removed).
 * Nothing happens when there is none. */
void prober_group_stop(prober_t *p, const char *engine);
/** Whether a group runs for engine, and how many of its probes are still running. */
bool prober_group_running(const prober_t *p, const char *engine, size_t *probes);
/** Connections running now, and the most that ever ran at once (at most max_connecting). */
size_t prober_connecting(const prober_t *p, size_t *most);

/** Stop everything (no callback after this returns); on_closed(arg) runs once every handle
 * is closed and p is freed. */
void prober_close(prober_t *p, void (*on_closed)(void *arg), void *arg);

#endif
