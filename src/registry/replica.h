/* SPDX-License-Identifier: MIT */
/* replica.h -- one container as the fleet sees it: service, name, addresses, ports, health. */
#ifndef FDNS_REGISTRY_REPLICA_H
#define FDNS_REGISTRY_REPLICA_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>

#include "fleetdns/conf.h"
#include "fleetdns/engine.h"

typedef struct replica_port {
	char name[64]; /* SRV service label without '_' ("http", or the port number) */
	bool udp;
	uint16_t port;
} replica_port_t;

#define REPLICA_PORTS_MAX 16

/* Warnings about a container's labels, logged once while they hold (replica_t.warned). */
enum {
	REPLICA_WARN_UNHEALTHY = 1 << 0, /* fleetdns.unhealthy is not nodata or all */
	REPLICA_WARN_EXPOSE = 1 << 1,    /* fleetdns.expose is not true or false */
	REPLICA_WARN_NETWORK = 1 << 2,   /* fleetdns.network is not among its networks */
	REPLICA_WARN_WEIGHT = 1 << 3,    /* fleetdns.weight is not a number up to 65535 */
};

/* A replica's fleetdns.unhealthy: the fleet's setting, or one of enum conf_unhealthy_policy. */
#define REPLICA_UNHEALTHY_FLEET (-1)

typedef struct replica {
	char *engine;   /* owned */
	char *id;       /* owned */
	char *service;  /* owned, lowercased */
	char label[64]; /* the replica's own DNS label */
	bool served;    /* running, not paused, healthy enough, engine up */
	bool running;   /* running and not paused (the "all" policy serves these) */
	enum engine_health health;
	const char *withheld;   /* why it is not served (static text), NULL when served */
	bool eligible;          /* served by its own state; a drained engine withholds it */
	bool stale;             /* its engine is down: kept, by the engine's grace, while its
	                         * service port answers (the daemon probes it) */
	const char *own_reason; /* withheld's value by its own state */
	char ipv4[INET_ADDRSTRLEN];
	char ipv6[INET6_ADDRSTRLEN];
	unsigned ttl;         /* from fleetdns.ttl, 0: the fleet default */
	unsigned max_answers; /* from fleetdns.max-answers, 0: the fleet default */
	int unhealthy;        /* from fleetdns.unhealthy, or REPLICA_UNHEALTHY_FLEET */
	uint16_t weight;      /* from fleetdns.weight, ZONE_WEIGHT_DEFAULT without it; 0: only
	                       * when no replica of its service with a weight is answered */
	bool network_missing; /* fleetdns.network names none of its networks: never answered,
	                       * not even by the "all" policy (reason "network") */
	unsigned warned;      /* REPLICA_WARN_* logged for this container */
	size_t nports;
	replica_port_t *ports; /* owned; exactly nports (at most REPLICA_PORTS_MAX) */
} replica_t;

/**
 * Build *out from a container reported by engine. Returns 1 when the container belongs
 * to a service, 0 when it does not (no service label, hidden by fleetdns.expose or the
 * fleet's expose setting, or an invalid service name: logged), or FDNS_ENOMEM. warned: the
 * REPLICA_WARN_* already logged for this container (its previous replica's warned, 0 when
 * new); only the others are logged, and out->warned holds those that still apply.
 */
int replica_from_container(replica_t *out, const conf_engine_t *engine, const conf_fleet_t *fleet,
                           const engine_container_t *c, unsigned warned);
void replica_clear(replica_t *r);
/** The port a TCP probe of r connects to: its first TCP port (named by fleetdns.port, or
 * exposed or published), or 0 when it has none. */
uint16_t replica_probe_port(const replica_t *r);
/** Whether two replicas would produce the same records. */
bool replica_same(const replica_t *a, const replica_t *b);

#endif
