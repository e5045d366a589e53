/* SPDX-License-Identifier: MIT */
/* replica.c -- from a container's labels, state and networks to a replica. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fleetdns/error.h"
#include "fleetdns/registry.h"
#include "registry/replica.h"
#include "util/log.h"

static const char *label_get(const engine_container_t *c, const char *key)
{
	for (size_t i = 0; i < c->nlabels; i++)
		if (strcmp(c->labels[i].key, key) == 0)
			return c->labels[i].value;
	return NULL;
}

bool registry_service_name_valid(const char *text)
{
	size_t len = strlen(text), label = 0;
	if (len == 0 || len > 200)
		return false;
	for (size_t i = 0; i <= len; i++) {
		char ch = text[i];
		if (ch == '.' || ch == '\0') {
			if (label == 0 || label > 63 || text[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)ch) && !(ch == '-' && label > 0))
			return false;
		label++;
	}
	return true;
}

/* "web_1" on engine "node1" -> "web-1-node1": stable, unique per engine, one DNS label. */
static void make_label(char *out, const char *name, const char *engine)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s-%s", name, engine);
	size_t o = 0;
	for (size_t i = 0; buf[i] && o < 63; i++) {
		unsigned char ch = (unsigned char)tolower((unsigned char)buf[i]);
		if (!isalnum(ch))
			ch = '-';
		if (ch == '-' && (o == 0 || out[o - 1] == '-'))
			continue;
		out[o++] = (char)ch;
	}
	while (o > 0 && out[o - 1] == '-')
		o--;
	out[o] = '\0';
}

static unsigned label_uint(const engine_container_t *c, const char *key, unsigned max)
{
	const char *v = label_get(c, key);
	if (!v || !*v)
		return 0;
	char *end;
	unsigned long n = strtoul(v, &end, 10);
	if (*end || n > max) {
		log_warning("container %s: label %s=%s is not a number up to %u; ignored", c->name,
		            key, v, max);
		return 0;
	}
	return (unsigned)n;
}

/* fleetdns.weight: 0..65535, ZONE_WEIGHT_DEFAULT when absent; an invalid value is logged
 * once while it lasts (REPLICA_WARN_WEIGHT in *now, unless already in warned). */
static uint16_t label_weight(const engine_container_t *c, unsigned warned, unsigned *now)
{
	const char *v = label_get(c, "fleetdns.weight");
	if (!v)
		return ZONE_WEIGHT_DEFAULT;
	char *end;
	unsigned long n = strtoul(v, &end, 10);
	if (*v >= '0' && *v <= '9' && !*end && n <= 65535)
		return (uint16_t)n;
	*now |= REPLICA_WARN_WEIGHT;
	if (!(warned & REPLICA_WARN_WEIGHT))
		log_warning(
		    "container %s: label fleetdns.weight=%s is not a number from 0 to 65535; "
		    "weight %d",
		    c->name, v, ZONE_WEIGHT_DEFAULT);
	return ZONE_WEIGHT_DEFAULT;
}

/* Named ports from "http:8080,dns:53/udp". */
static void ports_from_label(replica_t *r, const engine_container_t *c, const char *spec)
{
	char buf[512];
	snprintf(buf, sizeof(buf), "%s", spec);
	char *save = NULL;
	for (char *item = strtok_r(buf, ",", &save); item && r->nports < REPLICA_PORTS_MAX;
	     item = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(item, ':');
		replica_port_t p = {0};
		if (colon) {
			*colon = '\0';
			char *slash = strchr(colon + 1, '/');
			if (slash) {
				p.udp = strcmp(slash + 1, "udp") == 0;
				*slash = '\0';
			}
			unsigned long n = strtoul(colon + 1, NULL, 10);
			p.port = (uint16_t)(n <= 65535 ? n : 0);
		}
		while (*item == ' ')
			item++;
		if (!colon || p.port == 0 || !registry_service_name_valid(item) ||
		    strchr(item, '.')) {
			log_warning(
			    "container %s: fleetdns.port entry '%s' is not NAME:PORT[/udp]; "
			    "skipped",
			    c->name, item);
			continue;
		}
		snprintf(p.name, sizeof(p.name), "%s", item);
		for (char *q = p.name; *q; q++)
			*q = (char)tolower((unsigned char)*q);
		r->ports[r->nports++] = p;
	}
}

/* The network named by fleetdns.network (else the engine's network:, else the first in
 * name order) gives the addresses. A fleetdns.network the container is not on withholds it. */
static void pick_addresses(replica_t *r, const conf_engine_t *e, const engine_container_t *c,
                           unsigned warned)
{
	if (e->address == CONF_ADDRESS_HOST) {
		const char *h = e->host_address ? e->host_address : "";
		snprintf(strchr(h, ':') ? r->ipv6 : r->ipv4, INET6_ADDRSTRLEN, "%s", h);
		return;
	}
	const char *own = label_get(c, "fleetdns.network");
	if (own && !*own)
		own = NULL;
	const char *want = own ? own : e->network;
	const engine_network_t *pick = NULL;
	for (size_t i = 0; i < c->nnetworks; i++) {
		const engine_network_t *n = &c->networks[i];
		if (want ? strcmp(n->name, want) == 0 : (!pick || strcmp(n->name, pick->name) < 0))
			pick = n;
	}
	if (!pick && own) {
		r->network_missing = true;
		if (!c->running)
			return; /* a stopped container has no networks worth a warning */
		r->warned |= REPLICA_WARN_NETWORK;
		if (warned & REPLICA_WARN_NETWORK)
			return;
		char names[256] = "";
		size_t len = 0;
		for (size_t i = 0; i < c->nnetworks && len < sizeof(names); i++)
			len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s",
			                        i ? ", " : "", c->networks[i].name);
		log_warning("engine %s: container %s: fleetdns.network=%s is not one of its "
		            "networks (%s); withheld",
		            e->name, c->name, own, c->nnetworks ? names : "none");
		return;
	}
	if (!pick)
		return;
	snprintf(r->ipv4, sizeof(r->ipv4), "%s", pick->ipv4 ? pick->ipv4 : "");
	snprintf(r->ipv6, sizeof(r->ipv6), "%s", pick->ipv6 ? pick->ipv6 : "");
}

/* SRV ports: named ones from the label; otherwise the exposed (container mode) or the
 * published (host mode) ports, named by number. */
static void pick_ports(replica_t *r, const conf_engine_t *e, const engine_container_t *c)
{
	const char *spec = label_get(c, "fleetdns.port");
	if (spec) {
		ports_from_label(r, c, spec);
		if (e->address != CONF_ADDRESS_HOST)
			return;
		/* Host mode: a named container port is reachable at its published port. */
		size_t keep = 0;
		for (size_t i = 0; i < r->nports; i++) {
			uint16_t host = 0;
			for (size_t k = 0; k < c->nports && !host; k++)
				if (c->ports[k].container_port == r->ports[i].port &&
				    c->ports[k].udp == r->ports[i].udp)
					host = c->ports[k].host_port;
			if (host) {
				r->ports[keep] = r->ports[i];
				r->ports[keep++].port = host;
			}
		}
		r->nports = keep;
		return;
	}
	for (size_t k = 0; k < c->nports && r->nports < REPLICA_PORTS_MAX; k++) {
		const engine_port_t *p = &c->ports[k];
		uint16_t port = e->address == CONF_ADDRESS_HOST ? p->host_port : p->container_port;
		if (port == 0 || (e->address == CONF_ADDRESS_HOST && p->host_ip &&
		                  strchr(p->host_ip, ':') && r->nports > 0))
			continue;
		bool dup = false;
		for (size_t i = 0; i < r->nports && !dup; i++)
			dup = r->ports[i].port == port && r->ports[i].udp == p->udp;
		if (dup)
			continue; /* published on IPv4 and IPv6: one SRV record */
		replica_port_t *rp = &r->ports[r->nports++];
		*rp = (replica_port_t){0}; /* replica_same() compares whole entries */
		snprintf(rp->name, sizeof(rp->name), "%u", p->container_port);
		rp->udp = p->udp;
		rp->port = port;
	}
}

/* A policy label's value: its index in values, or -1 when absent or invalid (an invalid
 * one is logged, once while it lasts: bit in *now, unless already in warned). */
static int label_choice(const engine_container_t *c, const char *key, const char *const *values,
                        size_t nvalues, unsigned bit, unsigned warned, unsigned *now)
{
	const char *v = label_get(c, key);
	if (!v)
		return -1;
	for (size_t i = 0; i < nvalues; i++)
		if (strcasecmp(v, values[i]) == 0)
			return (int)i;
	*now |= bit;
	if (!(warned & bit))
		log_warning("container %s: label %s=%s is not %s or %s; ignored", c->name, key, v,
		            values[0], values[1]);
	return -1;
}

int replica_from_container(replica_t *out, const conf_engine_t *e, const conf_fleet_t *fleet,
                           const engine_container_t *c, unsigned warned)
{
	static const char *const booleans[] = {"false", "true"};
	static const char *const policies[] = {
	    [CONF_UNHEALTHY_NODATA] = "nodata", [CONF_UNHEALTHY_ALL] = "all"};
	memset(out, 0, sizeof(*out));
	const char *own = label_get(c, "fleetdns.service");
	const char *service = own;
	if (!service && fleet->compose_labels)
		service = label_get(c, "com.docker.compose.service");
	if (!service && fleet->swarm_labels)
		service = label_get(c, "com.docker.swarm.service.name");
	if (!service)
		return 0;
	/* fleetdns.expose=false always hides; with expose: labelled, a Compose or Swarm service
	 * is published only when asked (fleetdns.service is asking). */
	unsigned now = 0;
	int expose =
	    label_choice(c, "fleetdns.expose", booleans, 2, REPLICA_WARN_EXPOSE, warned, &now);
	if (expose == 0 || (!own && fleet->expose == CONF_EXPOSE_LABELLED && expose != 1))
		return 0;
	out->unhealthy = label_choice(c, "fleetdns.unhealthy", policies, 2, REPLICA_WARN_UNHEALTHY,
	                              warned, &now);
	out->weight = label_weight(c, warned, &now);
	out->warned = now;
	if (!registry_service_name_valid(service)) {
		log_warning("engine %s: container %s: service label '%s' is not a valid DNS name; "
		            "skipped",
		            e->name, c->name, service);
		return 0;
	}
	out->engine = strdup(e->name);
	out->id = strdup(c->id);
	out->service = strdup(service);
	if (!out->engine || !out->id || !out->service) {
		replica_clear(out);
		return FDNS_ENOMEM;
	}
	for (char *p = out->service; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	make_label(out->label, c->name, e->name);
	out->running = c->running && !c->paused;
	bool healthy = c->health == HEALTH_NONE || c->health == HEALTH_HEALTHY ||
	               (c->health == HEALTH_STARTING && fleet->serve_starting);
	out->ttl = label_uint(c, "fleetdns.ttl", 86400);
	out->max_answers = label_uint(c, "fleetdns.max-answers", 1000);
	pick_addresses(out, e, c, warned);
	out->served = out->running && healthy && !out->network_missing;
	out->health = c->health;
	out->withheld = out->served                    ? NULL
	                : !c->running                  ? "stopped"
	                : c->paused                    ? "paused"
	                : out->network_missing         ? "network"
	                : c->health == HEALTH_STARTING ? "starting"
	                                               : "unhealthy";
	out->eligible = out->served;
	out->own_reason = out->withheld;
	/* Ports are picked into scratch space, then kept at their exact size: most replicas
	 * have none or one, and a replica is held for every container of the fleet. */
	replica_port_t scratch[REPLICA_PORTS_MAX];
	out->ports = scratch;
	pick_ports(out, e, c);
	out->ports = NULL;
	if (out->nports) {
		out->ports = malloc(out->nports * sizeof(*out->ports));
		if (!out->ports) {
			replica_clear(out);
			return FDNS_ENOMEM;
		}
		memcpy(out->ports, scratch, out->nports * sizeof(*out->ports));
	}
	return 1;
}

void replica_clear(replica_t *r)
{
	free(r->engine);
	free(r->id);
	free(r->service);
	free(r->ports);
	memset(r, 0, sizeof(*r));
}

uint16_t replica_probe_port(const replica_t *r)
{
	for (size_t i = 0; i < r->nports; i++)
		if (!r->ports[i].udp)
			return r->ports[i].port;
	return 0;
}

bool replica_same(const replica_t *a, const replica_t *b)
{
	return strcmp(a->service, b->service) == 0 && strcmp(a->label, b->label) == 0 &&
	       a->served == b->served && a->running == b->running &&
	       strcmp(a->ipv4, b->ipv4) == 0 && strcmp(a->ipv6, b->ipv6) == 0 && a->ttl == b->ttl &&
	       a->max_answers == b->max_answers && a->unhealthy == b->unhealthy &&
	       a->weight == b->weight && a->network_missing == b->network_missing &&
	       a->nports == b->nports &&
	       (a->nports == 0 || memcmp(a->ports, b->ports, a->nports * sizeof(a->ports[0])) == 0);
}
