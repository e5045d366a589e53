/* SPDX-License-Identifier: MIT */
/* fleet.h -- joins engines, the registry and publishing, on the control loop.
 *
 * The fleet owns what is published: the zones compiled from files plus, for the fleet
 * zone and the reverse zones, the records the registry renders. Changes are published at
 * most once a second (the first after a quiet second at once), each with a higher SOA
 * serial in the zones that changed.
 */
#ifndef FDNS_DAEMON_FLEET_H
#define FDNS_DAEMON_FLEET_H

#include <uv.h>

#include "daemon/load.h"
#include "fleetdns/server.h"
#include "http/board.h"

typedef struct fleet fleet_t;

/** board: where the status goes for /status and fleetdnsctl (NULL: nowhere). */
fleet_t *fleet_new(uv_loop_t *loop, server_t *srv, board_t *board);
/** Take over a (re)load: publish its zones and follow its engines. Takes ownership of *l
 * (left zeroed). The first call publishes nothing until every engine has been listed once
 * or has failed (at most twice its timeout). Later calls change only what differs from the
 * load before: engines added, removed or changed start, stop or restart (the others keep
 * their sessions and replicas); unchanged zones keep their compiled answers, serials and
 * round-robin positions; a reload that changes nothing served publishes nothing. */
void fleet_apply(fleet_t *f, loaded_t *l);
/** Maintenance of engine (named as in the configuration): withhold its replicas, or serve
 * them again (fleetdnsctl drain/undrain); until the process stops. Returns 0, FDNS_ENOENT
 * (no such engine) or FDNS_ENOMEM. */
int fleet_drain(fleet_t *f, const char *engine, bool drained);
/** A reader of /metrics, /status or the page waits (board_refresh()): render what changed
 * since the last rendering now, at most once every 250 ms, and post it to the board. */
void fleet_status_fresh(fleet_t *f);
/** Stop the engines; on_closed runs when everything is freed. */
void fleet_close(fleet_t *f, void (*on_closed)(void *arg), void *arg);

#endif
