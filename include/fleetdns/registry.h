/* SPDX-License-Identifier: MIT */
/* registry.h -- what the fleet serves: containers reported by engines become replicas of
 * services, and replicas become DNS records. Pure logic: no I/O, no clock, no threads.
 *
 * The registry copies everything it is given. registry_render() adds records to a zone
 * (the fleet zone, or a reverse zone) that the caller then compiles and publishes.
 */
#ifndef FLEETDNS_REGISTRY_H
#define FLEETDNS_REGISTRY_H

#include <stdbool.h>
#include <stdint.h>

#include "fleetdns/conf.h"
#include "fleetdns/engine.h"
#include "fleetdns/zone.h"

typedef struct registry registry_t;

/** A new, empty registry with the fleet settings (copied). NULL when out of memory. */
registry_t *registry_new(const conf_fleet_t *fleet);
void registry_free(registry_t *r);
/** New fleet settings (after a reload); counts as a change. */
int registry_set_fleet(registry_t *r, const conf_fleet_t *fleet);
/** New hold-down and damping settings only (fleet's hold_down_ms and damping): not a change
 * in itself; replicas they release (or hold) change as they would by registry_advance(). */
void registry_set_damping(registry_t *r, const conf_fleet_t *fleet);

/**
 * Hold-down and flap damping (docs/fleet.md, "Flap damping"). The registry reads no clock:
 * registry_advance() tells it the time, in ms of a monotonic clock, and every report that
 * follows (sync, update, remove, down) happens at that time. Withdrawal is immediate; a
 * replica that becomes servable again, or a new one (except those of an engine's first
 * listing), is held down for fleet.hold_down_ms ("held-down"); one whose penalty reached
 * fleet.damping.suppress is withheld ("damped") until it has decayed to damping.reuse.
 * Advancing releases (or holds) what is due by now_ms, which counts as a change. Returns
 * registry_next_due(). now_ms never goes back (an earlier one is taken as the last).
 */
uint64_t registry_advance(registry_t *r, uint64_t now_ms);
/** Whether the replica of container id on engine waits for passing health checks
 * (fleet.hold_down_checks): its results are then wanted after each check. */
bool registry_checks_wanted(const registry_t *r, const char *engine, const char *id);
/** When registry_advance() next has something to do (a hold-down or a suppression ends, or
 * a penalty is forgotten); UINT64_MAX: nothing until the next report. It may be early: an
 * advance then finds nothing to do. */
uint64_t registry_next_due(const registry_t *r);

/** The engine listed all its containers: they replace what it reported before. */
int registry_engine_sync(registry_t *r, const conf_engine_t *engine,
                         const engine_container_t *const *list, size_t n);
/** One container of engine was inspected anew. */
int registry_container_update(registry_t *r, const conf_engine_t *engine,
                              const engine_container_t *c);
void registry_container_remove(registry_t *r, const char *engine, const char *id);
/** The engine is unreachable (or no longer configured): withdraw all its replicas (those
 * kept by registry_engine_stale() are logged as "engine down, grace over"). */
void registry_engine_down(registry_t *r, const char *engine);

/** Called once per replica to be kept stale: its container id, the address and TCP port
 * that show whether it still answers. The strings are the registry's, valid during the
 * call. Returns true when the replica will be probed (it is kept), false when it cannot be
 * (it is withdrawn at once: "engine down, cannot probe"). */
typedef bool (*registry_stale_fn)(void *arg, const char *id, const char *address, uint16_t port);
/**
 * The engine is unreachable, with a grace: its served replicas that have an address and a
 * TCP port are kept and still served, marked stale, if each(arg, ...) accepts them;
 * every other replica of engine is withdrawn ("engine down, nothing to probe" when it was
 * served). Stale replicas stay until registry_stale_withdraw(), registry_engine_down(), or
 * the engine's next listing (registry_engine_sync) or update replaces them. Returns how
 * many were kept.
 */
size_t registry_engine_stale(registry_t *r, const char *engine, registry_stale_fn each, void *arg);
/** Withdraw one stale replica of engine (why: for the log, e.g. "engine down, probe
 * failed"). Returns true when it was stale and is now gone; false when it is not known or
 * no longer stale (its engine listed it again meanwhile). */
bool registry_stale_withdraw(registry_t *r, const char *engine, const char *id, const char *why);
/** How many replicas are stale now. */
size_t registry_stale_count(const registry_t *r);

/** Increases whenever what registry_render() would produce changes. */
uint64_t registry_generation(const registry_t *r);

/** Number of replicas known, and of those served. */
size_t registry_replica_count(const registry_t *r, size_t *served);

/**
 * Add the fleet's records to zone: when zone is the fleet zone (apex fleet_apex), service
 * names, replica names and SRV records (with rotation marks, and the weights of service
 * addresses when its replicas' fleetdns.weight differ), and for a known service with
 * no served replica the one record _replicas.SERVICE TXT "0 served" (so the service name
 * exists, as an empty non-terminal: NODATA); for any other zone, PTR records of served
 * replica addresses inside it. Returns 0 or FDNS_ENOMEM.
 */
int registry_render(const registry_t *r, zone_data_t *zone, const ldns_rdf *fleet_apex);

/* Services are numbered in the order they were first seen (and never forgotten), so a
 * publication can render and compile only the services that changed. */
size_t registry_service_count(const registry_t *r);
/** The name of service id (lowercased), or NULL. */
const char *registry_service_name(const registry_t *r, size_t id);
/** The services whose records changed since registry_changes_clear(): *ids[0..return).
 * *all: the fleet settings changed, every service renders anew. */
size_t registry_changed(const registry_t *r, const size_t **ids, bool *all);
void registry_changes_clear(registry_t *r);
/** The records registry_render() makes for service id alone (all at or below
 * id's name in the fleet zone), added to zone. Returns 0 or FDNS_E*. */
int registry_render_service(const registry_t *r, zone_data_t *zone, size_t id,
                            const ldns_rdf *fleet_apex);

/** Every service seen since start, in order, as a json-c array of {name, replicas_known,
 * replicas_served, replicas: [{engine, container, name, ipv4, ipv6, health, served,
 * weight, reason[, stale][, held_ms][, penalty][, damped_ms]}]} (reason: why a replica is not
 * served, or null: stopped, paused, network (its fleetdns.network is not one of its
 * networks), starting, unhealthy, drained, held-down or damped; containers hidden by
 * fleetdns.expose or the fleet's expose are not listed; stale: true, present only while the
 * replica is kept by its engine's grace, see registry_engine_stale(); at the time of the last
 * registry_advance(), and only for a replica with a history of flaps: held_ms, what is left
 * of its hold-down (reason held-down, or drained); penalty, a number with two decimals (with
 * damping on); damped_ms, while it is damped (even when withheld for another reason), how long
 * until its penalty has decayed to reuse without more flaps). The caller owns the result
 * (json_object_put). NULL when out of memory. */
struct json_object *registry_status(const registry_t *r);

/** Maintenance (fleetdnsctl drain): withhold every replica of engine, now and as they come,
 * with the reason "drained", or serve them again by their own state. Returns 0 or
 * FDNS_ENOMEM. */
int registry_engine_drain(registry_t *r, const char *engine, bool drained);
bool registry_engine_drained(const registry_t *r, const char *engine);

/** Whether text is a valid service name (one or more letter-digit-hyphen labels). */
bool registry_service_name_valid(const char *text);

#endif
